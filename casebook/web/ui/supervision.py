"""Supervision pages: the district 驾驶舱, the statistics tables with their charts, XLSX export.

Every chart is drawn by ECharts (served from /assets/vendor/echarts, no CDN) from the same data as the table
beside it; a bar or a table cell links to the case list filtered to the cases behind it. Scope is the
statistics service's: supervisors the district, heads their agency, officers their own figures.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from flask import Blueprint, Response, g, request, url_for

from casebook.domain.vocabulary import DECISION_KINDS, DISCRETION_TIERS, STAGES
from casebook.services import statistics as st
from casebook.services.context import local_today

from .shell import install_errors, page, reading

blp = Blueprint("ui_stats", __name__, url_prefix="/supervision")
install_errors(blp)

SECTION_CHART = {  # the statistics page charts these tables: (columns drawn, stacked)
    "cases": ([f"stage_{s}" for s in STAGES], True),
    "outcomes": ([f"kind_{k}" for k in DECISION_KINDS], True),
    "fines": ([f"tier_{t}" for t in DISCRETION_TIERS] + ["tier_unplaced"], True),
    "handling": (["filing_p50", "filing_p90", "decision_p50", "decision_p90"], False),
    "deadlines": (["met", "missed"], True),
    "reviews": (["first_pass", "returned"], False),
    "publications": (["on_time", "late"], True),
    "evaluation": ([f"grade_{g}" for g in st.GRADES], True),
}


def _query() -> st.Query:
    return st.parse_query(request.args, today=local_today())


def _end(q: st.Query) -> dt.date:
    return q.end - dt.timedelta(days=1)


def drill_url(q: st.Query, table: str, key, column: str | None = None) -> str | None:
    """The case list behind one cell of a table (None where the list cannot filter that finely)."""
    args: dict = {"scope": "all"}
    if q.by == "agency" and key != st.TOTAL:
        args["agency_id"] = key
    elif q.by == "officer" and key != st.TOTAL:
        args["officer_id"] = key
    if q.agency_id and "agency_id" not in args:
        args["agency_id"] = q.agency_id
    if q.officer_id and "officer_id" not in args:
        args["officer_id"] = q.officer_id
    start, end = st.period_range(q, key) or (q.start, _end(q))
    if table == "cases":
        args |= {"discovered_from": start.isoformat(), "discovered_to": end.isoformat()}
        if column and column.startswith("stage_"):
            args["stage"] = column[len("stage_"):]
        elif column not in (None, "total"):
            return None
    elif table in ("outcomes", "fines", "exemptions"):
        args |= {"decided_from": start.isoformat(), "decided_to": end.isoformat()}
        if column and column.startswith("kind_"):
            args["decision_kind"] = column[len("kind_"):]
        elif table == "fines" or (table == "exemptions" and column in ("lenient", "mitigated")):
            args["decision_kind"] = "penalty"
        elif table == "exemptions":
            args["decision_kind"] = "no_penalty"
    else:
        return None
    return url_for("ui_work.cases", **args)


def chart_of(q: st.Query, t: st.Table, columns: list[str], stacked: bool, *, kind: str = "bar") -> dict:
    """A chart spec the page script draws: categories are the table's rows, series its columns (non-zero only)."""
    labels = dict(t.columns)
    cols = [c for c in columns if c in labels and any(r.get(c) for r in t.rows)]
    return {
        "id": f"chart-{t.name}", "title": t.title, "kind": kind, "stacked": stacked,
        "categories": [r["label"] for r in t.rows],
        "series": [{"name": labels[c], "data": [_num(r.get(c)) for r in t.rows],
                    "links": [drill_url(q, t.name, r["key"], c) for r in t.rows]} for c in cols],
    }


def _num(v):
    return None if v is None else float(v)


def _cells(q: st.Query, t: st.Table) -> list[dict]:
    """Rows of a table with a drill link per cell where the case list can show those cases."""
    out = []
    for r in [*t.rows, *([t.total] if t.total else [])]:
        out.append({"label": r["label"], "total": r is t.total,
                    "cells": [(r.get(k), drill_url(q, t.name, r["key"], k) if r.get(k) else None) for k, _ in t.columns]})
    return out


def _form_context(s, q: st.Query) -> dict:
    today = local_today()
    return {"q": q, "years": list(range(today.year, today.year - 6, -1)), "agencies": st.agencies_in_scope(s, g.actor),
            "bys": st.BYS, "granularities": st.GRANULARITIES, "args": request.args}


