"""`casebook events status` and `casebook events dlq list|replay`, against the test database."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import select

from casebook.cli import main
from casebook.db.models import DeadLetter


def _env(settings, event_settings):
    return {"CASEBOOK_DATABASE_URL": settings.database_url, "CASEBOOK_DATA_DIR": str(settings.data_dir),
            "CASEBOOK_BROKER_URL": event_settings.broker_url, "CASEBOOK_BROKER_PREFIX": event_settings.broker_prefix}


def test_status_reports_the_backlog_and_dead_letters(api, settings, event_settings, sessions):
    api.lead()
    with sessions() as s, s.begin():
        s.add(DeadLetter(consumer="activity", event_id=None, event_type="case.exploded", body="{}", error="无法识别的事件", retries=0))
    r = CliRunner().invoke(main, ["events", "status"], env=_env(settings, event_settings))
    assert r.exit_code == 0, r.output
    info = json.loads(r.output)
    assert info["outbox_unsent"] > 0 and info["dead_letters"] == 1 and info["oldest_unsent_age_s"] >= 0
    assert f"{event_settings.broker_prefix}.activity" in info["queues"]


def test_dlq_list_and_replay(api, settings, event_settings, sessions):
    with sessions() as s, s.begin():
        s.add(DeadLetter(consumer="activity", event_id="00000000-0000-0000-0000-000000000001",
                         event_type="case.filed", body='{"x": 1}', error="ValueError: 处理失败\n…", retries=5))
    env = _env(settings, event_settings)
    listed = CliRunner().invoke(main, ["events", "dlq", "list"], env=env)
    assert listed.exit_code == 0 and "case.filed" in listed.output and "共 1 条" in listed.output
    replayed = CliRunner().invoke(main, ["events", "dlq", "replay", "--all"], env=env)
    assert replayed.exit_code == 0 and "已重放 1 条" in replayed.output
    with sessions() as s:
        assert s.execute(select(DeadLetter.replayed_at)).scalar_one() is not None
    assert "共 0 条" in CliRunner().invoke(main, ["events", "dlq", "list"], env=env).output
