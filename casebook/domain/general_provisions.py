"""行政处罚法 第二十八–三十七条 (the general provisions on who is penalised, when and under which version), pure.

- 第三十条: a person's age at the time of the act (周岁: a birthday is reached on the day itself; one born on
  29 February reaches it on 1 March of a common year).
- 第三十六条: the limitation (追责时效) — two years, five when the act involves 公民生命健康安全、金融安全 and had
  harmful consequences — counted from the day of the act, or from the day it ended when it was continuing
  (连续或者继续状态). "在二年内未被发现" : a discovery on the anniversary day is still within the period (the
  period's first day is the day after the act, 民法典 第二百零一条), the day after is not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# 第三十六条第一款: the categories whose limitation is five years when harm was caused (catalogue data per item).
LONG_LIMITATION_CATEGORIES = {"life_health_safety": "公民生命健康安全", "financial_safety": "金融安全"}
# Circumstances that mean the act had harmful consequences (the catalogue's circumstance codes).
HARM_CIRCUMSTANCES = frozenset({"harm_caused", "harm_minor", "serious_harm", "injury_caused"})
# Circumstances that record the act had no harmful consequences: the five years cannot apply (第三十六条第一款).
NO_HARM_CIRCUMSTANCES = frozenset({"no_harm"})
ORDINARY_YEARS, LONG_YEARS = 2, 5
NO_PENALTY_AGE, ADULT_AGE = 14, 18  # 第三十条


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` later; 29 February becomes 28 February in a common year (the period ends on
    the last day of that month, 民法典 第二百零二条)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def age_on(birth: dt.date, day: dt.date) -> int:
    """Full years (周岁) on `day`. One reaches an age on the day after the birthday's eve: on the birthday itself."""
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


@dataclass(frozen=True)
class ActPeriod:
    """When the act happened: its first day, its last day (if it ended), or that it is still going on."""

    started_on: dt.date | None
    ended_on: dt.date | None = None
    continuing: bool = False

    @property
    def known(self) -> bool:
        return self.started_on is not None

    @property
    def counted_from(self) -> dt.date | None:
        """The day the limitation runs from: the act's day, or the day a continuing act ended; None while it goes on."""
        if self.ended_on is not None:
            return self.ended_on
        if self.continuing:
            return None
        return self.started_on

    def describe(self) -> str:
        if self.started_on is None:
            return "违法行为发生日期未录入"
        if self.continuing and self.ended_on is None:
            return f"违法行为自{self.started_on.isoformat()}起持续至今（连续或者继续状态）"
        if self.ended_on is not None and self.ended_on != self.started_on:
            return f"违法行为自{self.started_on.isoformat()}起持续至{self.ended_on.isoformat()}终了"
        return f"违法行为发生于{self.started_on.isoformat()}"


@dataclass(frozen=True)
class Limitation:
    years: int
    last_day: dt.date | None  # the last day on which a discovery still counts; None: not running yet
    expired: bool
    text: str


def limitation_years(category: str | None, circumstances, long_reason: str | None = None) -> int:
    """The years of 第三十六条第一款 for what the case records.

    Five when the violation item's category is 公民生命健康安全/金融安全 and a harm circumstance is recorded. A typed
    reason for the five years (long_reason: 涉及生命健康安全、金融安全且有危害后果) stands in for facts not recorded
    yet — at filing, before the investigation, or for an act no catalogue item names — only while no item is known
    and nothing recorded contradicts it: once the item is known its category and a recorded harm decide (第四十条:
    the facts, not a typed claim), and a recorded "no_harm" (没有造成危害后果) means two years. ``category`` is the
    item's category code, "" for an item of neither, None while no item is known."""
    circ = set(circumstances or ())
    if category in LONG_LIMITATION_CATEGORIES and circ & HARM_CIRCUMSTANCES:
        return LONG_YEARS
    contradicted = bool(circ & NO_HARM_CIRCUMSTANCES) or category is not None
    if long_reason and str(long_reason).strip() and not contradicted:
        return LONG_YEARS
    return ORDINARY_YEARS


