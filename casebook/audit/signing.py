"""Ed25519 signatures over chain-head checkpoints, so a recomputed chain is still caught."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .chain import format_time


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """Load the signing key, creating it (mode 0600) on first use."""
    path = Path(path)
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise RuntimeError(f"{path} is not an Ed25519 private key")
        return key
    from casebook.private_files import private_dir

    private_dir(path.parent)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return key


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def statement(seq: int, entry_hash: str, signed_at: dt.datetime) -> bytes:
    return f"casebook-trail-checkpoint|v1|{seq}|{entry_hash}|{format_time(signed_at)}".encode()


def sign(key: Ed25519PrivateKey, seq: int, entry_hash: str, signed_at: dt.datetime) -> str:
    return base64.b64encode(key.sign(statement(seq, entry_hash, signed_at))).decode()


def signature_valid(public: Ed25519PublicKey, seq: int, entry_hash: str, signed_at: dt.datetime, signature: str) -> bool:
    try:
        public.verify(base64.b64decode(signature), statement(seq, entry_hash, signed_at))
        return True
    except (InvalidSignature, ValueError):
        return False
