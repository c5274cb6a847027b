"""Regenerate casebook/data/common_passwords.txt from the zxcvbn package (pip install zxcvbn; build time only)."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

from zxcvbn.frequency_lists import FREQUENCY_LISTS

OUT = Path(__file__).resolve().parent.parent / "casebook" / "data" / "common_passwords.txt"


def main() -> None:
    version = importlib.metadata.version("zxcvbn")
    words = sorted({p.lower() for p in FREQUENCY_LISTS["passwords"] if len(p) >= 10})
    OUT.write_text(
        "# Common passwords of 10 or more characters (shorter ones are refused by length anyway).\n"
        f"# Source: the 'passwords' frequency list shipped by zxcvbn {version} (PyPI; Dropbox's zxcvbn, MIT licence),\n"
        "# itself the most frequent passwords of the Xato 10-million-password corpus. Regenerate with\n"
        "# scripts/make_common_passwords.py. One password a line, lower case.\n" + "\n".join(words) + "\n")


if __name__ == "__main__":
    main()
