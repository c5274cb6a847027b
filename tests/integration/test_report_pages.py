"""The annual-report pages: request, progress, downloads — role × own/other agency."""

from __future__ import annotations

import io
import re
import time

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from casebook.db import models as m
from casebook.db.models_supervision import AnnualReport
from tests.integration import stats_world
from tests.integration.test_pages import _login


@pytest.fixture
def world(sessions):
    with sessions() as s, s.begin():
        stats_world.seed(s)
        return {a.code: a.id for a in s.execute(select(m.Agency)).scalars()}


def _token(client, path="/supervision/reports"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _wait(sessions, rid, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        with sessions() as s:
            r = s.get(AnnualReport, rid)
            if r.status in ("ready", "failed"):
                return r
        time.sleep(0.2)
    raise AssertionError("the report did not finish")


@pytest.mark.parametrize("who,status", [("wujing", 200), ("zhaomin", 200), ("zhouhua", 200), ("zhangwei", 403),
                                        ("sunli", 403), ("admin", 403)])
def test_reports_page_by_role(world, client, who, status):
    _login(client, who)
    assert client.get("/supervision/reports").status_code == status


@pytest.mark.parametrize("who,agency,status", [("wujing", None, 302), ("wujing", "山亭综执", 302),
                                               ("zhaomin", "山亭市监", 302), ("zhaomin", "山亭综执", 403),
                                               ("zhangwei", None, 403)])
def test_request_by_role_and_agency(world, client, sessions, who, agency, status):
    _login(client, who)
    data = {"year": "2025", "csrf_token": _token(client)}
    if agency:
        data["agency_id"] = str(world[agency])
    r = client.post("/supervision/reports", data=data)
    assert r.status_code == status
    with sessions() as s:
        n = len(s.execute(select(AnnualReport)).scalars().all())
    assert n == (1 if status == 302 else 0)
    if status == 302:
        _wait(sessions, int(r.headers["Location"].rsplit("/", 1)[1]))


def test_progress_and_downloads_and_other_agency(world, client, sessions):
    _login(client, "zhaomin")
    r = client.post("/supervision/reports", data={"year": "2025", "csrf_token": _token(client)})
    rid = int(r.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/supervision/reports/{rid}").get_data(as_text=True)
    assert "<progress" in page and "年度行政执法数据报告" in page
    assert _wait(sessions, rid).status == "ready"
    part = client.get(f"/supervision/reports/{rid}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "下载PDF" in part and "hx-trigger" not in part  # done: no more polling
    pdf = client.get(f"/supervision/reports/{rid}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    wb = load_workbook(io.BytesIO(client.get(f"/supervision/reports/{rid}.xlsx").data))
    assert "罚款及裁量阶次（按决定日期）" in wb.sheetnames
    client.post("/logout", data={"csrf_token": _token(client)})
    _login(client, "zhouhua")  # another agency's head: not found, nothing served
    assert client.get(f"/supervision/reports/{rid}").status_code == 404
    assert client.get(f"/supervision/reports/{rid}.pdf").status_code == 404


def test_bad_year_is_refused_in_chinese(world, client, sessions):
    _login(client, "wujing")
    r = client.post("/supervision/reports", data={"year": "1999", "csrf_token": _token(client)}, follow_redirects=True)
    assert "年度有误" in r.get_data(as_text=True)
    with sessions() as s:
        assert s.execute(select(AnnualReport)).first() is None
