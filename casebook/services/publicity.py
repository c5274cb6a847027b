"""Publicity (公示): publication records of decisions, their workflow, and what the public pages read.

Drafted on decision.issued / summary_decision.issued (events.handlers.publicity) → reviewed and published by
the agency's head (PUBLISH_ROLES) → public until display_until; withdrawn within 3 working days when a
复议/诉讼 outcome revokes, changes or finds the decision unlawful; removed early on a 信用修复 application.
Every act is trailed (services.recording.record) and raises a `publication.*` event. Every read and write is
checked against the actor's agency here; denials are logged (services.context.deny).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import inspect
import logging
import re
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from casebook.db.models import (
    Agency,
    Case,
    CatalogueVersion,
    Document,
    Publication,
    Remedy,
    RemedyOutcome,
    User,
    utcnow,
)
from casebook.db.plans import custom_plans
from casebook.domain import publicity as rules
from casebook.domain.deadlines import local_date
from casebook.domain.errors import Conflict, NotFound, ValidationFailed
from casebook.domain.identifiers import validate_uscc
from casebook.domain.lifecycle import PENALTY_KINDS
from casebook.domain.pii import mask_address, mask_document_number, mask_name, redact_text

# Publication is an act of the agency's head (docs/decisions.md: no separate role; the 负责人 signs the decision
# and answers for its publication).
from casebook.domain.vocabulary import (  # noqa: E402  (the labels live in the one vocabulary)
    EXCLUSION_REASONS,
    REMEDY_KINDS,
    REMEDY_OUTCOMES,
)
from casebook.domain.vocabulary import PUBLICATION_STATUSES as STATUS_LABELS  # noqa: E402
from casebook.services import deadlines as deadline_svc

from .context import SYSTEM, Actor, deny, local_today
from .recording import record

log = logging.getLogger(__name__)

PUBLISH_ROLES = frozenset({"agency_head"})
REMEDY_ROLES = frozenset({"agency_head", "officer"})
WITHDRAWING = frozenset({"revoked", "changed", "confirmed_unlawful", "confirmed_void", "redo"})
CATEGORY = {"organization": "法人及非法人组织", "person": "自然人"}


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _yuan(v: Decimal | None) -> str | None:
    return None if v is None else f"{Decimal(v):,.2f}"


def _wan(v: Decimal | None) -> str | None:
    """Amounts in 万元 as 双公示 asks (5,000元记0.5)."""
    if v is None:
        return None
    w = (Decimal(v) / Decimal(10000)).normalize()
    return format(w, "f")


# --- the original and the published text ---------------------------------------------------------------------


def _violation_type(case: Case) -> str:
    names = [v.get("name") or v.get("description") for v in (case.violations or []) if isinstance(v, dict)]
    names = [n for n in names if n]
    return "；".join(names) if names else case.cause.removeprefix("涉嫌")


def _facts(case: Case) -> str:
    if case.facts_text:
        return case.facts_text
    descs = [v.get("description") for v in (case.violations or []) if isinstance(v, dict) and v.get("description")]
    return "当事人" + "；".join(descs) + "。" if descs else case.cause


def _penalty_content(kinds, fine: Decimal | None, confiscated: Decimal | None, gains: Decimal | None) -> str:
    parts = []
    for k in kinds or ():
        label = PENALTY_KINDS.get(k, k)
        if k == "fine" and fine is not None:
            parts.append(f"罚款人民币{_yuan(fine)}元")
        elif k == "confiscate_gains" and (confiscated or gains) is not None:
            parts.append(f"没收违法所得人民币{_yuan(confiscated or gains)}元")
        else:
            parts.append(label)
    return "；".join(parts)


def _decision_document_no(s: Session, case: Case) -> str | None:
    if case.procedure == "summary":
        return case.summary_form_no
    q = (select(Document.document_no).where(Document.case_id == case.id,
                                            Document.doc_type.in_(("penalty_decision", "no_penalty_decision")),
                                            Document.status != "voided", Document.document_no.is_not(None))
         .order_by(Document.id.desc()).limit(1))
    return s.execute(q).scalar_one_or_none()


def source_of(s: Session, case: Case, data: dict, decided_on: dt.date) -> dict:
    """The decision's 信息摘要 as decided, unredacted (staff only)."""
    p = case.party
    kinds = list(data.get("penalty_kinds") or case.penalty_kinds or [])
    fine = Decimal(str(data["fine_amount"])) if data.get("fine_amount") else case.fine_amount
    confiscated = Decimal(str(data["confiscated_amount"])) if data.get("confiscated_amount") else case.confiscated_amount
    kind = "penalty" if case.procedure == "summary" else (data.get("kind") or case.decision_kind or "penalty")
    return {
        "case_no": case.case_no,
        "document_no": _decision_document_no(s, case),
        "party_kind": p.kind if p else None,
        "party_name": p.name if p else "",
        "id_number": p.id_number if p else None,
        "id_kind": p.id_kind if p else None,
        "party_address": p.address if p else None,
        "party_phone": p.phone if p else None,
        "legal_representative": p.legal_representative if p else None,
        "violation_type": _violation_type(case),
        "facts": _facts(case),
        "basis": data.get("basis") or "",
        "decision_kind": kind,
        "penalty_kinds": kinds,
        "penalty_content": _penalty_content(kinds, fine, confiscated, case.illegal_gains),
        "fine_amount": _yuan(fine),
        "confiscated_amount": _yuan(confiscated or (case.illegal_gains if "confiscate_gains" in kinds else None)),
        "license_action": "；".join(PENALTY_KINDS[k] for k in kinds if k in ("suspend_license", "revoke_license")) or None,
        "decided_on": decided_on.isoformat(),
        "agency_name": case.agency.name,
    }


