"""Role × page form × own/other agency: every POST route of the staff pages (casebook/web/ui).

The companion of `test_access_matrix.py` (which covers every API operation and every page GET) for the forms a
person submits in the browser. Each form is posted, with a valid CSRF token of a signed-in cookie session, by a
user of each role of the agency that holds the record (`own`) and of another agency (`other`), with a body no
form accepts. Each cell asserts the status as designed:

- a role the form refuses: 403 (or 404 for a record of another agency, which is not revealed);
- an allowed role: anything but 401/403/404 and never a 5xx — the junk input is refused (or shown back on the
  form), and nothing of the shared world changes;

and, for every cell, that the world is unchanged (row counts, case versions, trail head, tokens, users, parties,
publications, deadlines, documents, agencies, credentials, rounds, files, findings, reports). The first test fails
when a POST route of the pages has no row here.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from sqlalchemy import select

from casebook.db import models as m
from casebook.db import models_supervision as sv
from casebook.domain.vocabulary import ROLES
from casebook.services.acts import ACTS
from tests.integration.test_access_matrix import AGENCIES, designed_status, snapshot, world  # noqa: F401 — the module's world

ANY = frozenset(ROLES)
ADMIN = frozenset({"admin"})
NOT_ADMIN = ANY - ADMIN
SUP = frozenset({"supervisor"})
HEAD = frozenset({"agency_head"})
NOT_SUP = ANY - SUP
NOT_SUP_HEAD = ANY - SUP - HEAD
WRITERS = frozenset({"officer", "agency_head"})
PROBE = {"matrix_probe": "不是任何字段"}


@dataclasses.dataclass(frozen=True)
class Form:
    denied: frozenset[str] = frozenset()    # roles refused the form (403)
    scoped: bool = False                    # one agency's record: another agency's user and an administrator get 404
    hidden: frozenset[str] = frozenset()    # roles that do not see the record even in its agency (404)
    role_first: bool = False                # a denied role gets 403 whatever the agency (checked before the record)
    other: int = 404                        # what another agency's user gets of a scoped record
    params: tuple[tuple[str, object], ...] = ()  # route values besides the world's
    cells: tuple[tuple[str, str, int], ...] = ()  # (role, agency, status): the designed exceptions
    changes: bool = False                   # an allowed post may change the world (it has no input to refuse)
    to_login: bool = False                  # an allowed post ends at the sign-in page


CASE = Form(denied=ADMIN, scoped=True)
FORMS: dict[str, Form] = {
    # signing in and out, one's own password: every role
    "/login": Form(),
    "/logout": Form(changes=True, to_login=True),  # ends the session's token (each cell signs in with its own)
    "/password": Form(),
    # the officers' desk
    "/work/leads/new": Form(denied=ANY - ACTS["register_lead"].roles),
    "/work/parties/new": Form(denied=ANY - WRITERS),
    "/work/summary/new": Form(denied=ANY - ACTS["decide_on_the_spot"].roles),
    "/cases/<id:case_id>/acts/<action>": Form(denied=ANY - ACTS["update_facts"].roles, scoped=True,
                                              params=(("action", "update_facts"),)),
    # 延长期限 is the head's (the deadlines service): another agency's deadline is not found
    "/cases/<id:case_id>/deadlines/<id:deadline_id>/extend": Form(denied=ANY - HEAD, role_first=True, scoped=True),
    # 出具文书: the case's handlers and head (a preview is any reader's)
    "/cases/<id:case_id>/documents": Form(denied=ANY - WRITERS, scoped=True),
    "/cases/<id:case_id>/rules/<action>": Form(denied=ADMIN, scoped=True, params=(("action", "propose_penalty"),)),
    "/cases/<id:case_id>/verify": CASE,
    "/head/publications/<int:pub_id>/<any(publish, exclude, withdraw, names):what>": Form(
        denied=ANY - HEAD, scoped=True, params=(("what", "exclude"),)),
    # the administrators'
    "/admin/agencies/<int:agency_id>": Form(denied=NOT_ADMIN),
    "/admin/calendar/confirm": Form(denied=NOT_ADMIN),
    "/admin/calendar/preview": Form(denied=NOT_ADMIN),
    "/admin/catalogue": Form(denied=NOT_ADMIN),
    "/admin/catalogue/jobs/<job_id>/confirm": Form(denied=NOT_ADMIN, cells=(("admin", "other", 403),)),
    "/admin/credentials/<int:credential_id>": Form(denied=NOT_ADMIN),
    "/admin/credentials/new": Form(denied=NOT_ADMIN),
    "/admin/rubrics": Form(denied=NOT_ADMIN),
    "/admin/thresholds/<code>": Form(denied=NOT_ADMIN, params=(("code", "unfiled_lead"),)),
    "/admin/users/<int:user_id>": Form(denied=NOT_ADMIN),
    "/admin/users/<int:user_id>/active": Form(denied=NOT_ADMIN),
    "/admin/users/<int:user_id>/password": Form(denied=NOT_ADMIN),
    "/admin/users/new": Form(denied=NOT_ADMIN),
    # 案卷评查
    # a drawn file: 整改 by its handling officers and their head; scoring by its drawn evaluator (none of the
    # matrix's); a legal reviewer or administrator does not see the file at all
    "/evaluation/files/<int:file_id>/corrections": Form(denied=ANY - WRITERS, scoped=True,
                                                        hidden=frozenset({"legal_reviewer", "admin"})),
    "/evaluation/files/<int:file_id>/score": Form(denied=ANY, scoped=True, hidden=frozenset({"legal_reviewer", "admin"})),
    "/evaluation/rounds": Form(denied=NOT_SUP),
    # 反馈结果 on the second round, still being scored (its file unscored): refused (409), nothing changes
    "/evaluation/rounds/<int:round_id>/<any(publish, close):what>": Form(
        denied=NOT_SUP, role_first=True, scoped=True, params=(("what", "publish"), ("round_id", "scoring_round_id"))),
    # supervision
    # a finding's status and a run on demand are the supervisors' (heads read the findings of their agency)
    "/supervision/findings/<int:finding_id>/status": Form(denied=NOT_SUP, role_first=True, scoped=True),
    "/supervision/findings/run": Form(denied=NOT_SUP, changes=True),
    "/supervision/reports": Form(denied=NOT_SUP_HEAD),
}


def _form_rules(app) -> set[str]:
    return {r.rule for r in app.url_map.iter_rules()
            if r.methods & {"POST", "PUT", "PATCH", "DELETE"} and r.endpoint.startswith("ui_")}


@pytest.fixture(scope="module")
def finding(world):  # noqa: F811
    """A finding of 山亭市监 (the own agency) for the status form."""
    import datetime as dt

    api = world["api"]
    with api.sessions() as s, s.begin():
        agency = s.execute(select(m.Agency.id).where(m.Agency.code == "山亭市监")).scalar_one()
        run = sv.ProblemRun(trigger="manual", as_of=dt.date(2026, 12, 1))
        s.add(run)
        s.flush()
        f = sv.Finding(model="unfiled_leads", key="matrix", agency_id=agency, summary="矩阵测试发现",
                       details={}, first_run_id=run.id, last_run_id=run.id)
        s.add(f)
        s.flush()
        s.add(sv.FindingCase(finding_id=f.id, case_id=world["case_id"]))
        return f.id


def test_every_form_route_of_the_pages_has_a_row(world):  # noqa: F811
    assert _form_rules(world["api"].c.application) == set(FORMS)


def _csrf(client) -> str:
    html = client.get("/password").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("agency", AGENCIES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("rule", sorted(FORMS))
def test_form_cell(world, finding, rule, role, agency):  # noqa: F811
    from casebook.seed import demo_user
    from casebook.services.users import issue_token

    form = FORMS[rule]
    api = world["api"]
    params = {**world["params"], "finding_id": finding}
    params.update({k: params.get(v, v) if isinstance(v, str) and v.endswith("_id") else v for k, v in form.params})
    path = re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda mt: str(params[mt.group(1)]), rule)
    path = re.sub(r"<any\([^)]*\):(\w+)>", lambda mt: str(params[mt.group(1)]), path)
    client = api.c.application.test_client()
    with api.sessions() as s, s.begin():  # a token of its own: a cell that signs out ends no one else's session
        token = issue_token(s, demo_user(s, world["people"][role, agency]), "matrix-form")
    with client.session_transaction() as sess:
        sess["token"] = token
    data = {**PROBE, "csrf_token": _csrf(client)}
    before = snapshot(api)
    r = client.post(path, data=data)
    body = r.get_data(as_text=True)
    assert r.status_code < 500, (r.status_code, body[:500])
    want = designed_status(form, role, agency)
    if want is not None:
        assert r.status_code == want, r.status_code
    else:
        assert r.status_code not in (401, 403, 404), (r.status_code, body[:500])
        assert ("/login" in r.headers.get("Location", "")) == form.to_login, r.headers.get("Location")
        if form.changes:
            return
    assert snapshot(api) == before, "a refused or invalid form changed something"
