"""案卷评查 pages by role: the supervisor's rounds and round pages, the scoring page for the drawn evaluator only,
the results for the handling officer once sent; the report files (PDF, XLSX) are real files; a bad round form
changes nothing and says why in Chinese."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from casebook.db import models as m
from casebook.services import documents
from casebook.services.context import actor_for
from casebook.web.ui import fmt
from tests.integration.test_evaluation_api import SUP, new_round, username, world  # noqa: F401 — the fixture
from tests.integration.test_pages import _csrf, _login


def _client(app, who):
    c = app.test_client()
    _login(c, who)
    return c


def test_pages_by_role(app, api, world, sessions):  # noqa: F811
    rnd = new_round(api, world, sample_percent=100, sample_size=None)
    sup = _client(app, SUP)
    r = sup.get("/evaluation/rounds")
    assert r.status_code == 200 and "新建评查活动" in r.get_data(as_text=True)
    assert sup.get(f"/evaluation/rounds/{rnd['id']}").status_code == 200
    for who in ("zhangwei", "zhaomin", "sunli", "admin"):
        c = _client(app, who)
        assert c.get("/evaluation/rounds").status_code == 403, who
        assert c.get(f"/evaluation/rounds/{rnd['id']}").status_code == 403, who
        assert c.get("/evaluation/mine").status_code == 200, who
    f = rnd["files"][0]
    with sessions() as s, s.begin():  # a 文书 of the file, issued as the handling officer issues it
        zhang = s.execute(select(m.User).where(m.User.username == "zhangwei")).scalar_one()
        doc = documents.issue_document(s, actor_for(s, zhang), f["case_id"], "closing_approval", options=documents.Options())
        doc_no, doc_date = doc.document_no, doc.doc_date
    ev = username(sessions, f["evaluator_id"])
    evc = _client(app, ev)
    page = evc.get(f"/evaluation/files/{f['id']}").get_data(as_text=True)
    assert "计算得分并保存" in page and "自动检查" in page and "执法全过程记录" in page
    # the file's documents and trail in words: the title, the status, the date as the pages write dates
    row = re.search(r"<tr><td>结案审批表</td>.*?</tr>", page)
    assert row and "排队等待生成" in row.group(0) and fmt.date(doc_date) in row.group(0), page
    assert (doc_no or "—") in row.group(0) and "closing_approval" not in page and ">requested<" not in page
    trail = page[page.index("执法全过程记录"):]
    assert "结案" in trail and "出具文书" in trail and not re.search(r"<td>[a-z]+[._][a-z_]+</td>", trail)
    off = _client(app, "zhangwei")
    assert off.get(f"/evaluation/files/{f['id']}").status_code == 404  # not before the results are sent
    r = evc.post(f"/evaluation/files/{f['id']}/score", data={"csrf_token": _csrf(page), "defects.F-FORMS": "1"},
                 follow_redirects=True)
    assert "须说明理由" in r.get_data(as_text=True)
    r = evc.post(f"/evaluation/files/{f['id']}/score", data={"csrf_token": _csrf(page), "defects.F-FORMS": "1",
                                                             "reason.F-FORMS": "使用了旧版文书格式"}, follow_redirects=True)
    assert "评分已保存" in r.get_data(as_text=True)
    pdf = sup.get(f"/evaluation/rounds/{rnd['id']}/report.pdf")
    assert pdf.status_code == 200 and pdf.data[:5] == b"%PDF-"
    xlsx = sup.get(f"/evaluation/rounds/{rnd['id']}/report.xlsx")
    wb = load_workbook(io.BytesIO(xlsx.data))
    assert wb.sheetnames == ["概况", "各机关", "各执法人员", "常见问题"]
    assert [c.value for c in wb["常见问题"][2]][:2] == ["F-FORMS", "使用规范文书格式"]
    assert _client(app, "zhangwei").get(f"/evaluation/rounds/{rnd['id']}/report.pdf").status_code == 403


def test_a_bad_round_form_changes_nothing(app, api, world):  # noqa: F811
    sup = _client(app, SUP)
    token = _csrf(sup.get("/evaluation/rounds").get_data(as_text=True))
    before = api.snapshot()
    r = sup.post("/evaluation/rounds", data={"csrf_token": token, "name": "x", "period_from": "2026-01-01",
                                            "period_to": "2026-12-31", "sample_mode": "size", "sample_value": "0",
                                            "agency_ids": str(world["amr"])}, follow_redirects=True)
    assert "抽取数量须为1至1000的整数" in r.get_data(as_text=True)
    r = sup.post("/evaluation/rounds", data={"csrf_token": token, "name": "x", "period_from": "2026-01-01",
                                            "period_to": "2026-12-31", "sample_mode": "size", "sample_value": "1"},
                 follow_redirects=True)
    assert "请至少选择一个被评查机关" in r.get_data(as_text=True)
    assert api.snapshot() == before


def test_the_new_round_form_counts_the_closed_cases_of_the_supervisors_own_agencies(world, sessions):  # noqa: F811
    """The form's 已结案 N 件 beside each agency: that agency's closed or archived cases, for the agencies of the
    supervisor's scope only (a supervisor of the 综合行政执法局 is shown that agency, with its own count)."""
    from sqlalchemy import func, select

    from casebook.db import models as m
    from casebook.seed import demo_user
    from casebook.services.context import actor_for
    from casebook.services.evaluation import CLOSED_STAGES, agencies_in_scope

    with sessions() as s:
        closed = dict(s.execute(select(m.Case.agency_id, func.count()).where(m.Case.stage.in_(CLOSED_STAGES))
                                .group_by(m.Case.agency_id)).all())
        district = agencies_in_scope(s, actor_for(s, demo_user(s, SUP)))
        cle_only = agencies_in_scope(s, actor_for(s, demo_user(s, "sup_cle")))
    assert closed.get(world["amr"], 0) >= 2  # the world's two closed cases
    assert {a["id"]: a["closed"] for a in district} == {a["id"]: closed.get(a["id"], 0) for a in district}
    assert [a["id"] for a in cle_only] == [world["cle"]] and cle_only[0]["closed"] == closed.get(world["cle"], 0)