def public_text(src: dict, third_party_names: list[str] | None, text: str | None) -> str:
    """Free text as the public may read it (个人信息保护法 第五十一条; 政府信息公开条例 第十五条): a natural person
    party's name, address, phone and document number masked, the recorded third parties' names masked, any
    other personal identifier masked by casebook.domain.pii.redact_text; an organisation keeps its name, USCC
    and legal representative. The 信息摘要 and a withdrawal's reason go through here alike."""
    person = src.get("party_kind") == "person"
    names = list(third_party_names or ())
    keep = []
    if person:
        if src.get("party_name"):
            names.append(src["party_name"])
    else:
        keep = [v for v in (src.get("party_name"), src.get("id_number"), src.get("legal_representative")) if v]
    t = text or ""
    for known in (src.get("party_address"),):
        if known and person:
            t = t.replace(known, mask_address(known))
    for known in (src.get("party_phone"), src.get("id_number") if person else None):
        if known:
            t = t.replace(known, "*" * len(known))
    return redact_text(t, names=names, keep=keep)


def published_of(src: dict, third_party_names: list[str], *, display_until: dt.date | None = None) -> dict:
    """The 信息摘要 the public sees: a natural person's identifiers masked, third parties' names masked; a business
    keeps its name, USCC and legal representative. The one masking module is casebook.domain.pii."""
    person = src.get("party_kind") == "person"

    def clean(text: str | None) -> str:
        return public_text(src, third_party_names, text)

    fine = Decimal(src["fine_amount"].replace(",", "")) if src.get("fine_amount") else None
    conf = Decimal(src["confiscated_amount"].replace(",", "")) if src.get("confiscated_amount") else None
    return {
        "party_name": mask_name(src["party_name"]) if person else src["party_name"],
        "party_category": CATEGORY.get(src.get("party_kind") or "", "其他"),
        "uscc": None if person else src.get("id_number"),
        "id_number": mask_document_number(src["id_number"], src.get("id_kind")) if person and src.get("id_number") else None,
        "legal_representative": None if person else src.get("legal_representative"),
        "document_no": src.get("document_no"),
        "violation_type": clean(src.get("violation_type")),
        "facts": clean(src.get("facts")),
        "basis": clean(src.get("basis")),
        "penalty_category": "、".join(PENALTY_KINDS.get(k, k) for k in src.get("penalty_kinds") or ()) or "不予行政处罚",
        "penalty_content": clean(src.get("penalty_content")),
        "fine_wan": _wan(fine),
        "confiscated_wan": _wan(conf),
        "license_action": src.get("license_action"),
        "decided_on": src.get("decided_on"),
        "display_until": _iso(display_until),
        "agency_name": src.get("agency_name"),
        "data_source": src.get("agency_name"),
    }


# --- access -----------------------------------------------------------------------------------------------------


def _load(s: Session, actor: Actor, pub_id: int, what: str, *, lock: bool = False) -> Publication:
    q = select(Publication).where(Publication.id == pub_id)
    pub = s.execute(q.with_for_update() if lock else q).scalar_one_or_none()
    if pub is None:
        raise NotFound("没有该公示记录", code="publication_not_found")
    if not actor.can_read(pub.agency_id):
        raise _not_found_logged(actor, what)
    return pub


def _not_found_logged(actor: Actor, what: str) -> NotFound:
    """Another agency's record is simply not found; the attempt is logged as a denial."""
    deny(actor, what, "没有该公示记录", "publication_not_found")
    return NotFound("没有该公示记录", code="publication_not_found")


def _lock_case(s: Session, case_id: int) -> Case | None:
    """Lock the case row before anything is trailed: every path takes the case, then the chain head (as the
    case acts do), never the head first — the other order deadlocks with a concurrent act on the case."""
    return s.execute(select(Case).where(Case.id == case_id).with_for_update()).scalar_one_or_none()


def _may_act(actor: Actor, pub: Publication, what: str, roles) -> None:
    if not actor.can_act_in(pub.agency_id):
        raise deny(actor, what, "只能处理本机关的公示记录", "out_of_scope")
    if not actor.roles & roles:
        raise deny(actor, what, "公示须由本机关负责人审核发布", "role_not_allowed")


def check_act(s: Session, actor: Actor, pub_id: int, what: str) -> None:
    """Who may act on this record (its scope, then the head's role), without locking: the web layer refuses a
    caller without permission before it parses the body (permission before validation)."""
    _may_act(actor, _load(s, actor, pub_id, what), what, PUBLISH_ROLES)


