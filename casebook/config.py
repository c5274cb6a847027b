"""Configuration from CASEBOOK_* environment variables; nothing connects at import time."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


@dataclass
class Settings:
    """Every setting with its default; each one is documented in the README."""

    data_dir: Path = field(default_factory=lambda: Path(_env("CASEBOOK_DATA_DIR", str(ROOT / "var"))))
    database_url: str = ""
    broker_url: str = field(default_factory=lambda: _env("CASEBOOK_BROKER_URL", "memory://"))
    secret_key: str = field(default_factory=lambda: _env("CASEBOOK_SECRET_KEY", "dev-only-change-me"))
    max_upload_bytes: int = field(default_factory=lambda: int(_env("CASEBOOK_MAX_UPLOAD_MB", "50")) * 1024 * 1024)
    max_json_bytes: int = field(default_factory=lambda: int(_env("CASEBOOK_MAX_JSON_KB", "256")) * 1024)
    signing_key_path: Path | None = None
    checkpoint_minutes: int = field(default_factory=lambda: int(_env("CASEBOOK_CHECKPOINT_MINUTES", "10")))
    broker_prefix: str = field(default_factory=lambda: _env("CASEBOOK_BROKER_PREFIX", "casebook"))
    retry_delay_ms: int = field(default_factory=lambda: int(_env("CASEBOOK_RETRY_DELAY_MS", "5000")))
    max_retries: int = field(default_factory=lambda: int(_env("CASEBOOK_MAX_RETRIES", "5")))
    prefetch: int = field(default_factory=lambda: int(_env("CASEBOOK_PREFETCH", "50")))
    relay_batch: int = field(default_factory=lambda: int(_env("CASEBOOK_RELAY_BATCH", "500")))
    relay_poll_ms: int = field(default_factory=lambda: int(_env("CASEBOOK_RELAY_POLL_MS", "100")))
    host: str = field(default_factory=lambda: _env("CASEBOOK_HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(_env("CASEBOOK_PORT", "8000")))
    log_level: str = field(default_factory=lambda: _env("CASEBOOK_LOG_LEVEL", "INFO"))
    # Deadlines (Issue 5): the sweep's tick and batch, and the counting choices the law leaves open.
    sweep_seconds: int = field(default_factory=lambda: int(_env("CASEBOOK_SWEEP_SECONDS", "15")))
    sweep_batch: int = field(default_factory=lambda: int(_env("CASEBOOK_SWEEP_BATCH", "2000")))
    sweep_workers: int = field(default_factory=lambda: int(_env("CASEBOOK_SWEEP_WORKERS", "2")))
    referral_day_counting: str = field(default_factory=lambda: _env("CASEBOOK_REFERRAL_DAY_COUNTING", "calendar"))
    legal_review_days: int = field(default_factory=lambda: int(_env("CASEBOOK_LEGAL_REVIEW_DAYS", "10")))
    deadline_warn_days: str = field(default_factory=lambda: _env("CASEBOOK_DEADLINE_WARN_DAYS", ""))
    # Pages (Issue 13): an idle login session ends after this many minutes; a login token lives at most a day.
    session_idle_minutes: int = field(default_factory=lambda: int(_env("CASEBOOK_SESSION_IDLE_MINUTES", "30")))
    # Embedded mode (`casebook serve`): the login page lists the demo accounts.
    embedded: bool = False

    def __post_init__(self):
        self.data_dir = Path(self.data_dir)
        if not self.database_url:
            self.database_url = _env("CASEBOOK_DATABASE_URL", f"sqlite:///{self.data_dir / 'casebook.db'}")
        if self.signing_key_path is None:
            p = os.environ.get("CASEBOOK_SIGNING_KEY")
            self.signing_key_path = Path(p) if p else self.data_dir / "keys" / "trail-ed25519.pem"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        names = {f.name for f in fields(cls)}
        unknown = set(overrides) - names
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        return cls(**overrides)
