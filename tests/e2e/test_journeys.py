"""One journey per role, in a real browser, every act through the form generated from its declaration."""

from __future__ import annotations

import datetime as dt
import io
import re

from playwright.sync_api import expect


def submit(box) -> None:
    """Submit an act's form; a legal act first asks 「系统提示」 (a <dialog>) and goes on with 确定."""
    box.locator("button[type=submit]").click()
    dialog = box.page.locator("dialog.confirm[open]")
    if dialog.count():
        expect(dialog).to_contain_text("确定提交吗")
        dialog.get_by_role("button", name="确定").click()


def _open(j, label: str):
    """The act's form on the case page, opened (its <details> summary starts with the act's label)."""
    s = j.page.locator("summary").filter(has_text=re.compile("^" + re.escape(label) + "(依据|$)"))
    box = j.page.locator("details.act").filter(has=s)
    expect(box).to_have_count(1)
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    return box


def _do(j, label: str, fill=None, shot: str | None = None):
    box = _open(j, label)
    if fill:
        fill(box)
    j.check(f"form-{shot or label}")
    submit(box)
    j.page.wait_for_load_state()
    expect(j.page.locator(".toast-success")).to_contain_text(label)
    return j.check(f"done-{shot or label}")


def _case_id(j) -> int:
    return int(re.search(r"/cases/(\d+)", j.page.url).group(1))


def _photo() -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 240), (200, 220, 240))
    d = ImageDraw.Draw(img)
    d.rectangle((40, 60, 280, 200), fill=(180, 60, 40))
    buf = io.BytesIO()
    img.save(buf, "JPEG")
    return buf.getvalue()


