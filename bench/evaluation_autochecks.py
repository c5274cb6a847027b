"""案卷评查 auto-checks over many closed cases: time to check and store `--cases` closed case files, against a floor.

Budget (issue 15): 10,000 closed cases < 60 s on PostgreSQL.

    .venv/bin/python bench/evaluation_autochecks.py --backend postgres --cases 10000
    .venv/bin/python bench/evaluation_autochecks.py --backend sqlite --cases 2000

Each planted case is a closed ordinary-procedure penalty case with what the checks read: two officers, four
acts naming officers (立案, two investigation acts, evidence), a recording, three documents, a publication,
two deadlines and eight hash-chained trail entries. `run_checks` (casebook.services.evaluation_checks) loads
them in batches, runs the eleven checks and stores one run per case, in one transaction. The floor is the
hand-written SQL reading the same rows (same batches, fetched, nothing computed). Reported: seconds for both,
the ratio, cases per second, and whether the 60 s budget holds. Nothing is asserted.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import base_parser, emit, environment, log, pg_server_info, scratch_db, seeded_sessions  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

BUDGET_S = 60.0


def plant(factory, n: int) -> list[int]:
    from casebook.audit.chain import GENESIS_HASH, canonical_payload, entry_hash
    from casebook.db import models as m

    with factory() as s, s.begin():
        agency = s.execute(select(m.Agency.id).where(m.Agency.code == "山亭市监")).scalar_one()
        u1, u2 = s.execute(select(m.User.id).where(m.User.username.in_(("zhangwei", "liqiang"))).order_by(m.User.id)).scalars()
        t = m.utcnow()
        day = dt.date(2026, 6, 1)
        for lo in range(0, n, 2000):
            hi = min(n, lo + 2000)
            rows = [{"agency_id": agency, "stage": "closed", "procedure": "ordinary", "source": "complaint",
                     "cause": f"基准案件{i}", "case_no": f"山亭市监立〔2026〕{i + 1}号", "discovered_on": day,
                     "filed_on": day + dt.timedelta(days=1), "prior_notice_served_on": day + dt.timedelta(days=20),
                     "decided_on": day + dt.timedelta(days=30), "served_on": day + dt.timedelta(days=31),
                     "closed_on": day + dt.timedelta(days=40), "decision_kind": "penalty", "penalty_kinds": ["fine"],
                     "fine_amount": 5000, "violations": [], "circumstances": [], "criminal_crossings": [],
                     "major_reasons": [], "discussion_reasons": [], "created_at": t, "updated_at": t, "event_seq": 8,
                     "version": 9} for i in range(lo, hi)]
            ids = list(s.execute(insert(m.Case).returning(m.Case.id, sort_by_parameter_order=True), rows).scalars())
            s.execute(insert(m.CaseOfficer), [{"case_id": c, "user_id": u, "role": "handler"} for c in ids for u in (u1, u2)])
            acts = []
            for c in ids:
                at = dt.datetime(2026, 6, 2, 1, tzinfo=dt.UTC)
                acts += [{"case_id": c, "seq": 2, "action": "file", "actor_id": u1, "occurred_at": at, "awaiting": [],
                          "confirmed": [], "data": {"filed_on": "2026-06-02", "officer_ids": [u1, u2]}},
                         {"case_id": c, "seq": 4, "action": "record_investigation_act", "actor_id": u1, "occurred_at": at,
                          "awaiting": [], "confirmed": [], "data": {"kind": "on_site_inspection", "acted_on": "2026-06-05",
                                                                   "officer_ids": [u1, u2]}},
                         {"case_id": c, "seq": 5, "action": "record_investigation_act", "actor_id": u1, "occurred_at": at,
                          "awaiting": [], "confirmed": [], "data": {"kind": "sampling", "acted_on": "2026-06-06",
                                                                   "officer_ids": [u1, u2]}},
                         {"case_id": c, "seq": 6, "action": "add_evidence", "actor_id": u1, "occurred_at": at,
                          "awaiting": [], "confirmed": [], "data": {"collected_on": "2026-06-05", "collected_by": [u1, u2]}}]
            s.execute(insert(m.CaseAct), acts)
            s.execute(insert(m.Evidence), [{
                "case_id": c, "kind": "audio_visual", "title": "执法记录仪视频", "collected_on": dt.date(2026, 6, 5),
                "collected_by": [u1, u2], "file_sha256": "a" * 64, "device": "DSJ-01", "recorded_by_id": u1,
                "recording_started_at": dt.datetime(2026, 6, 5, 1, tzinfo=dt.UTC),
                "recording_ended_at": dt.datetime(2026, 6, 5, 3, tzinfo=dt.UTC), "created_at": t} for c in ids])
            docs = []
            for c in ids:
                for typ, d in (("filing_approval", 2), ("prior_notice", 19), ("penalty_decision", 30)):
                    docs.append({"case_id": c, "agency_id": agency, "doc_type": typ, "status": "rendered",
                                 "document_no": None if typ == "filing_approval" else f"山亭市监{typ}〔2026〕{c}号",
                                 "number_year": None if typ == "filing_approval" else 2026,
                                 "number_seq": None if typ == "filing_approval" else c,
                                 "doc_date": day + dt.timedelta(days=d), "options": {}, "context": {}, "requested_at": t})
            s.execute(insert(m.Document), docs)
            s.execute(insert(m.Publication), [{
                "case_id": c, "agency_id": agency, "source_event_id": f"bench-{c}", "system": "comprehensive",
                "status": "published", "procedure": "ordinary", "decision_kind": "penalty", "penalty_kinds": ["fine"],
                "decided_on": day + dt.timedelta(days=30), "published_on": day + dt.timedelta(days=32), "party_name": "某公司",
                "violation_type": "x", "agency_name": "x", "third_party_names": [], "source": {}, "published": {},
                "created_at": t, "updated_at": t} for c in ids])
            s.execute(insert(m.Deadline), [{
                "case_id": c, "agency_id": agency, "kind": kind, "ref": "", "unit": "working", "length": 7,
                "starts_on": day, "due_on": day + dt.timedelta(days=40), "basis": "x", "status": "met",
                "met_on": day + dt.timedelta(days=31), "meta": {}, "created_at": t, "updated_at": t}
                for c in ids for kind in ("service", "legal_review")])
        # the trail: eight chained entries per case, appended after whatever the seed wrote
        head = s.execute(select(m.TrailEntry.seq, m.TrailEntry.entry_hash).order_by(m.TrailEntry.seq.desc()).limit(1)).first()
        seq, prev = (head[0], head[1]) if head else (0, GENESIS_HASH)
        ids = list(s.execute(select(m.Case.id).where(m.Case.stage == "closed", m.Case.cause.like("基准案件%"))
                             .order_by(m.Case.id)).scalars())
        batch = []
        at = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
        for c in ids:
            for k, action in enumerate(("register_lead", "file", "start_investigation", "record_investigation_act",
                                        "record_investigation_act", "add_evidence", "decide", "close")):
                seq += 1
                payload = canonical_payload({"action": action, "case_no": f"bench-{c}", "k": k})
                h = entry_hash(prev, seq, at, u1, "officer", agency, c, f"case.{action}", payload)
                batch.append({"seq": seq, "occurred_at": at, "actor_id": u1, "actor_role": "officer", "agency_id": agency,
                              "case_id": c, "action": f"case.{action}", "payload": payload, "prev_hash": prev, "entry_hash": h})
                prev = h
            if len(batch) >= 20000:
                s.execute(insert(m.TrailEntry), batch)
                batch = []
        if batch:
            s.execute(insert(m.TrailEntry), batch)
        s.execute(m.TrailHead.__table__.update().where(m.TrailHead.__table__.c.id == 1).values(seq=seq, entry_hash=prev))
        return ids


FLOOR_SQL = [
    "SELECT id, case_no, procedure, stage, discovered_on, filed_on, decided_on, served_on, closed_on, prior_notice_served_on,"
    " hearing_status, decision_kind, penalty_kinds, fine_amount, benchmark, deviation_reason, violations, criminal_crossings,"
    " referral_status, major_reasons, discussion_reasons, legal_review_status, collective_discussion_on, summary_form_no"
    " FROM cases WHERE id IN ({ids})",
    "SELECT case_id, seq, action, occurred_at, data, awaiting FROM case_acts WHERE case_id IN ({ids})"
    " AND action IN ('file', 'record_investigation_act', 'add_evidence', 'decide_on_the_spot', 'form_referral_team',"
    " 'hold_hearing', 'serve_decision', 'serve_prior_notice') ORDER BY case_id, seq",
    "SELECT case_id, user_id FROM case_officers WHERE case_id IN ({ids})",
    "SELECT case_id, doc_type, document_no, doc_date, status FROM documents WHERE case_id IN ({ids}) ORDER BY id",
    "SELECT id, case_id, title, device, recorded_by_id, recording_started_at, recording_ended_at, file_sha256 FROM evidence"
    " WHERE case_id IN ({ids}) AND recording_started_at IS NOT NULL",
    "SELECT case_id, kind, due_on, status, met_on, extended_days, paused_days FROM deadlines WHERE case_id IN ({ids})",
    "SELECT case_id, status, published_on, reason FROM publications WHERE case_id IN ({ids}) ORDER BY id",
    "SELECT seq, occurred_at, actor_id, actor_role, agency_id, case_id, action, payload, prev_hash, entry_hash"
    " FROM trail_entries WHERE case_id IN ({ids})",
]


def floor(factory, ids: list[int]) -> float:
    """The same rows, read by hand-written SQL in the same batches (and the successors' links), nothing computed."""
    t0 = time.perf_counter()
    with factory() as s:
        for lo in range(0, len(ids), 500):
            part = ",".join(str(i) for i in ids[lo:lo + 500])
            seqs = []
            for q in FLOOR_SQL:
                rows = s.execute(text(q.format(ids=part))).all()
                if q.startswith("SELECT seq"):
                    seqs = [r[0] + 1 for r in rows]
            for k in range(0, len(seqs), 5000):
                s.execute(text(f"SELECT seq, prev_hash FROM trail_entries WHERE seq IN ({','.join(map(str, seqs[k:k + 5000]))})")).all()
    return time.perf_counter() - t0


def main() -> None:
    p = base_parser(__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=10000)
    args = p.parse_args()
    from casebook.db.models_evaluation import CaseCheckRun
    from casebook.services import evaluation_checks as ec
    from casebook.services.evaluation import current_rubric

    with scratch_db(args.backend, "evaluation", keep=args.keep) as db:
        engine, factory = seeded_sessions(db.url)
        log(f"planting {args.cases} closed cases …")
        t0 = time.perf_counter()
        ids = plant(factory, args.cases)
        plant_s = time.perf_counter() - t0
        with factory() as s, s.begin():
            current_rubric(s)  # the default rubric, imported on first use (not part of the timing)
        f1 = floor(factory, ids)
        log(f"floor {f1:.2f} s; running the checks …")
        t0 = time.perf_counter()
        with factory() as s, s.begin():
            ec.run_checks(s, ids, trigger="bench")
        checks_s = time.perf_counter() - t0
        f2 = floor(factory, ids)
        f = min(f1, f2)
        with factory() as s:
            stored = s.execute(select(func.count()).select_from(CaseCheckRun)).scalar_one()
            failed = s.execute(select(func.count()).select_from(CaseCheckRun).where(CaseCheckRun.failed > 0)).scalar_one()
            sample = s.execute(select(CaseCheckRun.results).limit(1)).scalar_one()
        result = {"bench": "evaluation_autochecks", "backend": args.backend, "cases": len(ids),
                  "plant_s": round(plant_s, 2), "floor_s": round(f, 3), "checks_s": round(checks_s, 3),
                  "ratio_to_floor": round(checks_s / f, 2) if f else None,
                  "cases_per_s": round(len(ids) / checks_s, 1), "runs_stored": stored, "runs_with_failures": failed,
                  "sample_failed_checks": [r["check"] for r in sample if not r["ok"]],
                  "budget": {"checks_s_max": BUDGET_S}, "pass": checks_s < BUDGET_S and stored == len(ids),
                  "env": environment()}
        if args.backend == "postgres":
            result["env"]["postgres"] = pg_server_info(engine)
        engine.dispose()
        emit(result)
        if stored != len(ids):
            log(json.dumps({"error": "not every case got a run"}))


if __name__ == "__main__":
    main()
