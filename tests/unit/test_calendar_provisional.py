"""A year without the State Council notice: the statutory holidays it is provisionally counted on, working days
across a provisional 春节, and reading the notice itself (2025 and 2026 reproduce chinesecalendar exactly)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from chinese_calendar.constants import holidays as library_holidays
from chinese_calendar.constants import workdays as library_workdays

from casebook.calendar import WorkingDayCalendar
from casebook.calendar.notice import CalendarNoticeInvalid, parse_notice, parse_xlsx, parse_yaml
from casebook.calendar.statutory import provisional_note, statutory_rest_days
from casebook.domain import deadlines as dl
from casebook.domain.errors import CalendarDataMissing

D = date
ONE = timedelta(days=1)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "calendar"


def notice(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


# --- the statutory holidays of 全国年节及纪念日放假办法 (2024 修订) computed for years without a notice ------------

# Known dates: 春节 = 正月初一, 端午 = 五月初五, 中秋 = 八月十五 (农历), 清明 = the solar term.
@pytest.mark.parametrize(("year", "spring", "qingming", "dragon_boat", "mid_autumn"), [
    (2027, D(2027, 2, 6), D(2027, 4, 5), D(2027, 6, 9), D(2027, 9, 15)),
    (2028, D(2028, 1, 26), D(2028, 4, 4), D(2028, 5, 28), D(2028, 10, 3)),
    (2029, D(2029, 2, 13), D(2029, 4, 4), D(2029, 6, 16), D(2029, 9, 22)),
    (2030, D(2030, 2, 3), D(2030, 4, 5), D(2030, 6, 5), D(2030, 9, 12)),
])
def test_the_lunar_holidays_of_2027_to_2030_fall_on_their_known_dates(year, spring, qingming, dragon_boat, mid_autumn):
    days = statutory_rest_days(year)
    assert days[spring] == "春节"
    assert days[spring - ONE].startswith("农历除夕")  # 2024 修订: 除夕 is a holiday
    assert all(days[spring + ONE * i].startswith("春节") for i in (1, 2))  # 初二、初三
    assert days[qingming] == "清明节"
    assert days[dragon_boat] == "端午节"
    assert "中秋节" in days[mid_autumn]


@pytest.mark.parametrize("year", [2027, 2028, 2029, 2030])
def test_each_year_has_the_thirteen_statutory_days_of_the_2024_revision(year):
    # 元旦1、春节4、清明1、劳动节2、端午1、中秋1、国庆3 = 13; 补假 (第六条) come on top.
    days = statutory_rest_days(year)
    statutory = {d: n for d, n in days.items() if "补假" not in n}
    coinciding = sum(1 for n in statutory.values() if "；" in n or ";" in n)  # 中秋 on 国庆 (2028-10-03)
    assert len(statutory) + coinciding == 13
    assert {D(year, 1, 1), D(year, 5, 1), D(year, 5, 2), D(year, 10, 1), D(year, 10, 2), D(year, 10, 3)} <= set(days)


def test_a_statutory_holiday_on_a_weekend_is_made_up_on_a_working_day():
    # 第六条: 2027-05-01/02 are a Saturday and a Sunday → 补假 on Monday 5-03 and Tuesday 5-04.
    days = statutory_rest_days(2027)
    assert days[D(2027, 5, 3)].startswith("劳动节") and days[D(2027, 5, 4)].startswith("劳动节")
    assert "补假" in days[D(2027, 5, 3)]


def test_the_provisional_note_names_the_year():
    assert provisional_note(2027) == "待国务院公布2027年节假日安排后确认"


# --- counting on a provisional year -----------------------------------------------------------------------------


def test_the_strict_calendar_still_refuses_a_year_without_data_and_only_the_provisional_view_counts_it():
    cal = WorkingDayCalendar()
    with pytest.raises(CalendarDataMissing):
        cal.is_working_day(D(2027, 2, 8))
    prov = cal.provisional()
    assert prov.is_provisional and not cal.is_provisional and prov.provisional() is prov
    assert prov.is_working_day(D(2026, 2, 14)) is True  # a covered year is exact: 2026's Saturday make-up day


@pytest.mark.parametrize(("start", "n", "due"), [
    # Provisional 春节 2027: 除夕 2-05 (Fri) … 初三 2-08 (Mon), 补假 for 初一/初二 (Sat/Sun) on 2-09, 2-10.
    (D(2027, 2, 4), 1, D(2027, 2, 11)),  # Thursday → next working day is after the whole break
    (D(2027, 2, 3), 2, D(2027, 2, 11)),  # 2-04, then 2-11
    (D(2027, 2, 1), 5, D(2027, 2, 12)),  # 2-02, 2-03, 2-04, 2-11, 2-12
    (D(2026, 12, 30), 7, D(2027, 1, 11)),  # across 元旦 2027 (Fri 1-01): 12-31, 1-04 … 1-08, 1-11
])
def test_working_days_are_counted_across_a_provisional_spring_festival(start, n, due):
    assert WorkingDayCalendar().provisional().add_working_days(start, n) == due


def test_a_provisional_calendar_period_ending_in_spring_festival_moves_past_the_whole_break():
    # 民事诉讼法 第八十五条 by analogy: 2026-11-10 + 90 days = 2027-02-08 (初三) → the next working day 2-11.
    prov = WorkingDayCalendar().provisional()
    assert prov.end_of_calendar_period(D(2026, 11, 10), 90) == D(2027, 2, 11)


def test_an_administrators_single_day_override_applies_on_a_provisional_year_too():
    cal = WorkingDayCalendar(overrides={D(2027, 2, 11): False})
    assert cal.provisional().add_working_days(D(2027, 2, 4), 1) == D(2027, 2, 12)


def test_the_decision_deadline_of_a_case_filed_on_4_december_2026_is_counted_provisionally():
    cal = WorkingDayCalendar()
    with pytest.raises(CalendarDataMissing):
        dl.due_for("decision", D(2026, 12, 4), cal)
    due = dl.due_for("decision", D(2026, 12, 4), cal.provisional(), warn_days=10 + 3)
    assert due.due_on == D(2027, 3, 4)  # 90 calendar days, a Thursday
    # 13 working days back (10 + safety margin 3), over the provisional 春节 break (2-05 … 2-10 rest).
    assert due.warn_on == D(2027, 2, 15)


# --- reading the notice ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_published_notice_reproduces_chinesecalendars_holidays_and_workdays_exactly(year):
    parsed = parse_notice(notice(f"notice_{year}.txt"))
    assert parsed.year == year
    assert parsed.rest_days() == {d for d in library_holidays if d.year == year}
    assert {d for d, w in parsed.days().items() if w} == {d for d in library_workdays if d.year == year}
    assert parsed.warnings == ()  # every statutory day of the 2024 revision is inside a holiday line


def test_the_2026_notice_is_read_line_by_line():
    parsed = parse_notice(notice("notice_2026.txt"))
    assert parsed.source == "国办发明电〔2025〕7号"
    spring = next(h for h in parsed.holidays if h.name == "春节")
    assert (spring.start, spring.end, spring.days, spring.line) == (D(2026, 2, 15), D(2026, 2, 23), 9, 7)
    assert [w.day for w in parsed.workdays if w.name == "春节"] == [D(2026, 2, 14), D(2026, 2, 28)]
    assert [w.day for w in parsed.workdays if w.name == "国庆节"] == [D(2026, 9, 20), D(2026, 10, 10)]
    shown = parsed.as_dict()
    assert shown["calendar"][1] == {"month": 2, "rest_days": list(range(15, 24)), "make_up_workdays": [14, 28]}
    assert shown["digest"] == parsed.digest() and len(shown["digest"]) == 16


def test_the_2025_notice_reads_a_combined_national_day_and_mid_autumn_line():
    parsed = parse_notice(notice("notice_2025.txt"))
    combined = next(h for h in parsed.holidays if "中秋节" in h.name)
    assert (combined.name, combined.start, combined.end) == ("国庆节、中秋节", D(2025, 10, 1), D(2025, 10, 8))
    assert next(h for h in parsed.holidays if h.name == "元旦").days == 1  # 「放假1天，不调休」


def test_a_sentence_that_only_encourages_rest_is_not_a_holiday():
    text = ("国务院办公厅关于2024年部分节假日安排的通知\n"
            "二、春节：2月10日至17日放假调休，共8天。2月4日（星期日）、2月18日（星期日）上班。"
            "鼓励各单位结合带薪年休假等制度落实，安排职工在除夕（2月9日）休息。\n")
    parsed = parse_notice(text)
    assert D(2024, 2, 9) not in parsed.days()
    assert parsed.rest_days() == {D(2024, 2, d) for d in range(10, 18)}
    assert [w.day for w in parsed.workdays] == [D(2024, 2, 4), D(2024, 2, 18)]


@pytest.mark.parametrize(("line", "expected_line", "fragment"), [
    ("二、春节：2月15日（周一）至23日（农历正月初七、周一）放假调休，共9天。", 3, "2月15日是周日，通知写的是周一"),
    ("二、春节：2月15日至23日放假调休，共8天。", 3, "共9天，通知写的是共8天"),
    ("二、春节：2月30日至3月3日放假调休。", 3, "日期不存在"),
    ("二、春节：放假调休，共9天。", 3, "没有识别到放假日期"),
    ("二、春节：2月15日至23日放假。2月17日（周二）上班。", 3, "既是放假日又是上班日"),
    ("二、春节：2月15日至23日放假。2月24日（周二）上班。", 3, "调休上班日应为周六或周日"),
    ("二、圣诞节：12月25日放假。", 3, "不是全国年节及纪念日放假办法规定的节日"),
    ("二、春节：2月14日（周六）上班。", 3, "没有“放假”的日期"),
])
def test_a_malformed_notice_is_refused_with_the_line_number_of_each_problem(line, expected_line, fragment):
    text = "国务院办公厅关于2026年部分节假日安排的通知\n一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。\n" + line
    with pytest.raises(CalendarNoticeInvalid) as e:
        parse_notice(text)
    assert e.value.code == "calendar_notice_invalid" and e.value.http_status == 422
    assert e.value.errors["lines"] == [expected_line]
    assert any(m.startswith(f"第{expected_line}行：") and fragment in m for m in e.value.errors["text"]), e.value.errors
    assert "未作任何更改" in e.value.message


def test_every_problem_of_a_notice_is_reported_not_only_the_first():
    text = ("国务院办公厅关于2026年部分节假日安排的通知\n"
            "一、元旦：1月1日（周五）放假。\n"
            "二、春节：2月15日至23日放假调休，共10天。\n")
    with pytest.raises(CalendarNoticeInvalid) as e:
        parse_notice(text)
    assert e.value.errors["lines"] == [2, 3]


def test_a_notice_without_its_title_is_refused_because_its_year_is_unknown():
    with pytest.raises(CalendarNoticeInvalid, match="无法确定年度"):
        parse_notice("一、元旦：1月1日放假。")


# --- YAML and XLSX with the same data --------------------------------------------------------------------------


def test_yaml_with_the_2026_data_gives_the_same_calendar_as_the_notice():
    text = """
