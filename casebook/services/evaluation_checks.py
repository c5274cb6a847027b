"""Auto-checks of case files (案卷评查 机器初查): load each case's rows in bulk into `CaseFacts`, run the pure
checks (casebook.domain.evaluation.checks) and store the results with the rubric version used.

Run when a case closes (the `evaluation` event handler) and again when a file is drawn for evaluation.
Reads are batched by case ids (a few queries per batch whatever the number of cases): the bench runs them
over 10,000 closed cases.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from casebook.audit.chain import entry_hash
from casebook.db.models import (
    Case,
    CaseAct,
    CaseOfficer,
    Credential,
    Deadline,
    Document,
    Evidence,
    Publication,
    TrailEntry,
    User,
)
from casebook.db.models_evaluation import CaseCheckRun, EvaluationRubric
from casebook.domain import deadlines as dl
from casebook.domain.evaluation import checks as ck
from casebook.domain.evaluation import rubric as rb
from casebook.domain.lifecycle import CredentialView, OfficerView

from .calendar import get_calendar

BATCH = 500


def officer_fields() -> dict[str, str]:
    """The acts that name officers, and the input field naming them (from the act declarations)."""
    from .acts import ACTS

    return {code: a.officers for code, a in ACTS.items() if a.officers}


def _chunks(ids: Sequence[int], n: int) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), n):
        yield ids[i:i + n]


def _people(s: Session) -> dict[int, OfficerView]:
    creds: dict[int, list[CredentialView]] = defaultdict(list)
    for uid, no, vf, vt, rev in s.execute(select(Credential.user_id, Credential.credential_no, Credential.valid_from,
                                                 Credential.valid_to, Credential.revoked)):
        creds[uid].append(CredentialView(no, vf, vt, bool(rev)))
    return {uid: OfficerView(uid, name, tuple(creds.get(uid, ())))
            for uid, name in s.execute(select(User.id, User.display_name))}


_CASE_COLS = (Case.id, Case.case_no, Case.procedure, Case.stage, Case.discovered_on, Case.filed_on, Case.decided_on,
              Case.served_on, Case.closed_on, Case.prior_notice_served_on, Case.hearing_status, Case.decision_kind,
              Case.penalty_kinds, Case.fine_amount, Case.benchmark, Case.deviation_reason, Case.violations,
              Case.criminal_crossings, Case.referral_status, Case.major_reasons, Case.discussion_reasons,
              Case.legal_review_status, Case.collective_discussion_on, Case.summary_form_no)


def _verify_entries(rows: list, successors: dict[int, str]) -> tuple[bool, str]:
    """Each of the case's entries hashes to its stored hash, and the next entry of the chain links to it."""
    for r in rows:
        h = entry_hash(r.prev_hash, r.seq, r.occurred_at, r.actor_id, r.actor_role, r.agency_id, r.case_id, r.action,
                       r.payload)
        if h != r.entry_hash:
            return False, f"第{r.seq}条执法记录的内容与其哈希不符（记录被改动）"
        nxt = successors.get(r.seq + 1)
        if nxt is not None and nxt != r.entry_hash:
            return False, f"第{r.seq}条执法记录与下一条记录的链接不符（记录被替换）"
    return True, f"本案{len(rows)}条执法记录的哈希链验证通过"


