"""The rule checks, as pure functions: each returns its result with the reasons, in Chinese.

- benchmark: 行政处罚法 第三十四条 (裁量基准), 国办发〔2022〕27号; 从轻/减轻 第三十二条; 从重 by the benchmark.
- exemption: 行政处罚法 第三十三条 (不予处罚 / 首违不罚), with the list's own conditions.
- thresholds: 行政处罚法 第二十七条, 国务院令第310号 第三条 (must transfer when 追诉标准 are met).
- triggers: 行政处罚法 第五十八条 (法制审核), 第五十七条第二款 (集体讨论), 第六十三条 (听证).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from casebook.domain import general_provisions as gp
from casebook.domain.lifecycle import HEARING_KINDS, PENALTY_KINDS

from .model import (
    CIRCUMSTANCES,
    EXEMPTION_CONDITIONS,
    FACTS,
    TIERS,
    Catalogue,
    ExemptionItem,
    Threshold,
    Triggers,
    ViolationItem,
)

CENT = Decimal("0.01")
# 行政处罚法 第三十二条: mandatory 从轻或者减轻 circumstances.
MANDATORY_LENIENCY = {"eliminated_consequences", "coerced", "confessed_unknown", "meritorious"}
DEFAULT_LENIENT = MANDATORY_LENIENCY | {"first_offence", "corrected_promptly", "cooperated", "harm_minor", "minor", "limited_capacity"}
DEFAULT_SEVERE = {"repeat_offence", "serious_harm", "minors_involved", "obstructed", "destroyed_evidence", "public_emergency"}

Facts = dict[str, Decimal | None]


def _money(d: Decimal) -> str:
    return f"{d.quantize(CENT):,}元"


@dataclass(frozen=True)
class BenchmarkResult:
    catalogue: str
    version: int
    item: str
    item_name: str
    tier: str
    tier_label: str
    min: Decimal
    max: Decimal
    legal_min: Decimal
    legal_max: Decimal
    legal_text: str
    basis: str
    explanation: str
    tiers: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)
    law_choice: str = ""  # 行政处罚法 第三十七条: which version applies and why, when two were in force
    statutory_grounds: tuple[dict, ...] = ()  # 第三十一至三十三条 grounds the circumstances meet, offered to the officer

    def as_dict(self) -> dict:
        q = lambda d: str(d.quantize(CENT))  # noqa: E731 — yuan with two places, as text
        return {"catalogue": self.catalogue, "version": self.version, "item": self.item, "item_name": self.item_name,
                "tier": self.tier, "tier_label": self.tier_label, "min": q(self.min), "max": q(self.max),
                "legal_min": q(self.legal_min), "legal_max": q(self.legal_max), "legal_text": self.legal_text,
                "basis": self.basis, "explanation": self.explanation,
                "tiers": {k: [q(a), q(b)] for k, (a, b) in self.tiers.items()}, "law_choice": self.law_choice,
                "statutory_grounds": [dict(g) for g in self.statutory_grounds]}


class FactMissing(Exception):  # noqa: N818 — a refusal, not a bug
    """The range is a multiple of (or is chosen by) facts that are not recorded: no range is given until they are.
    A fact recorded as 无法计算 on an item whose law gives no range for that case is refused the same way: the
    officer must compute it (行政处罚法 第四十条), it is never read as zero."""

    def __init__(self, item: str, facts: list[str], uncomputable: Iterable[str] = ()):
        self.item, self.facts = item, facts
        unc = set(uncomputable)
        self.message = "、".join(
            f"{FACTS[f]}记录为无法计算，但事项{item}的规定没有{FACTS[f]}无法计算时的罚款幅度，须依法计算后录入" if f in unc
            else f"{FACTS[f]}未录入" for f in facts) + f"，无法确定事项{item}的法定罚款幅度"
        super().__init__(self.message)

    def as_dict(self) -> dict:
        return {"status": "fact_missing", "item": self.item, "missing": list(self.facts), "message": self.message,
                "in_range": False, "needs_reason": False, "needs_legal_review": False,
                "needs_collective_discussion": False}


def facts_needed(item: ViolationItem) -> list[str]:
    """The facts the item's range reads: those that choose the band, and those it is a multiple of."""
    out: list[str] = []
    for band in item.bands:
        for f in [c.fact for c in band.when] + ([band.amounts.fact] if band.amounts.fact else []):
            if f not in out:
                out.append(f)
    return out


