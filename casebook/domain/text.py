"""What text may contain: no control or bidi-override characters in names and free text; file names
normalised for display and for Content-Disposition (RFC 6266, with filename* per RFC 8187)."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

# C0 controls except TAB, LF, CR; DEL; C1 controls. Line breaks and tabs are allowed in free text.
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
# Bidi embeddings, overrides and isolates (U+202A–202E, U+2066–2069), the implicit marks (U+200E, U+200F,
# U+061C): they make "gpj.exe" display as "exe.jpg" (Trojan Source, CVE-2021-42574).
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_SURROGATES = "\ud800-\udfff"
FORBIDDEN = re.compile(f"[{_CONTROL}{_BIDI}{_SURROGATES}]")
_FILENAME_DROP = re.compile(f"[{_CONTROL}{_BIDI}{_SURROGATES}\t\n\r\u200b-\u200d\ufeff]")
_FILENAME_RESERVED = re.compile(r'[<>:"|?*]')
MAX_FILENAME = 200


def forbidden_character(text: str) -> str | None:
    """The first control / bidi / lone-surrogate character in text, described for a person, or None."""
    m = FORBIDDEN.search(text)
    if m is None:
        return None
    return f"U+{ord(m.group()):04X}"


def clean_filename(name: str | None) -> str | None:
    """A file name fit to show and to send back: the last path component only, NFC, without control, bidi or
    zero-width characters and without characters Windows refuses; None when nothing is left."""
    if not name:
        return None
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[/\\]", name)[-1]  # drop any path ("../../etc/passwd.png" → "passwd.png")
    name = _FILENAME_DROP.sub("", name)
    name = _FILENAME_RESERVED.sub("_", name).strip(" .")
    if not name:
        return None
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: MAX_FILENAME - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:MAX_FILENAME]
    return name


def content_disposition(name: str, disposition: str = "attachment") -> str:
    """RFC 6266: an ASCII fallback in filename= and the exact UTF-8 name in filename*."""
    name = clean_filename(name) or "file"
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\%' else "_" for c in name)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
