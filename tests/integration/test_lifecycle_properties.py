"""Property tests over the case lifecycle, through the API, on every backend.

A hypothesis state machine opens leads and on-the-spot decisions and then acts on them: any action of
the lifecycle — the procedure itself, legal review (法制审核), collective discussion (集体讨论) and criminal
referral (行刑衔接) — by any demo user, with plausible or deliberately wrong input, dates and If-Match. After
each step:

(a) the act succeeded exactly when the lifecycle allows it: the expectation is computed here, from the
    transition table's stages and roles and from the guards restated as plain rules over a model of the
    case (its review rounds and referrals too), never by asking the product; a refused act is a 4xx and
    changes nothing at all. The rule guards read configuration. The test template holds no catalogue, so
    each example imports the test 立案追诉标准 (restated in `Oracle.crosses`), and the 法制审核/集体讨论
    triggers are the defaults, read from the registry and applied by rules restated here. The benchmark and
    exemption guards need violation or exemption codes, which this machine never names: on `propose_penalty`
    and `decide` they may add reasons of their own (CATALOGUE_REASONS) to a refusal, and nothing else;
(b) the whole trail verifies;
(c) each committed act added exactly one "case.<act>" trail entry and one outbox row, preceded by one
    system entry for each deadline it planned or settled ("deadline.planned", "deadline.met" …, no event),
    and the outbox rows of every case carry case_seq 1, 2, 3 … without a gap;
(d) what the API shows of each case an act changed matches the model: its legal_review_status,
    referral_status and collective-discussion date, each review round and referral, and each deadline
    (GET /deadlines?case_id=…): a legal-review deadline is open while its round is pending and met on the
    day of the opinion; the deadlines of 国务院令第310号 and 高检会〔2006〕2号 follow the referral's steps. A
    penalty decision is let through only with the latest review round approved when the decision is major,
    and never while a referral is under way or a prosecution threshold is crossed and not settled (以罚代刑).

Every example runs on a fresh copy of the migrated and seeded template database.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import shutil
import uuid
import warnings
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, Phase, event, note
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from casebook.calendar import WorkingDayCalendar
from casebook.config import Settings
from casebook.db import models as m
from casebook.db.engine import make_engine, make_sessionmaker
from casebook.domain.errors import CalendarDataMissing
from casebook.domain.lifecycle import REFERRAL_IN_PROGRESS, REFERRAL_RESOLVED, TRANSITIONS
from casebook.services import catalogue as cat
from casebook.services import deadlines
from casebook.services.audit import verify_trail
from casebook.services.context import SYSTEM
from schemas.api.cases import ACTION_SCHEMAS, LeadIn, SummaryDecisionIn
from schemas.api.records import EvidenceMetaIn
from tests.helpers import PNG, ApiClient

LOCAL = ZoneInfo("Asia/Shanghai")
TODAY = dt.datetime.now(LOCAL).date()  # legal dates are Beijing dates
D = dt.date
START = D(2026, 3, 2)  # a Monday; every demo credential is valid 2024-01-01 … 2029-12-31
CAL = WorkingDayCalendar()  # the statutory calendar with no local overrides (the test databases have none)

# Restated from the law, not imported: 行政处罚法 第六十三条 (hearing right) and 第五十一条 (summary limits).
HEARING_KINDS = {"lower_qualification", "revoke_license", "suspend_operations", "order_closure", "restrict_practice"}
SUMMARY_LIMIT = {"person": Decimal("200"), "organization": Decimal("3000")}
NON_EXECUTED_KINDS = {"warning", "circulated_criticism"}  # nothing to execute: the case may close once served
# 国办发〔2018〕118号: the seven items of a legal review; 国务院令第310号 第六条: the five materials of a transfer.
CHECKLIST = ["subject", "procedure", "facts", "law", "authority", "documents", "criminal"]
MATERIALS = ["referral_letter", "investigation_report", "item_list", "inspection_report", "other_materials"]
# The working days of a legal review: the agency's own limit, else the configured one (Settings.legal_review_days, ten
# by default for 市监, rules.md §4). Set here to another value, so that a round's due date and its deadline are seen
# to follow the configuration.
LEGAL_REVIEW_DAYS = 7
# The deadlines the review and referral acts plan: (unit, length). "310" is 国务院令第310号's 「3日」, counted as
# configured (calendar days by default); the transfer's 24 hours run from the approval; 高检会〔2006〕2号's ten days.
DEADLINES = {"legal_review": ("working", LEGAL_REVIEW_DAYS), "referral_decision": ("310", 3), "referral_transfer": ("hours", 24),
             "police_decision": ("310", 3), "reconsideration_request": ("310", 3), "penalty_copy": ("calendar", 10)}
PENDING_REVIEW = ("submitted", "assigned")
DECIDED = ("decided", "served", "executing", "closed", "archived")  # stages after a decision (高检会〔2006〕2号)
# The step of a referral (its latest record) each act follows (国务院令第310号 第五条至第十三条).
REFERRAL_STEPS = {
    "decline_referral": ("none", "reported"),
    "submit_referral_report": ("team_formed",),
    "approve_referral": ("reported",),
    "transfer_referral": ("approved",),
    "record_police_receipt": ("transferred",),
    "record_police_decision": ("transferred", "receipted", "reconsideration_requested"),
    "request_reconsideration": ("police_declined",),
    "request_supervision": ("police_declined", "reconsideration_requested"),
    "record_police_return": ("transferred", "receipted", "police_filed"),
}

# 郭琪's credential ends on 2026-03-31: acts on either side of it.
CREDENTIAL_EDGES = (D(2026, 3, 31), D(2026, 4, 1))
FINES = ["5000.00", "150.00", "200.00", "201.00", "3000.00", "3000.01", "20000.00", "150000.00", "0.00"]
KIND_SETS = [["fine"], ["warning"], ["fine", "confiscate_gains"], ["revoke_license"], ["warning", "fine"],
             ["circulated_criticism"], ["fine", "suspend_operations"]]
# If-Match values that are not an ETag of this system; each must be a clean 4xx.
GARBAGE_ETAGS = ['"abc"', "*", 'W/"x"', "", '"-1"', '"1.0"', "null", '"', "1 2", '"²"', '"9999999999999"']
THRESHOLDS = Path(__file__).resolve().parents[1] / "fixtures" / "catalogue" / "thresholds.yaml"

# --- the world: one app, and a fresh copy of the template database per example ------------------------------


@dataclass(frozen=True)
class Person:
    name: str
    id: int
    agency: int
    roles: frozenset[str]
    creds: tuple[tuple[dt.date, dt.date, bool], ...]
    active: bool = True
    bar: bool = False  # 法律职业资格

    def valid_on(self, day: dt.date) -> bool:
        return any(not revoked and a <= day <= b for a, b, revoked in self.creds)


ACTORS = ["zhangwei", "liqiang", "wangfang", "zhaomin", "sunli", "chenjie", "liuyang", "zhouhua", "wujing", "admin",
          "guoqi", "xinren", "dual", "novice"]
# Users added to 山亭市监 for each example: an officer whose credential expired on 2026-03-31, one without any,
# one with a revoked credential, one who has left (inactive); an officer who is also a bar-qualified legal
# reviewer (so a reviewer may be an officer of the case); a first-time reviewer without 法律职业资格; a
# reviewer who has left. (username, name, roles, credentials, active, bar-qualified)
EXTRA_USERS = [
    ("guoqi", "郭琪", ["officer"], [(D(2024, 1, 1), D(2026, 3, 31), False)], True, False),
    ("xinren", "辛仁", ["officer"], [], True, False),
    ("chexiao", "车晓", ["officer"], [(D(2024, 1, 1), D(2029, 12, 31), True)], True, False),
    ("lizhi", "黎智", ["officer"], [(D(2024, 1, 1), D(2029, 12, 31), False)], False, False),
    ("dual", "兼审", ["officer", "legal_reviewer"], [(D(2024, 1, 1), D(2029, 12, 31), False)], True, True),
    ("novice", "新审", ["legal_reviewer"], [], True, False),
    ("exreviewer", "离审", ["legal_reviewer"], [], False, True),
]


class World:
    """One app and engine for the whole test; `fresh()` puts a new copy of the template database under them.

    Building the app is the slow part (its OpenAPI spec), so it is made once; each example still starts from
    the seeded template: the engine's pool is emptied and the database file (or PostgreSQL database) is
    recreated from the template under the same URL.
    """

    def __init__(self, url: str, data_dir: Path, recreate, cleanup=None):
        from casebook.web.app import create_app

        self.settings = Settings(data_dir=data_dir, database_url=url, max_upload_bytes=2 * 1024 * 1024,
                                 legal_review_days=LEGAL_REVIEW_DAYS)
        # The deadlines service reads its defaults (the review limit among them) from the settings it is given, as
        # `casebook serve` gives it the app's; create_app does not, so the test does (and undoes it in close()).
        deadlines.configure(self.settings)
        self._recreate, self._cleanup = recreate, cleanup
        recreate()
        self.engine = make_engine(url)
        self.sessions = make_sessionmaker(self.engine)
        self.app = create_app(self.settings, engine=self.engine)
        self.thresholds = yaml.safe_load(THRESHOLDS.read_text(encoding="utf-8"))

    def fresh(self) -> World:
        self.engine.dispose()
        self._recreate()
        shutil.rmtree(self.settings.blob_dir, ignore_errors=True)
        self._add_extra_users()
        self._import_thresholds()
        self.api = ApiClient(self.app.test_client(), self.sessions)  # tokens live in the database: new ones
        self.people, self.agency_parent, self.parties, self.triggers, self.review_limit = self._load()
        self.by_id = {q.id: q for q in self.people.values()}
        return self

    def _add_extra_users(self) -> None:
        with self.sessions() as s, s.begin():
            amr = s.execute(select(m.User.agency_id).where(m.User.username == "zhangwei")).scalar_one()
            for i, (username, name, roles, creds, active, bar) in enumerate(EXTRA_USERS):
                u = m.User(username=username, display_name=name, password_hash="!", agency_id=amr, roles=roles,
                           active=active, bar_qualified=bar)
                s.add(u)
                s.flush()
                for j, (a, b, revoked) in enumerate(creds):
                    s.add(m.Credential(user_id=u.id, credential_no=f"3704009{i}{j}", field="市场监管", valid_from=a,
                                       valid_to=b, revoked=revoked))

    def _import_thresholds(self) -> None:
        with self.sessions() as s, s.begin():
            cat.import_document(s, SYSTEM, self.thresholds, source=THRESHOLDS.name)
        cat.invalidate()

    def _load(self):
        with self.sessions() as s:
            people = {}
            for u in s.execute(select(m.User)).scalars():
                creds = tuple((c.valid_from, c.valid_to, c.revoked) for c in u.credentials)
                people[u.username] = Person(u.username, u.id, u.agency_id, frozenset(u.roles), creds, u.active,
                                            bool(u.bar_qualified))
            agencies = s.execute(select(m.Agency)).scalars().all()
            parents = {a.id: a.parent_id for a in agencies}
            # The 法制审核/集体讨论 triggers in force for each agency: configuration, read as the product reads it.
            triggers = {a.id: cat.triggers_for(s, a.id, START) for a in agencies}
            # The round's due date and its deadline: the agency's own limit, else the configured one.
            limits = {a.id: a.review_limit_days or self.settings.legal_review_days for a in agencies}
            parties = dict(s.execute(select(m.Party.kind, m.Party.id)).all())
        return people, parents, parties, triggers, limits

    def close(self) -> None:
        deadlines.configure(None)
        self.engine.dispose()
        if self._cleanup:
            self._cleanup()


@pytest.fixture
def world(backend, request, tmp_path):
    """The test's World on its backend; each hypothesis example calls `fresh()`."""
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "casebook.db"

        def recreate():
            for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                extra.unlink(missing_ok=True)
            shutil.copy(template, path)

        w = World(f"sqlite:///{path}", tmp_path / "data", recreate)
    else:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        from tests.conftest import PG_URL, _pg_admin_url

        template = request.getfixturevalue("pg_template")
        name = f"cbprop_{uuid.uuid4().hex[:10]}"
        admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")

        def recreate():
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))

        def cleanup():
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        w = World(url, tmp_path / "data", recreate, cleanup)
    yield w
    w.close()


# --- the model of a case ----------------------------------------------------------------------------------