def legal_range(item: ViolationItem, facts: Facts, uncomputable: Iterable[str] = ()) -> tuple[Decimal, Decimal, str]:
    """The statutory fine range for these facts: the first band whose conditions hold.

    A fact the bands or the multiple read that is not recorded (None) is never taken as zero: 食品安全法 第一百二十四条
    without 货值 would otherwise give the lowest bracket, and a multiple 0.00–0.00 (FactMissing instead). A fact
    recorded as 无法计算 (`uncomputable`) takes the branch the law gives for it (广告法 第五十五条 "广告费用无法计算或者
    明显偏低的"), named in the text; without such a branch it is refused as missing."""
    unc = set(uncomputable)
    needed = facts_needed(item)
    for f in needed:
        branch = item.uncomputable_branch(f) if f in unc else None
        if branch is not None:
            amounts, clause = branch
            lo, hi, text = amounts.resolve(facts)
            return lo, hi, f"{clause.rstrip('，,')}，{text}"
    chooser = [f for f in dict.fromkeys(c.fact for b in item.bands for c in b.when) if facts.get(f) is None]
    if chooser:
        raise FactMissing(item.code, chooser, unc)
    for band in item.bands:
        if all(c.holds(facts) for c in band.when):
            if band.amounts.fact is not None and facts.get(band.amounts.fact) is None:
                raise FactMissing(item.code, [band.amounts.fact], unc)
            lo, hi, text = band.amounts.resolve(facts)
            if band.when:
                text = "、".join(f"{FACTS[c.fact]}{_OPS[c.op]}{c.value}元" for c in band.when) + "的，" + text
            return lo, hi, text
    raise ValueError(f"no band of {item.code} applies")  # parse_catalogue guarantees a partition


_OPS = {"lt": "不足", "lte": "不超过", "gt": "超过", "gte": "达到"}


def tier_ranges(item: ViolationItem, catalogue: Catalogue, facts: Facts,
                uncomputable: Iterable[str] = ()) -> dict[str, tuple[Decimal, Decimal]]:
    lo, hi, _ = legal_range(item, facts, uncomputable)
    span = hi - lo
    out = {t: ((lo + span * a).quantize(CENT), (lo + span * b).quantize(CENT)) for t, (a, b) in catalogue.tier_fractions().items()}
    for t in item.tiers:
        if t.fraction:
            out[t.tier] = ((lo + span * t.fraction[0]).quantize(CENT), (lo + span * t.fraction[1]).quantize(CENT))
        elif t.fixed:
            out[t.tier] = t.fixed
    out["mitigated"] = (Decimal("0"), lo)
    return out


def _tier_conditions(item: ViolationItem, tier: str, default: set[str]) -> set[str]:
    explicit = [set(t.conditions) for t in item.tiers if t.tier == tier]
    return set().union(*explicit) if explicit else set(default)


def benchmark(item: ViolationItem, catalogue: Catalogue, facts: Facts, circumstances: Iterable[str],
              uncomputable: dict[str, str] | None = None) -> BenchmarkResult:
    """Place the case on the benchmark: tier from the circumstances, range in yuan, basis and why. `uncomputable`:
    the facts recorded as 无法计算, with the reason recorded (stated in the explanation when a branch applies)."""
    unc = dict(uncomputable or {})
    circ = set(circumstances)
    lenient = circ & _tier_conditions(item, "lenient", DEFAULT_LENIENT)
    severe = circ & _tier_conditions(item, "severe", DEFAULT_SEVERE)
    if lenient and not severe:
        tier, why = "lenient", "具有" + "、".join(CIRCUMSTANCES[c] for c in sorted(lenient)) + "情节，适用从轻阶次"
    elif severe and not lenient:
        tier, why = "severe", "具有" + "、".join(CIRCUMSTANCES[c] for c in sorted(severe)) + "情节，适用从重阶次"
    elif severe and lenient:
        tier = "standard"
        why = ("从轻情节（" + "、".join(CIRCUMSTANCES[c] for c in sorted(lenient)) + "）与从重情节（"
               + "、".join(CIRCUMSTANCES[c] for c in sorted(severe)) + "）并存，综合考量适用一般阶次")
    else:
        tier, why = "standard", "无法定从轻、从重情节，适用一般阶次"
    lo, hi, legal_text = legal_range(item, facts, unc)
    ranges = tier_ranges(item, catalogue, facts, unc)
    tmin, tmax = ranges[tier]
    basis = f"违反{item.violated_provision}，依据{item.penalty_provision}"
    explanation = (f"依据《{catalogue.name}》（{catalogue.document_no}）第{item.code}项“{item.name}”：法定罚款幅度为{legal_text}"
                   f"（{_money(lo)}至{_money(hi)}）；{why}，罚款幅度为{_money(tmin)}至{_money(tmax)}。")
    branch = next((f for f in facts_needed(item) if f in unc and item.uncomputable_branch(f)), None)
    if branch is not None:  # the branch the law gives, chosen because the fact was recorded as 无法计算, with why
        explanation += (f"本案{FACTS[branch]}无法计算（{unc[branch] or '未写明理由'}），依据{item.penalty_provision}"
                        f"“{item.uncomputable_branch(branch)[1]}”的规定确定法定罚款幅度。")
    if circ & MANDATORY_LENIENCY:
        explanation += "当事人有行政处罚法第三十二条规定的情形，应当从轻或者减轻处罚。"
    grounds = tuple({"codes": sorted(g.codes), "effect": g.effect, "text": g.text, "article": g.article}
                    for g in gp.statutory_grounds(circ))
    for g in grounds:
        if g["effect"] in ("no_penalty", "may_no_penalty"):
            explanation += f"当事人{g['text'].split('的，')[0]}，依据{g['article']}，{g['text'].split('的，')[-1]}。"
    return BenchmarkResult(catalogue.code, catalogue.version, item.code, item.name, tier, TIERS[tier], tmin, tmax, lo, hi,
                           legal_text, basis, explanation, ranges, statutory_grounds=grounds)


