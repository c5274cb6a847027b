"""Legal deadlines of cases: plan, settle, cancel, pause, extend and list them; and the sweep that fires them.

Deadlines are rows, not jobs (docs/decisions.md). Every change to a deadline is a trailed act (``record``),
by the system unless an actor is given. The sweep claims due rows and writes their trail entries and
events in one transaction — ``SELECT … FOR UPDATE SKIP LOCKED`` then ``UPDATE … RETURNING`` on
PostgreSQL, the same under SQLite's single writer lock (BEGIN IMMEDIATE) — so two schedulers at once,
or one that was down for an hour, still fire each warning and each miss exactly once.

Public API for other workflows (legal review, referral …)::

    plan(s, case, kind, *, start, ref=None, actor=SYSTEM, **opts) -> Deadline
    settle(s, case, kind, *, ref=None, on=None, at=None, actor=SYSTEM, note=None) -> Deadline | None
    cancel(s, case, kind=None, *, ref=None, reason="", actor=SYSTEM, keep=()) -> list[Deadline]
    extend(s, case, kind, days, reason, *, ref=None, actor=SYSTEM) -> Deadline
    pause_case(s, case, on, *, actor=SYSTEM) / resume_case(s, case, on, *, actor=SYSTEM)
    live(s, case, kind, *, ref=None) -> Deadline | None
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    and_,
    any_,
    bindparam,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy import case as sql_case
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, sessionmaker

from casebook.calendar.statutory import provisional_note
from casebook.config import Settings, process_settings
from casebook.db.engine import session_settings
from casebook.db.models import Agency, Case, CaseOfficer, Deadline, utcnow
from casebook.domain import deadlines as dl
from casebook.domain.errors import CalendarDataMissing, Conflict, NotFound, ValidationFailed

from .calendar import get_calendar
from .context import SYSTEM, Actor, deny, local_today
from .recording import Act, record, record_many

log = logging.getLogger("casebook.deadlines")

LIVE = ("open", "missed")
# After 结案 or 归档 these still bind the agency: publication of the decision and its withdrawal.
SURVIVES_CLOSURE = frozenset({"publication", "withdrawal"})
OPTIONS = frozenset({"days", "warn_days", "counting", "penalty", "extended", "fine"})
ALIASES = {"working_days": "days"}  # plan(…, working_days=n) for a working-day kind reads as days=n
_T = Deadline.__table__
OPEN_UNPAUSED = "status = 'open' AND paused_since IS NULL"  # the exact predicates of the partial indexes
WARN_PENDING = OPEN_UNPAUSED + " AND warned_at IS NULL"
CALENDAR_PENDING = "status = 'open' AND calendar_missing_year IS NOT NULL"
_WINDOWS = sorted(code for code, k in dl.KINDS.items() if k.window)  # closing unused is 'expired', not 'missed'


# --- configuration ----------------------------------------------------------------------------------------

def _settings(s: Session | None = None) -> Settings:
    """The settings of the session's unit of work (handed in by whoever built the sessions)."""
    return session_settings(s)


def _margin(settings: Settings | None) -> int:
    """The provisional warning margin of the settings passed in (the configured defaults when none are)."""
    return (settings or process_settings()).provisional_margin_days


def warn_overrides(spec: str) -> dict[str, int]:
    """Parse CASEBOOK_DEADLINE_WARN_DAYS ("decision=10,filing=3") into per-kind warning leads."""
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in (spec or "").split(","))):
        name, _, value = part.partition("=")
        dl.kind(name.strip())
        out[name.strip()] = int(value)
    return out


# --- helpers ----------------------------------------------------------------------------------------------


def _case(s: Session, case: Case | int) -> Case:
    if isinstance(case, Case):
        return case
    found = s.get(Case, case)
    if found is None:
        raise NotFound("案件不存在", code="case_not_found")
    return found


def _ref(ref: Any) -> str:
    return "" if ref is None else str(ref)[:64]


def _iso(v: dt.date | dt.datetime | None) -> str | None:
    if v is None:
        return None
    if isinstance(v, dt.datetime) and v.tzinfo is not dt.UTC:
        v = v.astimezone(dt.UTC)
    return v.isoformat()


def _payload(d, case_no: str | None) -> dict:
    """The event payload of a deadline (a Deadline or a RETURNING row)."""
    return {"deadline_id": d.id, "kind": d.kind, "label": dl.KINDS[d.kind].label, "ref": d.ref, "case_no": case_no,
            "basis": d.basis, "starts_on": _iso(d.starts_on), "due_on": _iso(d.due_on), "due_at": _iso(d.due_at)}


def is_provisional(d) -> bool:
    """A due date counted on a year without the State Council notice: shown, listed and warned, but provisional."""
    return d.calendar_missing_year is not None and d.due_on is not None


def _trail(s: Session, actor: Actor, case: Case, action: str, d: Deadline, **extra: Any) -> None:
    body = {**_payload(d, case.case_no), "status": d.status, "warn_on": _iso(d.warn_on),
            "extended_days": d.extended_days, "paused_days": d.paused_days, **extra}
    if d.calendar_missing_year:
        body["calendar_missing_year"] = d.calendar_missing_year
        body["provisional"] = is_provisional(d)
    record(s, actor, action, body, case=case)


