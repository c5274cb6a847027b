"""e2e in chromium: a supervisor opens the 驾驶舱, clicks a bar of a chart into the cases behind it, exports
XLSX; the pages at 1366 and 375 px (screenshots under var/e2e/, axe-core on each page)."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from playwright.sync_api import expect


def _bar_point(page, chart_id: str):
    """The page coordinates of the middle of the first non-zero bar of the chart, with its value and link."""
    return page.evaluate("""(id) => {
        const spec = JSON.parse(document.getElementById('chart-data').textContent).find(c => c.id === id);
        const el = document.getElementById(id);
        const chart = echarts.getInstanceByDom(el);
        for (let si = 0; si < spec.series.length; si++) {
            const s = spec.series[si];
            for (let i = 0; i < s.data.length; i++) {
                if (s.data[i] && s.links[i]) {
                    // series 0 of a stacked bar starts at zero: its middle is at value / 2
                    let base = 0;
                    for (let k = 0; k < si; k++) { base += spec.series[k].data[i] || 0; }
                    const [x, y] = chart.convertToPixel({seriesIndex: si}, [i, base + s.data[i] / 2]);
                    const r = el.getBoundingClientRect();
                    return {x: r.left + window.scrollX + x, y: r.top + window.scrollY + y, value: s.data[i],
                            link: s.links[i], series: s.name, category: spec.categories[i]};
                }
            }
        }
        return null;
    }""", chart_id)


def test_supervisor_drills_from_a_bar_and_exports(journey):
    j = journey("supervision-1366")
    j.login("wujing")
    p = j.goto("/supervision/")
    expect(p.locator("h1")).to_contain_text("执法监督驾驶舱")
    p.wait_for_function("() => window.echarts && echarts.getInstanceByDom(document.getElementById('chart-cases'))")
    expect(p.locator("#chart-cases canvas")).to_have_count(1)
    bar = _bar_point(p, "chart-cases")
    assert bar is not None, "the stage chart has a bar"
    p.locator("#chart-cases").scroll_into_view_if_needed()
    bar = _bar_point(p, "chart-cases")
    p.mouse.click(bar["x"] - p.evaluate("window.scrollX"), bar["y"] - p.evaluate("window.scrollY"))
    p.wait_for_url(re.compile(r"/work/cases\?"))
    j.check("drilled-case-list")
    expect(p.locator(".drill-note")).to_contain_text("按统计图表筛选")
    rows = p.locator("table.cards tbody tr")
    assert rows.count() == int(bar["value"]), (bar, rows.count())
    stage = p.locator("#stage option:checked").inner_text()
    assert stage == bar["series"]
    # A case behind the bar, read: its acts tab says in one line that the supervisor reads and does not act.
    href = rows.first.locator("a").first.get_attribute("href")
    p = j.goto(href.split("?")[0] + "?tab=acts")
    expect(p.locator("#acts-h")).to_have_text("办理")
    expect(p.locator("section[aria-labelledby=acts-h]")).to_contain_text("本案不属于您所在的执法机关，您可以查阅，不能办理。")
    expect(p.locator("ul.refused")).to_have_count(0)
    p.go_back()
    p.wait_for_load_state()

    p.go_back()
    p.wait_for_load_state()
    with p.expect_download() as dl:
        p.get_by_role("link", name="导出XLSX").click()
    data = open(dl.value.path(), "rb").read()
    wb = load_workbook(io.BytesIO(data))
    assert "案件数量（按发现日期）" in wb.sheetnames and len(wb.sheetnames) == 11

    j.goto("/supervision/statistics?by=period&granularity=month")
    expect(p.locator("#sec-fines h2")).to_contain_text("罚款")


def test_the_pages_on_a_phone(journey):
    j = journey("supervision-375", viewport=(375, 812), mobile=True)
    j.login("wujing")
    p = j.goto("/supervision/")
    p.wait_for_function("() => window.echarts && echarts.getInstanceByDom(document.getElementById('chart-cases'))")
    j.check("cockpit-375")
    # nothing wider than the screen but the tables' own scrolling boxes
    assert p.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    j.goto("/supervision/statistics")
    assert p.evaluate("document.documentElement.scrollWidth") <= 375 + 1


def test_supervisor_runs_the_problem_models(journey):
    j = journey("supervision-findings")
    j.login("wujing")
    p = j.goto("/supervision/findings")
    p.get_by_role("button", name="立即运行全部模型").click()
    p.wait_for_load_state()
    j.check("after-run")
    expect(p.locator(".toast-success")).to_contain_text("运行完成")
    expect(p.locator(".toolbar")).to_contain_text("手动")


def test_supervisor_builds_the_annual_report(journey):
    j = journey("supervision-report")
    j.login("wujing")
    p = j.goto("/supervision/reports")
    p.select_option("#r-year", str(__import__("datetime").date.today().year))
    p.get_by_role("button", name="生成报告").click()
    p.wait_for_load_state()
    expect(p.locator("progress")).to_have_count(1)
    expect(p.locator("#report-progress")).to_contain_text("已生成", timeout=60000)
    j.check("report-ready")
    with p.expect_download() as dl:
        p.get_by_role("link", name="下载PDF").click()
    assert open(dl.value.path(), "rb").read(4) == b"%PDF"


def test_evaluation_scores_table_and_chart(journey, server):
    """案卷评查得分 on the statistics page: two scored files of a closed round on the demo's closed cases give a
    table row per agency and a stacked chart of the grades; its cell shows the average."""
    import datetime as dt
    from decimal import Decimal

    from sqlalchemy import select

    from casebook.db import models as m
    from casebook.db import models_evaluation as ev
    from casebook.db.engine import unit_of_work

    with unit_of_work(server["sessions"]) as s:
        us = {u.username: u for u in s.execute(select(m.User)).scalars()}
        cases = s.execute(select(m.Case).where(m.Case.stage.in_(("closed", "archived"))).order_by(m.Case.id).limit(2)).scalars().all()
        assert len(cases) == 2
        rubric = ev.EvaluationRubric(code="e2e-stats", version=1, name="统计页评查标准", effective_from=dt.date(2020, 1, 1),
                                     content={}, sha256="1" * 64)
        s.add(rubric)
        s.flush()
        rnd = ev.EvaluationRound(name="统计页评查", agency_id=us["wujing"].agency_id, period_from=dt.date(2026, 1, 1),
                                 period_to=dt.date(2026, 12, 31), agency_ids=[], seed="e2e", pool_ids=[], rubric_id=rubric.id,
                                 status="closed", created_by=us["wujing"].id)
        s.add(rnd)
        s.flush()
        for c, total, grade in zip(cases, (92, 71), ("excellent", "pass"), strict=True):
            s.add(ev.EvaluationFile(round_id=rnd.id, case_id=c.id, agency_id=c.agency_id, evaluator_id=us["sunli"].id,
                                    status="scored", entries={}, vetoes=[], total=Decimal(total), grade=grade,
                                    scored_at=dt.datetime.now(dt.UTC)))
        s.flush()
        # the district's supervisor sees every scored file of a published or closed round (the evaluation journey,
        # run before on the same server, leaves some): the 合计 row is their count and average
        totals = s.execute(select(ev.EvaluationFile.total).join(ev.EvaluationRound).where(
            ev.EvaluationFile.status == "scored", ev.EvaluationRound.status.in_(("published", "closed")))).scalars().all()
    from decimal import ROUND_HALF_UP

    average = (sum(totals) / len(totals)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert len(totals) >= 2
    for viewport, name in (((1366, 768), "stats-evaluation-1366"), ((375, 812), "stats-evaluation-375")):
        j = journey(name, viewport=viewport, mobile=viewport[0] < 400)
        j.login("wujing")
        p = j.goto("/supervision/statistics")
        sec = p.locator("#sec-evaluation")
        expect(sec.locator("h2")).to_contain_text("案卷评查得分")
        expect(sec.locator("tbody tr").last).to_contain_text("合计")
        expect(sec.locator("tbody tr").last).to_contain_text(f"合计{len(totals)}{average}")  # count, then the average
        p.wait_for_function("() => window.echarts && echarts.getInstanceByDom(document.getElementById('chart-evaluation'))")
        expect(p.locator("#chart-evaluation canvas")).to_have_count(1)
        sec.scroll_into_view_if_needed()
        j.check("evaluation-section")
        assert p.evaluate("document.documentElement.scrollWidth") <= viewport[0] + 1
