"""Files only the service account may read: the SQLite database, evidence blobs, keys (0600 / 0700)."""

from __future__ import annotations

import os
from pathlib import Path


def private_dir(path: Path) -> Path:
    """Create a directory (and missing parents) readable by the owner only; an existing one is left as it is."""
    path = Path(path)
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(d, 0o700)  # mkdir's mode passes through the umask; be explicit
    return path


def sqlite_file(url: str) -> None:
    """Create the file of a sqlite:/// URL 0600 (in a 0700 directory) before SQLite creates it 0644; its -wal
    and -shm files inherit the database file's mode."""
    from sqlalchemy.engine import make_url

    db = make_url(url).database
    if not url.startswith("sqlite") or not db or db == ":memory:" or db.startswith("file:"):
        return
    path = Path(db)
    if path.exists():
        return
    private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
