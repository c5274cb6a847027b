"""Loading a case for reading or for an act: the one joined load, the agency scope, the guards' view.

Every read and every act of a case starts here: another agency's case is "not found" (and the attempt
logged), and an act holds the case row locked until its transaction ends.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import bindparam, func, select
from sqlalchemy import case as sa_case
from sqlalchemy.orm import Session, joinedload

from casebook.db import adopt, raw
from casebook.db.models import (
    Agency,
    Case,
    CaseAct,
    CaseOfficer,
    Credential,
    Evidence,
    LegalReview,
    Party,
    Referral,
    Remedy,
    User,
)
from casebook.domain import lifecycle as lc
from casebook.domain.deadlines import local_date, remedy_pause
from casebook.domain.errors import NotFound, ValidationFailed
from casebook.domain.identifiers import document_birth_date

from .context import Actor, deny


def _case_loader(for_act: bool, with_agency: bool):
    q = select(Case).where(Case.id == bindparam("case_id")).options(
        joinedload(Case.party), joinedload(Case.officers).joinedload(CaseOfficer.user).joinedload(User.credentials))
    if with_agency:
        q = q.options(joinedload(Case.agency))
    if for_act:
        q = q.with_for_update(of=Case, key_share=True).execution_options(populate_existing=True)
    return q


# Built once (their cache keys are computed once): one query per (for_act, with_agency).
_CASE_LOADERS = {(a, b): _case_loader(a, b) for a in (False, True) for b in (False, True)}
_OFFICERS = select(User).where(User.id.in_(bindparam("ids", expanding=True))).options(joinedload(User.credentials))


# The act's hot reads as Core statements (issue 17): the same rows as the ORM queries above, made into the same
# objects by `db.adopt` when the session holds none of them yet (else the ORM query runs, with its rules for
# objects it already holds). Column lists in table order: `adopt` reads each table's columns at an offset.
_cases, _parties, _case_officers = Case.__table__, Party.__table__, CaseOfficer.__table__
_users, _credentials, _agencies = User.__table__, Credential.__table__, Agency.__table__


def _core_load(with_agency: bool, locked: bool = True):
    """The case (locked for an act), its party, its officers, their users and credentials, and (with_agency) its
    agency."""
    joined = (_cases.outerjoin(_parties, _parties.c.id == _cases.c.party_id)
              .outerjoin(_case_officers, _case_officers.c.case_id == _cases.c.id)
              .outerjoin(_users, _users.c.id == _case_officers.c.user_id)
              .outerjoin(_credentials, _credentials.c.user_id == _users.c.id))
    cols = [*_cases.c, *_parties.c, *_case_officers.c, *_users.c, *_credentials.c]
    if with_agency:
        joined = joined.outerjoin(_agencies, _agencies.c.id == _cases.c.agency_id)
        cols += list(_agencies.c)
    q = (select(*cols).select_from(joined).where(_cases.c.id == bindparam("case_id", type_=_cases.c.id.type))
         .order_by(_case_officers.c.id, _credentials.c.valid_from))
    return q.with_for_update(of=_cases, key_share=True) if locked else q


# (locked, with_agency): an act's load takes the row lock, a read's (the case page, GET /cases/{id}) does not
_CORE_LOADS = {(lk, ag): _core_load(ag, lk) for lk in (False, True) for ag in (False, True)}
_officer_loads: dict[int, object] = {}


def _officers_load(n: int):
    """The named users with their credentials (users.id IN (:u0, …), one bind each: `raw` takes no expanding IN)."""
    stmt = _officer_loads.get(n)
    if stmt is None:
        stmt = _officer_loads[n] = (
            select(*_users.c, *_credentials.c).select_from(
                _users.outerjoin(_credentials, _credentials.c.user_id == _users.c.id))
            .where(_users.c.id.in_([bindparam(f"u{i}", type_=_users.c.id.type) for i in range(n)]))
            .order_by(_users.c.id, _credentials.c.valid_from))
    return stmt


def _user_of_row(s: Session, row, at: int, users: dict[int, tuple[User, list]]) -> User | None:
    """The user of a joined row (its columns from `at`, then its credential's), made once per user, its credential
    collected; None when the row has no user."""
    uid = row[at]
    if uid is None:
        return None
    hit = users.get(uid)
    if hit is None:
        hit = users[uid] = (adopt.adopt(s, User, row, at), [])
    cat = at + adopt.width(User)
    if row[cat] is not None:
        hit[1].append(adopt.adopt(s, Credential, row, cat))
    return hit[0]


def _finish_users(users: dict[int, tuple[User, list]]) -> dict[int, User]:
    for u, creds in users.values():
        adopt.set_committed_value(u, "credentials", creds)
    return {uid: u for uid, (u, _) in users.items()}


def _load_case_core(s: Session, case_id: int, with_agency: bool, locked: bool = True) -> Case | None | bool:
    """The case (locked for an act unless `locked` is false: a read), with its party and its officers' users and
    credentials, through Core; False when the session already holds one of its rows (the caller runs the ORM
    query instead: an act's reloads it, populate_existing; a read's returns the object held, as it is)."""
    if adopt.present(s, Case, case_id):
        return False
    s._autoflush()  # as the ORM query would: pending changes are written first
    rows = raw.query(raw.connection(s), _CORE_LOADS[locked, with_agency], {"case_id": case_id})
    if not rows:
        return None
    wc, wp, wo = adopt.width(Case), adopt.width(Party), adopt.width(CaseOfficer)
    first = rows[0]
    pid = first[wc]
    if pid is not None and adopt.present(s, Party, pid):
        return False
    for r in rows:
        if (r[wc + wp] is not None and adopt.present(s, CaseOfficer, r[wc + wp])) or (
                r[wc + wp + wo] is not None and adopt.present(s, User, r[wc + wp + wo])):
            return False
        cred = r[wc + wp + wo + adopt.width(User)]
        if cred is not None and adopt.present(s, Credential, cred):
            return False
    agency_at = wc + wp + wo + adopt.width(User) + adopt.width(Credential)
    if with_agency and adopt.present(s, Agency, first[agency_at]):
        return False
    related = {"party": adopt.adopt(s, Party, first, wc) if pid is not None else None}
    if with_agency:
        related["agency"] = adopt.adopt(s, Agency, first, agency_at)
    case = adopt.adopt(s, Case, first, 0, **related)
    officers, users, seen = [], {}, set()
    for r in rows:  # one row per (officer, credential): a case's officers are distinct users (unique case_id, user_id)
        coid = r[wc + wp]
        if coid is None:
            continue
        u = _user_of_row(s, r, wc + wp + wo, users)
        if coid in seen:
            continue
        seen.add(coid)
        officers.append(adopt.adopt(s, CaseOfficer, r, wc + wp, user=u))
    _finish_users(users)
    adopt.set_committed_value(case, "officers", officers)
    return case


def load_case(s: Session, actor: Actor, case_id: int, *, for_act: bool = False, with_agency: bool = False) -> Case:
    """Load a case the actor may read; another agency's case is 'not found' (and the attempt logged).

    One query, through Core (`_load_case_core`, the ORM's joined load when the session already holds one of
    the rows): the case with its party and its officers' credentials (what the guards read). `for_act`
    locks the case row until the end of the transaction and reloads it even if the session already held
    it: an act reads the case, checks its version and guards, and writes it (event_seq included) with
    nothing in between. On PostgreSQL the lock is FOR NO KEY UPDATE, the lock its own UPDATE would take:
    FOR UPDATE would also block other transactions' inserts of rows referencing the case (a foreign key
    check takes KEY SHARE), e.g. the deadlines handler planning a deadline while holding the chain head,
    which this act is about to wait for — a deadlock. SQLite writers hold the database lock since BEGIN
    IMMEDIATE.
    """
    case = _load_case_core(s, case_id, with_agency, locked=for_act)
    if case is False:
        case = s.execute(_CASE_LOADERS[for_act, with_agency], {"case_id": case_id}).unique().scalar_one_or_none()
    if case is None:
        raise NotFound("案件不存在", code="case_not_found")
    if not actor.can_read(case.agency_id):
        deny(actor, f"case:{case_id}", "out of read scope", "out_of_scope")
        raise NotFound("案件不存在", code="case_not_found")
    return case


def case_view(s: Session, case: Case, act: lc.Act | None = None) -> lc.CaseView:
    """The guards' view of a case; for one act, only what its declaration loads (None: everything)."""
    loads = lc.LOADABLE if act is None else act.loads
    evidence_count = 0
    if case.id is not None and "evidence" in loads:
        evidence_count = s.execute(select(func.count()).select_from(Evidence).where(Evidence.case_id == case.id)).scalar_one()
    remedy, pauses = _remedies(s, case) if "remedy" in loads else (None, ())
    return lc.CaseView(
        stage=case.stage,
        procedure=case.procedure,
        party_kind=case.party.kind if case.party else None,
        officers=[lc.OfficerView.of(co.user) for co in case.officers],
        evidence_count=evidence_count,
        decision_kind=case.decision_kind,
        penalty_kinds=list(case.penalty_kinds or ()),
        fine_amount=case.fine_amount,
        hearing_right=case.hearing_right,
        prior_notice_served_on=case.prior_notice_served_on,
        statement_due_on=case.statement_due_on,
        rights_waived=case.rights_waived,
        hearing_status=case.hearing_status,
        summary_recorded_on=case.summary_recorded_on,
        suspended_stage=case.suspended_stage,
        paid_amount=case.paid_amount or Decimal("0"),
        referral_status=case.referral_status or "none",
        legal_review_status=case.legal_review_status or "none",
        collective_discussion_on=case.collective_discussion_on,
        deviation_reason=case.deviation_reason,
        exemption=case.exemption,
        discovered_on=case.discovered_on,
        filed_on=case.filed_on,
        decided_on=case.decided_on,
        served_on=case.served_on,
        confiscated_amount=case.confiscated_amount,
        participants=participants(s, case) if "participants" in loads else frozenset(),
        unconfirmed=unconfirmed(s, case) if "confirmations" in loads else (),
        review=_latest_review(s, case) if "review" in loads else None,
        referral=_latest_referral(s, case) if "referral" in loads else None,
        remedy=remedy,
        surcharge_pauses=pauses,
        act_started_on=case.act_started_on,
        act_ended_on=case.act_ended_on,
        act_continuing=bool(case.act_continuing),
        long_limitation_reason=case.long_limitation_reason,
        circumstances=list(case.circumstances or ()),
        party_birth_date=party_birth_date(case.party),
        same_act_fines=same_act_fines(s, case) if "same_act_fines" in loads else (),
        illegal_gains=case.illegal_gains,
        ground_evidence=dict(case.ground_evidence or {}),
        violation_codes=tuple(v["code"] for v in case.violations or () if isinstance(v, dict) and v.get("code")),
    )