def test_an_officer_takes_a_lead_to_a_decision_and_a_refused_filing_shows_its_reasons(journey):
    off, head = journey("officer-zhangwei"), journey("officer-head-zhaomin")
    off.login("zhangwei")
    p = off.goto("/work/leads/new")
    p.select_option("#lead-source", "complaint")
    p.fill("#lead-cause", "涉嫌销售无中文标签的进口食品")
    p.select_option("#lead-party_id", index=1)
    p.fill("#lead-facts_text", "群众举报：某公司销售的进口饼干无中文标签。")
    off.check("lead-filled")
    p.click("#main form.form-grid button[type=submit]")
    p.wait_for_load_state()
    expect(p.locator(".toast-success")).to_contain_text("新增成功")
    off.check("lead-registered")
    cid = _case_id(off)

    # The head files it: first naming one officer only — refused, with the article, nothing changed.
    head.login("zhaomin")
    h = head.goto(f"/cases/{cid}?tab=acts")
    box = _open(head, "立案")
    box.get_by_label("张伟").check()
    box.locator("[name=opinion]").fill("同意立案，由张伟主办")
    head.check("file-one-officer")
    box.locator("button[type=submit]").click()
    dialog = h.locator("dialog.confirm[open]")  # 「系统提示」: the legal act states what it commits to
    expect(dialog).to_contain_text("案件将进入“已立案”阶段")
    head.check("file-confirm-dialog")
    dialog.get_by_role("button", name="确定").click()
    h.wait_for_load_state()
    alert = h.locator("#refusal")
    expect(alert).to_contain_text("执法人员不得少于两人")
    expect(alert).to_contain_text("第四十二条")
    expect(h.locator(".case-head .tag").first).to_have_text("案源登记")
    box = _open(head, "立案")
    expect(box.get_by_label("张伟")).to_be_checked()  # what was typed is kept
    expect(box.locator("[name=opinion]")).to_have_value("同意立案，由张伟主办")
    head.check("file-refused")
    box.get_by_label("李强").check()
    submit(box)
    h.wait_for_load_state()
    expect(h.locator(".toast-success")).to_contain_text("立案")
    expect(h.locator(".case-head h1")).to_contain_text("立〔")
    head.check("filed")

    # The officer investigates, every act through its form.
    off.goto(f"/cases/{cid}?tab=acts")
    _do(off, "开始调查", lambda b: b.locator("[name=note]").fill("已指派承办人员"))
    # What stops the next step stays in view; the 行刑衔接 track is folded under a count, opened from the keyboard.
    refused = off.page.locator("ul.refused[aria-labelledby=refused-h]")
    expect(refused).to_contain_text("调查终结")
    expect(refused).not_to_contain_text("负责人批准移送")
    fold = off.page.locator("details#refused-referral")
    expect(fold.locator("summary")).to_have_text(re.compile(r"^涉嫌犯罪案件移送（行刑衔接）（\d+项）$"))
    expect(fold.get_by_text("负责人批准移送", exact=True)).to_be_hidden()
    fold.locator("summary").focus()
    off.page.keyboard.press("Enter")
    expect(fold.get_by_text("负责人批准移送", exact=True)).to_be_visible()
    off.check("refused-referral-open")

    def inspection(b):
        b.locator("[name=kind]").select_option("on_site_inspection")
        b.locator("[name=place]").fill("山亭区府前路88号")
        b.locator("[name=summary]").fill("现场检查，发现无中文标签的进口饼干36盒")
    _do(off, "记录调查取证活动", inspection)

    def evidence(b):
        b.locator("[name=kind]").select_option("physical")
        b.locator("[name=title]").fill("涉案饼干照片")
        b.locator("input[type=file]").set_input_files({"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": _photo()})
    _do(off, "登记证据", evidence)
    off.goto(f"/cases/{cid}?tab=acts")
    # 会签: until 李强, named beside 张伟, confirms the 笔录 and the evidence, the investigation cannot close on them.
    expect(off.page.locator("#main")).to_contain_text("尚待同行执法人员确认")
    off.check("awaiting-confirmation")
    peer = journey("officer-peer-liqiang")
    peer.login("liqiang")
    # 李强 finds them from 待办: the acts waiting for his confirmation head 我的期限, each with its link
    peer.page.locator("a.todo").click()
    peer.page.wait_for_load_state()
    waiting = peer.page.locator("table", has=peer.page.locator("caption", has_text="待我确认的执法行为"))
    expect(waiting).to_contain_text("记录调查取证活动")
    expect(waiting).to_contain_text("登记证据")
    peer.check("todo-confirmations")
    for _ in range(2):
        peer.goto(f"/cases/{cid}?tab=acts")

        def confirm(b):
            value = b.locator("[name=act_id] option:not([value=''])").first.get_attribute("value")
            b.locator("[name=act_id]").select_option(value)
            b.locator("[name=note]").fill("核对无误")
        _do(peer, "确认执法行为（会签）", confirm)
    off.goto(f"/cases/{cid}?tab=acts")

    def facts(b):
        b.locator("[name=goods_value]").fill("1080.00")
        b.locator("[name=illegal_gains]").fill("200.00")
        # 行政处罚法 第三十六条: when the act happened, as the investigation established it (a penalty needs it)
        b.locator("[name=act_started_on]").fill((dt.date.today() - dt.timedelta(days=20)).isoformat())
        b.locator("[name='violations.0.description']").fill("销售无中文标签的进口预包装食品")
        b.get_by_label("初次违法").check()
    _do(off, "更新案件事实", facts)
    _do(off, "调查终结", lambda b: b.locator("[name=report]").fill("事实清楚，证据确凿，建议给予警告并罚款三千元"))

    def propose(b):
        b.locator("[name=kind]").select_option("penalty")
        b.get_by_label("警告").check()
        b.get_by_label("罚款", exact=True).check()
        b.get_by_label("没收违法所得", exact=True).check()  # proposed as decided: the notice states it (第四十四条)
        b.locator("[name=fine_amount]").fill("3000.00")
        b.locator("[name=basis]").fill("《中华人民共和国食品安全法》第一百二十五条")
        expect(b.locator("#rules-propose_penalty")).to_contain_text("规则检查")  # the rule results follow the typing
    _do(off, "拟定处理意见", propose)
    _do(off, "送达行政处罚事先告知书", lambda b: b.locator("[name=method]").select_option("direct"))
    _do(off, "记录当事人书面放弃陈述申辩和听证",
        lambda b: b.locator("[name=note]").fill("当事人书面声明放弃陈述、申辩和听证"), shot="waiver")

    # The head decides.
    head.goto(f"/cases/{cid}?tab=acts")

    def decide(b):
        b.locator("[name=kind]").select_option("penalty")
        b.get_by_label("警告").check()
        b.get_by_label("罚款", exact=True).check()
        b.get_by_label("没收违法所得", exact=True).check()  # the 违法所得 the facts record (行政处罚法 第二十八条第二款)
        b.locator("[name=fine_amount]").fill("3000.00")
        b.locator("[name=basis]").fill("《中华人民共和国食品安全法》第一百二十五条")
    _do(head, "作出处理决定", decide)
    expect(head.page.locator(".case-head .tag").first).to_have_text("已决定")
    # The worker runs beside the app (as under `casebook serve`): after the decision it drafts the 公示 record and
    # plans the deadlines, and the timeline names those system entries in Chinese too.
    for _ in range(40):
        t = head.goto(f"/cases/{cid}?tab=trail")
        if t.locator(".timeline li", has_text="生成公示信息").count():
            break
        t.wait_for_timeout(250)
    decided = t.locator(".timeline li").filter(has=t.locator(".what", has_text=re.compile(r"^作出处理决定$"))).first
    expect(decided).to_contain_text("赵敏（负责人）")
    drafted = t.locator(".timeline li", has_text="生成公示信息（待公示）").first
    expect(drafted).to_contain_text("系统")
    expect(drafted).not_to_contain_text("系统（")
    expect(t.locator(".timeline li", has_text="计算期限：").first).to_be_visible()
    whats = t.locator(".timeline li .what").all_inner_texts()
    assert whats and not [w for w in whats if re.search(r"[a-z]+[._][a-z_]+", w)], whats
    t.click("text=校验本案记录链")
    t.wait_for_load_state()
    expect(t.locator(".toast-success")).to_contain_text("哈希链校验通过")
    head.check("trail-verified")


