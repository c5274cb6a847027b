"""The agency head: approvals waiting (立案, 移送, 决定, 集体讨论, 延期, 公示) and the referral board (国务院令第310号)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, url_for

from casebook.domain.errors import DomainError
from casebook.domain.vocabulary import EXCLUSION_REASONS, PUBLICATION_STATUSES
from casebook.services import publicity, worklists
from casebook.web.permission import checked_first, reraise_refusal

from .shell import approvals_title, install_errors, page, reading, write

blp = Blueprint("ui_head", __name__, url_prefix="/head")
install_errors(blp)


@blp.route("/approvals")
def approvals():
    with reading() as s:
        rows = worklists.head_approvals(s, g.actor)
        title = approvals_title(g.actor)
        return page("head_approvals.html", s=s, rows=rows, title=title, crumbs=[("审批", None), (title, None)])


@blp.route("/referrals")
def referrals():
    with reading() as s:
        rows = worklists.open_referrals(s, g.actor)
        return page("head_referrals.html", s=s, rows=rows, crumbs=[("审批", None), ("移送案件看板", None)])


# --- 公示 (publicity): the queue with its deadlines, the preview beside the original, publish / exclude / withdraw ---

#: (key, label) of the 信息摘要 shown side by side, original and as published (双公示 order).
SUMMARY_ROWS = [("document_no", "决定书文号"), ("party_name", "当事人"), ("id_number", "身份证件号码"),
                ("uscc", "统一社会信用代码"), ("legal_representative", "法定代表人"), ("violation_type", "违法行为类型"),
                ("facts", "违法事实"), ("basis", "处罚依据"), ("penalty_content", "处罚内容"), ("decided_on", "处罚决定日期"),
                ("agency_name", "处罚机关")]


@blp.route("/publications")
def publications():
    from flask import request

    status = request.args.get("status") or None
    with reading() as s:
        rows = publicity.queue(s, g.actor, status=status, limit=200)
        return page("head_publications.html", s=s, rows=rows, status=status, statuses=PUBLICATION_STATUSES,
                    crumbs=[("公示", None), ("公示管理", None)])


@blp.route("/publications/<int:pub_id>")
def publication(pub_id: int):
    with reading() as s:
        pv = publicity.preview(s, g.actor, pub_id)
        person = pv["original"].get("party_kind") == "person"
        original = {**pv["original"], "uscc": None if person else pv["original"].get("id_number"),
                    "id_number": pv["original"].get("id_number") if person else None}
        return page("head_publication.html", s=s, pv=pv, original=original, rows=SUMMARY_ROWS,
                    reasons=EXCLUSION_REASONS,
                    crumbs=[("公示", None), ("公示管理", url_for("ui_head.publications")), ("公示预览", None)])


@blp.route("/publications/<int:pub_id>/<any(publish, exclude, withdraw, names):what>", methods=["POST"])
@checked_first(lambda s, actor, pub_id, what: publicity.check_act(
    s, actor, pub_id, "publication." + {"names": "update"}.get(what, what)))
def publication_act(pub_id: int, what: str):
    from flask import request

    form = request.form
    try:
        if what == "names":  # third parties named in the facts: masked in what the public sees
            import re

            names = [n for n in re.split(r"[、，,;；\s]+", form.get("names") or "") if n][:50]
            write(lambda s: publicity.update_draft(s, g.actor, pub_id, third_party_names=names))
            flash("修改成功：公示内容已按新的第三人姓名重新遮蔽", "success")
        elif what == "publish":
            write(lambda s: publicity.publish(s, g.actor, pub_id))
            flash("发布成功：已在公示网站公开", "success")
        elif what == "exclude":
            write(lambda s: publicity.exclude(s, g.actor, pub_id, reason_code=form.get("reason_code", ""),
                                              reason=(form.get("reason") or "").strip()))
            flash("操作成功：已记录不予公开及其理由", "success")
        else:
            write(lambda s: publicity.withdraw(s, g.actor, pub_id, reason=(form.get("reason") or "").strip()))
            flash("操作成功：已撤回公示，公示网站显示撤回理由", "success")
    except DomainError as e:
        reraise_refusal(e)
        detail = "；".join(m for v in (e.errors or {}).values() for m in (v if isinstance(v, list) else [str(v)]))
        flash(e.message + (f"（{detail}）" if detail and detail not in e.message else ""), "error")
    return redirect(url_for("ui_head.publication", pub_id=pub_id))