def _severity(r: BenchmarkResult) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    return (r.legal_max, r.legal_min, r.max, r.min)


def applicable(at_act: BenchmarkResult, at_decision: BenchmarkResult, act_day, decision_day) -> BenchmarkResult:
    """行政处罚法 第三十七条 (从旧兼从轻): the version in force when the act happened applies, unless the version in
    force at the decision is lighter (a lower legal maximum, then minimum, then tier range). The choice and why
    are stated in the explanation (the decision's benchmark paragraph)."""
    if (at_act.catalogue, at_act.version) == (at_decision.catalogue, at_decision.version):
        return at_decision
    old = f"违法行为发生时（{act_day.isoformat()}）施行的第{at_act.version}版"
    new = f"作出决定时（{decision_day.isoformat()}）施行的第{at_decision.version}版"
    if _severity(at_decision) < _severity(at_act):
        chosen, why = at_decision, (f"{new}（法定幅度{_money(at_decision.legal_min)}至{_money(at_decision.legal_max)}）轻于"
                                    f"{old}（{_money(at_act.legal_min)}至{_money(at_act.legal_max)}），从轻适用第"
                                    f"{at_decision.version}版")
    else:
        chosen, why = at_act, (f"{new}（法定幅度{_money(at_decision.legal_min)}至{_money(at_decision.legal_max)}）不轻于"
                               f"{old}（{_money(at_act.legal_min)}至{_money(at_act.legal_max)}），从旧适用第"
                               f"{at_act.version}版")
    choice = f"依照行政处罚法第三十七条（从旧兼从轻）：{why}。"
    return replace(chosen, explanation=chosen.explanation + choice, law_choice=choice)


def no_longer_violation(code: str, then: tuple[Catalogue, ViolationItem] | None, in_force_now: Sequence[Catalogue],
                        act_day, decision_day) -> dict | None:
    """行政处罚法 第三十七条: the item was in the version in force at the act, and the version of the same catalogue in
    force at the decision no longer has it (or marks it repealed) — the rules now in force do not treat the act as a
    violation. None when that cannot be said: no version at the act, no successor version (an expired catalogue
    says nothing), or the item is still there."""
    now_items: dict[str, ViolationItem] | None = None
    now_cat = None
    if then is not None:
        now_cat = next((c for c in in_force_now if c.code == then[0].code), None)
        if now_cat is None:
            return None
        now_items = {i.code: i for i in now_cat.items}
    else:  # no version at the act (or no act day): only an explicit repeal in the version in force now says it
        for c in in_force_now:
            hit = next((i for i in c.items if i.code == code and i.repealed), None)
            if hit is not None:
                return {"item": code, "catalogue": c.code, "version": c.version, "basis": hit.repealed,
                        "text": f"事项{code}“{hit.name}”已被《{c.name}》第{c.version}版废止（{hit.repealed}）"}
        return None
    item = now_items.get(code)
    old = then[1]
    when = (f"违法行为发生时（{act_day.isoformat()}）施行的《{then[0].name}》第{then[0].version}版列有事项{code}“{old.name}”，"
            f"作出决定时（{decision_day.isoformat()}）施行的第{now_cat.version}版")
    if item is None:
        return {"item": code, "catalogue": now_cat.code, "version": now_cat.version, "old_version": then[0].version,
                "basis": "", "text": when + "已不再列有该事项"}
    if item.repealed:
        return {"item": code, "catalogue": now_cat.code, "version": now_cat.version, "old_version": then[0].version,
                "basis": item.repealed, "text": when + f"已废止该事项（{item.repealed}）"}
    return None


