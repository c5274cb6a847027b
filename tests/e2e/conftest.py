"""End-to-end: the real app (embedded SQLite, demo data) on a loopback port, driven in Debian's chromium.

Every page a journey visits is screenshotted under var/e2e/<test>/ and checked with axe-core (served by the
app from its npm copy): no serious or critical violations. Without chromium the suite skips, except on CI
(CASEBOOK_REQUIRE_BACKENDS set), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CASEBOOK_CHROMIUM", "/usr/bin/chromium")
# chromium takes its user-interface language (how a date field is drawn: 年/月/日 or mm/dd/yyyy) from the
# environment, not from the page's or the context's locale; Debian ships the zh-CN pack in chromium-l10n.
ZH_PACK = Path(os.environ.get("CASEBOOK_CHROMIUM_LOCALES", "/usr/lib/chromium/locales")) / "zh-CN.pak"
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "e2e"
PASSWORD = "casebook-demo-2026"


def _require_browser():
    missing = None
    if not Path(CHROMIUM).exists():
        missing = f"chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    elif CHROMIUM == "/usr/bin/chromium" and not ZH_PACK.exists():
        missing = f"chromium's zh-CN user interface not found at {ZH_PACK} (apt-get install -y chromium-l10n)"
    elif not (ROOT / "casebook/web/ui/static/vendor/axe-core/axe.js").exists():
        missing = "UI assets not built (make ui-assets)"
    if missing:
        if os.environ.get("CASEBOOK_REQUIRE_BACKENDS"):
            pytest.fail(missing)
        pytest.skip(missing)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The app as `casebook serve` runs it (embedded settings), seeded with the demo, on a random port."""
    _require_browser()
    from werkzeug.serving import make_server

    from casebook.config import Settings
    from casebook.db.engine import make_engine, make_sessionmaker, unit_of_work
    from casebook.db.migrate import upgrade
    from casebook.seed import seed_demo, seed_demo_cases
    from casebook.web.app import create_app

    data = tmp_path_factory.mktemp("e2e")
    settings = Settings(data_dir=data, database_url=f"sqlite:///{data / 'casebook.db'}", embedded=True)
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as s:
        seed_demo(s, catalogue=False)
    with unit_of_work(sessions) as s:
        seed_demo_cases(s, settings)
    app = create_app(settings, engine=engine)
    # As `casebook serve` runs: the relay, the worker and the scheduler's jobs in this process, so what the event
    # handlers and the sweep do (deadlines planned, warned and closed, the 公示 drafts, the rule checks' prompts) shows
    # on the pages as it does for a user.
    from casebook.cli import start_embedded

    stop = start_embedded(app, settings)
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield {"url": f"http://127.0.0.1:{srv.server_port}", "sessions": sessions}
    srv.shutdown()
    stop()
    engine.dispose()


@pytest.fixture(scope="session")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"],
                              env={**os.environ, "LANGUAGE": "zh_CN", "LANG": "zh_CN.UTF-8"})
        yield b
        b.close()


#: A record's code (event types and trail actions are named `<thing>.<what>`), as it would show if a page printed it.
RECORD_CODE = re.compile(r"\b(?:case|deadline|publication|document|case_file|referral|legal_review|remedy|evaluation|"
                         r"party|user|credential|summary_decision|calendar|catalogue)\.[a-z_]+\b")


class Journey:
    """One person in one browser context: visits pages, saves a screenshot of each step, runs axe on each."""

    def __init__(self, browser, base: str, name: str, viewport=(1366, 768), mobile=False):
        self.base, self.n = base, 0
        self.dir = SHOTS / name
        self.dir.mkdir(parents=True, exist_ok=True)
        for old in self.dir.glob("*.png"):
            old.unlink()
        self.ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN",
                                       is_mobile=mobile, has_touch=mobile, device_scale_factor=1)
        self.page = self.ctx.new_page()
        self.page.set_default_timeout(15000)
        self.axe_seen: set[str] = set()

    def close(self):
        self.ctx.close()

    def goto(self, path: str):
        self.page.goto(self.base + path)
        return self.check(path)

    def shot(self, label: str):
        self.n += 1
        self.page.screenshot(path=str(self.dir / f"{self.n:02d}-{label}.png"), full_page=True)

    def check(self, label: str):
        """Screenshot the page, run axe-core on it (once per distinct page state) and check that no code of the
        product's records (an event or trail action such as `deadline.planned`) shows in place of its words."""
        self.shot(re.sub(r"[^\w-]+", "_", label).strip("_")[:60] or "page")
        self.axe()
        if "/api/docs" not in self.page.url:  # the API explorer documents the codes themselves
            codes = RECORD_CODE.findall(self.page.inner_text("body"))
            assert not codes, f"codes shown on {self.page.url}: {sorted(set(codes))}"
        return self.page

    def axe(self):
        p = self.page
        if not p.evaluate("() => !!window.axe"):
            p.add_script_tag(url=self.base + "/assets/vendor/axe-core/axe.js")
        result = p.evaluate("""async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
            return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }""")
        assert result == [], f"axe-core found serious or critical violations on {p.url}: {result}"

    def login(self, username: str):
        self.page.goto(self.base + "/login")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state()
        return self.check(f"after-login-{username}")

    def act(self, label: str):
        """Open an act's form on the case page (the 办理 tab) and return its <details> element."""
        p = self.page
        box = p.locator("details.act", has=p.locator("summary", has_text=label)).first
        if box.get_attribute("open") is None:
            box.locator("summary").click()
        return box

    def submit(self, box, label: str):
        box.locator("button[type=submit]").click()
        dialog = self.page.locator("dialog.confirm[open]")  # 「系统提示」 before a legal act
        if dialog.count():
            dialog.get_by_role("button", name="确定").click()
        self.page.wait_for_load_state()
        return self.check(label)


@pytest.fixture
def journey(browser, server, request):
    made = []

    def start(name: str | None = None, **kw) -> Journey:
        j = Journey(browser, server["url"], name or request.node.name, **kw)
        made.append(j)
        return j

    yield start
    for j in made:
        j.close()