def _options(s: Session, case: Case, k: dl.DeadlineKind, opts: dict, settings: Settings | None = None) -> dict:
    for alias, name in ALIASES.items():
        if alias in opts:
            if k.unit != "working":
                raise TypeError(f"{alias} is only for working-day kinds, not {k.code}")
            value = opts.pop(alias)
            opts.setdefault(name, value)
    unknown = set(opts) - OPTIONS
    if unknown:
        raise TypeError(f"unknown deadline options: {sorted(unknown)}")
    cfg = settings or _settings(s)
    out = {key: (str(v) if isinstance(v, Decimal) else v) for key, v in opts.items() if v is not None}
    if k.code in dl.REFERRAL_DAY_KINDS:
        out.setdefault("counting", cfg.referral_day_counting)
    if k.code == "legal_review" and "days" not in out:
        agency = s.get(Agency, case.agency_id)
        out["days"] = getattr(agency, "review_limit_days", None) or cfg.legal_review_days
    if "warn_days" not in out:
        lead = warn_overrides(cfg.deadline_warn_days).get(k.code)
        if lead is not None:
            out["warn_days"] = lead
    dl.base_length(k, **out)  # refuse a bad configured length now, not at the sweep
    dl.unit_for(k, **out)
    return out


def _compute(d: Deadline, cal, now: dt.datetime, margin: int | None = None) -> bool:
    """Set the due and warning dates from the row's start, options, extensions and pauses.

    Returns False when the calendar lacks a year: the dates are then counted on the provisional calendar
    (weekends, the statutory holidays and their 补假; casebook.calendar.statutory), the missing year is
    noted, and the warning comes `margin` working days earlier than usual (CASEBOOK_PROVISIONAL_MARGIN_DAYS)
    so late 调休 data cannot make anyone miss the deadline. The sweep surfaces the year once
    (deadline.calendar_missing); loading it recomputes the row (deadline.rescheduled).
    """
    opts = dict((d.meta or {}).get("opts") or {})
    start = d.start_at if d.start_at is not None else d.starts_on
    provisional_year = None
    try:
        due = dl.due_for(d.kind, start, cal, extended_days=d.extended_days, paused_days=d.paused_days, **opts)
    except CalendarDataMissing as e:
        provisional_year = e.year
        k = dl.KINDS[d.kind]
        lead = k.warn_days if opts.get("warn_days") is None else int(opts["warn_days"])
        margin = _margin(None) if margin is None else margin
        if lead and k.unit != "hours":
            opts["warn_days"] = lead + max(int(margin), 0)
        # A period the law gives the party (陈述申辩、听证申请) is lengthened by the guards' margin, as the guard that
        # refuses a late request counts it (lifecycle.party_window_end: never shorter than 行政处罚法 第八十五条
        # gives); the row would otherwise show the window closed while the guard still accepts the request.
        party = 0
        if k.duty == "party" and dl.unit_for(k, **opts) == "working":
            from casebook.domain.lifecycle import PROVISIONAL_MARGIN

            party = PROVISIONAL_MARGIN
        due = dl.due_for(d.kind, start, cal.provisional(), extended_days=d.extended_days + party,
                         paused_days=d.paused_days, **opts)
    if provisional_year is None:
        d.calendar_missing_year = d.calendar_flagged_at = None
    elif d.calendar_missing_year != provisional_year:
        d.calendar_missing_year, d.calendar_flagged_at = provisional_year, None
    d.due_on, d.due_at, d.warn_on, d.warn_at = due.due_on, due.due_at, due.warn_on, due.warn_at
    meta = {**(d.meta or {}), "counting": due.counting}
    if provisional_year is None:
        meta.pop("provisional_note", None)
    else:
        meta["provisional_note"] = provisional_note(provisional_year)
    d.meta = meta
    # A later due date reopens a missed deadline and re-arms its warning.
    if d.status == "missed" and d.due_at > now:
        d.status, d.missed_at = "open", None
    if d.warned_at is not None and d.warn_at is not None and d.warn_at > now:
        d.warned_at = None
    return provisional_year is None


def live(s: Session, case: Case | int, kind: str, *, ref: Any = None, lock: bool = True) -> Deadline | None:
    """Return the open or missed deadline of this kind (and ref) of a case, if any."""
    case_id = case.id if isinstance(case, Case) else case
    q = select(Deadline).where(Deadline.case_id == case_id, Deadline.kind == kind, Deadline.ref == _ref(ref),
                               Deadline.status.in_(LIVE))
    if lock:
        q = q.with_for_update()
    return s.execute(q).scalar_one_or_none()


# --- planning and settling ---------------------------------------------------------------------------------


