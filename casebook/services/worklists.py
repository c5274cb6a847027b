"""What waits for whom: the legal reviewer's queue, the head's approvals, the referral board (read-only).

Each list is scoped to the actor's agencies like every other read.
"""

from __future__ import annotations

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session, selectinload

from casebook.db.models import (
    Case,
    CaseAct,
    CaseOfficer,
    CollectiveDiscussion,
    Deadline,
    LegalReview,
    Publication,
    Referral,
    User,
)

from .cases import load_case
from .context import Actor, require_role

OPEN_REVIEW = ("submitted", "assigned")
REFERRAL_OPEN = ("suggested", "team_formed", "reported", "approved", "transferred", "receipted",
                 "reconsideration_requested")


def _scope(actor: Actor, col):
    return col.in_(sorted(actor.read_scope)) if "admin" not in actor.roles else col.is_not(None)


# Implied by every open referral status, and said outright so that both databases use the partial index
# ix_cases_referral_active (its WHERE): the few cases with a referral, not every case of the agency.
_REFERRAL_ACTIVE = Case.referral_status != "none"
APPROVAL_STAGES = ("lead", "investigation_closed", "prior_notice", "hearing")


def review_queue(s: Session, actor: Actor, *, mine: bool = False, limit: int = 100) -> list[tuple[LegalReview, Case]]:
    """Open legal reviews, soonest due first (行政处罚法 第五十八条)."""
    require_role(actor, "legal_reviewer", "agency_head", "supervisor", "admin", what="legal_reviews.queue")
    q = (select(LegalReview, Case).join(Case, Case.id == LegalReview.case_id)
         .where(_scope(actor, LegalReview.agency_id), LegalReview.status.in_(OPEN_REVIEW))
         .options(selectinload(Case.party)))
    if mine:
        q = q.where(LegalReview.reviewer_id == actor.user_id)
    return [tuple(r) for r in s.execute(q.order_by(LegalReview.due_on, LegalReview.id).limit(limit)).all()]


def case_reviews(s: Session, actor: Actor, case_id: int) -> list[LegalReview]:
    load_case(s, actor, case_id)
    return list(s.execute(select(LegalReview).where(LegalReview.case_id == case_id).order_by(LegalReview.round)).scalars())


def case_referrals(s: Session, actor: Actor, case_id: int) -> list[Referral]:
    load_case(s, actor, case_id)
    return list(s.execute(select(Referral).where(Referral.case_id == case_id).order_by(Referral.id)).scalars())


def case_discussions(s: Session, actor: Actor, case_id: int) -> list[CollectiveDiscussion]:
    load_case(s, actor, case_id)
    return list(s.execute(select(CollectiveDiscussion).where(CollectiveDiscussion.case_id == case_id)
                          .order_by(CollectiveDiscussion.id)).scalars())


def open_referrals(s: Session, actor: Actor, limit: int = 200) -> list[tuple[Case, Deadline | None]]:
    """Every case with a referral under way (国务院令第310号), with its nearest open deadline."""
    q = (select(Case).where(_scope(actor, Case.agency_id), _REFERRAL_ACTIVE, Case.referral_status.in_(REFERRAL_OPEN))
         .options(selectinload(Case.party)).order_by(Case.id.desc()).limit(limit))
    cases = list(s.execute(q).scalars())
    nearest = _next_deadlines(s, [c.id for c in cases])
    return [(c, nearest.get(c.id)) for c in cases]


#: A deadline still to be met: open, or missed and not yet met late (the sweep marks it missed; it stays what the head
#: must see first, in red, rather than vanish from the list).
UNMET = ("open", "missed")


def _next_deadlines(s: Session, case_ids: list[int]) -> dict[int, Deadline]:
    """Each case's nearest unmet deadline with a due date (a missed one first), for a page of cases in one query (not
    one per case)."""
    return {cid: ds[0] for cid, ds in _unmet_deadlines(s, case_ids).items()}


def _unmet_deadlines(s: Session, case_ids: list[int]) -> dict[int, list[Deadline]]:
    """Each case's unmet deadlines with a due date, soonest first (one query for a page of cases)."""
    out: dict[int, list[Deadline]] = {}
    if case_ids:
        for d in s.execute(select(Deadline).where(Deadline.case_id.in_(case_ids), Deadline.status.in_(UNMET),
                                                  Deadline.due_on.is_not(None))
                           .order_by(Deadline.case_id, Deadline.due_on, Deadline.id)).scalars():
            out.setdefault(d.case_id, []).append(d)
    return out


