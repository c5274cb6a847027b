"""我的期限 and the 待办 count: the agency's own deadlines still to be met on the officer's cases (a missed one stays, in
red), the party's and the police's in a table of their own, the time left in each deadline's unit; on every backend."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from casebook.db import models as m
from casebook.services.context import local_today
from tests.integration.test_pages import _csrf, _login


def _todo(html: str) -> int:
    return int(re.search(r'class="count" aria-label="(\d+)项"', html).group(1))


def _section(html: str, heading: str) -> str:
    start = html.index(heading)
    end = html.find("<h2", start + 1)
    return html[start:end if end > 0 else len(html)]


def _plan(sessions, cid: int):
    from casebook.services import deadlines as svc

    today = local_today()
    with sessions.begin() as s:
        case = s.get(m.Case, cid)
        decision = svc.plan(s, case, "decision", start=today)  # the agency's, 90 days
        window = svc.plan(s, case, "hearing_request", start=today)  # the party's, 5 working days
        service = svc.plan(s, case, "service", start=today - dt.timedelta(days=30))  # the agency's, 7 working days
        s.flush()
        service.status, service.missed_at = "missed", m.utcnow()  # as the sweep leaves it
        return decision.id, window.id, service.id


def test_my_deadlines_splits_the_agencys_duties_from_the_partys_and_keeps_a_missed_one_in_red(client, api, sessions):
    cid = api.filed_case()
    decision, window, service = _plan(sessions, cid)
    with sessions() as s:
        agency_unmet = s.execute(select(m.Deadline.id).join(m.CaseOfficer, m.CaseOfficer.case_id == m.Deadline.case_id)
                                 .join(m.User, m.User.id == m.CaseOfficer.user_id)
                                 .where(m.User.username == "zhangwei", m.Deadline.status.in_(("open", "missed")),
                                        m.Deadline.kind.not_in(("hearing_request", "payment", "police_decision")),
                                        m.Deadline.due_on.is_not(None))).scalars().all()
    assert {decision, service} <= set(agency_unmet)
    _login(client)
    html = client.get("/work/deadlines").get_data(as_text=True)
    ours, watched = _section(html, "须本机关办理"), _section(html, "当事人、公安机关的期限")
    assert "作出处理决定期限" in ours and "处罚决定书送达期限" in ours and "陈述申辩、听证申请期限" not in ours
    assert "已超期" in ours  # the missed one is still to be done, first and in red
    assert "陈述申辩、听证申请期限" in watched and "当事人" in watched
    assert re.search(r"剩余\d个工作日", watched), watched  # 第八十五条: five working days, told as working days
    assert _todo(html) == len(agency_unmet)  # the 待办 count is the first table's, counted in the database


def test_another_officer_of_the_agency_sees_none_of_a_case_they_are_not_named_on(client, api, sessions):
    cid = api.filed_case()
    _plan(sessions, cid)
    with sessions() as s:
        case_no = s.get(m.Case, cid).case_no
    _login(client, "wangfang")
    html = client.get("/work/deadlines").get_data(as_text=True)
    assert case_no not in html


def test_the_case_list_badge_shows_the_nearest_deadline_still_to_be_met(client, api, sessions):
    cid = api.filed_case()
    _plan(sessions, cid)
    _login(client)
    html = client.get("/work/cases").get_data(as_text=True)
    row = html[html.index(f'/cases/{cid}"'):]
    row = row[:row.index("</tr>")]
    assert "处罚决定书送达期限：已超期" in row  # the missed one, not a later open one
    assert _csrf(html)


def test_the_heads_decision_item_runs_against_the_decision_deadline_not_the_partys_window(client, api, sessions):
    """第六十条: a decision waits on the 作出处理决定期限; the party's 陈述申辩 window falls due sooner but is not the
    head's to meet."""
    from casebook.services import deadlines as svc

    cid = api.noticed_case()
    today = local_today()
    with sessions.begin() as s:
        case = s.get(m.Case, cid)
        svc.plan(s, case, "decision", start=today - dt.timedelta(days=20))
        svc.plan(s, case, "hearing_request", start=today)
    _login(client, "zhaomin")
    html = client.get("/head/approvals").get_data(as_text=True)
    row = html[html.index(f'/cases/{cid}"'):]
    row = row[:row.index("</tr>")]
    assert "作出处理决定期限：" in row and "剩余" in row and "陈述申辩" not in row


def test_todo_leads_to_the_list_it_counts(client):
    for who, where in (("zhangwei", "/work/deadlines#ours"), ("zhaomin", "/head/approvals"), ("sunli", "/reviews")):
        _login(client, who)
        html = client.get("/work/cases").get_data(as_text=True)
        assert f'<a class="todo" href="{where}">' in html, who
        client.post("/logout", data={"csrf_token": _csrf(html)})


def test_an_act_naming_another_officer_waits_in_their_todo_until_they_confirm_it(client, api):
    """会签 (行政处罚法 第四十二条): 张伟 records an inspection naming 李强; 李强 finds it among his 待办 and on 我的期限, with
    a link to confirm it; once confirmed it is gone. 张伟, who recorded it, has nothing to confirm."""
    cid = api.filed_case()
    api.act(cid, "start_investigation")
    api.act(cid, "record_investigation_act", {"kind": "on_site_inspection", "acted_on": "2026-03-04",
            "place": "山亭区府前路88号", "summary": "现场检查发现过期食品12袋", "officer_ids": api.officers()})
    _login(client, "liqiang")
    html = client.get("/work/deadlines").get_data(as_text=True)
    assert "待我确认的执法行为（会签）" in html
    section = _section(html, "待我确认的执法行为")
    assert "记录调查取证活动" in section and "张伟" in section
    assert f"/cases/{cid}?tab=acts&amp;act=confirm_act" in section
    before = _todo(html)
    client.post("/logout", data={"csrf_token": _csrf(html)})
    _login(client)
    assert "待我确认的执法行为" not in client.get("/work/deadlines").get_data(as_text=True)
    api.confirm_all(cid)
    client.post("/logout", data={"csrf_token": _csrf(client.get("/work/cases").get_data(as_text=True))})
    _login(client, "liqiang")
    html = client.get("/work/deadlines").get_data(as_text=True)
    assert "待我确认的执法行为" not in html and _todo(html) == before - 1
