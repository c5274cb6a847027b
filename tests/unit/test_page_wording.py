"""What the pages say of a case's record: every entry its 办案记录 can hold reads in Chinese (the case's timeline, the
评查 page), and a deadline's state reads as its kind means it.

The acts' labels are their declarations' (services.acts); what else is recorded on a case — the system's rule
prompts, the deadlines, the publicity workflow, documents — is labelled in `vocabulary.TRAIL_ACTIONS`. These tests
read the code's recording calls, so an action added without a label fails here rather than showing its code to an
officer or an evaluator.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from casebook.domain.vocabulary import TRAIL_ACTIONS
from casebook.services.acts import ACTS
from casebook.web.ui.fmt import label_of

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(p for d in ("casebook", "events", "scheduler") for p in (ROOT / d).rglob("*.py"))
CJK = re.compile(r"[\u4e00-\u9fff]")
CODE = re.compile(r"[a-z]+[._][a-z_]+")


def _name(call: ast.Call) -> str | None:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def _strings(node: ast.AST | None) -> list[str] | None:
    """The action(s) an argument can be: a literal, either branch of a conditional; None when computed otherwise."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        a, b = _strings(node.body), _strings(node.orelse)
        return None if a is None or b is None else a + b
    return None


def _f_prefix(node: ast.AST | None) -> str | None:
    """f"case.{action}" → "case."."""
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return node.values[0].value
    return None


def recorded_on_cases() -> tuple[set[str], set[tuple[str, str]]]:
    """The trail actions the code records on a case, and the (module, prefix) of those it builds at run time."""
    found: set[str] = set()
    dynamic: set[tuple[str, str]] = set()
    for path in SOURCES:
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            name, args = _name(call), call.args
            action = None
            if name == "record" and len(args) >= 3 and any(k.arg == "case" for k in call.keywords):
                action = args[2]  # record(s, actor, action, payload, case=…)
            elif name == "_trail" and len(args) >= 4:
                action = args[3]  # services.deadlines._trail(s, actor, case, action, deadline)
            elif name == "_act" and rel.endswith("services/publicity.py") and len(args) >= 4:
                found.update(f"publication.{a}" for a in _strings(args[3]) or ())
                continue
            elif name == "Act" and args and (_strings(args[0]) or [""])[0].count(".") == 1:
                action = args[0]  # recording.Act(action, payload, case_id, …) for record_many
            else:
                continue
            values = _strings(action)
            if values is not None:
                found.update(values)
            elif (prefix := _f_prefix(action)) is not None:
                dynamic.add((rel, prefix))
        if rel.endswith("services/deadlines.py"):  # the sweep passes its actions on: _fired_acts(rows, "deadline.…")
            found.update(re.findall(r"\"(deadline\.[a-z_]+)\"", path.read_text(encoding="utf-8")))
        if rel.endswith("services/rules.py"):  # what the rule checks raise: ("referral.suggested", "suggest_referral")
            found.update(f"case.{a}" for a in re.findall(r"\.append\(\(\"[a-z_.]+\", \"([a-z_]+)\"\)\)",
                                                              path.read_text(encoding="utf-8")))
    return found, dynamic


def test_the_scan_finds_what_the_code_records_on_a_case():
    found, dynamic = recorded_on_cases()
    # a sample from each kind of call the scan reads: it would fail if the scan stopped reading one of them
    assert {"deadline.planned", "deadline.missed", "deadline.warning", "deadline.rescheduled", "deadline.calendar_missing",
            "publication.drafted", "publication.not_published", "publication.withdrawn", "document.rendered",
            "case.suggest_referral", "case.require_legal_review", "party.updated"} <= found
    # Actions built at run time: the acts (perform), the rule prompts (rules, read above) and the publicity workflow
    # (_act, read above). Another one needs its labels here before it can be recorded.
    assert dynamic == {("casebook/services/perform.py", "case."), ("casebook/services/rules.py", "case."),
                       ("casebook/services/publicity.py", "publication.")}


@pytest.mark.parametrize("action", sorted(recorded_on_cases()[0] | {f"case.{code}" for code in ACTS}))
def test_every_trail_entry_of_a_case_has_a_chinese_label(action):
    text = label_of(action)
    assert CJK.search(text) and not CODE.search(text), f"{action} shows as {text!r}"


def test_no_label_is_kept_for_an_action_nothing_records():
    found, _ = recorded_on_cases()
    assert set(TRAIL_ACTIONS) <= found


def test_a_deadline_entry_names_its_deadline():
    assert label_of("deadline.planned", {"label": "作出行政处罚决定期限"}) == "计算期限：作出行政处罚决定期限"
    assert label_of("deadline.missed", {"label": "缴纳罚款期限"}) == "期限已超期：缴纳罚款期限"
    assert label_of("deadline.met", {"kind": "decision", "label": "作出处理决定期限"}) == "期限已履行：作出处理决定期限"
    # a window closes used or waived; the 追责时效 is "met" when the act was found within it
    assert label_of("deadline.met", {"kind": "hearing_request", "label": "陈述申辩、听证申请期限"}) == "陈述申辩、听证申请期限：已办结"
    assert label_of("deadline.met", {"kind": "limitation", "label": "追责时效"}) == "追责时效：时效内发现"
    assert label_of("case.file", {"label": "x"}) == "立案"
    assert label_of("publication.drafted", {"label": "x"}) == "生成公示信息（待公示）"


