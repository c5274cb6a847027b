"""The zh-CN pages: server-rendered (Flask + Jinja), one blueprint per area, plain forms and links first.

Sessions: logging in issues an ApiToken (the identity store of the API) and keeps it in Flask's signed
session cookie (HttpOnly, SameSite=Lax, Secure over TLS); every page resolves it exactly as the API resolves a
bearer token (`casebook.web.auth.identify`): a revoked, expired, idle (CASEBOOK_TOKEN_IDLE_MINUTES) token or a
deactivated user ends the session, and a page's use refreshes the token's last use.
"""

from __future__ import annotations

from flask import Flask, flash, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect

from casebook.domain.lifecycle import ROLE_LABELS
from casebook.services import users
from casebook.web.auth import identify

from . import fmt

UI_PREFIX = "ui_"
API_PREFIX = "/api/"  # the bearer-token API (casebook.web.api, casebook.web.public.api) …
PAGES_UNDER_API = ("/api/docs",)  # … but for the API explorer, a page (ui_apidocs)
PUBLIC = {"ui_shell.static", "ui_auth.login", "ui_auth.index", "ui_apidocs.explorer"}
csrf = CSRFProtect()


class UiSessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the page was served over TLS (directly or behind a proxy)."""

    def get_cookie_secure(self, app):
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure

    def open_session(self, app, request):
        # The API is bearer-only (casebook.web.auth): its requests never read or write the page session, so they
        # skip the cookie's signature check and the serializer Flask builds for it on every request (~30 µs).
        if request.path.startswith(API_PREFIX) and not request.path.startswith(PAGES_UNDER_API):
            return self.session_class()
        return super().open_session(app, request)


def is_ui_request() -> bool:
    return (request.blueprint or "").startswith(UI_PREFIX)


def register(app: Flask, api_blueprints, settings) -> None:
    from . import admin, apidocs, auth, case, evaluation, head, review, shell, supervision, workspace

    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_NAME="casebook_session",
                      WTF_CSRF_TIME_LIMIT=None, WTF_CSRF_HEADERS=["X-CSRFToken"])
    app.session_interface = UiSessionInterface()
    csrf.init_app(app)
    for blp in api_blueprints:  # the API authenticates with bearer tokens, not cookies: no CSRF there
        csrf.exempt(blp)
    for blp in (shell.blp, auth.blp, workspace.blp, case.blp, review.blp, head.blp, supervision.blp, evaluation.blp,
                admin.blp, apidocs.blp):
        app.register_blueprint(blp)
    fmt.install(app)

    def describe(user) -> None:
        g.user = {"id": user.id, "name": user.display_name, "agency": user.agency.name, "agency_id": user.agency_id,
                  "roles": list(user.roles or ()), "role_label": "、".join(ROLE_LABELS.get(r, r) for r in user.roles or ())}

    @app.before_request
    def _ui_identity():
        g.actor = g.user = None
        if not is_ui_request() or request.endpoint == "ui_shell.static":
            return None
        token = session.get("token")
        if token:
            sessions = app.extensions["casebook"]
            if not identify(token, sessions["read_sessions"], sessions["sessions"], describe):
                with sessions["sessions"]() as s, s.begin():
                    users.delete_token(s, token)  # revoked, expired or idle: the token dies with the session
                g.actor = g.user = None
                session.clear()
                flash("登录状态已过期，请重新登录", "error")
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
