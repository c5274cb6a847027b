"""The shell shared by every page: static files, templates, the 待办 count, sessions and error pages."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import contextmanager

from flask import Blueprint, current_app, g, render_template, request, session, url_for
from sqlalchemy.orm import Session

from casebook.domain.errors import DomainError, NotFound, PermissionDenied

log = logging.getLogger("casebook.web")

blp = Blueprint("ui_shell", __name__, static_folder="static", static_url_path="/assets",
                template_folder="templates")

ERROR_PAGES = {403: "当前操作没有权限", 404: "访问资源不存在", 500: "系统未知错误，请反馈给管理员"}


@contextmanager
def reading():
    with current_app.extensions["casebook"]["read_sessions"]() as s:
        yield s


def write(fn: Callable[[Session], object]):
    """Run one command in one transaction (as the API's `command`, without the JSON)."""
    session.pop("todo_at", None)  # what waits for whom may have changed: count 待办 afresh
    with current_app.extensions["casebook"]["sessions"]() as s, s.begin():
        return fn(s)


def settings():
    return current_app.extensions["casebook"]["settings"]


def todo_url() -> str:
    """Where 待办 leads: the list its count is taken from (`todo_count`)."""
    a = g.actor
    if a is not None and "legal_reviewer" in a.roles:
        return url_for("ui_review.queue")
    if a is not None and "agency_head" in a.roles:
        return url_for("ui_head.approvals")
    return url_for("ui_work.my_deadlines") + "#ours"


def todo_count(s: Session) -> int:
    """待办: the open items of the actor's main list (reviews, approvals, or deadlines of my cases)."""
    from casebook.services import deadlines, worklists

    a = g.actor
    if a is None:
        return 0
    if "legal_reviewer" in a.roles:
        return len(worklists.review_queue(s, a, mine=True))
    if "agency_head" in a.roles:
        return len(worklists.head_approvals(s, a))
    # an officer's: the acts waiting for their confirmation (会签) and the agency's own deadlines still to be met on the
    # cases they are named on (我的期限, the first two tables);
    # the party's and the police's deadlines are watched there, not counted as 待办
    from casebook.services.worklists import UNMET

    return (deadlines.count_for(s, a, status=UNMET, officer_id=a.user_id, duty="agency")
            + len(worklists.awaiting_my_confirmation(s, a)))


TODO_FRESH_SECONDS = 60


def _todo(s: Session | None) -> int:
    """The 待办 count, counted at most once a minute per session (and afresh after each act)."""
    if time.time() - session.get("todo_at", 0) < TODO_FRESH_SECONDS and "todo" in session:
        return session["todo"]
    if s is None:
        with reading() as s2:
            n = todo_count(s2)
    else:
        n = todo_count(s)
    session["todo"], session["todo_at"] = n, int(time.time())
    return n


def page(template: str, status: int = 200, *, s: Session | None = None, **ctx):
    if g.get("actor") is not None and "todo" not in ctx:
        ctx["todo"], ctx["todo_url"] = _todo(s), todo_url()
    return render_template(template, **ctx), status


def error_page(status: int, message: str | None = None):
    return page("error.html", status, message=message or ERROR_PAGES.get(status, ERROR_PAGES[500]), code=status)


def install_errors(bp: Blueprint) -> None:
    """Errors of the pages are pages, never JSON: 403 「当前操作没有权限」, 404 「访问资源不存在」."""

    @bp.errorhandler(PermissionDenied)
    def _denied(e):
        return error_page(403, f"当前操作没有权限：{e.message}" if e.message and e.message != PermissionDenied.message else None)

    @bp.errorhandler(NotFound)
    def _nf(e):
        return error_page(404)

    @bp.errorhandler(404)
    def _nf404(e):
        return error_page(404)

    @bp.errorhandler(DomainError)
    def _domain(e):
        return error_page(e.http_status, e.message)


install_errors(blp)


def approvals_title(actor) -> str:
    """The approvals list is the head's own ("待我审批"); a supervisor reads the same list over the agencies in scope,
    approving none of it."""
    return "待我审批" if actor is not None and "agency_head" in actor.roles else "待审批事项"


@blp.app_context_processor
def _shell_context():
    if not (request.blueprint or "").startswith("ui_"):
        return {}
    actor = g.get("actor")
    return {"me": g.get("user"), "actor": actor, "approvals_title": approvals_title(actor)}
