"""The statistics on the world of tests/integration/stats_world.py, every figure worked out by hand there.

Medians and P90 are percentile_cont: position (n − 1)·p in the sorted values, interpolated linearly.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from casebook.db import models as m
from casebook.domain.errors import PermissionDenied
from casebook.seed import demo_user
from casebook.services import statistics as st
from casebook.services.context import actor_for
from tests.integration import stats_world


@pytest.fixture
def world(sessions):
    with sessions() as s, s.begin():
        ids = stats_world.seed(s)
        agencies = {a.code: a.id for a in s.execute(select(m.Agency)).scalars()}
    return ids, agencies


def _stats(sessions, who, **q):
    with sessions() as s:
        actor = actor_for(s, demo_user(s, who))
        out = st.compute(s, actor, st.Query(**{"year": 2025, **q}))
        return {n: t for n, t in out.tables.items()}


def _row(table, key):
    return next(r for r in table.rows if r["key"] == key)


def test_supervisor_by_agency_every_table(world, sessions):
    _ids, ag = world
    amr, cle = ag["山亭市监"], ag["山亭综执"]
    t = _stats(sessions, "wujing")

    # cases discovered in 2025: 市监 A1–A5 (A6 was found in 2024), 综执 C1 C2; S1 is 2026
    cases = t["cases"]
    assert {r["key"] for r in cases.rows} == {amr, cle}
    a = _row(cases, amr)
    assert (a["total"], a["filed"], a["stage_closed"], a["stage_served"], a["stage_lead"], a["stage_investigating"],
            a["referral_flagged"], a["procedure_ordinary"]) == (5, 4, 2, 1, 1, 1, 1, 5)
    assert (_row(cases, cle)["total"], _row(cases, cle)["stage_declined"], _row(cases, cle)["stage_archived"]) == (2, 1, 1)
    assert (cases.total["total"], cases.total["filed"]) == (7, 5)

    # decided in 2025: 市监 A1 A2 A3 A6, 综执 C1
    o = t["outcomes"]
    assert (_row(o, amr)["decided"], _row(o, amr)["kind_penalty"], _row(o, amr)["kind_no_penalty"]) == (4, 3, 1)
    assert (o.total["decided"], o.total["kind_penalty"], o.total["kind_no_penalty"], o.total["kind_refer"]) == (5, 4, 1, 0)

    f = t["fines"]
    fa, fc = _row(f, amr), _row(f, cle)
    assert (fa["fines"], fa["fine_sum"]) == (3, Decimal("8000.00"))
    assert (fa["tier_standard"], fa["tier_severe"], fa["tier_lenient"], fa["tier_mitigated"]) == (1, 1, 1, 0)
    assert (fa["outside_tier"], fa["outside_tier_no_reason"]) == (1, 1)  # A2
    assert (fc["fines"], fc["fine_sum"], fc["tier_mitigated"], fc["outside_tier"], fc["outside_tier_no_reason"]) == (
        1, Decimal("500.00"), 1, 1, 0)
    assert (f.total["fines"], f.total["fine_sum"], f.total["outside_tier"]) == (4, Decimal("8500.00"), 2)

    e = t["exemptions"]
    assert (_row(e, amr)["no_penalty"], _row(e, amr)["first_offence"], _row(e, amr)["lenient"]) == (1, 1, 1)
    assert _row(e, cle)["mitigated"] == 1
    assert (e.total["no_penalty"], e.total["first_offence"], e.total["lenient"], e.total["mitigated"]) == (1, 1, 1, 1)

    # lead → filing (filed in 2025): 市监 A1 4, A2 10, A3 1, A5 11, A6 13 → 1 4 10 11 13: median 10,
    # P90 at 3.6 → 11 + 0.6·2 = 12.2; 综执 C1 2; all 1 2 4 10 11 13: median at 2.5 → 7.0, P90 at 4.5 → 12.0
    # filing → decision (decided in 2025): 市监 20 46 49 60: median 47.5, P90 at 2.7 → 49 + 0.7·11 = 56.7;
    # 综执 91; all 20 46 49 60 91: median 49, P90 at 3.6 → 60 + 0.6·31 = 78.6
    h = t["handling"]
    ha = _row(h, amr)
    assert (ha["filing_n"], ha["filing_p50"], ha["filing_p90"]) == (5, 10.0, 12.2)
    assert (ha["decision_n"], ha["decision_p50"], ha["decision_p90"]) == (4, 47.5, 56.7)
    hc = _row(h, cle)
    assert (hc["filing_n"], hc["filing_p50"], hc["filing_p90"], hc["decision_p50"]) == (1, 2.0, 2.0, 91.0)
    assert (h.total["filing_n"], h.total["filing_p50"], h.total["filing_p90"]) == (6, 7.0, 12.0)
    assert (h.total["decision_n"], h.total["decision_p50"], h.total["decision_p90"]) == (5, 49.0, 78.6)

    # deadlines due in 2025, met or missed: 市监 decision ✓✓, service late, filing missed, publication ✓ and late;
    # 综执 decision missed. Open and cancelled ones are not counted.
    d = t["deadlines"]
    da = _row(d, amr)
    assert (da["met"], da["missed"], da["decision_met"], da["service_missed"], da["filing_missed"],
            da["publication_met"], da["publication_missed"]) == (3, 3, 2, 1, 1, 1, 1)
    assert (_row(d, cle)["met"], _row(d, cle)["missed"], _row(d, cle)["decision_missed"]) == (0, 1, 1)
    assert (d.total["met"], d.total["missed"], d.total["rate"]) == (3, 4, 42.9)
    assert "seizure_met" not in dict(d.columns)  # kinds nobody had are left out of the table

    # legal reviews: 市监 A1 r1 ✓ (7 days), A2 r1 returned (5), r2 ✓ (2); 综执 C1 r1 ✓ (10)
    r = t["reviews"]
    ra = _row(r, amr)
    assert (ra["rounds"], ra["cases"], ra["first_reviewed"], ra["first_pass"], ra["first_pass_rate"], ra["returned"],
            ra["rounds_per_case"], ra["p50_days"], ra["p90_days"]) == (3, 2, 2, 1, 50.0, 1, 1.5, 5.0, 6.6)
    assert (r.total["rounds"], r.total["cases"], r.total["first_pass_rate"], r.total["p50_days"], r.total["p90_days"]) == (
        4, 3, 66.7, 6.0, 9.1)

    rf = t["referrals"]
    assert (rf.total["formed"], rf.total["suggested"], rf.total["transferred"], rf.total["police_declined"],
            rf.total["police_filed"]) == (1, 1, 1, 1, 0)

    hr = t["hearings"]
    assert (hr.total["right"], hr.total["requested"], hr.total["held"], hr.total["waived"]) == (1, 1, 1, 0)

    p = t["publications"]
    assert (p.total["records"], p.total["published"], p.total["on_time"], p.total["late"], p.total["on_time_rate"]) == (
        2, 2, 1, 1, 50.0)

    assert t["evaluation"].rows == [] and t["evaluation"].total["files"] == 0  # no evaluation in this world


def test_evaluation_scores_by_agency_officer_period_and_role(world, sessions):
    """案卷评查得分, worked out from stats_world.seed_evaluation's table."""
    ids, ag = world
    with sessions() as s, s.begin():
        stats_world.seed_evaluation(s, ids)
    amr, cle = ag["山亭市监"], ag["山亭综执"]
    e = _stats(sessions, "wujing")["evaluation"]  # a supervisor: every scored file, R2 (still scoring) included
    a = _row(e, amr)  # A1 92, A2 75, A3 58, A6 71: 296 / 4 = 74.0
    assert (a["files"], a["score_avg"], a["score_min"], a["score_max"], a["vetoed"]) == (4, 74.0, 58.0, 92.0, 1)
    assert (a["grade_excellent"], a["grade_good"], a["grade_pass"], a["grade_fail"]) == (1, 0, 2, 1)
    assert (_row(e, cle)["files"], _row(e, cle)["score_avg"], _row(e, cle)["grade_good"]) == (1, 85.0, 1)
    assert (e.total["files"], e.total["score_avg"], e.total["score_min"], e.total["score_max"]) == (5, 76.2, 58.0, 92.0)
    # the 市监 head: published and closed rounds only (A1 A2 A3: 225 / 3)
    h = _stats(sessions, "zhaomin")["evaluation"]
    assert [(r["key"], r["files"], r["score_avg"]) for r in h.rows] == [(amr, 3, 75.0)]
    # an officer's own files: 张伟 is on A1 A2 (A6's round is not published): (92 + 75) / 2
    o = _stats(sessions, "zhangwei")["evaluation"]
    assert (o.total["files"], o.total["score_avg"], o.total["vetoed"]) == (2, 83.5, 1)
    # by officer (a file counts for each officer on its case): 李强 A1 A3 A6 → 221 / 3 = 73.7
    with sessions() as s:
        li = demo_user(s, "liqiang").id
    bo = _stats(sessions, "wujing", by="officer")["evaluation"]
    assert (_row(bo, li)["files"], _row(bo, li)["score_avg"]) == (3, 73.7)
    # by quarter of the scoring day: Q2 A1 A2 C1 A6, Q3 A3
    bq = _stats(sessions, "wujing", by="period", granularity="quarter")["evaluation"]
    assert [(r["key"], r["files"]) for r in bq.rows] == [(20252, 4), (20253, 1)]
    # the same files as evaluation.scores_for_statistics gives the evaluation pages
    from casebook.services import evaluation

    with sessions() as s:
        files = evaluation.scores_for_statistics(s, actor_for(s, demo_user(s, "wujing")))
    assert len([f for f in files if f["scored_at"].year == 2025]) == e.total["files"]


