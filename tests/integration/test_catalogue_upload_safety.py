"""Catalogue import and diff: admin checked before parsing, YAML aliases refused, a size limit (issue 11)."""

from __future__ import annotations

import io
import logging
import time
from pathlib import Path

import pytest

from casebook.services import catalogue as cat

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
GOOD = Path(__file__).resolve().parents[1] / "fixtures" / "catalogue" / "benchmark.yaml"
PATHS = ["/api/v1/admin/catalogue", "/api/v1/admin/catalogue/diff"]


def _post(api, path, content: bytes, filename="c.yaml", who="admin"):
    return api.c.post(path, data={"file": (io.BytesIO(content), filename)}, headers=api.h(who),
                      content_type="multipart/form-data")


@pytest.mark.parametrize("path", PATHS)
def test_a_non_admin_is_refused_before_the_file_is_parsed(api, path, caplog):
    caplog.set_level(logging.WARNING, logger="casebook.access")
    before = api.snapshot()
    r = _post(api, path, b"{: this is not yaml", who="zhangwei")  # unparseable: a 422 would prove it was parsed
    assert r.status_code == 403 and r.get_json()["code"] == "role_not_allowed", r.get_json()
    assert any("catalogue" in rec.getMessage() for rec in caplog.records)
    assert api.snapshot() == before


@pytest.mark.parametrize("path", PATHS)
def test_the_alias_bomb_is_refused_at_once_and_changes_nothing(api, path):
    before = api.snapshot()
    t0 = time.monotonic()
    r = _post(api, path, (HOSTILE / "alias_bomb.yaml").read_bytes())
    elapsed = time.monotonic() - t0
    assert r.status_code == 422 and r.get_json()["code"] == "catalogue_invalid", r.get_json()
    assert "别名" in r.get_json()["errors"]["file"][0]
    assert elapsed < 5  # not a timing assertion of speed: the unguarded parse never finishes in this budget
    assert api.snapshot() == before


def test_an_oversized_catalogue_is_refused(api, monkeypatch):
    monkeypatch.setattr(cat, "MAX_CATALOGUE_BYTES", 1000)
    r = _post(api, PATHS[0], b"# " + b"x" * 2000, "big.yaml")
    assert r.status_code == 422 and r.get_json()["code"] == "catalogue_too_large"


def test_the_node_budget_stops_a_huge_document_without_aliases(monkeypatch):
    monkeypatch.setattr(cat, "MAX_YAML_NODES", 50)
    with pytest.raises(cat.ValidationFailed) as e:
        cat.load_bytes(("items: [" + ",".join(["1"] * 100) + "]").encode(), "c.yaml")
    assert "节点" in e.value.errors["file"][0]


def test_an_admin_still_diffs_a_plain_catalogue(api):
    assert _post(api, PATHS[0], GOOD.read_bytes(), "benchmark.yaml").status_code == 201
    r = _post(api, PATHS[1], GOOD.read_bytes(), "benchmark.yaml")
    assert r.status_code == 200, r.get_json()
