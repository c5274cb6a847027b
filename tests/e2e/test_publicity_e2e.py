"""e2e in chromium: the head publishes a decision on the staff page, a member of the public finds it, the decision
is revoked and the public page shows the withdrawal reason. Screenshots go to var/e2e/.

Self-contained: its own migrated and seeded SQLite database and a live server thread (the shared e2e
infrastructure lives in another branch). Runs with the Debian chromium, no browser download.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from casebook.seed import DEMO_PASSWORD

pw = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "var" / "e2e"
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    from werkzeug.serving import make_server

    from casebook.config import Settings
    from casebook.db.engine import make_engine, make_sessionmaker, unit_of_work
    from casebook.db.migrate import upgrade
    from casebook.seed import seed_demo
    from casebook.web.app import create_app

    d = tmp_path_factory.mktemp("e2e-publicity")
    url = f"sqlite:///{d / 'casebook.db'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as s:
        seed_demo(s)  # with the seed catalogue: the 事前公开 page lists its items
    app = create_app(Settings(data_dir=d, database_url=url, public_rate_limit="1000/minute"), engine=engine)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield {"base": f"http://127.0.0.1:{server.server_port}", "app": app, "sessions": sessions}
    server.shutdown()
    engine.dispose()


def _drain(sessions) -> None:
    """What the worker does on a decision: the publicity consumer drafts the record."""
    from casebook.db import models as m
    from events.envelope import parse, to_message
    from events.handlers import publicity

    with sessions() as s:
        envs = [parse(to_message(r)) for r in s.execute(select(m.OutboxEvent).where(
            m.OutboxEvent.type.in_(publicity.BINDINGS)).order_by(m.OutboxEvent.id)).scalars()]
    for env in envs:
        with sessions() as s, s.begin():
            publicity.handle(s, env)


@pytest.fixture(scope="module")
def decided_case(live):
    from tests.helpers import ApiClient

    api = ApiClient(live["app"].test_client(), live["sessions"])
    cid = api.noticed_case(fine="5000.00", kinds=("fine",))
    api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine"],
                            "fine_amount": "5000.00", "basis": "《中华人民共和国食品安全法》第一百二十四条第一款"}, who="zhaomin")
    assert api.post(f"/api/v1/cases/{cid}/documents", {"doc_type": "penalty_decision"}, who="zhaomin").status_code == 202
    _drain(live["sessions"])
    return {"api": api, "case_id": cid, "head_token": api.token("zhaomin")}


# `browser`: the session's one Playwright browser (tests/e2e/conftest.py); a second sync Playwright cannot run beside it.


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_head_publishes_the_public_finds_it_and_a_revocation_shows_the_withdrawal_reason(live, decided_case, browser):
    base = live["base"]
    # The head, signed in to the staff pages, opens the publication queue (公示管理), previews the record beside
    # the original and publishes it.
    staff = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    staff.goto(f"{base}/login")
    staff.locator("#username").fill("zhaomin")
    staff.locator("#password").fill(DEMO_PASSWORD)
    staff.locator("#main form button[type=submit]").click()
    staff.get_by_role("link", name="公示管理").click()
    row = staff.get_by_role("row").filter(has_text="山亭市监处罚〔2026〕1号")
    row.wait_for()
    _shot(staff, "publicity-staff-queue-1366")
    row.get_by_role("link", name="查看").click()
    staff.get_by_role("heading", name="公示预览：山亭市监处罚〔2026〕1号").wait_for()
    assert staff.get_by_role("cell", name="枣庄市山亭区好味来食品有限公司").count() == 2  # a business keeps its name
    _shot(staff, "publicity-staff-preview-1366")
    staff.get_by_role("button", name="审核发布").click()
    dialog = staff.locator("dialog.confirm[open]")  # 「系统提示」 before publishing
    dialog.get_by_text("确定发布吗").wait_for()
    dialog.get_by_role("button", name="确定").click()
    staff.get_by_text("发布成功：已在公示网站公开").wait_for()
    assert "公示中" in staff.inner_text("main")
    _shot(staff, "publicity-staff-published-1366")

    for width in (1366, 375):
        public = browser.new_page(viewport={"width": width, "height": 900}, locale="zh-CN")
        public.goto(f"{base}/gs/decisions")
        public.get_by_label("当事人名称").fill("好味来")
        public.get_by_label("当事人名称").press("Enter")  # keyboard: submit from the field
        row = public.get_by_role("row").filter(has_text="山亭市监处罚〔2026〕1号")
        row.wait_for()
        _shot(public, f"publicity-search-{width}")
        row.get_by_role("link", name="详情").click()
        public.get_by_role("heading", name="行政处罚决定信息").wait_for()
        assert public.get_by_role("cell", name="罚款人民币5,000.00元").count() == 1
        assert public.locator("html").get_attribute("lang") == "zh-CN"
        _shot(public, f"publicity-detail-{width}")
        if width == 1366:
            detail_url = public.url
        public.close()

    public = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    public.goto(f"{base}/gs/agencies")
    public.get_by_role("link", name="枣庄市山亭区市场监督管理局").click()
    public.get_by_role("heading", name="执法人员").wait_for()
    _shot(public, "publicity-agency-1366")
    mobile = browser.new_page(viewport={"width": 375, "height": 800}, locale="zh-CN")
    mobile.goto(public.url)
    _shot(mobile, "publicity-agency-375")

    # the decision is revoked on 复议: the public page shows the reason in place of the text
    from casebook.services.context import local_today

    api = decided_case["api"]
    r = api.post(f"/api/v1/cases/{decided_case['case_id']}/remedy-outcomes",
                 {"kind": "reconsideration", "outcome": "revoked", "decided_on": local_today().isoformat(),
                  "authority": "枣庄市山亭区人民政府", "document_no": "山政复决〔2026〕3号"}, who="zhaomin")
    assert r.status_code == 201, r.get_json()
    public.goto(detail_url)
    public.get_by_role("heading", name="本公示信息已撤回").wait_for()
    assert "该行政处罚决定已被枣庄市山亭区人民政府撤销（山政复决〔2026〕3号），依法撤回公示。" in public.inner_text("main")
    assert "违法事实" not in public.inner_text("main")
    _shot(public, "publicity-withdrawn-1366")
    # keyboard: the skip link is the first stop and focus is visible
    public.keyboard.press("Tab")
    assert public.evaluate("document.activeElement.textContent") == "跳到正文"