def limitation(period: ActPeriod, discovered_on: dt.date, years: int) -> Limitation:
    start = period.counted_from
    word = {2: "二", 5: "五"}.get(years, str(years))
    if start is None:
        return Limitation(years, None, False, f"{period.describe()}，追责时效尚未起算（行政处罚法第三十六条第二款）")
    last = add_years(start, years)
    expired = discovered_on > last
    text = (f"{period.describe()}，追责时效{word}年自{start.isoformat()}起算，至{last.isoformat()}届满；"
            f"本案于{discovered_on.isoformat()}发现，{'已超过' if expired else '未超过'}追责时效")
    return Limitation(years, last, expired, text)


def period_problem(started_on, ended_on, continuing: bool, discovered_on) -> tuple[str, str] | None:
    """(field, Chinese message) when a recorded act period is implausible, else None."""
    if ended_on is not None and started_on is None:
        return "act_started_on", "录入终了日期的，须同时录入违法行为开始日期"
    if started_on and ended_on and ended_on < started_on:
        return "act_ended_on", "违法行为终了日期不能早于开始日期"
    if continuing and ended_on is not None:
        return "act_ended_on", "违法行为仍在持续的，不应录入终了日期"
    if started_on and discovered_on and started_on > discovered_on:
        return "act_started_on", "违法行为开始日期不能晚于发现日期"
    return None


# --- 第三十一至三十三条: the statute's own grounds, recorded as circumstances with their evidence ----------------

@dataclass(frozen=True)
class Ground:
    codes: frozenset[str]  # all of these circumstances together
    effect: str  # no_penalty (应当不予) / may_no_penalty (可以不予) / lenient (应当从轻或者减轻) / may_lenient (可以)
    text: str
    article: str


LAW = "行政处罚法"
GROUNDS = (
    Ground(frozenset({"incapacity"}), "no_penalty",
           "精神病人、智力残疾人在不能辨认或者不能控制自己行为时有违法行为的，不予行政处罚，应当责令其监护人严加看管和治疗",
           f"{LAW}第三十一条"),
    Ground(frozenset({"minor", "corrected_promptly", "no_harm"}), "no_penalty",
           "违法行为轻微并及时改正，没有造成危害后果的，不予行政处罚", f"{LAW}第三十三条第一款"),
    Ground(frozenset({"no_fault"}), "no_penalty", "当事人有证据足以证明没有主观过错的，不予行政处罚（法律、行政法规另有规定的除外）",
           f"{LAW}第三十三条第二款"),
    Ground(frozenset({"first_offence", "harm_minor", "corrected_promptly"}), "may_no_penalty",
           "初次违法且危害后果轻微并及时改正的，可以不予行政处罚", f"{LAW}第三十三条第一款"),
    Ground(frozenset({"limited_capacity"}), "may_lenient",
           "尚未完全丧失辨认或者控制自己行为能力的精神病人、智力残疾人有违法行为的，可以从轻或者减轻行政处罚", f"{LAW}第三十一条"),
    *(Ground(frozenset({c}), "lenient", f"{label}，应当从轻或者减轻行政处罚", f"{LAW}第三十二条")
      for c, label in (("eliminated_consequences", "主动消除或者减轻违法行为危害后果"), ("coerced", "受他人胁迫或者诱骗实施违法行为"),
                       ("confessed_unknown", "主动供述行政机关尚未掌握的违法行为"), ("meritorious", "配合行政机关查处违法行为有立功表现"))),
)
# Grounds that change the outcome rest on evidence recorded on the case (行政处罚法 第四十条、第四十六条).
EVIDENCED = frozenset({"incapacity", "limited_capacity", "no_fault", "eliminated_consequences", "coerced",
                       "confessed_unknown", "meritorious"})


def statutory_grounds(circumstances) -> list[Ground]:
    """The grounds of 第三十一至三十三条 the recorded circumstances meet, in the statute's order."""
    circ = set(circumstances or ())
    return [g for g in GROUNDS if g.codes <= circ]