@dataclass
class Round:
    """One round of 法制审核 (行政处罚法 第五十八条): submitted, assigned, then approved or returned."""

    n: int
    submitted_on: dt.date
    due_on: dt.date | None
    id: int  # the product's id, learnt from the act's trail entry (deadlines refer to it)
    status: str = "submitted"
    reviewer: int | None = None
    assigned_on: dt.date | None = None
    reviewed_on: dt.date | None = None
    # What the round reviews: the case's proposal when it was submitted (kind, penalty kinds, fine)
    proposal: tuple[str | None, frozenset[str], Decimal | None] | None = None


@dataclass
class Referral:
    """One referral (国务院令第310号): its step, the 专案组, the police's notice and the copy of the penalty."""

    id: int | None
    status: str
    team: list[int]
    formed_on: dt.date | None = None
    reported_on: dt.date | None = None
    head_decided_on: dt.date | None = None  # the head's approval, or refusal of a report
    transferred_on: dt.date | None = None  # the Beijing day of the transfer
    receipt_on: dt.date | None = None
    notice_on: dt.date | None = None  # the police's notice: filed, declined, or the case sent back
    copy_on: dt.date | None = None


@dataclass
class Due:
    """A deadline as the model expects GET /deadlines to show it."""

    kind: str
    ref: str
    starts_on: dt.date
    due_on: dt.date | None  # None: a year the calendar lacks (listed with status=pending)
    start_at: dt.datetime | None = None
    status: str = "open"
    met_on: dt.date | None = None


@dataclass
class CaseModel:
    id: int
    agency: int
    stage: str
    version: int
    clock: dt.date
    procedure: str = "ordinary"
    party_kind: str | None = None
    officers: list[int] = field(default_factory=list)
    evidence: int = 0
    goods_value: Decimal | None = None
    circumstances: list[str] = field(default_factory=list)
    decision_kind: str | None = None
    penalty_kinds: list[str] = field(default_factory=list)
    fine: Decimal | None = None
    hearing_right: bool = False
    notice_on: dt.date | None = None
    due_on: dt.date | None = None
    waived: bool = False
    hearing_status: str = "none"
    summary_recorded: bool = False
    suspended_stage: str | None = None
    paid: Decimal = Decimal("0")
    discovered_on: dt.date | None = None
    filed_on: dt.date | None = None
    decided_on: dt.date | None = None
    review_status: str = "none"  # the case's legal_review_status
    rounds: list[Round] = field(default_factory=list)
    discussion_on: dt.date | None = None
    referral_status: str = "none"  # the case's referral_status
    referrals: list[Referral] = field(default_factory=list)
    deadlines: list[Due] = field(default_factory=list)
    # "case.<action>" of each committed act, and "deadline.<what>" of each deadline it planned or settled, in order
    trail: list[str] = field(default_factory=list)

    @property
    def acts(self) -> int:
        return sum(1 for e in self.trail if e.startswith("case."))

    @property
    def review(self) -> Round | None:
        return self.rounds[-1] if self.rounds else None

    @property
    def referral(self) -> Referral | None:
        return self.referrals[-1] if self.referrals else None

    @property
    def step(self) -> str:
        """Where the latest referral stands ("none" without one)."""
        return self.referral.status if self.referral else "none"

    def live(self, kind: str, ref: str) -> Due | None:
        return next((x for x in self.deadlines if x.kind == kind and x.ref == ref and x.status == "open"), None)

    def plan(self, kind: str, ref: str, starts_on: dt.date, due_on: dt.date | None, start_at=None) -> None:
        """Plan a deadline: a new one, or the live one of that kind and ref moved to a new start."""
        live = self.live(kind, ref)
        if live is None:
            self.deadlines.append(Due(kind, ref, starts_on, due_on, start_at))
            self.trail.append("deadline.planned")
        elif (live.starts_on, live.start_at) != (starts_on, start_at):
            live.starts_on, live.start_at, live.due_on = starts_on, start_at, due_on
            self.trail.append("deadline.replanned")

    def settle(self, kind: str, ref: str, on: dt.date) -> None:
        """Mark the live deadline of that kind and ref met (nothing if none is live)."""
        live = self.live(kind, ref)
        if live is not None:
            live.status, live.met_on = "met", on
            self.trail.append("deadline.met")


# Reasons of the catalogue guards that need a violation or exemption code (see the module docstring), which this
# machine does not predict.
CATALOGUE_REASONS = frozenset({"penalty_above_legal_max", "deviation_reason_missing", "exemption_not_eligible",
                               "exemption_measures_missing"})
CATALOGUE_ACTIONS = ("propose_penalty", "decide")


@dataclass(frozen=True)
class Expect:
    status: int
    code: str | None = None
    reasons: frozenset[str] | None = None
    catalogue: frozenset[str] = frozenset()  # reasons the catalogue guards may add to a refusal

    @property
    def ok(self) -> bool:
        return self.status < 300


def day(v) -> dt.date | None:
    """The date a wire value names, if it is an ISO date."""
    if isinstance(v, str) and len(v) == 10 and v[4] == "-" and v[7] == "-":
        try:
            return D.fromisoformat(v)
        except ValueError:
            return None
    return None


def instant(v) -> dt.datetime | None:
    """The instant a wire value names, if it is an ISO date-time with a zone."""
    if isinstance(v, str) and len(v) > 10 and v[10] == "T":
        try:
            t = dt.datetime.fromisoformat(v)
        except ValueError:
            return None
        return t if t.tzinfo is not None else None
    return None


def local_day(v) -> dt.date | None:
    """The (Beijing) date a wire value names: an ISO date, or the local day of an instant with a zone."""
    t = instant(v)
    return t.astimezone(LOCAL).date() if t is not None else day(v)


def money(v) -> Decimal | None:
    return Decimal(v) if v is not None else None


def iso(v) -> str | None:
    return v.isoformat() if v is not None else None


# Acts only an officer of the case (or the head) may do: actor_is_case_officer.
CASE_OFFICER_ACTS = {"start_investigation", "record_investigation_act", "add_evidence", "update_facts",
                     "close_investigation", "propose_penalty", "serve_prior_notice", "record_statement",
                     "record_waiver", "request_hearing", "serve_decision", "submit_legal_review"}
# Acts that name officers (第四十二条: two with a credential valid on the act's day), and where.
OFFICER_FIELDS = {"file": ("officer_ids", "filed_on"), "record_investigation_act": ("officer_ids", "acted_on"),
                  "add_evidence": ("collected_by", "collected_on"), "form_referral_team": ("officer_ids", "formed_on")}


