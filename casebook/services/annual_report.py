"""The annual enforcement data report (国办发〔2018〕118号: 每年1月31日前公开上年度行政执法总体情况有关数据).

A report is requested for a year (the district for a supervisor, the agency for its head), then built in the
background: the statistics of that year by agency (services.statistics — the same figures as the pages),
an XLSX of every table and a PDF in the 文书's layout and fonts (pdf_templates/annual_report), with its
progress recorded on the row for the page to show. Files are kept under <data_dir>/reports/.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from casebook.db.models import Agency, User, utcnow
from casebook.db.models_supervision import AnnualReport
from casebook.domain.errors import NotFound, ValidationFailed

from . import statistics as st
from .context import Actor, actor_for, deny, local_today
from .recording import record

log = logging.getLogger("casebook.reports")
STATUSES = {"requested": "排队等待生成", "building": "正在生成", "ready": "已生成", "failed": "生成失败"}
# what the summary paragraph and the 合计 of the tables carry; the test checks each against the statistics
TOTAL_KEYS = {"cases": ("cases", "total"), "filed": ("cases", "filed"), "decided": ("outcomes", "decided"),
              "penalties": ("outcomes", "kind_penalty"), "no_penalty": ("outcomes", "kind_no_penalty"),
              "fines": ("fines", "fines"), "fine_sum": ("fines", "fine_sum"), "deadline_rate": ("deadlines", "rate"),
              "review_cases": ("reviews", "cases"), "first_pass_rate": ("reviews", "first_pass_rate")}


def _dir(data_dir: Path) -> Path:
    d = Path(data_dir) / "reports"
    d.mkdir(parents=True, exist_ok=True)
    return d


def request(s: Session, actor: Actor, year: int, agency_id: int | None = None) -> AnnualReport:
    """Ask for the report of `year` (any past or the current year): supervisors for the district or one agency
    of it, agency heads for their agency. Trailed."""
    if "supervisor" in actor.roles:
        if agency_id is not None and agency_id not in actor.read_scope:
            raise deny(actor, "annual_report.agency", "无权生成其他执法主体的年度报告", "statistics_not_in_scope")
    elif "agency_head" in actor.roles:
        if agency_id not in (None, actor.agency_id):
            raise deny(actor, "annual_report.agency", "无权生成其他执法主体的年度报告", "statistics_not_in_scope")
        agency_id = actor.agency_id
    else:
        raise deny(actor, "annual_report", "您的角色无权生成年度报告", "role_not_allowed")
    if not 2000 <= year <= local_today().year:  # after who may ask: permission before validation
        raise ValidationFailed("年度有误", code="validation_failed", errors={"year": [f"须在2000至{local_today().year}之间"]})
    r = AnnualReport(year=year, agency_id=agency_id, status="requested", progress=0, totals={}, requested_by=actor.user_id)
    s.add(r)
    s.flush()
    record(s, actor, "annual_report.requested", {"report_id": r.id, "year": year, "agency_id": agency_id},
           agency_id=agency_id or actor.agency_id)
    return r


def get(s: Session, actor: Actor, report_id: int) -> AnnualReport:
    if not actor.roles & {"supervisor", "agency_head"}:  # the role first, as the list and the request
        raise deny(actor, "annual_report.read", "您的角色无权查看年度报告", "role_not_allowed")
    r = s.get(AnnualReport, report_id)
    if r is None or not _may_read(actor, r):
        if r is not None:
            deny(actor, "annual_report.read", "not in scope", "not_found")
        raise NotFound("未找到该年度报告", code="report_not_found")
    return r


def _may_read(actor: Actor, r: AnnualReport) -> bool:
    if "supervisor" in actor.roles:
        return r.agency_id is None or r.agency_id in actor.read_scope
    if "agency_head" in actor.roles:
        return r.agency_id == actor.agency_id
    return False


def list_reports(s: Session, actor: Actor, limit: int = 50) -> list[AnnualReport]:
    if not actor.roles & {"supervisor", "agency_head"}:
        raise deny(actor, "annual_report.list", "您的角色无权查看年度报告", "role_not_allowed")
    q = select(AnnualReport).order_by(AnnualReport.id.desc()).limit(limit)
    if "supervisor" in actor.roles:
        q = q.where((AnnualReport.agency_id.is_(None)) | AnnualReport.agency_id.in_(sorted(actor.read_scope)))
    else:
        q = q.where(AnnualReport.agency_id == actor.agency_id)
    return list(s.execute(q).scalars())


def file_path(data_dir: Path, r: AnnualReport, kind: str) -> Path:
    return _dir(data_dir) / f"annual_report_{r.id}.{kind}"


def totals_of(stats: st.Statistics) -> dict:
    out = {}
    for k, (table, col) in TOTAL_KEYS.items():
        v = (stats.tables[table].total or {}).get(col)
        out[k] = str(v) if isinstance(v, Decimal) else v
    return out


def _progress(sessions: sessionmaker, report_id: int, progress: int, **values) -> None:
    with sessions() as s, s.begin():
        r = s.get(AnnualReport, report_id)
        r.progress = progress
        for k, v in values.items():
            setattr(r, k, v)


def build(sessions: sessionmaker, report_id: int, data_dir: Path) -> None:
    """Build the report's statistics, XLSX and PDF, recording progress after each step; never raises."""
    try:
        with sessions() as s:
            r = s.get(AnnualReport, report_id)
            year, agency_id = r.year, r.agency_id
            actor = actor_for(s, s.get(User, r.requested_by))
        _progress(sessions, report_id, 5, status="building")
        with sessions() as s:
            stats = st.compute(s, actor, st.Query(year=year, by="agency", agency_id=agency_id))
            issuer = s.get(Agency, agency_id or actor.agency_id).name
            scope_name = "本机关" if agency_id else "本区各行政执法机关"
        _progress(sessions, report_id, 40)
        xlsx = st.to_xlsx(stats)
        file_path(data_dir, r, "xlsx").write_bytes(xlsx)
        _progress(sessions, report_id, 60, xlsx_sha256=hashlib.sha256(xlsx).hexdigest())
        pdf = render_pdf(stats, issuer=issuer, scope_name=scope_name)
        file_path(data_dir, r, "pdf").write_bytes(pdf)
        _progress(sessions, report_id, 100, status="ready", pdf_sha256=hashlib.sha256(pdf).hexdigest(),
                  size=len(pdf) + len(xlsx), totals=totals_of(stats), finished_at=utcnow())
    except Exception as e:  # noqa: BLE001 — the row says it failed; the page offers to build again
        log.exception("annual report %s failed", report_id)
        _progress(sessions, report_id, 100, status="failed", error=f"{type(e).__name__}: {e}"[:500], finished_at=utcnow())