#: The deadline a head's item runs against: 立案 the filing deadline (市场监督管理行政处罚程序规定第十八条), 移送 the three
#: days to decide on the report (国务院令第310号第五条), a decision and its collective discussion the 作出处理决定期限
#: (行政处罚法第六十条). Not the party's window that happens to fall due sooner.
ITEM_DEADLINE = {"file": "filing", "approve_referral": "referral_decision", "decide": "decision",
                 "record_collective_discussion": "decision"}


def _deadline_for(action: str, unmet: list[Deadline]) -> Deadline | None:
    """The item's own deadline, else the case's soonest one the agency must meet."""
    from casebook.domain.deadlines import KINDS

    want = ITEM_DEADLINE.get(action)
    own = next((d for d in unmet if d.kind == want), None)
    return own or next((d for d in unmet if KINDS[d.kind].duty == "agency"), None)


def head_approvals(s: Session, actor: Actor, limit: int = 200) -> list[dict]:
    """What waits for the head: filing (立案), referral approval (移送), decisions (决定), collective discussion, the
    extensions to consider (延期), and the 公示 records drafted and not yet published (the head publishes them within
    the publication deadline: 行政处罚法 第四十八条, 国办发〔2018〕118号). A 公示 item carries `publication_id`: it is
    handled on the publicity page, not by an act of the case."""
    require_role(actor, "agency_head", "supervisor", "admin", what="approvals.list")
    out = []
    # The oldest waiting first. Each branch from its own index (the stage index; the few cases with a referral),
    # the page of ids taken before the rows are read: as one WHERE stage IN … OR referral_status = … the database
    # walked every case from the oldest, the archived ones included (37 ms at 1 M cases, growing with the years).
    waiting = union(select(Case.id).where(_scope(actor, Case.agency_id), Case.stage.in_(APPROVAL_STAGES)),
                    select(Case.id).where(_scope(actor, Case.agency_id), _REFERRAL_ACTIVE,
                                          Case.referral_status == "reported")).subquery()
    page = select(waiting.c.id).order_by(waiting.c.id).limit(limit)
    rows = list(s.execute(select(Case).where(Case.id.in_(page)).options(selectinload(Case.party))
                          .order_by(Case.id)).scalars())
    unmet = _unmet_deadlines(s, [c.id for c in rows])
    for c in rows:
        if c.referral_status == "reported":
            kind = ("移送", "approve_referral")
        elif c.stage == "lead":
            kind = ("立案", "file")
        elif c.discussion_reasons and c.collective_discussion_on is None:
            kind = ("集体讨论", "record_collective_discussion")
        elif c.stage in ("prior_notice", "hearing") or c.decision_kind in ("no_penalty", "refer"):
            kind = ("决定", "decide")
        else:
            continue
        out.append({"kind": kind[0], "action": kind[1], "case": c, "deadline": _deadline_for(kind[1], unmet.get(c.id, ()))})
    extensions = s.execute(select(Deadline, Case).join(Case, Case.id == Deadline.case_id).where(
        _scope(actor, Deadline.agency_id), Deadline.status == "open", Deadline.kind.in_(("decision", "filing")))
        .order_by(Deadline.due_on).limit(20)).all()
    for d, c in extensions:
        if d.warned_at is not None and c.stage not in ("closed", "archived"):
            out.append({"kind": "延期", "action": None, "case": c, "deadline": d})
    drafts = s.execute(select(Publication.id, Case).join(Case, Case.id == Publication.case_id).where(
        _scope(actor, Publication.agency_id), Publication.status == "draft").order_by(Publication.id).limit(limit)).all()
    if drafts:
        due = {d.ref: d for d in s.execute(select(Deadline).where(
            Deadline.case_id.in_({c.id for _, c in drafts}), Deadline.kind == "publication",
            Deadline.status.in_(UNMET))).scalars()}
        for pub_id, c in drafts:
            out.append({"kind": "公示", "action": None, "case": c, "deadline": due.get(str(pub_id)),
                        "publication_id": pub_id})
    out.sort(key=lambda x: (x["deadline"].due_on if x["deadline"] is not None and x["deadline"].due_on else
                            __import__("datetime").date.max))
    return out


def reviewers(s: Session, actor: Actor) -> list[User]:
    """The agency's legal reviewers (for the head's assignment form)."""
    rows = s.execute(select(User).where(User.agency_id == actor.agency_id, User.active.is_(True)).order_by(User.id)).scalars()
    return [u for u in rows if "legal_reviewer" in (u.roles or ())]