class Oracle:
    """What the lifecycle says should happen, from the transition table and the guards restated as rules."""

    def __init__(self, world: World):
        self.w = world
        self.reviews_done: dict[int, int] = {}  # opinions given, by reviewer (a first-time reviewer needs the bar)

    def can_read(self, p: Person, agency: int) -> bool:
        # An administrator configures and reads no case contents (issue 11): only the case roles read.
        if not set(p.roles) & {"officer", "agency_head", "legal_reviewer", "supervisor"}:
            return False
        if agency == p.agency:
            return True
        if "supervisor" in p.roles:  # its own agency and every agency below it
            a = agency
            while a is not None:
                if a == p.agency:
                    return True
                a = self.w.agency_parent.get(a)
        return False

    def officers_ok(self, ids, agency: int) -> bool:
        by_id = self.w.by_id
        return all(i in by_id and by_id[i].agency == agency and "officer" in by_id[i].roles and by_id[i].active
                   for i in ids)

    def named_officers(self, ids, on: dt.date) -> set[str]:
        """第四十二条: at least two named officers with a credential valid that day, and none without one."""
        if self.valid_count(ids, on) < 2:
            return {"officers_insufficient"}
        if self.valid_count(ids, on) < len(set(ids)):
            return {"officer_without_credential"}
        return set()

    # An act's date may not come before the case's dates it follows (立案 after discovery, service after decision …);
    # "review." and "referral." read the latest review round and the latest referral (an instant counts by its
    # Beijing day; a missing earlier date checks nothing).
    DATE_ORDER = {
        "file": (("filed_on", "discovered_on"),),
        "record_investigation_act": (("acted_on", "filed_on"),),
        "serve_prior_notice": (("served_on", "filed_on"),),
        "request_hearing": (("requested_on", "notice_on"),),
        "record_statement": (("received_on", "notice_on"),),
        "record_waiver": (("waived_on", "notice_on"),),
        "decide": (("decided_on", "filed_on"), ("decided_on", "notice_on")),
        "serve_decision": (("served_on", "decided_on"),),
        "record_payment": (("paid_on", "decided_on"),),
        "close": (("closed_on", "decided_on"),),
        "assign_legal_reviewer": (("assigned_on", "review.submitted_on"),),
        "record_legal_review": (("reviewed_on", "review.submitted_on"), ("reviewed_on", "review.assigned_on")),
        "submit_referral_report": (("reported_on", "referral.formed_on"),),
        "approve_referral": (("decided_on", "referral.reported_on"),),
        "decline_referral": (("decided_on", "referral.reported_on"),),
        "transfer_referral": (("transferred_at", "referral.head_decided_on"),),
        "record_police_receipt": (("receipt_on", "referral.transferred_on"),),
        "record_police_decision": (("notice_on", "referral.receipt_on"),),
        "request_reconsideration": (("requested_on", "referral.notice_on"),),
        "request_supervision": (("requested_on", "referral.notice_on"),),
        "record_police_return": (("returned_on", "referral.transferred_on"),),
        "record_penalty_copy": (("sent_on", "decided_on"),),
    }

    def out_of_order(self, c: CaseModel, action: str, body: dict) -> str | None:
        for key, earlier in self.DATE_ORDER.get(action, ()):
            head, _, attr = earlier.partition(".")
            before = getattr(c, head)
            if attr:
                before = getattr(before, attr) if before is not None else None
            mine = local_day(body.get(key))
            if mine is not None and before is not None and mine < before:
                return "date_out_of_order"
        return None

    def valid_count(self, ids, on: dt.date) -> int:
        by_id = self.w.by_id
        return sum(1 for i in dict.fromkeys(ids) if i in by_id and by_id[i].valid_on(on))

    @staticmethod
    def future(body: dict, keys=None) -> bool:
        """Any date of the act later than today (every `*_on` of the input: a record of what happened), and any
        instant (`transferred_at`, `approved_at`) whose Beijing day is."""
        return any((k.endswith("_on") or k.endswith("_at")) and (d := local_day(v)) is not None and d > TODAY
                   for k, v in body.items() if keys is None or k in keys)

    @staticmethod
    def malformed(action: str, body: dict) -> bool:
        """Input that the act's own input rules refuse whatever the case (a 422)."""
        if action == "record_legal_review":  # 第五十八条, 118号: every item, and an opinion that fits them
            items = body["checklist"]
            failing = [k for k, v in items.items() if not v["ok"]]
            return bool(set(CHECKLIST) - set(items) or (body["opinion"] == "approved" and failing)
                        or (body["opinion"] == "returned" and not failing) or any(not items[k].get("note") for k in failing))
        if action == "record_police_decision":  # 310号 第八条: a refusal to file comes with the police's reasons
            return body["decision"] == "declined" and not body.get("reasons")
        if action == "record_penalty_copy":  # 高检会〔2006〕2号: to the police and the procuratorate
            return set(body["sent_to"]) != {"police", "procuratorate"}
        if action in ("transfer_referral", "approve_referral"):  # an instant needs its zone
            return any(instant(body[k]) is None for k in ("transferred_at", "approved_at") if k in body)
        return False

    def act(self, c: CaseModel, p: Person, action: str, body: dict, if_match: str, schema_bad: bool) -> Expect:
        t = TRANSITIONS[action]
        if schema_bad:
            return Expect(422)
        if if_match == "missing":
            return Expect(428, "precondition_required")
        if if_match == "garbage":
            return Expect(409, "stale_version")
        if not self.can_read(p, c.agency):
            return Expect(404, "case_not_found")
        if p.agency != c.agency:
            return Expect(403, "out_of_scope")
        if if_match == "stale":
            return Expect(409, "stale_version")
        if self.future(body):
            return Expect(422, "date_in_future")
        named = body.get(OFFICER_FIELDS.get(action, ("",))[0], [])
        if not self.officers_ok(named, c.agency):
            return Expect(422, "unknown_officer")
        if not (p.roles & t.roles):
            return Expect(403, "role_not_allowed")
        if c.stage not in t.from_stages:
            return Expect(409, "action_refused", frozenset({"wrong_stage"}))
        try:
            reasons = self.guards(c, p, action, body, named)
            if action == "serve_prior_notice" and not reasons:
                CAL.add_working_days(day(body["served_on"]), 5)
            if action == "submit_legal_review" and not reasons:  # the round's due date
                CAL.add_working_days(day(body["submitted_on"]), self.w.review_limit[c.agency])
        except CalendarDataMissing:  # a period running into a year whose holidays are not loaded
            return Expect(422, "calendar_data_missing")
        catalogue = CATALOGUE_REASONS if action in CATALOGUE_ACTIONS else frozenset()
        if reasons:
            return Expect(409, "action_refused", frozenset(reasons), catalogue)
        if action == "update_lead" and "party_id" in body and body["party_id"] not in self.w.parties.values():
            return Expect(422, "unknown_party")
        return Expect(201 if action == "add_evidence" else 200, catalogue=catalogue)

    def guards(self, c: CaseModel, p: Person, action: str, body: dict, named: list[int]) -> set[str]:
        r: set[str] = set()
        case_officer = "agency_head" in p.roles or p.id in c.officers
        if action in CASE_OFFICER_ACTS and not case_officer:
            r.add("not_case_officer")
        if action in OFFICER_FIELDS:
            r |= self.named_officers(named, day(body[OFFICER_FIELDS[action][1]]))
        if (late := self.out_of_order(c, action, body)) is not None:
            r.add(late)
        if action == "file" and c.party_kind is None:
            r.add("party_missing")
        if action == "close_investigation" and c.evidence < 1:
            r.add("evidence_missing")
        if action == "serve_prior_notice" and (c.decision_kind != "penalty" or not c.penalty_kinds):
            r.add("penalty_not_proposed")
        if action == "request_hearing":
            if not c.hearing_right:
                r.add("no_hearing_right")
            if c.due_on and day(body["requested_on"]) > c.due_on:
                r.add("hearing_request_late")
        if action == "hold_hearing":
            if body["chair_id"] in c.officers:
                r.add("chair_is_investigator")
            if day(body["held_on"]) < CAL.add_working_days(day(body["notice_served_on"]), 7):
                r.add("hearing_notice_too_short")
        if action == "decide":
            on_day = day(body["decided_on"])
            if self.valid_count(c.officers, on_day) < 2:
                r.add("officers_insufficient")
            if body["kind"] == "penalty":
                if c.notice_on is None:
                    r.add("prior_notice_missing")
                elif not c.waived and c.due_on and on_day <= c.due_on:
                    r.add("statement_window_open")
                if c.hearing_status == "requested":
                    r.add("hearing_pending")
                if c.notice_on is not None:
                    fine = money(body.get("fine_amount"))
                    if (fine is not None and c.fine is not None and fine > c.fine) or \
                            set(body.get("penalty_kinds") or ()) - set(c.penalty_kinds):
                        r.add("heavier_than_notified")
                # 国务院令第310号 第十一条 (以罚代刑): not while a referral is under way, nor with a threshold crossed
                # unless the head declined to refer or the police declined, returned or were put under supervision.
                if c.referral_status in REFERRAL_IN_PROGRESS:
                    r.add("referral_in_progress")
                elif c.referral_status not in REFERRAL_RESOLVED and self.crosses(c):
                    r.add("criminal_suspicion_open")
                # 第五十八条: a major decision only after the latest review round approved it, and only the decision
                # that round reviewed; 第五十七条第二款.
                if self.major(c, body) and c.review_status != "approved":
                    r.add("legal_review_required")
                elif self.major(c, body) and c.review and c.review.proposal and \
                        c.review.proposal != self.decision_of(c, body):
                    r.add("legal_review_outdated")
                if self.discussion(c, body) and c.discussion_on is None:
                    r.add("collective_discussion_required")
        if action == "start_execution" and c.decision_kind != "penalty":
            r.add("nothing_to_execute")
        if action == "record_summary_filing" and c.procedure != "summary":
            r.add("not_summary_case")
        if action == "close":
            if c.procedure == "summary" and not c.summary_recorded:
                r.add("summary_not_recorded")
            if c.stage == "decided" and c.decision_kind != "refer":
                r.add("decision_not_served")  # 第六十一条
            if c.stage == "executing" and c.fine and c.paid < c.fine and not body.get("execution_note"):
                r.add("fine_unpaid")
            if c.stage == "served" and c.decision_kind == "penalty" and set(c.penalty_kinds) - NON_EXECUTED_KINDS:
                r.add("execution_missing")
        r |= self.review_guards(c, p, action, body)
        r |= self.referral_guards(c, p, action, body)
        return r

    def review_guards(self, c: CaseModel, p: Person, action: str, body: dict) -> set[str]:
        """法制审核 (第五十八条): one round at a time, assigned to a qualified reviewer who is not on the case."""
        r, rv = set(), c.review
        if action == "submit_legal_review" and rv is not None:
            if rv.status in PENDING_REVIEW:
                r.add("review_in_progress")
            elif rv.status == "approved":
                r.add("review_already_approved")
        if action == "assign_legal_reviewer":
            if rv is None or rv.status not in PENDING_REVIEW:
                r.add("no_review_submitted")
            if (why := self.unfit_reviewer(c, body["reviewer_id"])) is not None:
                r.add(why)
        if action == "record_legal_review":
            if rv is None or rv.status != "assigned" or rv.reviewer != p.id:
                r.add("review_not_assigned_to_you")
            if p.id in c.officers:
                r.add("reviewer_is_case_officer")
        return r

    def unfit_reviewer(self, c: CaseModel, rid: int) -> str | None:
        """Only a legal reviewer of the agency (one who has not left); bar-qualified unless they have reviewed
        before (第五十八条第二款); never an officer of the case (118号)."""
        q = self.w.by_id.get(rid)
        if q is None or not q.active or "legal_reviewer" not in q.roles or q.agency != c.agency:
            return "assignee_not_reviewer"
        if not q.bar and not self.reviews_done.get(rid):
            return "reviewer_not_qualified"
        if rid in c.officers:
            return "reviewer_is_case_officer"
        return None

    def referral_guards(self, c: CaseModel, p: Person, action: str, body: dict) -> set[str]:
        """国务院令第310号: one referral at a time, each act at its step."""
        r, ref = set(), c.referral
        if action in REFERRAL_STEPS and c.step not in REFERRAL_STEPS[action]:
            r.add("referral_wrong_step")
        if action == "decline_referral" and (c.referral_status in REFERRAL_RESOLVED or c.referral_status == "referred"):
            r.add("referral_already_settled")
        if action == "form_referral_team" and c.step in REFERRAL_IN_PROGRESS:
            r.add("referral_in_progress")
        if action == "submit_referral_report" and ref and p.id not in ref.team and "agency_head" not in p.roles:
            r.add("not_in_referral_team")  # 第五条: the 专案组 reports
        if action == "transfer_referral" and not all(body["materials"].get(k) for k in MATERIALS):
            r.add("referral_materials_missing")
        if action == "request_reconsideration" and ref and ref.notice_on and \
                (day(body["requested_on"]) - ref.notice_on).days > 3:
            r.add("reconsideration_late")  # 第九条: within three days of the notice
        if action == "record_penalty_copy" and (c.decision_kind != "penalty" or c.stage not in DECIDED):
            r.add("no_penalty_decided")
        return r

    # --- the rules catalogue, restated ---

    @staticmethod
    def crosses(c: CaseModel) -> bool:
        """The test 立案追诉标准 (tests/fixtures/catalogue/thresholds.yaml) for the facts this machine records:
        伪劣产品 货值 ≥15万 (刑法第一百四十条), or 掺入有毒、有害的非食品原料 (第一百四十四条). Its other lines need
        facts the machine never records (销售金额, 经营额, 违法所得, earlier penalties under a violation code)."""
        return (c.goods_value is not None and c.goods_value >= Decimal("150000")) or \
            "toxic_non_food_additive" in c.circumstances

    @staticmethod
    def triggered(section: dict, c: CaseModel, body: dict) -> bool:
        """A fine from the trigger's amount for the party's kind up, or a penalty kind it lists."""
        kinds = set(body.get("penalty_kinds", c.penalty_kinds) or ())
        fine = money(body["fine_amount"]) if "fine_amount" in body else c.fine
        limit = section.get(f"fine_{'organization' if c.party_kind == 'organization' else 'person'}_gte")
        return ("fine" in kinds and fine is not None and limit is not None and fine >= Decimal(str(limit))) or \
            bool(kinds & set(section.get("penalty_kinds") or ()))

    def major(self, c: CaseModel, body: dict) -> bool:
        """A major decision (第五十八条 and the agency's 法制审核目录): its amount, its kinds, or a hearing held."""
        lr = self.w.triggers[c.agency].legal_review
        return body.get("kind") == "penalty" and (self.triggered(lr, c, body)
                                                  or (c.hearing_status == "held" and bool(lr.get("heard_cases"))))

    @staticmethod
    def decision_of(c: CaseModel, body: dict) -> tuple[str | None, frozenset[str], Decimal | None]:
        """What a decision decides (kind, penalty kinds, fine), what the input leaves out read from the case's
        proposal: compared with what the approved review round saw."""
        kinds = body["penalty_kinds"] if "penalty_kinds" in body else c.penalty_kinds
        fine = money(body["fine_amount"]) if "fine_amount" in body else c.fine
        return body.get("kind", c.decision_kind), frozenset(kinds or ()), fine

    def discussion(self, c: CaseModel, body: dict) -> bool:
        """A decision the heads decide together (第五十七条第二款 and the local triggers)."""
        return body.get("kind") == "penalty" and self.triggered(self.w.triggers[c.agency].collective_discussion, c, body)

    def ready(self, c: CaseModel, action: str) -> bool:
        """Whether a review or referral act is the next step of its workflow, or the facts are still to be
        recorded (to draw those more often)."""
        rv, s = c.review, c.step
        return {
            "submit_legal_review": rv is None or rv.status == "returned",
            "assign_legal_reviewer": rv is not None and rv.status == "submitted",
            "record_legal_review": rv is not None and rv.status == "assigned",
            "record_collective_discussion": c.discussion_on is None,
            "form_referral_team": s not in REFERRAL_IN_PROGRESS and (s == "none" or self.crosses(c)),
            "decline_referral": s == "reported" or (self.crosses(c) and c.referral_status == "none"),
            "record_penalty_copy": c.live("penalty_copy", "") is not None,
            "update_facts": c.goods_value is None,
        }.get(action, s in REFERRAL_STEPS.get(action, ()))

    def register_lead(self, p: Person, body: dict, schema_bad: bool) -> Expect:
        if schema_bad:
            return Expect(422)
        if not p.roles & {"officer", "agency_head"}:
            return Expect(403, "role_not_allowed")
        if self.future(body, ["discovered_on"]):
            return Expect(422, "date_in_future")
        if body.get("party_id") is not None and body["party_id"] not in self.w.parties.values():
            return Expect(422, "unknown_party")
        return Expect(201)

    def on_the_spot(self, p: Person, body: dict, schema_bad: bool, form_free: bool) -> Expect:
        if schema_bad:
            return Expect(422)
        if self.future(body, ["decided_on"]):
            return Expect(422, "date_in_future")
        kind = {v: k for k, v in self.w.parties.items()}.get(body["party_id"])
        if kind is None:
            return Expect(422, "unknown_party")
        if not self.officers_ok(body["officer_ids"], p.agency):
            return Expect(422, "unknown_officer")
        if "officer" not in p.roles:
            return Expect(403, "role_not_allowed")
        r = set()
        kinds = set(body["penalty_kinds"])
        fine = money(body.get("fine_amount"))
        if not kinds or kinds - {"warning", "fine"}:
            r.add("summary_kind_not_allowed")
        elif "fine" in kinds and (fine is None or fine <= 0):
            r.add("summary_fine_missing")
        elif "fine" in kinds and fine > SUMMARY_LIMIT[kind]:
            r.add("summary_fine_over_limit")
        if not form_free:
            r.add("summary_form_invalid")
        r |= self.named_officers(body["officer_ids"], day(body["decided_on"]))
        return Expect(409, "action_refused", frozenset(r)) if r else Expect(201)


