"""A year's holidays and make-up workdays, read from the 国务院办公厅 notice (or YAML / XLSX with the same data).

The notice (国务院办公厅关于YYYY年部分节假日安排的通知) lists one numbered item per holiday::

    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。

A sentence with 「放假」 gives the rest days (one day or a range, 「共N天」 checked when stated); a sentence
ending in 「上班」 lists the 调休 make-up workdays. Other sentences (「鼓励各单位……安排职工在除夕休息」) are
not rest days and are ignored. The weekday in brackets is checked against the date, so a mistyped day is
caught before anything is stored. Every problem is reported with its line number; nothing is half-read.

Pure Python: no database. ``casebook.services.calendar`` previews and stores the result.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from casebook.calendar.statutory import statutory_rest_days
from casebook.domain.errors import ValidationFailed

__all__ = ["CalendarNoticeInvalid", "Holiday", "Workday", "YearCalendar", "parse_notice", "parse_xlsx",
           "parse_yaml"]

HOLIDAY_NAMES = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
_WEEKDAYS = "一二三四五六日"
_NUMERALS = "一二三四五六七八九十"

_TITLE = re.compile(r"国务院办公厅关于\s*(\d{4})\s*年部分节假日安排的通知")
_DOC_NO = re.compile(r"国办发(?:明电)?〔\d{4}〕\d+号")
_ITEM = re.compile(rf"^\s*[{_NUMERALS}]+\s*[、.．]\s*(?P<names>[^：:]+?)\s*[：:]\s*(?P<body>.*)$")
_DATE = r"(?:(?P<{p}y>\d{{4}})年)?(?P<{p}m>\d{{1,2}})月(?P<{p}d>\d{{1,2}})日(?:[（(](?P<{p}note>[^）)]*)[）)])?"
_RANGE = re.compile(_DATE.format(p="a") + r"(?:\s*(?:至|—|-|－|~)\s*(?:(?P<by>\d{4})年)?(?:(?P<bm>\d{1,2})月)?"
                    r"(?P<bd>\d{1,2})日(?:[（(](?P<bnote>[^）)]*)[）)])?)?")
_ONE_DATE = re.compile(_DATE.format(p="a"))
_TOTAL = re.compile(r"共\s*(\d+)\s*天")
_WEEKDAY_NOTE = re.compile(r"(?:周|星期)([一二三四五六日天])")


class CalendarNoticeInvalid(ValidationFailed):
    """The pasted notice or file cannot be read as a year's calendar; every problem with its line number."""

    code = "calendar_notice_invalid"

    def __init__(self, problems: list[tuple[int | None, str]]):
        lines = [f"第{n}行：{m}" if n else m for n, m in problems]
        super().__init__("节假日安排无法识别，未作任何更改：" + "；".join(lines[:5]) + ("……" if len(lines) > 5 else ""),
                         errors={"text": lines, "lines": sorted({n for n, _ in problems if n})})
        self.problems = problems


@dataclass(frozen=True)
class Holiday:
    name: str
    start: dt.date
    end: dt.date
    line: int | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(self.days)]


@dataclass(frozen=True)
class Workday:
    day: dt.date
    name: str
    line: int | None = None