@blp.route("/")
def cockpit():
    """驾驶舱: the year at a glance for the district (or the agency, or the officer)."""
    q = _query()
    with reading() as s:
        stats = st.compute(s, g.actor, q)
        trend = st.compute(s, g.actor, st.Query(year=q.year, by="period", granularity="month", agency_id=q.agency_id,
                                                 officer_id=q.officer_id, quarter=q.quarter, month=q.month),
                           only=("cases", "fines"))
        t = stats.tables
        kpis = _kpis(t)
        month_cases, month_fines = trend.tables["cases"], trend.tables["fines"]
        trend_chart = {
            "id": "chart-trend", "title": "月度趋势：新发现案件与罚款金额", "kind": "line", "stacked": False,
            "categories": [r["label"] for r in month_cases.rows],
            "series": [{"name": "新发现案件（件）", "unit": "件", "data": [r["total"] for r in month_cases.rows],
                        "links": [drill_url(trend.query, "cases", r["key"], "total") for r in month_cases.rows]}],
        }
        fines_by_month = {r["key"]: r for r in month_fines.rows}
        trend_chart["series"].append({"name": "罚款金额（元）", "axis": 1, "unit": "元",
                                      "data": [_num(fines_by_month.get(r["key"], {}).get("fine_sum", 0)) for r in month_cases.rows],
                                      "links": [drill_url(trend.query, "fines", r["key"]) for r in month_cases.rows]})
        charts = [chart_of(q, t["cases"], SECTION_CHART["cases"][0], True), trend_chart,
                  chart_of(q, t["fines"], SECTION_CHART["fines"][0], True)]
        tables = {"cases": _cells(q, t["cases"]), "fines": _cells(q, t["fines"])}
        return page("stats_cockpit.html", s=s, stats=stats, kpis=kpis, charts=charts, tables=tables,
                    trend_rows=[(r["label"], r["total"], fines_by_month.get(r["key"], {}).get("fine_sum", 0),
                                 drill_url(trend.query, "cases", r["key"], "total")) for r in month_cases.rows],
                    export_args=request.args.to_dict(), **_form_context(s, q),
                    crumbs=[("执法监督", None), ("驾驶舱", None)])


def _kpis(t: dict) -> list[tuple[str, object, str]]:
    fines = t["fines"].total or {}
    return [
        ("新发现案件", (t["cases"].total or {}).get("total"), "件"),
        ("作出决定", (t["outcomes"].total or {}).get("decided"), "件"),
        ("罚款金额", fines.get("fine_sum"), "元"),
        ("超出裁量阶次", fines.get("outside_tier"), "件"),
        ("法定期限按期率", (t["deadlines"].total or {}).get("rate"), "%"),
        ("法制审核首轮通过率", (t["reviews"].total or {}).get("first_pass_rate"), "%"),
        ("立案至决定中位数", (t["handling"].total or {}).get("decision_p50"), "日"),
        ("处罚决定按期公示率", (t["publications"].total or {}).get("on_time_rate"), "%"),
    ]


@blp.route("/statistics")
def statistics():
    """Every table, each with its chart beside it, for the chosen period, grouping and agency."""
    q = _query()
    with reading() as s:
        stats = st.compute(s, g.actor, q)
        sections = []
        for name, t in stats.tables.items():
            chart = None
            if name in SECTION_CHART and t.rows:
                cols, stacked = SECTION_CHART[name]
                chart = chart_of(q, t, cols, stacked, kind="line" if q.by == "period" and not stacked else "bar")
            sections.append({"table": t, "rows": _cells(q, t), "chart": chart})
        return page("stats_tables.html", s=s, stats=stats, sections=sections, export_args=request.args.to_dict(),
                    **_form_context(s, q), crumbs=[("执法监督", url_for("ui_stats.cockpit")), ("执法统计", None)])


@blp.route("/statistics.xlsx")
def export_xlsx():
    """XLSX of every table (or of one: ?table=fines), with the same period, grouping and scope as the page."""
    q = _query()
    name = request.args.get("table") or None
    if name is not None and name not in st.SECTIONS:
        from casebook.domain.errors import ValidationFailed

        raise ValidationFailed("没有这张统计表", code="validation_failed", errors={"table": [f"未知统计表：{name}"]})
    with reading() as s:
        stats = st.compute(s, g.actor, q, only=(name,) if name else None)
        body = st.to_xlsx(stats)
    filename = f"执法统计_{q.label()}{'_' + stats.tables[name].title if name else ''}.xlsx"
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=statistics.xlsx; filename*=UTF-8''{quote(filename)}",
                             "Cache-Control": "no-store"})


blp.add_app_template_global(st.format_figure, "fmt_stat")


# --- problem models: findings with their cases and status (行政执法监督条例) ------------------------------------


