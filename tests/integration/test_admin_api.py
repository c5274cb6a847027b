"""The administrators' JSON endpoints the pages' services also serve: agencies, user roles, password reset,
credentials (the expiring list). Admin only — every other role refused for its own agency and another one,
nothing changed, the denial logged; bad input 422 with a Chinese message and nothing changed."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from tests.integration.test_admin_pages import ROLE_USERS, _targets, ids, last_trail, state

NEW_PASSWORD = "Shanting-Admin-2026!"


def calls(t: dict) -> list[tuple[str, str, dict | None]]:
    return [
        ("PATCH", f"/api/v1/agencies/{t['agency']}", {"review_limit_days": 5}),
        ("PUT", f"/api/v1/users/{t['user']}/roles", {"roles": ["admin"]}),
        ("PUT", f"/api/v1/users/{t['user']}/password", {"new_password": NEW_PASSWORD}),
        ("GET", "/api/v1/credentials?expiring_within=60", None),
        ("GET", f"/api/v1/credentials?agency_id={t['agency']}", None),
        ("PATCH", f"/api/v1/credentials/{t['credential']}", {"revoked": True}),
    ]


def _call(api, method, url, body, who):
    return api.c.open(url, method=method, json=body, headers=api.h(who))


@pytest.mark.parametrize("username,role,own", [r for r in ROLE_USERS if r[1] != "admin"], ids=lambda v: str(v))
def test_other_roles_are_refused_for_own_and_other_agency_and_nothing_changes(api, sessions, caplog, username, role, own):
    caplog.set_level(logging.WARNING, logger="casebook.access")
    before = state(sessions)
    for where, t in _targets(sessions, own).items():
        for method, url, body in calls(t):
            caplog.clear()
            r = _call(api, method, url, body, username)
            assert r.status_code == 403 and r.get_json()["code"] == "role_not_allowed", (role, where, url, r.get_json())
            assert any(f"user={username}" in rec.getMessage() for rec in caplog.records), url
    assert state(sessions) == before


def test_an_admin_changes_own_and_other_agencys_records_and_each_change_is_trailed(api, sessions):
    for t in _targets(sessions, "山亭").values():
        r = _call(api, "PATCH", f"/api/v1/agencies/{t['agency']}", {"review_limit_days": 7}, "admin")
        assert r.status_code == 200 and r.get_json()["review_limit_days"] == 7, r.get_json()
        assert last_trail(sessions).action == "agency.updated"
        r = _call(api, "PATCH", f"/api/v1/credentials/{t['credential']}", {"valid_to": "2031-06-30"}, "admin")
        assert r.status_code == 200 and r.get_json()["valid_to"] == "2031-06-30"
        assert last_trail(sessions).action == "credential.updated"
    uid = ids(sessions)["user"]["chenjie"]
    r = _call(api, "PUT", f"/api/v1/users/{uid}/roles", {"roles": ["officer", "agency_head"]}, "admin")
    assert r.status_code == 200 and sorted(r.get_json()["roles"]) == ["agency_head", "officer"]
    token = api.token("chenjie")
    r = _call(api, "PUT", f"/api/v1/users/{uid}/password", {"new_password": NEW_PASSWORD}, "admin")
    assert r.status_code == 200 and r.get_json()["revoked"] >= 1
    assert api.c.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert last_trail(sessions).action == "user.password_reset" and NEW_PASSWORD not in last_trail(sessions).payload


def test_the_expiring_credentials_list_is_soonest_first(api, sessions):
    from casebook.services.context import local_today

    cid = ids(sessions)["credential"]["37040024003"]
    soon = (local_today() + dt.timedelta(days=10)).isoformat()
    assert _call(api, "PATCH", f"/api/v1/credentials/{cid}", {"valid_to": soon}, "admin").status_code == 200
    rows = api.get("/api/v1/credentials?expiring_within=60", "admin").get_json()
    assert [r["credential_no"] for r in rows] == ["37040024003"]
    assert rows[0]["state"] == "expiring" and rows[0]["days_left"] == 10
    assert len(api.get("/api/v1/credentials", "admin").get_json()) == 5


@pytest.mark.parametrize("method,path,body,field", [
    ("PATCH", "/api/v1/agencies/{amr}", {"case_no_format": "{code}立〔{year}〕"}, "case_no_format"),
    ("PATCH", "/api/v1/agencies/{amr}", {"review_limit_days": 0}, "review_limit_days"),
    ("PATCH", "/api/v1/agencies/{amr}", {"code": "山亭综执"}, "code"),
    ("PUT", "/api/v1/users/{liqiang}/roles", {"roles": ["legal_reviewer"]}, "roles"),
    ("PUT", "/api/v1/users/{liqiang}/roles", {"roles": ["wizard"]}, "roles"),
    ("PUT", "/api/v1/users/{liqiang}/password", {"new_password": "liqiang-2026-pass"}, "new_password"),
    ("PATCH", "/api/v1/credentials/{cred}", {"valid_to": "2023-01-01"}, "valid_to"),
    ("PATCH", "/api/v1/credentials/{cred}", {"credential_no": "37040024002"}, "credential_no"),
])
def test_bad_input_is_422_in_chinese_and_changes_nothing(api, sessions, method, path, body, field):
    i = ids(sessions)
    url = path.format(amr=i["agency"]["山亭市监"], liqiang=i["user"]["liqiang"], cred=i["credential"]["37040024001"])
    before = state(sessions)
    r = _call(api, method, url, body, "admin")
    assert r.status_code == 422, r.get_json()
    msg = str(r.get_json())
    assert field in r.get_json().get("errors", {}) and any("\u4e00" <= ch <= "\u9fff" for ch in msg)
    assert state(sessions) == before
