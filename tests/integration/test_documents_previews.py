"""Previews cannot starve rendering: page and size caps, a render timeout and a per-user limit, each
refused with a 4xx and a Chinese message; previews render in processes of their own, apart from the
renderer of issued documents. Small counts; real WeasyPrint in real child processes."""

from __future__ import annotations

import copy
import threading

import pytest

from casebook.documents import render
from casebook.documents.previews import pool_for
from casebook.documents.render import sample_context
from tests.helpers import wait_until

URL = "/api/v1/documents/preview/penalty_decision"


def _long_decision(copies: int = 60) -> dict:
    """The sample decision with its findings repeated: under the page cap of 50, and about 0.3 s to render in
    a warm child on an idle machine (25 copies took 0.17 s, under the 0.2 s limit a test once relied on)."""
    ctx = copy.deepcopy(sample_context("penalty_decision"))
    ctx["facts"] = ctx["facts"] * copies
    return ctx


def _refusal(r, status: int, code: str) -> dict:
    body = r.get_json()
    assert r.status_code == status, (r.status_code, body)
    assert body["code"] == code and set(body) <= {"code", "message", "errors"}
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body["message"]  # said in Chinese
    return body


def test_a_preview_longer_than_the_page_cap_is_refused_after_layout(api, settings):
    settings.preview_max_pages = 2
    body = _refusal(api.post(URL, sample_context("penalty_decision")), 422, "preview_too_many_pages")
    assert "超过预览上限 2 页" in body["message"] and body["errors"]["pages"] > 2


def test_a_preview_whose_content_exceeds_the_size_cap_is_refused_before_rendering(api, settings):
    settings.preview_max_kb = 1
    body = _refusal(api.post(URL, sample_context("penalty_decision")), 422, "preview_too_large")
    assert "KB" in body["message"] and body["errors"]["max_kb"] == 1


def test_a_preview_that_runs_past_its_time_limit_is_stopped(api, settings):
    settings.preview_timeout_s = 0.02  # more than ten times shorter than the render, however fast the machine
    body = _refusal(api.post(URL, _long_decision()), 422, "preview_timeout")
    assert "超时" in body["message"]
    assert not pool_for(settings)._idle  # the child that overran was ended, not kept
    settings.preview_timeout_s = 60
    assert api.post(URL, sample_context("penalty_decision")).status_code == 200


def test_a_user_cannot_run_more_previews_at_once_than_the_per_user_limit(api, settings):
    settings.preview_per_user = 1
    settings.preview_timeout_s = 120
    api.token("zhangwei"), api.token("liqiang")  # tokens issued before the threads start
    pool = pool_for(settings)
    first: dict = {}
    t = threading.Thread(target=lambda: first.setdefault("r", api.post(URL, _long_decision())))
    t.start()
    try:
        wait_until(lambda: pool.in_flight(api.user_id("zhangwei")) == 1, what="the first preview in flight")
        r = api.post(URL, sample_context("penalty_decision"))
        body = _refusal(r, 429, "preview_busy")
        assert r.headers["Retry-After"] and "每人最多同时 1 份" in body["message"]
        # Another officer is not refused: they wait for the renderer.
        assert api.post(URL, sample_context("penalty_decision"), who="liqiang").status_code == 200
    finally:
        t.join(120)
    assert first["r"].status_code == 200
    assert api.post(URL, sample_context("penalty_decision")).status_code == 200  # the slot is free again


def test_previews_render_apart_from_the_renderer_of_issued_documents(api, settings):
    settings.preview_timeout_s = 120
    holding, release = threading.Event(), threading.Event()

    def issued_document_rendering():  # the worker holds this process's renderer for a long document
        with render._RENDER_LOCK:
            holding.set()
            release.wait(120)

    blocker = threading.Thread(target=issued_document_rendering)
    blocker.start()
    holding.wait(10)
    done: dict = {}
    preview = threading.Thread(target=lambda: done.setdefault("r", api.post(URL, sample_context("penalty_decision"))))
    try:
        preview.start()
        preview.join(90)
        assert "r" in done, "the preview waited for the issued documents' renderer"
        assert done["r"].status_code == 200 and done["r"].data.startswith(b"%PDF")
    finally:
        release.set()
        blocker.join(10)
        preview.join(120)


@pytest.fixture(autouse=True)
def _close_pools():
    yield
    from casebook.documents import previews

    with previews._pools_lock:
        pools, previews._pools = list(previews._pools.values()), {}
    for p in pools:
        p.close()
