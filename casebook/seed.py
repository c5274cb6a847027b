"""Demo data: a district with two agencies, officers with credentials, reviewer, head, supervisor, admin."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from casebook.db.models import Agency, Party, SummaryForm, User
from casebook.domain.identifiers import resident_id_check_digit, uscc_check_char
from casebook.domain.lifecycle import ROLE_LABELS
from casebook.services import users
from casebook.services.context import SYSTEM

DEMO_PASSWORD = "casebook-demo-2026"
# (username, who) for the login page of the embedded mode
DEMO_ACCOUNTS = [
    ("zhangwei", "张伟 · 执法人员（市场监督管理局）"), ("liqiang", "李强 · 执法人员（市场监督管理局）"),
    ("wangfang", "王芳 · 执法人员（市场监督管理局）"), ("zhaomin", "赵敏 · 负责人（市场监督管理局）"),
    ("sunli", "孙丽 · 法制审核人员（市场监督管理局）"), ("chenjie", "陈杰 · 执法人员（综合行政执法局）"),
    ("zhouhua", "周华 · 负责人（综合行政执法局）"), ("wujing", "吴静 · 监督人员（区人民政府）"),
    ("admin", "系统管理员"),
]


def demo_resident_id(body17: str) -> str:
    return body17 + resident_id_check_digit(body17)


def demo_uscc(body17: str) -> str:
    return body17 + uscc_check_char(body17)


CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "catalogue"


def seed_demo(s: Session, *, catalogue: bool = True) -> list[tuple[str, str, str, str]]:
    """Create the demo organisation once (and import the seed rules catalogue); return logins to print."""
    if s.execute(select(Agency.id).limit(1)).first():
        return []
    district = users.create_agency(s, "枣庄市山亭区人民政府", "山亭", "district")
    amr = users.create_agency(s, "枣庄市山亭区市场监督管理局", "山亭市监", "department", district.id)
    cle = users.create_agency(s, "枣庄市山亭区综合行政执法局", "山亭综执", "department", district.id)
    squad = users.create_agency(s, "山亭区市场监督管理局城区市场监管所", "山亭市监城区", "squad", amr.id)
    # 公示 rules (casebook.domain.publicity): 市监 publish under 总局令第45号, 综合执法 under 118号 / 第四十八条
    amr.publication_system = squad.publication_system = "market_regulation"
    cle.publication_system = "comprehensive"
    valid_from, valid_to = dt.date(2024, 1, 1), dt.date(2029, 12, 31)
    people = [
        ("zhangwei", "张伟", amr, ["officer"], "37040024001", "市场监管"),
        ("liqiang", "李强", amr, ["officer"], "37040024002", "市场监管"),
        ("wangfang", "王芳", amr, ["officer"], "37040024003", "市场监管"),
        ("zhaomin", "赵敏", amr, ["agency_head"], None, None),
        ("sunli", "孙丽", amr, ["legal_reviewer"], None, None),
        ("chenjie", "陈杰", cle, ["officer"], "37040024101", "综合行政执法"),
        ("liuyang", "刘洋", cle, ["officer"], "37040024102", "综合行政执法"),
        ("zhouhua", "周华", cle, ["agency_head"], None, None),
        ("wujing", "吴静", district, ["supervisor"], None, None),
        ("admin", "系统管理员", district, ["admin"], None, None),
    ]
    out = []
    for username, name, agency, roles, cred, field in people:
        u = users.create_user(s, SYSTEM, username=username, display_name=name, password=DEMO_PASSWORD,
                              agency_id=agency.id, roles=roles, bar_qualified="legal_reviewer" in roles)
        if cred:
            users.issue_credential(s, SYSTEM, u.id, credential_no=cred, field=field, valid_from=valid_from, valid_to=valid_to)
        out.append((username, DEMO_PASSWORD, f"{name}（{agency.name}）", "、".join(ROLE_LABELS[r] for r in roles)))
    s.add_all([
        Party(kind="person", name="韩梅梅", id_number=demo_resident_id("37040219850312002"), phone="13806320001",
              address="山东省枣庄市山亭区北庄镇幸福路5号", created_by_agency_id=amr.id),
        Party(kind="organization", name="枣庄市山亭区好味来食品有限公司", id_number=demo_uscc("91370406MA3C00001"),
              legal_representative="李雷", phone="06328810001", address="山东省枣庄市山亭区府前路88号",
              created_by_agency_id=amr.id),
    ])
    s.add_all([SummaryForm(agency_id=amr.id, form_no=f"SD{2026}{n:05d}") for n in range(1, 51)])
    s.flush()
    if catalogue and CATALOGUE_DIR.is_dir():
        from casebook.services.catalogue import seed_directory

        seed_directory(s, CATALOGUE_DIR)
    return out


def demo_user(s: Session, username: str) -> User:
    return s.execute(select(User).where(User.username == username)).scalar_one()


# --- demo cases: one in every stage, made through the services as people would make them -----------------

# A 1×1 PNG: the demo's evidence photos.
DEMO_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


EXEMPT_VIOLATION = "SP-124-1-5"  # 经营超过保质期的食品 (山东省市场监管裁量基准)
_MONEY = ("fine_amount", "confiscated_amount", "goods_value", "illegal_gains", "sales_amount", "turnover", "advertising_fee", "amount")


class _Demo:
    """Acts on demo cases as the demo people (张伟 and 李强 investigate, 赵敏 decides, 孙丽 reviews)."""

    def __init__(self, s: Session, settings):
        from casebook.services.context import actor_for, local_today

        self.s, self.settings, self.today = s, settings, local_today()
        self.users = {u.username: u for u in s.execute(select(User)).scalars()}
        self.actor = {name: actor_for(s, u) for name, u in self.users.items()}
        parties = list(s.execute(select(Party).order_by(Party.id)).scalars())
        self.person = next(p for p in parties if p.kind == "person")
        self.org = next(p for p in parties if p.kind == "organization")

    def day(self, n: int) -> dt.date:
        return self.today - dt.timedelta(days=n)

    def ids(self, *names):
        return [self.users[n].id for n in names or ("zhangwei", "liqiang")]

    def act(self, cid: int, action: str, data: dict | None = None, who: str = "zhangwei"):
        from casebook.services import cases

        data = {k: Decimal(v) if k in _MONEY and isinstance(v, str) else v for k, v in (data or {}).items()}
        cases.perform(self.s, self.actor[who], cid, action, data, expected_version=None, settings=self.settings)

    def lead(self, cause: str, ago: int, party=None, who="zhangwei", source="complaint", facts=None) -> int:
        from casebook.services import cases

        party = party or self.org
        c = cases.register_lead(self.s, self.actor[who], {"source": source, "cause": cause, "discovered_on": self.day(ago),
                                                            # 第三十六条: the act seen a week before it was reported
                                                            "act_started_on": self.day(ago + 7),
                                                            "party_id": party.id, "facts_text": facts}, settings=self.settings)
        return c.id

    def filed(self, cause: str, ago: int, **kw) -> int:
        cid = self.lead(cause, ago, **kw)
        self.act(cid, "file", {"filed_on": self.day(ago - 1), "officer_ids": self.ids(), "lead_officer_id": self.ids()[0],
                               "opinion": "同意立案"}, who="zhaomin")
        return cid

    def evidence(self, cid: int, title: str, on: dt.date, kind="physical"):
        import io

        from casebook.services import evidence

        evidence.add_evidence(self.s, self.actor["zhangwei"], cid, {"kind": kind, "title": title, "collected_on": on,
                                                                    "collected_by": self.ids()},
                              io.BytesIO(DEMO_PNG), "photo.png", expected_version=None, settings=self.settings)

    def investigated(self, cause: str, ago: int, *, goods="1200.00", gains="300.00", code=None, circ=("first_offence",),
                     sales=None, **kw) -> int:
        cid = self.filed(cause, ago, **kw)
        self.act(cid, "start_investigation", {"note": "指派张伟、李强承办"})
        self.act(cid, "record_investigation_act", {"kind": "on_site_inspection", "acted_on": self.day(ago - 3),
                                                   "place": "山亭区府前路88号", "summary": "现场检查，发现涉案物品并拍照固定",
                                                   "officer_ids": self.ids()})
        self.evidence(cid, "现场检查照片", self.day(ago - 3))
        self.evidence(cid, "现场检查笔录", self.day(ago - 3), kind="inspection_record")
        self.act(cid, "update_facts", {"goods_value": goods, "illegal_gains": gains, "sales_amount": sales,
                                       "violations": [{"description": cause.removeprefix("涉嫌"), **({"code": code} if code else {})}],
                                       "circumstances": list(circ),
                                       "facts_text": f"经查，当事人{cause.removeprefix('涉嫌')}，货值金额{goods}元。"})
        return cid

    def confirm_all(self, cid: int) -> None:
        """会签: the second officer confirms the 笔录 and evidence the first recorded."""
        from casebook.db.models import CaseAct, User

        pending = self.s.execute(select(CaseAct.id, CaseAct.awaiting).where(CaseAct.case_id == cid)).all()
        for act_id, waiting in pending:
            for uid in waiting or ():
                who = self.s.get(User, uid).username
                self.act(cid, "confirm_act", {"act_id": act_id, "note": "核对无误"}, who=who)

    def closed_investigation(self, cause, ago, **kw) -> int:
        cid = self.investigated(cause, ago, **kw)
        self.confirm_all(cid)
        self.act(cid, "close_investigation", {"report": "事实清楚，证据确凿，建议给予行政处罚"})
        return cid

    def noticed(self, cause, ago, notice_ago, fine="5000.00", kinds=("warning", "fine", "confiscate_gains"), **kw) -> int:
        cid = self.closed_investigation(cause, ago, **kw)
        self.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": list(kinds), "fine_amount": fine,
                                          "basis": "《中华人民共和国食品安全法》第一百二十四条"})
        self.act(cid, "serve_prior_notice", {"served_on": self.day(notice_ago), "method": "direct"})
        return cid

    def decided(self, cause, ago, **kw) -> int:
        cid = self.noticed(cause, ago, ago - 12, **kw)
        # 行政处罚法 第二十八条第二款: the 违法所得 the facts record are confiscated
        self.act(cid, "decide", {"kind": "penalty", "decided_on": self.day(ago - 30),
                                 "penalty_kinds": ["warning", "fine", "confiscate_gains"],
                                 "fine_amount": "5000.00", "basis": "《中华人民共和国食品安全法》第一百二十四条"},
                 who="zhaomin")
        return cid


def seed_demo_cases(s: Session, settings) -> list[str]:
    """Demo cases in every stage (once): each role finds something to do on first login."""
    from casebook.db.models import Case

    if s.execute(select(Case.id).limit(1)).first():
        return []
    d = _Demo(s, settings)
    made = []
    d.lead("涉嫌销售过期食品", 3, facts="群众投诉：某超市货架上有超过保质期的牛奶。")
    made.append("案源登记：涉嫌销售过期食品（待负责人立案）")
    cid = d.investigated("涉嫌经营标签不符合规定的预包装食品", 20)
    made.append("调查取证")
    d.noticed("涉嫌销售不合格食用农产品", 40, 2)
    made.append("已告知：陈述申辩期内")
    cid = d.noticed("涉嫌生产经营超范围使用食品添加剂的食品", 45, 3, fine="150000.00", kinds=("fine",))
    d.act(cid, "request_hearing", {"requested_on": d.day(1)})
    made.append("听证：当事人已申请听证")
    cid = d.noticed("涉嫌经营腐败变质食品", 50, 15, fine="20000.00", kinds=("fine",))
    d.act(cid, "submit_legal_review", {"submitted_on": d.day(2), "draft_decision": "拟对当事人罚款二万元。",
                                       "investigation_report": "经调查，当事人经营腐败变质食品，事实清楚，证据确凿。"})
    d.act(cid, "assign_legal_reviewer", {"reviewer_id": d.users["sunli"].id, "assigned_on": d.day(1)}, who="zhaomin")
    made.append("法制审核中：已指派孙丽")
    cid = d.investigated("涉嫌生产销售伪劣产品", 30, goods="180000.00", gains="60000.00")
    d.act(cid, "form_referral_team", {"formed_on": d.day(5), "officer_ids": d.ids()})
    d.act(cid, "submit_referral_report", {"reported_on": d.day(1), "report": "销售金额已达追诉标准，建议移送公安机关。"})
    made.append("移送：专案组已报告，待负责人批准")
    cid = d.decided("涉嫌未按规定公示食品经营许可证", 60)
    made.append("已决定")
    cid = d.decided("涉嫌使用超过保质期的食品原料", 80)
    d.act(cid, "serve_decision", {"served_on": d.day(49), "method": "direct"})
    d.act(cid, "start_execution")
    made.append("执行中：待缴纳罚款")
    for cause, archive in (("涉嫌未建立进货查验记录制度", False), ("涉嫌未按规定贮存食品", True)):
        cid = d.decided(cause, 100 if archive else 90)
        d.act(cid, "serve_decision", {"served_on": d.day((100 if archive else 90) - 31), "method": "direct"})
        d.act(cid, "start_execution")
        d.act(cid, "record_payment", {"amount": "5000.00", "paid_on": d.day(50), "receipt_no": f"PJ{cid:06d}"})
        d.act(cid, "close", {"closed_on": d.day(45), "summary": "罚款已缴纳，结案"}, who="zhaomin")
        if archive:
            d.act(cid, "archive", {"note": "案卷已归档"})
        made.append("已归档" if archive else "已结案")
    from casebook.services import cases
    from casebook.services import catalogue as cat

    if cat.registry(s).violation(EXEMPT_VIOLATION, d.today):  # the seed catalogue is loaded: rules have something to say
        cid = d.closed_investigation("涉嫌经营超过保质期的食品", 25, goods="300.00", gains="40.00", code=EXEMPT_VIOLATION,
                                     circ=("first_offence", "minor", "corrected_within_deadline", "no_harm"))
        d.act(cid, "propose_penalty", {"kind": "no_penalty", "exemption_code": "SD-MF-SP-001", "violation_code": EXEMPT_VIOLATION,
                                       "reasons": "首次违法，货值不足五百元，已当场下架改正，未造成危害后果"})
        made.append("可免罚：符合免罚清单SD-MF-SP-001")
        d.closed_investigation("涉嫌销售超过保质期的食品（数额较大）", 35, goods="180000.00", gains="20000.00",
                               sales="60000.00", code=EXEMPT_VIOLATION)
        made.append("达到刑事追诉标准：销售金额六万元")
    cases.decide_on_the_spot(s, d.actor["zhangwei"], {
        "party_id": d.person.id, "form_no": "SD202600001", "decided_on": d.day(4), "place": "山亭区北庄镇集市",
        "cause": "占道经营", "facts_text": "当事人在集市通道摆摊经营，经劝阻未改正。", "penalty_kinds": ["fine"],
        "fine_amount": Decimal("100.00"), "basis": "《城市市容和环境卫生管理条例》第三十六条", "officer_ids": d.ids(),
        "party_signed": True}, settings=settings)
    made.append("简易程序：当场处罚")
    return made