def _load_for_act(s: Session, actor: Actor, pub_id: int, what: str, roles=PUBLISH_ROLES) -> Publication:
    pub = _load(s, actor, pub_id, what)
    _lock_case(s, pub.case_id)
    pub = s.execute(select(Publication).where(Publication.id == pub_id).with_for_update()).scalar_one()
    _may_act(actor, pub, what, roles)
    return pub


def _act(s: Session, actor: Actor, pub: Publication, action: str, **extra: Any) -> None:
    case = s.get(Case, pub.case_id)
    due = deadline_svc.live(s, case, "publication", ref=str(pub.id), lock=False)
    payload = {"publication_id": pub.id, "status": pub.status, "case_no": case.case_no,
               "document_no": pub.document_no, "system": pub.system, "reason": pub.reason,
               "due_on": _iso(due.due_on) if due is not None else None, "published_on": _iso(pub.published_on),
               "display_until": _iso(pub.display_until), "ended_on": _iso(pub.ended_on)}
    record(s, actor, f"publication.{action}", {**payload, **extra}, case=case,
           events=[(f"publication.{action}", payload)])


# --- the workflow -----------------------------------------------------------------------------------------------


def draft_for_decision(s: Session, case_id: int, *, event_id: str, data: dict, occurred_on: dt.date) -> Publication | None:
    """decision.issued / summary_decision.issued: draft the record (or record why it is not published) and plan
    its deadline (118号 7 个工作日; 市监 20; the stricter where both apply). Idempotent per event."""
    existing = s.execute(select(Publication).where(Publication.source_event_id == event_id)).scalar_one_or_none()
    if existing is not None:
        return existing
    case = _lock_case(s, case_id)
    if case is None:
        return None
    decided_on = data.get("decided_on")
    decided_on = dt.date.fromisoformat(decided_on[:10]) if isinstance(decided_on, str) else (case.decided_on or occurred_on)
    sys = rules.system(case.agency.publication_system)
    src = source_of(s, case, data, decided_on)
    # the one verdict: the decision's publication notice reads the same (documents.context.decisions)
    verdict = rules.decision_eligibility(sys, procedure=case.procedure, decision_kind=src["decision_kind"],
                                         penalty_kinds=src["penalty_kinds"], party=case.party, decided_on=decided_on)
    now = utcnow()
    pub = Publication(case_id=case.id, agency_id=case.agency_id, source_event_id=event_id, system=sys.code,
                      status="draft" if verdict.publish else "not_published", reason_code=verdict.code,
                      reason=verdict.reason, procedure=case.procedure, decision_kind=src["decision_kind"],
                      penalty_kinds=src["penalty_kinds"], fine_amount=case.fine_amount, decided_on=decided_on,
                      document_no=src["document_no"], violation_type=src["violation_type"][:300],
                      agency_name=src["agency_name"], third_party_names=[], source=src, published={},
                      party_name="", created_at=now, updated_at=now)
    _refresh(pub)
    s.add(pub)
    s.flush()
    if verdict.publish:
        deadline_svc.plan(s, case, "publication", start=decided_on, ref=str(pub.id), days=sys.deadline_days,
                          penalty=src["decision_kind"] == "penalty")
    _act(s, SYSTEM, pub, "drafted" if verdict.publish else "not_published", days=sys.deadline_days)
    return pub


def _refresh(pub: Publication) -> None:
    pub.published = published_of(pub.source, pub.third_party_names, display_until=pub.display_until)
    pub.published["penalty_term"] = f"{pub.ban_months}个月" if pub.ban_months else None  # 处罚有效期 (禁止、限制期限)
    pub.party_name = pub.published["party_name"][:200]
    pub.uscc = pub.published["uscc"]
    pub.document_no = pub.source.get("document_no")
    if pub.status == "withdrawn" and pub.source.get("withdrawal_reason"):
        pub.reason = public_text(pub.source, pub.third_party_names, pub.source["withdrawal_reason"])
    pub.redacted_with = redaction_rules()


@functools.cache
def redaction_rules() -> str:
    """A fingerprint of the code that makes a record's public text (casebook.domain.pii and the functions here that
    apply it), kept on each record it made (`redacted_with`). When the masking improves, `refresh_public_texts` — run
    by `casebook db upgrade` — redoes every record still public under older rules, so a decision published before
    the change stops showing what the new rules hide (个人信息保护法 第五十一条)."""
    from casebook.domain import pii

    try:
        code = "".join(inspect.getsource(x) for x in (pii, public_text, published_of, _refresh))
    except (OSError, TypeError):  # installed without its sources: the compiled code stands for them
        code = repr([(f.__code__.co_code, f.__code__.co_consts) for f in (
            *(v for v in vars(pii).values() if inspect.isfunction(v)), public_text, published_of, _refresh)]
                    + [v.pattern for v in vars(pii).values() if isinstance(v, re.Pattern)])
    return hashlib.sha256(code.encode()).hexdigest()[:16]


PUBLIC_TEXT_STATUSES = ("draft", "published", "withdrawn")  # what the public reads, or will


