"""Bearer-token authentication; the identity is resolved once per request into `g.actor`."""

from __future__ import annotations

from flask import g, request

from casebook.domain.errors import DomainError
from casebook.services import users

PUBLIC_ENDPOINTS = {"api-docs.openapi_json", "health.health_check", "auth.issue_token", "static"}


class Unauthorized(DomainError):
    http_status = 401
    code = "unauthorized"
    message = "未登录或令牌无效，请先获取令牌（POST /api/v1/auth/tokens）"


_READS = frozenset({"GET", "HEAD"})
READ_SESSION = "casebook_read_session"  # g attribute: the read session authentication opened (tx.read reuses it)


def authenticate_request(session_factory) -> None:
    """Resolve the bearer token into g.actor with one query.

    For a read (GET, HEAD) the session stays open on g for the request's own read (`tx.read`): one pool
    checkout (and, on PostgreSQL, one pre-ping) per request instead of two. Writes close it here, so the
    command's transaction is exactly as before. `close_request_session` closes whatever is left.
    """
    g.actor = None
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized()
    s = session_factory()
    try:
        actor = users.actor_for_token(s, token.strip())
        if actor is None:
            raise Unauthorized("令牌无效或已过期")
        g.actor = actor
    except BaseException:
        s.close()
        raise
    if request.method in _READS:
        setattr(g, READ_SESSION, s)
    else:
        s.close()


def close_request_session(_exc=None) -> None:
    s = g.pop(READ_SESSION, None)
    if s is not None:
        s.close()
