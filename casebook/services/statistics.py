"""Enforcement statistics: SQL aggregates, one grouped query per table, never a loop over cases.

`compute(s, actor, q)` returns the tables of the statistics page, the district 驾驶舱, the XLSX export and the
annual report (国办发〔2018〕118号: 行政执法数据 — case counts, outcomes, fines, handling times — published
by 31 January for the previous year). Each table is grouped by one dimension (`q.by`): the agency, the
officer (through `case_officers`: a case counts once for each officer on it), or the period (month,
quarter or year of the table's date). Every table also has a total row computed by the same query without
the grouping (medians are not additive).

The date each table counts by:
  cases, referral suggestions      discovered_on (the cohort of leads found in the period)
  outcomes, fines, exemptions,
  hearings, filing → decision      decided_on
  lead → filing                    filed_on
  deadlines                        due_on
  legal reviews                    submitted_on (of the review round)
  referrals                        formed_on (the team)
  publications                     decided_on (of the publication record)

Percentiles: PostgreSQL's percentile_cont; on SQLite the same interpolation from row_number()/count() windows.

Where they are read from: the tables counted from the cases and deadlines (cases, the four decided tables,
handling times, deadlines) are read from the maintained rollup (services/rollups.py: figures per month, agency
and officer, histograms of the day counts), computed with the very aggregates below (`FEEDS`, `DURATIONS`);
`compute(..., source="cases")` runs them over the cases directly (the oracle the tests compare with). Reviews,
referrals, publications and evaluation scores are direct grouped queries over their own small tables.

Scope (行政执法监督条例: supervision runs through the district government): supervisors read their agency's
subtree (the district: every agency), agency heads their agency, officers their own figures. Legal reviewers
and administrators have no statistics; every denial is logged.
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Date, Integer, and_, case, cast, func, literal, not_, or_, select
from sqlalchemy.orm import Session

from casebook.db.models import Agency, Case, CaseOfficer, Deadline, LegalReview, Publication, Referral, User
from casebook.db.models_supervision import StatHistogram, StatRollup
from casebook.domain.deadlines import KINDS as DEADLINE_KINDS
from casebook.domain.errors import ValidationFailed
from casebook.domain.vocabulary import DECISION_KINDS, DISCRETION_TIERS, PROCEDURES, STAGES

from .context import Actor, deny

BYS = {"agency": "执法主体", "officer": "执法人员", "period": "期间"}
GRANULARITIES = {"year": "年度", "quarter": "季度", "month": "月份"}
TIERS = tuple(DISCRETION_TIERS)  # none, mitigated, lenient, standard, severe
TOTAL = "total"


@dataclass(frozen=True)
class Query:
    year: int
    by: str = "agency"
    granularity: str = "month"  # of the period dimension
    quarter: int | None = None  # narrow the year to one quarter …
    month: int | None = None  # … or one month
    year_from: int | None = None  # a trend over several years: [year_from, year]
    agency_id: int | None = None
    officer_id: int | None = None

    @property
    def start(self) -> dt.date:
        if self.month:
            return dt.date(self.year, self.month, 1)
        if self.quarter:
            return dt.date(self.year, 3 * self.quarter - 2, 1)
        return dt.date(self.year_from or self.year, 1, 1)

    @property
    def end(self) -> dt.date:  # exclusive
        if self.month:
            return dt.date(self.year + (self.month == 12), self.month % 12 + 1, 1)
        if self.quarter:
            return dt.date(self.year + (self.quarter == 4), (3 * self.quarter) % 12 + 1, 1)
        return dt.date(self.year + 1, 1, 1)

    def label(self) -> str:
        if self.month:
            return f"{self.year}年{self.month}月"
        if self.quarter:
            return f"{self.year}年第{self.quarter}季度"
        if self.year_from and self.year_from != self.year:
            return f"{self.year_from}—{self.year}年"
        return f"{self.year}年"


def parse_query(args: dict, *, today: dt.date) -> Query:
    """Query from request arguments; bad values are refused with Chinese messages (422 validation_failed)."""
    errors: dict[str, list[str]] = {}

    def num(name: str, lo: int, hi: int) -> int | None:
        v = args.get(name)
        if v in (None, ""):
            return None
        try:
            n = int(v)
        except (TypeError, ValueError):
            errors[name] = ["须为整数"]
            return None
        if not lo <= n <= hi:
            errors[name] = [f"须在{lo}至{hi}之间"]
            return None
        return n

    year = num("year", 2000, today.year) or today.year
    quarter, month = num("quarter", 1, 4), num("month", 1, 12)
    year_from = num("year_from", 2000, today.year)
    agency_id, officer_id = num("agency_id", 1, 2**31 - 1), num("officer_id", 1, 2**31 - 1)
    by = args.get("by") or "agency"
    gran = args.get("granularity") or ("month" if not year_from else "year")
    if by not in BYS:
        errors["by"] = ["须为 agency、officer 或 period"]
    if gran not in GRANULARITIES:
        errors["granularity"] = ["须为 year、quarter 或 month"]
    if quarter and month:
        errors["month"] = ["季度与月份只能选择一个"]
    if year_from and year_from > year:
        errors["year_from"] = ["起始年度不得晚于统计年度"]
    if errors:
        raise ValidationFailed("统计条件有误", code="validation_failed", errors=errors)
    return Query(year=year, by=by, granularity=gran, quarter=quarter, month=month, year_from=year_from,
                 agency_id=agency_id, officer_id=officer_id)


@dataclass
class Table:
    """One statistics table: columns (key, Chinese label), rows of plain values keyed like the columns."""

    name: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict] = field(default_factory=list)
    total: dict | None = None
    note: str = ""


# --- scope ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    agencies: frozenset[int]
    officer_id: int | None  # only this officer's cases


def scope_for(actor: Actor, q: Query) -> Scope:
    """Who sees what: supervisor → district subtree; agency head → agency; officer → own figures."""
    roles = actor.roles
    if "supervisor" in roles:
        agencies = actor.read_scope
    elif "agency_head" in roles:
        agencies = frozenset({actor.agency_id})
    elif "officer" in roles:
        if q.officer_id not in (None, actor.user_id):
            raise deny(actor, "statistics.officer", "执法人员只能查看本人的统计数据", "statistics_not_in_scope")
        if q.agency_id not in (None, actor.agency_id):
            raise deny(actor, "statistics.agency", "无权查看其他执法主体的统计数据", "statistics_not_in_scope")
        return Scope(frozenset({actor.agency_id}), actor.user_id)
    else:
        raise deny(actor, "statistics", "您的角色无权查看执法统计", "role_not_allowed")
    if q.agency_id is not None:
        if q.agency_id not in agencies:
            raise deny(actor, "statistics.agency", "无权查看其他执法主体的统计数据", "statistics_not_in_scope")
        agencies = frozenset({q.agency_id})
    return Scope(agencies, q.officer_id)


# --- SQL building blocks ---------------------------------------------------------------------------------


def days_between(dialect: str, later, earlier):
    """Calendar days from `earlier` to `later` (both DATE columns)."""
    if dialect == "postgresql":
        return later - earlier  # date - date is an integer in PostgreSQL
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def _period_key(dialect: str, col, granularity: str):
    y = cast(func.extract("year", col), Integer)
    if granularity == "year":
        return y
    m = cast(func.extract("month", col), Integer)
    if granularity == "month":
        return y * 100 + m
    return y * 10 + (m + 2) // 3


class _Grouped:
    """The FROM, WHERE and group key of one table's query: base table, its date, agency and case columns."""

    def __init__(self, s: Session, q: Query, scope: Scope, table, date_col, agency_col, case_col):
        self.dialect = s.get_bind().dialect.name
        self.s, self.q = s, q
        frm = table
        co = CaseOfficer.__table__.alias("co")
        officer_join = q.by == "officer" or scope.officer_id is not None
        if officer_join:
            frm = frm.join(co, co.c.case_id == case_col)
        self.frm = frm
        where = [date_col >= q.start, date_col < q.end]
        where.append(agency_col.in_(sorted(scope.agencies)) if len(scope.agencies) != 1
                     else agency_col == next(iter(scope.agencies)))
        if scope.officer_id is not None:
            where.append(co.c.user_id == scope.officer_id)
        self.where = where
        if q.by == "agency":
            self.key = agency_col
        elif q.by == "officer":
            self.key = co.c.user_id
        else:
            self.key = _period_key(self.dialect, date_col, q.granularity)

    def run(self, *aggregates, extra_where=(), grouped: bool = True) -> list[tuple]:
        """(key, *aggregates) per group; with grouped=False one row (TOTAL, *aggregates)."""
        cols = [self.key.label("k")] if grouped else [literal(TOTAL).label("k")]
        stmt = select(*cols, *aggregates).select_from(self.frm).where(*self.where, *extra_where)
        if grouped:
            stmt = stmt.group_by(self.key)
        return [tuple(r) for r in self.s.connection().execute(stmt)]

    def both(self, *aggregates, extra_where=()) -> tuple[list[tuple], tuple | None]:
        """The groups and the total: on PostgreSQL one scan (GROUP BY ROLLUP; every key here is NOT NULL, so the
        NULL-keyed row is the total); elsewhere the same query twice."""
        if self.dialect == "postgresql":
            stmt = (select(self.key.label("k"), *aggregates).select_from(self.frm).where(*self.where, *extra_where)
                    .group_by(func.rollup(self.key)))
            rows = [tuple(r) for r in self.s.connection().execute(stmt)]
            total = next(((TOTAL, *r[1:]) for r in rows if r[0] is None), None)
            return [r for r in rows if r[0] is not None], total
        rows = self.run(*aggregates, extra_where=extra_where)
        total = self.run(*aggregates, extra_where=extra_where, grouped=False)
        return rows, (total[0] if total else None)

    def percentiles(self, value, extra_where=(), ps=(0.5, 0.9)) -> tuple[dict, tuple]:
        """{key: (n, p50, p90)} and the total (n, p50, p90) of `value` (an integer expression)."""
        where = [*self.where, value.is_not(None), *extra_where]
        out: dict = {}
        total = None
        if self.dialect == "postgresql":  # one scan: GROUP BY ROLLUP, the NULL-keyed row is the total
            stmt = (select(self.key.label("k"), func.count(value),
                           *[func.percentile_cont(p).within_group(value) for p in ps]).select_from(self.frm).where(*where)
                    .group_by(func.rollup(self.key)))
            for r in self.s.connection().execute(stmt):
                vals = (int(r[1]), *[half_up(v) for v in r[2:]])
                if r[0] is None:
                    total = vals
                else:
                    out[r[0]] = vals
            return out, total or (0, None, None)
        for grouped in (True, False):
            k = self.key if grouped else literal(TOTAL)
            # percentile_cont by hand: position (n - 1)·p, interpolated between its two neighbours.
            part = [self.key] if grouped else []
            inner = select(k.label("k"), value.label("v"),
                           func.row_number().over(partition_by=part, order_by=value).label("rn"),
                           func.count().over(partition_by=part).label("n")).select_from(self.frm).where(*where).subquery()
            aggs = []
            for p in ps:
                pos = (inner.c.n - 1) * p
                lo = cast(pos, Integer)
                frac = pos - lo
                aggs.append(func.sum(case((inner.c.rn == lo + 1, inner.c.v * (1 - frac)),
                                          (inner.c.rn == lo + 2, inner.c.v * frac), else_=0)))
            stmt = select(inner.c.k, func.count(), *aggs).group_by(inner.c.k)
            rows = list(self.s.connection().execute(stmt))
            for r in rows:
                vals = (int(r[1]), *[half_up(v) for v in r[2:]])
                if grouped:
                    out[r[0]] = vals
                else:
                    total = vals
        return out, total or (0, None, None)