def test_a_reviewer_returns_a_review_then_approves_the_resubmitted_one(journey):
    rv, off = journey("reviewer-sunli"), journey("reviewer-officer-zhangwei")
    rv.login("sunli")
    q = rv.goto("/reviews")
    row = q.locator("tr", has_text="涉嫌经营腐败变质食品")
    expect(row).to_contain_text("指派给我")
    row.locator("a").first.click()
    q.wait_for_load_state()
    rv.check("review-page")
    cid = int(re.search(r"/reviews/(\d+)", q.url).group(1))
    form = q.locator("form", has=q.locator("[name=opinion_text]"))

    def fill(opinion: str, law_ok: bool, text: str):
        form.locator("[name=opinion]").select_option(opinion)
        for key in ("subject", "procedure", "facts", "law", "authority", "documents", "criminal"):
            ok = law_ok or key != "law"
            form.locator(f"[name='checklist.{key}.ok'][value={'true' if ok else 'false'}]").check()
        if not law_ok:
            form.locator("[name='checklist.law.note']").fill("裁量理由不充分，未说明从轻情节")
        form.locator("[name=opinion_text]").fill(text)
        rv.check(f"review-{opinion}")
        submit(form)
        q.wait_for_load_state()

    fill("returned", False, "经审核，法律适用部分存在问题，退回补充裁量理由。")
    expect(q.locator(".toast-success")).to_contain_text("出具法制审核意见")
    rv.check("returned")

    off.login("zhangwei")
    off.goto(f"/cases/{cid}?tab=acts")

    def resubmit(b):
        b.locator("[name=draft_decision]").fill("拟对当事人罚款二万元（已补充从轻情节的裁量理由）。")
        b.locator("[name=investigation_report]").fill("经调查，当事人经营腐败变质食品，事实清楚，证据确凿；系初次违法。")
    _do(off, "提交法制审核", resubmit)
    # The review's opinion is the legal reviewer's: folded with the other roles' acts, its every reason kept there.
    expect(off.page.locator("ul.refused[aria-labelledby=refused-h]")).not_to_contain_text("出具法制审核意见")
    expect(off.page.locator("details#refused-other_roles")).to_contain_text("须由法制审核人员执行")

    q = rv.goto(f"/reviews/{cid}")
    assign = q.locator("form", has=q.locator("[name=reviewer_id]"))
    assign.locator("[name=reviewer_id]").select_option(label="孙丽")
    submit(assign)
    q.wait_for_load_state()
    rv.check("assigned")
    q = rv.goto(f"/reviews/{cid}")
    form = q.locator("form", has=q.locator("[name=opinion_text]"))
    fill("approved", True, "经审核，主体合法、程序合法、事实清楚、证据充分、法律适用准确，同意。")
    expect(q.locator(".toast-success")).to_contain_text("出具法制审核意见")
    t = rv.goto(f"/cases/{cid}?tab=basic")
    expect(t.locator(".flags")).to_contain_text("审核通过")


