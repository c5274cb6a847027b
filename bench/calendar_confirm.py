"""Confirming a year's holiday notice: recounting every provisional deadline, against the floor of writing the
same number of trail entries and events.

    .venv/bin/python bench/calendar_confirm.py --backend sqlite --rows 5000
    .venv/bin/python bench/calendar_confirm.py --backend postgres --rows 20000 --repeat 5

`--rows` open decision deadlines (over `--cases` cases, started 2026-11-01 … 2026-12-31) are counted
provisionally on 2027. Each repeat runs two variants, interleaved:

- floor: `record_many` of `--rows` deadline.rescheduled acts in one transaction — the trail entries and
  outbox rows a confirmation must write anyway;
- confirm: `calendar_years.confirm_year` with the 2027 example notice — stores the year, selects and locks the
  provisional rows, recounts each on the loaded calendar, and writes the same trail entries and events.

Between repeats the year is removed and the rows are made provisional again (not timed). Reported: the
median of each and the ratio confirm / floor. No budget is set; nothing is asserted.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))  # the project before bench/ (bench/events.py is not the events package)

from _common import base_parser, emit, environment, log, now, scratch_db, seeded_sessions  # noqa: E402
from deadline_sweep import plant_cases  # noqa: E402
from sqlalchemy import delete, insert, select, update  # noqa: E402

sys.path.insert(0, str(HERE.parent))  # again: importing deadline_sweep put bench/ first

NOTICE = (HERE.parent / "tests" / "fixtures" / "calendar" / "notice_2027_example.txt").read_text(encoding="utf-8")
STARTS = [dt.date(2026, 11, 1) + dt.timedelta(days=i) for i in range(61)]


def plant(factory, agency_id: int, case_ids: list[int], n: int) -> None:
    from casebook.db.models import Deadline, utcnow

    t = utcnow()
    rows = [{"case_id": case_ids[i % len(case_ids)], "agency_id": agency_id, "kind": "decision", "ref": f"c{i}",
             "unit": "calendar", "length": 90, "starts_on": STARTS[i % len(STARTS)], "extended_days": 0,
             "paused_days": 0, "basis": "行政处罚法第六十条", "status": "open", "meta": {"opts": {}},
             "created_at": t, "updated_at": t} for i in range(n)]
    with factory() as s, s.begin():
        for i in range(0, n, 10000):
            s.execute(insert(Deadline), rows[i:i + 10000])


def make_provisional(factory) -> None:
    """Remove 2027 and give every row its provisional dates again (as planning would)."""
    from casebook.calendar import WorkingDayCalendar
    from casebook.db.models import CalendarOverride, CalendarYear, Deadline
    from casebook.domain import deadlines as dl
    from casebook.services import calendar as cal_svc

    prov = WorkingDayCalendar().provisional()
    with factory() as s, s.begin():
        s.execute(delete(CalendarOverride).where(CalendarOverride.day.between(dt.date(2027, 1, 1), dt.date(2027, 12, 31))))
        s.execute(delete(CalendarYear).where(CalendarYear.year == 2027))
        for start in STARTS:
            due = dl.due_for("decision", start, prov, warn_days=13)
            s.execute(update(Deadline).where(Deadline.starts_on == start).values(
                due_on=due.due_on, due_at=due.due_at, warn_on=due.warn_on, warn_at=due.warn_at,
                calendar_missing_year=2027, status="open"))
    cal_svc.invalidate()


def floor(factory, actor, n: int) -> float:
    from casebook.db.models import Deadline
    from casebook.services.recording import Act, record_many

    with factory() as s, s.begin():
        rows = s.execute(select(Deadline.id, Deadline.case_id, Deadline.agency_id, Deadline.due_on)).all()
        t0 = now()
        acts = []
        for r in rows[:n]:
            p = {"deadline_id": r.id, "kind": "decision", "label": "作出处理决定期限", "ref": "", "case_no": None,
                 "basis": "行政处罚法第六十条", "starts_on": "2026-11-01", "due_on": r.due_on.isoformat(), "due_at": None,
                 "warn_on": None, "previous_due_on": r.due_on.isoformat(), "previous_warn_on": None,
                 "provisional": False, "calendar_missing_year": None, "provisional_year": 2027, "changed": False}
            acts.append(Act("deadline.rescheduled", p, r.case_id, r.agency_id, [("deadline.rescheduled", p)]))
        record_many(s, actor, acts)
        return now() - t0


def confirm(factory, actor, settings) -> tuple[float, int]:
    from casebook.calendar.notice import parse_notice
    from casebook.services import calendar_years

    notice = parse_notice(NOTICE)
    with factory() as s, s.begin():
        t0 = now()
        out = calendar_years.confirm_year(s, actor, notice, notice.digest(), settings)
        return now() - t0, len(out["rescheduled"])


def main() -> None:
    p = base_parser(__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=5000)
    p.add_argument("--cases", type=int, default=2000)
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()

    from casebook.config import Settings
    from casebook.db.models import User
    from casebook.services.context import actor_for

    result = {"bench": "calendar_confirm", "backend": args.backend, "env": environment(), "rows": args.rows}
    with scratch_db(args.backend, "calendar", keep=args.keep) as db:
        engine, factory = seeded_sessions(db.url)
        settings = Settings.from_env(database_url=db.url, data_dir=db.data_dir)
        agency_id, case_ids = plant_cases(factory, args.cases)
        plant(factory, agency_id, case_ids, args.rows)
        with factory() as s:
            actor = actor_for(s, s.execute(select(User).where(User.username == "admin")).scalar_one())
        floors, confirms = [], []
        for rep in range(args.repeat):
            make_provisional(factory)
            floors.append(floor(factory, actor, args.rows))
            make_provisional(factory)
            took, n = confirm(factory, actor, settings)
            assert n == args.rows, (n, args.rows)
            confirms.append(took)
            log(f"rep {rep + 1}: floor {floors[-1]:.3f} s, confirm {took:.3f} s")
        engine.dispose()
    f, c = statistics.median(floors), statistics.median(confirms)
    result.update({"floor_s_median": round(f, 3), "confirm_s_median": round(c, 3), "ratio": round(c / f, 2),
                   "floor_s": [round(x, 3) for x in floors], "confirm_s": [round(x, 3) for x in confirms]})
    emit(result)


if __name__ == "__main__":
    main()
