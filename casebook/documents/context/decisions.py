"""决定书: 行政处罚、不予行政处罚、当场行政处罚."""

from __future__ import annotations

from casebook.domain import publicity as publicity_rules

from .base import (  # noqa: F401
    Built,
    CaseData,
    DocumentNotReady,
    Options,
    _agency,
    _builder,
    _case_officers,
    _clean,
    _decision,
    _decision_act,
    _defence,
    _discretion,
    _general_provisions,
    _iso,
    _party,
    _payment,
    _penalties,
    _publication_sentence,
    _remedies,
    party_of,
)


def publication_verdict(cd: CaseData, kind: str, decided_on) -> publicity_rules.Eligibility:
    """Whether this decision will be published: the verdict the publication record is drafted from
    (casebook.domain.publicity.decision_eligibility, services.publicity.draft_for_decision), on the same data."""
    c = cd.case
    return publicity_rules.decision_eligibility(
        publicity_rules.system(getattr(cd.agency, "publication_system", None)), procedure=c.procedure,
        decision_kind=kind, penalty_kinds=c.penalty_kinds, party=party_of(cd), decided_on=decided_on)


def put_publication_notice(cd: CaseData, b: Built, kind: str, decided_on, *, sentence: bool = True) -> None:
    """The publication sentence (and the 信息摘要 page) only where the rules publish the decision: 总局令第45号
    第二条 (not a warning only, not 简易程序), 未成年人保护法 第一百零三条 (never a minor) … Where they do not, the
    notice is locked off — a supplement cannot promise a publication the rules forbid; where they do, it is a
    default, with the sentence worded by the agency's system."""
    if publication_verdict(cd, kind, decided_on).publish:
        b.default("publication_notice", True)
        if sentence:
            b.default("publication_sentence", _publication_sentence(cd))
    else:
        b.put("publication_notice", False)


@_builder("penalty_decision")
def _penalty_decision(cd: CaseData, b: Built, o: Options) -> None:
    """行政处罚法 第五十九条: party, facts and evidence, kinds and basis, performance, remedies, agency and date."""
    date = _decision(cd, b, o, "penalty", "给予行政处罚")
    b.put("defence", _defence(cd))
    b.put("penalty_provision", _decision_act(cd).get("basis"))
    b.put("discretion", _discretion(cd))
    b.put("general_provisions", _general_provisions(cd))
    penalties = _penalties(cd)
    b.put("penalties", penalties)
    if any(p.get("amount") for p in penalties):
        b.default("payment", _payment())
    put_publication_notice(cd, b, "penalty", date)


@_builder("no_penalty_decision")
def _no_penalty_decision(cd: CaseData, b: Built, o: Options) -> None:
    date = _decision(cd, b, o, "no_penalty", "不予行政处罚")
    basis = _decision_act(cd)
    if basis.get("basis") and basis.get("reasons"):
        b.put("ground", {"basis": basis["basis"], "reasons": basis["reasons"]})
    put_publication_notice(cd, b, "no_penalty", date, sentence=False)  # only 生态环境 publishes 不予处罚


@_builder("summary_decision")
def _summary_decision(cd: CaseData, b: Built, o: Options) -> None:
    c = cd.case
    act = cd.last("decide_on_the_spot")
    if c.procedure != "summary" or act is None:
        raise DocumentNotReady("本案不是当场作出的行政处罚（简易程序）")
    b.put("agency", _agency(cd))
    b.put("date", _iso(c.decided_on))
    b.put("form_no", c.summary_form_no)
    b.put("party", _party(cd))
    b.put("place", act.data.get("place"))
    b.put("general_provisions", _general_provisions(cd, act.data))
    b.put("officers", _case_officers(cd, c.decided_on))
    b.put("facts", c.facts_text)
    b.put("penalty_provision", act.data.get("basis"))
    penalties = _penalties(cd)
    b.put("penalties", penalties)
    signed = bool(act.data.get("party_signed"))
    b.put("signature", _clean({"signed": signed, "date": _iso(c.decided_on),
                               "refusal_note": None if signed else act.data.get("refusal_note")}))
    b.default("remedies", _remedies(cd))
    if any(p.get("amount") for p in penalties):
        b.default("payment", _payment())