def _period_of(started, ended, continuing, today: dt.date) -> tuple[dt.date, dt.date] | None:
    if started is None:
        return None
    return started, ended or (today if continuing else started)


def same_act_fines(s: Session, case: Case) -> tuple[dict, ...]:
    """行政处罚法 第二十九条: the party's other cases fined over an act period overlapping this case's, with their
    violation items (any agency: the rule binds the state, not one office); the guard matches the items. Without a
    recorded act period "the same act" cannot be established, and nothing is listed.

    The case may not be written yet (an on-the-spot decision being checked: no id, nothing to leave out). On-the-spot
    (简易程序, 第五十一条) fines count: their act is the one seen on the spot, the day decided (a summary case stored
    before its act day was recorded is read as such). A case without a 立案 number is named by its decision form."""
    from .context import local_today

    if case.party_id is None:
        return ()
    today = local_today()
    mine = _period_of(case.act_started_on, case.act_ended_on, case.act_continuing, today)
    if mine is None:
        return ()
    # Their period, as _period_of: started … ended, or today while it goes on, or the start day alone. The overlap is
    # asked in SQL: a party fined many times (a chain store) sends back only the overlapping cases, not all of them.
    their_start = func.coalesce(Case.act_started_on, sa_case((Case.procedure == "summary", Case.decided_on)))
    their_end = func.coalesce(Case.act_ended_on, sa_case((Case.act_continuing.is_(True), today), else_=their_start))
    where = [Case.party_id == case.party_id, Case.decision_kind == "penalty", Case.fine_amount.is_not(None),
             Case.decided_on.is_not(None), Case.stage.not_in(("terminated",)),
             their_start.is_not(None), their_start <= mine[1], their_end >= mine[0]]
    if case.id is not None:  # not `Case.id != None`: in SQL that is never true, and would leave out every case
        where.append(Case.id != case.id)
    rows = s.execute(select(Case.id, Case.case_no, Case.summary_form_no, Case.violations, Case.fine_amount,
                            Case.decided_on).where(*where).order_by(Case.id)).all()
    out = []
    for cid, no, form_no, vio, fine, decided in rows:
        items = sorted({v["code"] for v in vio or () if isinstance(v, dict) and v.get("code")})
        if items:
            name = no or (f"第{form_no}号当场行政处罚决定书" if form_no else None)
            out.append({"case_id": cid, "case_no": name, "items": items, "fine_amount": str(fine), "decided_on": decided})
    return tuple(out)


