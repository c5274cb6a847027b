"""The administrators' pages (/admin) through Flask's test client, on every backend: each page's happy path,
bad input (4xx, a Chinese message, nothing changed), and every page refused to every other role — for a
record of the user's own agency and of another one — with nothing changed and the denial logged."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from casebook.db import models as m
from casebook.db.models_evaluation import EvaluationRubric
from casebook.db.models_supervision import ProblemModelSetting

PASSWORD = "casebook-demo-2026"
NEW_PASSWORD = "Shanting-Admin-2026!"

#: (username, role, agency code): one user per role of the demo organisation.
ROLE_USERS = [("zhangwei", "officer", "山亭市监"), ("sunli", "legal_reviewer", "山亭市监"), ("zhaomin", "agency_head", "山亭市监"),
              ("wujing", "supervisor", "山亭"), ("admin", "admin", "山亭")]


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(app, username="admin"):
    c = app.test_client()
    token = _csrf(c.get("/login").get_data(as_text=True))
    r = c.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302, r.get_data(as_text=True)
    c.csrf = _csrf(c.get("/password").get_data(as_text=True))
    return c


def post(c, url, data=None, **kw):
    return c.post(url, data={"csrf_token": c.csrf, **(data or {})}, **kw)


def text(r) -> str:
    return r.get_data(as_text=True)


def ids(sessions) -> dict:
    """Agencies by 代字, users by username, credentials by number."""
    with sessions() as s:
        return {"agency": dict(s.execute(select(m.Agency.code, m.Agency.id)).all()),
                "user": dict(s.execute(select(m.User.username, m.User.id)).all()),
                "credential": dict(s.execute(select(m.Credential.credential_no, m.Credential.id)).all())}


def state(sessions) -> tuple:
    """Everything an administrator's page may change, and the trail's length."""
    with sessions() as s:
        return (
            s.execute(select(func.count()).select_from(m.TrailEntry)).scalar_one(),
            s.execute(select(m.Agency.id, m.Agency.name, m.Agency.code, m.Agency.case_no_format, m.Agency.review_limit_days,
                             m.Agency.publication_system).order_by(m.Agency.id)).all(),
            [(u.id, u.display_name, u.agency_id, sorted(u.roles), u.active, u.password_hash, u.bar_qualified)
             for u in s.execute(select(m.User).order_by(m.User.id)).scalars()],
            s.execute(select(m.Credential.id, m.Credential.credential_no, m.Credential.field, m.Credential.valid_from,
                             m.Credential.valid_to, m.Credential.revoked).order_by(m.Credential.id)).all(),
            s.execute(select(func.count()).select_from(m.ApiToken).where(m.ApiToken.revoked_at.is_not(None))).scalar_one(),
            s.execute(select(func.count()).select_from(m.CatalogueVersion)).scalar_one(),
            s.execute(select(m.CalendarOverride.day, m.CalendarOverride.is_working_day).order_by(m.CalendarOverride.day)).all(),
            s.execute(select(m.CalendarYear.year).order_by(m.CalendarYear.year)).all(),
            s.execute(select(EvaluationRubric.code, EvaluationRubric.version).order_by(EvaluationRubric.id)).all(),
            [(r.code, r.enabled, r.params) for r in s.execute(select(ProblemModelSetting).order_by(ProblemModelSetting.code)).scalars()],
        )


def _ctype(form):
    return "multipart/form-data" if form and any(isinstance(v, tuple) for v in form.values()) else None


def last_trail(sessions):
    with sessions() as s:
        return s.execute(select(m.TrailEntry).order_by(m.TrailEntry.seq.desc()).limit(1)).scalar_one()


# --- 1. agencies ------------------------------------------------------------------------------------------


def test_the_agencies_list_shows_each_agency_with_its_code_format_limit_and_publication_system(app):
    c = login(app)
    r = c.get("/admin/agencies")
    html = text(r)
    assert r.status_code == 200
    for s in ("枣庄市山亭区市场监督管理局", "山亭市监", "{code}立〔{year}〕{seq}号", "10（默认）", "市场监管", "综合行政执法"):
        assert s in html, s
    assert "系统管理" in html and "执法机关" in html


def test_an_admin_edits_an_agency_and_the_change_is_trailed_with_before_and_after(app, sessions):
    c = login(app)
    amr = ids(sessions)["agency"]["山亭市监"]
    r = post(c, f"/admin/agencies/{amr}", {"name": "枣庄市山亭区市场监督管理局", "code": "山市监",
                                           "case_no_format": "{code}罚立〔{year}〕{seq}号", "review_limit_days": "7",
                                           "publication_system": "market_regulation"})
    assert r.status_code == 302, text(r)
    with sessions() as s:
        a = s.get(m.Agency, amr)
        assert (a.code, a.case_no_format, a.review_limit_days) == ("山市监", "{code}罚立〔{year}〕{seq}号", 7)
    e = last_trail(sessions)
    assert e.action == "agency.updated" and e.agency_id == amr and e.case_id is None
    assert "山亭市监" in e.payload and "山市监" in e.payload and "review_limit_days" in e.payload
    assert "修改成功" in text(c.get("/admin/agencies"))


@pytest.mark.parametrize("field,value,message", [
    ("case_no_format", "{code}立〔{year}〕号", "须包含{year}和{seq}"),
    ("case_no_format", "{code}立〔{year}〕{seq}号{party}", "不能使用：{party}"),
    ("review_limit_days", "45", "法制审核时限须为1至30个工作日"),
    ("review_limit_days", "五", "法制审核时限须为整数"),
    ("code", "山亭综执", "代字已被其他机关使用"),
    ("code", "", "代字不能为空"),
    ("publication_system", "nowhere", "未知的公示制度"),
])
def test_a_bad_agency_setting_is_refused_in_chinese_and_changes_nothing(app, sessions, field, value, message):
    c = login(app)
    amr = ids(sessions)["agency"]["山亭市监"]
    form = {"name": "枣庄市山亭区市场监督管理局", "code": "山亭市监", "case_no_format": "{code}立〔{year}〕{seq}号",
            "review_limit_days": "", "publication_system": "market_regulation", field: value}
    before = state(sessions)
    r = post(c, f"/admin/agencies/{amr}", form)
    assert r.status_code == 422 and message in text(r), text(r)
    assert 'aria-invalid="true"' in text(r)
    assert state(sessions) == before


# --- every page and form, every other role, own and other agency ----------------------------------------------


def _targets(sessions, own_code: str, job: str = "0" * 24) -> dict:
    """Records of the user's own agency and of another one: an agency, a user, a credential."""
    i = ids(sessions)
    other_code = "山亭综执" if own_code != "山亭综执" else "山亭市监"
    own_user = {"山亭市监": "liqiang", "山亭": "wujing"}[own_code]
    own_cred = {"山亭市监": "37040024002", "山亭": "37040024001"}[own_code]
    return {
        "own": {"agency": i["agency"][own_code], "user": i["user"][own_user], "credential": i["credential"][own_cred], "job": job},
        "other": {"agency": i["agency"][other_code], "user": i["user"]["chenjie"], "credential": i["credential"]["37040024101"], "job": job},
    }