def refresh_public_texts(factory, *, batch: int = 200) -> dict[str, int]:
    """Redo the public text of every draft, published and withdrawn record made under older masking rules
    (`redaction_rules`): each in the case's order (the case row locked first, then the record, as every publicity
    act), and one whose text the public sees changes is trailed as `publication.updated` (`redaction`). Batches of
    `batch` records per transaction; returns how many were checked and how many changed."""
    from casebook.db.engine import unit_of_work

    current, after, checked, changed = redaction_rules(), 0, 0, 0
    while True:
        with unit_of_work(factory) as s:
            rows = s.execute(select(Publication.id, Publication.case_id)
                             .where(Publication.id > after, Publication.status.in_(PUBLIC_TEXT_STATUSES),
                                    or_(Publication.redacted_with.is_(None), Publication.redacted_with != current))
                             .order_by(Publication.id).limit(batch)).all()
            if not rows:
                return {"checked": checked, "changed": changed}
            for pub_id, case_id in rows:
                _lock_case(s, case_id)
                pub = s.execute(select(Publication).where(Publication.id == pub_id).with_for_update()).scalar_one()
                if pub.status not in PUBLIC_TEXT_STATUSES:  # moved on since the batch was read
                    continue
                checked += 1
                before = (pub.published, pub.reason)
                if pub.status == "withdrawn" and "withdrawal_reason" not in pub.source:
                    # withdrawn before the reason was kept apart (e90c7ad): the stored reason is the one as written
                    pub.source = {**pub.source, "withdrawal_reason": pub.reason or ""}
                try:
                    _refresh(pub)
                except (KeyError, TypeError, ValueError, AttributeError) as e:  # a record without a usable source
                    log.warning("publicity: publication %s kept as it is: its source cannot be read (%r)", pub.id, e)
                    s.expire(pub)  # nothing of it written
                    continue
                if (pub.published, pub.reason) != before:
                    pub.updated_at = utcnow()
                    _act(s, SYSTEM, pub, "updated", change="redaction",
                         note="个人信息脱敏规则更新，已按新规则重新脱敏公示内容")
                    changed += 1
            after = rows[-1][0]


def preview(s: Session, actor: Actor, pub_id: int) -> dict:
    """Side by side: the original 信息摘要 and exactly what the public will see."""
    pub = _load(s, actor, pub_id, "publication.preview")
    return {"record": view(s, pub), "original": pub.source, "published": pub.published}


def update_draft(s: Session, actor: Actor, pub_id: int, *, third_party_names: list[str] | None = None,
                 ban_months: int | None = None) -> Publication:
    pub = _load_for_act(s, actor, pub_id, "publication.update")
    if pub.status != "draft":
        raise Conflict("只能修改待公示的记录", code="publication_not_draft")
    if third_party_names is not None:
        pub.third_party_names = sorted({n.strip() for n in third_party_names if n.strip()})
    if ban_months is not None:
        pub.ban_months = ban_months
    case = s.get(Case, pub.case_id)
    pub.source = {**pub.source, "document_no": _decision_document_no(s, case) or pub.source.get("document_no")}
    _refresh(pub)
    pub.updated_at = utcnow()
    _act(s, actor, pub, "updated", third_parties=len(pub.third_party_names), ban_months=pub.ban_months)
    return pub


def decision_reissued(s: Session, actor: Actor, case: Case) -> list[Publication]:
    """A decision document voided and issued again (before service, docs/decisions.md) carries a new 文号: the
    case's draft and published records take it, so the public reads and searches the 文号 in force and no
    longer the voided one (行政处罚法 第四十八条: the decision as made is what is published). Each change is
    trailed as `publication.updated`. The caller holds the case row lock (case first, then the records)."""
    doc_no = _decision_document_no(s, case)
    if not doc_no:
        return []
    pubs = s.execute(select(Publication).where(Publication.case_id == case.id,
                                               Publication.status.in_(("draft", "published")))
                     .order_by(Publication.id).with_for_update()).scalars().all()
    changed = []
    for pub in pubs:
        before = pub.source.get("document_no")
        if not before or before == doc_no:  # no number yet: publish() takes the one in force
            continue
        pub.source = {**pub.source, "document_no": doc_no}
        _refresh(pub)
        pub.updated_at = utcnow()
        _act(s, actor, pub, "updated", previous_document_no=before)
        changed.append(pub)
    return changed


def publish(s: Session, actor: Actor, pub_id: int, *, on: dt.date | None = None) -> Publication:
    pub = _load_for_act(s, actor, pub_id, "publication.publish")
    if pub.status != "draft":
        raise Conflict(f"该记录{STATUS_LABELS.get(pub.status, pub.status)}，不能发布", code="publication_not_draft")
    case = s.get(Case, pub.case_id)
    doc_no = _decision_document_no(s, case) or pub.source.get("document_no")
    if not doc_no:
        raise Conflict("决定书尚未制作，没有文号，不能公示", code="decision_document_missing")
    on = on or local_today()
    sys = rules.system(pub.system)
    pub.source = {**pub.source, "document_no": doc_no}
    pub.display_until, pub.display_basis = rules.display_until(
        sys, published_on=on, penalty_kinds=pub.penalty_kinds, fine=pub.fine_amount, ban_months=pub.ban_months)
    pub.status, pub.published_on, pub.published_by, pub.updated_at = "published", on, actor.user_id, utcnow()
    _refresh(pub)
    deadline_svc.settle(s, case, "publication", ref=str(pub.id), on=on, actor=actor, note="已公示")
    _act(s, actor, pub, "published", display_basis=pub.display_basis)
    return pub


