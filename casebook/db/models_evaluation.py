"""案卷评查 (Issue 15): rubric versions, auto-check runs, 双随机 rounds, scored files and 整改 records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from casebook.db.models import Base, BigId, utcnow


class EvaluationRubric(Base):
    """One imported version of an evaluation rubric (评查标准), stored whole, effective-dated."""

    __tablename__ = "evaluation_rubrics"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_evaluation_rubric_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    effective_to: Mapped[dt.date | None] = mapped_column(Date)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    imported_by_id: Mapped[int | None] = mapped_column(Integer)
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CaseCheckRun(Base):
    """The auto-checks of one case at one moment (on closing, or when evaluated), with the rubric version used."""

    __tablename__ = "case_check_runs"
    __table_args__ = (Index("ix_case_check_runs_case", "case_id", "id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"))
    rubric_id: Mapped[int] = mapped_column(ForeignKey("evaluation_rubrics.id"))
    trigger: Mapped[str] = mapped_column(String(20))  # closed / evaluation / manual
    run_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    failed: Mapped[int] = mapped_column(Integer)
    results: Mapped[list[Any]] = mapped_column(JSON)


class EvaluationRound(Base):
    """One 双随机 evaluation round: period, agencies, sample size, the seed, the evaluator pool, its status."""

    __tablename__ = "evaluation_rounds"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))  # the supervising body that runs it
    period_from: Mapped[dt.date] = mapped_column(Date)
    period_to: Mapped[dt.date] = mapped_column(Date)
    agency_ids: Mapped[list[Any]] = mapped_column(JSON)
    sample_size: Mapped[int | None] = mapped_column(Integer)
    sample_percent: Mapped[int | None] = mapped_column(Integer)
    seed: Mapped[str] = mapped_column(String(64))
    pool_ids: Mapped[list[Any]] = mapped_column(JSON)
    sampling: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # per agency: population, drawn
    rubric_id: Mapped[int] = mapped_column(ForeignKey("evaluation_rubrics.id"))
    status: Mapped[str] = mapped_column(String(20), default="scoring")  # scoring / published / closed
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class EvaluationFile(Base):
    """One sampled case file in a round, its drawn evaluator, and the score."""

    __tablename__ = "evaluation_files"
    __table_args__ = (UniqueConstraint("round_id", "case_id", name="uq_evaluation_file_case"),
                      Index("ix_evaluation_files_evaluator", "evaluator_id", "id"),
                      Index("ix_evaluation_files_agency", "agency_id", "id"),
                      Index("ix_evaluation_files_case", "case_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("evaluation_rounds.id"), index=True)
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20), default="assigned")  # assigned / scored
    check_run_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("case_check_runs.id"))
    entries: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # item/veto code → defects, auto, reason, comment
    vetoes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    total: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    grade: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    scored_at: Mapped[dt.datetime | None]


class EvaluationCorrection(Base):
    """整改: what the handling officers corrected after the result, with an evidence file (content-addressed)."""

    __tablename__ = "evaluation_corrections"
    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("evaluation_files.id"), index=True)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_on: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    evidence_name: Mapped[str | None] = mapped_column(String(255))
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    evidence_size: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
