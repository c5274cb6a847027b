"""Bearer-token authentication; the identity is resolved once per request into `g.actor` (and `g.token_id`)."""

from __future__ import annotations

import datetime as dt

from flask import g, request

from casebook.domain.errors import DomainError
from casebook.services import users

PUBLIC_ENDPOINTS = {"api-docs.openapi_json", "health.health_check", "auth.issue_token", "static"}
PUBLIC_BLUEPRINTS = {"public", "public_api"}


class Unauthorized(DomainError):
    http_status = 401
    code = "unauthorized"
    message = "未登录或令牌无效，请先获取令牌（POST /api/v1/auth/tokens）"


READ_SESSION = "casebook_read_session"  # g attribute: a read session opened for the request (tx.read reuses it)
# g attribute (PostgreSQL, a request that may write): the one session the whole request runs in — the token is
# resolved in it, permission checks read in it (tx.read), the command commits it (tx.command). One pool checkout
# (and pre-ping) per request instead of one for each; SQLite keeps its reads off the writer's lock instead.
REQUEST_SESSION = "casebook_request_session"
_READS = ("GET", "HEAD", "OPTIONS")


def bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def resolve(read_factory, write_factory=None, *, one_session: bool = False) -> bool:
    """Set g.actor / g.token_id from the bearer token if there is a live one; refresh its last use."""
    token = bearer_token()
    return token is not None and identify(token, read_factory, write_factory, one_session=one_session)


def identify(token: str, read_factory, write_factory=None, describe=None, *, one_session: bool = False) -> bool:
    """Resolve a token — a bearer token, or the one a page session keeps in its cookie — into g.actor / g.token_id.

    One rule for both (`users.token_identity`): not revoked, not past its expiry, not idle longer than
    CASEBOOK_TOKEN_IDLE_MINUTES, its user active. A use refreshes the token's last use (at most once a minute),
    which is what the idle timeout counts from. `describe(user)` runs while the user is loaded (the pages' header).
    `one_session` (PostgreSQL): a request that may write resolves the token in the session it will write in.
    """
    now = dt.datetime.now(dt.UTC)
    shared = one_session and write_factory is not None and request.method not in _READS
    s = write_factory() if shared else read_factory()
    try:
        ident = users.token_identity(s, token, now=now)
        if ident is None:
            s.close()
            return False
        g.actor = ident.actor
        g.token_id = ident.token_id
        if describe is not None:
            describe(users.current_user(s, ident.actor))
        stale = ident.last_used_at is None or now - ident.last_used_at >= users.TOUCH_EVERY
    except BaseException:
        s.close()
        raise
    if shared:
        setattr(g, REQUEST_SESSION, s)
    elif request.method in ("GET", "HEAD") and not stale:
        # A read keeps this session for its own query (tx.read): one pool checkout per request, not two.
        setattr(g, READ_SESSION, s)
    else:
        s.close()
    if stale and write_factory is not None:
        with write_factory() as s, s.begin():
            users.touch_token(s, ident.token_id, now)
    return True


def authenticate_request(session_factory, write_factory=None, *, one_session: bool = False) -> None:
    g.actor = None
    g.token_id = None
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        if request.endpoint == "health.health_check":
            resolve(session_factory)  # optional: an admin's token shows the detail
        return
    if request.blueprint in PUBLIC_BLUEPRINTS:  # 公示 pages and API: no login (casebook.web.public)
        return
    token = bearer_token()
    if token is None:
        raise Unauthorized()
    if not identify(token, session_factory, write_factory, one_session=one_session):
        raise Unauthorized("令牌无效或已过期")


def close_request_session(_exc=None) -> None:
    """Close what the request left open (a command that ran has committed and closed its session)."""
    for name in (READ_SESSION, REQUEST_SESSION):
        s = g.pop(name, None)
        if s is not None:
            s.close()  # a transaction not committed is rolled back
