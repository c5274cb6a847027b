"""The property test's world: one app, the demo users, a fresh copy of the template database per example."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import select

from casebook.calendar import WorkingDayCalendar
from casebook.config import Settings
from casebook.db import models as m
from casebook.db.engine import make_engine, make_sessionmaker
from casebook.services import catalogue as cat
from casebook.services.context import SYSTEM
from tests.helpers import ApiClient

LOCAL = ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    """Today's Beijing date (legal dates are Beijing dates), read when asked, as the product reads its own: a run that
    crosses Beijing midnight must not test tomorrow's acts against yesterday's date."""
    return dt.datetime.now(LOCAL).date()


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
             "police_decision": ("310", 3), "reconsideration_request": ("310", 3), "referral_handover": ("310", 3),
             "penalty_copy": ("calendar", 10)}
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
    "record_referral_handover": ("police_filed",),
}

# 郭琪's credential ends on 2026-03-31: acts on either side of it.
CREDENTIAL_EDGES = (D(2026, 3, 31), D(2026, 4, 1))
FINES = ["5000.00", "150.00", "200.00", "201.00", "3000.00", "3000.01", "20000.00", "150000.00", "0.00"]
KIND_SETS = [["fine"], ["warning"], ["fine", "confiscate_gains"], ["revoke_license"], ["warning", "fine"],
             ["circulated_criticism"], ["fine", "suspend_operations"]]
# If-Match values that are not an ETag of this system; each must be a clean 4xx.
GARBAGE_ETAGS = ['"abc"', "*", 'W/"x"', "", '"-1"', '"1.0"', "null", '"', "1 2", '"²"', '"9999999999999"']
THRESHOLDS = Path(__file__).resolve().parents[2] / "fixtures" / "catalogue" / "thresholds.yaml"

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
        self._recreate, self._cleanup = recreate, cleanup
        recreate()
        self.engine = make_engine(url)
        # the services read their settings (the review limit among them) from the sessions, as the app hands them in
        self.sessions = make_sessionmaker(self.engine, settings=self.settings)
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
