"""The problem-model findings page: list, run on demand, status changes — role × own/other agency."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from casebook.db import models as m
from casebook.db.models_supervision import Finding
from casebook.services import problem_models as pm
from casebook.services.context import SYSTEM
from tests.integration.test_pages import _csrf, _login


@pytest.fixture
def finding(sessions):
    """One finding in 综执 (a fine outside its tier with no reason)."""
    with sessions() as s, s.begin():
        ag = {a.code: a.id for a in s.execute(select(m.Agency)).scalars()}
        s.add(m.Case(agency_id=ag["山亭综执"], case_no="综执测1号", stage="closed", procedure="ordinary", source="inspection",
                     cause="页面测试", discovered_on=dt.date(2025, 1, 1), decided_on=dt.date(2025, 6, 1),
                     decision_kind="penalty", fine_amount=Decimal(500),
                     benchmark={"item": "A", "check": {"status": "outside_tier"}}))
        s.flush()
        pm.run(s, SYSTEM, as_of=dt.date(2025, 12, 31))
        return s.execute(select(Finding.id)).scalar_one()


@pytest.mark.parametrize("who,status,sees", [
    ("wujing", 200, True), ("zhouhua", 200, True), ("zhaomin", 200, False),
    ("zhangwei", 403, False), ("chenjie", 403, False), ("sunli", 403, False), ("admin", 403, False),
])
def test_list_by_role_and_agency(finding, client, who, status, sees):
    _login(client, who)
    r = client.get("/supervision/findings")
    assert r.status_code == status
    html = r.get_data(as_text=True)
    assert ("综执测1号" in html) is sees
    if status == 200:
        assert ("立即运行全部模型" in html) is (who == "wujing")


@pytest.mark.parametrize("who,changes", [("wujing", True), ("zhouhua", False), ("zhaomin", False), ("chenjie", False)])
def test_status_change_by_role(finding, client, sessions, who, changes):
    _login(client, who)
    token = _csrf(client.get("/work/cases").get_data(as_text=True))
    r = client.post(f"/supervision/findings/{finding}/status", data={"status": "corrected", "note": "已补充理由",
                                                                      "csrf_token": token})
    with sessions() as s:
        f = s.get(Finding, finding)
        assert (f.status == "corrected") is changes
    assert r.status_code == (302 if changes else 403)


def test_status_change_needs_a_note_and_shows_its_history(finding, client, sessions):
    _login(client, "wujing")
    token = _csrf(client.get("/supervision/findings").get_data(as_text=True))
    r = client.post(f"/supervision/findings/{finding}/status", data={"status": "explained", "note": "", "csrf_token": token},
                    follow_redirects=True)
    assert "请填写说明或纠正情况" in r.get_data(as_text=True)
    with sessions() as s:
        assert s.get(Finding, finding).status == "open"
    r = client.post(f"/supervision/findings/{finding}/status",
                    data={"status": "explained", "note": "理由见集体讨论记录", "csrf_token": token}, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "处理记录（1）" in html and "理由见集体讨论记录" in html


@pytest.mark.parametrize("who,status", [("wujing", 302), ("zhouhua", 403), ("zhangwei", 403), ("admin", 403)])
def test_run_on_demand_by_role(finding, client, sessions, who, status):
    _login(client, who)
    html = client.get("/supervision/findings").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    r = client.post("/supervision/findings/run", data={"csrf_token": token})
    assert r.status_code == status


def test_other_agencys_finding_is_not_found_for_a_narrower_supervisor(finding, client, sessions):
    """A finding outside the actor's read scope: 404 page, nothing changes (a head has no right to change it at all)."""
    _login(client, "wujing")
    token = _csrf(client.get("/supervision/findings").get_data(as_text=True))
    r = client.post("/supervision/findings/999999/status", data={"status": "corrected", "note": "x", "csrf_token": token})
    assert r.status_code == 404


def test_the_exemption_refused_model_is_explained_and_links_its_case(client, sessions, app):
    from tests.integration.test_admin_pages import login

    with sessions() as s, s.begin():
        ag = {a.code: a.id for a in s.execute(select(m.Agency)).scalars()}
        c = m.Case(agency_id=ag["山亭综执"], case_no="综执测2号", stage="closed", procedure="ordinary", source="inspection",
                   cause="页面测试", discovered_on=dt.date(2025, 1, 1), decided_on=dt.date(2025, 6, 1),
                   decision_kind="penalty", fine_amount=Decimal(500),
                   circumstances=["first_offence", "harm_minor", "corrected_promptly"])
        s.add(c)
        s.flush()
        pm.run(s, SYSTEM, as_of=dt.date(2025, 12, 31), only=("exemption_refused",))
        cid = c.id
    _login(client, "wujing")
    html = client.get("/supervision/findings?model=exemption_refused").get_data(as_text=True)
    assert "应免罚未免罚" in html and "首违不罚" in html and "未写明不予免罚的理由" in html
    assert f'<a href="/cases/{cid}">综执测2号</a>' in html
    # the admin's 问题模型阈值 page lists its look-back as a threshold
    page = login(app).get("/admin/thresholds").get_data(as_text=True)
    assert "应免罚未免罚" in page and "无同一违法行为处罚记录的回溯年限" in page