def test_a_head_approves_a_filing_and_a_referral_from_the_approvals_list(journey):
    head = journey("head-zhaomin")
    head.login("zhaomin")
    p = head.goto("/head/approvals")
    # Keyboard first: the first Tab reaches the skip link, and focus is visible (an outline, not RuoYi's none).
    p.keyboard.press("Tab")
    assert p.evaluate("() => document.activeElement.textContent.trim()") == "跳到主要内容"
    p.keyboard.press("Tab")
    style = p.evaluate("() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; }")
    assert style[0] != "none" and style[1] != "0px", style
    row = p.locator("tr", has_text="涉嫌销售过期食品").filter(has_text="立案")
    row.locator("a", has_text="办理").click()
    p.wait_for_load_state()
    box = _open(head, "立案")
    box.get_by_label("张伟").check()
    box.get_by_label("王芳").check()
    box.locator("[name=opinion]").fill("同意立案")
    head.check("filing-form")
    submit(box)
    p.wait_for_load_state()
    expect(p.locator(".toast-success")).to_contain_text("立案")
    head.check("filed")

    p = head.goto("/head/referrals")
    expect(p.locator("tr", has_text="涉嫌生产销售伪劣产品")).to_contain_text("专案组已报告")
    p = head.goto("/head/publications")  # 公示管理: the queue with its deadlines (axe runs on it too)
    expect(p.locator("h1")).to_contain_text("公示管理")
    p = head.goto("/head/approvals")
    row = p.locator("tr", has_text="涉嫌生产销售伪劣产品").filter(has_text="移送")
    row.locator("a", has_text="办理").click()
    p.wait_for_load_state()
    _do(head, "负责人批准移送", None, shot="approve-referral")
    # The referral is under way: its track is shown unfolded, and the transfer, whose turn has come, is in view with
    # what it still waits for (the 移送材料).
    fold = head.page.locator("details#refused-referral")
    expect(fold).to_have_attribute("open", "")
    expect(fold).to_contain_text("记录公安机关签收回执")
    in_view = head.page.locator("ul.refused[aria-labelledby=refused-h]")
    expect(in_view).to_contain_text("向公安机关移送（抄送检察院）")
    expect(in_view).to_contain_text("移送材料不全")
    p = head.goto("/head/referrals")
    expect(p.locator("tr", has_text="涉嫌生产销售伪劣产品")).to_contain_text("负责人已批准移送")
    expect(p.locator("tr", has_text="涉嫌生产销售伪劣产品")).to_contain_text("移送公安机关期限")