def load_facts(s: Session, case_ids: Sequence[int], people: dict[int, OfficerView] | None = None,
               *, relevant_actions: frozenset[str] | None = None) -> list[ck.CaseFacts]:
    """Everything the checks read for these cases, in a handful of queries."""
    people = people if people is not None else _people(s)
    ids = list(case_ids)
    if not ids:
        return []
    acts_of: dict[int, list] = defaultdict(list)
    wanted = relevant_actions or frozenset(officer_fields()) | {"hold_hearing", "serve_decision", "serve_prior_notice"}
    for cid, seq, action, at, data, awaiting in s.execute(
            select(CaseAct.case_id, CaseAct.seq, CaseAct.action, CaseAct.occurred_at, CaseAct.data, CaseAct.awaiting)
            .where(CaseAct.case_id.in_(ids), CaseAct.action.in_(sorted(wanted))).order_by(CaseAct.case_id, CaseAct.seq)):
        acts_of[cid].append(ck.ActRow(seq, action, dl.local_date(at), data or {}, tuple(awaiting or ())))
    officers: dict[int, list[int]] = defaultdict(list)
    for cid, uid in s.execute(select(CaseOfficer.case_id, CaseOfficer.user_id).where(CaseOfficer.case_id.in_(ids))):
        officers[cid].append(uid)
    docs: dict[int, list] = defaultdict(list)
    for cid, t, no, d, st in s.execute(select(Document.case_id, Document.doc_type, Document.document_no, Document.doc_date,
                                              Document.status).where(Document.case_id.in_(ids)).order_by(Document.id)):
        docs[cid].append(ck.DocRow(t, no, d, st))
    recs: dict[int, list] = defaultdict(list)
    for eid, cid, title, dev, by, st, en, sha in s.execute(
            select(Evidence.id, Evidence.case_id, Evidence.title, Evidence.device, Evidence.recorded_by_id,
                   Evidence.recording_started_at, Evidence.recording_ended_at, Evidence.file_sha256)
            .where(Evidence.case_id.in_(ids), Evidence.recording_started_at.is_not(None))):
        recs[cid].append(ck.Recording(eid, title, dev, by, st, en, sha))
    dls: dict[int, list] = defaultdict(list)
    for cid, kind, due, st, met, ext, paused, unit, due_at, met_at in s.execute(
            select(Deadline.case_id, Deadline.kind, Deadline.due_on, Deadline.status, Deadline.met_on,
                   Deadline.extended_days, Deadline.paused_days, Deadline.unit, Deadline.due_at, Deadline.met_at)
            .where(Deadline.case_id.in_(ids))):
        k = dl.KINDS.get(kind)
        if k is not None and k.duty != "agency":
            continue
        # unit and instants: an hour-counted deadline (国务院令第310号 第五条) is judged late by the hour
        dls[cid].append(ck.DeadlineRow(kind, k.label if k else kind, due, st, met, ext or 0, paused or 0,
                                       unit, due_at, met_at))
    pubs: dict[int, list] = defaultdict(list)
    for cid, st, on, reason in s.execute(select(Publication.case_id, Publication.status, Publication.published_on,
                                                Publication.reason).where(Publication.case_id.in_(ids))
                                         .order_by(Publication.id)):
        pubs[cid].append(ck.PublicationRow(st, on, reason))
    entries: dict[int, list] = defaultdict(list)
    for r in s.execute(select(TrailEntry.seq, TrailEntry.occurred_at, TrailEntry.actor_id, TrailEntry.actor_role,
                              TrailEntry.agency_id, TrailEntry.case_id, TrailEntry.action, TrailEntry.payload,
                              TrailEntry.prev_hash, TrailEntry.entry_hash).where(TrailEntry.case_id.in_(ids))):
        entries[r.case_id].append(r)
    nexts = sorted({r.seq + 1 for rows in entries.values() for r in rows})
    successors: dict[int, str] = {}
    for part in _chunks(nexts, 5000):
        successors.update(s.execute(select(TrailEntry.seq, TrailEntry.prev_hash).where(TrailEntry.seq.in_(part))).all())
    out = []
    for row in s.execute(select(*_CASE_COLS).where(Case.id.in_(ids)).order_by(Case.id)):
        cid = row.id
        ok, msg = _verify_entries(entries.get(cid, []), successors)
        if not entries.get(cid):
            ok, msg = False, "本案没有执法全过程记录"
        codes = [v.get("code") for v in (row.violations or []) if isinstance(v, dict) and v.get("code")]
        out.append(ck.CaseFacts(
            id=cid, case_no=row.case_no, procedure=row.procedure, stage=row.stage, discovered_on=row.discovered_on,
            filed_on=row.filed_on, decided_on=row.decided_on, served_on=row.served_on, closed_on=row.closed_on,
            prior_notice_served_on=row.prior_notice_served_on, hearing_status=row.hearing_status,
            decision_kind=row.decision_kind, penalty_kinds=list(row.penalty_kinds or ()), fine_amount=row.fine_amount,
            benchmark=row.benchmark, deviation_reason=row.deviation_reason, violation_codes=codes,
            criminal_crossings=list(row.criminal_crossings or ()), referral_status=row.referral_status,
            major_reasons=list(row.major_reasons or ()), discussion_reasons=list(row.discussion_reasons or ()),
            legal_review_status=row.legal_review_status, collective_discussion_on=row.collective_discussion_on,
            summary_form_no=row.summary_form_no, officer_ids=officers.get(cid, []), acts=acts_of.get(cid, []),
            documents=docs.get(cid, []), recordings=recs.get(cid, []), deadlines=dls.get(cid, []),
            publications=pubs.get(cid, []), people=people, trail_ok=ok, trail_message=msg))
    return out


def run_checks(s: Session, case_ids: Sequence[int], *, trigger: str, rubric_row: EvaluationRubric | None = None,
               now: dt.datetime | None = None) -> list[int]:
    """Run the auto-checks for these cases and store one run per case; return the run ids in case order."""
    from .evaluation import current_rubric, rubric_of

    rubric_row = rubric_row or current_rubric(s)
    rubric = rubric_of(rubric_row)
    cfg = ck.Config.of(officer_fields(), rubric.recorded_acts)
    cal = get_calendar(s)
    people = _people(s)
    now = now or dt.datetime.now(dt.UTC)
    run_ids = []
    for part in _chunks(list(case_ids), BATCH):
        rows = []
        for facts in load_facts(s, part, people):
            results = [r.as_dict() for r in ck.run_all(facts, cal, cfg)]
            rows.append({"case_id": facts.id, "rubric_id": rubric_row.id, "trigger": trigger, "run_at": now,
                         "failed": sum(1 for r in results if not r["ok"]), "results": results})
        if rows:
            run_ids += list(s.execute(insert(CaseCheckRun).returning(CaseCheckRun.id, sort_by_parameter_order=True),
                                      rows).scalars())
    return run_ids


def latest_run(s: Session, case_id: int) -> CaseCheckRun | None:
    return s.execute(select(CaseCheckRun).where(CaseCheckRun.case_id == case_id).order_by(CaseCheckRun.id.desc())
                     .limit(1)).scalar_one_or_none()


def prefill(results: list[dict], rubric: rb.Rubric) -> tuple[dict[str, int], set[str]]:
    return ck.defects_from(results, rubric)