def test_by_officer_counts_a_case_once_per_officer(world, sessions):
    t = _stats(sessions, "zhaomin", by="officer")  # the 市监 head: the agency's officers only
    with sessions() as s:
        uid = {u: demo_user(s, u).id for u in ("zhangwei", "liqiang", "wangfang", "chenjie")}
    f = t["fines"]
    assert {r["key"] for r in f.rows} == {uid["zhangwei"], uid["liqiang"], uid["wangfang"]}
    assert (_row(f, uid["zhangwei"])["fines"], _row(f, uid["zhangwei"])["fine_sum"]) == (3, Decimal("8000.00"))  # A1 A2 A6
    assert (_row(f, uid["liqiang"])["fines"], _row(f, uid["liqiang"])["fine_sum"]) == (2, Decimal("3000.00"))  # A1 A6
    assert (_row(f, uid["wangfang"])["fines"], _row(f, uid["wangfang"])["fine_sum"]) == (1, Decimal("5000.00"))  # A2
    assert _row(f, uid["zhangwei"])["label"] == "张伟"


def test_by_period_month_and_quarter(world, sessions):
    _ids, ag = world
    t = _stats(sessions, "wujing", by="period", granularity="quarter")
    f = t["fines"]
    # Q1: A1 1000 (3-01), A6 2000 (2-20); Q2: A2 5000 (4-12), C1 500 (6-04)
    assert [(r["key"], r["fines"], r["fine_sum"]) for r in f.rows] == [
        (20251, 2, Decimal("3000.00")), (20252, 2, Decimal("5500.00"))]
    assert [r["label"] for r in f.rows] == ["2025年第1季度", "2025年第2季度"]
    m_ = _stats(sessions, "wujing", by="period", granularity="month", agency_id=ag["山亭市监"])
    assert [(r["key"], r["total"]) for r in m_["cases"].rows] == [(202501, 1), (202502, 1), (202505, 1), (202507, 1),
                                                                    (202511, 1)]
    # narrowing to one quarter
    q2 = _stats(sessions, "wujing", quarter=2)
    assert (q2["fines"].total["fines"], q2["fines"].total["fine_sum"]) == (2, Decimal("5500.00"))
    # a trend over two years: A6 was discovered in 2024
    y = _stats(sessions, "wujing", by="period", granularity="year", year_from=2024)
    assert [(r["key"], r["total"]) for r in y["cases"].rows] == [(2024, 1), (2025, 7)]