def due_date(w: World, c: CaseModel, kind: str, start: dt.date, start_at: dt.datetime | None = None) -> dt.date | None:
    """When a deadline of `kind` falls due (None: a year the calendar lacks). Calendar periods end on the next
    working day when their last day is a rest day; working days skip holidays; hours run from the instant."""
    unit, n = DEADLINES[kind]
    if kind == "legal_review":
        n = w.review_limit[c.agency]
    if unit == "310":
        unit = "working" if w.settings.referral_day_counting == "working" else "calendar"
    try:
        if unit == "hours":
            return (start_at + dt.timedelta(hours=n)).astimezone(LOCAL).date()
        if unit == "working":
            return CAL.add_working_days(start, n)
        return CAL.end_of_calendar_period(start, n)
    except CalendarDataMissing:
        return None


def apply(c: CaseModel, action: str, body: dict, out: dict, extra: dict, w: World, now: dt.datetime) -> None:
    """The model's effect of a committed act; `extra` is what its trail entry adds (the ids of rounds and
    referrals, which the deadlines name)."""
    t = TRANSITIONS[action]
    party_kinds = {v: k for k, v in w.parties.items()}
    if action == "update_lead" and "party_id" in body:
        c.party_kind = party_kinds[body["party_id"]]
    elif action == "file":
        c.officers = list(dict.fromkeys(body["officer_ids"]))
        c.filed_on = day(body["filed_on"])
    elif action == "add_evidence":
        c.evidence += 1
    elif action == "update_facts":
        if "goods_value" in body:
            c.goods_value = money(body["goods_value"])
        if "circumstances" in body:
            c.circumstances = list(body["circumstances"])
    elif action == "propose_penalty":
        c.decision_kind, c.penalty_kinds = body["kind"], list(body.get("penalty_kinds") or [])
        c.fine = money(body.get("fine_amount"))
        # 较大数额 is local configuration (the catalogue's triggers): the model takes the hearing right the
        # product worked out, and `committed` checks the part the law fixes (第六十三条's kinds).
        c.hearing_right = out["hearing_right"]
    elif action == "serve_prior_notice":
        c.notice_on = day(body["served_on"])
        c.due_on = CAL.add_working_days(c.notice_on, 5)  # 第六十四条(一), 第八十五条: five working days
        c.waived = False
    elif action == "record_waiver":
        c.waived = True
    elif action == "request_hearing":
        c.hearing_status = "requested"
    elif action == "hold_hearing":
        c.hearing_status = "held"
    elif action == "record_hearing_no_show":
        c.hearing_status = "waived"
    elif action == "decide":
        if body["kind"] == "refer":
            c.referral_status = "referred"
        elif body["kind"] == "penalty" and c.referral_status != "none":
            # 高检会〔2006〕2号: a penalty on a case that met a referral goes in copy to 公安 and 检察院 within ten days.
            on = day(body["decided_on"])
            c.plan("penalty_copy", "", on, due_date(w, c, "penalty_copy", on))
        c.decision_kind, c.decided_on = body["kind"], day(body["decided_on"])
        if body["kind"] == "penalty":
            c.penalty_kinds = list(body.get("penalty_kinds") or c.penalty_kinds)
            if "fine_amount" in body:
                c.fine = money(body["fine_amount"])
            if "fine" not in c.penalty_kinds:
                c.fine = None  # the decision imposes no fine, whatever the notice proposed
        else:
            c.penalty_kinds, c.fine = [], None
    elif action == "record_payment":
        c.paid += Decimal(body["amount"])
    elif action == "record_summary_filing":
        c.summary_recorded = True
    elif action == "suspend":
        c.suspended_stage = c.stage
    elif action in REVIEW_EFFECTS or action in REFERRAL_EFFECTS:
        (REVIEW_EFFECTS.get(action) or REFERRAL_EFFECTS[action])(c, body, extra, w, now)
    if t.to == "@resume":
        c.stage, c.suspended_stage = c.suspended_stage, None
    elif t.to:
        c.stage = t.to
    dates = [d for v in body.values() if (d := day(v)) is not None] if isinstance(body, dict) else []
    c.clock = min(max([c.clock, *dates]), TODAY)
    c.trail.append(f"case.{action}")


def _submit_review(c, body, extra, w, now):
    on = day(body["submitted_on"])
    rv = Round(len(c.rounds) + 1, on, due_date(w, c, "legal_review", on), extra["review_id"],
               proposal=(c.decision_kind, frozenset(c.penalty_kinds), c.fine))
    assert (extra["round"], extra["due_on"]) == (rv.n, iso(rv.due_on)), (extra, rv)
    c.rounds.append(rv)
    c.review_status = "submitted"
    c.plan("legal_review", f"review:{rv.id}", on, rv.due_on)


def _assign_reviewer(c, body, extra, w, now):
    c.review.status, c.review.reviewer, c.review.assigned_on = "assigned", body["reviewer_id"], day(body["assigned_on"])
    c.review_status = "under_review"


def _record_review(c, body, extra, w, now):
    rv = c.review
    rv.status, rv.reviewed_on = body["opinion"], day(body["reviewed_on"])
    c.review_status = body["opinion"]
    c.settle("legal_review", f"review:{rv.id}", rv.reviewed_on)


def _discussion(c, body, extra, w, now):
    c.discussion_on = day(body["held_on"])


REVIEW_EFFECTS = {"submit_legal_review": _submit_review, "assign_legal_reviewer": _assign_reviewer,
                  "record_legal_review": _record_review, "record_collective_discussion": _discussion}


def _to(c: CaseModel, status: str) -> str:
    """Move the latest referral, and the case's referral status, to `status`; return the deadlines' ref."""
    c.referral.status = c.referral_status = status
    return f"referral:{c.referral.id}"


def _form_team(c, body, extra, w, now):
    c.referrals.append(Referral(extra["referral_id"], "team_formed", list(dict.fromkeys(body["officer_ids"])),
                                formed_on=day(body["formed_on"])))
    c.referral_status = "team_formed"


def _report(c, body, extra, w, now):
    on = day(body["reported_on"])  # 第五条: the head decides within three days of the report
    c.referral.reported_on = on
    c.plan("referral_decision", _to(c, "reported"), on, due_date(w, c, "referral_decision", on))


def _approve(c, body, extra, w, now):
    ref = _to(c, "approved")
    c.referral.head_decided_on = day(body["decided_on"])
    c.settle("referral_decision", ref, day(body["decided_on"]))
    at = (instant(body["approved_at"]) if "approved_at" in body else now).astimezone(dt.UTC)
    c.plan("referral_transfer", ref, at.astimezone(LOCAL).date(), due_date(w, c, "referral_transfer", None, at), at)


def _decline(c, body, extra, w, now):
    if c.referral and c.referral.status == "reported":
        c.referral.head_decided_on = day(body["decided_on"])
        c.settle("referral_decision", _to(c, "declined_by_head"), day(body["decided_on"]))
    c.referral_status = "declined_by_head"


def _transfer(c, body, extra, w, now):  # the 24 hours are met on the (Beijing) day of the transfer
    c.referral.transferred_on = local_day(body["transferred_at"])
    c.settle("referral_transfer", _to(c, "transferred"), c.referral.transferred_on)


def _receipt(c, body, extra, w, now):
    on = day(body["receipt_on"])  # 第八条: the police decide within three days of receiving the transfer
    c.referral.receipt_on = on
    c.plan("police_decision", _to(c, "receipted"), on, due_date(w, c, "police_decision", on))


def _police_decision(c, body, extra, w, now):
    on = day(body["notice_on"])
    ref = _to(c, "police_filed" if body["decision"] == "filed" else "police_declined")
    c.referral.notice_on = on
    c.settle("police_decision", ref, on)
    if body["decision"] == "declined":  # 第九条: three days to ask for 复议
        c.plan("reconsideration_request", ref, on, due_date(w, c, "reconsideration_request", on))


def _reconsideration(c, body, extra, w, now):
    c.settle("reconsideration_request", _to(c, "reconsideration_requested"), day(body["requested_on"]))


def _supervision(c, body, extra, w, now):
    _to(c, "supervision_requested")


def _police_return(c, body, extra, w, now):
    on = day(body["returned_on"])
    ref = _to(c, "returned")
    c.referral.notice_on = on
    c.settle("police_decision", ref, on)  # the police's answer to the transfer: nothing more is due from them


def _penalty_copy(c, body, extra, w, now):
    on = day(body["sent_on"])
    if c.referral:
        c.referral.copy_on = on
    c.settle("penalty_copy", "", on)


REFERRAL_EFFECTS = {"form_referral_team": _form_team, "submit_referral_report": _report, "approve_referral": _approve,
                    "decline_referral": _decline, "transfer_referral": _transfer, "record_police_receipt": _receipt,
                    "record_police_decision": _police_decision, "request_reconsideration": _reconsideration,
                    "request_supervision": _supervision, "record_police_return": _police_return,
                    "record_penalty_copy": _penalty_copy}


# --- drawing inputs -----------------------------------------------------------------------------------------

# The acts this machine models: every act on an existing case. An act added to the transition table later is
# reported as not covered (a warning) until it is modelled here.
MODELED = {
    "update_lead", "file", "decline_to_file", "start_investigation", "record_investigation_act", "add_evidence",
    "update_facts", "close_investigation", "propose_penalty", "serve_prior_notice", "record_statement",
    "record_waiver", "request_hearing", "hold_hearing", "record_hearing_no_show", "decide",
    "record_collective_discussion", "serve_decision", "start_execution", "record_payment", "record_summary_filing",
    "close", "archive", "suspend", "resume", "terminate",
    *REVIEW_EFFECTS, *REFERRAL_EFFECTS,
}
CASE_ACTIONS = [a for a, t in TRANSITIONS.items() if t.from_stages != (None,) and a in MODELED]
NEXT_STEPS = frozenset(REVIEW_EFFECTS) | frozenset(REFERRAL_EFFECTS) | {"update_facts"}  # see Oracle.ready
TEXT = {"cause": "涉嫌销售过期食品", "reason": "依法处理", "report": "事实清楚，证据确凿", "summary": "现场检查发现过期食品12袋",
        "content": "当事人称系进货疏忽", "note": "当事人书面声明放弃陈述申辩和听证", "transcript_summary": "当事人到场陈述",
        "referral": "涉嫌销售伪劣产品罪，货值金额逾十五万元", "police": "枣庄市公安局山亭分局",
        "procuratorate": "枣庄市山亭区人民检察院"}
DISCUSSION = {"attendees": ["赵敏", "钱进", "孙丽"], "opinions": "一致同意", "conclusion": "同意处罚"}


def opinion_body(opinion: str, on: str, problem: str = "facts") -> dict:
    items = {k: {"ok": True} for k in CHECKLIST}
    if opinion == "returned":
        items[problem] = {"ok": False, "note": "现场笔录缺当事人签名"}
    return {"opinion": opinion, "reviewed_on": on, "checklist": items,
            "opinion_text": "经审核，" + ("同意" if opinion == "approved" else "存在问题，退回")}


