"""docker-compose.yml and the Dockerfile, checked by reading them (no Docker engine runs here)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from casebook.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_postgres_rabbitmq_and_gunicorn_web_with_health_checks():
    services = _compose()["services"]
    assert {"postgres", "rabbitmq", "web", "migrate", "relay", "worker"} <= set(services)
    assert services["relay"]["command"] == ["casebook", "relay"] and services["worker"]["command"] == ["casebook", "worker"]
    for name in ("relay", "worker"):
        assert services[name]["environment"] == services["web"]["environment"]
        assert services[name]["depends_on"]["rabbitmq"]["condition"] == "service_healthy"
    web = services["web"]
    assert "gunicorn" in web["command"] and "casebook.web.app:create_app()" in web["command"]
    assert "/api/v1/health" in " ".join(web["healthcheck"]["test"])
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["command"] == ["casebook", "db", "upgrade"]
    for name in ("postgres", "rabbitmq"):
        assert "healthcheck" in services[name]


def test_compose_runs_exactly_one_deadline_scheduler_beside_the_web():
    services = _compose()["services"]
    sched = services["scheduler"]
    assert sched["command"] == ["casebook", "scheduler"]
    assert sched["environment"] == services["web"]["environment"]
    assert sched["deploy"]["replicas"] == 1
    assert sched["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "scheduler" not in " ".join(services["web"]["command"])  # never APScheduler inside gunicorn workers


def test_compose_gives_every_casebook_service_the_same_documented_variables():
    compose = _compose()
    env = compose["services"]["web"]["environment"]
    assert env["CASEBOOK_DATABASE_URL"].startswith("postgresql+psycopg://") and "@postgres:5432/" in env["CASEBOOK_DATABASE_URL"]
    assert env["CASEBOOK_BROKER_URL"].startswith("amqp://") and "@rabbitmq:5672" in env["CASEBOOK_BROKER_URL"]
    readme = (ROOT / "README.md").read_text()
    for var in env:
        assert var in readme, f"{var} is not documented in the README"
    # Every variable the code reads is documented too.
    code = "\n".join(p.read_text() for p in (ROOT / "casebook").rglob("*.py"))
    for var in set(re.findall(r'"(CASEBOOK_[A-Z_]+)"', code)):
        assert var in readme, f"{var} is read by the code but not documented in the README"


def test_the_image_installs_harfbuzz_subsetting_and_a_cjk_font():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "libharfbuzz-subset0" in dockerfile and "fonts-noto-cjk" in dockerfile
    assert "casebook.web.app:create_app()" in dockerfile


def test_settings_read_their_defaults_without_connecting(monkeypatch, tmp_path):
    monkeypatch.setenv("CASEBOOK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CASEBOOK_DATABASE_URL", raising=False)
    s = Settings()
    assert s.database_url == f"sqlite:///{tmp_path / 'casebook.db'}"
    assert s.broker_url == "memory://localhost/"  # a hostname, or kombu warns at every start
    assert s.signing_key_path == tmp_path / "keys" / "trail-ed25519.pem"