def test_officer_sees_own_figures_only(world, sessions):
    t = _stats(sessions, "zhangwei")
    assert (t["fines"].total["fines"], t["fines"].total["fine_sum"]) == (3, Decimal("8000.00"))
    assert t["cases"].total["total"] == 3  # A1 A2 A5 (A6 was discovered in 2024)
    with sessions() as s:
        other = demo_user(s, "liqiang").id
    with pytest.raises(PermissionDenied):
        _stats(sessions, "zhangwei", officer_id=other)


@pytest.mark.parametrize("who,agency,allowed", [
    ("wujing", "山亭市监", True), ("wujing", "山亭综执", True),
    ("zhaomin", "山亭市监", True), ("zhaomin", "山亭综执", False),
    ("zhouhua", "山亭综执", True), ("zhouhua", "山亭市监", False),
    ("zhangwei", "山亭市监", True), ("zhangwei", "山亭综执", False),
    ("sunli", "山亭市监", False), ("admin", "山亭市监", False),
])
def test_scope_by_role_and_agency(world, sessions, caplog, who, agency, allowed):
    _ids, ag = world
    caplog.set_level("WARNING", logger="casebook.access")
    if allowed:
        t = _stats(sessions, who, agency_id=ag[agency])
        assert {r["key"] for r in t["outcomes"].rows} <= {ag[agency]}
    else:
        with pytest.raises(PermissionDenied):
            _stats(sessions, who, agency_id=ag[agency])
        assert any("denied" in r.getMessage() and who in r.getMessage() for r in caplog.records)


def test_head_without_filter_sees_own_agency(world, sessions):
    _ids, ag = world
    t = _stats(sessions, "zhouhua")
    assert [r["key"] for r in t["cases"].rows] == [ag["山亭综执"]]
    assert t["cases"].total["total"] == 2


def test_parse_query_refuses_bad_input():
    import datetime as dt

    from casebook.domain.errors import ValidationFailed

    today = dt.date(2026, 12, 4)
    assert st.parse_query({"year": "2025", "by": "period", "granularity": "quarter"}, today=today).granularity == "quarter"
    for bad in ({"year": "abc"}, {"year": "1999"}, {"by": "party"}, {"quarter": "5"}, {"quarter": "1", "month": "2"},
                {"year": "2025", "year_from": "2026"}, {"granularity": "week"}):
        with pytest.raises(ValidationFailed) as e:
            st.parse_query(bad, today=today)
        assert e.value.errors
