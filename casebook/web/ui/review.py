"""The legal reviewer: the queue by due date, and the review page with the whole file in one place."""

from __future__ import annotations

from flask import Blueprint, g, url_for

from casebook.services import worklists

from .case import case_context
from .shell import install_errors, page, reading

blp = Blueprint("ui_review", __name__, url_prefix="/reviews")
install_errors(blp)


@blp.route("")
def queue():
    with reading() as s:
        rows = worklists.review_queue(s, g.actor, mine=False)
        return page("review_queue.html", s=s, rows=rows, crumbs=[("法制审核", None), ("审核队列", None)])


@blp.route("/<id:case_id>")
def review(case_id):
    """行政处罚法 第五十八条: facts, evidence, proposal, benchmark and the seven-item checklist on one page."""
    with reading() as s:
        ctx = case_context(s, case_id, open_act="record_legal_review", review=True)
        ctx["crumbs"] = [("法制审核", url_for("ui_review.queue")), ("审核案件", None)]
        return page("review_page.html", s=s, **ctx)
