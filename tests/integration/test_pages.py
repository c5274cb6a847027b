"""The pages' sessions, CSRF and acts, through Flask's test client on every backend (the browser journeys are in e2e)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from casebook.db import models as m

PASSWORD = "casebook-demo-2026"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _login(client, username="zhangwei"):
    token = _csrf(client.get("/login").get_data(as_text=True))
    r = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302, r.get_data(as_text=True)
    return r


def _tokens(sessions) -> int:
    with sessions() as s:
        return s.execute(select(func.count()).select_from(m.ApiToken)).scalar_one()


def test_the_root_opens_on_the_login_page_and_lists_no_demo_accounts_outside_the_embedded_mode(client):
    r = client.get("/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/login")
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "演示账号" not in html


def test_a_login_issues_a_token_in_an_httponly_lax_cookie_and_logout_deletes_it(client, sessions):
    before = _tokens(sessions)
    r = _login(client)
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert _tokens(sessions) == before + 1
    page = client.get("/work/cases")
    assert page.status_code == 200 and "我的案件" in page.get_data(as_text=True) and "本机关案件" in page.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": _csrf(page.get_data(as_text=True))})
    assert _tokens(sessions) == before
    assert client.get("/work/cases").status_code == 302


def test_the_api_neither_reads_nor_writes_the_page_session(client, monkeypatch):
    """The API is bearer-only: a page's session cookie sent along is not even opened (no signature check), the API's
    answer sets no cookie, and the pages still read theirs."""
    from casebook.web.ui import UiSessionInterface

    _login(client)
    opened = []
    real = UiSessionInterface.get_signing_serializer
    monkeypatch.setattr(UiSessionInterface, "get_signing_serializer", lambda self, app: opened.append(1) or real(self, app))
    r = client.get("/api/v1/cases")  # the cookie goes along, no bearer token
    assert r.status_code == 401 and "Set-Cookie" not in r.headers and opened == []
    assert client.get("/api/v1/health").status_code == 200 and opened == []
    page = client.get("/work/cases")
    assert page.status_code == 200 and "我的案件" in page.get_data(as_text=True) and opened
    opened.clear()  # the API explorer is a page under /api/: it resolves the page session as every page does
    assert client.get("/api/docs").status_code == 200 and opened
    from casebook.web.ui import API_PREFIX, PAGES_UNDER_API, UI_PREFIX

    pages_under_api = [r.rule for r in client.application.url_map.iter_rules()
                       if r.rule.startswith(API_PREFIX) and r.endpoint.startswith(UI_PREFIX)]
    assert pages_under_api and all(p.startswith(PAGES_UNDER_API) for p in pages_under_api), pages_under_api


def test_the_session_cookie_is_secure_when_served_over_tls(client):
    token = _csrf(client.get("/login", base_url="https://localhost").get_data(as_text=True))
    r = client.post("/login", data={"username": "zhangwei", "password": PASSWORD, "csrf_token": token},
                    base_url="https://localhost", headers={"Referer": "https://localhost/login"})
    assert "Secure" in r.headers["Set-Cookie"]


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(client, sessions):
    before = _tokens(sessions)
    r = client.post("/login", data={"username": "zhangwei", "password": PASSWORD})
    assert r.status_code == 302 and _tokens(sessions) == before
    _login(client)
    with sessions() as s:
        cases_before = s.execute(select(func.count()).select_from(m.Case)).scalar_one()
    r = client.post("/work/leads/new", data={"source": "complaint", "cause": "无令牌", "discovered_on": "2026-03-02"})
    assert r.status_code == 302
    with sessions() as s:
        assert s.execute(select(func.count()).select_from(m.Case)).scalar_one() == cases_before


def test_a_wrong_password_is_told_in_chinese_and_issues_nothing(client, sessions):
    before = _tokens(sessions)
    token = _csrf(client.get("/login").get_data(as_text=True))
    r = client.post("/login", data={"username": "zhangwei", "password": "wrong-password", "csrf_token": token})
    assert r.status_code == 401 and "用户名或密码错误" in r.get_data(as_text=True)
    assert _tokens(sessions) == before


def test_a_password_change_refused_says_why_beside_its_field_and_changes_nothing(client, sessions):
    _login(client)
    page = client.get("/password").get_data(as_text=True)
    with sessions() as s:
        hash_before = s.execute(select(m.User.password_hash).where(m.User.username == "zhangwei")).scalar_one()

    def change(current, new, again):
        r = client.post("/password", data={"csrf_token": _csrf(page), "current_password": current, "new_password": new,
                                           "confirm_password": again})
        return r.status_code, r.get_data(as_text=True)
    for (current, new, again), field, message in (
            (("wrong-password-9", "Casebook-new-2026", "Casebook-new-2026"), "current_password", "当前密码不正确"),
            ((PASSWORD, "Casebook-new-2026", "Casebook-new-2027"), "confirm_password", "两次输入的密码不一致"),
            ((PASSWORD, "short", "short"), "new_password", "")):
        status, html = change(current, new, again)
        err = re.search(rf'<p class="err" id="{field}-err">([^<]+)</p>', html)
        assert status == 422 and err and message in err.group(1), (field, html[html.find("<main"):][:1500])
        assert f'id="{field}" name="{field}"' in html and 'aria-invalid="true"' in html
    with sessions() as s:
        assert s.execute(select(m.User.password_hash).where(m.User.username == "zhangwei")).scalar_one() == hash_before
    status, _ = change(PASSWORD, "Casebook-new-2026", "Casebook-new-2026")
    assert status == 302
    with sessions() as s:
        assert s.execute(select(m.User.password_hash).where(m.User.username == "zhangwei")).scalar_one() != hash_before


def _page_token(client) -> str:
    with client.session_transaction() as sess:
        return sess["token"]


def _age_token(sessions, token: str, minutes: int) -> None:
    import datetime as dt

    from sqlalchemy import update

    from casebook.services.users import hash_token

    with sessions() as s, s.begin():
        s.execute(update(m.ApiToken).where(m.ApiToken.token_hash == hash_token(token))
                  .values(last_used_at=m.utcnow() - dt.timedelta(minutes=minutes)))


def test_an_idle_session_is_refused_by_the_pages_exactly_like_the_api_token_and_the_token_is_deleted(client, sessions):
    """One idle rule (CASEBOOK_TOKEN_IDLE_MINUTES, default 60) for a page login and a bearer token: the same token."""
    _login(client)
    token = _page_token(client)
    bearer = {"Authorization": f"Bearer {token}"}
    _age_token(sessions, token, 59)  # used 59 minutes ago: alive for both
    assert client.get("/work/cases").status_code == 200
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    _age_token(sessions, token, 61)  # 61 minutes idle: refused by both
    assert client.get("/api/v1/me", headers=bearer).status_code == 401
    before = _tokens(sessions)
    r = client.get("/work/cases")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert _tokens(sessions) == before - 1  # the dead token is deleted with the session
    assert "登录状态已过期，请重新登录" in client.get("/login").get_data(as_text=True)


def test_a_page_view_counts_as_a_use_so_an_active_page_session_outlives_the_idle_timeout(client, sessions):
    _login(client)
    token = _page_token(client)
    _age_token(sessions, token, 50)
    assert client.get("/work/cases").status_code == 200  # refreshes the token's last use (at most once a minute)
    from casebook.services.users import hash_token

    with sessions() as s:
        last = s.execute(select(m.ApiToken.last_used_at).where(m.ApiToken.token_hash == hash_token(token))).scalar_one()
    assert (m.utcnow() - last).total_seconds() < 60


def test_a_revoked_token_or_a_deactivated_user_ends_the_page_session(client, sessions, api):
    _login(client, "wangfang")
    assert client.get("/work/cases").status_code == 200
    uid = api.user_id("wangfang")
    r = api.c.patch(f"/api/v1/users/{uid}", json={"active": False}, headers=api.h("admin"))
    assert r.status_code == 200, r.get_json()
    r = client.get("/work/cases")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    api.c.patch(f"/api/v1/users/{uid}", json={"active": True}, headers=api.h("admin"))
    _login(client, "wangfang")
    assert client.get("/work/cases").status_code == 200
    assert api.c.delete(f"/api/v1/users/{uid}/tokens", headers=api.h("admin")).status_code == 200
    r = client.get("/work/cases")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_a_refused_act_shows_every_reason_with_its_article_keeps_the_input_and_changes_nothing(client, sessions):
    _login(client)
    page = client.get("/work/leads/new").get_data(as_text=True)
    with sessions() as s:
        party = s.execute(select(m.Party.id).order_by(m.Party.id)).scalars().first()
        zhang = s.execute(select(m.User.id).where(m.User.username == "zhangwei")).scalar_one()
    r = client.post("/work/leads/new", data={"csrf_token": _csrf(page), "source": "complaint", "cause": "涉嫌销售过期食品",
                                             "discovered_on": "2026-03-02", "party_id": str(party)})
    cid = int(r.headers["Location"].rsplit("/", 1)[1])
    client.post("/logout", data={"csrf_token": _csrf(client.get("/work/cases").get_data(as_text=True))})
    _login(client, "zhaomin")
    page = client.get(f"/cases/{cid}?tab=acts").get_data(as_text=True)
    r = client.post(f"/cases/{cid}/acts/file", data={"csrf_token": _csrf(page), "version": "1", "filed_on": "2026-03-03",
                                                    "officer_ids": [str(zhang)], "opinion": "同意立案"})
    html = r.get_data(as_text=True)
    assert r.status_code == 409
    assert "执法人员不得少于两人" in html and "行政处罚法第四十二条" in html
    assert "同意立案</textarea>" in html and f'value="{zhang}" checked' in html
    with sessions() as s:
        case = s.get(m.Case, cid)
        assert case.stage == "lead" and case.version == 1


def test_a_stale_version_is_told_plainly_and_changes_nothing(client, sessions, api):
    cid = api.lead()
    _login(client)
    page = client.get(f"/cases/{cid}?tab=acts").get_data(as_text=True)
    r = client.post(f"/cases/{cid}/acts/update_lead", data={"csrf_token": _csrf(page), "version": "99", "cause": "改过的案由"})
    assert r.status_code == 409 and "本案已被他人修改" in r.get_data(as_text=True)
    with sessions() as s:
        assert s.get(m.Case, cid).cause != "改过的案由"


def test_the_api_stays_bearer_only_and_needs_no_csrf_token(api):
    cid = api.lead()
    assert api.get(f"/api/v1/cases/{cid}").status_code == 200


def test_another_agencys_case_page_is_not_found(client, api):
    cid = api.lead()
    _login(client, "zhouhua")
    r = client.get(f"/cases/{cid}")
    assert r.status_code == 404 and "访问资源不存在" in r.get_data(as_text=True)


def test_issuing_a_document_from_the_case_page_asks_for_what_the_record_lacks_then_shows_its_progress(client, api, sessions):
    cid = api.filed_case()
    _login(client)
    page = client.get(f"/cases/{cid}?tab=documents").get_data(as_text=True)
    assert "立案审批表" in page
    r = client.post(f"/cases/{cid}/documents", data={"csrf_token": _csrf(page), "doc_type": "filing_approval"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "请在 fields 中提供：summary" in html and 'name="f.summary"' in html
    r = client.post(f"/cases/{cid}/documents", data={"csrf_token": _csrf(page), "doc_type": "filing_approval",
                                                     "f.summary": "群众投诉，经核查，当事人涉嫌销售过期食品"})
    assert r.status_code == 302
    html = client.get(f"/cases/{cid}?tab=documents").get_data(as_text=True)
    assert "文书已提交生成" in html and "正在生成" in html and 'hx-trigger="every 2s"' in html
    with sessions() as s:
        doc = s.execute(select(m.Document).where(m.Document.case_id == cid)).scalar_one()
    progress = client.get(f"/cases/documents/{doc.id}/progress")
    assert progress.status_code == 200 and "正在生成" in progress.get_data(as_text=True)


def test_a_document_preview_is_a_pdf_marked_preview_and_issues_nothing(client, api, sessions):
    cid = api.filed_case()
    _login(client)
    page = client.get(f"/cases/{cid}?tab=documents").get_data(as_text=True)
    r = client.post(f"/cases/{cid}/documents", data={"csrf_token": _csrf(page), "doc_type": "filing_approval", "preview": "1",
                                                     "f.summary": "群众投诉，经核查，当事人涉嫌销售过期食品"})
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data.startswith(b"%PDF")
    with sessions() as s:
        assert s.execute(select(func.count()).select_from(m.Document).where(m.Document.case_id == cid)).scalar_one() == 0


def test_an_on_the_spot_fine_over_the_summary_limit_is_refused_with_its_article_and_nothing_is_made(client, sessions):
    _login(client)
    page = client.get("/work/summary/new").get_data(as_text=True)
    # 第五十一条: on the spot only a warning or a fine, so the form offers just those two kinds
    assert re.findall(r'name="penalty_kinds" value="(\w+)"', page) == ["warning", "fine"]
    with sessions() as s:
        person = s.execute(select(m.Party.id).where(m.Party.kind == "person")).scalars().first()
        ids = [str(i) for i in s.execute(select(m.User.id).where(m.User.username.in_(("zhangwei", "liqiang")))).scalars()]
        before = s.execute(select(func.count()).select_from(m.Case)).scalar_one()
    form = {"csrf_token": _csrf(page), "party_id": str(person), "form_no": "SD202600002", "decided_on": "2026-03-02",
            "place": "集市", "cause": "占道经营", "facts_text": "当事人占道经营", "penalty_kinds": ["fine"], "fine_amount": "500.00",
            "basis": "《城市市容和环境卫生管理条例》第三十六条", "officer_ids": ids, "party_signed": "true"}
    r = client.post("/work/summary/new", data=form)
    html = r.get_data(as_text=True)
    assert r.status_code == 409 and "第五十一条" in html and 'value="500.00"' in html
    with sessions() as s:
        assert s.execute(select(func.count()).select_from(m.Case)).scalar_one() == before
    r = client.post("/work/summary/new", data={**form, "fine_amount": "100.00"})
    assert r.status_code == 302 and "/cases/" in r.headers["Location"]
    # the case page names it by its 决定书 number (简易程序 has no 案号) and its progress has no 立案, 调查 or 审核
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert '<h1 id="case-title">当场处罚决定书 SD202600002 ' in page
    steps = page[page.index('aria-label="办案进度"'):page.index("</ol>", page.index('aria-label="办案进度"'))]
    assert re.findall(r"</span>(\w+)", steps) == ["当场作出决定", "送达", "执行", "结案"] and 'aria-current="step"' in steps


def test_a_head_extends_a_legal_review_deadline_from_the_case_page_and_an_officer_may_not(client, api, sessions):
    cid = api.noticed_case()
    api.submit_review(cid)
    with sessions() as s:
        d = s.execute(select(m.Deadline).where(m.Deadline.case_id == cid, m.Deadline.kind == "legal_review")).scalar_one()
        due_before = d.due_on
    _login(client)
    page = client.get(f"/cases/{cid}?tab=basic").get_data(as_text=True)
    assert f"/deadlines/{d.id}/extend" not in page  # officers see no extension form
    r = client.post(f"/cases/{cid}/deadlines/{d.id}/extend", data={"csrf_token": _csrf(page), "days": "5", "reason": "案情复杂"})
    assert r.status_code == 403 and "延长期限须经负责人批准" in r.get_data(as_text=True)  # a refusal, not a form error
    client.post("/logout", data={"csrf_token": _csrf(page)})
    _login(client, "zhaomin")
    page = client.get(f"/cases/{cid}?tab=basic").get_data(as_text=True)
    assert f"/deadlines/{d.id}/extend" in page
    r = client.post(f"/cases/{cid}/deadlines/{d.id}/extend", data={"csrf_token": _csrf(page), "days": "5", "reason": "案情复杂"})
    assert "期限已延长" in client.get(r.headers["Location"]).get_data(as_text=True)
    with sessions() as s:
        d = s.get(m.Deadline, d.id)
        assert d.extended_days == 5 and d.due_on > due_before


def test_the_rule_results_follow_what_is_typed_in_the_proposal_form_and_write_nothing(client, api, sessions):
    from casebook.seed import CATALOGUE_DIR
    from casebook.services import catalogue as cat

    with sessions() as s, s.begin():
        cat.seed_directory(s, CATALOGUE_DIR)
    cat.invalidate()
    try:
        cid = api.filed_case()
        api.act(cid, "start_investigation")
        api.evidence(cid)
        api.act(cid, "update_facts", {"goods_value": "3000.00", "illegal_gains": "500.00", "circumstances": ["first_offence"],
                                      "violations": [{"code": "SP-124-1-5", "description": "经营超过保质期的食品"}]})
        api.confirm_all(cid)  # 会签
        api.act(cid, "close_investigation", {"report": "事实清楚"})
        version = api.get(f"/api/v1/cases/{cid}").get_json()["version"]
        _login(client)
        page = client.get(f"/cases/{cid}?tab=acts").get_data(as_text=True)
        assert f"/cases/{cid}/rules/propose_penalty" in page
        low = client.post(f"/cases/{cid}/rules/propose_penalty", data={
            "csrf_token": _csrf(page), "kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": "1.00"}).get_data(as_text=True)
        high = client.post(f"/cases/{cid}/rules/propose_penalty", data={
            "csrf_token": _csrf(page), "kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": "10000000.00"}).get_data(as_text=True)
        assert "SP-124-1-5" in low and "阶次" in low
        assert "低于法定下限" in low or "减轻处罚" in low
        assert "超过法定上限" in high
        assert api.get(f"/api/v1/cases/{cid}").get_json()["version"] == version
    finally:
        cat.invalidate()


def test_an_officer_adds_a_new_party_and_the_lead_form_opens_with_it_chosen(client, api, sessions):
    _login(client)
    page = client.get("/work/parties/new").get_data(as_text=True)
    assert "当事人类别" in page and "证件号码" in page
    # 行政处罚法 第三十条: the document type (a select generated from the schema) and the birth date
    assert '<option value="passport"' in page and "护照" in page and 'type="date"' in page and "出生日期" in page
    token = _csrf(page)
    bad = client.post("/work/parties/new", data={"csrf_token": token, "kind": "person", "name": "Anna Schmidt",
                                                 "id_kind": "passport", "id_number": "E12#45"})
    assert bad.status_code == 422 and "护照号码格式错误" in bad.get_data(as_text=True)
    r = client.post("/work/parties/new", data={"csrf_token": token, "kind": "person", "name": "Anna Schmidt",
                                               "id_kind": "passport", "id_number": "E12345678", "birth_date": "2009-06-30"})
    assert r.status_code == 302, r.get_data(as_text=True)
    with sessions() as s:
        p = s.execute(select(m.Party).where(m.Party.id_number == "E12345678")).scalar_one()
        assert (p.id_kind, p.birth_date.isoformat()) == ("passport", "2009-06-30")
    bad = client.post("/work/parties/new", data={"csrf_token": token, "kind": "person", "name": "韩梅梅",
                                                 "id_number": "370406199001011238"})  # a wrong check digit
    assert bad.status_code == 422 and "身份证" in bad.get_data(as_text=True)
    r = client.post("/work/parties/new", data={"csrf_token": token, "kind": "person", "name": "韩梅梅",
                                               "id_number": "370406199001011233", "phone": "13561079342"})
    assert r.status_code == 302 and "/work/leads/new?party_id=" in r.headers["Location"]
    lead = client.get(r.headers["Location"]).get_data(as_text=True)
    assert re.search(r'<option value="\d+" selected>韩梅梅', lead)


def test_the_login_page_is_throttled_like_the_api_and_says_how_long_to_wait(client):
    """Issue 11's sign-in rules hold for the pages: after the free failures the page answers 429 with Retry-After."""
    statuses = []
    for _ in range(8):
        token = _csrf(client.get("/login").get_data(as_text=True))
        r = client.post("/login", data={"username": "zhangwei", "password": "wrong-password-1", "csrf_token": token})
        statuses.append(r.status_code)
    assert statuses[0] == 401 and statuses[-1] == 429, statuses
    assert int(r.headers["Retry-After"]) >= 1
    assert "请" in r.get_data(as_text=True)  # a Chinese message on the page, not a JSON body
    # the right password is refused too while the back-off runs (nothing is checked then)
    token = _csrf(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"username": "zhangwei", "password": PASSWORD, "csrf_token": token}).status_code == 429


