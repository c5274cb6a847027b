"""报告: 调查终结报告、法制审核意见书."""

from __future__ import annotations

from casebook.db.models import LegalReview
from casebook.domain.vocabulary import CASE_SOURCES, INVESTIGATION_ACT_KINDS

from .base import (  # noqa: F401
    REVIEW_ITEM_CODES,
    Built,
    CaseData,
    DocumentNotReady,
    Options,
    _act_officers,
    _agency,
    _builder,
    _case_officers,
    _characterization,
    _clean,
    _cn_date,
    _decision_act,
    _discretion,
    _doc_no,
    _evidence,
    _facts,
    _header,
    _iso,
    _money,
    _party,
    _penalties,
    _penalty_summary,
    _pick,
    _proposal_text,
    _sentence,
)


@_builder("investigation_report")
def _investigation_report(cd: CaseData, b: Built, o: Options) -> None:
    c = cd.case
    if not c.filed_on:
        raise DocumentNotReady("案件尚未立案，不能制作调查终结报告")
    closed = cd.last("close_investigation")
    if closed is None and not o.draft:
        raise DocumentNotReady("案件尚未调查终结，不能出具调查终结报告")
    date = closed.on if closed else cd.today
    (b.put if closed else b.default)("date", _iso(date))
    b.put("agency", _agency(cd))
    b.put("case", _header(cd))
    b.put("party", _party(cd))
    b.put("source", CASE_SOURCES.get(c.source, c.source))
    b.put("filed_on", _iso(c.filed_on))
    b.put("officers", _case_officers(cd, date))
    steps = []
    for a in cd.investigations:
        names = "、".join(o["name"] for o in _act_officers(cd, a))
        where = f"在{a.place}" if a.place else ""
        steps.append(f"{_cn_date(a.acted_on)}，执法人员{names}{where}进行{INVESTIGATION_ACT_KINDS.get(a.kind, '调查')}：{_sentence(a.summary)}")
    b.put("investigation", steps)
    b.put("facts", _facts(cd))
    b.put("evidence", _evidence(cd))
    amounts = _clean({"goods_value": _money(c.goods_value), "sales_amount": _money(c.sales_amount),
                      "illegal_gains": _money(c.illegal_gains), "turnover": _money(c.turnover)})
    b.put("amounts", amounts or None)
    b.default("characterization", _characterization(cd))
    basis = _decision_act(cd)
    b.put("penalty_provision", basis.get("basis"))
    b.put("discretion", _discretion(cd))
    if c.decision_kind == "penalty":
        penalties = _penalties(cd)
        b.put("proposed_penalties", penalties)
        proposal = basis.get("reasons") or f"建议对当事人作出如下行政处罚：{_penalty_summary(penalties)}"
        report = closed.data.get("report") if closed else None
        b.default("proposal", "".join(_sentence(x) for x in (report, proposal) if x))


@_builder("legal_review_opinion")
def _legal_review_opinion(cd: CaseData, b: Built, o: Options) -> None:
    """法制审核意见书 (行政处罚法 第五十八条; 国办发〔2018〕118号): one per review round with its opinion."""
    r = _pick(cd, LegalReview, o.review_id, "法制审核意见", "review_id", ready=lambda r: r.opinion is not None)
    package = r.package or {}
    b.ref["review_id"] = r.id
    b.put("agency", _agency(cd))
    b.put("date", _iso(r.reviewed_on))
    _doc_no(cd, b, r.reviewed_on)
    b.put("case", _header(cd))
    b.put("party", _party(cd))
    b.default("submitted_by", f"案件承办人员{cd.name(r.submitted_by_id) or ''}")
    b.put("submitted_on", _iso(r.submitted_on))
    reasons = list(package.get("major_reasons") or ())
    if reasons:
        b.put("review_ground", f"拟作出的处理决定{'，'.join(reasons)}，属于《中华人民共和国行政处罚法》第五十八条第一款"
                               "规定的应当进行法制审核的情形")
    else:
        b.default("review_ground", "承办机构提请法制审核")
    materials = ["行政处罚决定书（代拟稿）", "调查终结报告"]
    if package.get("hearing_transcript"):
        materials.append("听证笔录")
    if package.get("evidence"):
        materials.append(f"证据材料{len(package['evidence'])}份")
    b.put("materials", materials)
    b.put("proposed_decision", _proposal_text(package.get("proposal") or {}))
    checklist = r.checklist or {}
    b.put("items", [{"code": doc_code, "conclusion": "符合" if checklist[code]["ok"] else "存在问题",
                     "note": checklist[code].get("note") or ("经审核，符合规定。" if checklist[code]["ok"] else None)}
                    for code, doc_code in REVIEW_ITEM_CODES.items() if code in checklist])
    b.put("outcome", r.opinion)
    b.put("opinion", r.opinion_text)
    b.put("reviewers", [{"name": cd.name(r.reviewer_id)}] if cd.name(r.reviewer_id) else None)
