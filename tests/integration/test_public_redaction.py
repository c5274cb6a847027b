"""What the public sees: the search page's dates in 年月日 form, and phones and addresses masked end to end."""

from __future__ import annotations

import re

from casebook.services.context import local_today
from tests.integration.test_publicity import ADULT_ID, decided, person, pub_of, publish


def _cn(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def test_the_public_search_results_show_dates_as_year_month_day_without_padding(api, sessions):
    cid = decided(api, sessions, decided_on="2026-04-01")
    pub = pub_of(sessions, cid)
    publish(api, pub.id)
    html = api.c.get("/gs/decisions?from=2026-01-01").get_data(as_text=True)
    decided_cells = re.findall(r'data-label="处罚决定日期"[^>]*>([^<]*)<', html)
    published_cells = re.findall(r'data-label="公示日期"[^>]*>([^<]*)<', html)
    assert decided_cells == ["2026年4月1日"]
    assert published_cells == [_cn(local_today())]
    table = html[html.index("<table"):html.index("</table>")]
    assert not re.search(r"\d{4}-\d{2}-\d{2}", table)  # no ISO date left in the results table


def test_landlines_full_width_mobiles_and_home_addresses_are_masked_on_the_public_api_and_pages(api, sessions):
    adult = person(sessions, "韩磊", ADULT_ID)
    facts = ("当事人韩磊，男，住山亭区桑村镇西集村，在其经营场所销售超过保质期的食品。举报人王小明"
             "（联系电话（0632）8812345，手机１３９０６３２９９９９，住幸福小区5号楼2单元501）证实。")
    cid = decided(api, sessions, party_id=adult, facts_text=facts)
    pub = pub_of(sessions, cid)
    api.post(f"/api/v1/publications/{pub.id}/draft", {"third_party_names": ["王小明"]}, who="zhaomin")
    publish(api, pub.id)
    js = api.c.get(f"/api/v1/public/decisions/{pub.id}").get_json()
    html = api.c.get(f"/gs/decisions/{pub.id}").get_data(as_text=True)
    for body in (js["facts"], html):
        for secret in ("8812345", "13906329999", "１３９０６３２９９９９", "西集村", "幸福小区", "501"):
            assert secret not in body, secret
    assert "住山亭区桑村镇****" in js["facts"] and "（0632）*****45" in js["facts"]
    assert "139****9999" in js["facts"]


def test_qq_wechat_email_and_ids_after_letters_are_masked_on_the_public_api_and_pages(api, sessions):
    adult = person(sessions, "韩磊", ADULT_ID)
    facts = ("当事人韩磊通过QQ：123456789、微信号 zhang_san88和邮箱hanlei88@example.com招揽顾客，"
             "证人（身份证ID370402198001011234，银行卡6222　0212　3456　7890）证实。2026-03-05 14:30复查。")
    cid = decided(api, sessions, party_id=adult, facts_text=facts)
    pub = pub_of(sessions, cid)
    publish(api, pub.id)
    js = api.c.get(f"/api/v1/public/decisions/{pub.id}").get_json()
    html = api.c.get(f"/gs/decisions/{pub.id}").get_data(as_text=True)
    for body in (js["facts"], html):
        for secret in ("123456789", "zhang_san88", "hanlei88", "370402198001011234", "3456　7890"):
            assert secret not in body, secret
    assert "QQ：*******89" in js["facts"] and "微信号 z**********" in js["facts"]
    assert "h*******@example.com" in js["facts"] and "2026-03-05 14:30" in js["facts"]