def plan(s: Session, case: Case | int, kind: str, *, start: dt.date | dt.datetime, ref: Any = None,
         actor: Actor = SYSTEM, settings: Settings | None = None, **opts: Any) -> Deadline:
    """Plan a deadline of `kind` running from `start` (idempotent; a new start re-plans the live one).

    Options: days (a configured length), warn_days, counting ('calendar'/'working', 310号 kinds),
    penalty (publication: False for other decisions), extended (limitation: five years), fine (payment).
    A due date in a year without calendar data is counted provisionally (statutory holidays, an earlier
    warning by ``settings.provisional_margin_days``), surfaced by the sweep and recounted when the year is loaded.
    """
    k = dl.kind(kind)
    settings = settings or _settings(s)
    case = _case(s, case)
    ref = _ref(ref)
    now = utcnow()
    options = _options(s, case, k, opts, settings)
    if k.unit == "hours":
        start_at = start if isinstance(start, dt.datetime) else dl.local_midnight(start)
        if start_at.tzinfo is None:
            raise ValueError("hour-counted deadlines need an aware datetime")
        start_at = start_at.astimezone(dt.UTC)
        starts_on = dl.local_date(start_at)
    else:
        start_at = None
        starts_on = dl.local_date(start) if isinstance(start, dt.datetime) else start
    existing = live(s, case, kind, ref=ref)
    if existing is not None:
        same = (existing.starts_on == starts_on and existing.start_at == start_at
                and (existing.meta or {}).get("opts") == options)
        if same:
            return existing
        existing.starts_on, existing.start_at = starts_on, start_at
        # the options may change the length or the counting (a limitation's five years, an agency's review limit):
        # the row says what it counts, as a new one would
        existing.unit, existing.length = dl.unit_for(k, **options), dl.base_length(k, **options)
        existing.meta = {**(existing.meta or {}), "opts": options}
        existing.updated_at = now
        _compute(existing, get_calendar(s), now, _margin(settings))
        s.flush()
        _trail(s, actor, case, "deadline.replanned", existing)
        return existing
    d = Deadline(case_id=case.id, agency_id=case.agency_id, kind=kind, ref=ref, unit=dl.unit_for(k, **options),
                 length=dl.base_length(k, **options), starts_on=starts_on, start_at=start_at, extended_days=0,
                 paused_days=0, basis=k.basis, status="open", meta={"opts": options}, created_at=now, updated_at=now)
    _compute(d, get_calendar(s), now, _margin(settings))
    s.add(d)
    s.flush()
    _trail(s, actor, case, "deadline.planned", d, counting=(d.meta or {}).get("counting"))
    return d


def settle(s: Session, case: Case | int, kind: str, *, ref: Any = None, on: dt.date | None = None,
           at: dt.datetime | None = None, actor: Actor = SYSTEM, note: str | None = None) -> Deadline | None:
    """Mark the live deadline met on `on` (today by default), or at the instant `at`. None if none is live.

    Late is decided in the deadline's own unit: an hour-counted deadline (国务院令第310号 第五条: transfer within
    24 hours of the approval) met at an instant is late if that instant is after its due instant — a transfer
    35 hours after the approval is late even on the due date; a day-counted one is late if met after its due date.
    `at` is also kept as the instant it was met (met_at); without it, met_at is when it was recorded.
    """
    case = _case(s, case)
    d = live(s, case, kind, ref=ref)
    if d is None:
        return None
    now = utcnow()
    if at is not None:
        if at.tzinfo is None:
            raise ValueError("settle(at=…) needs an aware datetime")
        at = at.astimezone(dt.UTC)
        on = on or dl.local_date(at)
    on = on or local_today()
    d.status, d.met_on, d.met_at, d.updated_at = "met", on, at or now, now
    late = dl.met_late(d.unit, d.due_on, on, d.due_at, d.met_at)
    extra: dict[str, Any] = {"met_on": on.isoformat(), "late": late}
    if at is not None:
        extra["met_at"] = _iso(at)
    if note:
        extra["note"] = note
    _trail(s, actor, case, "deadline.met", d, **extra)
    return d


def cancel(s: Session, case: Case | int, kind: str | None = None, *, ref: Any = None, reason: str = "",
           actor: Actor = SYSTEM, keep: Iterable[str] = ()) -> list[Deadline]:
    """Cancel the live deadline of `kind` (and ref), or every live deadline of the case but the kinds in `keep`."""
    case = _case(s, case)
    q = select(Deadline).where(Deadline.case_id == case.id, Deadline.status.in_(LIVE))
    if kind is not None:
        q = q.where(Deadline.kind == kind, Deadline.ref == _ref(ref))
    keep = frozenset(keep)
    rows = [d for d in s.execute(q.order_by(Deadline.id).with_for_update()).scalars() if d.kind not in keep]
    now = utcnow()
    for d in rows:
        d.status, d.cancelled_at, d.updated_at = "cancelled", now, now
        _trail(s, actor, case, "deadline.cancelled", d, reason=reason)
    return rows


def extend(s: Session, case: Case | int, kind: str, days: int, reason: str, *, ref: Any = None,
           actor: Actor = SYSTEM, settings: Settings | None = None) -> Deadline:
    """Add an approved extension of `days` (in the kind's unit) to the live deadline; re-count its dates."""
    settings = settings or _settings(s)
    k = dl.kind(kind)
    case = _case(s, case)
    if k.extension is None:
        raise Conflict(f"“{k.label}”依法不能延长", code="deadline_not_extendable")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValidationFailed("延长天数必须为正整数", errors={"days": ["延长天数必须为正整数"]})
    if not (reason or "").strip():
        raise ValidationFailed("延长期限须写明理由", errors={"reason": ["延长期限须写明理由"]})
    d = live(s, case, kind, ref=ref)
    if d is None:
        raise NotFound(f"本案没有未届满的“{k.label}”", code="deadline_not_found")
    if k.max_extension is not None and d.extended_days + days > k.max_extension:
        raise Conflict(f"“{k.label}”延长合计不得超过{k.max_extension}日（已延长{d.extended_days}日）",
                       code="extension_exceeds_limit", errors={"days": [f"最多还可延长{k.max_extension - d.extended_days}日"]})
    now = utcnow()
    d.extended_days += days
    d.meta = {**(d.meta or {}), "extensions": [*(d.meta or {}).get("extensions", []),
                                               {"days": days, "reason": reason, "at": now.isoformat()}]}
    d.updated_at = now
    _compute(d, get_calendar(s), now, _margin(settings))
    _trail(s, actor, case, "deadline.extended", d, days=days, reason=reason)
    return d


