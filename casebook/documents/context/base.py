"""Build each 文书's context as plain data from the database, validated by its schema (never ORM objects).

What goes into a context, and where it comes from:

- **recorded case data** — agency, party, officers with their 执法证号, facts, evidence, penalties, the dates
  and inputs of the acts (read back from the trail, which holds every act's input): *locked*, an explicit
  supplement may not change them;
- **statutory wording** where the law itself says what to write (缴款 第六十七条, 复议/诉讼 routes, 立案条件)
  — a default that a supplement may replace;
- **what the data model does not record yet** (the Q&A of an inquiry, the violated provision, the contact
  phone, exact times …) — only from an explicit supplement (``fields``). Nothing is made up: a context
  that still lacks a required item is refused with the list of what is missing.

The workflow records of Issue 5 feed their own documents: a 法制审核意见书 from a legal review round, a
集体讨论记录 from a collective discussion, a 涉嫌犯罪案件移送书 from an approved referral; a 听证笔录 from the
hearing held, a 先行登记保存证据通知书 from the 先行登记保存 act. Where a case has several (rounds,
discussions, referrals, acts) the request names which one (``review_id``, ``discussion_id``,
``referral_id``, ``act_id``); without it the latest is meant.

This module holds what every builder shares: the case loaded once, the pieces, the wording tables,
the builder registry. The builders live in one module per document family (mirroring schemas/documents/).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

import schemas.zh  # noqa: F401  (Chinese validation messages, also in the worker)
from casebook.db.models import (
    Agency,
    Case,
    CaseAct,
    CatalogueVersion,
    Document,
    Evidence,
    InvestigationAct,
    User,
)
from casebook.domain import general_provisions as gp
from casebook.domain import lifecycle as lc
from casebook.domain.deadlines import LOCAL_TZ, local_date
from casebook.domain.errors import Conflict, ValidationFailed
from casebook.domain.identifiers import BIRTH_DATE_KINDS, ID_KINDS, birth_date_of, document_birth_date
from casebook.domain.vocabulary import EVIDENCE_KINDS, SOURCE_PHRASES
from schemas.documents import DOCUMENT_TYPES, DocumentType

#: doc_type of the bound 案卷 in the documents table (not a template: assembled by ``render_case_file``).
CASE_FILE = "case_file"

#: Types of which a case has at most one live (not voided) copy; records are one per investigative act.
ONE_PER_CASE = frozenset(
    {
        "filing_approval",
        "decline_approval",
        "investigation_report",
        "prior_notice",
        "hearing_notice_of_rights",
        "penalty_decision",
        "no_penalty_decision",
        "summary_decision",
        "closing_approval",
        "hearing_record",
    }
)
#: Types of which a case has one live copy per recorded thing they come from (an act, a review round, a
#: discussion, a referral): ``Built.ref`` names it.
ONE_PER_REF = frozenset({"inspection_record", "inquiry_record", "evidence_preservation_notice", "legal_review_opinion",
                         "collective_discussion_record", "referral_letter"})


class DocumentNotReady(Conflict):
    """The case has not reached the point where this document can be made (e.g. no decision yet)."""

    code = "document_not_ready"
    message = "案件数据尚不足以制作该文书"


def document_title(doc_type: str) -> str:
    return "案卷" if doc_type == CASE_FILE else DOCUMENT_TYPES[doc_type].title


def format_document_no(agency_code: str, dtype: DocumentType, year: int, seq: int | None) -> str:
    """`山亭市监处罚〔2026〕1号`: 代字 = agency code + type suffix; 〔〕; no 第, no zero padding (GB/T 9704 §7.2.5).

    Without a sequence (a preview) the number is left blank: `山亭市监处罚〔2026〕　号`.
    """
    return f"{agency_code}{dtype.number_suffix}〔{year}〕{seq if seq is not None else '　'}号"


# --------------------------------------------------------------------------------------------------
# Wording tables (labels of the codes the case API records)
# --------------------------------------------------------------------------------------------------

#: 行政处罚法 第六十三条第一款: which item gives the hearing right, by penalty kind.
HEARING_ITEMS = {
    "fine": "（一）项规定的较大数额罚款",
    "confiscate_gains": "（二）项规定的没收较大数额违法所得",
    "confiscate_property": "（二）项规定的没收较大价值非法财物",
    "lower_qualification": "（三）项规定的降低资质等级",
    "revoke_license": "（三）项规定的吊销许可证件",
    "suspend_operations": "（四）项规定的责令停产停业",
    "order_closure": "（四）项规定的责令关闭",
    "restrict_practice": "（四）项规定的限制从业",
}

# Statutory wording used where the model records nothing more specific (each may be replaced by a supplement).
PAYMENT_BANK = "指定的银行或者通过电子支付系统缴纳"  # 行政处罚法 第六十七条第三款
COURT = "有管辖权的人民法院"  # 行政诉讼法 第十八条
REVIEW_BODY_FALLBACK = "有管辖权的行政复议机关"
ORDER_BASIS = "《中华人民共和国行政处罚法》第二十八条第一款"
FILING_CONDITIONS = (
    "有证据初步证明当事人涉嫌违反市场监督管理法律、法规、规章，依据市场监督管理法律、法规、规章应当给予行政处罚，"
    "属于本部门管辖，且在给予行政处罚的法定期限内（《市场监督管理行政处罚程序规定》第十八条第一款）。"
)


# --------------------------------------------------------------------------------------------------
# Reading the case once
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Act:
    """One recorded act of the case, with its input as entered (case_acts; the trail holds a masked copy)."""

    action: str
    data: dict
    on: dt.date  # local date of the entry
    actor_id: int | None


@dataclass
class CaseData:
    """Everything a builder may read, loaded once; ORM objects stay in here and never reach a context."""

    case: Case
    agency: Agency
    review_body: str | None
    acts: list[Act]
    evidence: list[Evidence]
    investigations: list[InvestigationAct]
    issued: list[Document]  # the case's documents that are not voided, oldest first
    users: dict[int, User]
    today: dt.date
    session: Session
    calendar: Any = None  # the working-day calendar, handed in by the caller (documents never reach for services)
    limitation_category: str | None = None  # 第三十六条: the item's category as the guards read it (services.rules)

    def user(self, user_id: int | None) -> User | None:
        """A user the acts did not name (a reviewer, a referral's team or head): loaded on first use."""
        if user_id is None:
            return None
        if user_id not in self.users:
            u = self.session.execute(select(User).where(User.id == user_id)
                                     .options(selectinload(User.credentials))).scalar_one_or_none()
            if u is None:
                return None
            self.users[user_id] = u
        return self.users[user_id]

    def last(self, action: str) -> Act | None:
        return next((a for a in reversed(self.acts) if a.action == action), None)

    def all(self, action: str) -> list[Act]:
        return [a for a in self.acts if a.action == action]

    def name(self, user_id: int | None) -> str | None:
        u = self.user(user_id)
        return u.display_name if u else None

    def issued_of(self, *doc_types: str) -> Document | None:
        return next((d for d in reversed(self.issued) if d.doc_type in doc_types), None)


def load_case_data(s: Session, case: Case, today: dt.date, calendar=None,
                   limitation_category: str | None = None) -> CaseData:
    agency = s.get(Agency, case.agency_id)
    review_body, parent = None, agency.parent
    while parent is not None:  # 行政复议法 第二十四条: the people's government at the same level
        if parent.level == "district":
            review_body = parent.name
            break
        parent = parent.parent
    entries = s.execute(
        select(CaseAct.action, CaseAct.data, CaseAct.occurred_at, CaseAct.actor_id)
        .where(CaseAct.case_id == case.id).order_by(CaseAct.seq)
    ).all()
    acts = [Act(action, data or {}, local_date(occurred_at), actor_id) for action, data, occurred_at, actor_id in entries]
    evidence = list(s.execute(select(Evidence).where(Evidence.case_id == case.id).order_by(Evidence.id)).scalars())
    investigations = list(s.execute(
        select(InvestigationAct).where(InvestigationAct.case_id == case.id).order_by(InvestigationAct.acted_on,
                                                                                   InvestigationAct.id)).scalars())
    issued = list(s.execute(
        select(Document).where(Document.case_id == case.id, Document.status != "voided").order_by(Document.id)).scalars())
    user_ids = {a.actor_id for a in acts if a.actor_id} | {co.user_id for co in case.officers}
    for inv in investigations:
        user_ids.update(inv.officer_ids or ())
    for a in acts:
        if isinstance(a.data.get("chair_id"), int):
            user_ids.add(a.data["chair_id"])
    users = {u.id: u for u in s.execute(
        select(User).where(User.id.in_(user_ids)).options(selectinload(User.credentials))).scalars()} if user_ids else {}
    return CaseData(case, agency, review_body, acts, evidence, investigations, issued, users, today, s, calendar,
                    limitation_category)


# --------------------------------------------------------------------------------------------------
# Pieces
# --------------------------------------------------------------------------------------------------


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _money(value: Decimal | str | None) -> str | None:
    return None if value is None else str(Decimal(str(value)).quantize(Decimal("0.01")))


def _yuan(value: Decimal | str) -> str:
    return f"{Decimal(str(value)).quantize(Decimal('0.01')):,.2f}元"


def _clean(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


def _agency(cd: CaseData) -> dict:
    return {"name": cd.agency.name}


def _header(cd: CaseData) -> dict:
    if not cd.case.case_no:
        raise DocumentNotReady("案件尚未立案，没有案号，不能制作该文书")
    return {"case_no": cd.case.case_no, "cause": cd.case.cause}


def _cause_core(cause: str) -> str:
    return cause.removeprefix("涉嫌")


@dataclass(frozen=True)
class PartyAsServed:
    """The party as it was when the decision was served (kept on the serve act's record)."""

    kind: str
    name: str
    id_number: str | None = None
    phone: str | None = None
    address: str | None = None
    legal_representative: str | None = None
    id_kind: str | None = None  # 行政处罚法 第三十条: the document (护照 …) and a birth date it does not carry
    birth_date: str | dt.date | None = None


# The serve act's record keeps the party as served (services.effects.PARTY_AS_SERVED): serve_decision, or the
# on-the-spot decision, which is served at once.
_SERVING_ACTS = ("serve_decision", "decide_on_the_spot")


def party_of(cd: CaseData):
    """The party a document names: as served once the decision is served (a later correction of the party does
    not rewrite a served decision, 行政处罚法 第六十一条), else the party as it stands."""
    if cd.case.served_on is not None:
        for act in reversed(cd.acts):
            kept = act.data.get("party_as_served") if act.action in _SERVING_ACTS else None
            if kept:
                return PartyAsServed(**{k: kept.get(k) for k in ("kind", "name", "id_number", "phone", "address",
                                                                 "legal_representative", "id_kind", "birth_date")})
    return cd.case.party


def _party(cd: CaseData) -> dict | None:
    p = party_of(cd)
    if p is None:
        return None
    if p.kind == "person":
        id_kind = getattr(p, "id_kind", None) or "resident_id"
        out = {"kind": "person", "name": p.name, "address": p.address, "phone": p.phone, "id_no": p.id_number,
               "id_type": ID_KINDS.get(id_kind, "身份证件")}
        n = p.id_number or ""
        born = getattr(p, "birth_date", None)
        if born and id_kind not in BIRTH_DATE_KINDS:  # a passport …: the birth date recorded (行政处罚法 第三十条)
            out["birth_date"] = born.isoformat() if isinstance(born, dt.date) else str(born)
        elif len(n) == 18 and n[:17].isdigit():  # GB 11643: birth date and sex are part of the number
            if (from_number := birth_date_of(n)) is not None:
                out["birth_date"] = from_number.isoformat()
            out["gender"] = "男" if int(n[16]) % 2 else "女"
        return _clean(out)
    return _clean({"kind": "organization", "name": p.name, "address": p.address, "phone": p.phone,
                   "uscc": p.id_number, "legal_representative": p.legal_representative})


def _officer(cd: CaseData, user_id: int, day: dt.date, credential_no: str | None = None) -> dict | None:
    u = cd.user(user_id)
    if u is None:
        return None
    if credential_no is None:
        cred = lc.OfficerView.of(u).credential_on(day)  # the same rule as the guards
        if cred is None:
            return None  # no valid 执法证 that day: not an officer who may act (第四十二条)
        credential_no = cred.credential_no
    return {"name": u.display_name, "credential_no": credential_no}


def _case_officers(cd: CaseData, day: dt.date) -> list[dict]:
    officers = [_officer(cd, co.user_id, day) for co in cd.case.officers]
    return [o for o in officers if o]


def _paragraphs(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").splitlines() if p.strip()]


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith(("。", "！", "？", "；", ".")) else text + "。"


def _violations(cd: CaseData) -> list[str]:
    return [v["description"] for v in cd.case.violations or () if isinstance(v, dict) and v.get("description")]


def _amount_text(cd: CaseData) -> str | None:
    c = cd.case
    parts = [f"{label}{_yuan(v)}" for label, v in (("货值金额", c.goods_value), ("销售金额", c.sales_amount),
                                                  ("违法所得", c.illegal_gains), ("违法经营额", c.turnover),
                                                  ("广告费用", c.advertising_fee)) if v is not None]
    from casebook.domain.rules.model import FACTS

    unc = [f"{FACTS.get(f, f)}无法计算（{why}）" for f, why in (c.uncomputable_facts or {}).items()]  # 第四十条
    text = f"经核算，涉案{'，'.join(parts)}。" if parts else ""
    return (text + (f"经调查，{'；'.join(unc)}。" if unc else "")) or None


def _facts(cd: CaseData) -> list[str]:
    paras = _paragraphs(cd.case.facts_text)
    if not paras and _violations(cd):
        paras = [f"当事人存在{'、'.join(_violations(cd))}的行为。"]
    if paras and (amounts := _amount_text(cd)):
        paras.append(amounts)
    return paras


def _characterization(cd: CaseData) -> str:
    what = "、".join(_violations(cd)) or _cause_core(cd.case.cause)
    return f"本局认为，当事人存在{what}的违法行为。"


def _evidence(cd: CaseData) -> list[dict]:
    return [{"name": e.title, "kind": EVIDENCE_KINDS.get(e.kind, "书证")} for e in cd.evidence]


def _penalties(cd: CaseData, kinds=None, fine=None, confiscated=None) -> list[dict]:
    """One item per penalty kind, with amounts for the money penalties (罚款; 没收违法所得)."""
    c = cd.case
    kinds = c.penalty_kinds if kinds is None else kinds
    fine = c.fine_amount if fine is None else fine
    confiscated = c.confiscated_amount if confiscated is None else confiscated
    out = []
    for k in kinds or ():
        item = {"kind": k if k in lc.PENALTY_KINDS else "other", "description": lc.PENALTY_KINDS.get(k, k)}
        if k == "fine" and fine is not None:
            item["amount"] = _money(fine)
        elif k == "confiscate_gains" and (confiscated if confiscated is not None else c.illegal_gains) is not None:
            item["amount"] = _money(confiscated if confiscated is not None else c.illegal_gains)
        out.append(item)
    return out


def _general_provisions(cd: CaseData, on_the_spot: dict | None = None) -> list[str] | None:
    """What the documents state of 行政处罚法 第三十条 (a minor's age at the act) and 第三十六条 (the act's period and the
    limitation), in the reader's words; None when nothing applies."""
    c, out = cd.case, []
    period = gp.ActPeriod(c.act_started_on, c.act_ended_on, bool(c.act_continuing))
    if period.known and c.discovered_on:
        years = gp.limitation_years(cd.limitation_category, c.circumstances, c.long_limitation_reason)
        lim = gp.limitation(period, c.discovered_on, years)
        out.append(f"{lim.text}（《中华人民共和国行政处罚法》第三十六条）。")
    p = c.party
    birth = (p.birth_date or document_birth_date(p.id_kind, p.id_number)) if p is not None and p.kind == "person" else None
    if birth is not None:
        age = gp.age_on(birth, period.started_on or c.discovered_on or c.decided_on or cd.today)
        if gp.NO_PENALTY_AGE <= age < gp.ADULT_AGE:
            how = (on_the_spot or {}).get("minor_leniency")
            out.append(f"当事人实施违法行为时已满十四周岁不满十八周岁（{age}周岁），依据《中华人民共和国行政处罚法》第三十条的规定，"
                       f"应当从轻或者减轻行政处罚{('：' + how.rstrip('。')) if how else ''}。")
    for g in gp.statutory_grounds(c.circumstances):  # 第三十一至三十三条, as recorded with their evidence
        out.append(f"本案{g.text.split('的，')[0]}（{g.article}），{g.text.split('的，')[-1]}。")
    return out or None


def _discretion(cd: CaseData) -> dict | None:
    """The benchmark applied and why, when the case carries a fine placed on it (行政处罚法 第三十四条;
    国办发〔2022〕27号: the decision states how the 裁量基准 was applied)."""
    c, b = cd.case, cd.case.benchmark
    if not b or not b.get("tier") or "fine" not in (c.penalty_kinds or ()):
        return None
    row = cd.session.execute(select(CatalogueVersion.name).where(
        CatalogueVersion.code == b.get("catalogue"), CatalogueVersion.version == b.get("version"))).first()
    explanation = b.get("explanation") or ""
    reasons = explanation.split("：", 1)[1] if "：" in explanation else explanation  # after the catalogue's name
    tier, status = b["tier"], (b.get("check") or {}).get("status")
    if status in ("outside_tier", "mitigated"):
        if status == "mitigated":
            tier = "mitigated"
        reasons += f"拟处罚款不在该阶次幅度内，理由：{_sentence(c.deviation_reason)}" if c.deviation_reason else ""
    return _clean({"benchmark": row.name if row else b.get("catalogue"), "item_code": b.get("item"),
                   "item": b.get("item_name"), "tier": tier,
                   "range_text": f"{_yuan(b['min'])}至{_yuan(b['max'])}" if b.get("min") and b.get("max") else None,
                   "reasons": reasons or None})


def _penalty_summary(penalties: list[dict]) -> str:
    return "；".join(p["description"] + (_yuan(p["amount"]) if p.get("amount") else "") for p in penalties)


def _decision_act(cd: CaseData) -> dict:
    """The basis and reasons of the decision: from the decision if made, else from the proposal."""
    out = {}
    for action in ("propose_penalty", "decide"):
        act = cd.last(action)
        if act:
            out.update({k: v for k, v in act.data.items() if k in ("basis", "reasons") and v})
    return out


def _remedies(cd: CaseData) -> dict:
    # 行政复议法 第二十条 sixty days; 行政诉讼法 第四十六条 six months
    return {"review_body": cd.review_body or REVIEW_BODY_FALLBACK, "review_days": 60, "court": COURT,
            "litigation_months": 6}


def _payment() -> dict:
    return {"days": 15, "bank": PAYMENT_BANK}  # 行政处罚法 第六十七条: fifteen days


def _procedure(cd: CaseData, until: dt.date) -> list[str]:
    """How the case went, from its recorded acts: source, filing, notice, statements or hearing."""
    c = cd.case
    paras = []
    first = f"本局于{_cn_date(c.discovered_on)}{SOURCE_PHRASES.get(c.source, '')}发现当事人涉嫌{_cause_core(c.cause)}"
    paras.append(first + (f"，于{_cn_date(c.filed_on)}立案调查。" if c.filed_on else "。"))
    if c.prior_notice_served_on:
        notice = cd.issued_of("prior_notice")
        no = f"（{notice.document_no}）" if notice is not None and notice.document_no else ""
        rights = "陈述、申辩和要求听证" if c.hearing_right else "陈述、申辩"
        paras.append(f"{_cn_date(c.prior_notice_served_on)}，本局向当事人送达了《行政处罚事先告知书》{no}，"
                     f"告知其拟作出行政处罚的事实、理由、依据及依法享有的{rights}的权利。")
        replied = False
        for st in cd.all("record_statement"):
            replied = True
            paras.append(f"当事人于{_cn_date(_date(st.data.get('received_on')) or st.on)}提出了陈述、申辩意见。")
        for w in cd.all("record_waiver"):
            replied = True
            paras.append(f"当事人于{_cn_date(_date(w.data.get('waived_on')) or w.on)}书面放弃陈述、申辩"
                         f"{'和要求听证' if c.hearing_right else ''}的权利。")
        req = cd.last("request_hearing")
        if req:
            replied = True
            text = f"当事人于{_cn_date(_date(req.data.get('requested_on')) or req.on)}要求听证，"
            held, no_show = cd.last("hold_hearing"), cd.last("record_hearing_no_show")
            if held:
                text += f"本局于{_cn_date(_date(held.data.get('held_on')) or held.on)}依法举行了听证。"
            elif no_show:
                text += "当事人无正当理由未出席听证，视为放弃听证权利。"
            else:
                text = text.rstrip("，") + "。"
            paras.append(text)
        if not replied and c.statement_due_on and until > c.statement_due_on:
            paras.append(f"当事人在规定期限内未提出陈述、申辩意见{'，也未要求听证' if c.hearing_right else ''}。")
    return paras


def _defence(cd: CaseData) -> str | None:
    parts = []
    for st in cd.all("record_statement"):
        text = f"当事人陈述、申辩称：{_sentence(st.data.get('content', ''))}"
        if st.data.get("review_opinion"):
            text += f"经复核，{_sentence(st.data['review_opinion'])}"
        parts.append(text)
    held = cd.last("hold_hearing")
    if held and held.data.get("transcript_summary"):
        parts.append(f"听证中，{_sentence(held.data['transcript_summary'])}")
    return "".join(parts) or None


def _decision_summary(cd: CaseData) -> str | None:
    c = cd.case
    if c.decision_kind == "penalty":
        return _sentence(_penalty_summary(_penalties(cd))) if c.penalty_kinds else None
    return {"no_penalty": "不予行政处罚。", "refer": "移送司法机关。"}.get(c.decision_kind)


# --------------------------------------------------------------------------------------------------
# The builders
# --------------------------------------------------------------------------------------------------


@dataclass
class Built:
    """A context as far as the case data goes: ``locked`` keys come from recorded data."""

    doc_type: str
    context: dict = field(default_factory=dict)
    soft: set[str] = field(default_factory=set)
    ref: dict = field(default_factory=dict)  # what the document is about: {"act_id": …} / {"served": …}

    def put(self, key: str, value: Any) -> None:
        """Recorded case data (locked)."""
        if value is not None and value != []:
            self.context[key] = value

    def default(self, key: str, value: Any) -> None:
        """Statutory wording or a fallback: a supplement may replace it."""
        if value is not None:
            self.context[key] = value
            self.soft.add(key)

    @property
    def locked(self) -> frozenset[str]:
        return frozenset(self.context) - self.soft


@dataclass(frozen=True)
class Options:
    """What a request may say about which document it means: the investigative act, what was served."""

    act_id: int | None = None
    served: str | None = None  # "decision" | "prior_notice" (送达回证)
    review_id: int | None = None  # 法制审核意见书: which round (default: the latest with an opinion)
    discussion_id: int | None = None  # 集体讨论记录: which discussion (default: the latest)
    referral_id: int | None = None  # 移送书: which referral (default: the latest)
    draft: bool = False  # a preview: a decision may be drafted from the proposal before it is made


Builder = Callable[[CaseData, Built, Options], None]
BUILDERS: dict[str, Builder] = {}

#: What a client must usually supply (``fields``), from each type's registry entry; documentation for the API
#: (GET /document-types), checked by the tests against a complete case.
SUPPLEMENT: dict[str, tuple[str, ...]] = {code: t.supplement for code, t in DOCUMENT_TYPES.items()}


def _builder(doc_type: str):
    def deco(fn: Builder) -> Builder:
        BUILDERS[doc_type] = fn
        return fn
    return deco


def _doc_no(cd: CaseData, b: Built, date: dt.date) -> None:
    """A numbered type gets a blank number here; the real one is taken when the document is issued."""
    dtype = DOCUMENT_TYPES[b.doc_type]
    if dtype.numbered:
        b.put("document_no", format_document_no(cd.agency.code, dtype, date.year, None))


def _head_opinion(cd: CaseData, act: Act | None, text: str, day: dt.date | None = None) -> dict | None:
    if act is None or cd.name(act.actor_id) is None:
        return None
    return {"opinion": _sentence(act.data.get("opinion") or text), "signer": cd.name(act.actor_id),
            "date": _iso(day or act.on)}


def _investigation_act(cd: CaseData, o: Options, kinds: tuple[str, ...], title: str) -> InvestigationAct:
    acts = [a for a in cd.investigations if a.kind in kinds]
    if o.act_id is not None:
        act = next((a for a in acts if a.id == o.act_id), None)
        if act is None:
            raise ValidationFailed(f"本案没有编号为{o.act_id}的{title}活动", code="unknown_act",
                                   errors={"act_id": [f"不是本案的{title}活动"]})
        return act
    if not acts:
        raise DocumentNotReady(f"本案尚未记录{title}活动，不能制作该笔录")
    if len(acts) > 1:
        raise ValidationFailed(f"本案有{len(acts)}次{title}活动，请用 act_id 指明是哪一次", code="act_id_required",
                               errors={"act_id": [f"可选：{', '.join(str(a.id) for a in acts)}"]})
    return acts[0]


def _act_input(cd: CaseData, inv: InvestigationAct) -> dict:
    """What the officer entered for an investigation act, as entered (not the trail's masked copy).

    Each record_investigation_act made one InvestigationAct row: the n-th act (in case order) is the n-th row.
    """
    recorded = cd.all("record_investigation_act")
    rows = sorted(cd.investigations, key=lambda a: a.id)
    for row, act in zip(rows, recorded, strict=False):
        if row.id == inv.id:
            return act.data
    return {}


def _person(data: dict | None) -> dict | None:
    """A person on a record (被询问人, 在场人) in the shape the documents print, in full: a 笔录 is not published."""
    if not data:
        return None
    out = {k: data[k] for k in ("name", "gender", "phone", "address", "employer", "position") if data.get(k)}
    if data.get("resident_id"):
        out["id_no"] = data["resident_id"]
    return out


def _act_officers(cd: CaseData, act: InvestigationAct) -> list[dict]:
    nos = list(act.credential_nos or ())
    out = []
    for i, uid in enumerate(act.officer_ids or ()):
        o = _officer(cd, uid, act.acted_on, nos[i] if i < len(nos) else None)
        if o:
            out.append(o)
    return out


def _record_notice(cd: CaseData, officers: list[dict], what: str) -> str:
    names = "、".join(o["name"] for o in officers)
    nos = "、".join(o["credential_no"] for o in officers)
    return (f"我们是{cd.agency.name}的执法人员{names}，执法证件号码为{nos}，现向你出示执法证件，依法进行{what}。"
            "你有陈述、申辩的权利；如认为执法人员与本案有直接利害关系，可以申请回避。")


def _notice_common(cd: CaseData, b: Built, date: dt.date, *, dated: bool) -> None:
    c = cd.case
    if c.decision_kind != "penalty" or not c.penalty_kinds:
        raise DocumentNotReady("尚未拟定行政处罚（种类、依据），不能制作告知书", errors={
            "reasons": [{"code": "penalty_not_proposed", "message": "尚未拟定行政处罚", "article": "行政处罚法第四十四条"}]})
    b.put("agency", _agency(cd))
    (b.put if dated else b.default)("date", _iso(date))
    _doc_no(cd, b, date)
    b.put("case", _header(cd))
    b.put("party", _party(cd))
    b.put("facts", "".join(_facts(cd)) or None)
    b.put("penalty_provision", _decision_act(cd).get("basis"))
    b.put("penalties", _penalties(cd))


def _decision(cd: CaseData, b: Built, o: Options, kind: str, title: str) -> dt.date:
    c = cd.case
    if c.procedure == "summary":
        raise DocumentNotReady("简易程序案件的决定书是当场行政处罚决定书")
    decided = c.decided_on is not None and c.decision_kind == kind
    if not decided and not (o.draft and c.decision_kind == kind):
        raise DocumentNotReady(f"本案尚未作出{title}的决定，不能制作决定书（可预览草稿）" if c.decision_kind == kind
                               else f"本案的处理决定不是{title}")
    date = c.decided_on if decided else cd.today
    b.put("agency", _agency(cd))
    (b.put if decided else b.default)("date", _iso(date))
    _doc_no(cd, b, date)
    b.put("case", _header(cd))
    b.put("party", _party(cd))
    b.put("procedure", _procedure(cd, date))
    b.put("facts", _facts(cd))
    b.put("evidence", _evidence(cd))
    b.default("characterization", _characterization(cd))
    b.default("remedies", _remedies(cd))
    return date


# --- the workflow records: hearing, preservation, legal review, collective discussion, referral ---------

_SPEECH_RE = re.compile(r"^([^：:]{1,20})[：:]\s*(\S.*)$")
_TITLED_RE = re.compile(r"^(.+?)\s*[（(]([^）)]+)[）)]$")


def _speeches(text: str | None) -> list[dict] | None:
    """``姓名：发言`` lines as speeches — only when every line has that shape (else the text is prose)."""
    out = []
    for line in _paragraphs(text):
        m = _SPEECH_RE.match(line)
        if m is None:
            return None
        out.append({"speaker": m[1].strip(), "content": m[2].strip()})
    return out or None


def _titled(text: str) -> dict:
    """``赵敏（局长）`` → name and title; a bare name has no title."""
    m = _TITLED_RE.match(text.strip())
    return {"name": m[1], "title": m[2]} if m else {"name": text.strip()}


def _local_time(value: str | None) -> str | None:
    """An instant the API took with its zone → the local wall time a document prints (北京时间, no zone)."""
    if not value:
        return None
    return dt.datetime.fromisoformat(value).astimezone(LOCAL_TZ).replace(tzinfo=None).isoformat()


def _pick(cd: CaseData, model, wanted: int | None, what: str, option: str, *, ready=None):
    """The case's row of `model` the request names (or the latest one that is `ready`)."""
    rows = list(cd.session.execute(select(model).where(model.case_id == cd.case.id).order_by(model.id)).scalars())
    if wanted is not None:
        row = next((r for r in rows if r.id == wanted), None)
        if row is None:
            raise ValidationFailed(f"本案没有编号为{wanted}的{what}", code="unknown_ref", errors={option: [f"不是本案的{what}"]})
        if ready is not None and not ready(row):
            raise DocumentNotReady(f"该{what}尚未完成，不能制作该文书")
        return row
    row = next((r for r in reversed(rows) if ready is None or ready(r)), None)
    if row is None:
        raise DocumentNotReady(f"本案尚未记录{what}，不能制作该文书")
    return row


#: The checklist codes of the legal review act → the 法制审核意见书's (国办发〔2018〕118号, same order).
REVIEW_ITEM_CODES = {"subject": "subject", "procedure": "procedure", "facts": "facts_evidence",
                     "law": "law_and_discretion", "authority": "within_authority", "documents": "documents",
                     "criminal": "criminal_referral"}
DECISION_KIND_LABELS = {"no_penalty": "不予行政处罚", "refer": "移送司法机关"}


def _proposal_text(proposal: dict) -> str | None:
    if proposal.get("kind") != "penalty":
        return DECISION_KIND_LABELS.get(proposal.get("kind"))
    parts = []
    for k in proposal.get("penalty_kinds") or ():
        label = lc.PENALTY_KINDS.get(k, k)
        parts.append(label + (_yuan(proposal["fine_amount"]) if k == "fine" and proposal.get("fine_amount") else ""))
    return "；".join(parts) or None


#: 国务院令第310号 第六条: the materials of a transfer (the transfer act's codes → the 移送书's).
REFERRAL_MATERIAL_CODES = {"referral_letter": "referral_letter", "investigation_report": "investigation_report",
                           "item_list": "item_list", "inspection_report": "test_report", "other_materials": "other"}



def _publication_sentence(cd: CaseData) -> str:
    """The decision's publication sentence, worded by the agency's publication system (市监 / 综合执法 …)."""
    from casebook.domain.publicity import system

    return system(getattr(cd.agency, "publication_system", None)).sentence()