def build_in_background(sessions: sessionmaker, report_id: int, data_dir: Path) -> threading.Thread:
    """Start building in a thread of this process (the page polls the row's progress)."""
    t = threading.Thread(target=build, args=(sessions, report_id, data_dir), name=f"annual-report-{report_id}", daemon=True)
    t.start()
    return t


REPORT_TABLES = ("cases", "outcomes", "fines", "exemptions", "handling", "deadlines", "reviews", "referrals", "hearings",
                 "publications", "evaluation")


def render_pdf(stats: st.Statistics, *, issuer: str, scope_name: str) -> bytes:
    """The report in the 文书's layout: a summary paragraph, bar charts, every table with its 合计 row."""
    from casebook.documents.render import render_report_pdf

    totals = totals_of(stats)
    shown = {k: st.format_figure(Decimal(v) if k == "fine_sum" and v is not None else v) for k, v in totals.items()}
    for k in ("deadline_rate", "first_pass_rate"):
        shown[k] = "—" if totals[k] is None else f"{totals[k]}%"
    tables = []
    for name in REPORT_TABLES:
        t = stats.tables[name]
        # wide tables keep their non-empty columns only (the XLSX has them all)
        cols = [(k, lbl) for k, lbl in t.columns if any(r.get(k) for r in [*t.rows, *([t.total] if t.total else [])])]
        cols = cols or t.columns[:1]
        rows = [{"label": r["label"], "cells": [st.format_figure(r.get(k)) for k, _ in cols], "total": False} for r in t.rows]
        if t.total:
            rows.append({"label": "合计", "cells": [st.format_figure(t.total.get(k)) for k, _ in cols], "total": True})
        tables.append({"title": t.title, "labels": [lbl for _, lbl in cols], "rows": rows, "note": t.note})
    charts = []
    for name, col, title in (("cases", "total", "各执法主体新发现案件（件）"), ("fines", "fine_sum", "各执法主体罚款金额（元）")):
        rows = [(r["label"], r.get(col) or 0) for r in stats.tables[name].rows]
        top = max((float(v) for _, v in rows), default=0)
        if top:
            charts.append({"title": title, "rows": [(lbl, st.format_figure(v), round(100 * float(v) / top, 1)) for lbl, v in rows]})
    year = stats.query.year
    today = local_today()
    data = {"title": f"{year}年度行政执法数据报告", "issuer": issuer, "agency": {"name": issuer}, "scope_name": scope_name, "year": year,
            "totals": shown, "tables": tables, "charts": charts, "by_label": st.BYS[stats.query.by],
            "issued_on": f"{today.year}年{today.month}月{today.day}日"}
    return render_report_pdf("annual_report/template.html", data)