def exclude(s: Session, actor: Actor, pub_id: int, *, reason_code: str, reason: str) -> Publication:
    """国家秘密 / 商业秘密 / 个人隐私: not published, with the reason recorded (政府信息公开条例 第十四、十五条)."""
    pub = _load_for_act(s, actor, pub_id, "publication.exclude")
    if reason_code not in EXCLUSION_REASONS:
        raise ValidationFailed("不予公开的理由只能是国家秘密、商业秘密或个人隐私",
                               errors={"reason_code": [f"可选：{'、'.join(EXCLUSION_REASONS)}"]})
    if not (reason or "").strip():
        raise ValidationFailed("须写明不予公开的具体理由", errors={"reason": ["必填"]})
    if pub.status != "draft":
        raise Conflict("只能对待公示的记录决定不予公开", code="publication_not_draft")
    pub.status, pub.reason_code, pub.reason = "excluded", reason_code, f"{EXCLUSION_REASONS[reason_code]}：{reason.strip()}"
    pub.updated_at = utcnow()
    deadline_svc.cancel(s, pub.case_id, "publication", ref=str(pub.id), reason=pub.reason, actor=actor)
    _act(s, actor, pub, "excluded")
    return pub


def withdraw(s: Session, actor: Actor, pub_id: int, *, reason: str, on: dt.date | None = None,
             checked: bool = False) -> Publication:
    """行政处罚法 第四十八条第二款: withdraw within 3 working days, the reason shown in place of the text."""
    pub = _load_for_act(s, actor, pub_id, "publication.withdraw", PUBLISH_ROLES | (REMEDY_ROLES if checked else frozenset()))
    if not (reason or "").strip():
        raise ValidationFailed("撤回须写明理由", errors={"reason": ["必填"]})
    if pub.status not in ("published", "draft"):
        raise Conflict(f"该记录{STATUS_LABELS.get(pub.status, pub.status)}，不能撤回", code="publication_not_public")
    on = on or local_today()
    was = pub.status
    # The reason is shown to the public in place of the text: stored redacted as the 信息摘要 is (个人信息保护法
    # 第五十一条); the head's words as written stay with the staff-only original (`source`).
    written = reason.strip()
    pub.source = {**pub.source, "withdrawal_reason": written}
    pub.status, pub.reason_code, pub.ended_on, pub.updated_at = "withdrawn", "withdrawn", on, utcnow()
    _refresh(pub)  # the reason as the public reads it, masked as the 信息摘要 is
    if was == "draft":
        deadline_svc.cancel(s, pub.case_id, "publication", ref=str(pub.id), reason="决定已撤销或变更，不再公示", actor=actor)
    deadline_svc.settle(s, pub.case_id, "withdrawal", ref=str(pub.id), on=on, actor=actor, note="已撤回公示")
    _act(s, actor, pub, "withdrawn", reason_as_written=written)  # the trail: what the head wrote
    return pub


def _may_record_remedy(s: Session, actor: Actor, case_id: int, *, lock: bool = False) -> Case:
    q = select(Case).where(Case.id == case_id)
    case = s.execute(q.with_for_update() if lock else q).scalar_one_or_none()
    if case is None or not actor.can_read(case.agency_id):
        if case is not None:
            deny(actor, "remedy.record", "案件不存在", "case_not_found")
        raise NotFound("案件不存在", code="case_not_found")
    if not actor.can_act_in(case.agency_id):
        raise deny(actor, "remedy.record", "只能在本机关的案件上登记", "out_of_scope")
    if not actor.roles & REMEDY_ROLES:
        raise deny(actor, "remedy.record", "您的角色无权执行此操作", "role_not_allowed")
    return case


def check_remedy(s: Session, actor: Actor, case_id: int) -> None:
    """Who may record a 复议/诉讼 outcome on this case, without locking (permission before validation)."""
    _may_record_remedy(s, actor, case_id)


def record_remedy_outcome(s: Session, actor: Actor, case_id: int, *, kind: str, outcome: str, decided_on: dt.date,
                          authority: str, document_no: str | None = None, summary: str | None = None) -> RemedyOutcome:
    """Record a 复议/诉讼 outcome on the case; one that revokes, changes or finds the decision unlawful withdraws
    its publication (行政处罚法 第四十八条第二款: 三日内撤回), the withdrawal deadline planned and met."""
    case = _may_record_remedy(s, actor, case_id, lock=True)
    errors = {}
    if kind not in REMEDY_KINDS:
        errors["kind"] = ["可选：reconsideration（行政复议）、litigation（行政诉讼）"]
    if outcome not in REMEDY_OUTCOMES:
        errors["outcome"] = [f"可选：{'、'.join(REMEDY_OUTCOMES)}"]
    if not (authority or "").strip():
        errors["authority"] = ["必填：复议机关或人民法院"]
    if case.decided_on is None:
        errors["case"] = ["本案尚未作出决定"]
    elif decided_on < case.decided_on or decided_on > local_today():
        errors["decided_on"] = ["不得早于处罚决定日期，也不得晚于今天"]
    if errors:
        raise ValidationFailed("复议、诉讼结果登记有误", errors=errors)
    pending = s.execute(select(Remedy.id).where(Remedy.case_id == case.id, Remedy.concluded_on.is_(None))).first()
    if pending is not None:  # one record of one fact: the act that ends the pause records the outcome too
        raise Conflict("本案有尚未终结的行政复议或者行政诉讼，请通过“记录行政复议或者行政诉讼终结”登记其结果"
                       "（同时恢复计算加处罚款）", code="remedy_pending")
    return apply_remedy_outcome(s, actor, case, kind=kind, outcome=outcome, decided_on=decided_on, authority=authority,
                                document_no=document_no, summary=summary)