class Draw:
    """Plausible input, with now and then a deliberately wrong value; the oracle judges either."""

    def __init__(self, data, world: World, order: random.Random):
        self.d, self.w, self.order = data, world, order

    def __call__(self, strategy, label=None):
        return self.d.draw(strategy, label=label)

    def pick(self, options, label=None):
        return self.d.draw(st.sampled_from(options), label=label)

    def pick_any(self, options, label=None):
        """Pick with no favourite: the options are shuffled per example, so the generator's (and the
        shrinker's) preference for the first option lands on a different one each time."""
        options = list(options)
        self.order.shuffle(options)
        return self.pick(options, label)

    def chance(self, n: int, label=None) -> bool:
        """True about once in n draws (shrinks to False)."""
        return self.d.draw(st.integers(0, n - 1), label=label) == n - 1

    def day(self, c: CaseModel, edges: tuple[dt.date, ...] = ()) -> str:
        """A day near the case's clock; now and then one on a legal edge, in the future, or too early."""
        base = c.clock
        k = self.d.draw(st.integers(0, 19), label="day")
        if edges and k in (14, 15, 16):
            return min(self.pick(list(edges), "edge"), TODAY).isoformat()
        if k == 17:
            return (TODAY + dt.timedelta(days=self.d.draw(st.integers(1, 40)))).isoformat()  # in the future
        if k == 18:
            return "2023-12-31"  # before every credential
        if k == 19:
            return (base - dt.timedelta(days=self.d.draw(st.integers(1, 10)))).isoformat()
        return min(base + dt.timedelta(days=k), TODAY).isoformat()

    def moment(self, c: CaseModel) -> str:
        """An instant on such a day: Beijing office hours, the small hours (the day before in UTC), UTC (late in
        the UTC evening: the next Beijing day), or now and then without a zone."""
        t = self.pick(["09:30:00+08:00", "16:00:00+08:00", "07:30:00+08:00", "00:10:00+08:00", "01:00:00+00:00",
                       "17:00:00+00:00", "10:00:00"], "time")
        return f"{self.day(c)}T{t}"

    @staticmethod
    def window_edges(c: CaseModel) -> tuple[dt.date, ...]:
        """The last day of the statement window and the day after (第六十四条(一), 第四十五条)."""
        return (c.due_on, c.due_on + dt.timedelta(days=1)) if c.due_on else ()

    def officers(self, agency: int) -> list[int]:
        p = self.w.people
        mine = [q.id for q in p.values() if q.agency == agency and "officer" in q.roles and q.active and q.creds
                and q.creds[0][1] == D(2029, 12, 31) and not q.creds[0][2]]
        k = self.d.draw(st.integers(0, 7), label="officers")
        two = self.d.draw(st.permutations(mine), label="two officers")[:2]
        if k < 5:
            return two
        if k < 7:  # known officers, but fewer than two with a credential valid on the day (maybe)
            extra = [p[n].id for n in ("guoqi", "xinren", "chexiao") if n in p and p[n].agency == agency]
            return self.pick_any([two[:1], two[:1] * 2, *([two[0], x] for x in extra), two + extra[:1]], "weak officers")
        # and now and then someone who cannot be named at all (inactive, another agency, not an officer, unknown)
        odd = mine + [p[n].id for n in ("guoqi", "xinren", "chexiao", "lizhi", "chenjie", "zhaomin")] + [999999]
        return self.d.draw(st.lists(st.sampled_from(list(dict.fromkeys(odd))), min_size=1, max_size=3), label="officers")

    def penalty(self, kinds=None) -> dict:
        kinds = kinds if kinds is not None else self.pick(KIND_SETS, "penalty kinds")
        body = {"kind": "penalty", "penalty_kinds": list(kinds)}
        if "fine" in kinds:
            body["fine_amount"] = self.pick(FINES[:-1], "fine")
        return body

    def body(self, action: str, c: CaseModel) -> dict:
        a = action
        if a == "update_lead":
            return self.pick([{"cause": TEXT["cause"] + "（更正）"}, {"facts_text": "群众举报"},
                              {"party_id": self.w.parties["organization"]}, {"party_id": self.w.parties["person"]},
                              {"party_id": 999999}], "lead update")
        if a == "file":
            ids = self.officers(c.agency)
            body = {"filed_on": self.day(c, edges=CREDENTIAL_EDGES), "officer_ids": ids}
            if self.chance(3):
                body["lead_officer_id"] = ids[-1]
            return body
        if a == "decline_to_file":
            return {"ground": "first_offence", "reason": TEXT["reason"]}
        if a == "record_investigation_act":
            return {"kind": "inquiry", "acted_on": self.day(c, edges=CREDENTIAL_EDGES), "summary": TEXT["summary"],
                    "officer_ids": self.officers(c.agency)}
        if a == "add_evidence":
            return {"kind": "physical", "title": "过期食品照片", "collected_on": self.day(c, edges=CREDENTIAL_EDGES),
                    "collected_by": self.officers(c.agency)}
        if a == "update_facts":  # now and then facts that cross a prosecution threshold (Oracle.crosses)
            return {"goods_value": self.pick(["1200.00", "1200.00", "160000.00"], "goods value"),
                    "violations": [{"description": "销售超过保质期的食品"}],
                    "circumstances": self.pick([[], ["first_offence"], ["repeat_offence"], ["toxic_non_food_additive"]],
                                               "circumstances")}
        if a == "close_investigation":
            return {"report": TEXT["report"]}
        if a == "propose_penalty":
            k = self.d.draw(st.integers(0, 5), label="proposal")
            if k == 4:
                return {"kind": "no_penalty", "reasons": "首次违法且及时改正"}
            if k == 5:
                return {"kind": "refer", "reasons": "涉嫌犯罪"}
            body = self.penalty()
            if self.chance(4):
                body["confiscated_amount"] = self.pick(["300.00", "150000.00"])
            return body
        if a in ("serve_prior_notice", "serve_decision"):
            return {"served_on": self.day(c), "method": self.pick(["direct", "post"])}
        if a == "record_statement":
            return {"received_on": self.day(c), "content": TEXT["content"]}
        if a == "record_waiver":
            return {"waived_on": self.day(c), "note": TEXT["note"]}
        if a == "request_hearing":
            return {"requested_on": self.day(c, edges=self.window_edges(c))}
        if a == "hold_hearing":
            notified = self.day(c)
            earliest = D.fromisoformat(notified) + dt.timedelta(days=9)
            if D.fromisoformat(notified) <= TODAY:  # 第六十四条(二): seven working days' notice
                earliest = CAL.add_working_days(D.fromisoformat(notified), 7)
            held = self.pick([earliest, earliest - dt.timedelta(days=1), earliest + dt.timedelta(days=3),
                              D.fromisoformat(notified) + dt.timedelta(days=self.d.draw(st.integers(0, 16)))], "held")
            held = held.isoformat()
            chair = self.pick(["wangfang", "zhangwei", "liqiang", "sunli"], "chair")
            return {"notice_served_on": notified, "held_on": held, "chair_id": self.w.people[chair].id,
                    "transcript_summary": TEXT["transcript_summary"]}
        if a == "record_hearing_no_show":
            return {"scheduled_on": self.day(c)}
        if a == "decide":
            return self.decision(c)
        if a == "record_payment":
            owed = (c.fine or Decimal("100")) - c.paid
            amount = self.pick([owed if owed > 0 else Decimal("100"), Decimal("100.00"), (c.fine or Decimal("50"))])
            return {"amount": f"{max(amount, Decimal('0.01')):.2f}", "paid_on": self.day(c), "receipt_no": "PJ0001"}
        if a == "record_summary_filing":
            return {"recorded_on": self.day(c)}
        if a == "close":
            return self.pick([{}, {"closed_on": self.day(c)}, {"execution_note": "余款经法院强制执行到位"}], "close")
        if a == "record_collective_discussion":
            return {"held_on": self.day(c), **DISCUSSION}
        if a in ("suspend", "resume", "terminate"):
            return {"reason": TEXT["reason"]}
        if a in REVIEW_EFFECTS:
            return self.review(a, c)
        if a in REFERRAL_EFFECTS:
            return self.referral(a, c)
        return self.pick([{}, {"note": "无"}])

    def review(self, a: str, c: CaseModel) -> dict:
        if a == "submit_legal_review":
            body = {"submitted_on": self.day(c), "draft_decision": "拟处罚决定书草稿", "investigation_report": TEXT["report"]}
            if c.hearing_status == "held" and self.chance(2):
                body["hearing_transcript"] = TEXT["transcript_summary"]
            return body
        if a == "assign_legal_reviewer":  # mostly the bar-qualified reviewer; now and then someone unfit
            who = self.pick(["sunli", "sunli", "sunli", "dual", "novice", "exreviewer", "zhangwei", "zhaomin", None],
                            "reviewer")
            return {"reviewer_id": self.w.people[who].id if who else 999999, "assigned_on": self.day(c)}
        body = opinion_body(self.pick(["approved", "returned"], "opinion"), self.day(c), self.pick(CHECKLIST, "problem"))
        k = self.d.draw(st.integers(0, 19), label="checklist")
        if k == 19:  # an opinion that does not fit its checklist
            body["opinion"] = "returned" if body["opinion"] == "approved" else "approved"
        elif k == 18:  # an item left out
            del body["checklist"][self.pick(CHECKLIST, "item left out")]
        elif k == 17:  # a problem without its note
            body["checklist"][self.pick(CHECKLIST, "problem without note")] = {"ok": False}
        return body

    def referral(self, a: str, c: CaseModel) -> dict:
        if a == "form_referral_team":
            return {"formed_on": self.day(c, edges=CREDENTIAL_EDGES), "officer_ids": self.officers(c.agency)}
        if a == "submit_referral_report":
            return {"reported_on": self.day(c), "report": TEXT["referral"]}
        if a == "approve_referral":
            body = {"decided_on": self.day(c)}
            if self.chance(2, "approved at"):
                body["approved_at"] = self.moment(c)
            return body
        if a == "decline_referral":
            return {"decided_on": self.day(c), "reason": "涉案金额经复核不足追诉标准"}
        if a == "transfer_referral":
            materials = {k: True for k in MATERIALS}
            if self.chance(6, "materials missing"):
                materials[self.pick(MATERIALS, "missing")] = False
            return {"transferred_at": self.moment(c), "police_agency": TEXT["police"],
                    "procuratorate": TEXT["procuratorate"], "materials": materials}
        if a == "record_police_receipt":
            body = {"receipt_on": self.day(c)}
            if self.chance(2):
                body["receipt_no"] = "HZ-001"
            return body
        if a == "record_police_decision":
            body = {"decision": self.pick(["filed", "declined"], "police decision"), "notice_on": self.day(c)}
            if (body["decision"] == "declined") != self.chance(8, "reasons or not"):
                body["reasons"] = "未达立案追诉标准"
            return body
        if a in ("request_reconsideration", "request_supervision"):
            notice = c.referral.notice_on if c.referral else None
            on = self.day(c)  # 第九条: within three days of the notice; the third day and the fourth
            if notice and not self.chance(3, "any day"):
                on = min(notice + dt.timedelta(days=self.pick([0, 1, 3, 4], "days after the notice")), TODAY).isoformat()
            return {"requested_on": on, "reasons": "有新证据证明达到追诉标准"}
        if a == "record_police_return":
            return {"returned_on": self.day(c), "reason": "经侦查不构成犯罪，退回行政机关处理"}
        return {"sent_on": self.day(c), "sent_to": self.pick([["police", "procuratorate"], ["procuratorate", "police"],
                                                              ["police"]], "sent to")}

    def decision(self, c: CaseModel) -> dict:
        k = self.d.draw(st.integers(0, 9), label="decision")
        decided_on = self.day(c, edges=self.window_edges(c) + CREDENTIAL_EDGES)
        if k == 8:
            return {"kind": "no_penalty", "decided_on": decided_on, "reasons": "违法行为轻微并及时改正"}
        if k == 9:
            return {"kind": "refer", "decided_on": decided_on, "reasons": "涉嫌犯罪，移送公安机关"}
        kinds = list(c.penalty_kinds) or self.pick(KIND_SETS)
        if k == 5:
            kinds = kinds + ["revoke_license"] if "revoke_license" not in kinds else kinds[:1]  # heavier, or lighter
        if k == 6 and len(kinds) > 1:
            kinds = [x for x in kinds if x != "fine"] or kinds
        body = {"kind": "penalty", "decided_on": decided_on, "penalty_kinds": kinds}
        if "fine" in kinds:
            fine = c.fine if c.fine is not None else Decimal(self.pick(FINES[:-1]))
            if k == 7:
                fine += Decimal("1000")  # heavier than notified
            elif k == 4 and fine > 100:
                fine -= Decimal("100")
            body["fine_amount"] = f"{fine:.2f}"
        return body

    def spoil(self, schema, body: dict) -> tuple[dict, bool]:
        """Now and then make the body invalid for its schema: an unknown field, a missing one, a wrong type."""
        k = self.d.draw(st.integers(0, 49), label="spoil")
        if k < 47:
            return body, False
        required = [n for n, f in schema().fields.items() if f.required and n in body]
        if k == 47 or not required:
            return {**body, "bogus": 1}, True
        name = self.pick(required, "field to spoil")
        if k == 48:
            return {x: v for x, v in body.items() if x != name}, True
        return {**body, name: {"not": "a value"}}, True


# --- the machine --------------------------------------------------------------------------------------------

