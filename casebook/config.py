"""Configuration from CASEBOOK_* environment variables; nothing connects at import time."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


@dataclass
class Settings:
    """Every setting with its default; each one is documented in the README."""

    data_dir: Path = field(default_factory=lambda: Path(_env("CASEBOOK_DATA_DIR", str(ROOT / "var"))))
    database_url: str = ""
    broker_url: str = field(default_factory=lambda: _env("CASEBOOK_BROKER_URL", "memory://localhost/"))
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
    relay_poll_ms: int = field(default_factory=lambda: int(_env("CASEBOOK_RELAY_POLL_MS", "1000")))
    # A lost event must not hold its case forever: re-send the missing one, then dead-letter it (seconds waited).
    event_gap_resend_s: float = field(default_factory=lambda: float(_env("CASEBOOK_EVENT_GAP_RESEND_S", "10")))
    event_gap_timeout_s: float = field(default_factory=lambda: float(_env("CASEBOOK_EVENT_GAP_TIMEOUT_S", "300")))
    # Previews (文书预览): their own renderer processes, and the limits that keep them from starving others.
    preview_workers: int = field(default_factory=lambda: int(_env("CASEBOOK_PREVIEW_WORKERS", "1")))
    preview_timeout_s: float = field(default_factory=lambda: float(_env("CASEBOOK_PREVIEW_TIMEOUT_S", "20")))
    preview_max_pages: int = field(default_factory=lambda: int(_env("CASEBOOK_PREVIEW_MAX_PAGES", "50")))
    preview_max_kb: int = field(default_factory=lambda: int(_env("CASEBOOK_PREVIEW_MAX_KB", "128")))
    preview_per_user: int = field(default_factory=lambda: int(_env("CASEBOOK_PREVIEW_PER_USER", "2")))
    preview_max_waiting: int = field(default_factory=lambda: int(_env("CASEBOOK_PREVIEW_MAX_WAITING", "8")))
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
    # A due date counted on a year whose 国务院办公厅 notice is not loaded is provisional: warn this many
    # working days earlier than usual, so the missing 调休 data cannot make anyone late.
    provisional_margin_days: int = field(default_factory=lambda: int(_env("CASEBOOK_PROVISIONAL_MARGIN_DAYS", "3")))
    # From this day of the year (MM-DD), health and the deadline list warn when next year is not loaded.
    calendar_reminder_from: str = field(default_factory=lambda: _env("CASEBOOK_CALENDAR_REMINDER_FROM", "10-01"))
    # Sessions (Issue 11): a token ends at its absolute expiry or after this long unused, whichever comes first.
    token_ttl_hours: int = field(default_factory=lambda: int(_env("CASEBOOK_TOKEN_TTL_HOURS", "24")))
    token_idle_minutes: int = field(default_factory=lambda: int(_env("CASEBOOK_TOKEN_IDLE_MINUTES", "60")))
    # Sign-in throttle: free failures per account / per address, then a back-off doubling from 1 s up to the cap;
    # failures older than the window are forgotten.
    login_account_attempts: int = field(default_factory=lambda: int(_env("CASEBOOK_LOGIN_ACCOUNT_ATTEMPTS", "5")))
    login_address_attempts: int = field(default_factory=lambda: int(_env("CASEBOOK_LOGIN_ADDRESS_ATTEMPTS", "20")))
    login_backoff_max_s: int = field(default_factory=lambda: int(_env("CASEBOOK_LOGIN_BACKOFF_MAX_S", "900")))
    login_window_minutes: int = field(default_factory=lambda: int(_env("CASEBOOK_LOGIN_WINDOW_MINUTES", "60")))
    # Password hashes computed at once per process, and how long a sign-in waits for a slot before a 503.
    hash_concurrency: int = field(default_factory=lambda: int(_env("CASEBOOK_HASH_CONCURRENCY", "1")))
    hash_wait_ms: int = field(default_factory=lambda: int(_env("CASEBOOK_HASH_WAIT_MS", "2000")))
    # Reverse proxies in front of the web process whose X-Forwarded-For / -Proto to trust (0: none). Without
    # it, behind a proxy every client would share the proxy's address in the sign-in throttle.
    proxy_hops: int = field(default_factory=lambda: int(_env("CASEBOOK_PROXY_HOPS", "0")))
    hash_niceness: int = field(default_factory=lambda: int(_env("CASEBOOK_HASH_NICENESS", "10")))
    # Public 公示 pages and API (Issue 14): rate limit per client address, limiter storage, cache lifetime.
    public_rate_limit: str = field(default_factory=lambda: _env("CASEBOOK_PUBLIC_RATE_LIMIT", "120/minute"))
    ratelimit_storage_url: str = field(default_factory=lambda: _env("CASEBOOK_RATELIMIT_STORAGE_URL", "memory://"))
    public_cache_seconds: int = field(default_factory=lambda: int(_env("CASEBOOK_PUBLIC_CACHE_SECONDS", "60")))
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


@cache
def process_settings() -> Settings:
    """The process's own settings, read from the environment on first use (for code run without an app)."""
    return Settings()
