"""Password hashing (argon2id), the bound on concurrent hashing, and the password policy.

Hashes are argon2id at OWASP's minimum (m = 19 MiB, t = 2, p = 1). Hashes from before (werkzeug's
``scrypt:`` / ``pbkdf2:``) still verify and are replaced by argon2id at the next successful sign-in.
Every hash or verification takes one of ``hash_concurrency`` slots per process: a flood of sign-ins
queues for those slots (and gets a 503 after ``hash_wait_ms``) instead of taking every CPU from the
other requests. The hash itself runs on a small pool of threads of lowered scheduling priority
(nice +10; Linux schedules threads, so this touches no other thread): with several workers the
hashes may still use every core, but the kernel runs the other requests first. argon2-cffi releases
the GIL while hashing, so the request threads keep serving.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache
from importlib import resources

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from werkzeug.security import check_password_hash

from casebook.config import Settings
from casebook.domain.errors import DomainError, ValidationFailed

MIN_LENGTH = 10
MAX_LENGTH = 200
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID)
_slots = threading.BoundedSemaphore(1)
_wait_s = 2.0
HASH_NICENESS = 10


def _lower_priority() -> None:
    if HASH_NICENESS <= 0:
        return
    try:
        me = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, me, os.getpriority(os.PRIO_PROCESS, me) + HASH_NICENESS)  # this thread only
    except (AttributeError, OSError):
        pass


_pool_size = 1
_pool = ThreadPoolExecutor(max_workers=_pool_size, thread_name_prefix="casebook-hash", initializer=_lower_priority)


class HashingBusy(DomainError):
    """Every hashing slot stayed taken: the service is under a sign-in flood."""

    http_status = 503
    code = "login_busy"
    message = "登录请求过多，请稍后重试"
    headers = {"Retry-After": "1"}


def configure(settings: Settings) -> None:
    """Size the per-process hashing bound from the settings (called by the app factory)."""
    global _slots, _wait_s, _pool, _pool_size, HASH_NICENESS
    n = max(1, settings.hash_concurrency)
    _slots = threading.BoundedSemaphore(n)
    _wait_s = max(0.0, settings.hash_wait_ms / 1000)
    if _pool_size != n or HASH_NICENESS != settings.hash_niceness:
        _pool_size, HASH_NICENESS = n, settings.hash_niceness
        _pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="casebook-hash", initializer=_lower_priority)


@contextmanager
def _slot():
    if not _slots.acquire(timeout=_wait_s):
        raise HashingBusy()
    try:
        yield
    finally:
        _slots.release()


def _run(fn, *args):
    """Run one hash on the low-priority pool, within a slot."""
    with _slot():
        return _pool.submit(fn, *args).result()


def hash_password(password: str) -> str:
    return _run(lambda p: _hasher.hash(p), password)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("casebook-dummy-password-for-unknown-users")


def verify(stored: str | None, password: str) -> bool:
    """Check a password against a stored hash; with no stored hash, spend the same time on a dummy one."""
    return _run(_verify, stored, password)


def _verify(stored: str | None, password: str) -> bool:
    if stored is None:  # unknown user: equal timing, always False
        try:
            _hasher.verify(_dummy_hash(), password)
        except VerificationError:
            pass
        return False
    if stored.startswith("$argon2"):
        try:
            return _hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
    return check_password_hash(stored, password)  # werkzeug scrypt/pbkdf2, rehashed on success


def needs_rehash(stored: str) -> bool:
    return not stored.startswith("$argon2") or _hasher.check_needs_rehash(stored)


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("casebook").joinpath("data/common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def check_policy(password: str, *, username: str = "", field: str = "password") -> None:
    """Refuse short, over-long, common or username-derived passwords (OWASP ASVS 6.2)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"密码至少{MIN_LENGTH}位")
    elif len(password) > MAX_LENGTH:
        problems.append(f"密码不得超过{MAX_LENGTH}位")
    lowered = password.lower()
    if lowered in common_passwords():
        problems.append("该密码属于常见密码，请换一个不易猜到的密码")
    if username and username.lower() in lowered:
        problems.append("密码不得包含用户名")
    if len(set(password)) <= 2:
        problems.append("密码不得由同一两个字符重复组成")
    if problems:
        raise ValidationFailed("密码不符合要求", code="weak_password", errors={field: problems})
