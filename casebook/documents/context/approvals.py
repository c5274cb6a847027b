"""审批表: 立案、不予立案、结案 (市场监督管理行政处罚程序规定)."""

from __future__ import annotations

from decimal import Decimal

from casebook.domain.vocabulary import CASE_SOURCES, DECLINE_GROUNDS

from .base import (  # noqa: F401
    FILING_CONDITIONS,
    Built,
    CaseData,
    DocumentNotReady,
    Options,
    _agency,
    _builder,
    _case_officers,
    _cn_date,
    _date,
    _decision_summary,
    _head_opinion,
    _header,
    _iso,
    _money,
    _party,
    _sentence,
    _yuan,
)


@_builder("filing_approval")
def _filing_approval(cd: CaseData, b: Built, o: Options) -> None:
    c = cd.case
    if not c.filed_on:
        raise DocumentNotReady("案件尚未立案，不能制作立案审批表")
    b.put("agency", _agency(cd))
    b.put("date", _iso(c.filed_on))
    b.put("document_no", c.case_no)  # the form's number is the 案号
    b.put("case", _header(cd))
    b.put("party", _party(cd))
    b.put("officers", _case_officers(cd, c.filed_on))
    b.put("source", CASE_SOURCES.get(c.source, c.source))
    b.put("discovered_on", _iso(c.discovered_on))
    b.put("summary", c.facts_text)
    b.default("filing_reasons", FILING_CONDITIONS)
    b.put("head_opinion", _head_opinion(cd, cd.last("file"), "同意立案。", c.filed_on))


@_builder("decline_approval")
def _decline_approval(cd: CaseData, b: Built, o: Options) -> None:
    c = cd.case
    act = cd.last("decline_to_file")
    if act is None:
        raise DocumentNotReady("该案源尚未决定不予立案，不能制作不予立案审批表")
    b.put("agency", _agency(cd))
    b.put("date", _iso(act.on))
    b.put("party", _party(cd))
    b.put("lead_no", str(c.id))  # the system's number of the lead (案源登记)
    b.put("cause", c.cause)
    b.put("source", CASE_SOURCES.get(c.source, c.source))
    b.put("discovered_on", _iso(c.discovered_on))
    b.put("verification", c.facts_text)
    ground = DECLINE_GROUNDS.get(act.data.get("ground", ""), "")
    b.put("decline_reasons", _sentence(act.data.get("reason", "")) + (f"（不予立案情形：{ground}）" if ground else ""))
    b.put("head_opinion", _head_opinion(cd, act, "同意不予立案。"))


@_builder("closing_approval")
def _closing_approval(cd: CaseData, b: Built, o: Options) -> None:
    c = cd.case
    close = cd.last("close")
    if close is None and not o.draft:
        raise DocumentNotReady("案件尚未结案，不能制作结案审批表")
    if not c.decided_on:
        raise DocumentNotReady("案件尚未作出处理决定，不能制作结案审批表")
    date = c.closed_on or cd.today
    b.put("agency", _agency(cd))
    (b.put if c.closed_on else b.default)("date", _iso(date))
    b.put("case", _header(cd))
    b.put("party", _party(cd))
    b.put("officers", _case_officers(cd, date))
    b.put("filed_on", _iso(c.filed_on))
    decision = cd.issued_of("penalty_decision", "no_penalty_decision")
    b.put("decision_no", decision.document_no if decision is not None else None)
    b.put("decision_date", _iso(c.decided_on))
    b.put("decision_summary", _decision_summary(cd))
    payments = cd.all("record_payment")
    if payments:
        b.put("paid_amount", _money(c.paid_amount))
        b.put("paid_on", payments[-1].data.get("paid_on"))
        b.put("receipt_no", payments[-1].data.get("receipt_no"))
    execution = (close.data.get("execution_note") if close else None) or "".join(
        f"当事人于{_cn_date(_date(p.data.get('paid_on')) or p.on)}缴纳罚没款{_yuan(p.data['amount'])}。" for p in payments
        if p.data.get("amount")) or None
    b.put("execution", execution)
    fine_due = c.fine_amount or Decimal("0")
    reason = {"no_penalty": "不予行政处罚", "refer": "移送司法机关"}.get(c.decision_kind)
    if c.decision_kind == "penalty" and (c.paid_amount or Decimal("0")) >= fine_due:
        reason = "执行完毕"
    b.put("closing_reason", reason)
    b.put("head_opinion", _head_opinion(cd, close, "同意结案。", c.closed_on))
