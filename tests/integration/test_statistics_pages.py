"""The supervision pages: 驾驶舱, statistics tables, XLSX export — role × own/other agency, drill links, bad input."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from casebook.db import models as m
from tests.integration import stats_world
from tests.integration.test_pages import _login

PAGES = ["/supervision/?year=2025", "/supervision/statistics?year=2025", "/supervision/statistics.xlsx?year=2025"]


@pytest.fixture
def world(sessions):
    with sessions() as s, s.begin():
        ids = stats_world.seed(s)
        ag = {a.code: a.id for a in s.execute(select(m.Agency)).scalars()}
    return ids, ag


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("who,own_agency,status", [
    ("wujing", "山亭", 200), ("zhaomin", "山亭市监", 200), ("zhouhua", "山亭综执", 200), ("zhangwei", "山亭市监", 200),
    ("sunli", "山亭市监", 403), ("admin", "山亭", 403),
])
def test_role_by_page(world, client, caplog, path, who, own_agency, status):
    _login(client, who)
    caplog.set_level("WARNING", logger="casebook.access")
    r = client.get(path)
    assert r.status_code == status, (who, path, r.status_code)
    if status == 403:
        assert "当前操作没有权限" in r.get_data(as_text=True)
        assert any("denied" in rec.getMessage() for rec in caplog.records)


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("who,agency,status", [
    ("wujing", "山亭市监", 200), ("wujing", "山亭综执", 200),
    ("zhaomin", "山亭市监", 200), ("zhaomin", "山亭综执", 403),
    ("zhouhua", "山亭综执", 200), ("zhouhua", "山亭市监", 403),
    ("zhangwei", "山亭市监", 200), ("zhangwei", "山亭综执", 403),
])
def test_own_and_other_agency(world, client, path, who, agency, status):
    _ids, ag = world
    _login(client, who)
    r = client.get(f"{path}&agency_id={ag[agency]}")
    assert r.status_code == status, (who, agency, path)


def test_cockpit_shows_the_figures_charts_tables_and_drill_links(world, client):
    _ids, ag = world
    _login(client, "wujing")
    html = client.get("/supervision/?year=2025").get_data(as_text=True)
    assert "执法监督驾驶舱" in html and "vendor/echarts/echarts.min.js" in html and 'id="chart-data"' in html
    assert "8,500.00" in html  # the district's fines (stats_world: 1000 + 5000 + 2000 + 500)
    assert 'role="img"' in html and "<caption" in html
    # The 市监 bar of 已结案 (A1, A3) links to the case list with the agency, stage and discovery dates.
    links = [unescape(x) for x in re.findall(r'href="(/work/cases\?[^"]+)"', html)]
    want = [x for x in links if f"agency_id={ag['山亭市监']}" in x and "stage=closed" in x]
    assert want and "discovered_from=2025-01-01" in want[0] and "discovered_to=2025-12-31" in want[0]


def test_a_drill_link_lists_exactly_the_cases_behind_the_bar(world, client):
    ids, ag = world
    _login(client, "wujing")
    html = client.get("/supervision/?year=2025").get_data(as_text=True)
    link = next(unescape(x) for x in re.findall(r'href="(/work/cases\?[^"]+)"', html)
                if f"agency_id={ag['山亭市监']}" in unescape(x) and "stage=closed" in unescape(x))
    page = client.get(link).get_data(as_text=True)
    assert "按统计图表筛选" in page and "枣庄市山亭区市场监督管理局" in page
    listed = set(re.findall(r"统计测试(A\d|C\d|S\d)", page))
    assert listed == {"A1", "A3"}  # A6 is closed too, but was discovered in 2024


def test_statistics_page_by_officer_and_period(world, client):
    _login(client, "zhaomin")
    html = client.get("/supervision/statistics?year=2025&by=officer").get_data(as_text=True)
    assert "张伟" in html and "陈杰" not in html  # the 市监 head sees the agency's officers only
    html = client.get("/supervision/statistics?year=2025&by=period&granularity=quarter").get_data(as_text=True)
    assert "2025年第1季度" in html and "案卷评查" in html  # evaluation: the marked extension point


def test_xlsx_has_every_table_and_the_same_totals(world, client):
    _login(client, "wujing")
    r = client.get("/supervision/statistics.xlsx?year=2025")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in r.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.data))
    assert len(wb.sheetnames) == 11 and "罚款及裁量阶次（按决定日期）" in wb.sheetnames
    ws = wb["罚款及裁量阶次（按决定日期）"]
    rows = list(ws.iter_rows(values_only=True))
    header = next(x for x in rows if x and x[0] == "执法主体")
    total = next(x for x in rows if x and x[0] == "合计")
    assert total[header.index("罚款件数")] == 4 and float(total[header.index("罚款金额（元）")]) == 8500.0
    one = load_workbook(io.BytesIO(client.get("/supervision/statistics.xlsx?year=2025&table=handling").data))
    assert one.sheetnames == ["办案用时（日历日）"]


@pytest.mark.parametrize("query", ["year=abc", "year=1999", "by=party", "quarter=9", "table=nope"])
def test_bad_input_is_refused_in_chinese(world, client, query):
    _login(client, "wujing")
    r = client.get(f"/supervision/statistics.xlsx?{query}")
    assert r.status_code == 422
    assert "统计" in r.get_data(as_text=True)
