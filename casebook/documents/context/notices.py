"""告知书、通知书、送达回证: 事先告知、听证告知与通知、责令改正、先行登记保存、送达."""

from __future__ import annotations

from casebook.domain import lifecycle as lc
from casebook.domain.vocabulary import SERVICE_METHODS
from schemas.documents import DOCUMENT_TYPES

from .base import (  # noqa: F401
    HEARING_ITEMS,
    ORDER_BASIS,
    Built,
    CaseData,
    DocumentNotReady,
    Options,
    _agency,
    _builder,
    _case_officers,
    _clean,
    _date,
    _discretion,
    _doc_no,
    _facts,
    _general_provisions,
    _header,
    _investigation_act,
    _iso,
    _notice_common,
    _party,
    _publication_sentence,
)
from .decisions import put_publication_notice


@_builder("correction_order")
def _correction_order(cd: CaseData, b: Built, o: Options) -> None:
    date = cd.today
    b.put("agency", _agency(cd))
    b.default("date", _iso(date))
    _doc_no(cd, b, date)
    b.put("party", _party(cd))
    if cd.case.case_no:
        b.put("case", _header(cd))
    b.put("facts", "".join(_facts(cd)).rstrip("。") or None)
    b.default("order_basis", ORDER_BASIS)


@_builder("prior_notice")
def _prior_notice(cd: CaseData, b: Built, o: Options) -> None:
    c = cd.case
    served = c.prior_notice_served_on
    _notice_common(cd, b, served or cd.today, dated=served is not None)
    b.put("discretion", _discretion(cd))
    b.put("general_provisions", _general_provisions(cd))
    titles = [e.title for e in cd.evidence]
    b.put("evidence_summary", f"{'、'.join(titles)}等证据" if titles else None)
    # 行政处罚法 第四十四条、第四十五条; 第六十三条、第六十四条 when the case carries a hearing right
    b.put("hearing_right", bool(c.hearing_right))
    b.put("statement_days", lc.STATEMENT_WINDOW_WORKING_DAYS)
    b.put("hearing_days", lc.STATEMENT_WINDOW_WORKING_DAYS)
    b.put("statement_due_on", _iso(c.statement_due_on))


@_builder("hearing_notice_of_rights")
def _hearing_notice_of_rights(cd: CaseData, b: Built, o: Options) -> None:
    c = cd.case
    if not c.hearing_right:
        raise DocumentNotReady("拟作出的处罚不属于当事人有权要求听证的情形，不能制作听证告知书")
    served = c.prior_notice_served_on
    _notice_common(cd, b, served or cd.today, dated=served is not None)
    if "facts" in b.context:  # the template closes the sentence itself: 认定……。
        b.context["facts"] = b.context["facts"].rstrip("。")
    items = [HEARING_ITEMS[k] for k in c.penalty_kinds or () if k in HEARING_ITEMS]
    b.default("hearing_ground", f"拟作出的行政处罚属于《中华人民共和国行政处罚法》第六十三条第一款第{'、第'.join(items)}"
                                if items else "拟作出的行政处罚属于《中华人民共和国行政处罚法》第六十三条第一款规定的情形")
    b.put("hearing_days", lc.STATEMENT_WINDOW_WORKING_DAYS)


@_builder("hearing_notice")
def _hearing_notice(cd: CaseData, b: Built, o: Options) -> None:
    req = cd.last("request_hearing")
    if req is None:
        raise DocumentNotReady("当事人尚未要求听证，不能制作听证通知书")
    b.put("agency", _agency(cd))
    b.default("date", _iso(cd.today))
    _doc_no(cd, b, cd.today)
    b.put("case", _header(cd))
    b.put("party", _party(cd))
    b.put("requested_on", _iso(_date(req.data.get("requested_on")) or req.on))
    held = cd.last("hold_hearing")
    if held is not None:
        b.put("chair", cd.name(held.data.get("chair_id")))


@_builder("service_receipt")
def _service_receipt(cd: CaseData, b: Built, o: Options) -> None:
    c = cd.case
    served = o.served or ("decision" if c.served_on else "prior_notice" if c.prior_notice_served_on else None)
    if served == "decision":
        act, day = cd.last("serve_decision"), c.served_on
        types = ("penalty_decision",) if c.decision_kind == "penalty" else ("no_penalty_decision",)
    elif served == "prior_notice":
        act, day, types = cd.last("serve_prior_notice"), c.prior_notice_served_on, ("prior_notice",)
    else:
        raise DocumentNotReady("本案尚未送达任何文书，不能制作送达回证")
    if act is None or day is None:
        raise DocumentNotReady("本案尚未记录该文书的送达，不能制作送达回证")
    issued = cd.issued_of(*types)
    b.ref["served"] = served
    b.put("agency", _agency(cd))
    b.put("date", _iso(day))
    b.put("case", _header(cd))
    party = _party(cd) or {}
    b.put("recipient", party.get("name"))
    b.put("address", party.get("address"))
    b.put("documents", [_clean({"title": DOCUMENT_TYPES[types[0]].title,
                                "document_no": issued.document_no if issued is not None else None, "copies": 1})])
    b.put("method", SERVICE_METHODS.get(act.data.get("method")))
    b.put("servers", _case_officers(cd, day))
    if served == "decision" and c.decision_kind == "penalty":
        # 市场监督管理行政处罚信息公示规定: told in writing at service — only where the rules publish the decision
        # (the same verdict as the decision's own notice and the publication record)
        put_publication_notice(cd, b, "penalty", c.decided_on or day)


@_builder("evidence_preservation_notice")
def _evidence_preservation_notice(cd: CaseData, b: Built, o: Options) -> None:
    """先行登记保存证据通知书 (行政处罚法 第五十六条): from the 先行登记保存 act; seven working days to decide."""
    act = _investigation_act(cd, o, ("evidence_preservation",), "先行登记保存证据")
    b.ref["act_id"] = act.id
    b.put("agency", _agency(cd))
    b.put("date", _iso(act.acted_on))
    _doc_no(cd, b, act.acted_on)
    b.put("party", _party(cd))
    if cd.case.case_no:
        b.put("case", _header(cd))
    b.put("facts", cd.case.cause)
    b.put("start", _iso(act.acted_on))
    b.put("end", _iso(cd.calendar.provisional().add_working_days(act.acted_on, 7)))  # 第五十六条、第八十五条