def _refused_sections(html: str) -> dict[str, list[str]]:
    """The acts tab's refused acts by where they stand: "next" (the list in view under the heading) and each folded
    group by its id ("refused-referral", …), each a list of the acts' labels in order; plus each group's summary."""
    from html.parser import HTMLParser

    class P(HTMLParser):
        def __init__(self):
            super().__init__()
            self.where, self.out, self.depth, self.in_strong, self.summary = None, {}, 0, False, None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "h2":
                self.where = None
            if a.get("id") == "refused-h":
                self.where = "next"
            if tag == "details" and a.get("class") == "refused-group":
                self.where = a["id"]
            if tag == "summary" and self.where and self.where.startswith("refused-"):
                self.summary = self.where
            if tag == "ul" and a.get("class") == "refused" and self.where:
                self.out.setdefault(self.where, [])
                self.depth = 1
            elif tag == "ul" and self.depth:
                self.depth += 1
            if tag == "strong" and self.depth == 1:
                self.in_strong = True

        def handle_endtag(self, tag):
            if tag == "ul" and self.depth:
                self.depth -= 1
            if tag == "strong":
                self.in_strong = False
            if tag == "summary":
                self.summary = None
            if tag == "section":
                self.where = None

        def handle_data(self, data):
            if self.in_strong and self.where:
                self.out[self.where].append(data.strip())
            if self.summary:
                self.out.setdefault(self.summary + ":summary", []).append(data)

    p = P()
    p.feed(html)
    return {k: ("".join(v) if k.endswith(":summary") else v) for k, v in p.out.items()}