MAX_CASES = 5
MAX_CREATIONS = 4  # attempts (refused ones too): the rest of the steps act on cases
# Every table but the tokens (the driver issues those on first use, refused act or not).
SNAPSHOT_TABLES = [t for t in m.Base.metadata.sorted_tables if t.name != m.ApiToken.__tablename__]
WALKS = ["small fine", "heard", "waived", "referred", "returned", "declined"]


class LifecycleMachine(RuleBasedStateMachine):
    world: World = None  # set per backend by the test

    def __init__(self):
        super().__init__()
        self.w: World = type(self).world.fresh()
        self.oracle = Oracle(self.w)
        self.cases: dict[int, CaseModel] = {}
        self.forms = [f"SD2026{n:05d}" for n in range(1, 51)]  # 山亭市监's unused on-the-spot forms
        self.used_forms: set[str] = set()
        self.acts_since_checkpoint = 0
        self.creations = 0
        self.walked: list[int] = []
        self.changed: set[int] = set()  # cases an act changed since the API was last compared with the model
        self.order = random.Random(0)  # reseeded by the initialize rule
        with self.w.sessions() as s:
            self.base_trail = s.execute(select(func.count()).select_from(m.TrailEntry)).scalar_one()
            self.base_outbox = s.execute(select(func.count()).select_from(m.OutboxEvent)).scalar_one()

    # --- helpers ---

    def person(self, name: str) -> Person:
        return self.w.people[name]

    def snapshot(self) -> dict:
        """Everything a refused act must leave as it was, read in one round trip (plus the blob store)."""
        counts = [select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in SNAPSHOT_TABLES]
        forms = select(func.count()).select_from(m.SummaryForm).where(m.SummaryForm.used_by_case_id.is_not(None))
        with self.w.sessions() as s:
            row = s.execute(select(*counts, forms.scalar_subquery().label("forms_used"),
                                   select(m.TrailHead.entry_hash).scalar_subquery().label("head"))).one()
            snap = dict(row._mapping)
            snap["cases"] = sorted(s.execute(select(m.Case.id, m.Case.version, m.Case.stage, m.Case.updated_at)).all())
        blobs = self.w.settings.blob_dir
        snap["blobs"] = sum(1 for f in blobs.rglob("*") if f.is_file() and f.relative_to(blobs).parts[0] != "tmp")
        return snap

    def check(self, r, exp: Expect, what: str) -> bool:
        """Compare the response with the expectation; return whether the act was committed."""
        body = r.get_json(silent=True)
        detail = f"{what}: expected {exp}, got {r.status_code} {json.dumps(body, ensure_ascii=False)[:600]}"
        if exp.catalogue and r.status_code == 409 and body and body.get("code") == "action_refused":
            got = {x["code"] for x in body["errors"]["reasons"]}
            mine = exp.reasons or frozenset()
            assert mine <= got and got - mine <= exp.catalogue, detail
            if got - mine:
                note(f"refused by the catalogue guards too: {sorted(got - mine)}")
                return False
        assert r.status_code == exp.status, detail
        if exp.code:
            assert body and body.get("code") == exp.code, detail
        if exp.reasons is not None:
            got = {x["code"] for x in body["errors"]["reasons"]}
            assert got == exp.reasons, detail
            for code in sorted(got & {"date_out_of_order", "legal_review_outdated"}):
                event(f"refused: {code}")  # how often the subtler reasons come up (--hypothesis-show-statistics)
        elif exp.code == "date_in_future":
            event("refused: date_in_future")
        return exp.ok

    def replay_is_harmless(self, send, first, before_replay: dict) -> None:
        """A retry with the same Idempotency-Key answers as the first time and writes nothing."""
        again = send()
        assert again.status_code == first.status_code, (first.get_json(), again.get_json())
        if first.status_code < 300:
            assert again.headers.get("Idempotent-Replayed") == "true"
            assert again.get_json() == first.get_json()
        assert self.snapshot() == before_replay

    def last_entry(self, cid: int):
        with self.w.sessions() as s:
            e = s.execute(select(m.TrailEntry).where(m.TrailEntry.case_id == cid).order_by(m.TrailEntry.seq.desc())
                          .limit(1)).scalar_one()
            ev = s.execute(select(m.OutboxEvent).where(m.OutboxEvent.case_id == cid).order_by(m.OutboxEvent.id.desc())
                           .limit(1)).scalar_one()
        return e, json.loads(e.payload), ev

    def committed(self, c: CaseModel, p: Person, action: str, body: dict, r, now: dt.datetime) -> None:
        """Apply a committed act to the model and check what the response and its trail entry say."""
        old_version = c.version
        out = r.get_json()
        entry, payload, ev = self.last_entry(c.id)
        assert entry.action == f"case.{action}", (entry.action, action)
        apply(c, action, body, out, payload["data"], self.w, now)
        assert payload["stage_to"] == c.stage
        assert ev.type == TRANSITIONS[action].event and ev.payload["stage_to"] == c.stage
        etag = r.headers.get("ETag")
        if action == "add_evidence":
            assert out["case_id"] == c.id
            c.version = int(etag.strip('"'))
        else:
            assert out["stage"] == c.stage, (action, out["stage"], c.stage)
            assert (out["legal_review_status"], out["referral_status"]) == (c.review_status, c.referral_status), \
                (action, out["legal_review_status"], out["referral_status"], c.review_status, c.referral_status)
            assert etag == f'"{out["version"]}"'
            c.version = out["version"]
            if action == "serve_prior_notice":
                assert out["statement_due_on"] == c.due_on.isoformat()
            if action == "propose_penalty" and body["kind"] != "penalty":
                assert out["hearing_right"] is False
            if action == "propose_penalty" and set(body.get("penalty_kinds") or ()) & HEARING_KINDS:
                assert out["hearing_right"] is True, "第六十三条: these kinds always give a right to a hearing"
        if action == "decide" and body["kind"] == "penalty":
            # 第五十八条 and 国务院令第310号 第十一条, on what was let through.
            assert not self.oracle.major(c, body) or (c.review and c.review.status == "approved"), "no approved review"
            assert c.referral_status in REFERRAL_RESOLVED or (c.referral_status == "none" and not self.oracle.crosses(c))
        if action == "record_legal_review":
            self.oracle.reviews_done[p.id] = self.oracle.reviews_done.get(p.id, 0) + 1
        assert c.version > old_version
        self.acts_since_checkpoint += 1
        self.changed.add(c.id)
        event(f"committed {action}")

    def do_act(self, cid: int, action: str, who: str, body: dict, if_match: str = "ok", schema_bad: bool = False,
               idem: bool = False, garbage: str = '"abc"', expect_ok: bool = False) -> bool:
        c, p = self.cases[cid], self.person(who)
        exp = self.oracle.act(c, p, action, body, if_match, schema_bad)
        note(f"{who} {action} on case {cid} ({c.stage}) if_match={if_match} {json.dumps(body, ensure_ascii=False)} → {exp}")
        headers = {"Authorization": f"Bearer {self.w.api.token(who)}"}
        if if_match == "ok":
            headers["If-Match"] = f'"{c.version}"'
        elif if_match == "stale":
            headers["If-Match"] = f'"{c.version - 1}"'
        elif if_match == "garbage":
            headers["If-Match"] = garbage
        if idem:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        client = self.w.api.c
        if action == "add_evidence":
            content = PNG + uuid.uuid4().bytes  # a distinct blob each time, to see orphans

            def send():
                return client.post(f"/api/v1/cases/{cid}/evidence", headers=headers, content_type="multipart/form-data",
                                   data={"meta": json.dumps(body, ensure_ascii=False),
                                         "file": (io.BytesIO(content), "photo.png")})
        else:
            def send():
                return client.post(f"/api/v1/cases/{cid}/actions/{action}", json=body, headers=headers)

        # A legal act of the initial walk cannot be refused, except by the catalogue guards: no snapshot needed.
        before = self.snapshot() if not (expect_ok and exp.ok and not exp.catalogue) else None
        now = dt.datetime.now(dt.UTC)
        r = send()
        ok = self.check(r, exp, f"{who} {action} on case {cid} in stage {c.stage}")
        if expect_ok:
            assert exp.ok
        if ok:
            self.committed(c, p, action, body, r, now)
        elif before is not None:
            assert self.snapshot() == before, f"refused {action} changed something"
        if idem:
            self.replay_is_harmless(send, r, self.snapshot())
        return ok

    # --- creating cases ---

    def new_case(self, who: str, body: dict, r, procedure="ordinary") -> CaseModel:
        out = r.get_json()
        party = out.get("party")
        c = CaseModel(id=out["id"], agency=self.person(who).agency, stage=out["stage"], version=out["version"],
                      clock=max(day(body.get("discovered_on") or body.get("decided_on")), START), procedure=procedure,
                      party_kind=party["kind"] if party else None,
                      discovered_on=day(body.get("discovered_on") or body.get("decided_on")))
        if procedure == "summary":
            c.decided_on = day(body["decided_on"])
        assert r.headers["ETag"] == f'"{c.version}"'
        self.cases[c.id] = c
        return c

    def lead(self, who: str, body: dict, schema_bad: bool = False) -> CaseModel | None:
        exp = self.oracle.register_lead(self.person(who), body, schema_bad)
        note(f"{who} register_lead {json.dumps(body, ensure_ascii=False)} → {exp}")
        before = self.snapshot()
        r = self.w.api.post("/api/v1/cases", body, who)
        self.check(r, exp, f"{who} register_lead")
        if not exp.ok:
            assert self.snapshot() == before
            return None
        c = self.new_case(who, body, r)
        assert c.stage == "lead"
        c.trail.append("case.register_lead")
        return c

    @initialize(seed=st.integers(0, 2**32 - 1))
    def shuffle_the_options(self, seed):
        self.order = random.Random(seed)

    @initialize(depth=st.integers(0, 17), path=st.sampled_from(WALKS))
    def a_case_walked_down_the_ordinary_procedure(self, depth, path):
        self.walk(depth, path)

    @initialize(depth=st.integers(0, 17), path=st.sampled_from(WALKS))
    def another_case_walked_down_the_ordinary_procedure(self, depth, path):
        self.walk(depth, path)

    def walk(self, depth: int, path: str) -> None:
        """Take a case some way along the ordinary procedure, every act legal: a small fine; a large one after a
        hearing, or one whose party waived the defence window, each reviewed (the second returned once, then
        approved); a small fine after a referral that the police declined to file, or filed and sent back, or on
        facts crossing a prosecution threshold once the head declined to refer (国务院令第310号 第五条、第十一条)."""
        fine = "150000.00" if path in ("heard", "waived") else "5000.00"
        o = [self.person(n).id for n in ("zhangwei", "liqiang")]
        sunli = self.person("sunli").id
        c = self.lead("zhangwei", {"source": "complaint", "cause": TEXT["cause"], "discovered_on": "2026-03-02",
                                   "party_id": self.w.parties["organization"]})
        self.walked.append(c.id)
        steps = [
            ("file", "zhaomin", {"filed_on": "2026-03-03", "officer_ids": o}),
            ("start_investigation", "zhangwei", {}),
            ("record_investigation_act", "liqiang", {"kind": "on_site_inspection", "acted_on": "2026-03-04",
                                                     "summary": TEXT["summary"], "officer_ids": o}),
            ("add_evidence", "zhangwei", {"kind": "physical", "title": "过期食品照片", "collected_on": "2026-03-04",
                                          "collected_by": o}),
        ]
        if path == "declined":
            steps += [("update_facts", "zhangwei", {"goods_value": "160000.00", "circumstances": [],
                                                    "violations": [{"description": "销售伪劣产品"}]})]
        steps += [
            ("close_investigation", "zhangwei", {"report": TEXT["report"]}),
            ("propose_penalty", "zhangwei", {"kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": fine}),
            ("serve_prior_notice", "zhangwei", {"served_on": "2026-03-10", "method": "direct"}),
        ]
        if path == "waived":
            steps += [("record_waiver", "liqiang", {"waived_on": "2026-03-11", "note": TEXT["note"]})]
        if path == "heard":
            steps += [("request_hearing", "liqiang", {"requested_on": "2026-03-12"}),
                      ("hold_hearing", "zhangwei", {"notice_served_on": "2026-03-13", "held_on": "2026-03-24",
                                                    "chair_id": self.person("wangfang").id,
                                                    "transcript_summary": TEXT["transcript_summary"]})]
        if path in ("referred", "returned"):
            steps += [
                ("form_referral_team", "zhangwei", {"formed_on": "2026-03-11", "officer_ids": o}),
                ("submit_referral_report", "liqiang", {"reported_on": "2026-03-11", "report": TEXT["referral"]}),
                ("approve_referral", "zhaomin", {"decided_on": "2026-03-12", "approved_at": "2026-03-12T09:00:00+08:00"}),
                ("transfer_referral", "zhangwei", {"transferred_at": "2026-03-12T16:00:00+08:00",
                                                   "police_agency": TEXT["police"], "procuratorate": TEXT["procuratorate"],
                                                   "materials": {k: True for k in MATERIALS}}),
                ("record_police_receipt", "liqiang", {"receipt_on": "2026-03-13", "receipt_no": "HZ-001"}),
            ]
            if path == "referred":
                steps += [("record_police_decision", "zhangwei", {"decision": "declined", "notice_on": "2026-03-16",
                                                                  "reasons": "未达立案追诉标准"})]
            else:
                steps += [("record_police_decision", "zhangwei", {"decision": "filed", "notice_on": "2026-03-16"}),
                          ("record_police_return", "liqiang", {"returned_on": "2026-03-20",
                                                               "reason": "经侦查不构成犯罪，退回行政机关处理"})]
        if path in ("heard", "waived"):
            submit = {"submitted_on": "2026-03-24", "draft_decision": "拟处罚决定书草稿", "investigation_report": TEXT["report"]}
            assign = {"reviewer_id": sunli, "assigned_on": "2026-03-24"}
            steps += [("submit_legal_review", "zhangwei", submit), ("assign_legal_reviewer", "zhaomin", assign)]
            if path == "waived":
                steps += [("record_legal_review", "sunli", opinion_body("returned", "2026-03-24", "law")),
                          ("submit_legal_review", "liqiang", submit), ("assign_legal_reviewer", "sunli", assign)]
            steps += [("record_legal_review", "sunli", opinion_body("approved", "2026-03-24"))]
        if path == "declined":  # 以罚代刑: refused while the threshold is crossed, until the head declines to refer
            steps += [("decide", "zhaomin", {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine"],
                                             "fine_amount": fine}, "refused"),
                      ("decline_referral", "zhaomin", {"decided_on": "2026-03-18", "reason": "经集体研究，暂不移送"})]
        steps += [
            ("record_collective_discussion", "zhaomin", {"held_on": "2026-03-24", **DISCUSSION}),
            ("decide", "zhaomin", {"kind": "penalty", "decided_on": "2026-03-25", "penalty_kinds": ["fine"],
                                   "fine_amount": fine}),
            ("serve_decision", "zhangwei", {"served_on": "2026-03-26", "method": "direct"}),
        ]
        if path in ("referred", "returned", "declined"):
            steps += [("record_penalty_copy", "zhangwei", {"sent_on": "2026-03-27", "sent_to": ["police", "procuratorate"]})]
        steps += [
            ("start_execution", "liqiang", {}),
            ("record_payment", "zhangwei", {"amount": fine, "paid_on": "2026-03-27", "receipt_no": "PJ0001"}),
            ("close", "zhaomin", {"closed_on": "2026-03-30"}),
            ("archive", "zhangwei", {}),
        ]
        for action, who, body, *refused in steps[:depth * len(steps) // 17]:
            if refused:
                assert self.do_act(c.id, action, who, body) is False
            elif not self.do_act(c.id, action, who, body, expect_ok=True):
                break  # refused by a catalogue guard only

    @precondition(lambda self: len(self.cases) < MAX_CASES and self.creations < MAX_CREATIONS)
    @rule(data=st.data())
    def register_lead(self, data):
        self.creations += 1
        d = Draw(data, self.w, self.order)
        who = d.pick(["zhangwei", "zhaomin", "chenjie", "sunli", "wujing", "admin"], "who")
        party = d.pick([self.w.parties["organization"], self.w.parties["person"], None, 999999], "party")
        c = CaseModel(0, 0, "lead", 0, START)
        body = {"source": d.pick(["complaint", "inspection"]), "cause": TEXT["cause"], "discovered_on": d.day(c)}
        if party is not None or d.chance(2):
            body["party_id"] = party
        body, bad = d.spoil(LeadIn, body)
        self.lead(who, body, bad)

    @precondition(lambda self: len(self.cases) < MAX_CASES and self.creations < MAX_CREATIONS)
    @rule(data=st.data())
    def decide_on_the_spot(self, data):
        self.creations += 1
        d = Draw(data, self.w, self.order)
        who = d.pick(["zhangwei", "liqiang", "zhaomin", "chenjie", "wangfang"], "who")
        p = self.person(who)
        kinds = d.pick([["fine"], ["warning"], ["warning", "fine"], ["confiscate_gains"], ["fine", "revoke_license"]], "kinds")
        party_kind = d.pick(["person", "organization"], "party kind")
        form = d.pick(["unused", "used", "unknown"], "form")
        form_no = {"unused": next((f for f in self.forms if f not in self.used_forms), "SD2026X"),
                   "used": next(iter(sorted(self.used_forms)), "SD2026Y"), "unknown": "NOT-A-FORM"}[form]
        c = CaseModel(0, p.agency, "served", 0, START + dt.timedelta(days=7))
        body = {"party_id": self.w.parties[party_kind], "form_no": form_no, "decided_on": d.day(c), "place": "山亭区府前路88号",
                "cause": "销售标签不符合规定的食品", "facts_text": "现场发现", "penalty_kinds": kinds,
                "basis": "食品安全法第一百二十五条", "officer_ids": d.officers(p.agency), "party_signed": True}
        if "fine" in kinds:
            body["fine_amount"] = d.pick(FINES, "fine")
        body, bad = d.spoil(SummaryDecisionIn, body)
        # 山亭市监's forms only; another agency has none, and a used one is used.
        form_free = p.agency == self.person("zhangwei").agency and form_no in self.forms and form_no not in self.used_forms
        exp = self.oracle.on_the_spot(p, body, bad, form_free)
        note(f"{who} decide_on_the_spot {json.dumps(body, ensure_ascii=False)} → {exp}")
        before = self.snapshot()
        r = self.w.api.post("/api/v1/summary-decisions", body, who)
        self.check(r, exp, f"{who} decide_on_the_spot")
        if not exp.ok:
            assert self.snapshot() == before
            return
        self.used_forms.add(form_no)
        c = self.new_case(who, body, r, procedure="summary")
        c.officers = list(dict.fromkeys(body["officer_ids"]))
        c.decision_kind, c.penalty_kinds, c.fine = "penalty", kinds, money(body.get("fine_amount"))
        c.trail.append("case.decide_on_the_spot")
        assert c.stage == "served" and r.get_json()["procedure"] == "summary"

    @precondition(lambda self: self.cases)
    @rule(data=st.data())
    def act(self, data):
        d = Draw(data, self.w, self.order)
        open_ = sorted(i for i, c in self.cases.items() if c.stage not in ("declined", "archived", "terminated"))
        walked = [i for i in self.walked if i in open_]
        if walked and not d.chance(3, "not a walked case"):
            cid = d.pick_any(walked, "case")  # the ones the initialize rules took along the procedure
        else:
            cid = d.pick_any(open_ if open_ and not d.chance(5, "a closed case") else sorted(self.cases), "case")
        c = self.cases[cid]
        legal = [a for a in CASE_ACTIONS if c.stage in TRANSITIONS[a].from_stages]
        moving = [a for a in legal if TRANSITIONS[a].to]  # acts that move the case on
        ready = [a for a in legal if a in NEXT_STEPS and self.oracle.ready(c, a)]  # a review's or referral's next step
        likely = [a for a in legal if a not in NEXT_STEPS or a in ready] or legal  # out-of-step ones: any action
        k = d(st.integers(0, 11), "which action")
        if not legal or k >= 10:
            action = d.pick_any(CASE_ACTIONS, "action")
        elif k < 4 and moving:
            action = d.pick_any(moving, "action")
        elif k < 8 and ready:
            action = d.pick_any(ready, "action")
        else:
            action = d.pick_any(likely, "action")
        roles = TRANSITIONS[action].roles
        mine = [n for n in ACTORS if self.person(n).agency == c.agency]
        able = [n for n in mine if self.person(n).roles & roles]  # the role fits
        if action == "record_legal_review":  # the reviewer the round is assigned to
            assigned = [n for n in able if c.review and self.person(n).id == c.review.reviewer]
        elif action == "submit_referral_report":  # a member of the 专案组
            assigned = [n for n in able if c.referral and self.person(n).id in c.referral.team]
        else:
            assigned = [n for n in able if "agency_head" in self.person(n).roles or self.person(n).id in c.officers]
        k = d(st.integers(0, 7), "who")
        if k < 5 and assigned:
            who = d.pick_any(assigned, "who")
        elif k < 7 and able:
            who = d.pick_any(able, "who")  # maybe a colleague who is not on the case
        else:
            who = d.pick_any(ACTORS, "who")
        body = d.body(action, c)
        schema = ACTION_SCHEMAS.get(action)
        if schema is None:
            schema = EvidenceMetaIn
        body, bad = d.spoil(schema, body)
        bad = bad or self.oracle.malformed(action, body)
        k = d(st.integers(0, 29), "if-match")
        if_match = {27: "stale", 28: "missing", 29: "garbage"}.get(k, "ok")
        garbage = d.pick(GARBAGE_ETAGS, "garbage") if if_match == "garbage" else '"abc"'
        idem = d.chance(6, "idempotency key")
        self.do_act(cid, action, who, body, if_match, bad, idem, garbage)

    @precondition(lambda self: self.acts_since_checkpoint >= 6)
    @rule()
    def sign_a_checkpoint(self):
        r = self.w.api.post("/api/v1/admin/audit/checkpoints", None, "admin")
        assert r.status_code == 201 and r.get_json()["created"] is True, r.get_json()
        self.acts_since_checkpoint = 0

    # --- invariants ---

    @invariant()
    def the_trail_verifies_and_each_act_has_one_entry_and_one_event(self):
        with self.w.sessions() as s:
            result = verify_trail(s, self.w.settings)
            assert result.ok, result.as_dict()
            entries_ = sum(len(c.trail) for c in self.cases.values())
            acts = sum(c.acts for c in self.cases.values())
            assert result.entries == self.base_trail + entries_
            outbox = s.execute(select(func.count()).select_from(m.OutboxEvent)).scalar_one()
            assert outbox == self.base_outbox + acts
            entries: dict[int, list[str]] = {}
            for cid, action in s.execute(select(m.TrailEntry.case_id, m.TrailEntry.action)
                                         .where(m.TrailEntry.case_id.is_not(None)).order_by(m.TrailEntry.seq)):
                entries.setdefault(cid, []).append(action)
            seqs: dict[int, list[int]] = {}
            for cid, seq in s.execute(select(m.OutboxEvent.case_id, m.OutboxEvent.case_seq)
                                      .where(m.OutboxEvent.case_id.is_not(None)).order_by(m.OutboxEvent.id)):
                seqs.setdefault(cid, []).append(seq)
            rows = {cid: (stage, version) for cid, stage, version in s.execute(select(m.Case.id, m.Case.stage, m.Case.version))}
        assert set(entries) == set(self.cases) and set(seqs) == set(self.cases)
        for cid, c in self.cases.items():
            assert entries[cid] == c.trail, (cid, entries[cid], c.trail)
            assert seqs[cid] == list(range(1, c.acts + 1)), (cid, seqs[cid])
            assert rows[cid] == (c.stage, c.version), (cid, rows[cid], c.stage, c.version)

    @invariant()
    def what_the_api_shows_of_reviews_referrals_and_deadlines_matches_the_model(self):
        api = self.w.api
        for cid in sorted(self.changed):
            c = self.cases[cid]
            out = api.get(f"/api/v1/cases/{cid}", who="wujing").get_json()
            shown = (out["legal_review_status"], out["referral_status"], out["collective_discussion_on"])
            assert shown == (c.review_status, c.referral_status, iso(c.discussion_on)), (cid, shown)
            if c.rounds:
                got = [(x["round"], x["status"], x["reviewer_id"], x["submitted_on"], x["due_on"], x["reviewed_on"])
                       for x in api.get(f"/api/v1/cases/{cid}/legal-reviews", who="wujing").get_json()]
                assert got == [(x.n, x.status, x.reviewer, iso(x.submitted_on), iso(x.due_on), iso(x.reviewed_on))
                               for x in c.rounds], (cid, got)
            if c.referrals:
                got = [(x["id"], x["status"], x["team_ids"], x["police_notice_on"], x["penalty_copy_on"])
                       for x in api.get(f"/api/v1/cases/{cid}/referrals", who="wujing").get_json()]
                assert got == [(x.id, x.status, x.team, iso(x.notice_on), iso(x.copy_on)) for x in c.referrals], (cid, got)
            listed = api.get(f"/api/v1/deadlines?case_id={cid}&limit=200", who="wujing").get_json()["items"]
            if any(x.due_on is None for x in c.deadlines):  # undetermined: a year the calendar lacks
                listed += api.get(f"/api/v1/deadlines?case_id={cid}&status=pending&limit=200", who="wujing").get_json()["items"]
            got = sorted((x["kind"], x["ref"], x["starts_on"], x["due_on"], x["status"], x["met_on"]) for x in listed)
            want = sorted((x.kind, x.ref, iso(x.starts_on), iso(x.due_on), x.status, iso(x.met_on)) for x in c.deadlines
                          if x.due_on is not None or x.status == "open")
            assert got == want, (cid, got, want)
            # 第五十八条: each round's deadline is open while the round is pending, and met on the day of its opinion.
            for rv in c.rounds:
                mine = [x for x in listed if x["kind"] == "legal_review" and x["ref"] == f"review:{rv.id}"]
                assert len(mine) == 1 and (mine[0]["status"] == "open") == (rv.status in PENDING_REVIEW), (cid, mine)
                assert mine[0]["met_on"] == iso(rv.reviewed_on), (cid, mine)
        self.changed.clear()


@pytest.mark.slow
def test_only_allowed_acts_succeed_and_every_committed_act_leaves_one_entry_and_one_event(world, backend):
    not_modeled = sorted(a for a, t in TRANSITIONS.items() if t.from_stages != (None,) and a not in MODELED)
    if not_modeled:
        warnings.warn(f"lifecycle acts not covered by the property test yet: {', '.join(not_modeled)}", stacklevel=1)
    machine = type(f"Lifecycle_{backend}", (LifecycleMachine,), {"world": world})
    run_state_machine_as_test(machine, settings=hsettings(
        max_examples=50, stateful_step_count=50, deadline=None, print_blob=True,
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
    ))


# --- what the machine found, one reproduction each ---------------------------------------------------------
# Each was a product bug when first found here (they were xfail until fixed); they stay as regression tests.


def _investigated(api) -> int:
    """A case with its investigation closed, without facts (so no prosecution threshold is crossed)."""
    cid = api.filed_case()
    api.act(cid, "start_investigation")
    assert api.evidence(cid).status_code == 201
    api.act(cid, "close_investigation", {"report": "事实清楚，证据确凿"})
    return cid


def _noticed(api, kinds=("fine",), fine="5000.00") -> int:
    cid = _investigated(api)
    body = {"kind": "penalty", "penalty_kinds": list(kinds), **({"fine_amount": fine} if "fine" in kinds else {})}
    api.act(cid, "propose_penalty", body)
    api.act(cid, "serve_prior_notice", {"served_on": "2026-03-10", "method": "direct"})
    return cid


def _reasons(r) -> list[str]:
    return [x["code"] for x in r.get_json()["errors"]["reasons"]]


def test_an_officer_without_a_credential_cannot_be_named_even_beside_two_who_have_one(api):
    # Was a 500: the effect read the credential of every named officer (AttributeError on None).
    agency = api.get("/api/v1/me").get_json()["agency"]["id"]
    r = api.post("/api/v1/users", {"username": "xinren", "display_name": "辛仁", "password": "casebook-demo-2026",
                                   "agency_id": agency, "roles": ["officer"]}, who="admin")
    assert r.status_code == 201, r.get_json()
    cid = api.filed_case()
    api.act(cid, "start_investigation")
    r = api.act(cid, "record_investigation_act", {"kind": "inquiry", "acted_on": "2026-03-04", "summary": "询问当事人",
                                                  "officer_ids": api.officers() + [r.get_json()["id"]]}, expect=409)
    assert _reasons(r) == ["officer_without_credential"]


def test_a_refused_evidence_upload_leaves_no_file_behind(api, settings):
    cid = api.lead()  # evidence is refused at the lead stage
    r = api.evidence(cid, content=PNG + b"refused")
    assert r.status_code == 409 and _reasons(r) == ["wrong_stage"]
    blobs = settings.blob_dir
    stored = [f for f in blobs.rglob("*") if f.is_file() and f.relative_to(blobs).parts[0] != "tmp"] if blobs.exists() else []
    assert stored == []


def test_a_refusal_lists_each_reason_once(api):
    # Was ["prior_notice_missing", "prior_notice_missing"]: two guards found the same thing.
    cid = _investigated(api)
    api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["warning"]})
    r = api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-12", "penalty_kinds": ["warning"]}, who="zhaomin",
                expect=409)
    assert _reasons(r) == ["prior_notice_missing"]


