"""Property tests over the case lifecycle, through the API, on every backend.

A hypothesis state machine opens leads and on-the-spot decisions and then acts on them: any action of
the lifecycle, by any demo user, with plausible or deliberately wrong input, dates and If-Match. After
each step:

(a) the act succeeded exactly when the lifecycle allows it: the expectation is computed here, from the
    transition table's stages and roles and from the guards restated as plain rules over a model of the
    case, never by asking the product; a refused act is a 4xx and changes nothing at all. The guards that
    consult the rules catalogue (裁量基准, 法制审核/集体讨论 triggers, 追诉标准, 免罚清单) depend on local
    configuration and are left to their own tests: on `propose_penalty` and `decide` they may add reasons
    of their own (CATALOGUE_REASONS) to a refusal, and nothing else;
(b) the whole trail verifies;
(c) each committed act added exactly one trail entry for its case and one outbox row, and the outbox
    rows of every case carry case_seq 1, 2, 3 … without a gap.

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
from hypothesis import HealthCheck, Phase, note
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
from casebook.domain.lifecycle import TRANSITIONS
from casebook.services.audit import verify_trail
from schemas.api.cases import ACTION_SCHEMAS, LeadIn, SummaryDecisionIn
from schemas.api.records import EvidenceMetaIn
from tests.helpers import PNG, ApiClient

TODAY = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()  # legal dates are Beijing dates
D = dt.date
START = D(2026, 3, 2)  # a Monday; every demo credential is valid 2024-01-01 … 2029-12-31
CAL = WorkingDayCalendar()  # the statutory calendar with no local overrides (the test databases have none)

# Restated from the law, not imported: 行政处罚法 第六十三条 (hearing right) and 第五十一条 (summary limits).
HEARING_KINDS = {"lower_qualification", "revoke_license", "suspend_operations", "order_closure", "restrict_practice"}
SUMMARY_LIMIT = {"person": Decimal("200"), "organization": Decimal("3000")}
NON_EXECUTED_KINDS = {"warning", "circulated_criticism"}  # nothing to execute: the case may close once served

# 郭琪's credential ends on 2026-03-31: acts on either side of it.
CREDENTIAL_EDGES = (D(2026, 3, 31), D(2026, 4, 1))
FINES = ["5000.00", "150.00", "200.00", "201.00", "3000.00", "3000.01", "20000.00", "150000.00", "0.00"]
KIND_SETS = [["fine"], ["warning"], ["fine", "confiscate_gains"], ["revoke_license"], ["warning", "fine"],
             ["circulated_criticism"], ["fine", "suspend_operations"]]
# If-Match values that are not an ETag of this system; each must be a clean 4xx.
GARBAGE_ETAGS = ['"abc"', "*", 'W/"x"', "", '"-1"', '"1.0"', "null", '"', "1 2", '"²"', '"9999999999999"']

# --- the world: one app, and a fresh copy of the template database per example ------------------------------


@dataclass(frozen=True)
class Person:
    name: str
    id: int
    agency: int
    roles: frozenset[str]
    creds: tuple[tuple[dt.date, dt.date, bool], ...]
    active: bool = True

    def valid_on(self, day: dt.date) -> bool:
        return any(not revoked and a <= day <= b for a, b, revoked in self.creds)


ACTORS = ["zhangwei", "liqiang", "wangfang", "zhaomin", "sunli", "chenjie", "liuyang", "zhouhua", "wujing", "admin",
          "guoqi", "xinren"]
# Officers added to 山亭市监 for each example: one whose credential expired on 2026-03-31, one without any,
# one with a revoked credential, one who has left (inactive).
EXTRA_OFFICERS = [
    ("guoqi", "郭琪", [(D(2024, 1, 1), D(2026, 3, 31), False)], True),
    ("xinren", "辛仁", [], True),
    ("chexiao", "车晓", [(D(2024, 1, 1), D(2029, 12, 31), True)], True),
    ("lizhi", "黎智", [(D(2024, 1, 1), D(2029, 12, 31), False)], False),
]


class World:
    """One app and engine for the whole test; `fresh()` puts a new copy of the template database under them.

    Building the app is the slow part (its OpenAPI spec), so it is made once; each example still starts from
    the seeded template: the engine's pool is emptied and the database file (or PostgreSQL database) is
    recreated from the template under the same URL.
    """

    def __init__(self, url: str, data_dir: Path, recreate, cleanup=None):
        from casebook.web.app import create_app

        self.settings = Settings(data_dir=data_dir, database_url=url, max_upload_bytes=2 * 1024 * 1024)
        self._recreate, self._cleanup = recreate, cleanup
        recreate()
        self.engine = make_engine(url)
        self.sessions = make_sessionmaker(self.engine)
        self.app = create_app(self.settings, engine=self.engine)

    def fresh(self) -> World:
        self.engine.dispose()
        self._recreate()
        shutil.rmtree(self.settings.blob_dir, ignore_errors=True)
        self._add_extra_officers()
        self.api = ApiClient(self.app.test_client(), self.sessions)  # tokens live in the database: new ones
        self.people, self.agency_parent, self.parties = self._load()
        return self

    def _add_extra_officers(self) -> None:
        with self.sessions() as s, s.begin():
            amr = s.execute(select(m.User.agency_id).where(m.User.username == "zhangwei")).scalar_one()
            for i, (username, name, creds, active) in enumerate(EXTRA_OFFICERS):
                u = m.User(username=username, display_name=name, password_hash="!", agency_id=amr, roles=["officer"],
                           active=active)
                s.add(u)
                s.flush()
                for j, (a, b, revoked) in enumerate(creds):
                    s.add(m.Credential(user_id=u.id, credential_no=f"3704009{i}{j}", field="市场监管", valid_from=a,
                                       valid_to=b, revoked=revoked))

    def _load(self):
        with self.sessions() as s:
            people = {}
            for u in s.execute(select(m.User)).scalars():
                creds = tuple((c.valid_from, c.valid_to, c.revoked) for c in u.credentials)
                people[u.username] = Person(u.username, u.id, u.agency_id, frozenset(u.roles), creds, u.active)
            parents = dict(s.execute(select(m.Agency.id, m.Agency.parent_id)).all())
            parties = dict(s.execute(select(m.Party.kind, m.Party.id)).all())
        return people, parents, parties

    def close(self) -> None:
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
    trail: list[str] = field(default_factory=list)  # "case.<action>" of each committed act, in order


# Reasons of the catalogue guards (see the module docstring), which this machine does not predict.
CATALOGUE_REASONS = frozenset({"criminal_suspicion_open", "penalty_above_legal_max", "deviation_reason_missing",
                               "legal_review_required", "collective_discussion_required", "exemption_not_eligible",
                               "exemption_measures_missing", "referral_in_progress"})
CATALOGUE_ACTIONS = ("propose_penalty", "decide")


@dataclass(frozen=True)
class Expect:
    status: int
    code: str | None = None
    reasons: frozenset[str] | None = None
    catalogue: bool = False  # catalogue guards may refuse it too

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


def money(v) -> Decimal | None:
    return Decimal(v) if v is not None else None


class Oracle:
    """What the lifecycle says should happen, from the transition table and the guards restated as rules."""

    def __init__(self, world: World):
        self.w = world

    def can_read(self, p: Person, agency: int) -> bool:
        if "admin" in p.roles or agency == p.agency:
            return True
        if "supervisor" in p.roles:  # its own agency and every agency below it
            a = agency
            while a is not None:
                if a == p.agency:
                    return True
                a = self.w.agency_parent.get(a)
        return False

    def officers_ok(self, ids, agency: int) -> bool:
        by_id = {q.id: q for q in self.w.people.values()}
        return all(i in by_id and by_id[i].agency == agency and "officer" in by_id[i].roles and by_id[i].active
                   for i in ids)

    def named_officers(self, ids, on: dt.date) -> set[str]:
        """第四十二条: at least two named officers with a credential valid that day, and none without one."""
        if self.valid_count(ids, on) < 2:
            return {"officers_insufficient"}
        if self.valid_count(ids, on) < len(set(ids)):
            return {"officer_without_credential"}
        return set()

    # An act's date may not come before the case's dates it follows (立案 after discovery, service after decision …).
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
    }

    def out_of_order(self, c: CaseModel, action: str, body: dict) -> str | None:
        for key, earlier in self.DATE_ORDER.get(action, ()):
            mine, before = day(body.get(key)), getattr(c, earlier)
            if mine is not None and before is not None and mine < before:
                return "date_out_of_order"
        return None

    def valid_count(self, ids, on: dt.date) -> int:
        by_id = {q.id: q for q in self.w.people.values()}
        return sum(1 for i in dict.fromkeys(ids) if i in by_id and by_id[i].valid_on(on))

    @staticmethod
    def future(body: dict, keys=None) -> bool:
        """Any date of the act later than today (every `*_on` of the input: a record of what happened)."""
        return any(k.endswith("_on") and (d := day(v)) is not None and d > TODAY for k, v in body.items()
                   if keys is None or k in keys)

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
        named = body.get({"file": "officer_ids", "record_investigation_act": "officer_ids",
                          "add_evidence": "collected_by"}.get(action, ""), [])
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
        except CalendarDataMissing:  # a period running into a year whose holidays are not loaded
            return Expect(422, "calendar_data_missing")
        catalogue = action in CATALOGUE_ACTIONS
        if reasons:
            return Expect(409, "action_refused", frozenset(reasons), catalogue)
        if action == "update_lead" and "party_id" in body and body["party_id"] not in self.w.parties.values():
            return Expect(422, "unknown_party")
        return Expect(201 if action == "add_evidence" else 200, catalogue=catalogue)

    def guards(self, c: CaseModel, p: Person, action: str, body: dict, named: list[int]) -> set[str]:
        r: set[str] = set()
        case_officer = "agency_head" in p.roles or p.id in c.officers
        if action in {"start_investigation", "record_investigation_act", "add_evidence", "update_facts",
                      "close_investigation", "propose_penalty", "serve_prior_notice", "record_statement",
                      "record_waiver", "request_hearing", "serve_decision"} and not case_officer:
            r.add("not_case_officer")
        on = {"file": "filed_on", "record_investigation_act": "acted_on", "add_evidence": "collected_on"}.get(action)
        if on:
            r |= self.named_officers(named, day(body[on]))
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
        return r

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


def apply(c: CaseModel, action: str, body: dict, out: dict, party_kinds: dict[int, str]) -> None:
    """The model's effect of a committed act."""
    t = TRANSITIONS[action]
    if action == "update_lead" and "party_id" in body:
        c.party_kind = party_kinds[body["party_id"]]
    elif action == "file":
        c.officers = list(dict.fromkeys(body["officer_ids"]))
        c.filed_on = day(body["filed_on"])
    elif action == "add_evidence":
        c.evidence += 1
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
    if t.to == "@resume":
        c.stage, c.suspended_stage = c.suspended_stage, None
    elif t.to:
        c.stage = t.to
    dates = [d for v in body.values() if (d := day(v)) is not None] if isinstance(body, dict) else []
    c.clock = min(max([c.clock, *dates]), TODAY)
    c.trail.append(f"case.{action}")


