"""Bearer-token authentication; the identity is resolved once per request into `g.actor`."""

from __future__ import annotations

from flask import g, request

from casebook.domain.errors import DomainError
from casebook.services import users
from casebook.services.context import actor_for

PUBLIC_ENDPOINTS = {"api-docs.openapi_json", "health.health_check", "auth.issue_token", "static"}
PUBLIC_BLUEPRINTS = {"public", "public_api", "publicity_staff_page"}


class Unauthorized(DomainError):
    http_status = 401
    code = "unauthorized"
    message = "未登录或令牌无效，请先获取令牌（POST /api/v1/auth/tokens）"


def authenticate_request(session_factory) -> None:
    g.actor = None
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return
    if request.blueprint in PUBLIC_BLUEPRINTS:  # 公示 pages and API: no login (casebook.web.public)
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized()
    with session_factory() as s:
        user = users.user_for_token(s, token.strip())
        if user is None:
            raise Unauthorized("令牌无效或已过期")
        g.actor = actor_for(s, user)