def party_birth_date(party) -> dt.date | None:
    """A person's birth date: recorded, or read from the 身份证号 / 港澳台居民居住证 number (行政处罚法 第三十条 needs the
    age at the act); a passport's number carries none."""
    if party is None or party.kind != "person":
        return None
    return party.birth_date or document_birth_date(party.id_kind, party.id_number)


def _latest_review(s: Session, case: Case) -> dict | None:
    if case.id is None:
        return None
    r = s.execute(select(LegalReview).where(LegalReview.case_id == case.id).order_by(LegalReview.round.desc()).limit(1)
                  ).scalar_one_or_none()
    return r and {"id": r.id, "round": r.round, "status": r.status, "reviewer_id": r.reviewer_id,
                  "submitted_on": r.submitted_on, "assigned_on": r.assigned_on, "reviewed_on": r.reviewed_on,
                  "proposal": (r.package or {}).get("proposal")}


def _latest_referral(s: Session, case: Case) -> dict | None:
    if case.id is None:
        return None
    r = s.execute(select(Referral).where(Referral.case_id == case.id).order_by(Referral.id.desc()).limit(1)).scalar_one_or_none()
    return r and {"id": r.id, "status": r.status, "team_ids": list(r.team_ids or ()), "police_notice_on": r.police_notice_on,
                  "formed_on": r.formed_on, "reported_on": r.reported_on, "head_decided_on": r.head_decided_on,
                  "transferred_on": local_date(r.transferred_at) if r.transferred_at else None,
                  "receipt_on": r.receipt_on, "handed_over_on": r.handed_over_on}