def pause_case(s: Session, case: Case | int, on: dt.date, *, actor: Actor = SYSTEM) -> list[Deadline]:
    """中止: stop the clocks that suspension stops (the decision period) from `on`."""
    case = _case(s, case)
    pausable = [code for code, k in dl.KINDS.items() if k.pausable]
    rows = s.execute(select(Deadline).where(Deadline.case_id == case.id, Deadline.status == "open",
                                            Deadline.kind.in_(pausable), Deadline.paused_since.is_(None))
                     .with_for_update()).scalars().all()
    for d in rows:
        d.paused_since, d.updated_at = on, utcnow()
        _trail(s, actor, case, "deadline.paused", d, paused_since=on.isoformat())
    return list(rows)


def resume_case(s: Session, case: Case | int, on: dt.date, *, actor: Actor = SYSTEM,
                settings: Settings | None = None) -> list[Deadline]:
    """恢复: restart paused clocks; the due date moves by the days the case stood suspended."""
    settings = settings or _settings(s)
    case = _case(s, case)
    rows = s.execute(select(Deadline).where(Deadline.case_id == case.id, Deadline.status == "open",
                                            Deadline.paused_since.is_not(None)).with_for_update()).scalars().all()
    cal, now = get_calendar(s), utcnow()
    for d in rows:
        since = d.paused_since
        try:
            days = dl.paused_length(d.unit, cal, since, on)
        except CalendarDataMissing:
            days = (on - since).days if on > since else 0  # paused counting only matters for working units
        d.paused_days += days
        d.paused_since, d.updated_at = None, now
        d.meta = {**(d.meta or {}), "pauses": [*(d.meta or {}).get("pauses", []),
                                               {"since": since.isoformat(), "until": on.isoformat(), "days": days}]}
        _compute(d, cal, now, _margin(settings))
        _trail(s, actor, case, "deadline.resumed", d, paused_since=since.isoformat(), resumed_on=on.isoformat(),
               days=days)
    return list(rows)


# --- 加处罚款 ---------------------------------------------------------------------------------------------


def pause_surcharge(s: Session, case: Case | int, since: dt.date, *, reason: str, actor: Actor = SYSTEM) -> Deadline:
    """复议/诉讼 filed: the surcharge stops accruing from `since` (行政处罚法 第七十三条)."""
    case = _case(s, case)
    d = _payment(s, case)
    periods = list((d.meta or {}).get("surcharge_pauses", []))
    if periods and periods[-1].get("until") is None:
        raise Conflict("加处罚款已在暂停计算中", code="surcharge_already_paused")
    d.meta = {**(d.meta or {}), "surcharge_pauses": [*periods, {"since": since.isoformat(), "until": None,
                                                                  "reason": reason}]}
    _trail(s, actor, case, "deadline.surcharge_paused", d, since=since.isoformat(), reason=reason)
    return d


def resume_surcharge(s: Session, case: Case | int, on: dt.date, *, actor: Actor = SYSTEM) -> Deadline:
    """复议/诉讼 ended: the surcharge accrues again from `on`."""
    case = _case(s, case)
    d = _payment(s, case)
    periods = list((d.meta or {}).get("surcharge_pauses", []))
    if not periods or periods[-1].get("until") is not None:
        raise Conflict("加处罚款未暂停计算", code="surcharge_not_paused")
    periods[-1] = {**periods[-1], "until": on.isoformat()}
    d.meta = {**(d.meta or {}), "surcharge_pauses": periods}
    _trail(s, actor, case, "deadline.surcharge_resumed", d, until=on.isoformat())
    return d


def _payment(s: Session, case: Case) -> Deadline:
    d = s.execute(select(Deadline).where(Deadline.case_id == case.id, Deadline.kind == "payment")
                  .order_by(Deadline.id.desc()).limit(1).with_for_update()).scalar_one_or_none()
    if d is None:
        raise NotFound("本案没有缴纳罚款期限", code="deadline_not_found")
    return d


def surcharge_of(d: Deadline, on: dt.date) -> dl.Surcharge | None:
    """The late-payment surcharge of a payment deadline on a day; None if unknown (no fine or no due date)."""
    fine = (d.meta or {}).get("opts", {}).get("fine")
    if d.kind != "payment" or fine is None or d.due_on is None:
        return None
    if d.status == "met" and d.met_on is not None:
        on = min(on, d.met_on)
    pauses = [(dt.date.fromisoformat(p["since"]), dt.date.fromisoformat(p["until"]) if p.get("until") else None)
              for p in (d.meta or {}).get("surcharge_pauses", [])]
    return dl.late_payment_surcharge(Decimal(fine), d.due_on, on, paused=pauses)


# --- reading ----------------------------------------------------------------------------------------------


