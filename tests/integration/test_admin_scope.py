"""An administrator configures the system and reads no case contents (issue 11, docs/decisions.md)."""

from __future__ import annotations

import logging


def test_an_administrator_reads_no_case_evidence_deadline_or_case_activity_and_each_attempt_is_logged(api, caplog):
    cid = api.filed_case()
    api.act(cid, "start_investigation")
    ev = api.evidence(cid).get_json()["id"]
    caplog.set_level(logging.WARNING, logger="casebook.access")
    assert api.get(f"/api/v1/cases/{cid}", "admin").status_code == 404
    assert api.get(f"/api/v1/cases/{cid}/evidence", "admin").status_code == 404
    assert api.get(f"/api/v1/evidence/{ev}/content", "admin").status_code == 404
    assert api.get(f"/api/v1/cases/{cid}/trail", "admin").status_code == 404
    assert api.get("/api/v1/cases", "admin").get_json()["items"] == []
    assert api.get("/api/v1/deadlines", "admin").get_json()["items"] == []
    acts = api.get("/api/v1/activity?limit=200", "admin").get_json()["items"]
    assert all(a.get("case_id") is None for a in acts)
    denials = [r.getMessage() for r in caplog.records if "user=admin" in r.getMessage()]
    assert len(denials) >= 4 and any(f"case:{cid}" in d for d in denials)
    # the officers of the case still read it
    assert api.get(f"/api/v1/cases/{cid}", "zhangwei").status_code == 200


def test_an_administrator_still_does_the_configuration(api):
    assert api.get("/api/v1/users", "admin").status_code == 200
    assert api.get("/api/v1/admin/audit/verify", "admin").get_json()["ok"] is True
    r = api.c.put("/api/v1/admin/calendar/2026-12-31", json={"is_working_day": True, "note": "测试"}, headers=api.h("admin"))
    assert r.status_code == 200, r.get_json()
