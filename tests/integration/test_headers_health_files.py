"""Security headers, the health answer without login, private files, compose secrets (issue 11)."""

from __future__ import annotations

import os
import stat

import yaml

from casebook.config import ROOT


def test_every_api_response_carries_nosniff_no_store_a_csp_and_no_version_revealing_server(api):
    for r in (api.get("/api/v1/parties"), api.get("/api/v1/cases/999999"), api.c.get("/api/v1/cases"),
              api.c.post("/api/v1/auth/tokens", json={"username": "x", "password": "y"})):
        h = r.headers
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Cache-Control"] == "no-store", (r.status_code, h.get("Cache-Control"))
        csp = h["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert h["Server"] == "casebook" and "Strict-Transport-Security" not in h  # plain HTTP here


def test_hsts_is_sent_when_served_over_tls(api):
    r = api.c.get("/api/v1/me", headers=api.h("zhangwei"), base_url="https://casebook.example")
    assert r.status_code == 200 and r.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_evidence_is_served_as_an_attachment_with_its_sniffed_type_and_no_store(api):
    cid = api.filed_case()
    api.act(cid, "start_investigation")
    r = api.evidence(cid)
    d = api.get(f"/api/v1/evidence/{r.get_json()['id']}/content")
    assert d.headers["Content-Type"] == "image/png" and d.headers["Content-Disposition"].startswith("attachment;")
    assert d.headers["X-Content-Type-Options"] == "nosniff" and d.headers["Cache-Control"] == "no-store"


def test_health_without_login_says_only_whether_it_is_alive(api):
    r = api.c.get("/api/v1/health?broker=1")
    assert r.status_code == 200 and r.get_json() == {"status": "ok"}
    r = api.get("/api/v1/health", "zhangwei")  # an officer is not an operator either
    assert r.get_json() == {"status": "ok"}
    detail = api.get("/api/v1/health", "admin").get_json()
    assert detail["status"] == "ok" and "trail_head" in detail and "outbox_unsent" in detail


def test_the_sqlite_database_and_evidence_blobs_are_private_to_the_service_account(api, settings, backend):
    cid = api.filed_case()
    api.act(cid, "start_investigation")
    sha = api.evidence(cid).get_json()["file_sha256"]
    from casebook.services.evidence import blob_path

    blob = blob_path(settings, sha)
    assert stat.S_IMODE(os.stat(blob).st_mode) == 0o600
    for d in (blob.parent, blob.parent.parent, settings.blob_dir, settings.blob_dir / "tmp"):
        assert stat.S_IMODE(os.stat(d).st_mode) == 0o700, d


def test_a_new_sqlite_database_is_created_0600_in_a_0700_directory(tmp_path):
    from casebook.db.engine import make_engine

    url = f"sqlite:///{tmp_path / 'fresh' / 'casebook.db'}"
    eng = make_engine(url)
    with eng.connect() as c:
        c.exec_driver_sql("CREATE TABLE t (x)")
        c.commit()
    eng.dispose()
    assert stat.S_IMODE(os.stat(tmp_path / "fresh" / "casebook.db").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "fresh").st_mode) == 0o700


def test_compose_has_no_fallback_passwords_and_its_health_check_needs_no_token():
    text = (ROOT / "docker-compose.yml").read_text()
    assert ":-casebook" not in text and "${POSTGRES_PASSWORD:?" in text and "${RABBITMQ_PASSWORD:?" in text
    web = yaml.safe_load(text)["services"]["web"]
    probe = " ".join(web["healthcheck"]["test"])
    assert "/api/v1/health'" in probe and "broker=1" not in probe and "Authorization" not in probe