def overdue_expression(now: dt.datetime):
    """SQL: the case has a deadline missed (or past due and not yet swept) and not yet met or cancelled.

    An optional window (the party's hearing request …) closing unused is not overdue.
    """
    return exists().where(
        Deadline.case_id == Case.id,
        or_(Deadline.status == "missed", and_(Deadline.status == "open", Deadline.paused_since.is_(None),
                                                 Deadline.due_at <= now,
                                                 # the window kinds as SQL literals (internal codes, not input): no
                                                 # expanding list, so the statement runs as built (db.raw)
                                                 Deadline.kind.not_in([literal_column(f"'{k}'") for k in _WINDOWS]))),
    )


def view(d: Deadline, case_no: str | None, now: dt.datetime | None = None) -> dict:
    """A deadline as plain data for the API and documents."""
    now = now or utcnow()
    k = dl.KINDS[d.kind]
    out = {
        "id": d.id, "case_id": d.case_id, "case_no": case_no, "agency_id": d.agency_id, "kind": d.kind,
        "label": k.label, "ref": d.ref, "duty": k.duty, "unit": d.unit, "length": d.length,
        "counting": (d.meta or {}).get("counting"), "extended_days": d.extended_days, "paused_days": d.paused_days,
        "paused_since": d.paused_since, "starts_on": d.starts_on, "start_at": d.start_at, "due_on": d.due_on,
        "due_at": d.due_at, "warn_on": d.warn_on, "basis": d.basis, "status": d.status,
        "status_label": dl.status_label(d.kind, d.status), "warned_at": d.warned_at, "missed_at": d.missed_at,
        "met_on": d.met_on, "cancelled_at": d.cancelled_at, "calendar_missing_year": d.calendar_missing_year,
        "provisional": is_provisional(d),
        "provisional_note": provisional_note(d.calendar_missing_year) if is_provisional(d) else None,
        "overdue": d.status == "missed" or (d.status == "open" and d.paused_since is None and d.due_at is not None
                                            and d.due_at <= now and not k.window),
        "surcharge": None,
    }
    sc = surcharge_of(d, dl.local_date(now))
    if sc is not None:
        out["surcharge"] = {"days": sc.days, "amount": sc.amount, "capped": sc.capped, "basis": sc.basis,
                            "paused_days": sc.paused_days}  # 第七十三条: days of a 复议 or 诉讼, not counted
    return out


def _listing(actor: Actor, *, case_id: int | None = None, case_ids: Iterable[int] | None = None,
             officer_id: int | None = None, duty: str | None = None, kind: str | None = None):
    """The deadlines the actor may read, narrowed: one case, a page of cases, the cases an officer is named on, the
    kinds whose duty is `duty` (the agency's, the party's, the police's), one kind."""
    agencies = actor.read_scope  # an administrator reads no case contents (docs/decisions.md)
    conds = []
    if agencies is not None:
        conds.append(Deadline.agency_id.in_(sorted(agencies)) if len(agencies) != 1
                     else Deadline.agency_id == next(iter(agencies)))
    if case_id is not None:
        conds.append(Deadline.case_id == case_id)
    if case_ids is not None:
        conds.append(Deadline.case_id.in_(sorted(set(case_ids))))
    if officer_id is not None:
        conds.append(Deadline.case_id.in_(select(CaseOfficer.case_id).where(CaseOfficer.user_id == officer_id)))
    if duty is not None:
        conds.append(Deadline.kind.in_(sorted(k.code for k in dl.KINDS.values() if k.duty == duty)))
    if kind is not None:
        conds.append(Deadline.kind == kind)
    return conds


def _statuses(status: str | tuple[str, ...] | None):
    if status is None:
        return None
    return Deadline.status == status if isinstance(status, str) else Deadline.status.in_(status)


def list_for(s: Session, actor: Actor, *, due_before: dt.date | None = None, case_id: int | None = None,
             status: str | tuple[str, ...] | None = None, kind: str | None = None, limit: int = 50,
             after: int | None = None, case_ids: Iterable[int] | None = None, officer_id: int | None = None,
             duty: str | None = None) -> list[dict]:
    """Deadlines the actor may read, soonest first (keyset on due date and id).

    Provisional due dates (a year whose notice is not loaded) are listed with the others, flagged; status
    'pending' (or 'provisional') lists only the deadlines counted on a year without data, in id order. `status` may be
    several (("open", "missed"): the deadlines still to be met). `officer_id`: only the cases that officer is named on.
    """
    q = select(Deadline, Case.case_no).join(Case, Case.id == Deadline.case_id).where(
        *_listing(actor, case_id=case_id, case_ids=case_ids, officer_id=officer_id, duty=duty, kind=kind))
    if status in ("pending", "provisional"):
        q = q.where(Deadline.status == "open", Deadline.calendar_missing_year.is_not(None))
        if after is not None:
            q = q.where(Deadline.id > after)
        q = q.order_by(Deadline.id)
    else:
        if status is not None:
            q = q.where(_statuses(status))
        q = q.where(Deadline.due_on.is_not(None))
        if due_before is not None:
            q = q.where(Deadline.due_on <= due_before)
        if after is not None:
            cursor = s.execute(select(Deadline.due_on, Deadline.id).where(Deadline.id == after)).one_or_none()
            if cursor is None or cursor.due_on is None:
                raise ValidationFailed("分页游标无效", errors={"after": ["没有这个期限，或其到期日未确定"]})
            q = q.where(tuple_(Deadline.due_on, Deadline.id) > tuple_(cursor.due_on, cursor.id))
        q = q.order_by(Deadline.due_on, Deadline.id)
    now = utcnow()
    return [view(d, case_no, now) for d, case_no in s.execute(q.limit(limit)).all()]