@dataclass(frozen=True)
class YearCalendar:
    """A year's rest days and make-up workdays as published: what an administrator confirms and stores."""

    year: int
    source: str
    holidays: tuple[Holiday, ...]
    workdays: tuple[Workday, ...]
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def days(self) -> dict[dt.date, bool]:
        """Every day the notice sets: False a rest day, True a make-up workday."""
        out: dict[dt.date, bool] = {}
        for h in self.holidays:
            for d in h.dates():
                out[d] = False
        for w in self.workdays:
            out[w.day] = True
        return out

    def rest_days(self) -> set[dt.date]:
        return {d for d, working in self.days().items() if not working}

    def notes(self) -> dict[dt.date, str]:
        out = {d: f"{h.name}放假" for h in self.holidays for d in h.dates()}
        out.update({w.day: f"{w.name}调休上班" for w in self.workdays})
        return out

    def digest(self) -> str:
        """A fingerprint of what is stored: the confirmation must name the preview it confirms."""
        body = json.dumps({"year": self.year, "days": sorted((d.isoformat(), w) for d, w in self.days().items())},
                          ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(body.encode()).hexdigest()[:16]

    def as_dict(self) -> dict:
        months: dict[int, dict[str, list[int]]] = {}
        for d, working in sorted(self.days().items()):
            if d.year != self.year:
                continue
            m = months.setdefault(d.month, {"rest": [], "work": []})
            (m["work"] if working else m["rest"]).append(d.day)
        return {
            "year": self.year, "source": self.source, "digest": self.digest(),
            "holidays": [{"name": h.name, "start": h.start.isoformat(), "end": h.end.isoformat(), "days": h.days}
                         for h in self.holidays],
            "workdays": [{"day": w.day.isoformat(), "name": w.name, "weekday": "周" + _WEEKDAYS[w.day.weekday()]}
                         for w in self.workdays],
            "calendar": [{"month": m, "rest_days": v["rest"], "make_up_workdays": v["work"]}
                         for m, v in sorted(months.items())],
            "rest_day_count": len(self.rest_days()),
            "warnings": list(self.warnings),
        }


def _date(problems: list, line: int | None, year: int, m: str | int, d: str | int) -> dt.date | None:
    try:
        return dt.date(int(year), int(m), int(d))
    except ValueError:
        problems.append((line, f"日期不存在：{year}年{m}月{d}日"))
        return None


def _check_weekday(problems: list, line: int | None, day: dt.date | None, note: str | None) -> None:
    if day is None or not note:
        return
    found = _WEEKDAY_NOTE.search(note)
    if found:
        said = "日" if found.group(1) == "天" else found.group(1)
        actual = _WEEKDAYS[day.weekday()]
        if said != actual:
            problems.append((line, f"{day.month}月{day.day}日是周{actual}，通知写的是周{said}，请核对日期"))


def _finish(year: int, source: str, holidays: list[Holiday], workdays: list[Workday],
            problems: list[tuple[int | None, str]]) -> YearCalendar:
    """Cross-check the days read, then return the year or raise with every problem found."""
    if not 2000 <= year <= 2100:
        raise CalendarNoticeInvalid([(None, f"年份须在2000至2100之间，收到的是{year}")])
    if not holidays and not problems:
        problems.append((None, "没有识别到任何放假安排"))
    rest: dict[dt.date, Holiday] = {}
    for h in holidays:
        for d in h.dates():
            if d in rest:
                problems.append((h.line, f"{d.month}月{d.day}日同时出现在“{rest[d].name}”和“{h.name}”的放假安排中"))
            rest[d] = h
    seen: set[dt.date] = set()
    for w in workdays:
        if w.day in rest:
            problems.append((w.line, f"{w.day.month}月{w.day.day}日既是放假日又是上班日"))
        if w.day.weekday() < 5:
            problems.append((w.line, f"{w.day.month}月{w.day.day}日是周{_WEEKDAYS[w.day.weekday()]}，调休上班日应为周六或周日"))
        if w.day in seen:
            problems.append((w.line, f"{w.day.month}月{w.day.day}日上班重复列出"))
        seen.add(w.day)
        if abs(w.day.year - year) > 1:
            problems.append((w.line, f"上班日{w.day.isoformat()}不在{year}年"))
    if problems:
        raise CalendarNoticeInvalid(sorted(problems, key=lambda p: (p[0] or 0)))
    warnings = []
    for d, name in sorted(statutory_rest_days(year).items()):
        if "补假" not in name and d not in rest:
            warnings.append(f"法定节假日{name}（{d.month}月{d.day}日）未在放假安排中，请核对")
    return YearCalendar(year, source, tuple(sorted(holidays, key=lambda h: h.start)),
                        tuple(sorted(workdays, key=lambda w: w.day)), tuple(warnings))


def _names(raw: str, line: int, problems: list) -> str:
    names = [n.strip() for n in re.split(r"[、,，和及]", raw) if n.strip()]
    for n in names:
        if n not in HOLIDAY_NAMES:
            problems.append((line, f"“{n}”不是全国年节及纪念日放假办法规定的节日（应为{'、'.join(HOLIDAY_NAMES)}）"))
    return "、".join(names)


def parse_notice(text: str, *, year: int | None = None) -> YearCalendar:
    """Read the State Council notice text into a year's calendar; raise CalendarNoticeInvalid with line numbers."""
    problems: list[tuple[int | None, str]] = []
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    title = _TITLE.search(text or "")
    if title is None and year is None:
        raise CalendarNoticeInvalid([(None, "未找到通知标题“国务院办公厅关于YYYY年部分节假日安排的通知”，无法确定年度")])
    notice_year = int(title.group(1)) if title else int(year)
    if year is not None and int(year) != notice_year:
        raise CalendarNoticeInvalid([(None, f"通知是{notice_year}年的安排，不是{year}年")])
    doc_no = _DOC_NO.search(text or "")
    source = doc_no.group(0) if doc_no else f"国务院办公厅关于{notice_year}年部分节假日安排的通知"
    holidays: list[Holiday] = []
    workdays: list[Workday] = []
    for no, raw in enumerate(lines, start=1):
        item = _ITEM.match(raw.strip().replace(" ", ""))
        if item is None:
            continue
        names = _names(item.group("names"), no, problems)
        sentences = [x for x in re.split(r"[。；;]", item.group("body")) if x.strip()]
        found_rest = False
        for sentence in sentences:
            if "放假" in sentence:
                found_rest = True
                _rest_sentence(sentence, no, notice_year, names, holidays, problems)
            elif sentence.rstrip().endswith("上班"):
                dates = list(_ONE_DATE.finditer(sentence))
                if not dates:
                    problems.append((no, f"“{sentence}”中没有识别到上班日期"))
                for m in dates:
                    d = _date(problems, no, int(m.group("ay") or notice_year), m.group("am"), m.group("ad"))
                    _check_weekday(problems, no, d, m.group("anote"))
                    if d is not None:
                        workdays.append(Workday(d, names, no))
        if not found_rest:
            problems.append((no, f"“{names}”一项没有“放假”的日期"))
    return _finish(notice_year, source, holidays, workdays, problems)


def _rest_sentence(sentence: str, no: int, year: int, names: str, holidays: list[Holiday], problems: list) -> None:
    m = _RANGE.search(sentence)
    if m is None:
        problems.append((no, f"“{sentence}”中没有识别到放假日期（应为“M月D日至M月D日放假”或“M月D日放假”）"))
        return
    start = _date(problems, no, int(m.group("ay") or year), m.group("am"), m.group("ad"))
    _check_weekday(problems, no, start, m.group("anote"))
    if m.group("bd") is None:
        end = start
    else:
        end_year = int(m.group("by") or (start.year if start else year))
        end = _date(problems, no, end_year, m.group("bm") or m.group("am"), m.group("bd"))
        _check_weekday(problems, no, end, m.group("bnote"))
    if start is None or end is None:
        return
    if end < start:
        problems.append((no, f"放假结束日{end.isoformat()}早于开始日{start.isoformat()}"))
        return
    h = Holiday(names, start, end, no)
    total = _TOTAL.search(sentence)
    if total and int(total.group(1)) != h.days:
        problems.append((no, f"{start.month}月{start.day}日至{end.month}月{end.day}日共{h.days}天，通知写的是共{total.group(1)}天"))
        return
    if h.days > 15:
        problems.append((no, f"放假{h.days}天，超出合理范围，请核对日期"))
        return
    holidays.append(h)


# --- YAML and XLSX: the same data, for an administrator who keeps it in a file ---------------------------------


def _from_rows(year: int, source: str, rows: Iterable[tuple[int | None, object, object, str, str]]) -> YearCalendar:
    """Rows of (line, start, end or None, kind '放假'/'上班', name)."""
    problems: list[tuple[int | None, str]] = []
    holidays: list[Holiday] = []
    workdays: list[Workday] = []
    for line, start, end, kind, name in rows:
        s, e = _as_date(start, line, problems), _as_date(end or start, line, problems)
        if s is None or e is None:
            continue
        if kind in ("放假", "rest", "holiday"):
            if name not in HOLIDAY_NAMES and not all(n in HOLIDAY_NAMES for n in name.split("、")):
                problems.append((line, f"“{name}”不是法定节日名称（应为{'、'.join(HOLIDAY_NAMES)}）"))
                continue
            if e < s:
                problems.append((line, f"放假结束日{e.isoformat()}早于开始日{s.isoformat()}"))
                continue
            holidays.append(Holiday(name, s, e, line))
        elif kind in ("上班", "work", "workday"):
            workdays.append(Workday(s, name, line))
        else:
            problems.append((line, f"类型应为“放假”或“上班”，收到的是“{kind}”"))
    return _finish(year, source, holidays, workdays, problems)


def _as_date(v: object, line: int | None, problems: list) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v).strip())
    except ValueError:
        problems.append((line, f"日期格式应为 YYYY-MM-DD，收到的是“{v}”"))
        return None