@pytest.mark.parametrize("action, body", [
    ("record_waiver", {"waived_on": "2099-01-04", "note": "当事人书面声明放弃陈述申辩和听证"}),
    ("record_statement", {"received_on": "2099-01-04", "content": "当事人称系进货疏忽"}),
])
def test_a_waiver_or_statement_dated_in_the_future_is_refused(api, action, body):
    cid = _noticed(api)
    r = api.act(cid, action, body, expect=422)
    assert r.get_json()["code"] == "date_in_future"


def test_a_no_show_at_a_hearing_in_the_future_is_refused(api):
    cid = _noticed(api, fine="150000.00")
    api.act(cid, "request_hearing", {"requested_on": "2026-03-12"})
    r = api.act(cid, "record_hearing_no_show", {"scheduled_on": "2099-01-04"}, expect=422)
    assert r.get_json()["code"] == "date_in_future"


def test_a_fine_that_was_never_served_cannot_be_closed(api):
    # Was closed from 'decided' with the decision never served nor executed.
    cid = _noticed(api)
    api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine"],
                            "fine_amount": "5000.00"}, who="zhaomin")
    r = api.act(cid, "close", {}, who="zhaomin", expect=409)
    assert _reasons(r) == ["decision_not_served"]


def test_a_decision_without_a_fine_carries_no_fine_amount(api):
    # Was keeping the notified 5000.00, and closing then asked for a fine never imposed to be paid.
    cid = _noticed(api, kinds=("fine", "confiscate_gains"))
    r = api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["confiscate_gains"]},
                who="zhaomin")
    assert r.get_json()["penalty_kinds"] == ["confiscate_gains"] and r.get_json()["fine_amount"] is None


