"""Publicity (公示) rules as data: per agency publication system, which decisions are published, by when,
for how long, and what the decision says about it.

Sources: 国办发〔2018〕118号 (三项制度: 行政处罚决定 7 个工作日内公开); 行政处罚法 第四十八条 (具有一定社会影响的
行政处罚决定应当依法公开; 被撤销、确认违法或者确认无效的, 三日内撤回); 市场监督管理行政处罚信息公示规定
(总局令第45号) 第二条 (仅受到警告的不公示)、第九条 (二十个工作日)、第十一条 (撤回)、第十三条 (公示期)、
第十四条 (提前停止公示). Where two rules bind one agency the stricter (shorter) publication deadline wins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from .identifiers import birth_date_of, document_birth_date

# 118号 and 行政处罚法 第四十八条 (as 118号 implements it): 7 working days for 行政处罚决定.
GENERAL_DAYS = 7
# 总局令第45号 第九条: 20 working days (same province).
SAMR_DAYS = 20
# 行政处罚法 第四十八条第二款 / 总局令第45号 第十一条: withdraw within 3 working days.
WITHDRAWAL_DAYS = 3

SEVERE_KINDS = frozenset({
    # 总局令第45号 第十四条: 受到责令停产停业、限制开展生产经营活动、限制从业、降低资质等级、吊销许可证件、
    # 责令关闭等行政处罚的, 不得提前停止公示.
    "suspend_operations", "restrict_operations", "restrict_practice", "lower_qualification", "revoke_license",
    "order_closure", "detention",
})
BAN_KINDS = frozenset({"restrict_practice", "restrict_operations", "suspend_operations", "suspend_license"})


@dataclass(frozen=True)
class PublicationSystem:
    """The publication rule of one family of agencies (市监 / 综合执法 / 生态环境 …)."""

    code: str
    label: str
    rules: tuple[str, ...]  # the rules that bind it, each with its publication deadline in working days
    days_by_rule: tuple[int, ...]
    publish_warning_only: bool
    publish_no_penalty: bool
    platform: str  # where the decision says it is published
    rule_title: str  # the rule the decision's sentence cites
    short_months: int = 3  # 通报批评 / low fines (总局令第45号 第十三条)
    long_years: int = 3
    low_fine_threshold: Decimal = Decimal("10000")  # set by the province; configurable
    catalogue_scope: str = ""  # the 裁量基准 / 免罚清单 whose scope names this word apply to the agency

    @property
    def deadline_days(self) -> int:
        """The stricter (shorter) deadline of the rules that bind the system."""
        return min(self.days_by_rule)

    def sentence(self) -> str:
        """The decision's publication sentence (决定书 and 送达回证)."""
        return f"依据{self.rule_title}，本行政处罚决定信息将通过{self.platform}向社会公示。"


SYSTEMS: dict[str, PublicationSystem] = {
    s.code: s for s in [
        PublicationSystem(
            "market_regulation", "市场监管", ("国办发〔2018〕118号", "市场监督管理行政处罚信息公示规定第九条"),
            (GENERAL_DAYS, SAMR_DAYS), publish_warning_only=False, publish_no_penalty=False,
            platform="国家企业信用信息公示系统", rule_title="《市场监督管理行政处罚信息公示规定》",
            catalogue_scope="市场监管"),
        PublicationSystem(
            "comprehensive", "综合行政执法", ("国办发〔2018〕118号", "《中华人民共和国行政处罚法》第四十八条"),
            (GENERAL_DAYS,), publish_warning_only=True, publish_no_penalty=False,
            platform="本机关门户网站和“信用中国”网站", rule_title="《中华人民共和国行政处罚法》第四十八条",
            catalogue_scope="综合"),
        PublicationSystem(
            "ecology_environment", "生态环境", ("国办发〔2018〕118号", "《中华人民共和国行政处罚法》第四十八条"),
            (GENERAL_DAYS,), publish_warning_only=True, publish_no_penalty=True,
            platform="本机关门户网站和“信用中国”网站", rule_title="《中华人民共和国行政处罚法》第四十八条",
            catalogue_scope="生态环境"),
    ]
}
DEFAULT_SYSTEM = "comprehensive"


def system(code: str | None) -> PublicationSystem:
    return SYSTEMS.get(code or DEFAULT_SYSTEM) or SYSTEMS[DEFAULT_SYSTEM]


# --- which decisions are published ------------------------------------------------------------------------


def is_minor(party_kind: str | None, id_number: str | None, on: dt.date, born: dt.date | None = None) -> bool:
    """A natural person under 18 on the decision day (民法典 第十七条). An unreadable birth date counts as a minor:
    publishing a child's penalty cannot be undone, withholding an adult's can be corrected by hand. `born` is the
    birth date known otherwise (recorded for a passport holder, 行政处罚法 第三十条)."""
    if party_kind != "person":
        return False
    born = born or birth_date_of(id_number)
    if born is None:
        return True
    try:
        adult_on = born.replace(year=born.year + 18)
    except ValueError:  # 29 February
        adult_on = dt.date(born.year + 18, 3, 1)
    return on < adult_on