@dataclass(frozen=True)
class PenaltyCheck:
    status: str  # in_tier | outside_tier | mitigated | above_legal_max
    in_range: bool
    needs_reason: bool
    needs_legal_review: bool
    needs_collective_discussion: bool
    message: str

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def check_penalty(result: BenchmarkResult, fine: Decimal) -> PenaltyCheck:
    """Is a proposed fine within the benchmark tier, and if not, what it then needs."""
    if fine > result.legal_max:
        return PenaltyCheck("above_legal_max", False, True, True, True,
                            f"拟罚款{_money(fine)}超过法定上限{_money(result.legal_max)}，不得作出（超出法定幅度）")
    if fine < result.legal_min:
        return PenaltyCheck("mitigated", False, True, True, True,
                            f"拟罚款{_money(fine)}低于法定下限{_money(result.legal_min)}，属于减轻处罚，须写明理由，"
                            "经法制审核并经负责人集体讨论")
    if result.min <= fine <= result.max:
        return PenaltyCheck("in_tier", True, False, False, False,
                            f"拟罚款{_money(fine)}在{result.tier_label}阶次幅度{_money(result.min)}至{_money(result.max)}内")
    return PenaltyCheck("outside_tier", False, True, True, False,
                        f"拟罚款{_money(fine)}在法定幅度内，但超出{result.tier_label}阶次幅度{_money(result.min)}至"
                        f"{_money(result.max)}，须写明理由并经法制审核")


@dataclass(frozen=True)
class Eligibility:
    item: str
    kind: str
    eligible: bool
    conditions: list[dict]
    measures: list[str]

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def exemption(item: ExemptionItem, facts: Facts, circumstances: Iterable[str], prior_same_violation: int,
              prior_spared: int = 0) -> Eligibility:
    """Each condition of the list item, met or not.

    `prior_same_violation` counts penalties for the same violation in the look-back, `prior_spared` the 不予处罚
    decisions on it there (the violation established and spared): 行政处罚法 第三十三条第一款 spares a 初次违法 once,
    免罚清单 say "首次被发现". An amount cap is met only by a recorded amount: a missing 货值 is never read as 0
    (docs/law.md; 行政处罚法 第四十条 — the facts are established before the decision), a recorded 0 is 0."""
    circ = set(circumstances)
    rows = []
    for c in item.conditions:
        if c == "first_offence":
            ok = prior_same_violation == 0 and prior_spared == 0
            had = ([f"已有{prior_same_violation}次同一违法行为的处罚记录"] if prior_same_violation else []) + (
                [f"有同一违法行为的不予处罚记录（{prior_spared}次，已依法不予处罚，不再属于初次违法）"] if prior_spared else [])
            detail = (f"{item.lookback_years}年内无同一违法行为的处罚记录，也无同一违法行为的不予处罚记录" if ok
                      else f"{item.lookback_years}年内" + "，".join(had))
        else:
            ok = c in circ
            detail = "已认定" if ok else "未认定"
        rows.append({"code": c, "label": EXEMPTION_CONDITIONS.get(c) or CIRCUMSTANCES[c], "met": ok, "detail": detail})
    for fact, cap in item.max_amounts:
        v = facts.get(fact)
        if v is None:  # not recorded (or recorded as 无法计算): the cap cannot be shown to hold
            rows.append({"code": f"max_{fact}", "label": f"{FACTS[fact]}不超过{cap}元", "met": False,
                         "detail": f"{FACTS[fact]}未录入，不能认定不超过{cap}元"})
            continue
        rows.append({"code": f"max_{fact}", "label": f"{FACTS[fact]}不超过{cap}元", "met": v <= cap,
                     "detail": f"{FACTS[fact]}{v}元"})
    return Eligibility(item.code, item.kind, all(r["met"] for r in rows), rows, list(item.measures))


