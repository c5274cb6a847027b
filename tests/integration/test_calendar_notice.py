"""Deadlines into 2027 on every backend: a case filed on 2026-12-04 gets a provisional 90-day decision deadline,
listed with the others and flagged; the administrator previews the State Council notice (nothing changes),
confirms it, and every provisional deadline is recounted, trailed on its case and announced; a malformed
notice is refused with its line numbers and changes nothing; health and the list warn until the year is loaded."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from casebook.db import models as m
from casebook.services import calendar as cal_svc
from casebook.services import deadlines as svc
from casebook.services.audit import verify_trail
from events.handlers import GROUPS
from events.runtime import Background, make_relay, make_worker
from tests.helpers import wait_until

D = dt.date
NOTICE_2027 = (Path(__file__).resolve().parents[1] / "fixtures" / "calendar" / "notice_2027_example.txt"
               ).read_text(encoding="utf-8")
NOTE = "待国务院公布2027年节假日安排后确认"


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    cal_svc.invalidate()
    yield
    cal_svc.invalidate()


@pytest.fixture
def deadlines_worker(sessions, event_settings):
    groups = {"deadlines": GROUPS["deadlines"]}
    bg = Background(make_relay(sessions, event_settings, groups=groups), make_worker(sessions, event_settings, groups=groups))
    bg.threads = [threading.Thread(target=bg.relay.run, args=(bg.stop_event,), daemon=True),
                  threading.Thread(target=bg.worker.run, daemon=True)]
    for t in bg.threads:
        t.start()
    yield bg
    bg.stop()


def decision(sessions, case_id: int, ref: str = "") -> m.Deadline | None:
    with sessions() as s:
        return s.execute(select(m.Deadline).where(m.Deadline.case_id == case_id, m.Deadline.kind == "decision",
                                                  m.Deadline.ref == ref).order_by(m.Deadline.id.desc())).scalars().first()


def drained(sessions) -> bool:
    bound = set(GROUPS["deadlines"].bindings)
    with sessions() as s:
        wanted = {e for e, t in s.execute(select(m.OutboxEvent.event_id, m.OutboxEvent.type)) if t in bound}
        done = set(s.execute(select(m.ConsumerInbox.event_id).where(m.ConsumerInbox.consumer == "deadlines")).scalars())
    return wanted <= done


def state(sessions) -> tuple:
    """What a refused or preview-only call must leave as it was."""
    with sessions() as s:
        return (s.execute(select(func.count()).select_from(m.CalendarOverride)).scalar_one(),
                s.execute(select(m.CalendarYear.year).order_by(m.CalendarYear.year)).scalars().all(),
                s.execute(select(m.TrailHead.seq)).scalar_one(),
                s.execute(select(m.Deadline.id, m.Deadline.due_on, m.Deadline.warn_on, m.Deadline.calendar_missing_year)
                          .order_by(m.Deadline.id)).all())


def test_a_case_filed_on_4_december_2026_gets_a_provisional_decision_deadline_that_the_2027_notice_confirms(
        api, sessions, settings, deadlines_worker):
    cid = api.filed_case(filed_on="2026-12-04")
    wait_until(lambda: decision(sessions, cid) is not None, what="decision deadline planned by the worker")
    d = decision(sessions, cid)
    # 行政处罚法 第六十条: 90 days from 立案 → 2027-03-04, provisional; the warning 10 + 3 (margin) working days
    # before it, counted over the statutory 春节 (2-05 … 2-08, 补假 2-09, 2-10).
    assert (d.due_on, d.calendar_missing_year, d.status, d.warn_on) == (D(2027, 3, 4), 2027, "open", D(2027, 2, 15))
    # A second case whose provisional due date falls just after the statutory 春节 break.
    other = api.filed_case()
    with sessions() as s, s.begin():
        svc.plan(s, other, "decision", start=D(2026, 11, 10), ref="x")  # +90 = 2027-02-08 (初三) → 2-11 provisional
    assert decision(sessions, other, "x").due_on == D(2027, 2, 11)
    wait_until(lambda: drained(sessions), what="the worker has planned the second case's own deadlines")

    # Listed with the others (no status filter), flagged, with the Chinese note; the list warns about 2027.
    body = api.get("/api/v1/deadlines?kind=decision").get_json()
    mine = next(i for i in body["items"] if i["case_id"] == cid)
    assert (mine["due_on"], mine["provisional"], mine["provisional_note"], mine["status"]) == (
        "2027-03-04", True, NOTE, "open")
    assert "2027年" in body["calendar_warning"] and NOTE in body["calendar_warning"]
    assert "2027年" in api.get("/api/v1/health", who="admin").get_json()["calendar_warning"]
    assert {i["id"] for i in api.get("/api/v1/deadlines?status=provisional").get_json()["items"]} >= {mine["id"]}

    # Preview: the calendar as read from the notice, what it would recount; nothing changes.
    before = state(sessions)
    r = api.post("/api/v1/admin/calendar/notice/preview", {"text": NOTICE_2027}, who="admin")
    assert r.status_code == 200, r.get_json()
    preview = r.get_json()
    assert preview["year"] == 2027 and preview["confirmed"] is False and preview["provisional_deadlines"] == 2
    assert preview["calendar"][1] == {"month": 2, "rest_days": list(range(5, 14)), "make_up_workdays": [20]}
    assert state(sessions) == before
    assert api.post("/api/v1/admin/calendar/notice/preview", {"text": NOTICE_2027}).status_code == 403  # an officer

    # A confirmation that names another preview is refused and changes nothing.
    r = api.post("/api/v1/admin/calendar/notice", {"text": NOTICE_2027, "digest": "0" * 16}, who="admin")
    assert (r.status_code, r.get_json()["code"]) == (409, "calendar_preview_mismatch")
    assert state(sessions) == before

    r = api.post("/api/v1/admin/calendar/notice", {"text": NOTICE_2027, "digest": preview["digest"]}, who="admin")
    assert r.status_code == 200, r.get_json()
    done = r.get_json()
    assert done["confirmed"] is True
    assert {(x["deadline_id"], x["previous_due_on"], x["due_on"], x["provisional"], x["changed"])
            for x in done["rescheduled"]} == {
        (d.id, "2027-03-04", "2027-03-04", False, True),  # same day; the warning moves (2-20 is a 调休 workday)
        (decision(sessions, other, "x").id, "2027-02-11", "2027-02-15", False, True),  # 春节 2-05 … 2-13 per the notice
    }
    d = decision(sessions, cid)
    assert (d.due_on, d.warn_on, d.calendar_missing_year) == (D(2027, 3, 4), D(2027, 2, 19), None)
    assert decision(sessions, other, "x").due_on == D(2027, 2, 15)

    # Trailed on each case and announced to its officers.
    with sessions() as s:
        trailed = s.execute(select(m.TrailEntry.case_id).where(m.TrailEntry.action == "deadline.rescheduled")).scalars().all()
        events = s.execute(select(m.OutboxEvent.case_id, m.OutboxEvent.payload)
                           .where(m.OutboxEvent.type == "deadline.rescheduled")).all()
        loaded = s.execute(select(m.OutboxEvent.payload).where(m.OutboxEvent.type == "calendar.notice_loaded")).scalar_one()
        assert s.get(m.CalendarYear, 2027) is not None
        assert s.get(m.CalendarOverride, D(2027, 2, 20)).is_working_day is True
    assert sorted(trailed) == sorted([cid, other])
    assert sorted(c for c, _ in events) == sorted([cid, other])
    payload = next(p for c, p in events if c == other)
    assert (payload["previous_due_on"], payload["due_on"], payload["provisional_year"]) == ("2027-02-11", "2027-02-15", 2027)
    assert loaded["data"]["rescheduled"] == 2 and loaded["id"] == 2027

    # The list and health no longer warn; the deadline is no longer provisional.
    body = api.get("/api/v1/deadlines?kind=decision").get_json()
    assert body["calendar_warning"] is None
    assert next(i for i in body["items"] if i["case_id"] == cid)["provisional"] is False
    assert api.get("/api/v1/health", who="admin").get_json()["calendar_warning"] is None
    with sessions() as s:
        assert verify_trail(s, settings).ok


def test_a_malformed_notice_is_refused_with_its_line_numbers_and_changes_nothing(api, sessions):
    cid = api.filed_case()
    with sessions() as s, s.begin():
        svc.plan(s, cid, "decision", start=D(2026, 12, 4), ref="x")
    before = state(sessions)
    broken = NOTICE_2027.replace("2月5日（农历除夕、周五）", "2月5日（农历除夕、周四）").replace("共5天", "共6天")
    for path, body in [("/api/v1/admin/calendar/notice/preview", {"text": broken}),
                       ("/api/v1/admin/calendar/notice", {"text": broken, "digest": "0" * 16})]:
        r = api.post(path, body, who="admin")
        assert r.status_code == 422
        err = r.get_json()
        assert err["code"] == "calendar_notice_invalid" and "未作任何更改" in err["message"]
        assert err["errors"]["lines"] == [7, 9]
        assert err["errors"]["text"][0].startswith("第7行：2月5日是周五，通知写的是周四")
    assert state(sessions) == before
    assert decision(sessions, cid, "x").calendar_missing_year == 2027


def test_the_same_year_can_be_loaded_from_a_yaml_file_upload(api, sessions):
    import io

    yaml_text = ("year: 2027\nsource: 测试\nholidays:\n  - {name: 元旦, start: 2027-01-01, end: 2027-01-03}\n"
                 "  - {name: 春节, start: 2027-02-05, end: 2027-02-13}\nworkdays: [2027-02-20]\n")
    cid = api.filed_case()
    with sessions() as s, s.begin():
        svc.plan(s, cid, "decision", start=D(2026, 11, 10), ref="x")
    r = api.c.post("/api/v1/admin/calendar/file/preview", headers=api.h("admin"),
                   data={"file": (io.BytesIO(yaml_text.encode()), "2027.yaml")}, content_type="multipart/form-data")
    assert r.status_code == 200, r.get_json()
    digest = r.get_json()["digest"]
    assert r.get_json()["warnings"]  # 清明、劳动节 … are missing from this file: said before confirming
    r = api.c.post("/api/v1/admin/calendar/file", headers=api.h("admin"), content_type="multipart/form-data",
                   data={"file": (io.BytesIO(yaml_text.encode()), "2027.yaml"), "digest": digest})
    assert r.status_code == 200, r.get_json()
    confirmed = decision(sessions, cid, "x")
    assert (confirmed.due_on, confirmed.calendar_missing_year) == (D(2027, 2, 15), None)


def test_the_reminder_to_load_next_years_notice_starts_on_1_october(sessions, settings):
    with sessions() as s:
        assert cal_svc.reminder(s, settings, today=D(2026, 9, 30)) is None
        warning = cal_svc.reminder(s, settings, today=D(2026, 10, 1))
        assert warning.startswith("2027年的法定节假日和调休安排尚未载入") and NOTE in warning
        # A year already under way without data is warned about at any time.
        assert cal_svc.reminder(s, settings, today=D(2027, 3, 1)).startswith("2027年")
        early = type(settings)(**{**settings.__dict__, "calendar_reminder_from": "09-01"})
        assert cal_svc.reminder(s, early, today=D(2026, 9, 2)) is not None


def test_a_deadline_stored_undetermined_before_provisional_counting_gets_its_provisional_date_at_the_sweep(
        api, sessions):
    cid = api.filed_case()
    with sessions() as s, s.begin():
        c = s.get(m.Case, cid)
        row = m.Deadline(case_id=cid, agency_id=c.agency_id, kind="decision", ref="old", unit="calendar", length=90,
                         starts_on=D(2026, 11, 10), extended_days=0, paused_days=0, basis="行政处罚法第六十条",
                         status="open", meta={"opts": {}}, calendar_missing_year=2027,
                         calendar_flagged_at=dt.datetime(2026, 11, 10, tzinfo=dt.UTC))
        s.add(row)
    with sessions() as s, s.begin():
        res = svc.sweep(s, dt.datetime(2026, 12, 4, 4, tzinfo=dt.UTC))
    assert res.calendar_missing == 0  # surfaced already: not announced twice
    d = decision(sessions, cid, "old")
    assert (d.due_on, d.calendar_missing_year) == (D(2027, 2, 11), 2027)
    with sessions() as s:
        assert s.execute(select(func.count()).select_from(m.OutboxEvent)
                         .where(m.OutboxEvent.type == "deadline.calendar_missing")).scalar_one() == 0


def test_the_cli_previews_a_notice_file_and_loads_it_only_with_the_previewed_digest(api, sessions, settings, tmp_path):
    import re

    from click.testing import CliRunner

    from casebook.cli import main

    cid = api.filed_case()
    with sessions() as s, s.begin():
        svc.plan(s, cid, "decision", start=D(2026, 11, 10), ref="x")
    path = tmp_path / "notice-2027.txt"
    path.write_text(NOTICE_2027, encoding="utf-8")
    env = {"CASEBOOK_DATABASE_URL": settings.database_url, "CASEBOOK_DATA_DIR": str(settings.data_dir)}
    before = state(sessions)
    r = CliRunner().invoke(main, ["calendar", "load-notice", str(path), "--user", "admin"], env=env)
    assert r.exit_code == 0, r.output
    assert "未作任何更改" in r.output and state(sessions) == before
    digest = re.search(r"--confirm ([0-9a-f]{16})", r.output).group(1)
    r = CliRunner().invoke(main, ["calendar", "load-notice", str(path), "--user", "admin", "--confirm", "f" * 16], env=env)
    assert r.exit_code == 2 and "与预览不一致" in r.output and state(sessions) == before
    r = CliRunner().invoke(main, ["calendar", "load-notice", str(path), "--user", "admin", "--confirm", digest], env=env)
    assert r.exit_code == 0, r.output
    assert "重新计算暂定期限 1 项" in r.output
    cal_svc.invalidate()
    assert (decision(sessions, cid, "x").due_on, decision(sessions, cid, "x").calendar_missing_year) == (D(2027, 2, 15), None)
    bad = tmp_path / "bad.txt"
    bad.write_text(NOTICE_2027.replace("共3天", "共4天", 1), encoding="utf-8")
    r = CliRunner().invoke(main, ["calendar", "load-notice", str(bad), "--user", "admin"], env=env)
    assert r.exit_code == 2 and "第6行" in r.output


def test_an_xlsx_upload_is_previewed_and_a_bad_row_is_a_422_naming_the_row(api, sessions):
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["开始日期", "结束日期", "类型", "名称"])
    ws.append([D(2027, 2, 5), D(2027, 2, 13), "放假", "春节"])
    ws.append([D(2027, 2, 20), None, "上班", "春节"])
    buf = io.BytesIO()
    wb.save(buf)
    r = api.c.post("/api/v1/admin/calendar/file/preview", headers=api.h("admin"), content_type="multipart/form-data",
                   data={"file": (io.BytesIO(buf.getvalue()), "2027.xlsx")})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["calendar"][0] == {"month": 2, "rest_days": list(range(5, 14)), "make_up_workdays": [20]}
    ws.append([D(2027, 2, 21), None, "加班", "春节"])
    buf = io.BytesIO()
    wb.save(buf)
    before = state(sessions)
    r = api.c.post("/api/v1/admin/calendar/file", headers=api.h("admin"), content_type="multipart/form-data",
                   data={"file": (io.BytesIO(buf.getvalue()), "2027.xlsx"), "digest": "0" * 16})
    assert (r.status_code, r.get_json()["errors"]["lines"]) == (422, [4])
    assert state(sessions) == before
