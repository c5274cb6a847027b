"""e2e in chromium, in the field (掌上执法) on a 375 px phone: an officer fines on the spot (简易程序), is refused
over the 第五十一条 limit with its reason and nothing made, then makes the decision; and reads 我的期限, where the
deadlines the worker planned for the new case appear. The deadlines page at 1366 px too. Screenshots under
var/e2e/, axe on every page."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def _menu(page, name: str):
    return page.get_by_role("navigation", name="主菜单").get_by_role("link", name=name, exact=True)


def _fits(page, width: int) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width + 1


def test_an_officer_fines_on_the_spot_on_a_phone_and_reads_the_deadlines_it_set(journey):
    j = journey("field-zhangwei-375", viewport=(375, 812), mobile=True)
    j.login("zhangwei")
    p = j.page
    _menu(p, "当场处罚").click()
    p.wait_for_load_state()
    expect(p.get_by_role("heading", name="当场作出行政处罚决定（简易程序）")).to_be_visible()
    # 第五十一条: a warning or a fine, nothing else to choose
    expect(p.locator("[name=penalty_kinds]")).to_have_count(2)
    j.check("summary-form")
    _fits(p, 375)

    p.select_option("#summary-party_id", p.locator("#summary-party_id option", has_text="韩梅梅").first.get_attribute("value"))
    p.fill("#summary-form_no", "SD202600031")
    p.fill("#summary-place", "山亭区城头镇农贸市场东门")
    p.fill("#summary-cause", "占道经营")
    p.fill("#summary-facts_text", "当事人在农贸市场东门通道摆摊销售水果，妨碍通行，经当场劝阻已改正。")
    p.get_by_label("罚款", exact=True).check()
    p.fill("#summary-fine_amount", "500.00")  # over the 200 yuan a person may be fined on the spot
    p.fill("#summary-basis", "《城市市容和环境卫生管理条例》第三十六条")
    for name in ("张伟", "李强"):
        p.locator("fieldset", has_text="执法人员").get_by_label(name, exact=False).check()
    p.get_by_label("当事人已签收", exact=False).check()
    j.shot("summary-filled")
    p.get_by_role("button", name="确定").click()
    p.wait_for_load_state()
    alert = p.locator(".alert-error").first
    expect(alert).to_contain_text("不能当场作出处罚决定，本次未作任何修改")
    expect(alert).to_contain_text("第五十一条")
    expect(p.locator("#summary-fine_amount")).to_have_value("500.00")  # what was typed stays
    j.check("summary-refused")
    _fits(p, 375)

    p.fill("#summary-fine_amount", "100.00")
    p.get_by_role("button", name="确定").click()
    p.wait_for_load_state()
    expect(p.locator(".case-head .tag").first).to_have_text("已送达")
    expect(p.locator(".case-head")).to_contain_text("简易程序")
    case_url = p.url.split("?")[0]
    j.check("summary-made")
    # 简易程序 is not 立案: the case is named by its 当场处罚决定书 number, here and in the lists
    expect(p.locator(".case-head h1")).to_contain_text("当场处罚决定书 SD202600031")
    _fits(p, 375)

    # 第六十七条: the fine is due within 15 days; the worker plans it once the decision's event arrives
    for _ in range(40):
        p.goto(case_url + "?tab=basic")
        if p.locator("td", has_text="缴纳罚款期限").count():
            break
        p.wait_for_timeout(250)
    expect(p.locator("td", has_text="缴纳罚款期限").first).to_be_visible()
    j.check("summary-case-deadlines")
    _fits(p, 375)

    _menu(p, "我的期限").click()
    p.wait_for_load_state()
    j.check("my-deadlines-375")
    row = p.locator("tr", has_text="SD202600031").filter(has_text="缴纳罚款期限")
    expect(row).to_contain_text("行政处罚法第六十七条")
    expect(row.locator(".tag")).to_contain_text(re.compile(r"剩余\d+天"))

    desk = journey("field-zhangwei-1366")
    desk.login("zhangwei")
    _menu(desk.page, "我的期限").click()
    desk.page.wait_for_load_state()
    rows = desk.page.locator("tbody tr")
    expect(rows.first).not_to_contain_text("暂无数据")
    # nearest due first: the due dates of the table in order (a provisional date is marked, not moved)
    dates = [t.strip()[:10] for t in desk.page.locator("tbody tr td:nth-child(3)").all_inner_texts()]
    assert dates and dates == sorted(dates), dates
    desk.check("my-deadlines-1366")
    _fits(desk.page, 1366)


def test_an_officer_on_a_phone_is_told_why_a_password_change_is_refused_and_keeps_the_old_one(journey):
    j = journey("password-375", viewport=(375, 812), mobile=True)
    j.login("liqiang")
    p = j.page
    p.locator("summary", has_text="李强").click()  # the user menu
    p.get_by_role("link", name="修改密码").click()
    p.wait_for_load_state()
    expect(p.get_by_role("heading", name="修改密码")).to_be_visible()
    j.check("password-form")
    # each refusal beside its field, in Chinese: the confirmation first, then the current password
    for again, field, message, shot in (("Casebook-new-2027", "confirm_password", "两次输入的密码不一致", "password-mismatch"),
                                        ("Casebook-new-2026", "current_password", "当前密码不正确", "password-wrong-old")):
        for name, value in (("current_password", "not-the-password"), ("new_password", "Casebook-new-2026"),
                            ("confirm_password", again)):
            p.fill(f"#{name}", value)
        p.get_by_role("button", name="确定").click()
        p.wait_for_load_state()
        expect(p.locator(f"#{field}-err")).to_have_text(message)
        expect(p.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
        j.check(shot)
        _fits(p, 375)
    # nothing changed: the old password still signs in
    p.context.clear_cookies()
    j.login("liqiang")
    expect(p.locator("summary", has_text="李强")).to_be_visible()
