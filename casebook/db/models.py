"""SQLAlchemy 2 typed models. Money is Numeric(14, 2) yuan; times are UTC; legal dates are local dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    select,
)
from sqlalchemy import text as sa_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, object_session, relationship
from sqlalchemy.types import TypeDecorator

from casebook.db import raw

BigId = BigInteger().with_variant(Integer(), "sqlite")
Money = Numeric(14, 2)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """Store aware UTC datetimes; SQLite keeps them naive, so re-attach UTC on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime: times are stored in UTC and must be aware")
            value = value.astimezone(dt.UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None:
            value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: UTCDateTime(), Decimal: Money, dict[str, Any]: JSON, list[Any]: JSON}


# --- organisation and people ---------------------------------------------------------------


class Agency(Base):
    """执法主体: district → department → squad; `code` is the 代字 used in 案号 and 文号."""

    __tablename__ = "agencies"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    level: Mapped[str] = mapped_column(String(20))  # district / department / squad
    case_no_format: Mapped[str] = mapped_column(String(100), default="{code}立〔{year}〕{seq}号")
    review_limit_days: Mapped[int | None] = mapped_column(Integer)  # 法制审核时限（工作日）; none: 10
    # 公示 rules (casebook.domain.publicity.SYSTEMS): market_regulation / comprehensive / ecology_environment …
    publication_system: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    parent: Mapped[Agency | None] = relationship(remote_side=[id])


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    roles: Mapped[list[Any]] = mapped_column(JSON, default=list)
    bar_qualified: Mapped[bool] = mapped_column(Boolean, default=False)  # 法律职业资格, 行政处罚法 第五十八条
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    agency: Mapped[Agency] = relationship()
    credentials: Mapped[list[Credential]] = relationship(back_populates="user", order_by="Credential.valid_from")


class Credential(Base):
    """执法证: an officer may act only while one is valid on the day (行政处罚法 第四十二条)."""

    __tablename__ = "credentials"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    credential_no: Mapped[str] = mapped_column(String(40), unique=True)
    field: Mapped[str] = mapped_column(String(100))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date] = mapped_column(Date)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship(back_populates="credentials")