def count_for(s: Session, actor: Actor, *, status: str | tuple[str, ...] | None = None,
              officer_id: int | None = None, duty: str | None = None) -> int:
    """How many deadlines `list_for` would list with these filters (the 待办 count), counted in the database."""
    conds = [*_listing(actor, officer_id=officer_id, duty=duty), Deadline.due_on.is_not(None)]
    if status is not None:
        conds.append(_statuses(status))
    return s.execute(select(func.count()).select_from(Deadline).where(*conds)).scalar_one()


MET_ROLES, EXTEND_ROLES = frozenset({"officer", "agency_head"}), frozenset({"agency_head"})


def check_act(s: Session, actor: Actor, deadline_id: int, what: str) -> None:
    """Who may record `what` ("met", "extend") on this deadline — the role, then the scope — without locking: the
    web layer refuses a caller without permission before it parses the body (permission before validation)."""
    if not actor.roles & (MET_ROLES if what == "met" else EXTEND_ROLES):
        raise deny(actor, f"deadline:{deadline_id}:{what}", "您的角色无权登记期限履行情况" if what == "met"
                   else "延长期限须经负责人批准", "role_not_allowed")
    _load_for_act(s, actor, deadline_id, what, lock=False)


def _load_for_act(s: Session, actor: Actor, deadline_id: int, what: str, *, lock: bool = True) -> tuple[Deadline, Case]:
    q = select(Deadline).where(Deadline.id == deadline_id)
    d = s.execute(q.with_for_update() if lock else q).scalar_one_or_none()
    if d is None or not actor.can_read(d.agency_id):
        if d is not None:
            deny(actor, f"deadline:{deadline_id}", "out of read scope", "out_of_scope")
        raise NotFound("期限不存在", code="deadline_not_found")
    if not actor.can_act_in(d.agency_id):
        raise deny(actor, f"deadline:{deadline_id}:{what}", "该期限不属于您所在执法机关，不能操作", "out_of_scope")
    return d, s.get(Case, d.case_id)


def record_met(s: Session, actor: Actor, deadline_id: int, *, on: dt.date, note: str) -> dict:
    """An officer records that a deadline no case act settles (publication, seizure …) was met."""
    if not actor.roles & MET_ROLES:
        raise deny(actor, f"deadline:{deadline_id}:met", "您的角色无权登记期限履行情况", "role_not_allowed")
    d, case = _load_for_act(s, actor, deadline_id, "met")
    k = dl.KINDS[d.kind]
    if not k.manual:
        raise Conflict(f"“{k.label}”由案件办理环节自动结清，不能手工登记", code="deadline_settled_by_act")
    if d.status not in LIVE:
        raise Conflict(f"该期限{dl.status_label(d.kind, d.status)}", code="deadline_not_live")
    if on > local_today():
        raise ValidationFailed("日期不能晚于今天", code="date_in_future", errors={"on": ["日期不能晚于今天"]})
    settle(s, case, d.kind, ref=d.ref, on=on, actor=actor, note=note)
    return view(d, case.case_no)


def record_extension(s: Session, actor: Actor, deadline_id: int, *, days: int, reason: str) -> dict:
    """负责人批准延长 a deadline (市监 filing +15 working days, decision +30 days, 查封扣押 +30 days …)."""
    if not actor.roles & EXTEND_ROLES:
        raise deny(actor, f"deadline:{deadline_id}:extend", "延长期限须经负责人批准", "role_not_allowed")
    d, case = _load_for_act(s, actor, deadline_id, "extend")
    extend(s, case, d.kind, days, reason, ref=d.ref, actor=actor)
    return view(d, case.case_no)


# --- the sweep --------------------------------------------------------------------------------------------