def remedy_rows(s: Session, case_id: int) -> list[Remedy]:
    """The 复议 and 诉讼 recorded on a case, in the order filed."""
    return list(s.execute(select(Remedy).where(Remedy.case_id == case_id).order_by(Remedy.id)).scalars())


def _remedies(s: Session, case: Case) -> tuple[dict | None, tuple]:
    """行政处罚法 第七十三条: the latest 复议 or 诉讼 (pending while concluded_on is None), and the surcharge's pause of each
    one, as the payment guard and the `payment` deadline's row count them (domain.deadlines.remedy_pause)."""
    if case.id is None:
        return None, ()
    rows = remedy_rows(s, case.id)
    if not rows:
        return None, ()
    r = rows[-1]
    latest = {"id": r.id, "kind": r.kind, "filed_on": r.filed_on, "authority": r.authority,
              "concluded_on": r.concluded_on, "outcome": r.outcome}
    return latest, tuple(remedy_pause(x.filed_on, x.concluded_on) for x in rows)


def resolve_officers(s: Session, agency_id: int, ids: list[int] | None, field: str = "officer_ids") -> list[User]:
    ids = list(dict.fromkeys(ids or ()))
    if not ids:
        return []
    found = _officers(s, ids)
    bad = [i for i in ids if i not in found or found[i].agency_id != agency_id or "officer" not in (found[i].roles or ())
           or not found[i].active]
    if bad:
        raise ValidationFailed(
            "所列人员不是本机关的执法人员", code="unknown_officer",
            errors={field: [f"用户{i}不是本机关在职执法人员" for i in bad]},
        )
    return [found[i] for i in ids]


