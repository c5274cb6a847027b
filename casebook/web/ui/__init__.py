"""The zh-CN pages: server-rendered (Flask + Jinja), one blueprint per area, plain forms and links first.

Sessions: logging in issues an ApiToken (the identity store of the API) and keeps it in Flask's signed
session cookie (HttpOnly, SameSite=Lax, Secure over TLS); every page resolves it like a bearer token, so a
revoked or expired token ends the session. An idle session ends after `session_idle_minutes`.
"""

from __future__ import annotations

import time

from flask import Flask, flash, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect

from casebook.domain.lifecycle import ROLE_LABELS
from casebook.services import users
from casebook.services.context import actor_for

from . import fmt

UI_PREFIX = "ui_"
PUBLIC = {"ui_shell.static", "ui_auth.login", "ui_auth.index", "ui_apidocs.explorer"}
csrf = CSRFProtect()


class UiSessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the page was served over TLS (directly or behind a proxy)."""

    def get_cookie_secure(self, app):
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def is_ui_request() -> bool:
    return (request.blueprint or "").startswith(UI_PREFIX)


def register(app: Flask, api_blueprints, settings) -> None:
    from . import apidocs, auth, case, evaluation, head, review, shell, workspace

    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_NAME="casebook_session",
                      WTF_CSRF_TIME_LIMIT=None, WTF_CSRF_HEADERS=["X-CSRFToken"])
    app.session_interface = UiSessionInterface()
    csrf.init_app(app)
    for blp in api_blueprints:  # the API authenticates with bearer tokens, not cookies: no CSRF there
        csrf.exempt(blp)
    for blp in (shell.blp, auth.blp, workspace.blp, case.blp, review.blp, head.blp, evaluation.blp, apidocs.blp):
        app.register_blueprint(blp)
    fmt.install(app)
    idle = settings.session_idle_minutes * 60

    @app.before_request
    def _ui_identity():
        g.actor = g.user = None
        if not is_ui_request() or request.endpoint == "ui_shell.static":
            return None
        token = session.get("token")
        if token:
            last = session.get("seen", 0)
            expired = time.time() - last > idle
            with app.extensions["casebook"]["sessions" if expired else "read_sessions"]() as s:
                user = users.user_for_token(s, token)
                if user is not None and expired:
                    users.delete_token(s, token)  # idle too long: the token dies with the session
                    s.commit()
                    user = None
                if user is not None:
                    g.actor = actor_for(s, user)
                    g.user = {"id": user.id, "name": user.display_name, "agency": user.agency.name,
                              "agency_id": user.agency_id, "roles": list(user.roles or ()),
                              "role_label": "、".join(ROLE_LABELS.get(r, r) for r in user.roles or ())}
            if g.actor is None:
                session.clear()
                flash("登录状态已过期，请重新登录", "error")
            else:
                session["seen"] = int(time.time())
        if g.actor is None and request.endpoint not in PUBLIC:
            return redirect(url_for("ui_auth.login", next=request.full_path if request.method == "GET" else None))
        return None

    @app.errorhandler(CSRFError)
    def _csrf(e):
        if is_ui_request():
            flash("页面已过期，请重新提交", "error")
            return redirect(request.referrer or url_for("ui_auth.index"))
        from casebook.web.errors import error_response

        return error_response(400, "csrf_failed", "CSRF 校验失败")
