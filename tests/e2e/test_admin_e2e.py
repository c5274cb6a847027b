"""An administrator in chromium: imports a catalogue with one bad row and sees the error against its row, then a
good one with its diff, confirms; pastes the State Council notice, previews it as a calendar and confirms the
year. At 1366 px and on a 375 px phone; every page screenshotted under var/e2e/ and checked with axe-core.

The app runs on its own database here (the import and the loaded year must not change the other journeys' world).
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from tests.e2e.conftest import Journey, _require_browser
from tests.integration.test_admin_pages import NOTICE_2027, catalogue_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory):
    _require_browser()
    from werkzeug.serving import make_server

    from casebook.config import Settings
    from casebook.db.engine import make_engine, make_sessionmaker, unit_of_work
    from casebook.db.migrate import upgrade
    from casebook.seed import seed_demo
    from casebook.web.app import create_app

    data = tmp_path_factory.mktemp("e2e-admin")
    settings = Settings(data_dir=data, database_url=f"sqlite:///{data / 'casebook.db'}", embedded=True)
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    with unit_of_work(make_sessionmaker(engine)) as s:
        seed_demo(s, catalogue=False)
    srv = make_server("127.0.0.1", 0, create_app(settings, engine=engine), threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    engine.dispose()


@pytest.fixture
def admin_journey(browser, admin_server):
    made = []

    def start(name: str, **kw) -> Journey:
        j = Journey(browser, admin_server, name, **kw)
        made.append(j)
        return j

    yield start
    for j in made:
        j.close()


def _upload(j: Journey, name: str, data: bytes, label: str):
    p = j.goto("/admin/catalogue")
    p.set_input_files("#f-file", files=[{"name": name, "mimeType": XLSX, "buffer": data}])
    p.get_by_role("button", name="上传并校验").click()
    p.wait_for_url("**/admin/catalogue/jobs/*")
    p.locator("#job-progress").wait_for(state="detached", timeout=30000)  # the poll reloads the page when done
    return j.check(label)


def _confirm(j: Journey, button: str, label: str):
    p = j.page
    p.get_by_role("button", name=button).click()
    dialog = p.locator("dialog.confirm[open]")  # 「系统提示」 states the consequence first
    dialog.wait_for()
    j.shot(label + "-dialog")
    dialog.get_by_role("button", name="确定").click()
    p.wait_for_load_state()
    toast = p.locator(".toast").first.inner_text()  # read before it closes (3 s)
    return j.check(label), toast


def test_an_admin_imports_a_catalogue_after_seeing_its_bad_row_and_loads_a_year_from_the_notice(admin_journey):
    j = admin_journey("admin-desktop")
    p = j.login("admin")
    assert "/admin/agencies" in p.url and p.get_by_role("heading", name="执法机关").is_visible()
    sidebar = p.locator("nav.sidebar")
    for item in ("执法机关", "用户与角色", "执法证", "裁量基准导入", "节假日日历"):
        assert sidebar.get_by_role("link", name=item).is_visible()
    p = j.goto("/admin/users")
    p.get_by_role("link", name="zhangwei").click()
    p.wait_for_load_state()
    j.check("user-zhangwei")
    # a 执法证 due in 20 days: listed first among those expiring, highlighted and worded
    p = j.goto("/admin/credentials/new")
    p.select_option("#f-user_id", label="张伟（zhangwei，枣庄市山亭区市场监督管理局）")
    p.fill("#f-credential_no", "37040026009")
    p.fill("#f-field", "市场监管")
    today = dt.date.today()
    p.fill("#f-valid_from", (today - dt.timedelta(days=700)).isoformat())
    p.fill("#f-valid_to", (today + dt.timedelta(days=20)).isoformat())
    p.get_by_role("button", name="确定").click()
    p.wait_for_url("**/admin/credentials")
    p = j.check("credentials-expiring")
    soon = p.locator("table.soon tr.hl-orange")
    assert soon.count() == 1 and "37040026009" in soon.inner_text() and "即将到期" in soon.inner_text()

    # a workbook with one bad cell: the error is shown against its sheet, row and column, and the row itself
    p = _upload(j, "benchmark-bad.xlsx", catalogue_xlsx(bad_cell=(2, "罚款下限(元)", "五万元")), "catalogue-bad-row")
    problems = p.locator("table.problems")
    assert problems.locator("td", has_text="裁量基准").first.is_visible()
    assert problems.locator("td", has_text="第2行").first.is_visible()
    assert problems.locator("td", has_text="罚款下限(元)").first.is_visible()
    assert problems.locator("td", has_text="不是有效金额：五万元").first.is_visible()
    bad_cell = p.locator("table.sheet td.bad").first
    assert "五万元" in bad_cell.inner_text()
    assert p.get_by_role("button", name="确认导入").count() == 0

    # the good workbook: its diff, then the confirmation
    p = _upload(j, "benchmark.xlsx", catalogue_xlsx(), "catalogue-diff")
    assert p.get_by_text("校验通过，请核对差异后确认导入").is_visible()
    assert p.get_by_text("新增 4 项，删除 0 项，修改 0 项").is_visible()
    p, toast = _confirm(j, "确认导入", "catalogue-imported")
    assert "导入成功" in toast
    assert p.locator("td", has_text="TEST-BM").first.is_visible()

    # the holiday calendar: paste the notice, preview it as a calendar, confirm the year
    p = j.goto("/admin/calendar?year=2027")
    assert p.get_by_text("2027年的节假日安排尚未载入").is_visible()
    p.fill("#f-text", NOTICE_2027)
    p.get_by_role("button", name="预览").click()
    p.wait_for_load_state()
    p = j.check("calendar-preview")
    assert p.get_by_role("heading", name="2027年节假日安排预览 尚未保存").is_visible()
    assert p.locator("table.month").count() == 12
    assert p.locator("td.d-makeup[title='春节调休上班']").first.inner_text().startswith("20")
    p, toast = _confirm(j, "确认载入2027年", "calendar-confirmed")
    assert "2027年节假日安排已载入" in toast
    assert p.locator("tr.current").get_by_text("已载入通知").is_visible()


def test_the_admin_pages_on_a_375px_phone(admin_journey):
    j = admin_journey("admin-phone", viewport=(375, 740), mobile=True)
    j.login("admin")
    for path in ("/admin/agencies", "/admin/agencies/2", "/admin/users", "/admin/credentials", "/admin/calendar?year=2026"):
        p = j.goto(path)
        assert p.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), path
    p = _upload(j, "benchmark-bad.xlsx", catalogue_xlsx(bad_cell=(2, "罚款下限(元)", "五万元")), "catalogue-bad-row")
    assert p.locator("table.problems").get_by_text("第2行").first.is_visible()


@pytest.mark.parametrize("width", [1366, 375])
def test_the_rubrics_and_thresholds_pages_at_1366_and_375px(admin_journey, width):
    """评查细则: the versions, then a bad upload shows its problems; 问题模型阈值: a bad number, then a saved one."""
    from tests.integration.test_admin_pages import rubric_yaml

    kw = {"viewport": (375, 740), "mobile": True} if width == 375 else {}
    j = admin_journey(f"admin-rubrics-{width}", **kw)
    j.login("admin")
    p = j.goto("/admin/rubrics")
    assert p.get_by_role("heading", name="评查细则").is_visible() and p.get_by_text("现行").is_visible()
    assert p.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    bad = rubric_yaml(2).replace("label: 卷面\n    points: 20", "label: 卷面\n    points: 二十")
    p.set_input_files("#f-file", files=[{"name": "rubric.yaml", "mimeType": "application/x-yaml", "buffer": bad.encode()}])
    p.get_by_role("button", name="导入新版本").click()
    p.wait_for_load_state()
    j.check("rubric-bad")
    assert p.get_by_role("alert").get_by_text("不是数字").is_visible()
    p = j.goto("/admin/thresholds")
    assert p.get_by_role("heading", name="问题模型阈值", exact=True).is_visible()
    assert p.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    form = p.locator("#m-repeat_fines form")
    form.get_by_label("最少罚款次数").fill("2.5")
    form.get_by_role("button").click()
    p.wait_for_load_state()
    j.check("threshold-bad")
    assert p.locator("#m-repeat_fines").get_by_text("最少罚款次数须为整数").is_visible()
    form = p.locator("#m-repeat_fines form")
    form.get_by_label("最少罚款次数").fill("4")
    form.get_by_role("button").click()
    p.wait_for_url("**/admin/thresholds#m-repeat_fines")
    j.check("threshold-saved")
    assert p.locator("#f-repeat_fines-min_fines").input_value() == "4"