def _n(v) -> int:
    return int(v or 0)


def _money(v) -> Decimal:
    return Decimal(v or 0).quantize(Decimal("0.01"))


def half_up(v, places: int = 1) -> float | None:
    """A figure as 四舍五入 gives it: 85.25 → 85.3. Python's round() rounds a half to the even digit (85.2), and a float
    such as 0.15 is a hair under it (0.1); the shortest decimal that is the float (its repr) is rounded instead."""
    if v is None:
        return None
    d = v if isinstance(v, Decimal) else Decimal(repr(float(v)))
    return float(d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _rate(part: int, whole: int) -> float | None:
    return None if not whole else half_up(Decimal(100 * part) / Decimal(whole))


def _j(col, *path):
    """A JSON member as text (portable: ->> on PostgreSQL, json_extract on SQLite)."""
    return col[path if len(path) > 1 else path[0]].as_string()


# --- the tables ---------------------------------------------------------------------------------------------

c = Case.__table__.c
dl = Deadline.__table__.c


def _count_if(cond):
    return func.count(case((cond, 1)))


def _met_by(t, op):
    """A met deadline compared in its own unit: an hour-counted one met at a recorded instant by the instant
    (国务院令第310号 第五条: transfer within 24 hours of the approval — 35 hours after it is late even on the due
    date), any other by the day. Both instants are UTCDateTime columns: timestamptz on PostgreSQL, text of one
    format (UTC, with microseconds) on SQLite, so they compare alike."""
    by_hour = and_(t.unit == "hours", t.met_at.is_not(None), t.due_at.is_not(None))
    return and_(t.status == "met",
                or_(and_(by_hour, op(t.met_at, t.due_at)), and_(not_(by_hour), op(t.met_on, t.due_on))))


def met_late(t):
    """SQL: the deadline (columns `t` of `deadlines` or an alias) was met after it was due — by the hour for an
    hour-counted one, as `deadlines.settle` judges it. The problem models' late acts use it too."""
    return _met_by(t, operator.gt)


def met_on_time(t):
    """SQL: the deadline was met when due (the complement of `met_late` among the met ones with a due date)."""
    return _met_by(t, operator.le)


def _case_aggs() -> dict:
    """The figures of 案件数量, counted by discovered_on (additive: the rollup keeps them per month)."""
    return {"total": func.count(), "filed": func.count(c.filed_on),
            **{f"procedure_{p}": _count_if(c.procedure == p) for p in PROCEDURES},
            **{f"stage_{st}": _count_if(c.stage == st) for st in STAGES},
            "referral_flagged": _count_if(c.referral_status != "none")}


def _cases(s, q, scope, source) -> Table:
    rows, total = _feed_rows(s, q, scope, "cases", source)
    cols = [("total", "案件总数"), ("filed", "其中已立案"), *[(f"procedure_{p}", lbl) for p, lbl in PROCEDURES.items()],
            *[(f"stage_{st}", lbl) for st, lbl in STAGES.items()], ("referral_flagged", "涉嫌犯罪提示")]

    def row(r):
        return dict(zip([k for k, _ in cols], [_n(v) for v in r[1:]], strict=True)) | {"key": r[0]}

    return Table("cases", "案件数量（按发现日期）", cols, [row(r) for r in rows], total and row(total))


def _decided_aggs() -> dict:
    """The figures of the four tables counted by decided_on (additive)."""
    fined = and_(c.decision_kind == "penalty", c.fine_amount.is_not(None))
    pen = c.decision_kind == "penalty"
    tier = _j(c.benchmark, "tier")
    check = _j(c.benchmark, "check", "status")
    ex = _j(c.exemption, "kind")
    outside = and_(fined, check.is_not(None), check != "in_tier")
    count_if = _count_if
    return {
        "decided": func.count(), **{f"kind_{k}": count_if(c.decision_kind == k) for k in DECISION_KINDS},
        "fines": count_if(fined), "fine_sum": func.sum(case((fined, c.fine_amount))),
        **{f"tier_{t}": count_if(and_(fined, tier == t)) for t in TIERS},
        "tier_unplaced": count_if(and_(fined, tier.is_(None))), "outside_tier": count_if(outside),
        "outside_tier_no_reason": count_if(and_(outside, c.deviation_reason.is_(None))),
        "no_penalty": count_if(c.decision_kind == "no_penalty"),
        "first_offence": count_if(and_(c.decision_kind == "no_penalty", ex == "first_offence")),
        "lenient": count_if(and_(pen, tier == "lenient")), "mitigated": count_if(and_(pen, tier == "mitigated")),
        "right": count_if(c.hearing_right.is_(True)), "requested": count_if(c.hearing_status.in_(("requested", "held"))),
        "held": count_if(c.hearing_status == "held"), "waived": count_if(c.hearing_status == "waived"),
    }


def _decided(s, q, scope, source) -> dict[str, Table]:
    """Outcomes, fines, exemptions and hearings: all counted by decided_on, so one grouped scan gives all four."""
    out_cols = [("decided", "作出决定"), *[(f"kind_{k}", lbl) for k, lbl in DECISION_KINDS.items()]]
    fine_cols = [("fines", "罚款件数"), ("fine_sum", "罚款金额（元）"),
                 *[(f"tier_{t}", f"{DISCRETION_TIERS[t]}阶次") for t in TIERS], ("tier_unplaced", "未适用基准"),
                 ("outside_tier", "超出阶次"), ("outside_tier_no_reason", "超出阶次未说明理由")]
    ex_cols = [("no_penalty", "不予处罚"), ("first_offence", "其中首违不罚"), ("lenient", "从轻处罚"), ("mitigated", "减轻处罚")]
    hr_cols = [("right", "告知听证权利"), ("requested", "申请听证"), ("held", "举行听证"), ("waived", "放弃听证")]
    names = list(_decided_aggs())
    rows, total = _feed_rows(s, q, scope, "decided", source)

    def as_dict(r):
        return None if r is None else {"key": r[0]} | {k: (_money(v) if k == "fine_sum" else _n(v)) for k, v in
                                                        zip(names, r[1:], strict=True)}

    dicts, tot = [as_dict(r) for r in rows], as_dict(total)

    def table(name, title, cols):
        keep = ["key", *[k for k, _ in cols]]
        return Table(name, title, cols, [{k: d[k] for k in keep} for d in dicts], tot and {k: tot[k] for k in keep})

    return {"outcomes": table("outcomes", "处理结果（按决定日期）", out_cols),
            "fines": table("fines", "罚款及裁量阶次（按决定日期）", fine_cols),
            "exemptions": table("exemptions", "免罚与从轻、减轻（按决定日期）", ex_cols),
            "hearings": table("hearings", "听证（按决定日期）", hr_cols)}


def _handling(s, q, scope, source) -> Table:
    filing, filing_total = _durations(s, q, scope, "filing_days", source)
    deciding, deciding_total = _durations(s, q, scope, "decision_days", source)
    cols = [("filing_n", "立案件数"), ("filing_p50", "发现至立案中位数（日）"), ("filing_p90", "发现至立案P90（日）"),
            ("decision_n", "决定件数"), ("decision_p50", "立案至决定中位数（日）"), ("decision_p90", "立案至决定P90（日）")]

    def row(key, a, b):
        a, b = a or (0, None, None), b or (0, None, None)
        return {"key": key, "filing_n": a[0], "filing_p50": a[1], "filing_p90": a[2],
                "decision_n": b[0], "decision_p50": b[1], "decision_p90": b[2]}

    keys = sorted(set(filing) | set(deciding), key=str)
    return Table("handling", "办案用时（日历日）", cols, [row(k, filing.get(k), deciding.get(k)) for k in keys],
                 row(TOTAL, filing_total, deciding_total), note="发现至立案按立案日期统计，立案至决定按决定日期统计")


def _deadline_aggs() -> dict:
    """The figures of 法定期限执行, counted by due_on over the deadlines met or missed (additive)."""
    on_time, late = met_on_time(dl), (dl.status == "missed") | met_late(dl)
    out = {"met": _count_if(on_time), "missed": _count_if(late)}
    for k in DEADLINE_KINDS:
        out[f"{k}_met"] = _count_if(and_(dl.kind == k, on_time))
        out[f"{k}_missed"] = _count_if(and_(dl.kind == k, late))
    return out


def _deadlines(s, q, scope, source) -> Table:
    kinds = list(DEADLINE_KINDS)
    rows, total = _feed_rows(s, q, scope, "deadlines", source)
    cols = [("met", "按期"), ("missed", "逾期"), ("rate", "按期率（%）")]
    for k in kinds:
        cols += [(f"{k}_met", f"{DEADLINE_KINDS[k].label}·按期"), (f"{k}_missed", f"{DEADLINE_KINDS[k].label}·逾期")]

    def row(r):
        o = {"key": r[0], "met": _n(r[1]), "missed": _n(r[2])}
        o["rate"] = _rate(o["met"], o["met"] + o["missed"])
        for i, k in enumerate(kinds):
            o[f"{k}_met"], o[f"{k}_missed"] = _n(r[3 + 2 * i]), _n(r[4 + 2 * i])
        return o

    t = Table("deadlines", "法定期限执行（按到期日）", cols, [row(r) for r in rows], total and row(total))
    # drop the kinds nobody had in the period: the table stays readable
    used = {k for k in kinds if (t.total or {}).get(f"{k}_met") or (t.total or {}).get(f"{k}_missed")}
    t.columns = [col for col in cols if "_" not in col[0] or col[0].rsplit("_", 1)[0] in used]
    return t


def _reviews(s, q, scope, source=None) -> Table:
    lr = LegalReview.__table__.c
    d = s.get_bind().dialect.name
    g = _Grouped(s, q, scope, LegalReview.__table__, lr.submitted_on, lr.agency_id, lr.case_id)
    first = lr.round == 1
    agg = [func.count(), func.count(func.distinct(lr.case_id)), func.count(case((and_(first, lr.opinion.is_not(None)), 1))),
           func.count(case((and_(first, lr.opinion == "approved"), 1))), func.count(case((lr.opinion == "returned", 1)))]
    rows, total = g.both(*agg)
    times, times_total = g.percentiles(days_between(d, lr.reviewed_on, lr.submitted_on))
    cols = [("rounds", "审核轮次"), ("cases", "审核案件"), ("first_reviewed", "首轮已审"), ("first_pass", "首轮通过"),
            ("first_pass_rate", "首轮通过率（%）"), ("returned", "退回"), ("rounds_per_case", "平均轮次"),
            ("p50_days", "审核用时中位数（日）"), ("p90_days", "审核用时P90（日）")]

    def row(r, t):
        o = {"key": r[0], "rounds": _n(r[1]), "cases": _n(r[2]), "first_reviewed": _n(r[3]), "first_pass": _n(r[4]),
             "returned": _n(r[5])}
        o["first_pass_rate"] = _rate(o["first_pass"], o["first_reviewed"])
        o["rounds_per_case"] = None if not o["cases"] else half_up(Decimal(o["rounds"]) / Decimal(o["cases"]), 2)
        t = t or (0, None, None)
        o["p50_days"], o["p90_days"] = t[1], t[2]
        return o

    return Table("reviews", "法制审核（按提交日期）", cols, [row(r, times.get(r[0])) for r in rows],
                 total and row(total, times_total))


def _referrals(s, q, scope, source=None) -> Table:
    rf = Referral.__table__.c
    g = _Grouped(s, q, scope, Referral.__table__, rf.formed_on, rf.agency_id, rf.case_id)
    agg = [func.count(), func.count(case((rf.origin == "rules", 1))), func.count(case((rf.head_decision == "declined", 1))),
           func.count(rf.transferred_at), *[func.count(case((rf.police_decision == x, 1))) for x in ("filed", "declined", "returned")]]
    cols = [("formed", "成立专案组"), ("suggested", "其中系统提示"), ("head_declined", "负责人不批准"),
            ("transferred", "移送公安机关"), ("police_filed", "公安立案"), ("police_declined", "公安不予立案"),
            ("returned", "公安退回")]
    rows, total = g.both(*agg)

    def row(r):
        return {"key": r[0]} | {k: _n(v) for (k, _), v in zip(cols, r[1:], strict=True)}

    return Table("referrals", "行刑衔接（按专案组成立日期）", cols, [row(r) for r in rows], total and row(total))


def _publications(s, q, scope, source=None) -> Table:
    p = Publication.__table__.c
    dl = Deadline.__table__.alias("pd")
    frm = Publication.__table__.outerjoin(dl, and_(dl.c.case_id == p.case_id, dl.c.kind == "publication",
                                                   dl.c.ref == cast(p.id, dl.c.ref.type)))
    g = _Grouped(s, q, scope, frm, p.decided_on, p.agency_id, p.case_id)
    on_time, late = met_on_time(dl.c), (dl.c.status == "missed") | met_late(dl.c)
    agg = [func.count(), func.count(p.published_on), func.count(case((on_time, 1))), func.count(case((late, 1))),
           func.count(case((p.status.in_(("excluded", "not_published")), 1)))]
    cols = [("records", "应公示决定"), ("published", "已公示"), ("on_time", "按期公示"), ("late", "逾期公示"),
            ("not_published", "不予公开/不公示"), ("on_time_rate", "按期率（%）")]
    rows, total = g.both(*agg)

    def row(r):
        o = {"key": r[0]} | {k: _n(v) for (k, _), v in zip(cols[:5], r[1:], strict=True)}
        o["on_time_rate"] = _rate(o["on_time"], o["on_time"] + o["late"])
        return o

    return Table("publications", "行政处罚决定公示（按决定日期）", cols, [row(r) for r in rows], total and row(total))


GRADES = {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"}  # the default rubric's grades


def _evaluation(s, q, scope, source=None, *, supervisor: bool = True) -> Table:
    """案卷评查得分 (issue 15; 行政执法监督条例): the scored files of evaluation rounds, by the (Beijing) day they were scored —
    count, average, lowest and highest score, files with a 一票否决 item, files per grade. The same files as
    `evaluation.scores_for_statistics`: scored ones only, and for anyone but a supervisor only of rounds already
    published or closed. One grouped aggregate over evaluation_files (a sample of case files, not the cases)."""
    from casebook.db.models_evaluation import EvaluationFile, EvaluationRound

    ef, er = EvaluationFile.__table__, EvaluationRound.__table__
    frm = ef.join(er, er.c.id == ef.c.round_id)
    # the Beijing day of the scoring instant (stored in UTC)
    if s.get_bind().dialect.name == "postgresql":
        day = cast(func.timezone("Asia/Shanghai", ef.c.scored_at), Date)
    else:
        day = func.date(ef.c.scored_at, "+8 hours")
    g = _Grouped(s, q, scope, frm, day, ef.c.agency_id, ef.c.case_id)
    where = [ef.c.status == "scored", ef.c.total.is_not(None)]
    if not supervisor:
        where.append(er.c.status.in_(("published", "closed")))
    vetoed = func.coalesce(func.json_array_length(ef.c.vetoes), 0) > 0
    agg = [func.count(), func.avg(ef.c.total), func.min(ef.c.total), func.max(ef.c.total), _count_if(vetoed),
           *[_count_if(ef.c.grade == code) for code in GRADES]]
    rows, total = g.both(*agg, extra_where=where)
    cols = [("files", "评查案卷"), ("score_avg", "平均得分"), ("score_min", "最低分"), ("score_max", "最高分"),
            ("vetoed", "一票否决"), *[(f"grade_{code}", lbl) for code, lbl in GRADES.items()]]

    score = half_up

    def row(r):
        o = {"key": r[0], "files": _n(r[1]), "score_avg": score(r[2]), "score_min": score(r[3]),
             "score_max": score(r[4]), "vetoed": _n(r[5])}
        o |= {f"grade_{code}": _n(v) for code, v in zip(GRADES, r[6:], strict=True)}
        return o

    return Table("evaluation", "案卷评查得分（按评分日期）", cols, [row(r) for r in rows], total and row(total),
                 note="已评分的评查案卷；执法主体负责人与执法人员只计已公布或已结束的评查")


# --- where the additive tables come from: the cases (the oracle) or the rollup (services/rollups.py) ---------


@dataclass(frozen=True)
class Feed:
    """The rows one group of tables counts (table, the date it counts by, agency and case columns, filter) and
    its additive figures."""

    table: object
    date_col: object
    agency_col: object
    case_col: object
    aggs: object  # () -> {name: aggregate}
    where: tuple = ()


FEEDS = {
    "cases": Feed(Case.__table__, c.discovered_on, c.agency_id, c.id, _case_aggs),
    "decided": Feed(Case.__table__, c.decided_on, c.agency_id, c.id, _decided_aggs, (c.decided_on.is_not(None),)),
    "deadlines": Feed(Deadline.__table__, dl.due_on, dl.agency_id, dl.case_id, _deadline_aggs,
                      (dl.status.in_(("met", "missed")),)),
}

# Whole-day durations whose median and P90 the tables show: (the feed whose rows and date they count by, days).
DURATIONS = {
    "filing_days": (Feed(Case.__table__, c.filed_on, c.agency_id, c.id, dict), lambda d: days_between(d, c.filed_on, c.discovered_on)),
    "decision_days": (FEEDS["decided"], lambda d: days_between(d, c.decided_on, c.filed_on)),
}


def ym_of(d: dt.date) -> int:
    return d.year * 100 + d.month


def _ym_key(ym: int, granularity: str) -> int:
    """The period key (as `_period_key`) of a rollup month."""
    if granularity == "year":
        return ym // 100
    if granularity == "quarter":
        return (ym // 100) * 10 + (ym % 100 + 2) // 3
    return ym


def _rollup_where(rt, q: Query, scope: Scope) -> tuple[list, object]:
    """The rollup rows of the query's months, agencies and officer; and the column its groups are keyed by."""
    where = [rt.c.ym >= ym_of(q.start), rt.c.ym < ym_of(q.end),
             rt.c.agency_id.in_(sorted(scope.agencies)) if len(scope.agencies) != 1
             else rt.c.agency_id == next(iter(scope.agencies))]
    if scope.officer_id is not None:
        where.append(rt.c.officer_id == scope.officer_id)
    elif q.by == "officer":
        where.append(rt.c.officer_id > 0)
    else:
        where.append(rt.c.officer_id == 0)  # 0: each case of the agency once
    return where, {"agency": rt.c.agency_id, "officer": rt.c.officer_id, "period": rt.c.ym}[q.by]


def _feed_rows(s, q: Query, scope: Scope, feed: str, source: str) -> tuple[list[tuple], tuple | None]:
    """(key, *figures) per group and the total (TOTAL, *figures), figures in the order of the feed's aggregates."""
    f = FEEDS[feed]
    aggs = f.aggs()
    if source == "cases":
        return _Grouped(s, q, scope, f.table, f.date_col, f.agency_col, f.case_col).both(
            *aggs.values(), extra_where=list(f.where))
    rt = StatRollup.__table__
    where, key = _rollup_where(rt, q, scope)
    names = list(aggs)
    stmt = (select(key, rt.c.metric, func.sum(rt.c.value)).where(*where, rt.c.metric.like(f"{feed}.%"))
            .group_by(key, rt.c.metric))
    acc: dict = {}
    for k, metric, v in s.connection().execute(stmt):
        if q.by == "period":
            k = _ym_key(k, q.granularity)
        vals = acc.setdefault(k, {})
        name = metric.split(".", 1)[1]
        vals[name] = vals.get(name, 0) + v
    rows = [(k, *[vals.get(n) for n in names]) for k, vals in acc.items() if vals.get("_rows")]
    total = (TOTAL, *[_sum_or_none(vals.get(n) for vals in acc.values()) for n in names])
    return rows, total


def _sum_or_none(values):
    out = None
    for v in values:
        if v is not None:
            out = v if out is None else out + v
    return out


def _percentile(hist: list[tuple[int, int]], n: int, p: float, dialect: str) -> float:
    """percentile_cont(p) of the values a sorted histogram [(value, count)] stands for, computed as the direct
    query computes it (PostgreSQL: lo + (hi − lo)·frac; SQLite's window version: lo·(1 − frac) + hi·frac)."""
    pos = (n - 1) * p
    lo_i = int(pos)
    frac = pos - lo_i
    lo = hi = None
    seen = 0
    for v, k in hist:
        if lo is None and lo_i < seen + k:
            lo = v
        if lo_i + 1 < seen + k:
            hi = v
            break
        seen += k
    if hi is None:
        hi = lo
    if dialect == "postgresql":
        return lo + (hi - lo) * frac
    return lo * (1 - frac) + (hi * frac if lo_i + 1 < n else 0)


def _durations(s, q: Query, scope: Scope, metric: str, source: str, ps=(0.5, 0.9)) -> tuple[dict, tuple]:
    """{key: (n, p50, p90)} and the total of a whole-day duration (as `_Grouped.percentiles`)."""
    f, value = DURATIONS[metric]
    dialect = s.get_bind().dialect.name
    if source == "cases":
        return _Grouped(s, q, scope, f.table, f.date_col, f.agency_col, f.case_col).percentiles(value(dialect), ps=ps)
    ht = StatHistogram.__table__
    where, key = _rollup_where(ht, q, scope)
    stmt = (select(key, ht.c.days, func.sum(ht.c.n)).where(*where, ht.c.metric == metric).group_by(key, ht.c.days))
    groups: dict = {}
    whole: dict = {}
    for k, days, n in s.connection().execute(stmt):
        if q.by == "period":
            k = _ym_key(k, q.granularity)
        g = groups.setdefault(k, {})
        g[days] = g.get(days, 0) + int(n)
        whole[days] = whole.get(days, 0) + int(n)

    def figures(h: dict) -> tuple:
        hist = sorted(h.items())
        n = sum(h.values())
        if not n:
            return (0, None, None)
        return (n, *[half_up(_percentile(hist, n, p, dialect)) for p in ps])

    return {k: figures(h) for k, h in groups.items()}, figures(whole)


SECTIONS = ("cases", "outcomes", "fines", "exemptions", "handling", "deadlines", "reviews", "referrals", "hearings",
            "publications", "evaluation")


@dataclass
class Statistics:
    query: Query
    scope: Scope
    tables: dict[str, Table]
    labels: dict  # group key → Chinese label, in display order

    def table(self, name: str) -> Table:
        return self.tables[name]


def compute(s: Session, actor: Actor, q: Query, *, only: tuple[str, ...] | None = None,
            source: str = "rollup") -> Statistics:
    """Every statistics table for the actor's scope (or the tables in `only`).

    source="rollup" reads the additive tables (cases, the four decided tables, handling times, deadlines) from
    the maintained rollup, brought up to date first (`rollups.prepare`; when this session cannot see it up to
    date, e.g. its own uncommitted writes, the cases are read instead); source="cases" reads the cases directly
    (the oracle the tests compare the rollup with)."""
    scope = scope_for(actor, q)
    want = set(only or SECTIONS)
    if source == "rollup" and want & {"cases", "outcomes", "fines", "exemptions", "hearings", "handling", "deadlines"}:
        from . import rollups

        source = rollups.prepare(s)
    tables: dict[str, Table] = {}
    if want & {"cases"}:
        tables["cases"] = _cases(s, q, scope, source)
    if want & {"outcomes", "fines", "exemptions", "hearings"}:
        tables.update(_decided(s, q, scope, source))
    builders = {"handling": _handling, "deadlines": _deadlines, "reviews": _reviews,
                "referrals": _referrals, "publications": _publications, "evaluation": _evaluation}
    for name, fn in builders.items():
        if name in want:
            tables[name] = (fn(s, q, scope, source, supervisor="supervisor" in actor.roles) if name == "evaluation"
                            else fn(s, q, scope, source))
    tables = {n: tables[n] for n in SECTIONS if n in tables and n in want}
    labels = _labels(s, q, scope, tables)
    for t in tables.values():
        t.rows.sort(key=lambda r: list(labels).index(r["key"]) if r["key"] in labels else 10**9)
        for r in t.rows:
            r["label"] = labels.get(r["key"], str(r["key"]))
        if t.total is not None:
            t.total["label"] = "合计"
    return Statistics(q, scope, tables, labels)


def _labels(s: Session, q: Query, scope: Scope, tables: dict[str, Table]) -> dict:
    keys = {r["key"] for t in tables.values() for r in t.rows}
    if q.by == "agency":
        rows = s.execute(select(Agency.id, Agency.name).where(Agency.id.in_(sorted(scope.agencies))).order_by(Agency.id)).all()
        return {aid: name for aid, name in rows}
    if q.by == "officer":
        ids = sorted(k for k in keys if k is not None)
        rows = s.execute(select(User.id, User.display_name).where(User.id.in_(ids)).order_by(User.id)).all() if ids else []
        return {uid: name for uid, name in rows}
    out = {}
    for k in sorted(k for k in keys if k is not None):
        if q.granularity == "year":
            out[k] = f"{k}年"
        elif q.granularity == "quarter":
            out[k] = f"{k // 10}年第{k % 10}季度"
        else:
            out[k] = f"{k // 100}年{k % 100}月"
    return out


def period_range(q: Query, key) -> tuple[dt.date, dt.date] | None:
    """The dates a period key stands for (inclusive), for drilling from a chart into the case list."""
    if q.by != "period" or key in (None, TOTAL):
        return None
    k = int(key)
    if q.granularity == "year":
        return dt.date(k, 1, 1), dt.date(k, 12, 31)
    if q.granularity == "quarter":
        y, qq = divmod(k, 10)
        start = dt.date(y, 3 * qq - 2, 1)
        end = dt.date(y + (qq == 4), (3 * qq) % 12 + 1, 1) - dt.timedelta(days=1)
        return start, end
    y, m = divmod(k, 100)
    return dt.date(y, m, 1), dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)


DRILL_LABELS = {"discovered_from": "发现日期自", "discovered_to": "发现日期至", "decided_from": "决定日期自",
                "decided_to": "决定日期至", "decision_kind": "处理结果"}


def drill_labels(s: Session, drill: dict) -> list[str]:
    """The case list's drill filters in words (names of the agency and officer; the scope is the list's own)."""
    out = []
    if "agency_id" in drill:
        name = s.execute(select(Agency.name).where(Agency.id == drill["agency_id"])).scalar_one_or_none()
        out.append(f"执法主体：{name or drill['agency_id']}")
    if "officer_id" in drill:
        name = s.execute(select(User.display_name).where(User.id == drill["officer_id"])).scalar_one_or_none()
        out.append(f"执法人员：{name or drill['officer_id']}")
    for k, lbl in DRILL_LABELS.items():
        if k in drill:
            v = drill[k]
            out.append(f"{lbl}：{DECISION_KINDS.get(v, v) if k == 'decision_kind' else v.isoformat()}")
    return out


def agencies_in_scope(s: Session, actor: Actor) -> list[tuple[int, str]]:
    """The agencies the actor may choose on the statistics pages (none for an officer: own figures only)."""
    if "supervisor" not in actor.roles:
        return []
    return [(a, n) for a, n in s.execute(select(Agency.id, Agency.name).where(Agency.id.in_(sorted(actor.read_scope)))
                                         .order_by(Agency.id)).all()]


def to_xlsx(stats: Statistics, names: tuple[str, ...] | None = None) -> bytes:
    """Every table (or those named) as one sheet each: a title row, the period and scope, the header, rows, 合计."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    head_fill = PatternFill("solid", fgColor="F2F2F2")
    for name, t in stats.tables.items():
        if names and name not in names:
            continue
        ws = wb.create_sheet(t.title[:31].replace("/", "、"))
        ws.append([t.title])
        ws["A1"].font = Font(bold=True, size=14)
        ws.append([f"统计期间：{stats.query.label()}", f"分组：{BYS[stats.query.by]}"])
        if t.note:
            ws.append([t.note])
        ws.append([BYS[stats.query.by], *[lbl for _, lbl in t.columns]])
        header = ws.max_row
        for cell in ws[header]:
            cell.font, cell.fill = Font(bold=True), head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for r in [*t.rows, *([t.total] if t.total else [])]:
            ws.append([r.get("label", r["key"]), *[r.get(k) for k, _ in t.columns]])
        if t.total:
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)
        ws.column_dimensions["A"].width = 30
        for i in range(2, len(t.columns) + 2):
            ws.column_dimensions[get_column_letter(i)].width = 14
        ws.freeze_panes = ws.cell(row=header + 1, column=2)
    if not wb.sheetnames:
        wb.create_sheet("统计")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def format_figure(v) -> str:
    """A statistic for people (the pages and the annual report): — for none, counts as integers, money with two
    places, thousands separators."""
    if v is None:
        return "—"
    if isinstance(v, Decimal):
        return f"{v:,.2f}"
    if isinstance(v, float):
        return f"{int(v):,}" if v.is_integer() else f"{v:,.1f}"
    return f"{v:,}" if isinstance(v, int) else str(v)