def test_an_officer_on_a_phone_uploads_a_photo_as_evidence(journey):
    j = journey("phone-zhangwei", viewport=(375, 812), mobile=True)
    j.login("zhangwei")
    p = j.page
    assert p.evaluate("() => document.documentElement.scrollWidth") <= 375  # one column, no sideways scroll
    p.fill("#q", "预包装食品")  # the search goes in the URL (GET)
    p.click("text=搜索")
    p.wait_for_load_state()
    assert "q=" in p.url
    j.check("search-on-phone")
    p.locator("tr", has_text="涉嫌经营标签不符合规定的预包装食品").locator("a").first.click()
    p.wait_for_load_state()
    j.check("case-on-phone")
    p.click("text=证据材料")
    p.wait_for_load_state()
    j.check("evidence-tab")
    p.click("text=登记证据（上传或拍照）")
    p.wait_for_load_state()
    box = _open(j, "登记证据")
    file_input = box.locator("input[type=file]")
    assert file_input.get_attribute("capture") == "environment"
    assert "image/*" in file_input.get_attribute("accept")
    box.locator("[name=kind]").select_option("physical")
    box.locator("[name=title]").fill("手机拍摄的货架照片")
    file_input.set_input_files({"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": _photo()})
    j.check("evidence-form-phone")
    submit(box)
    p.wait_for_load_state()
    expect(p.locator(".toast-success")).to_contain_text("登记证据")
    row = p.locator("tr", has_text="手机拍摄的货架照片")
    expect(row).to_contain_text("物证")
    expect(row.locator("code.hash")).to_have_text(re.compile(r"^[0-9a-f]{16}$"))
    expect(p.locator("img[alt='手机拍摄的货架照片']")).to_be_visible()
    assert p.evaluate("() => document.documentElement.scrollWidth") <= 375
    j.check("evidence-listed-phone")
    p.locator(".tabs a", has_text="办理").click()
    p.wait_for_load_state()
    p.locator("details#refused-referral summary").tap()
    expect(p.locator("details#refused-referral")).to_have_attribute("open", "")
    assert p.evaluate("() => document.documentElement.scrollWidth") <= 375
    j.check("refused-folds-phone")


def test_the_api_explorer_reads_the_openapi_document_from_local_assets_only(journey, server):
    j = journey("api-explorer")
    outside = []
    j.page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server["url"]) else None)
    p = j.page
    p.goto(server["url"] + "/api/docs")
    expect(p.locator(".opblock-tag").first).to_be_visible()
    expect(p.locator("#swagger-ui")).to_contain_text("cases")
    j.check("api-explorer")  # screenshot and axe-core, as every page
    assert outside == []  # nothing from a CDN or the internet


def test_an_officer_on_a_phone_registers_a_party_and_returns_to_the_lead_with_it_chosen(journey):
    j = journey("phone-new-party", viewport=(375, 812), mobile=True)
    j.login("zhangwei")
    p = j.goto("/work/leads/new")
    p.get_by_role("link", name="新增当事人").click()
    p.wait_for_load_state()
    expect(p.get_by_role("heading", name="新增当事人")).to_be_visible()
    p.select_option("#party-kind", "person")
    p.fill("#party-name", "王小明")
    p.fill("#party-id_number", "37040619850312123X")  # a wrong check digit: refused with the standard named
    p.fill("#party-address", "山亭区府前路1号")
    j.check("party-filled-bad-id")
    p.click("#main form.form-grid button[type=submit]")
    p.wait_for_load_state()
    expect(p.locator("#main")).to_contain_text("身份证号校验位错误")
    j.check("party-refused")
    assert p.evaluate("() => document.documentElement.scrollWidth") <= 375  # one column, no sideways scroll
    p.fill("#party-id_number", "370406198503121235")
    p.click("#main form.form-grid button[type=submit]")
    p.wait_for_load_state()
    expect(p.locator(".toast-success")).to_contain_text("新增成功")
    expect(p.get_by_role("heading", name="案源登记")).to_be_visible()
    chosen = p.locator("#lead-party_id option:checked")
    expect(chosen).to_contain_text("王小明")
    j.check("lead-with-new-party")
    assert p.evaluate("() => document.documentElement.scrollWidth") <= 375


