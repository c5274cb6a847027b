"""The agency head: approvals waiting (立案, 移送, 决定, 集体讨论, 延期) and the referral board (国务院令第310号)."""

from __future__ import annotations

from flask import Blueprint, g

from casebook.services import worklists

from .shell import install_errors, page, reading

blp = Blueprint("ui_head", __name__, url_prefix="/head")
install_errors(blp)


@blp.route("/approvals")
def approvals():
    with reading() as s:
        rows = worklists.head_approvals(s, g.actor)
        return page("head_approvals.html", s=s, rows=rows, crumbs=[("审批", None), ("待我审批", None)])


@blp.route("/referrals")
def referrals():
    with reading() as s:
        rows = worklists.open_referrals(s, g.actor)
        return page("head_referrals.html", s=s, rows=rows, crumbs=[("审批", None), ("移送案件看板", None)])
