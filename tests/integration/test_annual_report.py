"""The annual enforcement data report: its totals equal the statistics', as XLSX and PDF; scope; progress."""

from __future__ import annotations

import io

import pypdf
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from casebook.db import models as m
from casebook.domain.errors import NotFound, PermissionDenied, ValidationFailed
from casebook.seed import demo_user
from casebook.services import annual_report as ar
from casebook.services import statistics as st
from casebook.services.context import actor_for
from tests.integration import stats_world


@pytest.fixture
def world(sessions):
    with sessions() as s, s.begin():
        stats_world.seed(s)
        return {a.code: a.id for a in s.execute(select(m.Agency)).scalars()}


def test_report_totals_equal_the_statistics(world, sessions, settings):
    with sessions() as s, s.begin():
        sup = actor_for(s, demo_user(s, "wujing"))
        rid = ar.request(s, sup, 2025).id
    ar.build(sessions, rid, settings.data_dir)
    with sessions() as s:
        r = ar.get(s, actor_for(s, demo_user(s, "wujing")), rid)
        assert (r.status, r.progress, r.error) == ("ready", 100, None)
        stats = st.compute(s, actor_for(s, demo_user(s, "wujing")), st.Query(year=2025))
        assert r.totals == ar.totals_of(stats)
        # hand-worked in stats_world: 7 cases found, 5 decided, 4 fines of 8 500 yuan
        assert (r.totals["cases"], r.totals["decided"], r.totals["fines"], r.totals["fine_sum"]) == (7, 5, 4, "8500.00")
    wb = load_workbook(io.BytesIO(ar.file_path(settings.data_dir, r, "xlsx").read_bytes()))
    for name, t in stats.tables.items():
        if t.total is None:
            continue
        rows = list(wb[t.title[:31]].iter_rows(values_only=True))
        header = next(x for x in rows if x and x[0] == "执法主体")
        total = next(x for x in rows if x and x[0] == "合计")
        assert list(header[1:]) == [lbl for _, lbl in t.columns]
        for i, (k, _lbl) in enumerate(t.columns):
            want = t.total.get(k)
            got = total[i + 1]
            assert (float(got) if got is not None else None) == (float(want) if want is not None else None), (name, k)
    pdf = ar.file_path(settings.data_dir, r, "pdf").read_bytes()
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert pdf.startswith(b"%PDF") and "8,500.00" in text
    assert "2025年度行政执法数据报告" in text and "118号" in text


def test_scope_of_requests_and_reads(world, sessions):
    with sessions() as s, s.begin():
        head = actor_for(s, demo_user(s, "zhaomin"))
        mine = ar.request(s, head, 2025)
        assert mine.agency_id == world["山亭市监"]
        with pytest.raises(PermissionDenied):
            ar.request(s, head, 2025, world["山亭综执"])
        with pytest.raises(PermissionDenied):
            ar.request(s, actor_for(s, demo_user(s, "zhangwei")), 2025)
        with pytest.raises(ValidationFailed):
            ar.request(s, head, 1999)
        other = actor_for(s, demo_user(s, "zhouhua"))
        with pytest.raises(NotFound):
            ar.get(s, other, mine.id)
        assert [x.id for x in ar.list_reports(s, other)] == []
        assert [x.id for x in ar.list_reports(s, actor_for(s, demo_user(s, "wujing")))] == [mine.id]


def test_a_failed_build_says_so(world, sessions, settings, monkeypatch):
    with sessions() as s, s.begin():
        rid = ar.request(s, actor_for(s, demo_user(s, "wujing")), 2025).id
    (settings.data_dir).mkdir(parents=True, exist_ok=True)
    blocker = settings.data_dir / "reports"
    blocker.write_text("a file where the directory should be")  # the disk refuses: the row records the failure
    ar.build(sessions, rid, settings.data_dir)
    with sessions() as s:
        r = s.get(ar.AnnualReport, rid)
        assert r.status == "failed" and r.error