@blp.route("/findings")
def findings():
    from casebook.services import problem_models as pm

    model = request.args.get("model") if request.args.get("model") in pm.MODELS else None
    status = request.args.get("status") if request.args.get("status") in pm.STATUSES else None
    with reading() as s:
        rows = pm.list_findings(s, g.actor, model=model, status=status)
        latest = pm.latest_run(s)
        settings = pm.model_settings(s)
        return page("stats_findings.html", s=s, rows=rows, latest=latest, models=pm.MODELS, statuses=pm.STATUSES,
                    model=model, status=status, settings=settings,
                    crumbs=[("执法监督", url_for("ui_stats.cockpit")), ("问题线索", None)])


@blp.route("/findings/run", methods=["POST"])
def findings_run():
    from flask import flash, redirect

    from casebook.domain.errors import DomainError, PermissionDenied
    from casebook.services import problem_models as pm

    from .shell import write

    try:
        counts = write(lambda s: pm.run(s, g.actor, as_of=local_today(), trigger="manual").counts)
        flash(f"运行完成：本次发现问题线索{sum(counts.values())}条", "success")
    except PermissionDenied:
        raise
    except DomainError as e:
        flash(e.message, "error")
    return redirect(url_for("ui_stats.findings"))


@blp.route("/findings/<int:finding_id>/status", methods=["POST"])
def finding_status(finding_id: int):
    from flask import flash, redirect

    from casebook.domain.errors import DomainError, NotFound, PermissionDenied
    from casebook.services import problem_models as pm

    from .shell import write

    status, note = request.form.get("status", ""), request.form.get("note", "")
    try:
        write(lambda s: pm.set_status(s, g.actor, finding_id, status, note))
        flash(f"操作成功：问题线索已标记为「{pm.STATUSES.get(status, status)}」", "success")
    except (PermissionDenied, NotFound):
        raise
    except DomainError as e:
        detail = "；".join(m for v in (e.errors or {}).values() for m in (v if isinstance(v, list) else [str(v)]))
        flash(e.message + (f"（{detail}）" if detail else ""), "error")
    return redirect(url_for("ui_stats.findings", _anchor=f"finding-{finding_id}"))


# --- the annual report (国办发〔2018〕118号): requested on demand, built in the background, progress shown -------------


@blp.route("/reports")
def reports():
    from casebook.services import annual_report as ar

    with reading() as s:
        rows = ar.list_reports(s, g.actor)
        agencies = st.agencies_in_scope(s, g.actor)
        today = local_today()
        return page("stats_reports.html", s=s, rows=rows, statuses=ar.STATUSES, agencies=agencies,
                    years=list(range(today.year, today.year - 6, -1)), default_year=today.year - 1,
                    crumbs=[("执法监督", url_for("ui_stats.cockpit")), ("年度报告", None)])


@blp.route("/reports", methods=["POST"])
def report_request():
    from flask import current_app, flash, redirect

    from casebook.domain.errors import PermissionDenied, ValidationFailed
    from casebook.services import annual_report as ar

    from .shell import settings, write

    form = request.form
    year = int(form["year"]) if (form.get("year") or "").isdigit() and len(form["year"]) == 4 else 0
    agency_id = int(form["agency_id"]) if (form.get("agency_id") or "").isdigit() else None
    try:
        rid = write(lambda s: ar.request(s, g.actor, year, agency_id).id)
    except PermissionDenied:
        raise
    except ValidationFailed as e:
        flash(e.message + "：" + "；".join(m for v in e.errors.values() for m in v), "error")
        return redirect(url_for("ui_stats.reports"))
    ar.build_in_background(current_app.extensions["casebook"]["sessions"], rid, settings().data_dir)
    flash("已开始生成年度报告", "success")
    return redirect(url_for("ui_stats.report", report_id=rid))


@blp.route("/reports/<int:report_id>")
def report(report_id: int):
    from casebook.services import annual_report as ar

    with reading() as s:
        r = ar.get(s, g.actor, report_id)
        tpl = "_report_progress.html" if request.headers.get("HX-Request") else "stats_report.html"
        return page(tpl, s=s, r=r, statuses=ar.STATUSES,
                    crumbs=[("执法监督", url_for("ui_stats.cockpit")), ("年度报告", url_for("ui_stats.reports")),
                            (f"{r.year}年度", None)])


@blp.route("/reports/<int:report_id>.<any(xlsx, pdf):kind>")
def report_file(report_id: int, kind: str):
    from flask import send_file

    from casebook.domain.errors import NotFound
    from casebook.services import annual_report as ar

    from .shell import settings

    with reading() as s:
        r = ar.get(s, g.actor, report_id)
        if r.status != "ready":
            raise NotFound("年度报告尚未生成", code="report_not_ready")
        path = ar.file_path(settings().data_dir, r, kind)
        name = f"{r.year}年度行政执法数据报告.{kind}"
    mimetype = "application/pdf" if kind == "pdf" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)