def agency_people(s: Session, actor: Actor) -> list[User]:
    """Active people of the actor's agency (officers for naming, anyone for a hearing chair)."""
    return list(s.execute(select(User).where(User.agency_id == actor.agency_id, User.active.is_(True))
                          .options(selectinload(User.credentials)).order_by(User.id)).scalars())


def verify_case_chain(s: Session, actor: Actor, case_id: int) -> dict:
    """校验本案记录链: every entry of the case hashes to what is stored and links to the entry before it."""
    from casebook.audit.chain import GENESIS_HASH, entry_hash
    from casebook.db.models import TrailEntry

    load_case(s, actor, case_id)
    rows = list(s.execute(select(TrailEntry).where(TrailEntry.case_id == case_id).order_by(TrailEntry.seq)).scalars())
    prev_seqs = [e.seq - 1 for e in rows if e.seq > 1]
    prev = dict(s.execute(select(TrailEntry.seq, TrailEntry.entry_hash).where(TrailEntry.seq.in_(prev_seqs))).all()) \
        if prev_seqs else {}
    for e in rows:
        want_prev = prev.get(e.seq - 1, GENESIS_HASH if e.seq == 1 else None)
        if e.prev_hash != want_prev:
            return {"ok": False, "entries": len(rows), "seq": e.seq,
                    "message": f"第{e.seq}条记录与前一条记录的链接不符：记录被删除、插入或篡改"}
        if entry_hash(e.prev_hash, e.seq, e.occurred_at, e.actor_id, e.actor_role, e.agency_id, e.case_id, e.action,
                      e.payload) != e.entry_hash:
            return {"ok": False, "entries": len(rows), "seq": e.seq, "message": f"第{e.seq}条记录的内容与其哈希不符：记录被篡改"}
    return {"ok": True, "entries": len(rows), "seq": rows[-1].seq if rows else None,
            "message": f"本案{len(rows)}条记录完整，哈希链校验通过"}


def case_records(s: Session, actor: Actor, case: Case) -> dict:
    """Everything the case page lists beside the case, for a case already loaded by `load_case` (scope checked
    there): evidence, documents, legal-review rounds, referrals — one query each, no second scope load."""
    from casebook.db.models import Document, Evidence

    if not actor.can_read(case.agency_id):  # a caller that skipped load_case gets nothing
        return {"evidence": [], "documents": [], "reviews": [], "referrals": []}
    cid = case.id
    return {
        "evidence": list(s.execute(select(Evidence).where(Evidence.case_id == cid).order_by(Evidence.id)).scalars()),
        "documents": list(s.execute(select(Document).where(Document.case_id == cid).order_by(Document.id).limit(200))
                          .scalars()),
        "reviews": list(s.execute(select(LegalReview).where(LegalReview.case_id == cid).order_by(LegalReview.round))
                        .scalars()),
        "referrals": list(s.execute(select(Referral).where(Referral.case_id == cid).order_by(Referral.id)).scalars()),
    }


def awaiting_my_confirmation(s: Session, actor: Actor, limit: int = 200) -> list[dict]:
    """会签 (行政处罚法 第四十二条): the binding acts of the actor's cases that name the actor and wait for the actor to
    confirm them, oldest first — the officer's 待办 beside the deadlines. Acts stay in the case's own agency."""
    if actor.agency_id is None or "officer" not in actor.roles:
        return []
    mine = select(CaseOfficer.case_id).where(CaseOfficer.user_id == actor.user_id)
    rows = s.execute(
        select(CaseAct.id, CaseAct.case_id, CaseAct.seq, CaseAct.action, CaseAct.actor_id, CaseAct.occurred_at,
               CaseAct.awaiting, Case.case_no, Case.summary_form_no, Case.procedure, Case.cause,
               User.display_name.label("actor_name"))
        .join(Case, Case.id == CaseAct.case_id).outerjoin(User, User.id == CaseAct.actor_id)
        .where(CaseAct.case_id.in_(mine), Case.agency_id == actor.agency_id,
               func.json_array_length(CaseAct.awaiting) > 0)
        .order_by(CaseAct.occurred_at, CaseAct.id)).all()
    out = []
    for r in rows:
        if actor.user_id in (r.awaiting or ()):
            out.append({"act_id": r.id, "case_id": r.case_id, "seq": r.seq, "action": r.action, "actor_id": r.actor_id,
                        "actor_name": r.actor_name, "occurred_at": r.occurred_at, "case_no": r.case_no, "summary_form_no": r.summary_form_no,
                        "procedure": r.procedure, "cause": r.cause, "id": r.case_id})
            if len(out) >= limit:
                break
    return out