@dataclass(frozen=True)
class Crossing:
    code: str
    offence: str
    criminal_article: str
    basis: str
    reason: str

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def thresholds(items: Sequence[Threshold], facts: Facts, circumstances: Iterable[str], party_kind: str | None,
               prior_penalties: Callable[[int], int], fields: Iterable[str] = ()) -> list[Crossing]:
    """Which 立案追诉标准 these facts cross, by which fact and figure."""
    circ, flds = set(circumstances), set(fields)
    out = []
    for t in items:
        if t.party_kind != "any" and party_kind and t.party_kind != party_kind:
            continue
        clauses = t.any_of
        if t.applies_to_fields:
            if flds and not (set(t.applies_to_fields) & flds):
                continue
            if not flds:
                # The case's field is unknown (no catalogue code): a field-specific offence is flagged only by a real
                # amount or a prior-penalty count, never by "any amount" (假药: 货值≥0) on an unrelated case.
                clauses = tuple(cl for cl in clauses if cl.prior_count_gte is not None or (cl.gte or 0) > 0)
        hit = [CIRCUMSTANCES[c] for c in t.on_circumstances if c in circ]
        if hit:
            out.append(Crossing(t.code, t.offence, t.criminal_article, t.basis, "具有" + "、".join(hit) + "情形"))
            continue
        for cl in clauses:
            if cl.prior_count_gte is not None:
                n = prior_penalties(cl.prior_within_years)
                if n >= cl.prior_count_gte:
                    out.append(Crossing(t.code, t.offence, t.criminal_article, t.basis,
                                        f"{cl.describe()}（已有{n}次）"))
                    break
                continue
            total = sum(((facts.get(f) or Decimal("0")) * w for f, w in cl.terms), Decimal("0"))
            if any(facts.get(f) is not None for f, _ in cl.terms) and total >= cl.gte:
                out.append(Crossing(t.code, t.offence, t.criminal_article, t.basis,
                                    f"{cl.describe()}：本案为{total.quantize(CENT)}元"))
                break
    return out


def _over(section: dict, party_kind: str | None, what: str, amount: Decimal | None) -> bool:
    limit = section.get(f"{what}_{'organization' if party_kind == 'organization' else 'person'}_gte")
    return amount is not None and limit is not None and amount >= limit


def hearing_right(t: Triggers, party_kind: str | None, kinds: Iterable[str], fine: Decimal | None,
                  confiscated: Decimal | None) -> bool:
    """行政处罚法 第六十三条: the kinds the article lists always, and the "其他较重的行政处罚" the agency's rules add
    (`hearing.penalty_kinds`); fines and confiscation from 较大数额 up (local figures)."""
    kinds = set(kinds)
    if kinds & (HEARING_KINDS | set(t.hearing.get("penalty_kinds") or ())):
        return True
    return (("fine" in kinds and _over(t.hearing, party_kind, "fine", fine))
            or _over(t.hearing, party_kind, "confiscation", confiscated))


def review_reasons(t: Triggers, party_kind: str | None, kinds: Iterable[str], fine: Decimal | None, *, heard: bool,
                   outside_benchmark: bool, mitigated: bool) -> list[str]:
    """Why a decision is major and needs 法制审核 (行政处罚法 第五十八条 and the agency's 法制审核目录)."""
    lr, kinds, out = t.legal_review, set(kinds), []
    if "fine" in kinds and _over(lr, party_kind, "fine", fine):
        out.append(f"罚款{_money(fine)}达到法制审核目录的数额标准")
    heavy = kinds & set(lr.get("penalty_kinds") or ())
    if heavy:
        out.append("处罚种类包括" + "、".join(PENALTY_KINDS[k] for k in sorted(heavy)))
    if heard and lr.get("heard_cases"):
        out.append("经过听证程序（行政处罚法第五十八条第一款第二项）")
    if outside_benchmark and lr.get("outside_benchmark"):
        out.append("处罚超出裁量基准阶次")
    if mitigated and lr.get("mitigated"):
        out.append("减轻处罚")
    return out


def discussion_reasons(t: Triggers, party_kind: str | None, kinds: Iterable[str], fine: Decimal | None, *,
                       mitigated: bool) -> list[str]:
    """Why the decision needs 负责人集体讨论 (行政处罚法 第五十七条第二款 and local rules)."""
    cd, kinds, out = t.collective_discussion, set(kinds), []
    if "fine" in kinds and _over(cd, party_kind, "fine", fine):
        out.append(f"罚款{_money(fine)}达到集体讨论的数额标准")
    heavy = kinds & set(cd.get("penalty_kinds") or ())
    if heavy:
        out.append("处罚种类包括" + "、".join(PENALTY_KINDS[k] for k in sorted(heavy)))
    if mitigated and cd.get("mitigated"):
        out.append("减轻处罚须经集体讨论")
    return out