class ApiToken(Base):
    """Per-user bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    # Idle timeout: refreshed at most once a minute by the request that uses the token.
    last_used_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()


class LoginThrottle(Base):
    """Failed sign-ins per account and per address, shared by every web process (exponential back-off)."""

    __tablename__ = "login_throttle"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_login_throttle_scope_key"),
                      Index("ix_login_throttle_last_failure_at", "last_failure_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))  # account / address
    key: Mapped[str] = mapped_column(String(100))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[dt.datetime | None]
    blocked_until: Mapped[dt.datetime | None]


def _default_id_kind(context) -> str:
    """A party inserted without its document type: an organisation's is its 统一社会信用代码, a person's the 身份证."""
    return "uscc" if context.get_current_parameters().get("kind") == "organization" else "resident_id"


class Party(Base):
    """当事人, reused across cases: their history decides 首违不罚 later."""

    __tablename__ = "parties"
    __table_args__ = (UniqueConstraint("kind", "id_number", name="uq_party_identity"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # person / organization
    name: Mapped[str] = mapped_column(String(200), index=True)
    id_number: Mapped[str] = mapped_column(String(30))  # 身份证号 (or another document's number) or 统一社会信用代码
    # 行政处罚法 第三十条: which document (domain.identifiers.ID_KINDS); only a GB 11643 number carries the birth date
    id_kind: Mapped[str] = mapped_column(String(30), default=_default_id_kind, server_default="resident_id")
    phone: Mapped[str | None] = mapped_column(String(30))
    address: Mapped[str | None] = mapped_column(String(300))
    legal_representative: Mapped[str | None] = mapped_column(String(100))
    # 行政处罚法 第三十条: a person's birth date when the 身份证号 does not carry it (passport, other documents)
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    created_by_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


# --- cases -----------------------------------------------------------------------------------


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("agency_id", "case_no", name="uq_case_no"),
        Index("ix_cases_agency_stage_id", "agency_id", "stage", "id"),
        Index("ix_cases_agency_created", "agency_id", "created_at", "id"),
        Index("ix_cases_agency_id_id", "agency_id", "id"),
        Index("ix_cases_created_id", "created_at", "id"),
        Index("ix_cases_stage_id", "stage", "id"),
        # whether an agency holds a case naming a party (its access rule): one probe, however many cases it has
        Index("ix_cases_party_agency", "party_id", "agency_id"),
        # the few cases with a referral under way (the referral board, the head's approvals), not all of them
        Index("ix_cases_referral_active", "agency_id", "id", sqlite_where=sa_text("referral_status <> 'none'"),
              postgresql_where=sa_text("referral_status <> 'none'")),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    case_no: Mapped[str | None] = mapped_column(String(80), index=True)
    stage: Mapped[str] = mapped_column(String(30))
    procedure: Mapped[str] = mapped_column(String(20), default="ordinary")  # ordinary / summary
    source: Mapped[str] = mapped_column(String(30))
    cause: Mapped[str] = mapped_column(String(300))
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))  # indexed with agency_id (above)
    lead_officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    discovered_on: Mapped[dt.date] = mapped_column(Date)
    filed_on: Mapped[dt.date | None] = mapped_column(Date)
    # 行政处罚法 第三十六条: when the act happened, when it ended, or that it is still going on (连续或者继续状态)
    act_started_on: Mapped[dt.date | None] = mapped_column(Date)
    act_ended_on: Mapped[dt.date | None] = mapped_column(Date)
    act_continuing: Mapped[bool] = mapped_column(Boolean, default=False)
    long_limitation_reason: Mapped[str | None] = mapped_column(Text)  # why five years (生命健康安全、金融安全)
    # 行政处罚法 第三十一至三十三条: the evidence ids each recorded ground rests on, {circumstance code: [evidence id]}
    ground_evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=dict)
    # 行政处罚法 第四十条: facts the investigation found impossible to compute, {fact: reason} (货值金额无法计算)
    uncomputable_facts: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=dict)
    # facts (行政处罚法 第四十条: facts established before a penalty)
    violations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    circumstances: Mapped[list[Any]] = mapped_column(JSON, default=list)
    illegal_gains: Mapped[Decimal | None]
    goods_value: Mapped[Decimal | None]
    sales_amount: Mapped[Decimal | None]
    turnover: Mapped[Decimal | None]
    advertising_fee: Mapped[Decimal | None]  # 广告费用 (广告法 第五十五条 …: fines in multiples of it)
    facts_text: Mapped[str | None] = mapped_column(Text)
    # proposed / decided outcome
    decision_kind: Mapped[str | None] = mapped_column(String(20))  # penalty / no_penalty / refer
    penalty_kinds: Mapped[list[Any]] = mapped_column(JSON, default=list)
    fine_amount: Mapped[Decimal | None]
    confiscated_amount: Mapped[Decimal | None]
    paid_amount: Mapped[Decimal | None]
    hearing_right: Mapped[bool] = mapped_column(Boolean, default=False)
    # prior notice and rights (行政处罚法 第四十四、四十五、六十三、六十四条)
    prior_notice_served_on: Mapped[dt.date | None] = mapped_column(Date)
    statement_due_on: Mapped[dt.date | None] = mapped_column(Date)
    rights_waived: Mapped[bool] = mapped_column(Boolean, default=False)
    hearing_status: Mapped[str] = mapped_column(String(20), default="none")  # none/requested/held/waived
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    served_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    # summary procedure (第五十一、五十二条)
    summary_form_no: Mapped[str | None] = mapped_column(String(40))
    summary_recorded_on: Mapped[dt.date | None] = mapped_column(Date)
    suspended_stage: Mapped[str | None] = mapped_column(String(30))
    # rule checks (Issue 4): benchmark placement, exemption, criminal suspicion, major decision
    benchmark: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    exemption: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    deviation_reason: Mapped[str | None] = mapped_column(Text)
    criminal_suspicion: Mapped[bool] = mapped_column(Boolean, default=False)
    criminal_crossings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    referral_status: Mapped[str] = mapped_column(String(30), default="none")
    major_reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    discussion_reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    legal_review_status: Mapped[str] = mapped_column(String(20), default="none")
    collective_discussion_on: Mapped[dt.date | None] = mapped_column(Date)
    event_seq: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    # The version guards what people entered: every act bumps it (services.cases.perform); derived fields the
    # rule handlers record do not, so an officer's ETag survives them. Every UPDATE still checks WHERE version=.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    agency: Mapped[Agency] = relationship()
    party: Mapped[Party | None] = relationship()
    officers: Mapped[list[CaseOfficer]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseOfficer.id"
    )
    acts: Mapped[list[CaseAct]] = relationship(viewonly=True, order_by="CaseAct.seq", lazy="select")

    @property
    def awaiting_confirmation(self) -> list[dict]:
        """The binding acts still waiting for a named officer's confirmation (会签), oldest first.

        From the acts if they are loaded; else four columns of them (not every act's data decoded into objects
        for a response that shows none of it)."""
        if self.stage == "lead" and "acts" not in self.__dict__:
            # A lead has had no act that waits for confirmation: those (services.acts, cosign=True) are taken in
            # investigation or open a case already served, and no act leads back to "lead" (a test checks the
            # declarations). The answer to registering a lead needs no read.
            return []
        if "acts" in self.__dict__ or self.id is None or (s := object_session(self)) is None:
            return [{"act_id": a.id, "action": a.action, "seq": a.seq, "awaiting": list(a.awaiting)}
                    for a in self.acts if a.awaiting]
        # a prebuilt statement on the driver cursor (casebook.db.raw): every act's answer on a case reads this
        rows = raw.query(raw.connection(s), _AWAITING, {"case_id_": self.id})
        return [{"act_id": id_, "action": action, "seq": seq, "awaiting": list(awaiting)}
                for id_, action, seq, awaiting in rows if awaiting]


class CaseOfficer(Base):
    """Officers assigned to a case (承办人); at least two hold valid credentials (第四十二条)."""

    __tablename__ = "case_officers"
    __table_args__ = (UniqueConstraint("case_id", "user_id"), Index("ix_case_officers_user_case", "user_id", "case_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="handler")  # lead / handler

    case: Mapped[Case] = relationship(back_populates="officers")
    user: Mapped[User] = relationship()


class CaseAct(Base):
    """Each act's input as entered (unmasked), in the case's event order: what the documents print.

    The trail keeps the privacy-masked copy and its hash; this row keeps what the law needs on paper.
    """

    __tablename__ = "case_acts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # the act's per-case event number
    action: Mapped[str] = mapped_column(String(60))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    occurred_at: Mapped[dt.datetime]
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # 会签: the other officers named on a binding act, until each confirms it ([] once all have); and who did, when.
    awaiting: Mapped[list[Any]] = mapped_column(JSON, default=list)
    confirmed: Mapped[list[Any]] = mapped_column(JSON, default=list)


# Case.awaiting_confirmation: four columns of a case's acts, oldest first (built once)
_a = CaseAct.__table__.c
_AWAITING = (select(_a.id, _a.action, _a.seq, _a.awaiting).where(_a.case_id == bindparam("case_id_"))
             .order_by(_a.seq))


class PaymentReceipt(Base):
    """A payment's receipt (罚没款票据), once per agency (行政处罚法 第七十条)."""

    __tablename__ = "payment_receipts"
    __table_args__ = (UniqueConstraint("agency_id", "receipt_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    receipt_no: Mapped[str] = mapped_column(String(60))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    amount: Mapped[Decimal]
    paid_on: Mapped[dt.date] = mapped_column(Date)


class InvestigationAct(Base):
    """One investigative act (现场检查, 询问, 抽样 …) with the officers who did it."""

    __tablename__ = "investigation_acts"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    acted_on: Mapped[dt.date] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    officer_ids: Mapped[list[Any]] = mapped_column(JSON)
    credential_nos: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Evidence(Base):
    """证据 of the eight kinds of 行政处罚法 第四十六条; files stored content-addressed by SHA-256."""

    __tablename__ = "evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    collected_on: Mapped[dt.date] = mapped_column(Date)
    collected_by: Mapped[list[Any]] = mapped_column(JSON, default=list)
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    media_type: Mapped[str | None] = mapped_column(String(100))
    original_name: Mapped[str | None] = mapped_column(String(255))
    # 音像记录 (三项制度: 全过程记录): device, officer, start and end
    device: Mapped[str | None] = mapped_column(String(100))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recording_started_at: Mapped[dt.datetime | None]
    recording_ended_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SummaryForm(Base):
    """A pre-numbered 当场处罚决定书 form issued to an agency (行政处罚法 第五十二条)."""

    __tablename__ = "summary_forms"
    __table_args__ = (UniqueConstraint("agency_id", "form_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    form_no: Mapped[str] = mapped_column(String(40))
    used_by_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class NumberSequence(Base):
    """Gap-free counters per agency, kind and year: 案号, and 文号 per document type."""

    __tablename__ = "number_sequences"
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


# --- trail, outbox, idempotency ----------------------------------------------------------------


class TrailEntry(Base):
    """全过程记录: one hash-chained entry per act; never updated or deleted."""

    __tablename__ = "trail_entries"
    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    occurred_at: Mapped[dt.datetime]
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_role: Mapped[str] = mapped_column(String(30))
    agency_id: Mapped[int | None] = mapped_column(Integer, index=True)
    case_id: Mapped[int | None] = mapped_column(BigId, index=True)
    action: Mapped[str] = mapped_column(String(60))
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON, PII masked; hashed as stored
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class TrailHead(Base):
    """The single row that serialises appends to the chain (locked FOR UPDATE, or by the UPDATE that moves it on).

    `prev_hash`: the hash before the last move by an act's one-statement append on PostgreSQL (its UPDATE sets
    it from the old `entry_hash` so that RETURNING can give it: PostgreSQL before 18 returns only new values).
    Other writers of the head leave it as it is; nothing reads it but that statement's RETURNING."""

    __tablename__ = "trail_head"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    entry_hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class TrailCheckpoint(Base):
    """An Ed25519-signed statement of the chain head, so a recomputed chain is still caught."""

    __tablename__ = "trail_checkpoints"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    entry_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[dt.datetime]
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(200))


class OutboxEvent(Base):
    """Domain events written in the same transaction as the act; the relay publishes them after commit."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_unsent", "sent_at", "id"), Index("ix_outbox_case_seq", "case_id", "case_seq"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[dt.datetime]
    agency_id: Mapped[int | None] = mapped_column(Integer)
    case_id: Mapped[int | None] = mapped_column(BigId)
    case_seq: Mapped[int | None] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    sent_at: Mapped[dt.datetime | None]


class IdempotencyRecord(Base):
    """The first response to a POST with an Idempotency-Key, replayed on retries."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CatalogueVersion(Base):
    """One published version of a rules catalogue (裁量基准, 免罚清单, 追诉标准, 触发条件), stored whole."""

    __tablename__ = "catalogue_versions"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_catalogue_code_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(300))
    issuer: Mapped[str] = mapped_column(String(200))
    document_no: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    effective_to: Mapped[dt.date | None] = mapped_column(Date)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    imported_by_id: Mapped[int | None] = mapped_column(Integer)
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CalendarOverride(Base):
    """Admin override of one day (工作日 or 休息日), for years the library lacks or corrections."""

    __tablename__ = "calendar_overrides"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    is_working_day: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(200), default="")


class CalendarYear(Base):
    """A year an admin has loaded completely (all holidays and 调休 as overrides)."""

    __tablename__ = "calendar_years"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(200))