def requests_for(t: dict) -> list[tuple[str, str, dict | None]]:
    """(method, url, form) of every administrators' page and form, aimed at the records in `t`."""
    a, u, cr = t["agency"], t["user"], t["credential"]
    return [
        ("GET", "/admin/", None),
        ("GET", "/admin/agencies", None),
        ("GET", f"/admin/agencies/{a}", None),
        ("POST", f"/admin/agencies/{a}", {"name": "改名", "code": "改代字", "case_no_format": "{year}{seq}",
                                          "review_limit_days": "5", "publication_system": ""}),
        ("GET", "/admin/users", None),
        ("GET", "/admin/users/new", None),
        ("POST", "/admin/users/new", {"username": "newcomer", "display_name": "新人", "agency_id": str(a), "roles": "officer",
                                      "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}),
        ("GET", f"/admin/users/{u}", None),
        ("POST", f"/admin/users/{u}", {"display_name": "改名", "agency_id": str(a), "roles": "admin"}),
        ("POST", f"/admin/users/{u}/active", {"active": "0"}),
        ("POST", f"/admin/users/{u}/password", {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}),
        ("GET", "/admin/credentials", None),
        ("GET", f"/admin/credentials?agency_id={a}", None),
        ("GET", "/admin/credentials/new", None),
        ("POST", "/admin/credentials/new", {"user_id": str(u), "credential_no": "99999999", "field": "市场监管",
                                            "valid_from": "2026-01-01", "valid_to": "2027-01-01"}),
        ("GET", f"/admin/credentials/{cr}", None),
        ("POST", f"/admin/credentials/{cr}", {"credential_no": "88888888", "field": "市场监管", "valid_from": "2026-01-01",
                                              "valid_to": "2026-02-01", "revoked": "1"}),
        ("GET", "/admin/catalogue", None),
        ("GET", "/admin/catalogue/template.xlsx", None),
        ("POST", "/admin/catalogue", {"file": (io.BytesIO(catalogue_xlsx()), "benchmark.xlsx")}),
        ("GET", f"/admin/catalogue/jobs/{t['job']}", None),
        ("GET", f"/admin/catalogue/jobs/{t['job']}/progress", None),
        ("POST", f"/admin/catalogue/jobs/{t['job']}/confirm", {"digest": "0" * 16}),
        ("GET", "/admin/calendar", None),
        ("GET", "/admin/calendar?year=2027", None),
        ("POST", "/admin/calendar/preview", {"text": NOTICE_2027}),
        ("POST", "/admin/calendar/confirm", {"text": NOTICE_2027, "digest": NOTICE_2027_DIGEST}),
        ("GET", "/admin/rubrics", None),
        ("GET", "/admin/rubrics/default.yaml", None),
        ("POST", "/admin/rubrics", {"file": (io.BytesIO(rubric_yaml(2).encode()), "rubric.yaml")}),
        ("GET", "/admin/thresholds", None),
        ("POST", "/admin/thresholds/repeat_fines", {"enabled": "1", "window_days": "30", "min_fines": "2"}),
    ]


@pytest.mark.parametrize("username,role,own", [r for r in ROLE_USERS if r[1] != "admin"], ids=lambda v: str(v))
def test_every_admin_page_is_refused_to_other_roles_for_own_and_other_agency_changing_nothing_and_logged(
        app, sessions, caplog, username, role, own):
    job = upload(login(app), catalogue_xlsx())
    c = login(app, username)
    caplog.set_level(logging.WARNING, logger="casebook.access")
    before = state(sessions)
    for where, t in _targets(sessions, own, job).items():
        for method, url, form in requests_for(t):
            caplog.clear()
            r = c.get(url) if method == "GET" else post(c, url, form, content_type=_ctype(form))
            assert r.status_code == 403, (role, where, method, url, r.status_code)
            assert "当前操作没有权限" in text(r)
            assert any(f"user={username}" in rec.getMessage() and "denied" in rec.getMessage() for rec in caplog.records), url
    after = state(sessions)
    assert after[1:] == before[1:] and after[0] == before[0]
    assert "系统管理" not in text(c.get("/work/cases"))


def test_an_admin_opens_every_admin_page_for_own_and_other_agency(app, sessions):
    c = login(app)
    job = upload(c, catalogue_xlsx())
    for where, t in _targets(sessions, "山亭", job).items():
        for method, url, _form in requests_for(t):
            if method == "GET":
                r = c.get(url)
                assert r.status_code in (200, 302), (where, url, r.status_code)
    # the writes of an admin succeed for any agency (an administrator configures the whole system)
    other = _targets(sessions, "山亭")["other"]["agency"]
    r = post(c, f"/admin/agencies/{other}", {"name": "枣庄市山亭区综合行政执法局", "code": "山亭综执",
                                             "case_no_format": "{code}立〔{year}〕{seq}号", "review_limit_days": "8",
                                             "publication_system": "comprehensive"})
    assert r.status_code == 302


# --- 2. users and roles ------------------------------------------------------------------------------------


def test_the_users_list_filters_by_agency_and_shows_roles_and_status(app, sessions):
    c = login(app)
    cle = ids(sessions)["agency"]["山亭综执"]
    html = text(c.get(f"/admin/users?agency_id={cle}"))
    assert "chenjie" in html and "周华" in html and "zhangwei" not in html
    assert "执法人员" in html and "负责人" in html and "正常" in html
    # an administrator reads no case contents: the menu offers no case list (本机关案件 would only be empty)
    assert "本机关案件" not in html and "/work/cases" not in html


def test_an_admin_creates_a_user_changes_roles_resets_the_password_and_deactivates(app, sessions):
    c = login(app)
    i = ids(sessions)
    amr = i["agency"]["山亭市监"]
    r = post(c, "/admin/users/new", {"username": "xiaoming", "display_name": "小明", "agency_id": str(amr),
                                    "roles": "officer", "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert r.status_code == 302, text(r)
    uid = ids(sessions)["user"]["xiaoming"]
    assert last_trail(sessions).action == "user.created"
    # roles: 法制审核人员 with 法律职业资格
    r = post(c, f"/admin/users/{uid}", {"display_name": "王小明", "agency_id": str(amr),
                                        "roles": ["officer", "legal_reviewer"], "bar_qualified": "1"})
    assert r.status_code == 302, text(r)
    with sessions() as s:
        u = s.get(m.User, uid)
        assert u.display_name == "王小明" and sorted(u.roles) == ["legal_reviewer", "officer"] and u.bar_qualified
    e = last_trail(sessions)
    assert e.action == "user.updated" and "legal_reviewer" in e.payload
    # the new user signs in; a password reset ends that session
    user_client = app.test_client()
    tok = _csrf(text(user_client.get("/login")))
    assert user_client.post("/login", data={"username": "xiaoming", "password": NEW_PASSWORD, "csrf_token": tok}).status_code == 302
    assert user_client.get("/work/cases").status_code == 200
    r = post(c, f"/admin/users/{uid}/password", {"new_password": "Another-Good-Pass-9", "confirm_password": "Another-Good-Pass-9"})
    assert r.status_code == 302 and "密码已重置" in text(c.get(f"/admin/users/{uid}"))
    e = last_trail(sessions)
    assert e.action == "user.password_reset" and "Another" not in e.payload
    assert user_client.get("/work/cases").status_code == 302  # its token was revoked
    # deactivation, then reactivation
    tok = _csrf(text(user_client.get("/login")))
    assert user_client.post("/login", data={"username": "xiaoming", "password": "Another-Good-Pass-9", "csrf_token": tok}).status_code == 302
    assert post(c, f"/admin/users/{uid}/active", {"active": "0"}).status_code == 302
    assert user_client.get("/work/cases").status_code == 302
    with sessions() as s:
        assert s.get(m.User, uid).active is False
    assert last_trail(sessions).action == "user.deactivated"
    assert post(c, f"/admin/users/{uid}/active", {"active": "1"}).status_code == 302
    assert last_trail(sessions).action == "user.activated"
    assert "正常" in text(c.get(f"/admin/users/{uid}"))


@pytest.mark.parametrize("form,status,message", [
    ({"username": "zhangwei"}, 409, "用户名已存在"),
    ({"password": "abc12345"}, 422, "密码至少10位"),
    ({"password": "xiaoming-2026-pass", "confirm_password": "xiaoming-2026-pass"}, 422, "密码不得包含用户名"),
    ({"confirm_password": "something-else-entirely"}, 422, "两次输入的密码不一致"),
    ({"roles": ""}, 422, "至少选择一个角色"),
    ({"roles": "legal_reviewer"}, 422, "法制审核人员须具有法律职业资格"),
    ({"display_name": ""}, 422, "姓名不能为空"),
])
def test_a_bad_new_user_is_refused_in_chinese_and_nothing_is_created(app, sessions, form, status, message):
    c = login(app)
    amr = ids(sessions)["agency"]["山亭市监"]
    data = {"username": "xiaoming", "display_name": "小明", "agency_id": str(amr), "roles": "officer",
            "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD, **form}
    if "password" in form and "confirm_password" not in form:
        data["confirm_password"] = form["password"]
    before = state(sessions)
    r = post(c, "/admin/users/new", data)
    assert r.status_code == status and message in text(r), (r.status_code, text(r)[-3000:])
    assert state(sessions) == before


def test_a_weak_reset_password_and_dropping_ones_own_admin_role_are_refused_and_change_nothing(app, sessions):
    c = login(app)
    i = ids(sessions)
    before = state(sessions)
    r = post(c, f"/admin/users/{i['user']['liqiang']}/password", {"new_password": "12345678", "confirm_password": "12345678"})
    assert r.status_code == 422 and "密码至少10位" in text(r)
    r = post(c, f"/admin/users/{i['user']['liqiang']}", {"display_name": "李强", "agency_id": str(i["agency"]["山亭市监"]),
                                                        "roles": "legal_reviewer"})
    assert r.status_code == 422 and "法律职业资格" in text(r)
    r = post(c, f"/admin/users/{i['user']['admin']}", {"display_name": "系统管理员", "agency_id": str(i["agency"]["山亭"]),
                                                      "roles": "officer"})
    assert r.status_code == 403 and "不能取消自己的管理员角色" in text(r)
    r = post(c, f"/admin/users/{i['user']['admin']}/active", {"active": "0"})
    assert r.status_code == 403 and "不能停用自己的账号" in text(r)
    assert post(c, "/admin/users/999999", {"display_name": "x", "agency_id": "1", "roles": "officer"}).status_code == 404
    assert state(sessions) == before


# --- 3. credentials (执法证) ---------------------------------------------------------------------------------


def test_credentials_expiring_within_60_days_and_expired_are_listed_first_and_highlighted(app, sessions):
    from casebook.services.context import local_today

    c = login(app)
    i = ids(sessions)
    today = local_today()
    soon, gone, later = today + dt.timedelta(days=30), today - dt.timedelta(days=3), today + dt.timedelta(days=61)
    for no, user, frm, to in (("37040026001", "zhangwei", today - dt.timedelta(days=300), soon),
                              ("37040026002", "liqiang", today - dt.timedelta(days=400), gone),
                              ("37040026003", "wangfang", today - dt.timedelta(days=10), later)):
        r = post(c, "/admin/credentials/new", {"user_id": str(i["user"][user]), "credential_no": no, "field": "市场监管",
                                               "valid_from": frm.isoformat(), "valid_to": to.isoformat()})
        assert r.status_code == 302, text(r)
        assert last_trail(sessions).action == "credential.issued"
    html = text(c.get("/admin/credentials"))
    block = html.split('id="soon-h"')[1].split('id="all-h"')[0]
    assert "60天内到期及已过期（2）" in html
    # soonest first: the expired one, then the one due in 30 days; the one due in 61 days is not in the list
    assert block.index("37040026002") < block.index("37040026001") and "37040026003" not in block
    assert "已过期（已过期3天）" in block and "即将到期（剩余30天）" in block
    assert 'class="hl-red"' in block and 'class="hl-orange"' in block


def test_an_admin_renews_and_revokes_a_credential_and_the_change_is_trailed(app, sessions):
    c = login(app)
    cid = ids(sessions)["credential"]["37040024001"]
    r = post(c, f"/admin/credentials/{cid}", {"credential_no": "37040024001", "field": "市场监管", "valid_from": "2024-01-01",
                                              "valid_to": "2031-12-31"})
    assert r.status_code == 302, text(r)
    with sessions() as s:
        assert s.get(m.Credential, cid).valid_to == dt.date(2031, 12, 31)
    e = last_trail(sessions)
    assert e.action == "credential.updated" and "2029-12-31" in e.payload and "2031-12-31" in e.payload
    r = post(c, f"/admin/credentials/{cid}", {"credential_no": "37040024001", "field": "市场监管", "valid_from": "2024-01-01",
                                              "valid_to": "2031-12-31", "revoked": "1"})
    assert r.status_code == 302
    with sessions() as s:
        assert s.get(m.Credential, cid).revoked is True
    assert "已注销" in text(c.get("/admin/credentials"))


@pytest.mark.parametrize("form,message", [
    ({"valid_to": "2025-01-01"}, "有效期截止日不能早于起始日"),
    ({"credential_no": "37040024002"}, "执法证号已存在"),
    ({"credential_no": "证号 1"}, "执法证号只能由数字、字母"),
    ({"valid_from": "2026-02-30"}, "有效期起始日格式应为"),
    ({"field": ""}, "执法领域不能为空"),
    ({"user": "zhaomin"}, "该用户不是执法人员"),
    ({"user": ""}, "持证人不能为空"),
])
def test_a_bad_credential_is_refused_in_chinese_and_nothing_changes(app, sessions, form, message):
    c = login(app)
    i = ids(sessions)
    form = dict(form)
    user = form.pop("user", "zhangwei")
    data = {"user_id": str(i["user"][user]) if user else "", "credential_no": "37040027001", "field": "市场监管",
            "valid_from": "2026-01-01", "valid_to": "2028-01-01", **form}
    before = state(sessions)
    r = post(c, "/admin/credentials/new", data)
    assert r.status_code == 422 and message in text(r), (r.status_code, text(r)[-2500:])
    assert state(sessions) == before
    # the same checks on an edit
    if "user" not in message and "持证人" not in message and "执法人员" not in message:
        r = post(c, f"/admin/credentials/{i['credential']['37040024001']}", data)
        assert r.status_code == 422 and message in text(r)
        assert state(sessions) == before


# --- 4. catalogue import -------------------------------------------------------------------------------------

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "catalogue" / "benchmark.yaml"


def catalogue_xlsx(version: int = 1, bad_cell: tuple[int, str, object] | None = None, change: bool = False) -> bytes:
    """The test benchmark as the XLSX agencies publish; optionally one bad cell (row, column, value) or a changed item."""
    import yaml
    from openpyxl import load_workbook

    from casebook.services import catalogue_xlsx as cx

    doc = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    doc["catalogue"]["version"] = version
    if change:
        doc["violation_items"][1]["range"]["multiple"]["max"] = "4"   # T-CP-49: 1–3 times becomes 1–4 times
        doc["violation_items"].pop()                                  # T-DJ-44 removed
    wb = load_workbook(io.BytesIO(cx.write(doc)))
    if bad_cell:
        ws = wb["裁量基准"]
        head = [c.value for c in ws[1]]
        ws.cell(row=bad_cell[0], column=head.index(bad_cell[1]) + 1).value = bad_cell[2]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(c, data: bytes, name: str = "benchmark.xlsx"):
    r = post(c, "/admin/catalogue", {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    assert r.status_code == 303, text(r)
    return r.headers["Location"].rstrip("/").split("/")[-1]


def job_page(c, job: str) -> str:
    import time

    for _ in range(100):  # the check runs in the background: wait for it as the page's poll would
        html = text(c.get(f"/admin/catalogue/jobs/{job}"))
        if "job-progress" not in html:
            return html
        time.sleep(0.1)
    raise AssertionError("the catalogue check did not finish")


def test_an_xlsx_with_a_bad_row_shows_the_error_against_its_sheet_row_and_column_and_imports_nothing(app, sessions):
    c = login(app)
    before = state(sessions)
    job = upload(c, catalogue_xlsx(bad_cell=(2, "罚款下限(元)", "五万元")))
    html = job_page(c, job)
    assert "发现1处错误，未导入任何内容" in html
    problems = html.split("<table class=\"table cards problems\">")[1].split("</table>")[0]
    assert "裁量基准" in problems and "第2行" in problems and "罚款下限(元)" in problems and "不是有效金额：五万元" in problems
    # the row itself, its bad cell marked
    assert 'id="row-裁量基准-2"' in html and "T-SP-124" in html and 'class="bad">五万元' in html
    assert "确认导入" not in html
    r = post(c, f"/admin/catalogue/jobs/{job}/confirm", {"digest": "0" * 16})
    assert r.status_code == 409 and "尚未通过校验" in text(r)
    assert state(sessions) == before


def test_a_good_catalogue_shows_its_diff_against_the_version_in_force_and_is_imported_on_confirmation(app, sessions):
    c = login(app)
    job = upload(c, catalogue_xlsx(1))
    html = job_page(c, job)
    assert "校验通过" in html and "首次导入" in html and "新增 4 项" in html
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', html).group(1)
    r = post(c, f"/admin/catalogue/jobs/{job}/confirm", {"digest": digest})
    assert r.status_code == 302
    assert last_trail(sessions).action == "catalogue.imported"
    assert "TEST-BM" in text(c.get("/admin/catalogue"))
    # a second confirmation of the same upload is refused
    assert post(c, f"/admin/catalogue/jobs/{job}/confirm", {"digest": digest}).status_code == 409
    # version 2: one item changed, one removed
    job2 = upload(c, catalogue_xlsx(2, change=True))
    html = job_page(c, job2)
    assert "现行第1版" in html and "新增 0 项，删除 1 项，修改 1 项" in html
    assert "T-DJ-44" in html and "T-CP-49" in html
    before = state(sessions)
    r = post(c, f"/admin/catalogue/jobs/{job2}/confirm", {"digest": "f" * 16})  # not the digest shown
    assert r.status_code == 409 and "与预览不一致" in text(r)
    assert state(sessions) == before
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', html).group(1)
    assert post(c, f"/admin/catalogue/jobs/{job2}/confirm", {"digest": digest}).status_code == 302
    with sessions() as s:
        assert s.execute(select(func.max(m.CatalogueVersion.version)).where(m.CatalogueVersion.code == "TEST-BM")).scalar_one() == 2


def test_the_template_download_is_a_workbook_the_import_reads(app):
    from casebook.services import catalogue as cat

    r = login(app).get("/admin/catalogue/template.xlsx")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    doc = cat.load_bytes(r.get_data(), "template.xlsx")
    assert doc["violation_items"][0]["code"] == "SL-001"


@pytest.mark.parametrize("name,data,message", [
    ("notes.txt", b"hello", "只支持 .yaml/.yml 或 .xlsx 文件"),
    ("empty.yaml", b"", "请选择要导入的文件"),
])
def test_a_file_of_the_wrong_kind_is_refused_at_upload(app, sessions, name, data, message):
    c = login(app)
    before = state(sessions)
    r = post(c, "/admin/catalogue", {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    assert r.status_code == 422 and message in text(r)
    assert state(sessions) == before


def test_an_unreadable_yaml_is_reported_and_another_admins_upload_is_not_shown(app, sessions, caplog):
    from casebook.services import users as user_svc
    from casebook.services.context import SYSTEM

    c = login(app)
    job = upload(c, b"catalogue: [unclosed", "broken.yaml")
    html = job_page(c, job)
    assert "无法读取 YAML 文件" in html and "未导入任何内容" in html
    # a second administrator may not read or confirm the first one's upload
    with sessions() as s, s.begin():
        user_svc.create_user(s, SYSTEM, username="admin2", display_name="管理员二", password=PASSWORD,
                             agency_id=ids(sessions)["agency"]["山亭综执"], roles=["admin"])
    c2 = login(app, "admin2")
    caplog.set_level(logging.WARNING, logger="casebook.access")
    assert c2.get(f"/admin/catalogue/jobs/{job}").status_code == 403
    assert post(c2, f"/admin/catalogue/jobs/{job}/confirm", {"digest": "0" * 16}).status_code == 403
    assert any("catalogue_job_not_yours" in r.getMessage() for r in caplog.records)
    assert c2.get("/admin/catalogue/jobs/" + "a" * 24).status_code == 404
    assert c2.get("/admin/catalogue/jobs/..%2F..%2Fetc").status_code == 404


def test_a_large_workbook_reports_progress_while_it_is_read(app, settings, sessions, monkeypatch):
    """The staging service, row by row: the status moves through reading before the result (the page polls it)."""
    import yaml

    from casebook.seed import demo_user
    from casebook.services import catalogue_staging as st
    from casebook.services import catalogue_xlsx as cx
    from casebook.services.context import actor_for

    with sessions() as s:
        actor = actor_for(s, demo_user(s, "admin"))
    seen = []
    real = st._set_status

    def spy(d, **changes):
        seen.append((changes.get("state"), changes.get("progress")))
        return real(d, **changes)

    doc = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    item = doc["violation_items"][1]
    doc["violation_items"] = [dict(item, code=f"T-BULK-{n}") for n in range(600)]
    job = st.stage(actor, settings, cx.write(doc), "bulk.xlsx")
    monkeypatch.setattr(st, "_set_status", spy)
    st.process(settings, sessions, job)
    reading = [p for s, p in seen if s == "reading"]
    assert len(reading) >= 3 and reading == sorted(reading) and seen[-1] == ("ready", 100)
    assert st.status(actor, settings, job)["result"]["diff"]["added"][0]["code"] == "T-BULK-0"


def _admin_actor(sessions):
    from casebook.seed import demo_user
    from casebook.services.context import actor_for

    with sessions() as s:
        return actor_for(s, demo_user(s, "admin"))


def _age(job_dir, seconds):
    """Make a job look as if its status last moved `seconds` ago (the process that ran it ended)."""
    import datetime as dt
    import json

    path = job_dir / "status.json"
    st = json.loads(path.read_text(encoding="utf-8"))
    st["updated"] = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)).isoformat()
    path.write_text(json.dumps(st, ensure_ascii=False), encoding="utf-8")


def test_a_job_left_reading_by_a_restart_is_read_again_when_its_page_is_opened(app, settings, sessions):
    from casebook.services import catalogue_staging as st

    c = login(app)
    actor = _admin_actor(sessions)
    job = st.stage(actor, settings, catalogue_xlsx(1), "restart.xlsx")  # staged, never started: the process died
    d = settings.data_dir / "catalogue-uploads" / job
    st._set_status(d, state="reading", progress=40, message="正在读取第200行")
    # fresh: still someone's job in progress, left alone
    assert st.resume_if_stalled(actor, settings, sessions, job) is False
    _age(d, st.STALE_SECONDS + 5)
    html = job_page(c, job)  # the page restarts the reading and shows its result
    assert "校验通过" in html and "首次导入" in html
    assert st.status(actor, settings, job)["state"] == "ready"
    # a finished job is never restarted, however old
    _age(d, 3600)
    assert st.resume_if_stalled(actor, settings, sessions, job) is False


def test_staged_uploads_older_than_a_week_are_removed_at_the_next_upload(app, settings, sessions):
    from casebook.services import catalogue_staging as st

    actor = _admin_actor(sessions)
    old = st.stage(actor, settings, catalogue_xlsx(1), "old.xlsx")
    recent = st.stage(actor, settings, catalogue_xlsx(1), "recent.xlsx")
    root = settings.data_dir / "catalogue-uploads"
    _age(root / old, st.KEEP_DAYS * 86400 + 60)
    _age(root / recent, st.KEEP_DAYS * 86400 - 3600)
    st.stage(actor, settings, catalogue_xlsx(1), "new.xlsx")
    assert not (root / old).exists() and (root / recent).is_dir()


# --- 5. the holiday calendar ---------------------------------------------------------------------------------

NOTICE_2027 = (Path(__file__).resolve().parents[1] / "fixtures" / "calendar" / "notice_2027_example.txt").read_text(encoding="utf-8")


def _digest(text_: str) -> str:
    from casebook.calendar.notice import parse_notice

    return parse_notice(text_).digest()


NOTICE_2027_DIGEST = _digest(NOTICE_2027)


def test_the_year_view_shows_twelve_months_with_holidays_and_make_up_workdays_and_which_years_are_loaded(app):
    c = login(app)
    html = text(c.get("/admin/calendar?year=2026"))
    assert html.count('<table class="month">') == 12
    assert "随附数据" in html and "暂定（未载入）" in html  # 2026 bundled, 2027 not loaded
    # 2026-02-17 春节 is a holiday, 2026-02-14 (a Saturday) a make-up workday, both named
    assert 'class="d-holiday" title="春节">17<span class="mark">休</span>' in html
    assert 'class="d-makeup" title="春节调休上班">14<span class="mark">班</span>' in html
    provisional = text(c.get("/admin/calendar?year=2027"))
    assert "2027年的节假日安排尚未载入" in provisional and "暂定" in provisional
    assert 'title="国庆节">1<span class="mark">休</span>' in provisional  # the statutory days, no guessed 调休
    assert 'class="d-makeup"' not in provisional.split("year-grid")[1]


def test_an_admin_pastes_the_notice_previews_it_as_a_calendar_and_confirms_the_year(app, sessions):
    c = login(app)
    before = state(sessions)
    r = post(c, "/admin/calendar/preview", {"text": NOTICE_2027})
    html = text(r)
    assert r.status_code == 200 and "2027年节假日安排预览" in html and "尚未保存" in html
    assert html.count('<table class="month">') == 12
    assert 'class="d-makeup" title="春节调休上班">20<span class="mark">班</span>' in html  # 2月20日（周六）上班
    assert "2027-02-05 至 2027-02-13" in html and NOTICE_2027_DIGEST in html
    assert state(sessions) == before  # a preview stores nothing
    r = post(c, "/admin/calendar/confirm", {"text": NOTICE_2027, "digest": NOTICE_2027_DIGEST})
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/calendar?year=2027")
    html = text(c.get("/admin/calendar?year=2027"))
    assert "2027年节假日安排已载入" in html and "已载入通知" in html
    assert 'class="d-makeup" title="春节调休上班">20<span class="mark">班</span>' in html
    e = last_trail(sessions)
    assert e.action == "calendar.notice_loaded" and "2027" in e.payload
    with sessions() as s:
        assert s.get(m.CalendarYear, 2027) is not None


@pytest.mark.parametrize("form,status,message", [
    ({"text": NOTICE_2027.replace("2月20日（周六）上班", "2月20日（周日）上班")}, 422, "第7行"),
    ({"text": ""}, 422, "请粘贴国务院办公厅节假日安排通知全文"),
    ({"text": NOTICE_2027, "digest": "0123456789abcdef"}, 409, "确认的内容与预览不一致"),
])
def test_a_bad_notice_or_a_stale_confirmation_is_refused_in_chinese_and_changes_nothing(app, sessions, form, status, message):
    c = login(app)
    before = state(sessions)
    url = "/admin/calendar/confirm" if "digest" in form else "/admin/calendar/preview"
    r = post(c, url, form)
    assert r.status_code == status and message in text(r), (r.status_code, text(r)[-2500:])
    assert "未作任何更改" in text(r)
    assert state(sessions) == before
    assert c.get("/admin/calendar?year=abc").status_code == 422


# --- 6. 案卷评查 rubrics ---------------------------------------------------------------------------------------

DEFAULT_RUBRIC = (Path(__file__).resolve().parents[2] / "casebook" / "data" / "rubrics" / "default.yaml").read_text(encoding="utf-8")


def rubric_yaml(version: int, effective_from: str = "2026-03-01") -> str:
    assert "version: 1\neffective_from: 2026-01-01" in DEFAULT_RUBRIC
    return DEFAULT_RUBRIC.replace("version: 1\neffective_from: 2026-01-01",
                                  f"version: {version}\neffective_from: {effective_from}")


def test_the_rubrics_page_lists_the_default_version_in_force_and_offers_it_for_download(app):
    c = login(app)
    r = c.get("/admin/rubrics")
    html = text(r)
    assert r.status_code == 200, html
    for s in ("评查细则", "casebook-default", "行政处罚案卷评查标准（默认）", "2026-01-01 起", "卷面 20分", "内容 80分",
              "现行", 'name="file"', 'enctype="multipart/form-data"', "下载默认细则（YAML）"):
        assert s in html, s
    assert '<td data-label="否决项" class="num">9</td>' in html
    d = c.get("/admin/rubrics/default.yaml")
    assert d.status_code == 200 and "attachment" in d.headers["Content-Disposition"]
    assert d.get_data(as_text=True) == DEFAULT_RUBRIC


def test_an_admin_uploads_a_new_rubric_version_as_yaml_and_as_xlsx_and_each_is_trailed(app, sessions):
    from casebook.services.evaluation_xlsx import write as rubric_workbook

    c = login(app)
    c.get("/admin/rubrics")  # the default version is imported on first use
    r = post(c, "/admin/rubrics", {"file": (io.BytesIO(rubric_yaml(2, "2026-02-01").encode()), "rubric-v2.yaml")},
             content_type="multipart/form-data")
    assert r.status_code == 303, text(r)
    e = last_trail(sessions)
    assert e.action == "evaluation.rubric_imported" and '"version":2' in e.payload
    import yaml

    doc = yaml.safe_load(rubric_yaml(3, "2099-01-01"))
    r = post(c, "/admin/rubrics", {"file": (io.BytesIO(rubric_workbook(doc)), "rubric-v3.xlsx")}, content_type="multipart/form-data")
    assert r.status_code == 303, text(r)
    html = text(c.get("/admin/rubrics"))
    assert "导入成功" in html and "第3版" in html
    with sessions() as s:
        assert s.execute(select(EvaluationRubric.version).order_by(EvaluationRubric.version)).scalars().all() == [1, 2, 3]
    rows = html.split("<tbody>")[1]
    # version 2 is in force today (2026-02-01 onward), version 3 not yet, version 1 replaced
    assert rows.index("现行") < rows.index("已被替代") and "未生效" in rows


@pytest.mark.parametrize("name,data,status,message", [
    ("rubric.yaml", rubric_yaml(2).replace("label: 卷面\n    points: 20", "label: 卷面\n    points: 二十"), 422, "不是数字"),
    ("rubric.yaml", rubric_yaml(2).replace("code: casebook-default\n", ""), 422, "缺少标准代码（code）"),
    ("rubric.yaml", "code: [unclosed", 422, "不是有效的 YAML"),
    ("rubric.yaml", DEFAULT_RUBRIC, 409, "已导入，新版本须使用新的版本号"),
    ("rubric.xlsx", b"not a workbook", 422, "不是有效的 Excel"),
    ("rubric.pdf", b"%PDF-1.4", 422, "仅允许上传 yaml、yml 或 xlsx 格式文件"),
    ("rubric.yaml", b"", 422, "请选择评查细则文件"),
])
def test_a_bad_rubric_file_is_refused_in_chinese_and_nothing_is_imported(app, sessions, name, data, status, message):
    c = login(app)
    c.get("/admin/rubrics")
    before = state(sessions)
    body = data.encode() if isinstance(data, str) else data
    r = post(c, "/admin/rubrics", {"file": (io.BytesIO(body), name)}, content_type="multipart/form-data")
    assert r.status_code == status and message in text(r), (r.status_code, text(r)[-3000:])
    assert "未作任何更改" in text(r) and 'aria-invalid="true"' in text(r)
    assert state(sessions) == before


# --- 7. problem models' thresholds ------------------------------------------------------------------------------


def test_the_thresholds_page_shows_every_model_with_its_article_switch_and_defaults(app):
    from casebook.services.problem_models import MODELS

    c = login(app)
    r = c.get("/admin/thresholds")
    html = text(r)
    assert r.status_code == 200
    for code, mdl in MODELS.items():
        assert f'action="/admin/thresholds/{code}"' in html and mdl.label in html and mdl.basis in html, code
    assert html.count('name="enabled" value="1" checked') == len(MODELS)
    assert 'id="f-repeat_fines-min_fines" name="min_fines" type="number"' in html and "默认 3" in html
    assert 'id="f-fine_outlier-ratio" name="ratio" type="number" min="0" step="any" value="2.0"' in html


def test_an_admin_changes_a_models_thresholds_and_disables_another_and_both_are_trailed(app, sessions):
    from casebook.services import problem_models as pm

    c = login(app)
    r = post(c, "/admin/thresholds/repeat_fines", {"enabled": "1", "window_days": "180", "min_fines": "4"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/admin/thresholds#m-repeat_fines"), text(r)
    e = last_trail(sessions)
    assert e.action == "problem_model.settings_changed" and "repeat_fines" in e.payload and '"min_fines":4' in e.payload
    r = post(c, "/admin/thresholds/fine_outlier", {"window_days": "365", "min_fines": "5", "ratio": "2.5", "severe_delta": "0.3"})
    assert r.status_code == 303
    with sessions() as s:
        got = pm.model_settings(s)
    assert got["repeat_fines"] == (True, {"window_days": 180, "min_fines": 4})
    assert got["fine_outlier"] == (False, {"window_days": 365, "min_fines": 5, "ratio": 2.5, "severe_delta": 0.3})
    html = text(c.get("/admin/thresholds"))
    assert "修改成功" in html and 'id="f-repeat_fines-min_fines" name="min_fines" type="number" min="0" step="1" value="4"' in html
    assert "已停用" in html


@pytest.mark.parametrize("form,message", [
    ({"window_days": "365", "min_fines": "三"}, "最少罚款次数须为数字"),
    ({"window_days": "365", "min_fines": "2.5"}, "最少罚款次数须为整数"),
    ({"window_days": "-1", "min_fines": "3"}, "须为非负数"),
    ({"window_days": "", "min_fines": "3"}, "统计期间不能为空"),
    ({"window_days": "nan", "min_fines": "3"}, "统计期间须为数字"),
])
def test_a_bad_threshold_is_refused_in_chinese_and_changes_nothing(app, sessions, form, message):
    c = login(app)
    before = state(sessions)
    r = post(c, "/admin/thresholds/repeat_fines", {"enabled": "1", **form})
    html = text(r)
    assert r.status_code == 422 and message in html, (r.status_code, html[-3000:])
    assert "未作任何更改" in html or "阈值有误" in html
    assert 'aria-invalid="true"' in html and 'value="' + form["min_fines"] + '"' in html  # what was typed is kept
    assert state(sessions) == before
    assert post(c, "/admin/thresholds/no_such_model", {"window_days": "1"}).status_code == 404
    assert state(sessions) == before


def test_the_agencies_list_states_the_configured_default_review_limit(settings, engine):
    """An agency without its own 法制审核时限 is counted on CASEBOOK_LEGAL_REVIEW_DAYS (services.effects.review_referral);
    the pages say that figure, not a fixed 10."""
    import dataclasses

    from casebook.web.app import create_app

    app = create_app(dataclasses.replace(settings, legal_review_days=5), engine=engine)
    html = text(login(app).get("/admin/agencies"))
    assert "按5个工作日计算" in html and "5（默认）" in html and "10（默认）" not in html