@dataclass
class SweepResult:
    missed: int = 0
    expired: int = 0
    warned: int = 0
    scheduled: int = 0  # undetermined due dates counted now that the calendar has the year
    calendar_missing: int = 0  # surfaced as deadline.calendar_missing
    claimed: int = 0
    ids: list[int] = field(default_factory=list)

    def add(self, other: SweepResult) -> None:
        for name in ("missed", "expired", "warned", "scheduled", "calendar_missing", "claimed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("missed", "expired", "warned", "scheduled", "calendar_missing", "claimed")}


_RETURNED = (_T.c.id, _T.c.case_id, _T.c.agency_id, _T.c.kind, _T.c.ref, _T.c.starts_on, _T.c.due_on, _T.c.due_at,
             _T.c.basis, _T.c.status)
_cases_t = Case.__table__


def _claim(s: Session, predicate: str, instant, now: dt.datetime, n: int, values: dict, *extra) -> list:
    """Claim up to n due rows, oldest first, and mark them; concurrent sweeps skip each other's rows.

    Two statements on purpose: the SELECT walks the partial index and (PostgreSQL) locks what it takes
    with SKIP LOCKED; the UPDATE then finds the rows by primary key. One UPDATE … WHERE id IN (SELECT …
    FOR UPDATE) lets the planner pick a nested loop that re-runs the locking subquery for every row.
    The UPDATE re-checks the predicate, so a row another sweep fired in between is not fired twice.
    Each row comes back with its case's number: joined in the UPDATE (… FROM cases) on PostgreSQL;
    SQLite's RETURNING cannot name another table, so there a correlated lookup by primary key.
    """
    pg = s.get_bind().dialect.name == "postgresql"
    q = select(_T.c.id).where(text(predicate), instant <= now, *extra).order_by(instant).limit(n)
    if pg:
        q = q.with_for_update(skip_locked=True)
    ids = s.execute(q).scalars().all()
    if not ids:
        return []
    if pg:  # one array parameter, not thousands of placeholders
        by_id = _T.c.id == any_(bindparam("claimed_ids", ids, type_=ARRAY(BigInteger())))
        stmt = (_T.update().where(by_id, text(predicate), _cases_t.c.id == _T.c.case_id).values(**values)
                .returning(*_RETURNED, _cases_t.c.case_no))
    else:
        case_no = select(_cases_t.c.case_no).where(_cases_t.c.id == _T.c.case_id).scalar_subquery().label("case_no")
        stmt = _T.update().where(_T.c.id.in_(ids), text(predicate)).values(**values).returning(*_RETURNED, case_no)
    return list(s.execute(stmt).all())


def _fired_acts(rows, expired_event: str | None, event: str, res: SweepResult) -> list[Act]:
    """The act and event of each claimed row: the fixed-shape payload of `_payload`, built in one tight loop."""
    labels = _LABELS
    acts = []
    for id_, case_id, agency_id, kind, ref, starts_on, due_on, due_at, basis, status, case_no in rows:
        if due_at is not None and due_at.tzinfo is not dt.UTC:
            due_at = due_at.astimezone(dt.UTC)
        p = {"deadline_id": id_, "kind": kind, "label": labels[kind], "ref": ref, "case_no": case_no, "basis": basis,
             "starts_on": None if starts_on is None else starts_on.isoformat(),
             "due_on": None if due_on is None else due_on.isoformat(),
             "due_at": None if due_at is None else due_at.isoformat()}
        name = expired_event if expired_event is not None and status == "expired" else event
        acts.append(Act(name, p, case_id, agency_id, ((name, p),)))
        if name == "deadline.expired":
            res.expired += 1
        elif name == "deadline.missed":
            res.missed += 1
        else:
            res.warned += 1
    return acts


_LABELS = {code: k.label for code, k in dl.KINDS.items()}


def sweep(s: Session, now: dt.datetime | None = None, *, limit: int = 1000,
          settings: Settings | None = None) -> SweepResult:
    """Fire due deadlines, at most `limit` rows, in the caller's transaction: mark them and write their events.

    Missed (or, for optional windows, expired) first; then warnings for rows not yet due — a row found
    already past due gets no warning, only its miss. Then undetermined due dates are counted again
    where the calendar now has the year, and those still missing a year are surfaced once per year.
    """
    now = now or utcnow()
    res = SweepResult()
    missed = _claim(s, OPEN_UNPAUSED, _T.c.due_at, now, limit, {
        "status": sql_case((_T.c.kind.in_(_WINDOWS), "expired"), else_="missed"), "missed_at": now, "updated_at": now,
    })
    warned = []
    if len(missed) < limit:
        warned = _claim(s, WARN_PENDING, _T.c.warn_at, now, limit - len(missed),
                        {"warned_at": now, "updated_at": now}, _T.c.due_at > now)
    acts = _fired_acts(missed, "deadline.expired", "deadline.missed", res)
    acts += _fired_acts(warned, None, "deadline.warning", res)
    res.ids = [r.id for r in missed] + [r.id for r in warned]
    room = limit - len(missed) - len(warned)
    if room > 0:
        acts.extend(_calendar_pass(s, now, room, res, (settings or _settings(s)).provisional_margin_days))
    record_many(s, SYSTEM, acts, now=now)
    res.claimed = len(missed) + len(warned) + res.scheduled + res.calendar_missing
    return res


def _case_numbers(s: Session, ids: set[int]) -> dict[int, str | None]:
    out: dict[int, str | None] = {}
    ids_sorted = sorted(ids)
    for i in range(0, len(ids_sorted), 5000):
        chunk = ids_sorted[i:i + 5000]
        out.update((i, no) for i, no in s.execute(select(Case.id, Case.case_no).where(Case.id.in_(chunk))))
    return out


def _rescheduled_act(d: Deadline, case_no: str | None, before: tuple, **extra: Any) -> Act:
    """deadline.rescheduled: a provisional due date recounted on a loaded calendar (trail + event to officers)."""
    body = {**_payload(d, case_no), "warn_on": _iso(d.warn_on), "previous_due_on": _iso(before[0]),
            "previous_warn_on": _iso(before[1]), "provisional": is_provisional(d),
            "calendar_missing_year": d.calendar_missing_year,
            "provisional_year": before[2], "changed": (before[0], before[1]) != (d.due_on, d.warn_on), **extra}
    return Act("deadline.rescheduled", body, d.case_id, d.agency_id, [("deadline.rescheduled", body)])


def reschedule_provisional(s: Session, actor: Actor, settings: Settings, *, years: Iterable[int] | None = None,
                           now: dt.datetime | None = None, cal=None) -> list[dict]:
    """Recount every live deadline counted provisionally on one of `years` (all, if None) on the calendar as
    loaded now; trail each on its case and announce it (deadline.rescheduled). Returns what changed.

    Called in the transaction that confirms a year's notice, so the stored year and the recounted
    deadlines commit together.
    """
    now = now or utcnow()
    cal = cal or get_calendar(s)
    q = select(Deadline).where(Deadline.status.in_(LIVE), Deadline.calendar_missing_year.is_not(None))
    if years is not None:
        q = q.where(Deadline.calendar_missing_year.in_(sorted(set(years))))
    q = q.order_by(Deadline.id).with_for_update()
    rows = s.execute(q).scalars().all()
    if not rows:
        return []
    case_nos = _case_numbers(s, {d.case_id for d in rows})
    acts, out = [], []
    for d in rows:
        before = (d.due_on, d.warn_on, d.calendar_missing_year)
        _compute(d, cal, now, settings.provisional_margin_days)
        d.updated_at = now
        act = _rescheduled_act(d, case_nos.get(d.case_id), before)
        acts.append(act)
        out.append({k: act.payload[k] for k in ("deadline_id", "case_no", "kind", "label", "previous_due_on",
                                                 "due_on", "provisional", "changed")})
    s.flush()
    record_many(s, actor, acts, now=now)
    return out


def _calendar_pass(s: Session, now: dt.datetime, room: int, res: SweepResult, margin: int | None = None) -> list[Act]:
    """Count again undetermined due dates whose year is now loaded; surface each still-missing year once.

    One row's missing year never stops the others: each is counted on its own, and a failure is
    recorded on the row (calendar_missing_year) and raised as a deadline.calendar_missing event.
    """
    cal = get_calendar(s)
    covered = list(cal.covered_years())
    # Rows stored undetermined (due_on NULL) before provisional counting existed get their provisional date.
    q = select(Deadline).where(text(CALENDAR_PENDING), or_(Deadline.calendar_flagged_at.is_(None),
                                                           Deadline.calendar_missing_year.in_(covered),
                                                           Deadline.due_on.is_(None)))
    q = q.order_by(Deadline.id).limit(room)
    if s.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    rows = s.execute(q).scalars().all()
    acts: list[Act] = []
    if not rows:
        return acts
    case_nos = _case_numbers(s, {d.case_id for d in rows})
    for d in rows:
        d.updated_at = now
        before = (d.due_on, d.warn_on, d.calendar_missing_year)
        if _compute(d, cal, now, margin):
            res.scheduled += 1
            if before[0] is not None:  # was provisional: announce the confirmed dates to the case's officers
                acts.append(_rescheduled_act(d, case_nos.get(d.case_id), before))
            else:
                body = {**_payload(d, case_nos.get(d.case_id)), "warn_on": _iso(d.warn_on)}
                acts.append(Act("deadline.scheduled", body, d.case_id, d.agency_id))
            continue
        if before[0] is not None and before[2] != d.calendar_missing_year:
            # One year loaded, the next still missing: the provisional dates may have moved.
            acts.append(_rescheduled_act(d, case_nos.get(d.case_id), before))
        if d.calendar_flagged_at is not None:  # the year was surfaced already: only the provisional date is new
            body = {**_payload(d, case_nos.get(d.case_id)), "warn_on": _iso(d.warn_on), "provisional": True,
                    "calendar_missing_year": d.calendar_missing_year}
            acts.append(Act("deadline.scheduled", body, d.case_id, d.agency_id))
            continue
        d.calendar_flagged_at = now
        res.calendar_missing += 1
        year = d.calendar_missing_year
        message = (f"{year}年的法定节假日和调休安排尚未载入，到期日暂按法定节假日计算（{provisional_note(year)}），"
                   f"请管理员载入国务院办公厅关于{year}年部分节假日安排的通知")
        log.warning("deadline %s (case %s, %s): %s", d.id, d.case_id, d.kind, message)
        p = {**_payload(d, case_nos.get(d.case_id)), "year": d.calendar_missing_year, "message": message}
        acts.append(Act("deadline.calendar_missing", p, d.case_id, d.agency_id, [("deadline.calendar_missing", p)]))
    s.flush()
    return acts


def sweep_all(sessions: sessionmaker[Session], now: dt.datetime | None = None, *, batch: int | None = None,
              max_batches: int | None = None, workers: int = 1, on_batch=None,
              settings: Settings | None = None) -> SweepResult:
    """Sweep until nothing is due, one transaction per batch (so row locks and the chain lock stay short).

    `workers` > 1 runs that many sweeps side by side (PostgreSQL: one claims and prepares its batch while
    another holds the chain head and writes; the claims keep them apart). `on_batch(result)` is called
    after each batch commits (metrics: the benchmark's fire lag).
    """
    batch = batch or (settings or process_settings()).sweep_batch
    if workers > 1:
        import threading

        results: list[SweepResult] = []
        errors: list[BaseException] = []

        def run() -> None:
            try:
                results.append(sweep_all(sessions, now, batch=batch, max_batches=max_batches, on_batch=on_batch,
                                         settings=settings))
            except BaseException as e:  # noqa: BLE001 — re-raised below, after the other workers finish
                errors.append(e)

        threads = [threading.Thread(target=run, name=f"deadline-sweep-{i}") for i in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        total = SweepResult()
        for r in results:
            total.add(r)
        return total
    total = SweepResult()
    n = 0
    while True:
        with sessions() as s, s.begin():
            res = sweep(s, now, limit=batch, settings=settings)
        if on_batch is not None:
            on_batch(res)
        total.add(res)
        n += 1
        if res.claimed < batch or (max_batches is not None and n >= max_batches):
            return total
