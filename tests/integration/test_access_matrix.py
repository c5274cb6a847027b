"""Role × endpoint × own/other agency: every operation of the served OpenAPI document, every page route.

The rows are generated: one per act route from the act declarations (`services.acts.CASE_ROUTE_ACTS`, the
roles each act declares), one per other operation from the explicit table `ENDPOINTS` below. The first test
fails when the OpenAPI document and the rows differ, so an endpoint added tomorrow has no test until it has a
row here. Each operation is then called by a user of each role (officer, legal_reviewer, agency_head,
supervisor, admin) of the agency that holds the records (`own`) and of another agency (`other`), and each cell
asserts the status as designed:

- a role the operation allows, in its own agency: anything but 401/403/404 (and never a 5xx). Every write is
  sent with an invalid body, so an allowed caller gets 422 and nothing of the shared world changes;
- a role it does not allow: 403 (`role_not_allowed`) — before the body is looked at (validation after
  permission: an invalid body still gets 403, not 422);
- another agency's record: 404 (the record is not revealed), or 403 where the table says so;
- an administrator reads no case contents: 404 on a case's records (docs/decisions.md);

and for every refusal that nothing changed: row counts, case versions and the trail head, and the records the
administrators' and the supervisors' routes address (agencies, users, credentials, evaluation rounds, files and
corrections, findings, annual reports). A row's `cells` names the designed exceptions (e.g. another administrator
refused a catalogue upload it did not stage: 403), its `params` another record of the world.

One seeded database per module (and per backend); SQLite always, PostgreSQL with CASEBOOK_TEST_POSTGRES_URL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil

import pytest
from sqlalchemy import func, select

from casebook.config import Settings
from casebook.db import models as m
from casebook.db import models_evaluation as ev
from casebook.db import models_supervision as sv
from casebook.db.engine import make_engine, make_sessionmaker
from casebook.domain.vocabulary import ROLES
from casebook.services.acts import CASE_ROUTE_ACTS
from casebook.services.context import SYSTEM
from tests.conftest import _fresh_pg
from tests.helpers import ApiClient

ANY = frozenset(ROLES)
CASE_ROLES = frozenset({"officer", "legal_reviewer", "agency_head", "supervisor"})
WRITERS = frozenset({"officer", "agency_head"})
ADMIN = frozenset({"admin"})
HEAD = frozenset({"agency_head"})
SUP = frozenset({"supervisor"})
SUP_ADMIN = SUP | ADMIN
PROBE = {"matrix_probe": "不是任何字段"}  # an unknown field: every schema refuses it (422)


@dataclasses.dataclass(frozen=True)
class Row:
    roles: frozenset[str]               # who may call it (in their own agency)
    scoped: bool = False                # it addresses one agency's record: another agency's user gets `other`
    other: int = 404
    hidden: frozenset[str] = frozenset()  # roles that do not see the record at all (404), e.g. admin and case contents
    body: str | None = None             # "json" (PROBE), "multipart" (an empty form), None (no body)
    fresh_token: bool = False           # the call ends the token it is made with
    role_first: bool = False            # a wrong role is 403 whatever the agency (checked before the record is read)
    cells: tuple[tuple[str, str, int], ...] = ()  # (role, agency, status): the designed exceptions to the above
    params: tuple[tuple[str, str], ...] = ()  # (path parameter, world parameter): another record than the default
    note: str = ""


CASE_CONTENT = {"scoped": True, "hidden": ADMIN}

# Every operation of the API that is not an act route, with who may call it. Keep it in step with the OpenAPI
# document: test_every_operation_has_a_row fails otherwise.
ENDPOINTS: dict[str, Row] = {
    # identity and sessions
    "GET /api/v1/health": Row(ANY, note="liveness without login; the detail for admins"),
    "POST /api/v1/auth/tokens": Row(ANY, body="json"),
    "DELETE /api/v1/auth/tokens/current": Row(ANY, fresh_token=True),
    "PUT /api/v1/me/password": Row(ANY, body="json"),
    "GET /api/v1/me": Row(ANY),
    "GET /api/v1/activity": Row(ANY, note="filtered to the reader's scope"),
    # organisation (configuration: the administrator's)
    "GET /api/v1/agencies": Row(ANY),
    "GET /api/v1/users": Row(ADMIN | {"agency_head", "supervisor"}, note="heads and supervisors: their scope"),
    "POST /api/v1/users": Row(ADMIN, body="json"),
    "POST /api/v1/users/{user_id}/credentials": Row(ADMIN, body="json"),
    "DELETE /api/v1/users/{user_id}/tokens": Row(ADMIN),
    "PATCH /api/v1/users/{user_id}": Row(ADMIN, body="json"),
    "PUT /api/v1/admin/agencies/{agency_id}/publication-system": Row(ADMIN, body="json"),
    # parties (scope: the agencies holding a case or lead of the party, or that registered it)
    "POST /api/v1/parties": Row(WRITERS, body="json"),
    "GET /api/v1/parties": Row(CASE_ROLES, note="others: at most a masked de-duplication match"),
    "GET /api/v1/parties/{party_id}": Row(CASE_ROLES, scoped=True, role_first=True),
    "PATCH /api/v1/parties/{party_id}": Row(WRITERS, scoped=True, role_first=True, body="json"),
    # cases
    "POST /api/v1/cases": Row(WRITERS, body="json"),
    "GET /api/v1/cases": Row(ANY, note="filtered to the reader's scope (empty for an administrator)"),
    "GET /api/v1/cases/{case_id}": Row(CASE_ROLES, **CASE_CONTENT),
    "GET /api/v1/cases/{case_id}/actions": Row(CASE_ROLES, **CASE_CONTENT),
    "GET /api/v1/cases/{case_id}/trail": Row(CASE_ROLES, **CASE_CONTENT),
    "POST /api/v1/summary-decisions": Row(frozenset({"officer"}), body="json"),
    "GET /api/v1/cases/{case_id}/evidence": Row(CASE_ROLES, **CASE_CONTENT),
    "POST /api/v1/cases/{case_id}/evidence": Row(WRITERS, **CASE_CONTENT, body="multipart"),
    "GET /api/v1/evidence/{evidence_id}/content": Row(CASE_ROLES, **CASE_CONTENT),
    # calendar, summary forms, the trail
    "GET /api/v1/calendar/due-date": Row(ANY),
    "PUT /api/v1/admin/calendar/{day}": Row(ADMIN, body="json"),
    "PUT /api/v1/admin/calendar/years/{year}": Row(ADMIN, body="json"),
    "POST /api/v1/admin/calendar/notice/preview": Row(ADMIN, body="json"),
    "POST /api/v1/admin/calendar/notice": Row(ADMIN, body="json"),
    "POST /api/v1/admin/calendar/file/preview": Row(ADMIN, body="multipart"),
    "POST /api/v1/admin/calendar/file": Row(ADMIN, body="multipart"),
    "POST /api/v1/summary-forms": Row(frozenset({"agency_head", "admin"}), body="json"),
    "GET /api/v1/admin/audit/verify": Row(frozenset({"admin", "supervisor"})),
    "POST /api/v1/admin/audit/checkpoints": Row(ADMIN),
    # the rules catalogue
    "GET /api/v1/catalogue": Row(ANY),
    "GET /api/v1/catalogue/codes": Row(ANY),
    "GET /api/v1/catalogue/items": Row(ANY),
    "GET /api/v1/catalogue/{code}/export": Row(ANY),
    "POST /api/v1/admin/catalogue": Row(ADMIN, body="multipart"),
    "POST /api/v1/admin/catalogue/diff": Row(ADMIN, body="multipart"),
    "POST /api/v1/rules/benchmark": Row(ANY, body="json"),
    "POST /api/v1/rules/exemption": Row(ANY, body="json"),
    "POST /api/v1/rules/thresholds": Row(ANY, body="json"),
    # documents
    "GET /api/v1/document-types": Row(ANY),
    "GET /api/v1/cases/{case_id}/documents/{doc_type}/preview": Row(CASE_ROLES, **CASE_CONTENT),
    "POST /api/v1/cases/{case_id}/documents/{doc_type}/preview": Row(CASE_ROLES, **CASE_CONTENT, body="json"),
    "POST /api/v1/documents/preview/{doc_type}": Row(WRITERS | {"legal_reviewer"}, body="json"),
    "POST /api/v1/cases/{case_id}/documents": Row(WRITERS, **CASE_CONTENT, body="json"),
    "GET /api/v1/cases/{case_id}/documents": Row(CASE_ROLES, **CASE_CONTENT),
    "POST /api/v1/cases/{case_id}/case-file": Row(WRITERS, **CASE_CONTENT, body="json"),
    "GET /api/v1/documents/{document_id}": Row(CASE_ROLES, **CASE_CONTENT),
    "GET /api/v1/documents/{document_id}/content": Row(CASE_ROLES, **CASE_CONTENT),
    "POST /api/v1/documents/{document_id}/void": Row(WRITERS, **CASE_CONTENT, body="json"),
    # reviews, discussions, referrals
    "GET /api/v1/legal-reviews": Row(frozenset({"legal_reviewer", "agency_head", "supervisor"})),
    "GET /api/v1/cases/{case_id}/legal-reviews": Row(CASE_ROLES, **CASE_CONTENT),
    "GET /api/v1/cases/{case_id}/collective-discussions": Row(CASE_ROLES, **CASE_CONTENT),
    "GET /api/v1/cases/{case_id}/referrals": Row(CASE_ROLES, **CASE_CONTENT),
    "GET /api/v1/cases/{case_id}/remedies": Row(CASE_ROLES, **CASE_CONTENT),
    # deadlines
    "GET /api/v1/deadlines": Row(ANY, note="filtered to the reader's scope"),
    "POST /api/v1/deadlines/{deadline_id}/met": Row(WRITERS, scoped=True, role_first=True, body="json"),
    "POST /api/v1/deadlines/{deadline_id}/extension": Row(HEAD, scoped=True, role_first=True, body="json"),
    # 公示
    "GET /api/v1/publications": Row(ANY, note="filtered to the reader's scope"),
    "GET /api/v1/publications/{pub_id}": Row(CASE_ROLES, **CASE_CONTENT),
    "POST /api/v1/publications/{pub_id}/draft": Row(HEAD, **CASE_CONTENT, body="json"),
    "POST /api/v1/publications/{pub_id}/publish": Row(HEAD, **CASE_CONTENT, body="json"),
    "POST /api/v1/publications/{pub_id}/exclusion": Row(HEAD, **CASE_CONTENT, body="json"),
    "POST /api/v1/publications/{pub_id}/withdrawal": Row(HEAD, **CASE_CONTENT, body="json"),
    "POST /api/v1/publications/{pub_id}/removal": Row(HEAD, **CASE_CONTENT, body="json"),
    "POST /api/v1/cases/{case_id}/remedy-outcomes": Row(WRITERS, **CASE_CONTENT, body="json"),
    # the administrators' records (configuration: any agency's, the administrator's only)
    "PATCH /api/v1/agencies/{agency_id}": Row(ADMIN, body="json"),
    "PUT /api/v1/users/{user_id}/roles": Row(ADMIN, body="json"),
    "PUT /api/v1/users/{user_id}/password": Row(ADMIN, body="json"),
    "GET /api/v1/credentials": Row(ADMIN),
    "PATCH /api/v1/credentials/{credential_id}": Row(ADMIN, body="json"),
    # 案卷评查 (docs/evaluation.md): the case's auto-checks for who reads the case
    "GET /api/v1/cases/{case_id}/evaluation-checks": Row(CASE_ROLES, **CASE_CONTENT, note="409 while the case is open"),
    "POST /api/v1/cases/{case_id}/evaluation-checks": Row(CASE_ROLES, **CASE_CONTENT, body="json"),
    # rubrics: supervisors and administrators, any agency
    "GET /api/v1/evaluation/rubrics": Row(SUP_ADMIN),
    "POST /api/v1/evaluation/rubrics": Row(SUP_ADMIN, body="json"),
    "POST /api/v1/evaluation/rubrics/xlsx": Row(SUP_ADMIN, body="multipart"),
    # rounds: the supervisors whose scope holds the round's agencies; another supervisor does not see the round
    "GET /api/v1/evaluation/rounds": Row(SUP, note="another supervisor: the rounds of its scope (none here)"),
    "POST /api/v1/evaluation/rounds": Row(SUP, body="json"),
    "GET /api/v1/evaluation/rounds/{round_id}": Row(SUP, scoped=True, role_first=True),
    "GET /api/v1/evaluation/rounds/{round_id}/report": Row(SUP, scoped=True, role_first=True),
    # publish and close take no body: they address a second round, still being scored (its file unscored), so an
    # allowed call is refused (409) and the published round the other rows address stays as it is
    "POST /api/v1/evaluation/rounds/{round_id}/publish": Row(SUP, scoped=True, role_first=True, body="json",
                                                             params=(("round_id", "scoring_round_id"),)),
    "POST /api/v1/evaluation/rounds/{round_id}/close": Row(SUP, scoped=True, role_first=True, body="json",
                                                           params=(("round_id", "scoring_round_id"),)),
    # a drawn file (published): its evaluator (no one of the matrix), the round's supervisors, and once the results
    # are sent the handling officers and their head; everyone else does not see it
    "GET /api/v1/evaluation/mine": Row(ANY, note="the reader's own files and results"),
    "GET /api/v1/evaluation/files/{file_id}": Row(frozenset({"officer", "agency_head", "supervisor"}), scoped=True,
                                                  hidden=frozenset({"legal_reviewer", "admin"})),
    "POST /api/v1/evaluation/files/{file_id}/score": Row(frozenset(), scoped=True, body="json",
                                                         hidden=frozenset({"legal_reviewer", "admin"}),
                                                         note="the drawn evaluator's only (none of the matrix's)"),
    "POST /api/v1/evaluation/files/{file_id}/corrections": Row(WRITERS, scoped=True, body="multipart",
                                                               hidden=frozenset({"legal_reviewer", "admin"}),
                                                               note="整改: the handling officers and their head"),
}

# The act routes: one row per act, its roles as declared; every act addresses one case.
ACT_ROWS: dict[str, Row] = {
    f"POST /api/v1/cases/{{case_id}}/actions/{code}": Row(act.roles, **CASE_CONTENT, body="json")
    for code, act in CASE_ROUTE_ACTS.items()
}
ROWS = {**ENDPOINTS, **ACT_ROWS}
AGENCIES = ("own", "other")


def expected(row: Row, role: str, agency: str) -> int | None:
    """The designed status of one cell; None: allowed (anything but 401/403/404, never 5xx)."""
    for r, a, status in row.cells:
        if (r, a) == (role, agency):
            return status
    if row.role_first and role not in row.roles:
        return 403
    if row.scoped and agency == "other":
        return row.other
    if role in row.hidden:
        return 404
    return None if role in row.roles else 403


# --- the world: one database per module ------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("matrix")
    if request.param == "sqlite":
        shutil.copy(request.getfixturevalue("sqlite_template"), tmp / "casebook.db")
        url = f"sqlite:///{tmp / 'casebook.db'}"
    else:
        url, drop = _fresh_pg(request.getfixturevalue("pg_template"))
        request.addfinalizer(drop)
    settings = Settings(data_dir=tmp / "data", database_url=url, max_upload_bytes=2 * 1024 * 1024)
    engine = make_engine(url)
    from casebook.web.app import create_app

    app = create_app(settings, engine=engine)
    api = ApiClient(app.test_client(), make_sessionmaker(engine))
    yield build(api, settings)
    engine.dispose()


def build(api: ApiClient, settings: Settings) -> dict:
    """A decided case of 山亭市监 with its evidence, a document, a deadline and a 公示 record; one user of each role
    in 山亭市监 (own) and in 山亭综执 (other) — but the own supervisor is the district government's (wujing), whose
    scope holds 山亭市监: an evaluation round belongs to the supervising body that runs it; a closed case of 山亭市监 drawn in a published evaluation round (its
    evaluator `m_evaluator` of 山亭综执 is none of the matrix's callers), a credential of 山亭市监, 山亭市监's annual
    report (built), and a catalogue upload staged by the own administrator."""
    from casebook.seed import CATALOGUE_DIR
    from casebook.services import catalogue as cat
    from casebook.services import deadlines as dl_svc
    from casebook.services import users
    from tests.integration.test_evaluation_checks import closed_case

    closed_case(api.sessions, settings)  # made as in the evaluation tests: before the catalogue asks more of it
    with api.sessions() as s, s.begin():
        cat.seed_directory(s, CATALOGUE_DIR)
        agencies = {a.code: a for a in s.execute(select(m.Agency)).scalars()}
        amr, cle = agencies["山亭市监"], agencies["山亭综执"]
        for username, agency, role in [("m_admin_own", amr, "admin"),
                                       ("m_rev_other", cle, "legal_reviewer"), ("m_sup_other", cle, "supervisor"),
                                       ("m_admin_other", cle, "admin"), ("m_target", amr, "officer"),
                                       ("m_evaluator", cle, "officer")]:
            users.create_user(s, SYSTEM, username=username, display_name="矩阵测试", password="Kx9-lantern-orbit-7",
                              agency_id=agency.id, roles=[role], bar_qualified=role == "legal_reviewer")
        code = s.execute(select(m.CatalogueVersion.code)).scalars().first()
        amr_id = amr.id
    people = {("officer", "own"): "zhangwei", ("legal_reviewer", "own"): "sunli", ("agency_head", "own"): "zhaomin",
              ("supervisor", "own"): "wujing", ("admin", "own"): "m_admin_own",
              ("officer", "other"): "chenjie", ("legal_reviewer", "other"): "m_rev_other",
              ("agency_head", "other"): "zhouhua", ("supervisor", "other"): "m_sup_other",
              ("admin", "other"): "m_admin_other"}

    cid = api.noticed_case(fine="5000.00", kinds=("fine",))
    api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine"],
                            "fine_amount": "5000.00", "basis": "食品安全法第一百二十四条"}, who="zhaomin")
    r = api.post(f"/api/v1/cases/{cid}/documents", {"doc_type": "penalty_decision"}, who="zhaomin")
    assert r.status_code == 202, r.get_json()
    from events.envelope import parse, to_message
    from events.handlers import publicity as handler

    with api.sessions() as s:
        rows = s.execute(select(m.OutboxEvent).where(m.OutboxEvent.type.in_(handler.BINDINGS))).scalars().all()
        envs = [parse(to_message(x)) for x in rows]
    for env in envs:
        with api.sessions() as s, s.begin():
            handler.handle(s, env)
    with api.sessions() as s, s.begin():
        case = s.get(m.Case, cid)
        deadline = dl_svc.plan(s, case, "decision", start=dt.date(2026, 3, 3)).id
        evidence = s.execute(select(m.Evidence.id).where(m.Evidence.case_id == cid)).scalars().first()
        document = s.execute(select(m.Document.id).where(m.Document.case_id == cid)).scalars().first()
        pub = s.execute(select(m.Publication.id).where(m.Publication.case_id == cid)).scalar_one()
        target = s.execute(select(m.User.id).where(m.User.username == "m_target")).scalar_one()
        party = case.party_id
        credential = s.execute(select(m.Credential.id).join(m.User).where(m.User.agency_id == amr_id)
                               .order_by(m.Credential.id)).scalars().first()
    evaluation = _evaluation(api, settings, amr_id)
    with api.sessions() as s, s.begin():
        from casebook.seed import demo_user
        from casebook.services import catalogue_staging as staging
        from casebook.services.annual_report import request as request_report
        from casebook.services.context import actor_for

        report = request_report(s, actor_for(s, demo_user(s, "zhaomin")), 2025).id
        job = staging.stage(actor_for(s, demo_user(s, "m_admin_own")), settings,
                            (CATALOGUE_DIR / sorted(p.name for p in CATALOGUE_DIR.glob("*.yaml"))[0]).read_bytes(),
                            "目录.yaml")
    from casebook.services.annual_report import build as build_report

    build_report(api.sessions, report, settings.data_dir)
    params = {"case_id": cid, "evidence_id": evidence, "document_id": document, "deadline_id": deadline,
              "pub_id": pub, "user_id": target, "party_id": party, "agency_id": amr_id, "day": "2026-12-31",
              "year": 2027, "code": code, "doc_type": "penalty_decision", "credential_id": credential, **evaluation,
              "report_id": report, "job_id": job, "fmt": "pdf", "kind": "pdf"}
    return {"api": api, "people": people, "params": params, "case_id": cid}


def _evaluation(api: ApiClient, settings: Settings, amr_id: int) -> dict:
    """A closed case of 山亭市监 drawn in a round (run by the district's supervisor), scored by its evaluator and
    published: the handling officers and their head now see the result; and a second round of the same draw,
    still being scored."""
    from casebook.services.context import local_today

    with api.sessions() as s:
        evaluator = s.execute(select(m.User.id).where(m.User.username == "m_evaluator")).scalar_one()
    rounds = []
    for _ in range(2):
        r = api.post("/api/v1/evaluation/rounds", {"name": "矩阵评查", "period_from": "2026-01-01",
                                                  "period_to": local_today().isoformat(), "agency_ids": [amr_id],
                                                  "sample_size": 1, "seed": "matrix", "pool_ids": [evaluator]}, "wujing")
        assert r.status_code == 201, r.get_json()
        rounds.append(r.get_json())
    rnd = rounds[0]
    file_id = rnd["files"][0]["id"]
    r = api.post(f"/api/v1/evaluation/files/{file_id}/score", {}, "m_evaluator")
    assert r.status_code == 200, r.get_json()
    r = api.post(f"/api/v1/evaluation/rounds/{rnd['id']}/publish", {}, "wujing")
    assert r.status_code == 200, r.get_json()
    return {"round_id": rnd["id"], "file_id": file_id, "scoring_round_id": rounds[1]["id"]}


def snapshot(api: ApiClient) -> dict:
    out = api.snapshot()
    with api.sessions() as s:
        for t in (m.Document, m.Deadline, m.Publication, m.CaseAct, m.TrailCheckpoint, m.CalendarOverride,
                  m.CatalogueVersion, m.ApiToken, m.RemedyOutcome, m.LegalReview, m.Referral):
            out[t.__tablename__] = s.execute(select(func.count()).select_from(t)).scalar_one()
        out["tokens_live"] = s.execute(select(func.count()).select_from(m.ApiToken)
                                       .where(m.ApiToken.revoked_at.is_(None))).scalar_one()
        out["publications"] = sorted(s.execute(select(m.Publication.id, m.Publication.status)).all())
        out["deadlines"] = sorted(s.execute(select(m.Deadline.id, m.Deadline.status, m.Deadline.due_on)).all())
        out["documents"] = sorted(s.execute(select(m.Document.id, m.Document.status)).all())
        out["users"] = sorted(s.execute(select(m.User.id, m.User.active, m.User.roles, m.User.password_hash)).all())
        out["agencies"] = sorted(s.execute(select(m.Agency.id, m.Agency.name, m.Agency.code, m.Agency.case_no_format,
                                                  m.Agency.review_limit_days, m.Agency.publication_system)).all())
        out["credentials"] = sorted(s.execute(select(m.Credential.id, m.Credential.credential_no, m.Credential.field,
                                                     m.Credential.valid_from, m.Credential.valid_to,
                                                     m.Credential.revoked)).all())
        out["evaluation_rubrics"] = s.execute(select(func.count()).select_from(ev.EvaluationRubric)).scalar_one()
        out["case_check_runs"] = s.execute(select(func.count()).select_from(ev.CaseCheckRun)).scalar_one()
        out["evaluation_rounds"] = sorted(s.execute(select(ev.EvaluationRound.id, ev.EvaluationRound.status,
                                                           ev.EvaluationRound.closed_at)).all())
        out["evaluation_files"] = sorted((f.id, f.status, str(f.total), f.grade, repr(f.entries), f.comment)
                                         for f in s.execute(select(ev.EvaluationFile)).scalars())
        out["evaluation_corrections"] = s.execute(select(func.count()).select_from(ev.EvaluationCorrection)).scalar_one()
        out["findings"] = sorted(s.execute(select(sv.Finding.id, sv.Finding.status, sv.Finding.status_note)).all())
        out["problem_runs"] = s.execute(select(func.count()).select_from(sv.ProblemRun)).scalar_one()
        out["annual_reports"] = sorted(s.execute(select(sv.AnnualReport.id, sv.AnnualReport.status)).all())
        out["parties"] = sorted(s.execute(select(m.Party.id, m.Party.name, m.Party.address)).all())
    return out


def call(world: dict, key: str, row: Row, username: str):
    api: ApiClient = world["api"]
    method, template = key.split(" ", 1)
    names = dict(row.params)
    path = re.sub(r"\{(\w+)\}", lambda mt: str(world["params"][names.get(mt.group(1), mt.group(1))]), template)
    if row.fresh_token:
        from casebook.seed import demo_user
        from casebook.services.users import issue_token

        with api.sessions() as s, s.begin():
            token = issue_token(s, demo_user(s, username), "matrix")
        headers = {"Authorization": f"Bearer {token}"}
    else:
        headers = api.h(username)
    if "{case_id}" in template and method != "GET":
        headers["If-Match"] = '"999999"'  # stale: a refused caller must not learn that either
    kw: dict = {}
    if row.body == "json":
        kw["json"] = PROBE
    elif row.body == "multipart":
        kw.update(data={}, content_type="multipart/form-data")
    return api.c.open(path, method=method, headers=headers, **kw)


# --- the tests ---------------------------------------------------------------------------------------------------


def test_every_operation_of_the_openapi_document_has_a_row(world):
    spec = world["api"].c.get("/api/v1/openapi.json").get_json()
    served = {f"{method.upper()} {path}" for path, ops in spec["paths"].items() for method in ops
              if method in ("get", "post", "put", "patch", "delete")}
    assert served - set(ROWS) == set(), "operations without a row in the access matrix: add them to ENDPOINTS"
    assert set(ROWS) - served == set(), "rows for operations the API no longer serves"


@pytest.mark.parametrize("agency", AGENCIES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", sorted(ROWS))
def test_cell(world, key, role, agency):
    row = ROWS[key]
    want = expected(row, role, agency)
    username = world["people"][role, agency]
    world["api"].token(username)  # issued before the snapshot
    before = snapshot(world["api"]) if want is not None else None
    r = call(world, key, row, username)
    body = r.get_json(silent=True) or {}
    assert r.status_code < 500, (r.status_code, body)
    if want is None:
        assert r.status_code not in (401, 403, 404), (r.status_code, body)
        return
    assert r.status_code == want, (r.status_code, body)
    assert body.get("message") and body.get("code"), body  # a Chinese message and a stable code
    assert snapshot(world["api"]) == before, "a refused call changed something"


# --- the pages: every GET route of the staff pages (casebook/web/ui), signed in with a cookie session ------------


@dataclasses.dataclass(frozen=True)
class Page:
    ok: frozenset[int] = frozenset({200})   # what an allowed caller gets
    denied: frozenset[str] = frozenset()   # roles refused the page (403)
    scoped: bool = False                   # one agency's record: another agency's user, and an administrator, get 404
    role_first: bool = False               # a denied role is 403 whatever the agency (checked before the record)
    other: int = 404                       # what another agency's user gets of a scoped record
    cells: tuple[tuple[str, str, int], ...] = ()  # (role, agency, status): the designed exceptions
    hidden: frozenset[str] = frozenset()   # roles that do not see the record even in its agency (404)


def designed_status(page, role: str, agency: str) -> int | None:
    """A page's (or a page form's) designed refusal for this role and agency; None: allowed."""
    cell = {(ro, a): status for ro, a, status in page.cells}.get((role, agency))
    if cell is not None:
        return cell
    if page.role_first and role in page.denied:
        return 403
    if page.scoped and (agency == "other" or role == "admin"):
        return page.other
    if role in page.hidden:
        return 404
    if role in page.denied:
        return 403
    return None


CASE_PAGE = Page(scoped=True)
NOT_ADMIN = ANY - ADMIN
NOT_SUP = ANY - SUP
NOT_SUP_HEAD = ANY - SUP - HEAD
PAGES: dict[str, Page] = {
    "/": Page(frozenset({302})),                                 # to the role's home page
    "/login": Page(frozenset({302})),                            # signed in already
    "/password": Page(),
    "/work/cases": Page(),
    "/work/deadlines": Page(),
    "/work/leads/new": Page(denied=ADMIN),
    "/work/parties/new": Page(),
    "/work/summary/new": Page(denied=ADMIN),
    "/cases/<id:case_id>": CASE_PAGE,
    "/cases/evidence/<id:evidence_id>": CASE_PAGE,
    "/cases/documents/<id:document_id>.pdf": Page(frozenset({200, 409}), scoped=True),  # 409 while it renders
    "/cases/documents/<id:document_id>/progress": CASE_PAGE,
    "/reviews": Page(denied=frozenset({"officer"})),
    "/reviews/<id:case_id>": CASE_PAGE,
    "/head/approvals": Page(denied=frozenset({"officer", "legal_reviewer"})),
    "/head/referrals": Page(),
    "/head/publications": Page(),
    "/head/publications/<int:pub_id>": CASE_PAGE,
    "/api/docs": Page(),
    # the administrators' pages: configuration of every agency, the administrator's only
    "/admin/": Page(frozenset({200, 302}), denied=NOT_ADMIN),
    "/admin/agencies": Page(denied=NOT_ADMIN),
    "/admin/agencies/<int:agency_id>": Page(denied=NOT_ADMIN),
    "/admin/users": Page(denied=NOT_ADMIN),
    "/admin/users/new": Page(denied=NOT_ADMIN),
    "/admin/users/<int:user_id>": Page(denied=NOT_ADMIN),
    "/admin/credentials": Page(denied=NOT_ADMIN),
    "/admin/credentials/new": Page(denied=NOT_ADMIN),
    "/admin/credentials/<int:credential_id>": Page(denied=NOT_ADMIN),
    "/admin/calendar": Page(denied=NOT_ADMIN),
    "/admin/catalogue": Page(denied=NOT_ADMIN),
    "/admin/catalogue/template.xlsx": Page(denied=NOT_ADMIN),
    "/admin/rubrics": Page(denied=NOT_ADMIN),
    "/admin/rubrics/default.yaml": Page(denied=NOT_ADMIN),
    "/admin/thresholds": Page(denied=NOT_ADMIN),
    # a staged upload is its uploader's (the own administrator): another administrator is refused it
    "/admin/catalogue/jobs/<job_id>": Page(denied=NOT_ADMIN, cells=(("admin", "other", 403),)),
    "/admin/catalogue/jobs/<job_id>/progress": Page(denied=NOT_ADMIN, cells=(("admin", "other", 403),)),
    # 案卷评查: the rounds are the supervisors'; a file as the API serves it (published: its handlers and head see it)
    "/evaluation/mine": Page(),
    "/evaluation/rounds": Page(denied=NOT_SUP),
    "/evaluation/rounds/<int:round_id>": Page(denied=NOT_SUP, role_first=True, scoped=True),
    "/evaluation/rounds/<int:round_id>/report.<any(pdf, xlsx):fmt>": Page(denied=NOT_SUP, role_first=True, scoped=True),
    "/evaluation/files/<int:file_id>": Page(scoped=True, cells=(("legal_reviewer", "own", 404),)),
    # supervision: statistics for supervisors, heads and officers (their scope); findings and annual reports for
    # supervisors and heads; a report of 山亭市监 is not found for anyone else
    "/supervision/": Page(denied=frozenset({"legal_reviewer", "admin"})),
    "/supervision/statistics": Page(denied=frozenset({"legal_reviewer", "admin"})),
    "/supervision/statistics.xlsx": Page(denied=frozenset({"legal_reviewer", "admin"})),
    "/supervision/findings": Page(denied=NOT_SUP_HEAD),
    "/supervision/reports": Page(denied=NOT_SUP_HEAD),
    "/supervision/reports/<int:report_id>": Page(denied=NOT_SUP_HEAD, role_first=True, scoped=True),
    "/supervision/reports/<int:report_id>.<any(xlsx, pdf):kind>": Page(denied=NOT_SUP_HEAD, role_first=True,
                                                                       scoped=True),
}


def _page_rules(app) -> dict[str, str]:
    return {r.rule: r.endpoint for r in app.url_map.iter_rules()
            if "GET" in r.methods and r.endpoint.startswith("ui_") and r.endpoint != "ui_shell.static"}


def test_every_page_route_has_a_row(world):
    assert set(_page_rules(world["api"].c.application)) == set(PAGES)


@pytest.mark.parametrize("agency", AGENCIES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("rule", sorted(PAGES))
def test_page_cell(world, rule, role, agency):

    page = PAGES[rule]
    api: ApiClient = world["api"]
    path = re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda mt: str(world["params"][mt.group(1)]), rule)
    client = api.c.application.test_client()
    with client.session_transaction() as sess:
        sess["token"] = api.token(world["people"][role, agency])
    before = snapshot(api)
    r = client.get(path)
    want = designed_status(page, role, agency)
    if want is not None:
        assert r.status_code == want, r.status_code
    else:
        assert r.status_code in page.ok, r.status_code
    assert "登录" not in r.headers.get("Location", "") and "/login" not in r.headers.get("Location", "")
    assert snapshot(api) == before  # a page read changes nothing
