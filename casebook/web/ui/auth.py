"""Login, logout and 修改密码: cookie sessions on the API's identity store (an ApiToken per login)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, request, session, url_for

from casebook.domain.errors import DomainError
from casebook.services import throttle, users

from .shell import install_errors, page, settings, write

blp = Blueprint("ui_auth", __name__)
install_errors(blp)
SESSION_TOKEN_DAYS = 1  # the absolute expiry of a login (the token's), whatever the activity


def _demo_accounts():
    if not settings().embedded:
        return []
    from casebook.seed import DEMO_ACCOUNTS, DEMO_PASSWORD

    return [(u, DEMO_PASSWORD, who) for u, who in DEMO_ACCOUNTS]


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _home():
    roles = (g.user or {}).get("roles", []) if g.get("user") else []
    if "legal_reviewer" in roles:
        return url_for("ui_review.queue")
    if "agency_head" in roles:
        return url_for("ui_head.approvals")
    if "admin" in roles and not set(roles) & {"officer", "supervisor"}:
        return url_for("ui_admin.agencies")
    return url_for("ui_work.cases")


@blp.route("/")
def index():
    if g.get("actor") is None:
        return redirect(url_for("ui_auth.login"))
    return redirect(_home())


@blp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if g.get("actor") is not None:
            return redirect(_home())
        return page("login.html", demo=_demo_accounts(), next=_safe_next(request.args.get("next")))
    username = (request.form.get("username") or "").strip()
    password = request.form.get("password") or ""
    nxt = _safe_next(request.form.get("next"))
    errors = {}
    if not username:
        errors["username"] = "用户名不能为空"
    if not password:
        errors["password"] = "密码不能为空"
    if errors:
        return page("login.html", 422, errors=errors, username=username, demo=_demo_accounts(), next=nxt)
    # The same sign-in as the API's: throttled per account and address, argon2id, failures logged (issue 11).
    try:
        with current_app.extensions["casebook"]["sessions"]() as s:
            user = throttle.login(s, username, password, request.remote_addr or "")
            with s.begin():
                token = users.issue_token(s, user, name="网页登录", ttl=dt.timedelta(days=SESSION_TOKEN_DAYS))
    except DomainError as e:
        status = getattr(e, "http_status", 401)
        resp = current_app.make_response(
            page("login.html", status, error=e.message, username=username, demo=_demo_accounts(), next=nxt))
        for k, v in (getattr(e, "headers", None) or {}).items():  # Retry-After while the back-off runs
            resp.headers[k] = v
        return resp
    session.clear()
    session["token"] = token
    session.permanent = False
    return redirect(nxt or url_for("ui_auth.index"))


@blp.route("/logout", methods=["POST"])
def logout():
    token = session.get("token")
    if token:
        write(lambda s: users.delete_token(s, token))
    session.clear()
    flash("已退出登录", "success")
    return redirect(url_for("ui_auth.login"))


@blp.route("/password", methods=["GET", "POST"])
def password():
    if request.method == "GET":
        return page("password.html", crumbs=[("个人中心", None), ("修改密码", None)])
    # The fields are named as the service names them (users.change_password: current_password, new_password), so
    # what it refuses shows next to its field.
    old, new, again = (request.form.get(k) or "" for k in PASSWORD_FIELDS)
    errors = {}
    if not old:
        errors["current_password"] = "当前密码不能为空"
    if not new:
        errors["new_password"] = "新密码不能为空"
    elif new != again:
        errors["confirm_password"] = "两次输入的密码不一致"
    if not errors:
        try:
            # Not in `write`'s transaction: the service checks the current password as a sign-in does (throttled, its
            # bookkeeping committed on its own) and then writes in its own transaction, as the API calls it.
            with current_app.extensions["casebook"]["sessions"]() as s:
                users.change_password(s, g.actor, old, new, address=request.remote_addr or "")
            # Changing the password ends every token of the user, this page's too: sign in again.
            session.clear()
            flash("修改成功，请使用新密码重新登录", "success")
            return redirect(url_for("ui_auth.login"))
        except DomainError as e:
            errors = {k: "；".join(v) for k, v in (e.errors or {}).items()}
            if not errors or set(errors) - set(PASSWORD_FIELDS):  # never a refusal without its reason on the page
                errors["_"] = e.message
    return page("password.html", 422, errors=errors, crumbs=[("个人中心", None), ("修改密码", None)])


PASSWORD_FIELDS = ("current_password", "new_password", "confirm_password")