def test_a_deadline_status_reads_as_its_kind_does():
    from casebook.domain import deadlines as dl

    assert dl.status_label("limitation", "met") == "时效内发现"
    assert dl.status_label("hearing_request", "met") == "已办结"
    assert dl.status_label("payment", "met") == "已履行"
    assert dl.status_label("hearing_request", "expired") == "期满未行使"
    assert dl.status_label("limitation", "missed") == "已逾期"


def test_a_window_closed_unused_is_not_shown_as_late():
    import datetime as dt

    from casebook.services.context import local_today
    from casebook.web.ui.fmt import deadline_badge

    past = local_today() - dt.timedelta(days=5)
    window = deadline_badge({"kind": "hearing_request", "status": "open", "due_on": past, "overdue": False})
    assert window["tone"] == "grey" and window["text"].startswith("期满未行使")
    swept = deadline_badge({"kind": "hearing_request", "status": "expired", "due_on": past})
    assert swept["tone"] == "grey" and swept["text"].startswith("期满未行使")
    late = deadline_badge({"kind": "service", "status": "open", "due_on": past, "overdue": True})
    assert late["tone"] == "red" and late["text"].startswith("已超期5天")


def test_statistics_round_half_up_as_people_do():
    from decimal import Decimal

    from casebook.services.statistics import _rate, half_up

    assert half_up(85.25) == 85.3 and half_up(Decimal("85.25")) == 85.3  # round() gives 85.2
    assert half_up(0.15) == 0.2 and half_up(2.675, 2) == 2.68  # floats a hair under the half
    assert half_up(-1.25) == -1.3 and half_up(None) is None and half_up(7) == 7.0
    assert _rate(1, 8) == 12.5 and _rate(1, 3) == 33.3 and _rate(2, 3) == 66.7 and _rate(0, 0) is None
    assert _rate(189, 200) == 94.5 and _rate(1889, 2000) == 94.5  # 94.45 → 94.5


def test_the_time_left_is_told_in_the_deadlines_own_unit():
    """UI: 「剩余3个工作日（4月12日到期）」 — a working-day deadline (行政处罚法 第八十五条) counts working days left, not
    calendar days; an hour-counted one (移送 within 24 hours) counts hours and names the hour; the due day says so."""
    import datetime as dt

    from casebook.calendar import WorkingDayCalendar
    from casebook.web.ui.fmt import remaining

    cal = WorkingDayCalendar()
    friday = dt.date(2026, 12, 11)
    due = {"kind": "hearing_request", "unit": "working", "due_on": dt.date(2026, 12, 15)}
    assert remaining(due, friday, cal) == "剩余2个工作日"  # Monday and Tuesday; 4 calendar days
    assert remaining({**due, "unit": "calendar"}, friday, cal) == "剩余4天"
    assert remaining(due, dt.date(2026, 12, 15), cal) == "今日到期"
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(hours=5, minutes=30)
    assert remaining({"unit": "hours", "due_on": soon.date(), "due_at": soon}, friday, cal) == "剩余6小时"


def test_a_badge_reads_a_deadline_row_and_names_working_days_and_the_hour_due():
    import datetime as dt
    from types import SimpleNamespace

    from casebook.calendar import WorkingDayCalendar
    from casebook.services.context import LOCAL_TZ, local_today
    from casebook.web.ui.fmt import deadline_badge

    cal = WorkingDayCalendar()
    today = local_today()
    due = cal.provisional().add_working_days(today, 20)  # into 2027, a year without its notice yet
    row = SimpleNamespace(kind="legal_review", unit="working", due_on=due, due_at=None, warn_on=None, status="open",
                          calendar_missing_year=None)
    b = deadline_badge(row, cal)
    assert b["tone"] == "blue" and b["text"] == f"剩余20个工作日（{due.month}月{due.day}日到期）"
    at = (dt.datetime.now(LOCAL_TZ) + dt.timedelta(days=5)).replace(hour=14, minute=30, second=0, microsecond=0)
    b = deadline_badge({"kind": "referral_transfer", "unit": "hours", "due_on": at.date(), "due_at": at,
                        "status": "open"}, cal)
    assert b["text"].endswith(f"（{at.month}月{at.day}日 14:30到期）") and "小时" in b["text"]


def test_an_hour_counted_deadline_past_its_hour_is_late_by_the_hour_even_on_its_due_day():
    import datetime as dt

    from casebook.calendar import WorkingDayCalendar
    from casebook.web.ui.fmt import deadline_badge

    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2, minutes=10)
    b = deadline_badge({"kind": "referral_transfer", "unit": "hours", "due_on": past.date(), "due_at": past,
                        "status": "open"}, WorkingDayCalendar())
    assert b["tone"] == "red" and b["text"].startswith("已超期3小时")