def parse_yaml(text: str) -> YearCalendar:
    """year: 2027 / source: … / holidays: [{name, start, end}] / workdays: [{day, name}]"""
    import yaml

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise CalendarNoticeInvalid([((mark.line + 1) if mark else None, "YAML 格式错误")]) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("year"), int):
        raise CalendarNoticeInvalid([(None, "YAML 须包含整数 year，以及 holidays、workdays 列表")])
    rows = []
    for i, h in enumerate(doc.get("holidays") or [], start=1):
        if not isinstance(h, dict) or "start" not in h:
            raise CalendarNoticeInvalid([(None, f"holidays 第{i}项须有 name、start（可选 end）")])
        rows.append((None, h["start"], h.get("end"), "放假", str(h.get("name", ""))))
    for w in doc.get("workdays") or []:
        day, name = (w.get("day"), str(w.get("name", ""))) if isinstance(w, dict) else (w, "")
        rows.append((None, day, None, "上班", name))
    return _from_rows(doc["year"], str(doc.get("source") or f"{doc['year']}年节假日安排（YAML）"), rows)


def parse_xlsx(data: bytes, *, year: int | None = None, source: str | None = None) -> YearCalendar:
    """One sheet: 开始日期 | 结束日期 | 类型（放假/上班） | 名称, a header row first; row numbers are reported."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 — any unreadable workbook is the same answer to the administrator
        raise CalendarNoticeInvalid([(None, "无法读取 XLSX 文件")]) from None
    ws = wb.worksheets[0]
    rows = []
    for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if n == 1 or not row or all(c is None for c in row):
            continue
        cells = list(row) + [None] * 4
        rows.append((n, cells[0], cells[1], str(cells[2] or "").strip(), str(cells[3] or "").strip()))
    if year is None:
        starts = [r[1] for r in rows if isinstance(r[1], dt.date)]
        if not starts:
            raise CalendarNoticeInvalid([(None, "XLSX 中没有日期行")])
        year = max(set(d.year for d in starts), key=[d.year for d in starts].count)
    return _from_rows(year, source or f"{year}年节假日安排（XLSX）", rows)