def test_a_head_on_a_phone_reads_the_publication_queue(journey):
    j = journey("phone-publications", viewport=(375, 812), mobile=True)
    j.login("zhaomin")
    p = j.goto("/head/publications")
    expect(p.get_by_role("heading", name="公示管理")).to_be_visible()
    assert p.evaluate("() => document.documentElement.scrollWidth") <= 375


def test_an_officer_registers_a_passport_holder_with_a_birth_date(journey):
    """行政处罚法 第三十条: a person without a 身份证号 is registered with the document type and the birth date."""
    j = journey("passport-party")
    j.login("zhangwei")
    p = j.goto("/work/parties/new")
    p.select_option("#party-kind", "person")
    p.fill("#party-name", "Anna Schmidt")
    p.select_option("#party-id_kind", "passport")
    p.fill("#party-id_number", "C01X00T47")
    j.check("passport-without-birth-date")
    p.fill("#party-birth_date", "2009-06-30")
    j.check("passport-filled")
    p.click("#main form.form-grid button[type=submit]")
    p.wait_for_load_state()
    expect(p.locator(".toast-success")).to_contain_text("新增成功")
    expect(p.locator("#lead-party_id option:checked")).to_contain_text("Anna Schmidt")
    j.check("lead-with-passport-holder")


def test_an_officer_records_a_reconsideration_and_its_end_on_a_fine_in_execution(journey):
    """行政处罚法 第七十三条 in the browser: the 复议 filed from the case page's own form, the surcharge pause shown on
    the payment deadline, the conclusion entered from the fold where it waited. At 1366 px and on a phone."""
    j = journey("remedy-zhangwei")
    j.login("zhangwei")
    p = j.page
    p.fill("#q", "使用超过保质期的食品原料")
    p.click("text=搜索")
    p.wait_for_load_state()
    p.locator("tr", has_text="涉嫌使用超过保质期的食品原料").locator("a").first.click()
    p.wait_for_load_state()
    case_id = _case_id(j)
    p = j.goto(f"/cases/{case_id}?tab=acts")
    # Before any 复议, the conclusion waits in its own fold, with the reason
    fold = p.locator("details#refused-remedy")
    expect(fold).to_contain_text("记录行政复议或者行政诉讼终结")
    today = dt.date.today().isoformat()

    def filed(box):
        box.locator("[name=kind]").select_option("reconsideration")
        box.locator("[name=filed_on]").fill(today)
        box.locator("[name=authority]").fill("枣庄市山亭区人民政府")
        box.locator("[name=remedy_case_no]").fill("山政复〔2026〕12号")

    _do(j, "记录当事人申请行政复议或者提起行政诉讼", filed, shot="remedy-filed")

    def concluded(box):
        box.locator("[name=concluded_on]").fill(today)
        box.locator("[name=outcome]").select_option("upheld")
        box.locator("[name=document_no]").fill("山政复决〔2026〕12号")

    _do(j, "记录行政复议或者行政诉讼终结", concluded, shot="remedy-concluded")
    trail = j.goto(f"/cases/{case_id}?tab=trail")
    expect(trail.locator("main")).to_contain_text("记录行政复议或者行政诉讼终结")

    phone = journey("remedy-phone", viewport=(375, 812), mobile=True)
    phone.login("zhangwei")
    pp = phone.goto(f"/cases/{case_id}?tab=acts")
    assert pp.evaluate("() => document.documentElement.scrollWidth") <= 375
    _open(phone, "记录当事人申请行政复议或者提起行政诉讼")
    phone.check("remedy-form-on-phone")
