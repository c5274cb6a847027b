"""Sign-in with a throttle: per-account and per-address exponential back-off, shared through the database.

State lives in the ``login_throttle`` table, not in process memory: the product runs several gunicorn
workers (and several hosts may share one PostgreSQL), and an in-process counter would give an attacker
one budget per worker and forget everything at each restart.

An attempt is *charged before* the password is checked, in its own short transaction (row locked on
PostgreSQL, the write lock on SQLite): parallel guesses cannot all pass a check that none of them has
yet counted. After ``login_*_attempts`` free failures the key is blocked for 1 s, then 2, 4 … up to
``login_backoff_max_s``; while blocked every attempt is answered 429 with Retry-After *without* looking
at the password. A success forgets the account's failures and takes back its charge from the address.
Failures older than ``login_window_minutes`` are forgotten.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from casebook.config import Settings
from casebook.db.engine import session_settings
from casebook.db.models import LoginThrottle, User, utcnow
from casebook.domain.errors import DomainError

from . import passwords

log = logging.getLogger("casebook.auth")
PRUNE_CHANCE = 0.01  # one attempt in a hundred also deletes the expired rows


class BadCredentials(DomainError):
    http_status = 401
    code = "bad_credentials"
    message = "用户名或密码错误"


class TooManyAttempts(DomainError):
    http_status = 429
    code = "too_many_attempts"

    def __init__(self, retry_after: int):
        super().__init__(f"登录失败次数过多，请在{retry_after}秒后重试")
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


def _settings(s: Session | None = None) -> Settings:
    """The settings of the session's unit of work (handed in by whoever built the sessions)."""
    return session_settings(s)


def _backoff(failures: int, free: int, cap: int) -> int:
    return min(cap, 2 ** min(failures - free, 30))


def _charge(s: Session, scope: str, key: str, free: int, now: dt.datetime, st: Settings) -> int | None:
    """Count one attempt against (scope, key); return the seconds to wait if the key is blocked."""
    ins = (pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert)(LoginThrottle)
    s.execute(ins.values(scope=scope, key=key, failures=0).on_conflict_do_nothing(index_elements=["scope", "key"]))
    row = s.execute(select(LoginThrottle).where(LoginThrottle.scope == scope, LoginThrottle.key == key)
                    .with_for_update()).scalar_one()
    if row.blocked_until is not None and row.blocked_until > now:
        return max(1, math.ceil((row.blocked_until - now).total_seconds()))
    if row.last_failure_at is None or row.last_failure_at < now - dt.timedelta(minutes=st.login_window_minutes):
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    row.blocked_until = now + dt.timedelta(seconds=_backoff(row.failures, free, st.login_backoff_max_s)) \
        if row.failures >= free else None
    return None


def _forgive(s: Session, account: str, address: str, st: Settings) -> None:
    s.query(LoginThrottle).filter(LoginThrottle.scope == "account", LoginThrottle.key == account).delete()
    row = s.execute(select(LoginThrottle).where(LoginThrottle.scope == "address", LoginThrottle.key == address)
                    .with_for_update()).scalar_one_or_none()
    if row is not None:
        row.failures = max(0, row.failures - 1)
        if row.failures < st.login_address_attempts:
            row.blocked_until = None


def _prune(s: Session, now: dt.datetime, st: Settings) -> None:
    """Forget keys whose failures are all older than the window (a spray of unknown names leaves one row each)."""
    cutoff = now - dt.timedelta(minutes=st.login_window_minutes)
    s.execute(delete(LoginThrottle).where(LoginThrottle.last_failure_at < cutoff,
                                          or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until < now)))


def charge_and_check(s: Session, username: str, address: str, *, settings: Settings | None = None) -> None:
    """Charge one attempt to the account and the address (committed); raise TooManyAttempts when blocked."""
    st = settings or _settings(s)
    account, address = username.strip().lower()[:100], (address or "unknown")[:100]
    now = utcnow()
    with s.begin():
        if random.random() < PRUNE_CHANCE:
            _prune(s, now, st)
        wait = [w for w in (_charge(s, "account", account, st.login_account_attempts, now, st),
                            _charge(s, "address", address, st.login_address_attempts, now, st)) if w]
    if wait:
        log.warning("login throttled username=%r address=%s retry_after=%s", username, address, max(wait))
        raise TooManyAttempts(max(wait))


def login(s: Session, username: str, password: str, address: str, *, settings: Settings | None = None) -> User:
    """Check a sign-in and return the user, or raise BadCredentials / TooManyAttempts / HashingBusy.

    ``s`` must not be inside a transaction: the throttle's bookkeeping commits on its own, so that a
    failure is counted even though the caller's work is rolled back. The returned user is loaded in ``s``.
    """
    st = settings or _settings(s)
    account, address = username.strip().lower()[:100], (address or "unknown")[:100]
    charge_and_check(s, username, address, settings=st)
    with s.begin():
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        stored = user.password_hash if user is not None else None
    ok = passwords.verify(stored, password)  # no transaction open while hashing
    if not ok or user is None or not user.active:
        reason = "unknown_user" if user is None else ("inactive" if ok else "bad_password")
        log.warning("login failed username=%r address=%s reason=%s", username, address, reason)
        raise BadCredentials()
    new_hash = passwords.hash_password(password) if passwords.needs_rehash(stored) else None
    with s.begin():
        _forgive(s, account, address, st)
        if new_hash is not None:
            s.get(User, user.id).password_hash = new_hash  # upgrade an old scrypt/pbkdf2 hash to argon2id
    log.info("login ok username=%r address=%s", username, address)
    return user
