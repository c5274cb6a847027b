"""Supervision (行政执法监督): problem-model settings, their runs and findings; the indexes statistics read.

Imported at the end of casebook.db.models so the metadata (and the migrations check) see it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casebook.db.models import Base, BigId, Case, LegalReview, Referral, utcnow

# Statistics group a year of cases by the date each table counts by (services/statistics.py).
Index("ix_cases_discovered_on", Case.__table__.c.discovered_on)
Index("ix_cases_filed_on", Case.__table__.c.filed_on)
Index("ix_cases_decided_on", Case.__table__.c.decided_on)
Index("ix_legal_reviews_submitted_on", LegalReview.__table__.c.submitted_on)
Index("ix_referrals_formed_on", Referral.__table__.c.formed_on)


class ProblemModelSetting(Base):
    """A problem model's thresholds and whether it runs (defaults in services/problem_models.py)."""

    __tablename__ = "problem_model_settings"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ProblemRun(Base):
    """One run of the problem models (nightly from the scheduler, or on demand)."""

    __tablename__ = "problem_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    trigger: Mapped[str] = mapped_column(String(20))  # nightly / manual
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    as_of: Mapped[dt.date] = mapped_column()
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # model → findings seen


class Finding(Base):
    """What a problem model found: one per (model, key); its cases; a status supervisors move, trailed."""

    __tablename__ = "problem_findings"
    __table_args__ = (UniqueConstraint("model", "key", name="uq_problem_finding_key"),
                      Index("ix_problem_findings_agency_status", "agency_id", "status", "id"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    model: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(120))  # what makes it the same finding on the next run
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open / explained / corrected
    status_note: Mapped[str | None] = mapped_column(Text)
    status_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status_at: Mapped[dt.datetime | None]
    first_run_id: Mapped[int] = mapped_column(ForeignKey("problem_runs.id"))
    last_run_id: Mapped[int] = mapped_column(ForeignKey("problem_runs.id"))
    still_present: Mapped[bool] = mapped_column(Boolean, default=True)  # found again by the latest run
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    cases: Mapped[list[FindingCase]] = relationship(cascade="all, delete-orphan", order_by="FindingCase.case_id")


class FindingCase(Base):
    __tablename__ = "problem_finding_cases"
    __table_args__ = (UniqueConstraint("finding_id", "case_id"), Index("ix_problem_finding_cases_case", "case_id"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    finding_id: Mapped[int] = mapped_column(BigId, ForeignKey("problem_findings.id"))
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"))


class AnnualReport(Base):
    """One annual enforcement data report (国办发〔2018〕118号) as built on demand: progress, then files."""

    __tablename__ = "annual_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))  # None: the district (supervisor)
    status: Mapped[str] = mapped_column(String(20), default="requested")  # requested / building / ready / failed
    progress: Mapped[int] = mapped_column(Integer, default=0)
    totals: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    xlsx_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]


# --- statistics rollups (services/rollups.py; migration 0019, which also creates the triggers that fill stat_dirty) ---


class StatRollup(Base):
    """One additive figure of one statistics table for one month, agency and officer (0: the agency's cases once)."""

    __tablename__ = "stat_rollup"
    ym: Mapped[int] = mapped_column(Integer, primary_key=True)  # year * 100 + month of the table's date
    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    officer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    metric: Mapped[str] = mapped_column(String(60), primary_key=True)  # "<feed>.<figure>"
    value: Mapped[Any] = mapped_column(Numeric(20, 2))


class StatHistogram(Base):
    """How many cases of one month, agency and officer took `days` calendar days (percentiles are exact from it)."""

    __tablename__ = "stat_histogram"
    ym: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    officer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    metric: Mapped[str] = mapped_column(String(60), primary_key=True)
    days: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)


class StatDirty(Base):
    """A month of an agency whose source rows changed since its rollup was computed: appended by triggers (no
    unique key, so writers never wait on each other), taken away by the refresh that recomputes the month."""

    __tablename__ = "stat_dirty"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer)
    ym: Mapped[int] = mapped_column(Integer)