def test_the_refused_acts_keep_the_next_steps_in_view_and_fold_the_referral_track_and_other_roles_acts(client, api):
    """On a case under investigation the officer sees why the investigation cannot close yet; the 行刑衔接 acts
    (国务院令第310号) and the acts only an agency head may take are folded under headings that say how many they hold."""
    from casebook.services.acts import ACTS

    cid = api.filed_case()
    api.act(cid, "start_investigation", {"note": "开始调查"})
    _login(client)
    html = client.get(f"/cases/{cid}?tab=acts").get_data(as_text=True)
    got = _refused_sections(html)
    assert got["next"] == ["调查终结"]
    assert "尚未登记任何证据" in html
    referral = [a.label for a in ACTS.values() if a.event.startswith("referral.") and "investigating" in a.from_stages
                and a.code != "form_referral_team"]  # forming the team is open to the case officer
    assert got["refused-referral"] == referral and len(referral) >= 10
    assert got["refused-referral:summary"] == f"涉嫌犯罪案件移送（行刑衔接）（{len(referral)}项）"
    assert got["refused-other_roles"] == ["中止", "终止"]
    assert got["refused-other_roles:summary"] == "须由其他人员办理（2项）"
    assert '<details class="refused-group" id="refused-referral">' in html  # folded: no `open`

    # The agency head may suspend and terminate: nothing is another role's, so that fold is not shown at all.
    client.post("/logout", data={"csrf_token": _csrf(html)})
    _login(client, "zhaomin")
    got = _refused_sections(client.get(f"/cases/{cid}?tab=acts").get_data(as_text=True))
    assert "refused-other_roles" not in got
    assert "调查终结" in got["next"]

    # Once a referral is under way its track is the case's next step: the fold is shown open, and the act whose turn
    # has come but which something else stops (the transfer, approved, while the 移送材料 are incomplete) is in view.
    api.act(cid, "form_referral_team", {"formed_on": "2026-03-06", "officer_ids": api.officers()})
    html = client.get(f"/cases/{cid}?tab=acts").get_data(as_text=True)
    assert '<details class="refused-group" id="refused-referral" open>' in html
    assert "负责人批准移送" in _refused_sections(html)["refused-referral"]
    api.act(cid, "submit_referral_report", {"reported_on": "2026-03-07", "report": "涉嫌销售伪劣产品罪"})
    api.act(cid, "approve_referral", {"decided_on": "2026-03-08", "approved_at": "2026-03-08T09:00:00+08:00"},
            who="zhaomin")
    html = client.get(f"/cases/{cid}?tab=acts").get_data(as_text=True)
    got = _refused_sections(html)
    assert got["next"] == ["调查终结", "向公安机关移送（抄送检察院）"] and "移送材料不全" in html
    assert "向公安机关移送（抄送检察院）" not in got["refused-referral"]
    assert "记录公安机关签收回执" in got["refused-referral"]  # its step has not come