def _officers(s: Session, ids: list[int]) -> dict[int, User]:
    """The users of `ids` (those that exist) with their credentials: Core, or the ORM query when the session holds
    one of them without its credentials loaded (the ORM then loads them onto the object it holds)."""
    s._autoflush()
    rows = raw.query(raw.connection(s), _officers_load(len(ids)), {f"u{i}": v for i, v in enumerate(ids)})
    wu = adopt.width(User)
    held = {}
    for r in rows:
        uid = r[0]
        if adopt.present(s, User, uid):
            u = s.identity_map[adopt.key(User, uid)]
            if not adopt.loaded(u, "credentials"):
                return {u.id: u for u in s.execute(_OFFICERS, {"ids": ids}).unique().scalars().all()}
            held[uid] = u
        elif r[wu] is not None and adopt.present(s, Credential, r[wu]):
            return {u.id: u for u in s.execute(_OFFICERS, {"ids": ids}).unique().scalars().all()}
    users: dict[int, tuple[User, list]] = {}
    for r in rows:
        if r[0] not in held:
            _user_of_row(s, r, 0, users)
    return {**_finish_users(users), **held}


# Acts whose doer does not thereby take part in the case: the review itself and its assignment.
_NOT_PARTICIPATING = ("assign_legal_reviewer", "record_legal_review")
_NAMING_FIELDS = ("officer_ids", "collected_by")


def participants(s: Session, case: Case) -> frozenset[int]:
    """Everyone who took part in the case: who did an act, who was named on one (officers, evidence collectors,
    the referral team), who chaired its hearing (回避 in legal review, 行政处罚法 第五十八条)."""
    if case.id is None:
        return frozenset()
    out: set[int] = {co.user_id for co in case.officers}
    rows = s.execute(select(CaseAct.action, CaseAct.actor_id, CaseAct.data).where(CaseAct.case_id == case.id))
    for action, actor_id, data in rows:
        if action in _NOT_PARTICIPATING:
            continue
        if actor_id:
            out.add(actor_id)
        data = data or {}
        for f in _NAMING_FIELDS:
            out.update(i for i in data.get(f) or () if isinstance(i, int))
        if isinstance(data.get("chair_id"), int):
            out.add(data["chair_id"])
    return frozenset(out)


def unconfirmed(s: Session, case: Case) -> tuple[dict, ...]:
    """The case's binding acts still awaiting a named officer's confirmation (会签)."""
    if case.id is None:
        return ()
    from .acts import ACTS

    rows = s.execute(select(CaseAct.id, CaseAct.seq, CaseAct.action, CaseAct.awaiting).where(CaseAct.case_id == case.id)
                     .order_by(CaseAct.seq))
    return tuple({"act_id": i, "seq": q, "action": a, "label": ACTS[a].label if a in ACTS else a, "awaiting": list(w)}
                 for i, q, a, w in rows if w)