def apply_remedy_outcome(s: Session, actor: Actor, case: Case, *, kind: str, outcome: str, decided_on: dt.date,
                         authority: str, document_no: str | None = None, summary: str | None = None) -> RemedyOutcome:
    """The outcome on the record and its consequence for the 公示 (the caller holds the case row lock and has checked
    the actor): one that revokes, changes or finds the decision unlawful withdraws its publication (第四十八条第二款).
    Reached from `record_remedy_outcome` and from the act `record_remedy_concluded`."""
    row = RemedyOutcome(case_id=case.id, agency_id=case.agency_id, kind=kind, outcome=outcome, decided_on=decided_on,
                        authority=authority.strip(), document_no=document_no, summary=summary,
                        recorded_by=actor.user_id)
    s.add(row)
    s.flush()
    payload = {"remedy_id": row.id, "kind": kind, "outcome": outcome, "decided_on": decided_on.isoformat(),
               "case_no": case.case_no}
    record(s, actor, "remedy.outcome_recorded", {**payload, "authority": row.authority, "document_no": document_no},
           case=case, events=[("remedy.outcome_recorded", payload)])
    if outcome in WITHDRAWING:
        reason = (f"该行政处罚决定已被{row.authority}{REMEDY_OUTCOMES[outcome]}"
                  f"{'（' + document_no + '）' if document_no else ''}，依法撤回公示。")
        pubs = s.execute(select(Publication).where(Publication.case_id == case.id,
                                                   Publication.status.in_(("published", "draft")))).scalars().all()
        for pub in pubs:
            deadline_svc.plan(s, case, "withdrawal", start=decided_on, ref=str(pub.id), actor=actor)
            withdraw(s, actor, pub.id, reason=reason, checked=True)
    return row


def apply_removal(s: Session, actor: Actor, pub_id: int, *, conditions: dict[str, bool], applied_on: dt.date,
                  note: str | None = None) -> Publication:
    """信用修复 (总局令第45号 第十四条): stop publication early when every condition holds; never for severe penalties."""
    pub = _load_for_act(s, actor, pub_id, "publication.remove")
    if pub.status != "published":
        raise Conflict("只有公示中的记录可以提前停止公示", code="publication_not_public")
    refusals = rules.removal_refusals(pub.penalty_kinds, conditions)
    if refusals:
        raise Conflict("不符合提前停止公示的条件", code="removal_refused", errors={"conditions": refusals})
    pub.status, pub.reason_code, pub.ended_on, pub.updated_at = "removed", "credit_repair", applied_on, utcnow()
    pub.reason = "经当事人申请，符合信用修复条件，提前停止公示。" + (note or "")
    _act(s, actor, pub, "removed", conditions=sorted(k for k, v in conditions.items() if v))
    return pub


def sweep_expired(s: Session, today: dt.date | None = None, *, limit: int = 500) -> int:
    """Record `expired` for records whose display period ended (the public reads already leave them out)."""
    today = today or local_today()
    due = select(Publication.id, Publication.case_id).where(Publication.status == "published",
                                                            Publication.display_until < today)
    found = s.execute(due.order_by(Publication.id).limit(limit)).all()
    if not found:
        return 0
    for case_id in sorted({c for _, c in found}):  # cases first, in id order (then the chain head, per act)
        _lock_case(s, case_id)
    rows = s.execute(select(Publication).where(Publication.id.in_([i for i, _ in found]),
                                               Publication.status == "published", Publication.display_until < today)
                     .order_by(Publication.id).with_for_update()).scalars().all()
    for pub in rows:
        pub.status, pub.ended_on, pub.updated_at = "expired", pub.display_until + dt.timedelta(days=1), utcnow()
        pub.reason_code, pub.reason = "expired", "公示期满"
        _act(s, SYSTEM, pub, "expired")
    return len(rows)


def sweep_all_expired(sessions, today: dt.date | None = None) -> int:
    total = 0
    while True:
        with sessions() as s, s.begin():
            n = sweep_expired(s, today)
        total += n
        if n == 0:
            return total