def test_a_reader_who_cannot_act_on_the_case_is_told_so_once_instead_of_every_act_refused(client, api):
    """The district's supervisor reads the department's cases but takes no act on them (acts stay in the case's own
    agency, and no act is a supervisor's): the acts tab says so in one line, not every act refused."""
    cid = api.filed_case()
    _login(client, "wujing")
    r = client.get(f"/cases/{cid}?tab=acts")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "本案不属于您所在的执法机关，您可以查阅，不能办理。" in html
    assert "暂不能办理的操作及原因" not in html and 'class="refused' not in html and "调查终结" not in html
    # an officer of the case's own agency still sees what stops the next step
    client.post("/logout", data={"csrf_token": _csrf(html)})
    _login(client, "wangfang")
    html = client.get(f"/cases/{cid}?tab=acts").get_data(as_text=True)
    assert "暂不能办理的操作及原因" in html and "您可以查阅，不能办理" not in html


def test_a_role_no_act_declares_reads_its_own_agencys_cases_without_acts():
    from types import SimpleNamespace

    from casebook.services.context import Actor
    from casebook.web.ui.case import read_only

    case = SimpleNamespace(agency_id=5)
    supervisor = Actor(1, "s", frozenset({"supervisor"}), 5, frozenset({5}))
    assert read_only(supervisor, case) == "您的角色（监督人员）不办理案件，您可以查阅本案。"
    officer = Actor(2, "o", frozenset({"officer"}), 5, frozenset({5}))
    assert read_only(officer, case) is None
    assert read_only(officer, SimpleNamespace(agency_id=6)) == "本案不属于您所在的执法机关，您可以查阅，不能办理。"


def test_the_approvals_list_is_the_heads_own_and_the_supervisors_to_read(client):
    """待我审批 ("awaiting my approval") names the head's list; the district's supervisor, who approves nothing, reads
    the same list as 待审批事项 — in the menu, the title and the heading."""
    _login(client, "zhaomin")
    html = client.get("/head/approvals").get_data(as_text=True)
    assert "<h1>待我审批</h1>" in html and "<title>待我审批" in html and ">待我审批</a>" in html
    client.post("/logout", data={"csrf_token": _csrf(html)})
    _login(client, "wujing")
    html = client.get("/head/approvals").get_data(as_text=True)
    assert "<h1>待审批事项</h1>" in html and ">待审批事项</a>" in html and "待我审批" not in html
