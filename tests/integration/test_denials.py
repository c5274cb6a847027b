"""Every denial is logged, with who, what and why."""

import logging


def test_denials_are_logged(api, caplog):
    cid = api.lead()
    with caplog.at_level(logging.WARNING, logger="casebook.access"):
        api.act(cid, "file", {"filed_on": "2026-03-03", "officer_ids": api.officers()}, who="zhangwei", expect=403)
        api.get(f"/api/v1/cases/{cid}", who="chenjie")
        api.get("/api/v1/admin/audit/verify", who="zhangwei")
    lines = [r.getMessage() for r in caplog.records if r.name == "casebook.access"]
    assert any("user=zhangwei" in m and f"case:{cid}:file" in m and "role_not_allowed" in m for m in lines)
    assert any("user=chenjie" in m and "out_of_scope" in m for m in lines)
    assert any("user=zhangwei" in m and "audit.verify" in m for m in lines)