year: 2026
source: 国办发明电〔2025〕7号
holidays:
  - {name: 元旦, start: 2026-01-01, end: 2026-01-03}
  - {name: 春节, start: 2026-02-15, end: 2026-02-23}
  - {name: 清明节, start: 2026-04-04, end: 2026-04-06}
  - {name: 劳动节, start: 2026-05-01, end: 2026-05-05}
  - {name: 端午节, start: 2026-06-19, end: 2026-06-21}
  - {name: 中秋节, start: 2026-09-25, end: 2026-09-27}
  - {name: 国庆节, start: 2026-10-01, end: 2026-10-07}
workdays: [2026-01-04, 2026-02-14, 2026-02-28, 2026-05-09, 2026-09-20, 2026-10-10]
"""
    from_yaml = parse_yaml(text)
    assert from_yaml.days() == parse_notice(notice("notice_2026.txt")).days()
    assert from_yaml.digest() == parse_notice(notice("notice_2026.txt")).digest()


def test_xlsx_rows_are_read_and_a_bad_row_is_named_by_its_row_number():
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["开始日期", "结束日期", "类型", "名称"])
    ws.append([D(2026, 2, 15), D(2026, 2, 23), "放假", "春节"])
    ws.append([D(2026, 2, 14), None, "上班", "春节"])
    ws.append([D(2026, 2, 28), None, "上班", "春节"])
    buf = io.BytesIO()
    wb.save(buf)
    parsed = parse_xlsx(buf.getvalue())
    assert parsed.year == 2026 and len(parsed.rest_days()) == 9 and len(parsed.workdays) == 2
    ws.append(["2026-13-01", None, "上班", "春节"])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(CalendarNoticeInvalid) as e:
        parse_xlsx(buf.getvalue())
    assert e.value.errors["lines"] == [5]