def test_an_on_the_spot_warning_cannot_carry_a_fine(api):
    # Was accepted, with fine_amount 99999.00 on a warning and the 第五十一条 limit never checked.
    r = api.post("/api/v1/summary-decisions", {
        "party_id": api.party("person"), "form_no": "SD202600001", "decided_on": "2026-03-09", "place": "山亭区府前路88号",
        "cause": "销售标签不符合规定的食品", "facts_text": "现场发现", "penalty_kinds": ["warning"], "fine_amount": "99999.00",
        "basis": "食品安全法第一百二十五条", "officer_ids": api.officers(), "party_signed": True})
    assert r.status_code == 422, r.get_json()


def test_an_idempotency_key_reused_for_a_different_upload_is_refused(api):
    # Was replaying the first upload's response: the request hash did not see the multipart body.
    cid = _investigated(api)

    def upload(title):
        meta = {"kind": "physical", "title": title, "collected_on": "2026-03-04", "collected_by": api.officers()}
        return api.c.post(f"/api/v1/cases/{cid}/evidence", content_type="multipart/form-data",
                          data={"meta": json.dumps(meta, ensure_ascii=False), "file": (io.BytesIO(PNG + title.encode()), "a.png")},
                          headers=api.h("zhangwei", **{"If-Match": api.etag(cid), "Idempotency-Key": "upload-1"}))

    assert upload("照片一").status_code == 201
    r = upload("照片二")
    assert r.status_code == 422 and r.get_json()["code"] == "idempotency_key_reused", (r.status_code, r.get_json())


def test_a_decision_cannot_be_served_before_it_is_made(api):
    cid = _noticed(api)
    api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine"],
                            "fine_amount": "5000.00"}, who="zhaomin")
    r = api.act(cid, "serve_decision", {"served_on": "2026-03-01", "method": "direct"}, expect=409)
    assert _reasons(r) == ["date_out_of_order"]


MATERIALS_ALL = {k: True for k in MATERIALS}


def _transferred(api, transferred_at="2026-03-12T16:00:00+08:00") -> int:
    """A case whose referral was approved at 09:00 on 2026-03-12 (Beijing) and then transferred."""
    cid = _investigated(api)
    api.act(cid, "form_referral_team", {"formed_on": "2026-03-11", "officer_ids": api.officers()})
    api.act(cid, "submit_referral_report", {"reported_on": "2026-03-11", "report": "涉嫌销售伪劣产品罪"})
    api.act(cid, "approve_referral", {"decided_on": "2026-03-12", "approved_at": "2026-03-12T09:00:00+08:00"}, who="zhaomin")
    api.act(cid, "transfer_referral", {"transferred_at": transferred_at, "police_agency": "枣庄市公安局山亭分局",
                                       "procuratorate": "枣庄市山亭区人民检察院", "materials": MATERIALS_ALL})
    return cid


def _deadlines(api, cid) -> dict[str, dict]:
    return {d["kind"]: d for d in api.get(f"/api/v1/deadlines?case_id={cid}", who="zhaomin").get_json()["items"]}


def test_a_transfer_in_the_small_hours_meets_its_deadline_on_its_beijing_day(api):
    # Was met on 2026-03-12, the UTC date of 2026-03-13 07:30 Beijing time: deadlines count local days.
    cid = _transferred(api, transferred_at="2026-03-13T07:30:00+08:00")
    d = _deadlines(api, cid)["referral_transfer"]
    assert (d["status"], d["due_on"], d["met_on"]) == ("met", "2026-03-13", "2026-03-13")


def test_a_case_the_police_send_back_owes_no_police_decision(api):
    # Was left open after 第十三条's return, to be swept as missed: no act could settle it any more.
    cid = _transferred(api)
    api.act(cid, "record_police_receipt", {"receipt_on": "2026-03-13"})
    api.act(cid, "record_police_return", {"returned_on": "2026-03-14", "reason": "经审查不构成犯罪，退回行政机关处理"})
    d = _deadlines(api, cid)["police_decision"]
    assert (d["status"], d["met_on"]) == ("met", "2026-03-14")


def test_a_reviewer_who_has_left_cannot_be_assigned(api, sessions):
    # Was assigned (a bar-qualified reviewer, but inactive): the round waited on someone who could not log in.
    cid = api.noticed_case(fine="5000.00", kinds=("fine", "revoke_license"))
    api.submit_review(cid)
    with sessions() as s, s.begin():
        gone = s.execute(select(m.User).where(m.User.username == "sunli")).scalar_one()
        gone.active = False
        gone_id = gone.id
    r = api.act(cid, "assign_legal_reviewer", {"reviewer_id": gone_id, "assigned_on": "2026-03-16"}, who="zhaomin",
                expect=409)
    assert _reasons(r) == ["assignee_not_reviewer"]


def test_a_transfer_dated_in_the_future_is_refused(api):
    # Was accepted: the instants of a referral (transferred_at, approved_at) were not checked against today.
    cid = _investigated(api)
    api.act(cid, "form_referral_team", {"formed_on": "2026-03-11", "officer_ids": api.officers()})
    api.act(cid, "submit_referral_report", {"reported_on": "2026-03-11", "report": "涉嫌销售伪劣产品罪"})
    api.act(cid, "approve_referral", {"decided_on": "2026-03-12"}, who="zhaomin")
    later = (TODAY + dt.timedelta(days=30)).isoformat() + "T10:00:00+08:00"
    r = api.act(cid, "transfer_referral", {"transferred_at": later, "police_agency": "枣庄市公安局山亭分局",
                                           "procuratorate": "枣庄市山亭区人民检察院", "materials": MATERIALS_ALL}, expect=None)
    assert r.status_code == 422 and r.get_json()["code"] == "date_in_future", (r.status_code, r.get_json())