@dataclass(frozen=True)
class Eligibility:
    publish: bool
    reason: str | None  # why not, in Chinese
    code: str | None


def eligibility(sys: PublicationSystem, *, procedure: str, decision_kind: str | None, penalty_kinds,
                party_kind: str | None, id_number: str | None, decided_on: dt.date,
                born: dt.date | None = None) -> Eligibility:
    kinds = set(penalty_kinds or ())
    if is_minor(party_kind, id_number, decided_on, born):
        # 未成年人保护法 第一百零三条: 不得披露未成年人的姓名、住所、照片、图像以及可能识别出其身份的其他信息.
        return Eligibility(False, "当事人为未成年人，依法不予公示", "minor")
    if decision_kind == "no_penalty":
        if not sys.publish_no_penalty:
            return Eligibility(False, f"{sys.label}系统不公示不予行政处罚决定", "no_penalty")
        return Eligibility(True, None, None)
    if decision_kind != "penalty" or not kinds:
        return Eligibility(False, "不是行政处罚决定", "not_penalty")
    if kinds == {"warning"} and not sys.publish_warning_only:
        # 总局令第45号 第二条: 仅受到警告行政处罚的除外.
        return Eligibility(False, "仅给予警告的行政处罚，依该系统规定不予公示", "warning_only")
    if procedure == "summary" and sys.code == "market_regulation":
        # 总局令第45号 第二条: 适用普通程序作出的行政处罚决定.
        return Eligibility(False, "简易程序作出的决定，依该系统规定不予公示", "summary")
    return Eligibility(True, None, None)


def party_born(party) -> dt.date | None:
    """A natural person's birth date: recorded (a passport holder, 行政处罚法 第三十条), or read from the
    身份证号 / 港澳台居民居住证 number; None for an organisation or an unreadable number."""
    if party is None or getattr(party, "kind", None) != "person":
        return None
    born = getattr(party, "birth_date", None)
    if isinstance(born, str):
        try:
            born = dt.date.fromisoformat(born[:10])
        except ValueError:
            born = None
    return born or document_birth_date(getattr(party, "id_kind", None), getattr(party, "id_number", None))


def decision_eligibility(sys: PublicationSystem, *, procedure: str, decision_kind: str | None, penalty_kinds,
                         party, decided_on: dt.date) -> Eligibility:
    """The one verdict on a decision: the publication record is drafted from it (services.publicity) and the
    decision and its 送达回证 tell the party of publication only when it says publish (总局令第45号; 行政处罚法
    第四十八条) — a decision never promises a publication the rules forbid."""
    return eligibility(sys, procedure=procedure, decision_kind=decision_kind, penalty_kinds=penalty_kinds,
                       party_kind=getattr(party, "kind", None) if party is not None else None,
                       id_number=getattr(party, "id_number", None) if party is not None else None,
                       decided_on=decided_on, born=party_born(party))


# --- how long a record stays public -------------------------------------------------------------------------


def add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise ValueError(d)


def display_until(sys: PublicationSystem, *, published_on: dt.date, penalty_kinds, fine: Decimal | None,
                  ban_months: int | None) -> tuple[dt.date, str]:
    """总局令第45号 第十三条: 3 months for 通报批评 or a low fine only; 3 years otherwise; a longer ban its length.

    A warning alone is lighter than 通报批评 (行政处罚法 第九条 lists 警告、通报批评 as the mildest penalties): where a
    system publishes it (市监 does not, art. 2), it is shown for the short period too — never longer than a warning
    with a low fine."""
    kinds = set(penalty_kinds or ())
    light = kinds <= {"circulated_criticism", "fine", "warning"} and (
        "fine" not in kinds or (fine is not None and fine < sys.low_fine_threshold))
    if light and kinds:
        what = "警告" if kinds == {"warning"} else "通报批评或者较低数额罚款"
        return add_months(published_on, sys.short_months), f"{what}，公示期{sys.short_months}个月"
    months = sys.long_years * 12
    if ban_months and ban_months > months:
        return add_months(published_on, ban_months), f"禁止或者限制期限{ban_months}个月，公示期与之相同"
    return add_months(published_on, months), f"公示期{sys.long_years}年"


REMOVAL_CONDITIONS = {
    # 总局令第45号 第十四条
    "performed": "已经自觉履行行政处罚决定中规定的义务",
    "harm_removed": "已经主动消除危害后果和不良社会影响",
    "no_repeat": "未再受到市场监督管理部门较重行政处罚",
    "not_listed": "未被列入经营异常名录或者严重违法失信名单",
}


def removal_refusals(penalty_kinds, conditions: dict[str, bool]) -> list[str]:
    out = [f"不符合条件：{label}" for key, label in REMOVAL_CONDITIONS.items() if not conditions.get(key)]
    severe = sorted(set(penalty_kinds or ()) & SEVERE_KINDS)
    if severe:
        out.insert(0, "受到较重行政处罚（停产停业、限制从业、吊销许可证件、责令关闭等），不得提前停止公示")
    return out