# --- drawing inputs -----------------------------------------------------------------------------------------

# The acts this machine models. The legal-review and referral workflows (Issues 4 and 5) were being built while
# it was written; they are reported as not covered (a warning) rather than guessed at.
MODELED = {
    "update_lead", "file", "decline_to_file", "start_investigation", "record_investigation_act", "add_evidence",
    "update_facts", "close_investigation", "propose_penalty", "serve_prior_notice", "record_statement",
    "record_waiver", "request_hearing", "hold_hearing", "record_hearing_no_show", "decide",
    "record_collective_discussion", "serve_decision", "start_execution", "record_payment", "record_summary_filing",
    "close", "archive", "suspend", "resume", "terminate",
}
CASE_ACTIONS = [a for a, t in TRANSITIONS.items() if t.from_stages != (None,) and a in MODELED]
TEXT = {"cause": "涉嫌销售过期食品", "reason": "依法处理", "report": "事实清楚，证据确凿", "summary": "现场检查发现过期食品12袋",
        "content": "当事人称系进货疏忽", "note": "当事人书面声明放弃陈述申辩和听证", "transcript_summary": "当事人到场陈述"}


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
        if a == "update_facts":
            return {"goods_value": "1200.00", "violations": [{"description": "销售超过保质期的食品"}],
                    "circumstances": self.pick([[], ["first_offence"], ["repeat_offence"]], "circumstances")}
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
            return {"held_on": self.day(c), "attendees": ["赵敏", "钱进", "孙丽"], "opinions": "一致同意", "conclusion": "同意处罚"}
        if a in ("suspend", "resume", "terminate"):
            return {"reason": TEXT["reason"]}
        return self.pick([{}, {"note": "无"}])

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
            assert mine <= got and got - mine <= CATALOGUE_REASONS, detail
            note(f"refused by the catalogue guards too: {sorted(got - mine)}")
            return False
        assert r.status_code == exp.status, detail
        if exp.code:
            assert body and body.get("code") == exp.code, detail
        if exp.reasons is not None:
            got = {x["code"] for x in body["errors"]["reasons"]}
            assert got == exp.reasons, detail
        return exp.ok

    def replay_is_harmless(self, send, first, before_replay: dict) -> None:
        """A retry with the same Idempotency-Key answers as the first time and writes nothing."""
        again = send()
        assert again.status_code == first.status_code, (first.get_json(), again.get_json())
        if first.status_code < 300:
            assert again.headers.get("Idempotent-Replayed") == "true"
            assert again.get_json() == first.get_json()
        assert self.snapshot() == before_replay

    def committed(self, c: CaseModel, action: str, body: dict, r) -> None:
        """Apply a committed act to the model and check what the response says about the case."""
        old_version = c.version
        out = r.get_json()
        apply(c, action, body, out, {v: k for k, v in self.w.parties.items()})
        etag = r.headers.get("ETag")
        if action == "add_evidence":
            assert out["case_id"] == c.id
            c.version = int(etag.strip('"'))
        else:
            assert out["stage"] == c.stage, (action, out["stage"], c.stage)
            assert etag == f'"{out["version"]}"'
            c.version = out["version"]
            if action == "serve_prior_notice":
                assert out["statement_due_on"] == c.due_on.isoformat()
            if action == "propose_penalty" and body["kind"] != "penalty":
                assert out["hearing_right"] is False
            if action == "propose_penalty" and set(body.get("penalty_kinds") or ()) & HEARING_KINDS:
                assert out["hearing_right"] is True, "第六十三条: these kinds always give a right to a hearing"
        assert c.version > old_version
        self.acts_since_checkpoint += 1

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
        r = send()
        ok = self.check(r, exp, f"{who} {action} on case {cid} in stage {c.stage}")
        if expect_ok:
            assert exp.ok
        if ok:
            self.committed(c, action, body, r)
            self.check_last_entry(c, action)
        else:
            assert self.snapshot() == before, f"refused {action} changed something"
        if idem:
            self.replay_is_harmless(send, r, self.snapshot())
        return ok

    def check_last_entry(self, c: CaseModel, action: str) -> None:
        with self.w.sessions() as s:
            e = s.execute(select(m.TrailEntry).where(m.TrailEntry.case_id == c.id).order_by(m.TrailEntry.seq.desc())
                          .limit(1)).scalar_one()
            ev = s.execute(select(m.OutboxEvent).where(m.OutboxEvent.case_id == c.id).order_by(m.OutboxEvent.id.desc())
                           .limit(1)).scalar_one()
        payload = json.loads(e.payload)
        assert e.action == f"case.{action}" and payload["stage_to"] == c.stage
        assert ev.type == TRANSITIONS[action].event and ev.payload["stage_to"] == c.stage

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

    @initialize(depth=st.integers(0, 17), path=st.sampled_from(["small fine", "heard", "waived"]))
    def a_case_walked_down_the_ordinary_procedure(self, depth, path):
        self.walk(depth, path)

    @initialize(depth=st.integers(0, 17), path=st.sampled_from(["small fine", "heard", "waived"]))
    def another_case_walked_down_the_ordinary_procedure(self, depth, path):
        self.walk(depth, path)

    def walk(self, depth: int, path: str) -> None:
        """Take a case some way along the ordinary procedure, every act legal: a small fine, a large one after a
        hearing, or a large one whose party waived the defence window."""
        fine = "5000.00" if path == "small fine" else "150000.00"
        hearing = path == "heard"
        o = [self.person(n).id for n in ("zhangwei", "liqiang")]
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
            ("close_investigation", "zhangwei", {"report": TEXT["report"]}),
            ("propose_penalty", "zhangwei", {"kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": fine}),
            ("serve_prior_notice", "zhangwei", {"served_on": "2026-03-10", "method": "direct"}),
        ]
        if path == "waived":
            steps += [("record_waiver", "liqiang", {"waived_on": "2026-03-11", "note": TEXT["note"]})]
        if hearing:
            steps += [("request_hearing", "liqiang", {"requested_on": "2026-03-12"}),
                      ("hold_hearing", "zhangwei", {"notice_served_on": "2026-03-13", "held_on": "2026-03-24",
                                                    "chair_id": self.person("wangfang").id,
                                                    "transcript_summary": TEXT["transcript_summary"]})]
        steps += [
            ("record_collective_discussion", "zhaomin", {"held_on": "2026-03-24", "attendees": ["赵敏", "钱进", "孙丽"],
                                                         "opinions": "一致同意", "conclusion": "同意处罚"}),
            ("decide", "zhaomin", {"kind": "penalty", "decided_on": "2026-03-25", "penalty_kinds": ["fine"],
                                   "fine_amount": fine}),
            ("serve_decision", "zhangwei", {"served_on": "2026-03-26", "method": "direct"}),
            ("start_execution", "liqiang", {}),
            ("record_payment", "zhangwei", {"amount": fine, "paid_on": "2026-03-27", "receipt_no": "PJ0001"}),
            ("close", "zhaomin", {"closed_on": "2026-03-30"}),
            ("archive", "zhangwei", {}),
        ]
        for action, who, body in steps[:depth * len(steps) // 17]:
            if not self.do_act(c.id, action, who, body, expect_ok=True):
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
        if legal and not d.chance(6, "any action"):
            action = d.pick_any(moving if moving and d.chance(3, "move on") else legal, "action")
        else:
            action = d.pick_any(CASE_ACTIONS, "action")
        roles = TRANSITIONS[action].roles
        mine = [n for n in ACTORS if self.person(n).agency == c.agency]
        able = [n for n in mine if self.person(n).roles & roles]  # the role fits
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
            committed = sum(len(c.trail) for c in self.cases.values())
            assert result.entries == self.base_trail + committed
            outbox = s.execute(select(func.count()).select_from(m.OutboxEvent)).scalar_one()
            assert outbox == self.base_outbox + committed
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
            assert seqs[cid] == list(range(1, len(c.trail) + 1)), (cid, seqs[cid])
            assert rows[cid] == (c.stage, c.version), (cid, rows[cid], c.stage, c.version)


@pytest.mark.slow
def test_only_allowed_acts_succeed_and_every_committed_act_leaves_one_entry_and_one_event(world, backend):
    not_modeled = sorted(a for a, t in TRANSITIONS.items() if t.from_stages != (None,) and a not in MODELED)
    if not_modeled:
        warnings.warn(f"lifecycle acts not covered by the property test yet: {', '.join(not_modeled)}", stacklevel=1)
    machine = type(f"Lifecycle_{backend}", (LifecycleMachine,), {"world": world})
    run_state_machine_as_test(machine, settings=hsettings(
        max_examples=35, stateful_step_count=25, deadline=None, print_blob=True,
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
