"""The statistics rollup (services/rollups.py) gives exactly what the direct aggregates over the cases give
(`compute(..., source="cases")`, the oracle): on the hand-worked world, on randomised worlds, and after acts
performed through the API, whose figures move by exactly what the act changed. Both backends."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select, update

from casebook.db import models as m
from casebook.db.models_supervision import StatDirty, StatHistogram, StatRollup
from casebook.seed import demo_user
from casebook.services import rollups
from casebook.services import statistics as st
from casebook.services.context import actor_for
from tests.integration import stats_world

ROLLED = ("cases", "outcomes", "fines", "exemptions", "hearings", "handling", "deadlines")

QUERIES = [
    {"year": 2025}, {"year": 2025, "by": "officer"}, {"year": 2025, "by": "period", "granularity": "month"},
    {"year": 2025, "by": "period", "granularity": "quarter"}, {"year": 2025, "quarter": 2},
    {"year": 2025, "month": 3, "by": "officer"}, {"year": 2026, "year_from": 2023, "by": "period", "granularity": "year"},
    {"year": 2026, "year_from": 2023, "by": "period", "granularity": "quarter"}, {"year": 2024}, {"year": 2026},
]


def _both(sessions, who: str, q: dict, only=ROLLED):
    with sessions() as s:
        actor = actor_for(s, demo_user(s, who))
    out = {}
    for source in ("rollup", "cases"):
        with sessions() as s:
            stats = st.compute(s, actor, st.Query(**q), only=only, source=source)
            out[source] = {n: (t.columns, t.rows, t.total) for n, t in stats.tables.items()}
    return out["rollup"], out["cases"]


def _assert_same(sessions, who: str, queries=QUERIES, *, agency_ids=()):
    for q in queries:
        for extra in [{}, *({"agency_id": a} for a in agency_ids)]:
            rolled, direct = _both(sessions, who, {**q, **extra})
            for name in ROLLED:
                assert rolled[name] == direct[name], (who, q, extra, name)


def _dirty(sessions) -> int:
    with sessions() as s:
        return s.execute(select(func.count()).select_from(StatDirty)).scalar_one()


def test_the_rollup_equals_the_cases_on_the_hand_worked_world(sessions):
    with sessions() as s, s.begin():
        stats_world.seed(s)
        ag = {a.code: a.id for a in s.execute(select(m.Agency)).scalars()}
    assert _dirty(sessions) > 0  # the triggers marked the months the world's rows count in
    _assert_same(sessions, "wujing", agency_ids=(ag["山亭市监"], ag["山亭综执"]))
    assert _dirty(sessions) == 0  # the first page read took them and recomputed those months
    _assert_same(sessions, "zhaomin", QUERIES[:3])
    _assert_same(sessions, "zhangwei", QUERIES[:3])  # an officer's own figures: the officer's rollup rows
    with sessions() as s:
        n = s.execute(select(func.count()).select_from(StatRollup)).scalar_one()
        h = s.execute(select(func.count()).select_from(StatHistogram)).scalar_one()
    assert n > 0 and h > 0
    # and the hand-worked figures themselves (test_statistics_figures checks them all, through the rollup too)
    with sessions() as s:
        t = st.compute(s, actor_for(s, demo_user(s, "wujing")), st.Query(year=2025)).tables
    assert (t["fines"].total["fines"], t["fines"].total["fine_sum"]) == (4, Decimal("8500.00"))
    assert (t["handling"].total["decision_p50"], t["handling"].total["decision_p90"]) == (49.0, 78.6)


def _random_world(s, rng: random.Random, n: int) -> None:
    """Cases with every kind of value the tables count, dates over 2023–2026, 0–3 officers, and deadlines."""
    agencies = [a for a in s.execute(select(m.Agency)).scalars() if a.level != "district"]
    users = {a.id: [u.id for u in s.execute(select(m.User).where(m.User.agency_id == a.id)).scalars()] for a in agencies}
    stages = ["lead", "investigating", "served", "closed", "archived", "declined"]
    start = dt.date(2023, 1, 1)
    for i in range(n):
        a = rng.choice(agencies)
        disc = start + dt.timedelta(days=rng.randrange(4 * 365 - 30))
        filed = disc + dt.timedelta(days=rng.randrange(0, 40)) if rng.random() < 0.8 else None
        decided = filed + dt.timedelta(days=rng.randrange(1, 120)) if filed and rng.random() < 0.7 else None
        kind = rng.choice(["penalty", "penalty", "no_penalty", "refer"]) if decided else None
        fine = Decimal(rng.choice([100, 250, 1000, 5000, 12345])) if kind == "penalty" and rng.random() < 0.8 else None
        bench = None
        if kind == "penalty" and rng.random() < 0.8:
            bench = {"item": "X", "tier": rng.choice(st.TIERS)}
            if rng.random() < 0.7:
                bench["check"] = {"status": rng.choice(["in_tier", "outside_tier", "mitigated"])}
        exemption = {"kind": rng.choice(["first_offence", "minor"])} if kind == "no_penalty" else None
        c = m.Case(agency_id=a.id, case_no=f"R{i}" if filed else None, stage=rng.choice(stages),
                   procedure=rng.choice(["ordinary", "summary"]), source="inspection", cause=f"随机{i}",
                   discovered_on=disc, filed_on=filed, decided_on=decided, decision_kind=kind,
                   penalty_kinds=["fine"] if fine else [], fine_amount=fine, benchmark=bench, exemption=exemption,
                   deviation_reason="理由" if rng.random() < 0.3 else None,
                   hearing_right=rng.random() < 0.3,
                   hearing_status=rng.choice([None, "requested", "held", "waived"]),
                   referral_status=rng.choice(["none", "none", "none", "transferred"]))
        pool = users[a.id]
        chosen = rng.sample(pool, k=min(len(pool), rng.choice([0, 1, 2, 2, 3])))
        c.officers = [m.CaseOfficer(user_id=u, role="lead" if j == 0 else "handler") for j, u in enumerate(chosen)]
        s.add(c)
        s.flush()
        for _ in range(rng.choice([0, 1, 1, 2])):
            due = disc + dt.timedelta(days=rng.randrange(5, 200))
            status = rng.choice(["met", "met", "missed", "open", "cancelled"])
            met_on = due + dt.timedelta(days=rng.randrange(-10, 10)) if status == "met" and rng.random() < 0.9 else None
            s.add(m.Deadline(case_id=c.id, agency_id=a.id, kind=rng.choice(["filing", "decision", "service"]),
                             ref=str(rng.random()), unit="calendar", length=10, starts_on=due - dt.timedelta(days=10),
                             due_on=due, basis="测试", status=status, met_on=met_on))
    s.flush()


@pytest.mark.parametrize("seed", [1, 2])
def test_the_rollup_equals_the_cases_on_a_randomised_world(sessions, engine, seed):
    rng = random.Random(seed)
    with sessions() as s, s.begin():
        _random_world(s, rng, 160)
        ag = [a.id for a in s.execute(select(m.Agency)).scalars() if a.level != "district"]
    _assert_same(sessions, "wujing", agency_ids=ag[:1])
    # change rows behind the statistics' back, by plain SQL as an import or a repair would: still exact
    with sessions() as s, s.begin():
        ids = s.execute(select(m.Case.id).order_by(m.Case.id)).scalars().all()
        picked = rng.sample(ids, 20)
        s.execute(update(m.Case).where(m.Case.id.in_(picked[:10])).values(stage="closed", decided_on=dt.date(2025, 6, 30),
                                                                           decision_kind="penalty"))
        s.execute(update(m.Case).where(m.Case.id.in_(picked[10:15])).values(discovered_on=dt.date(2024, 2, 29)))
        s.execute(delete(m.CaseOfficer).where(m.CaseOfficer.case_id.in_(picked[15:])))
        s.execute(update(m.Deadline).where(m.Deadline.case_id.in_(picked)).values(status="missed"))
    assert _dirty(sessions) > 0
    _assert_same(sessions, "wujing", QUERIES[:7])
    # a rebuild from scratch gives the same rollup as the refreshes did
    with sessions() as s:
        before = sorted(tuple(r) for r in s.execute(select(StatRollup.__table__)).all())
    rollups.rebuild(engine)
    with sessions() as s:
        after = sorted(tuple(r) for r in s.execute(select(StatRollup.__table__)).all())
    assert before == after


def test_a_session_with_its_own_uncommitted_writes_reads_the_cases(sessions):
    with sessions() as s:
        actor = actor_for(s, demo_user(s, "wujing"))
        agency = demo_user(s, "zhangwei").agency_id
    with sessions() as s:
        before = st.compute(s, actor, st.Query(year=2025), only=("cases",)).tables["cases"].total["total"]
    with sessions() as s:
        s.add(m.Case(agency_id=agency, stage="lead", procedure="ordinary", source="inspection", cause="未提交",
                     discovered_on=dt.date(2025, 5, 1), penalty_kinds=[]))
        s.flush()
        assert rollups.prepare(s) in ("cases", "rollup")
        inside = st.compute(s, actor, st.Query(year=2025), only=("cases",)).tables["cases"].total["total"]
        assert inside == before + 1  # its own new case counts, whichever source it was read from
        s.rollback()
    with sessions() as s:
        assert st.compute(s, actor, st.Query(year=2025), only=("cases",)).tables["cases"].total["total"] == before


def test_acts_through_the_api_move_the_rollup_exactly(api, sessions):
    def figures():
        with sessions() as s:
            actor = actor_for(s, demo_user(s, "wujing"))
            agency = demo_user(s, "zhangwei").agency_id
            t = st.compute(s, actor, st.Query(year=2026), only=ROLLED).tables
        rows = {n: next((r for r in t[n].rows if r["key"] == agency), {}) for n in ROLLED}
        return rows

    start = figures()
    cid = api.noticed_case()  # lead 2026-03-01 → filed → investigated → notice served
    mid = figures()
    assert mid["cases"].get("total", 0) == start["cases"].get("total", 0) + 1
    assert mid["cases"].get("filed", 0) == start["cases"].get("filed", 0) + 1
    assert mid["outcomes"].get("decided", 0) == start["outcomes"].get("decided", 0)
    api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine", "confiscate_gains"],
                            "fine_amount": "5000.00", "basis": "食品安全法第一百二十四条"}, who="zhaomin")
    after = figures()
    assert after["outcomes"]["decided"] == mid["outcomes"].get("decided", 0) + 1
    assert after["outcomes"]["kind_penalty"] == mid["outcomes"].get("kind_penalty", 0) + 1
    assert after["fines"]["fines"] == mid["fines"].get("fines", 0) + 1
    assert after["fines"]["fine_sum"] == mid["fines"].get("fine_sum", Decimal("0.00")) + Decimal("5000.00")
    assert after["handling"]["decision_n"] == mid["handling"].get("decision_n", 0) + 1
    assert after["cases"]["total"] == mid["cases"]["total"]  # no new case: only its stage moved
    stage_before = {k: v for k, v in mid["cases"].items() if k.startswith("stage_")}
    stage_after = {k: v for k, v in after["cases"].items() if k.startswith("stage_")}
    moved = {k: stage_after[k] - stage_before[k] for k in stage_after if stage_after[k] != stage_before[k]}
    with sessions() as s:
        stage = s.get(m.Case, cid).stage
    assert moved[f"stage_{stage}"] == 1 and sum(moved.values()) == 0
    # and every table still equals the direct aggregates, by agency and by officer
    _assert_same(sessions, "wujing", [{"year": 2026}, {"year": 2026, "by": "officer"},
                                      {"year": 2026, "by": "period", "granularity": "month"}])
    assert _dirty(sessions) == 0


def test_the_scheduler_job_recomputes_the_dirty_months(sessions):
    from apscheduler.schedulers.background import BackgroundScheduler

    from scheduler.sweep import ROLLUP_JOB_ID, add_statistics_rollup_job, run_statistics_refresh

    with sessions() as s, s.begin():
        stats_world.seed(s)
    assert _dirty(sessions) > 0
    assert run_statistics_refresh(sessions) > 0
    assert _dirty(sessions) == 0
    assert run_statistics_refresh(sessions) == 0  # nothing left: nothing recomputed
    with sessions() as s:
        assert rollups.prepare(s) == "rollup"
    _assert_same(sessions, "wujing", QUERIES[:2])
    sched = BackgroundScheduler(timezone="UTC")
    add_statistics_rollup_job(sched, sessions)
    job = sched.get_job(ROLLUP_JOB_ID)
    assert job is not None and job.trigger.interval.total_seconds() == 60


def test_upgrading_a_database_with_cases_marks_their_months(db_url, sessions):
    """Migration 0019 on a database that already holds cases: the rollup is empty, but every month is marked, so
    the first page computes it and shows the same figures as the cases. (The cases are written at the head — the
    models are today's, and a later migration's columns would not exist below it — then the database goes down to
    the revision before the rollup's migration, whatever it is numbered after a re-chain, and up again.)"""
    from alembic import command
    from alembic.script import ScriptDirectory

    from casebook.db.migrate import alembic_config, upgrade

    cfg = alembic_config(db_url)
    mine = next(r for r in ScriptDirectory.from_config(cfg).walk_revisions() if r.path.endswith("_rollups_statistics.py"))
    with sessions() as s, s.begin():
        stats_world.seed(s)
    sessions.kw["bind"].dispose()  # no pooled connection holds the old tables' shape across the downgrade
    command.downgrade(cfg, mine.down_revision)
    upgrade(db_url)
    with sessions() as s:
        assert s.execute(select(func.count()).select_from(StatRollup)).scalar_one() == 0
    assert _dirty(sessions) > 0
    _assert_same(sessions, "wujing", QUERIES[:3])


def test_the_rebuild_command_recomputes_a_damaged_rollup(sessions, settings):
    """`casebook stats rebuild`: the rollup recomputed from the cases (here after rows were lost behind its back),
    no marks left; `casebook stats status` counts them."""
    import json

    from click.testing import CliRunner

    from casebook.cli import main

    with sessions() as s, s.begin():
        stats_world.seed(s)
    _assert_same(sessions, "wujing", QUERIES[:1])
    with sessions() as s, s.begin():  # damage it: figures lost and nothing marked
        s.execute(delete(StatRollup).where(StatRollup.metric.like("decided.%")))
    rolled, direct = _both(sessions, "wujing", {"year": 2025})
    assert rolled["fines"] != direct["fines"]  # the damage shows: the test below can fail
    env = {"CASEBOOK_DATABASE_URL": settings.database_url, "CASEBOOK_DATA_DIR": str(settings.data_dir)}
    r = CliRunner().invoke(main, ["stats", "rebuild"], env=env)
    assert r.exit_code == 0, r.output
    assert "统计汇总表已重建" in r.output
    _assert_same(sessions, "wujing", QUERIES[:3])
    r = CliRunner().invoke(main, ["stats", "status"], env=env)
    assert r.exit_code == 0, r.output
    info = json.loads(r.output)
    assert info["dirty_marks"] == 0 and info["rollup_rows"] > 0 and info["histogram_rows"] > 0