def set_agency_system(s: Session, actor: Actor, agency_id: int, system_code: str) -> Agency:
    """An administrator sets which publication rules bind an agency (市监 / 综合执法 / 生态环境 …)."""
    if "admin" not in actor.roles:
        raise deny(actor, "agency.publication_system", "只有管理员可以设置机关的公示规则", "role_not_allowed")
    if system_code not in rules.SYSTEMS:
        raise ValidationFailed("没有这种公示规则", errors={"system": [f"可选：{'、'.join(rules.SYSTEMS)}"]})
    agency = s.execute(select(Agency).where(Agency.id == agency_id).with_for_update()).scalar_one_or_none()
    if agency is None:
        raise NotFound("没有该执法机关", code="agency_not_found")
    before, agency.publication_system = agency.publication_system, system_code
    payload = {"agency_id": agency.id, "from": before, "to": system_code}
    record(s, actor, "agency.publication_system_set", payload, agency_id=agency.id,
           events=[("agency.publication_system_set", {"action": "set_publication_system", "id": agency.id,
                                                     "data": payload})])
    return agency


# --- staff lists ------------------------------------------------------------------------------------------------


def view(s: Session, pub: Publication) -> dict:
    due = deadline_svc.live(s, pub.case_id, "publication", ref=str(pub.id), lock=False)
    return {"id": pub.id, "case_id": pub.case_id, "status": pub.status, "status_label": STATUS_LABELS[pub.status],
            "system": pub.system, "reason": pub.reason, "document_no": pub.document_no, "party_name": pub.party_name,
            "violation_type": pub.violation_type, "decided_on": _iso(pub.decided_on), "due_on": _iso(due.due_on) if due else None,
            "published_on": _iso(pub.published_on), "display_until": _iso(pub.display_until),
            "ended_on": _iso(pub.ended_on), "third_party_names": pub.third_party_names, "ban_months": pub.ban_months}


def queue(s: Session, actor: Actor, *, status: str | None = None, limit: int = 50, after: int | None = None) -> list[dict]:
    q = select(Publication)
    if "admin" not in actor.roles:
        q = q.where(Publication.agency_id.in_(actor.read_scope))
    if status:
        q = q.where(Publication.status == status)
    if after:
        q = q.where(Publication.id < after)
    return [view(s, p) for p in s.execute(q.order_by(Publication.id.desc()).limit(limit)).scalars()]


# --- public reads -----------------------------------------------------------------------------------------------

PUBLIC_FIELDS = ("id", "document_no", "party_name", "violation_type", "penalty_content", "agency_name", "decided_on",
                 "published_on")


def _visible(today: dt.date):
    return and_(Publication.status == "published", Publication.display_until >= today)


def _like(v: str) -> str:
    return "%" + v.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_args(raw: dict) -> dict:
    """Validate the public search; a bad value is a 422 with the field named."""
    out: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    party = (raw.get("party") or "").strip()
    if party:
        if len(party) > 100:
            errors["party"] = ["当事人名称不超过100个字符"]
        out["party"] = party
    uscc = (raw.get("uscc") or "").strip().upper()
    if uscc:
        try:
            validate_uscc(uscc)
            out["uscc"] = uscc
        except ValidationFailed:
            errors["uscc"] = ["统一社会信用代码格式或校验位不正确"]
    doc = (raw.get("document_no") or "").strip()
    if doc:
        if len(doc) > 80:
            errors["document_no"] = ["文号不超过80个字符"]
        out["document_no"] = doc
    for key in ("agency_id", "page"):
        v = (raw.get(key) or "").strip()
        if v:
            if not v.isdigit() or not 1 <= int(v) <= 100000:
                errors[key] = ["须为正整数"]
            else:
                out[key] = int(v)
    for key in ("from", "to"):
        v = (raw.get(key) or "").strip()
        if v:
            try:
                out[key] = dt.date.fromisoformat(v)
            except ValueError:
                errors[key] = ["日期格式为 YYYY-MM-DD"]
    if out.get("page", 1) > 500:
        errors["page"] = ["最多查看前500页，请缩小查询范围"]
    if errors:
        raise ValidationFailed("查询条件有误", code="invalid_query", errors=errors)
    return out


def search(s: Session, args: dict, *, today: dt.date | None = None, per_page: int = 20) -> dict:
    today = today or local_today()
    q = select(Publication.id, Publication.published, Publication.published_on).where(_visible(today))
    if args.get("party"):
        q = q.where(Publication.party_name.ilike(_like(args["party"]), escape="\\"))
    if args.get("uscc"):
        q = q.where(Publication.uscc == args["uscc"])
    if args.get("document_no"):
        q = q.where(Publication.document_no == args["document_no"])
    if args.get("agency_id"):
        q = q.where(Publication.agency_id == args["agency_id"])
    if args.get("from"):
        q = q.where(Publication.decided_on >= args["from"])
    if args.get("to"):
        q = q.where(Publication.decided_on <= args["to"])
    page = args.get("page", 1)
    # newest decisions first: (status[, agency], decided_on, id) indexes serve the order and the date range alike
    with custom_plans(s.connection()):  # the public's own filters: planned for their values
        rows = s.execute(q.order_by(Publication.decided_on.desc(), Publication.id.desc())
                         .offset((page - 1) * per_page).limit(per_page + 1)).all()
    items = [{"id": r.id, "document_no": r.published.get("document_no"), "party_name": r.published["party_name"],
              "violation_type": r.published["violation_type"], "penalty_content": r.published["penalty_content"],
              "agency_name": r.published["agency_name"], "decided_on": r.published["decided_on"],
              "published_on": _iso(r.published_on)} for r in rows[:per_page]]
    return {"items": items, "page": page, "has_more": len(rows) > per_page}