# --- event consumers -------------------------------------------------------------------------------


class ConsumerInbox(Base):
    """One row per (consumer, event) applied or dead-lettered: duplicates are absorbed here."""

    __tablename__ = "consumer_inbox"
    __table_args__ = (UniqueConstraint("consumer", "event_id", name="uq_inbox_consumer_event"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    consumer: Mapped[str] = mapped_column(String(60))
    event_id: Mapped[str] = mapped_column(String(36))
    case_id: Mapped[int | None] = mapped_column(BigId)
    case_seq: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="applied")  # applied / dead_lettered
    processed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DeadLetter(Base):
    """A message a consumer gave up on, with its error, for `casebook events dlq list|replay`."""

    __tablename__ = "dead_letters"
    id: Mapped[int] = mapped_column(primary_key=True)
    consumer: Mapped[str] = mapped_column(String(60), index=True)
    event_id: Mapped[str | None] = mapped_column(String(36), index=True)
    event_type: Mapped[str | None] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    error: Mapped[str] = mapped_column(Text)
    retries: Mapped[int] = mapped_column(Integer, default=0)
    dead_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    replayed_at: Mapped[dt.datetime | None]


class Activity(Base):
    """Read model: what happened, who, when — per agency and per case (fed by the `activity` consumer)."""

    __tablename__ = "activity"
    __table_args__ = (Index("ix_activity_agency_id", "agency_id", "id"), Index("ix_activity_case_id", "case_id", "id"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    event_type: Mapped[str] = mapped_column(String(80))
    agency_id: Mapped[int | None] = mapped_column(Integer)
    case_id: Mapped[int | None] = mapped_column(BigId)
    case_no: Mapped[str | None] = mapped_column(String(80))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str | None] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(String(500))
    occurred_at: Mapped[dt.datetime]


# --- documents (文书, Issue 6) -----------------------------------------------------------------------


class Document(Base):
    """A 文书 issued for a case, or its bound 案卷 (doc_type "case_file").

    The context snapshot is taken when the document is requested, so the PDF the worker renders shows
    the case as it was at issue. A 文号 (GB/T 9704 §7.2.5) is taken from the gap-free sequence of the
    agency, document type and year; `uq_document_number` keeps a voided number from ever being reused.
    """

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("agency_id", "doc_type", "number_year", "number_seq", name="uq_document_number"),
        Index("ix_documents_case_id", "case_id", "id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    doc_type: Mapped[str] = mapped_column(String(40))
    document_no: Mapped[str | None] = mapped_column(String(80))
    number_year: Mapped[int | None] = mapped_column(Integer)
    number_seq: Mapped[int | None] = mapped_column(Integer)
    doc_date: Mapped[dt.date | None] = mapped_column(Date)  # the date the document bears (local)
    status: Mapped[str] = mapped_column(String(20), default="requested")  # requested/rendered/failed/voided
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # act_id, served … as requested
    context: Mapped[dict[str, Any]] = mapped_column(JSON)  # plain data, dumped by schemas.documents
    pdf_variant: Mapped[str | None] = mapped_column(String(20))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(BigInteger)
    page_count: Mapped[int | None] = mapped_column(Integer)
    progress: Mapped[int | None] = mapped_column(SmallInteger)  # 0–100 while the worker renders it
    error: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    rendered_at: Mapped[dt.datetime | None]
    voided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    voided_at: Mapped[dt.datetime | None]
    void_reason: Mapped[str | None] = mapped_column(Text)


# --- legal review, collective discussion, criminal referral (Issue 5) --------------------------------------


class LegalReview(Base):
    """One round of 法制审核 (行政处罚法 第五十八条): the package submitted, the reviewer, the opinion."""

    __tablename__ = "legal_reviews"
    __table_args__ = (UniqueConstraint("case_id", "round", name="uq_legal_review_round"),
                      Index("ix_legal_reviews_queue", "agency_id", "status", "due_on"))
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    round: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # submitted / assigned / approved / returned
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    package: Mapped[dict[str, Any]] = mapped_column(JSON)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_on: Mapped[dt.date | None] = mapped_column(Date)
    opinion: Mapped[str | None] = mapped_column(String(20))
    checklist: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    opinion_text: Mapped[str | None] = mapped_column(Text)
    reviewed_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CollectiveDiscussion(Base):
    """负责人集体讨论 (行政处罚法 第五十七条第二款): date, attendees, opinions, conclusion."""

    __tablename__ = "collective_discussions"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    held_on: Mapped[dt.date] = mapped_column(Date)
    attendees: Mapped[list[Any]] = mapped_column(JSON)
    opinions: Mapped[str] = mapped_column(Text)
    conclusion: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Referral(Base):
    """行刑衔接 (国务院令第310号): team, report, the head's decision, transfer, the police's answer."""

    __tablename__ = "referrals"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    origin: Mapped[str] = mapped_column(String(20))  # rules / officer
    status: Mapped[str] = mapped_column(String(30))
    team_ids: Mapped[list[Any]] = mapped_column(JSON)
    formed_on: Mapped[dt.date] = mapped_column(Date)
    report: Mapped[str | None] = mapped_column(Text)
    reported_on: Mapped[dt.date | None] = mapped_column(Date)
    head_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    head_decision: Mapped[str | None] = mapped_column(String(20))  # approved / declined
    head_decided_on: Mapped[dt.date | None] = mapped_column(Date)
    head_reasons: Mapped[str | None] = mapped_column(Text)
    transferred_at: Mapped[dt.datetime | None]
    police_agency: Mapped[str | None] = mapped_column(String(200))
    procuratorate: Mapped[str | None] = mapped_column(String(200))
    materials: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    evidence_manifest: Mapped[list[Any] | None] = mapped_column(JSON)
    receipt_on: Mapped[dt.date | None] = mapped_column(Date)
    police_decision: Mapped[str | None] = mapped_column(String(20))  # filed / declined / returned
    police_notice_on: Mapped[dt.date | None] = mapped_column(Date)
    police_reasons: Mapped[str | None] = mapped_column(Text)
    reconsideration_on: Mapped[dt.date | None] = mapped_column(Date)
    supervision_on: Mapped[dt.date | None] = mapped_column(Date)
    penalty_copy_on: Mapped[dt.date | None] = mapped_column(Date)
    # 第十二条: after the police's 立案, the 涉案物品 and materials handed over to them, and the 交接手续 done
    handed_over_on: Mapped[dt.date | None] = mapped_column(Date)
    handover_items: Mapped[str | None] = mapped_column(Text)
    handover_receiver: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# --- deadlines (Issue 5) ------------------------------------------------------------------------------
# Legal deadlines are rows, not jobs (docs/decisions.md): the scheduler sweeps due rows through the partial
# indexes below, so a sweep is an index range scan whatever the size of the table.

from sqlalchemy import text  # noqa: E402 — kept in this section so the sections merge independently
from sqlalchemy.orm import query_expression  # noqa: E402

_OPEN_UNPAUSED = "status = 'open' AND paused_since IS NULL"


class Deadline(Base):
    """One legal deadline of a case: kind, the day it runs from, when it is due, its basis and status.

    due_on / warn_on are local dates (Asia/Shanghai) for people; due_at / warn_at are the UTC instants
    the sweep compares with (due_at: the end of due_on, or the exact hour for hour-counted kinds).
    A deadline whose due date needs a year the calendar lacks has calendar_missing_year set and a provisional
    due_on (weekends + statutory holidays; casebook.calendar.statutory) until that year is loaded.
    """

    __tablename__ = "deadlines"
    __table_args__ = (
        # One live deadline per (case, kind, ref); ref is '' when the kind occurs once per case.
        Index("uq_deadlines_live", "case_id", "kind", "ref", unique=True,
              sqlite_where=text("status IN ('open', 'missed')"), postgresql_where=text("status IN ('open', 'missed')")),
        Index("ix_deadlines_warn", "warn_at", sqlite_where=text(_OPEN_UNPAUSED + " AND warned_at IS NULL"),
              postgresql_where=text(_OPEN_UNPAUSED + " AND warned_at IS NULL")),
        Index("ix_deadlines_due", "due_at", sqlite_where=text(_OPEN_UNPAUSED), postgresql_where=text(_OPEN_UNPAUSED)),
        Index("ix_deadlines_calendar_missing", "calendar_missing_year",
              sqlite_where=text("status = 'open' AND calendar_missing_year IS NOT NULL"),
              postgresql_where=text("status = 'open' AND calendar_missing_year IS NOT NULL")),
        Index("ix_deadlines_agency_due", "agency_id", "due_on", "id"),
        Index("ix_deadlines_case_status", "case_id", "status"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    kind: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str] = mapped_column(String(64), default="")
    unit: Mapped[str] = mapped_column(String(10))  # working / calendar / hours / years
    length: Mapped[int] = mapped_column(Integer)  # the base length, before extensions and pauses
    starts_on: Mapped[dt.date] = mapped_column(Date)
    start_at: Mapped[dt.datetime | None]  # hour-counted kinds: the exact start
    extended_days: Mapped[int] = mapped_column(Integer, default=0)
    paused_days: Mapped[int] = mapped_column(Integer, default=0)
    paused_since: Mapped[dt.date | None] = mapped_column(Date)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    due_at: Mapped[dt.datetime | None]
    warn_on: Mapped[dt.date | None] = mapped_column(Date)
    warn_at: Mapped[dt.datetime | None]
    basis: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(12), default="open")  # open / met / missed / expired / cancelled
    warned_at: Mapped[dt.datetime | None]
    missed_at: Mapped[dt.datetime | None]
    met_at: Mapped[dt.datetime | None]
    met_on: Mapped[dt.date | None] = mapped_column(Date)
    cancelled_at: Mapped[dt.datetime | None]
    calendar_missing_year: Mapped[int | None] = mapped_column(Integer)
    calendar_flagged_at: Mapped[dt.datetime | None]
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # counting options, extensions, notes
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# Case lists carry an `overdue` flag computed in SQL (casebook.services.deadlines.overdue_expression),
# loaded with with_expression(); None where a query did not ask for it.
Case.overdue = query_expression()


# --- publicity (公示, Issue 14) ---------------------------------------------------------------------------------


class Publication(Base):
    """One decision's publication record (事后公开): drafted on the decision, published by the agency's head,
    withdrawn, expired or removed early. `source` is the original (staff only); `published` the redacted
    信息摘要 the public sees. Public reads filter status = 'published' AND display_until >= today."""

    __tablename__ = "publications"
    __table_args__ = (
        # the public search lists newest decisions first, filtered by status (and agency) and a decision-date range
        Index("ix_publications_public", "status", "decided_on", "id"),
        Index("ix_publications_agency_public", "agency_id", "status", "decided_on", "id"),
        Index("ix_publications_agency", "agency_id", "id"),  # the staff queue
        Index("ix_publications_uscc", "uscc"),
        Index("ix_publications_document_no", "document_no"),
        Index("ix_publications_case", "case_id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    source_event_id: Mapped[str] = mapped_column(String(36), unique=True)
    system: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))  # draft/published/withdrawn/expired/removed/excluded/not_published
    reason_code: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)  # why not published / excluded / withdrawn / removed
    procedure: Mapped[str] = mapped_column(String(20))
    decision_kind: Mapped[str] = mapped_column(String(20))
    penalty_kinds: Mapped[list[Any]] = mapped_column(JSON, default=list)
    fine_amount: Mapped[Decimal | None]
    decided_on: Mapped[dt.date] = mapped_column(Date)
    document_no: Mapped[str | None] = mapped_column(String(80))
    party_name: Mapped[str] = mapped_column(String(200))  # as published (a natural person's name masked)
    uscc: Mapped[str | None] = mapped_column(String(18))  # organisations only
    violation_type: Mapped[str] = mapped_column(String(300))
    agency_name: Mapped[str] = mapped_column(String(200))
    third_party_names: Mapped[list[Any]] = mapped_column(JSON, default=list)
    source: Mapped[dict[str, Any]] = mapped_column(JSON)
    published: Mapped[dict[str, Any]] = mapped_column(JSON)
    ban_months: Mapped[int | None] = mapped_column(Integer)
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    display_until: Mapped[dt.date | None] = mapped_column(Date)
    display_basis: Mapped[str | None] = mapped_column(String(200))
    ended_on: Mapped[dt.date | None] = mapped_column(Date)  # withdrawn, expired or removed on
    # the masking rules the public text was made with (services.publicity.redaction_rules); older ones are redone
    redacted_with: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RemedyOutcome(Base):
    """The outcome of 行政复议 or 行政诉讼 against a decision, as recorded on the case (行政处罚法 第四十八条第二款)."""

    __tablename__ = "remedy_outcomes"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    kind: Mapped[str] = mapped_column(String(20))  # reconsideration / litigation
    outcome: Mapped[str] = mapped_column(String(30))  # upheld / revoked / changed / confirmed_unlawful / confirmed_void
    decided_on: Mapped[dt.date] = mapped_column(Date)
    authority: Mapped[str] = mapped_column(String(200))
    document_no: Mapped[str | None] = mapped_column(String(100))
    summary: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Remedy(Base):
    """A 行政复议 applied for or a 行政诉讼 brought against a served fine (行政处罚法 第七十三条): the decision is still
    executed, but the 加处罚款 is not counted from the day it was filed to the day it concluded (both included;
    domain.deadlines.remedy_pause). One pending at a time; recorded by the acts record_remedy_filed and
    record_remedy_concluded."""

    __tablename__ = "remedies"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    kind: Mapped[str] = mapped_column(String(20))  # reconsideration / litigation (REMEDY_KINDS)
    filed_on: Mapped[dt.date] = mapped_column(Date)
    authority: Mapped[str] = mapped_column(String(200))  # 复议机关 or 人民法院
    remedy_case_no: Mapped[str | None] = mapped_column(String(100))  # the 复议 or the court's 案号
    concluded_on: Mapped[dt.date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(30))  # REMEDY_CONCLUSIONS
    document_no: Mapped[str | None] = mapped_column(String(100))  # the 复议决定书 or judgment's 文号
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
from casebook.db import models_evaluation as _models_evaluation  # noqa: E402, F401 — 案卷评查 (Issue 15)
from casebook.db import models_supervision  # noqa: E402,F401  (supervision: problem models, indexes)