def detail(s: Session, pub_id: int, *, today: dt.date | None = None) -> dict:
    """A published record, or a withdrawn one with its reason in place of the text; anything else is not found."""
    today = today or local_today()
    pub = s.get(Publication, pub_id)
    if pub is None or pub.status not in ("published", "withdrawn") or (
            pub.status == "published" and pub.display_until < today) or pub.published_on is None:
        raise NotFound("没有该公示信息，或者已经停止公示", code="publication_not_found")
    if pub.status == "withdrawn":
        return {"id": pub.id, "status": "withdrawn", "status_label": "已撤回", "document_no": pub.document_no,
                "agency_name": pub.agency_name, "withdrawn_on": _iso(pub.ended_on),
                "reason": pub.reason,  # masked when withdrawn (older rows: by refresh_public_texts at upgrade)
                "published_on": _iso(pub.published_on)}
    return {"id": pub.id, "status": "published", "status_label": "公示中", **pub.published,
            "published_on": _iso(pub.published_on)}


# --- 事前公开 --------------------------------------------------------------------------------------------------

REMEDIES = [
    {"route": "行政复议", "period": "自知道或者应当知道该行政行为之日起六十日内",
     "basis": "《中华人民共和国行政复议法》第二十条"},
    {"route": "行政诉讼", "period": "自知道或者应当知道作出行政行为之日起六个月内",
     "basis": "《中华人民共和国行政诉讼法》第四十六条"},
]


def public_agencies(s: Session) -> list[dict]:
    rows = s.execute(select(Agency).where(Agency.level != "district").order_by(Agency.id)).scalars()
    return [{"id": a.id, "name": a.name, "system": rules.system(a.publication_system).label} for a in rows]


def _catalogues(s: Session, sys: rules.PublicationSystem, today: dt.date) -> list[CatalogueVersion]:
    rows = s.execute(select(CatalogueVersion).where(
        CatalogueVersion.kind.in_(("benchmark", "exemption_list")), CatalogueVersion.effective_from <= today,
        or_(CatalogueVersion.effective_to.is_(None), CatalogueVersion.effective_to > today))
        .order_by(CatalogueVersion.code, CatalogueVersion.version.desc())).scalars().all()
    latest: dict[str, CatalogueVersion] = {}
    for r in rows:
        scope = str((r.content.get("catalogue") or {}).get("scope") or "")
        if r.code not in latest and sys.catalogue_scope and sys.catalogue_scope in scope:
            latest[r.code] = r
    return list(latest.values())


def disclosure(s: Session, agency_id: int, *, today: dt.date | None = None) -> dict:
    """事前公开 (118号): the agency, its powers and violation items, officers with 执法证, procedures, remedies, the
    裁量基准 and 免罚清单 in force — all read from the data; `last_changed` is the latest change among them."""
    today = today or local_today()
    agency = s.get(Agency, agency_id)
    if agency is None or agency.level == "district":
        raise NotFound("没有该执法机关", code="agency_not_found")
    sys = rules.system(agency.publication_system)
    changes: list[dt.date] = [local_date(agency.created_at)]
    officers = []
    users = s.execute(select(User).where(User.agency_id == agency.id, User.active.is_(True)).order_by(User.id)).scalars()
    for u in users:
        changes.append(local_date(u.created_at))
        creds = [c for c in u.credentials if not c.revoked]
        if "officer" not in (u.roles or []) or not creds:
            continue
        for c in creds:
            changes += [d for d in (c.valid_from, c.valid_to + dt.timedelta(days=1)) if d <= today]
        current = max(creds, key=lambda c: c.valid_to)
        officers.append({"name": u.display_name, "credential_no": current.credential_no, "field": current.field,
                         "valid_from": _iso(current.valid_from), "valid_to": _iso(current.valid_to),
                         "valid": current.valid_from <= today <= current.valid_to})
    items, lists = [], []
    for cv in _catalogues(s, sys, today):
        changes += [local_date(cv.imported_at), cv.effective_from]
        lists.append({"code": cv.code, "kind": cv.kind, "kind_label": "裁量基准" if cv.kind == "benchmark" else "免罚清单",
                      "name": cv.name, "issuer": cv.issuer, "document_no": cv.document_no, "version": cv.version,
                      "effective_from": _iso(cv.effective_from), "effective_to": _iso(cv.effective_to)})
        if cv.kind == "benchmark":
            for it in cv.content.get("violation_items") or []:
                items.append({"code": it.get("code"), "field": it.get("field"), "name": it.get("name"),
                              "violated_provision": it.get("violated_provision"),
                              "penalty_provision": it.get("penalty_provision")})
    return {
        "agency": {"id": agency.id, "name": agency.name, "system": sys.label,
                   "publication_rule": f"行政处罚决定自作出之日起{sys.deadline_days}个工作日内公示（{'；'.join(sys.rules)}）"},
        "powers": items, "officers": officers, "catalogues": lists, "remedies": REMEDIES,
        "procedures": ["ordinary", "summary"],
        "last_changed": max(d for d in changes if d <= today).isoformat() if changes else None,
    }

