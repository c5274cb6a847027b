"""Catalogue documents as plain, immutable data, and their validation from YAML-shaped dicts.

Validation collects every problem with its path (for YAML) or row and column (for XLSX), in Chinese,
and nothing is imported when anything is wrong.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from casebook.domain.general_provisions import LONG_LIMITATION_CATEGORIES
from casebook.domain.lifecycle import PENALTY_KINDS

KINDS = {"benchmark": "裁量基准", "exemption_list": "免罚清单", "prosecution_thresholds": "立案追诉标准", "triggers": "审核与听证触发条件"}
FACTS = {"illegal_gains": "违法所得", "goods_value": "货值金额", "sales_amount": "销售金额", "turnover": "经营额",
         "advertising_fee": "广告费用"}
TIERS = {"none": "不予处罚", "mitigated": "减轻处罚", "lenient": "从轻处罚", "standard": "一般处罚", "severe": "从重处罚"}
EXEMPTION_KINDS = {"no_penalty": "不予处罚", "first_offence": "首违不罚", "mitigated": "减轻处罚", "lenient": "从轻处罚"}
MEASURES = {"order_correction": "责令改正", "criticism_education": "批评教育", "commitment_letter": "承诺书",
            "admonition_talk": "告诫约谈", "reminder_letter": "行政提醒书"}
EXEMPTION_CONDITIONS = {"first_offence": "初次违法（回溯期内无同一违法行为的处罚或不予处罚）", "minor": "违法行为轻微",
                        "corrected_promptly": "及时改正", "corrected_within_deadline": "在责令改正期限内改正",
                        "no_harm": "没有造成危害后果", "harm_minor": "危害后果轻微", "no_fault": "没有主观过错"}
CIRCUMSTANCES = {
    "first_offence": "初次违法", "minor": "违法行为轻微", "corrected_promptly": "及时改正",
    "corrected_within_deadline": "在责令改正期限内改正", "no_harm": "没有造成危害后果", "harm_minor": "危害后果轻微",
    "no_fault": "没有主观过错", "eliminated_consequences": "主动消除或者减轻危害后果", "coerced": "受他人胁迫或者诱骗",
    "confessed_unknown": "主动供述尚未掌握的违法行为", "meritorious": "配合查处有立功表现", "cooperated": "积极配合调查",
    "repeat_offence": "多次违法", "serious_harm": "造成严重危害后果", "minors_involved": "涉及未成年人",
    "obstructed": "拒不配合、阻碍调查", "destroyed_evidence": "伪造、隐匿、毁灭证据", "public_emergency": "在突发事件期间实施",
    "toxic_non_food_additive": "掺入有毒、有害的非食品原料", "pathogen_exceeded": "致病微生物、农残兽残、生物毒素、重金属等严重超标",
    "diseased_meat": "病死、死因不明或检验检疫不合格的畜禽肉类", "banned_product": "明令禁止生产销售的产品",
    "infant_food_nutrients": "特医、婴幼儿食品营养成分严重不符合标准", "hazardous_waste_3t": "非法处置危险废物三吨以上",
    "heavy_metal_3x": "铅汞镉铬砷铊锑超标三倍以上", "heavy_metal_10x": "镍铜锌银钒锰钴超标十倍以上",
    "hidden_pipe": "暗管、渗井、渗坑等逃避监管排放", "falsified_monitoring": "篡改、伪造自动监测数据",
    "protected_area_discharge": "在饮用水水源保护区等区域排放有毒物质", "unlicensed_practice": "未取得医生执业资格非法行医",
    "injury_caused": "造成就诊人轻度残疾或一般功能障碍",
    "harm_caused": "造成危害后果",
    "incapacity": "不能辨认或者不能控制自己行为的精神病人、智力残疾人",
    "limited_capacity": "尚未完全丧失辨认或者控制自己行为能力的精神病人、智力残疾人",
}
DEFAULT_TIER_RULE = {"lenient": (Decimal("0"), Decimal("0.3")), "standard": (Decimal("0.3"), Decimal("0.7")),
                     "severe": (Decimal("0.7"), Decimal("1"))}


class CatalogueInvalid(Exception):
    """Every problem found, each `(where, message)`; nothing is imported."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{w}: {m}" for w, m in problems[:20]))


# --- the data ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cond:
    """A comparison on one fact: lt / lte / gt / gte against a yuan amount."""

    fact: str
    op: str
    value: Decimal

    def holds(self, facts: dict[str, Decimal | None]) -> bool:
        v = facts.get(self.fact)
        if v is None:
            v = Decimal("0")
        return {"lt": v < self.value, "lte": v <= self.value, "gt": v > self.value, "gte": v >= self.value}[self.op]


@dataclass(frozen=True)
class Amounts:
    """A fine range: fixed yuan, or multiples of a fact with an optional floor."""

    fixed_min: Decimal | None = None
    fixed_max: Decimal | None = None
    fact: str | None = None
    mult_min: Decimal | None = None
    mult_max: Decimal | None = None
    floor: Decimal | None = None

    def resolve(self, facts: dict[str, Decimal | None]) -> tuple[Decimal, Decimal, str]:
        if self.fact is None:
            return self.fixed_min, self.fixed_max, f"{self.fixed_min}元至{self.fixed_max}元"
        base = facts.get(self.fact) or Decimal("0")
        lo, hi = (base * self.mult_min).quantize(Decimal("0.01")), (base * self.mult_max).quantize(Decimal("0.01"))
        text = f"{FACTS[self.fact]}{base}元的{_n(self.mult_min)}至{_n(self.mult_max)}倍"
        if self.floor is not None and lo < self.floor:
            lo = self.floor
            hi = max(hi, self.floor)
            text += f"（不足{self.floor}元的按{self.floor}元计）"
        return lo, hi, text


def _n(d: Decimal) -> str:
    return format(d.normalize(), "f")


@dataclass(frozen=True)
class Band:
    when: tuple[Cond, ...]
    amounts: Amounts


@dataclass(frozen=True)
class Tier:
    tier: str
    conditions: tuple[str, ...] = ()
    fraction: tuple[Decimal, Decimal] | None = None
    fixed: tuple[Decimal, Decimal] | None = None
    measures: tuple[str, ...] = ()


@dataclass(frozen=True)
class ViolationItem:
    code: str
    field: str
    name: str
    violated_provision: str
    penalty_provision: str
    penalty_kinds: tuple[str, ...]
    bands: tuple[Band, ...]
    side_penalties: tuple[str, ...] = ()
    tiers: tuple[Tier, ...] = ()
    description: str = ""
    # 行政处罚法 第三十六条: life_health_safety / financial_safety — five years' limitation when harm was caused
    limitation_category: str | None = None
    # 行政处罚法 第三十七条: the provision that repealed the item (this version no longer treats the act as a violation)
    repealed: str = ""
    # 第四十条 / the statute's own branch for a fact that cannot be computed (产品质量法 货值金额无法计算, 没有违法所得):
    # ((fact, Amounts, clause), …) — the range the law gives when that fact is recorded as 无法计算 (never read as 0),
    # with the statute's own words for the branch ("广告费用无法计算或者明显偏低的")
    uncomputable: tuple = ()

    def uncomputable_branch(self, fact: str):
        return next(((a, clause) for f, a, clause in self.uncomputable if f == fact), None)


@dataclass(frozen=True)
class ExemptionItem:
    code: str
    kind: str
    violation_catalogue: str
    violation_code: str
    description: str
    conditions: tuple[str, ...]
    max_amounts: tuple[tuple[str, Decimal], ...] = ()
    lookback_years: int = 2
    measures: tuple[str, ...] = ()


@dataclass(frozen=True)
class Clause:
    """One way a threshold is crossed: a fact, a weighted sum of facts, circumstances, or prior penalties."""

    terms: tuple[tuple[str, Decimal], ...] = ()  # (fact, weight); one term = a plain fact
    gte: Decimal | None = None
    prior_count_gte: int | None = None
    prior_within_years: int | None = None

    def describe(self) -> str:
        if self.prior_count_gte is not None:
            return f"{self.prior_within_years}年内因同一违法行为受过{self.prior_count_gte}次以上行政处罚又实施的"
        parts = [FACTS[f] + (f"×{_n(w)}" if w != 1 else "") for f, w in self.terms]
        return f"{'＋'.join(parts)}≥{self.gte}元"


@dataclass(frozen=True)
class Threshold:
    code: str
    offence: str
    criminal_article: str
    basis: str
    any_of: tuple[Clause, ...] = ()
    on_circumstances: tuple[str, ...] = ()
    party_kind: str = "any"
    applies_to_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Triggers:
    agency: str
    legal_review: dict = field(default_factory=dict)
    collective_discussion: dict = field(default_factory=dict)
    hearing: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Catalogue:
    code: str
    kind: str
    name: str
    issuer: str
    document_no: str
    version: int
    effective_from: dt.date
    effective_to: dt.date | None
    scope: str = ""
    tier_rule: tuple[tuple[str, Decimal, Decimal], ...] = ()
    items: tuple = ()  # ViolationItem | ExemptionItem | Threshold | Triggers, by kind

    def effective_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)

    def tier_fractions(self) -> dict[str, tuple[Decimal, Decimal]]:
        return {t: (a, b) for t, a, b in self.tier_rule} or dict(DEFAULT_TIER_RULE)


# --- parsing with every problem reported ------------------------------------------------------------


class _P:
    def __init__(self):
        self.problems: list[tuple[str, str]] = []

    def err(self, where: str, msg: str) -> None:
        self.problems.append((where, msg))

    def req(self, d: dict, key: str, where: str, kind=str):
        if not isinstance(d, dict) or key not in d or d[key] in (None, ""):
            self.err(f"{where}.{key}", "必填")
            return None
        v = d[key]
        if kind is str and not isinstance(v, str):
            self.err(f"{where}.{key}", "应为文本")
            return None
        return v

    def money(self, v: Any, where: str, *, positive: bool = False) -> Decimal | None:
        if isinstance(v, bool) or not isinstance(v, str | int):
            self.err(where, "金额须写成文本（如 \"50000\"），不能是小数")
            return None
        try:
            d = Decimal(str(v))
        except InvalidOperation:
            self.err(where, f"不是有效金额：{v}")
            return None
        if not d.is_finite() or d < 0 or (positive and d <= 0):
            self.err(where, f"金额须为{'正数' if positive else '非负数'}：{v}")
            return None
        return d

    def date(self, v: Any, where: str) -> dt.date | None:
        if isinstance(v, dt.date):
            return v
        try:
            return dt.date.fromisoformat(str(v))
        except ValueError:
            self.err(where, f"不是有效日期（YYYY-MM-DD）：{v}")
            return None

    def codes(self, v: Any, allowed: dict, where: str) -> tuple[str, ...]:
        if v is None:
            return ()
        if not isinstance(v, list):
            self.err(where, "应为列表")
            return ()
        bad = [x for x in v if x not in allowed]
        for x in bad:
            self.err(where, f"未知代码：{x}")
        return tuple(x for x in v if x in allowed)

    def fact(self, v: Any, where: str) -> str | None:
        if v not in FACTS:
            self.err(where, f"未知的金额事实：{v}（可用：{'、'.join(FACTS)}）")
            return None
        return v


def parse_catalogue(doc: Any) -> Catalogue:
    """Validate a YAML-shaped catalogue document; raise CatalogueInvalid listing every problem."""
    p = _P()
    if not isinstance(doc, dict) or not isinstance(doc.get("catalogue"), dict):
        raise CatalogueInvalid([("catalogue", "缺少 catalogue 头部")])
    h = doc["catalogue"]
    kind = p.req(h, "kind", "catalogue")
    if kind is not None and kind not in KINDS:
        p.err("catalogue.kind", f"未知类型：{kind}")
        kind = None
    version = h.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        p.err("catalogue.version", "版本号须为正整数")
    eff_from = p.date(h.get("effective_from"), "catalogue.effective_from") if h.get("effective_from") else None
    if eff_from is None and not h.get("effective_from"):
        p.err("catalogue.effective_from", "必填")
    eff_to = p.date(h["effective_to"], "catalogue.effective_to") if h.get("effective_to") else None
    if eff_from and eff_to and eff_to <= eff_from:
        p.err("catalogue.effective_to", "失效日期须晚于生效日期")
    tier_rule = _tier_rule(p, h.get("tier_rule"))
    for k in ("code", "name", "issuer", "document_no"):
        p.req(h, k, "catalogue")
    items: tuple = ()
    if kind == "benchmark":
        items = _many(p, doc, "violation_items", _violation)
    elif kind == "exemption_list":
        items = _many(p, doc, "exemption_items", _exemption)
    elif kind == "prosecution_thresholds":
        items = _many(p, doc, "thresholds", _threshold)
    elif kind == "triggers":
        items = _many(p, doc, "triggers", _triggers)
    if p.problems:
        raise CatalogueInvalid(p.problems)
    return Catalogue(h["code"], kind, h["name"], h["issuer"], h["document_no"], version, eff_from, eff_to,
                     h.get("scope") or "", tier_rule, items)


def _tier_rule(p: _P, rule: Any) -> tuple:
    if rule is None:
        return ()
    out = []
    if not isinstance(rule, dict):
        p.err("catalogue.tier_rule", "应为对象")
        return ()
    for tier, rng in rule.items():
        if tier not in ("lenient", "standard", "severe") or not (isinstance(rng, list) and len(rng) == 2):
            p.err(f"catalogue.tier_rule.{tier}", "应为 lenient/standard/severe: [下限比例, 上限比例]")
            continue
        a, b = Decimal(str(rng[0])), Decimal(str(rng[1]))
        if not (0 <= a < b <= 1):
            p.err(f"catalogue.tier_rule.{tier}", "比例须满足 0 ≤ 下限 < 上限 ≤ 1")
        out.append((tier, a, b))
    return tuple(out)


def _many(p: _P, doc: dict, key: str, fn) -> tuple:
    rows = doc.get(key)
    if not isinstance(rows, list) or not rows:
        p.err(key, "至少需要一项")
        return ()
    out, seen = [], set()
    for i, row in enumerate(rows):
        where = f"{key}[{i}]"
        if not isinstance(row, dict):
            p.err(where, "应为对象")
            continue
        code = row.get("code") or row.get("agency")
        if code in seen:
            p.err(f"{where}.code", f"编码重复：{code}")
        seen.add(code)
        item = fn(p, row, where)
        if item is not None:
            out.append(item)
    return tuple(out)


def _amounts(p: _P, d: Any, where: str) -> Amounts | None:
    if not isinstance(d, dict):
        p.err(where, "应为 fixed 或 multiple")
        return None
    if "fixed" in d:
        f = d["fixed"] or {}
        lo, hi = p.money(f.get("min"), f"{where}.fixed.min"), p.money(f.get("max"), f"{where}.fixed.max")
        if lo is not None and hi is not None and lo > hi:
            p.err(f"{where}.fixed", "下限不能高于上限")
        return Amounts(fixed_min=lo, fixed_max=hi)
    if "multiple" in d:
        m = d["multiple"] or {}
        fact = p.fact(m.get("fact"), f"{where}.multiple.fact")
        lo, hi = p.money(m.get("min"), f"{where}.multiple.min"), p.money(m.get("max"), f"{where}.multiple.max", positive=True)
        if lo is not None and hi is not None and lo > hi:
            p.err(f"{where}.multiple", "最低倍数不能高于最高倍数")
        floor = p.money(m["floor"], f"{where}.multiple.floor") if m.get("floor") is not None else None
        return Amounts(fact=fact, mult_min=lo, mult_max=hi, floor=floor)
    p.err(where, "应为 fixed 或 multiple")
    return None


def _conds(p: _P, d: Any, where: str) -> tuple[Cond, ...]:
    if not isinstance(d, dict):
        p.err(where, "应为条件对象，如 {fact: goods_value, lt: \"10000\"}")
        return ()
    fact = p.fact(d.get("fact"), f"{where}.fact")
    out = []
    for op in ("lt", "lte", "gt", "gte"):
        if op in d:
            v = p.money(d[op], f"{where}.{op}")
            if fact and v is not None:
                out.append(Cond(fact, op, v))
    if not out:
        p.err(where, "须给出 lt/lte/gt/gte 之一")
    return tuple(out)


def _violation(p: _P, r: dict, where: str) -> ViolationItem | None:
    for k in ("code", "field", "name", "violated_provision", "penalty_provision"):
        p.req(r, k, where)
    kinds = p.codes(r.get("penalty_kinds"), PENALTY_KINDS, f"{where}.penalty_kinds")
    if not kinds:
        p.err(f"{where}.penalty_kinds", "至少一种处罚种类")
    rng = r.get("range")
    bands: list[Band] = []
    if not isinstance(rng, dict):
        if "fine" in kinds:
            p.err(f"{where}.range", "含罚款的事项须给出法定罚款幅度")
    elif "bands" in rng:
        for j, b in enumerate(rng["bands"] or []):
            bw = f"{where}.range.bands[{j}]"
            conds = _conds(p, (b or {}).get("when"), f"{bw}.when")
            am = _amounts(p, b, bw)
            if am:
                bands.append(Band(conds, am))
        _check_partition(p, bands, f"{where}.range.bands")
    else:
        am = _amounts(p, rng, f"{where}.range")
        if am:
            bands.append(Band((), am))
    tiers = []
    for j, t in enumerate(r.get("tiers") or []):
        tw = f"{where}.tiers[{j}]"
        tier = t.get("tier") if isinstance(t, dict) else None
        if tier not in TIERS:
            p.err(f"{tw}.tier", f"未知阶次：{tier}")
            continue
        conds = p.codes(t.get("conditions"), CIRCUMSTANCES, f"{tw}.conditions")
        rr = t.get("range") or {}
        frac = fixed = None
        if "fraction" in rr:
            a, b = (Decimal(str(x)) for x in rr["fraction"])
            if not (0 <= a <= b <= 1):
                p.err(f"{tw}.range.fraction", "比例须满足 0 ≤ 下限 ≤ 上限 ≤ 1")
            frac = (a, b)
        elif "fixed" in rr:
            lo, hi = p.money(rr["fixed"].get("min"), f"{tw}.range.fixed.min"), p.money(rr["fixed"].get("max"), f"{tw}.range.fixed.max")
            fixed = (lo, hi)
        elif tier != "none":
            p.err(f"{tw}.range", "须给出 fraction 或 fixed")
        tiers.append(Tier(tier, conds, frac, fixed, p.codes(t.get("measures"), MEASURES, f"{tw}.measures")))
    category = r.get("limitation_category")
    if category is not None and category not in LONG_LIMITATION_CATEGORIES:
        p.err(f"{where}.limitation_category",
              f"未知的时效类别：{category}（可用：{'、'.join(LONG_LIMITATION_CATEGORIES)}）")
        category = None
    repealed = r.get("repealed") or ""
    if repealed and not isinstance(repealed, str):
        p.err(f"{where}.repealed", "应为废止依据（文本），如“鲁市监规〔2024〕1号废止”")
        repealed = ""
    unc = []
    for f, d in (r.get("uncomputable") or {}).items() if isinstance(r.get("uncomputable") or {}, dict) else ():
        uw = f"{where}.uncomputable.{f}"
        if p.fact(f, uw) is None:
            continue
        if f not in {x for b in bands for x in [c.fact for c in b.when] + ([b.amounts.fact] if b.amounts.fact else [])}:
            p.err(uw, f"事项的罚款幅度不以{FACTS[f]}计算，无须“无法计算”的幅度")
            continue
        if not isinstance(d, dict) or not isinstance(d.get("clause"), str) or not d.get("clause").strip():
            p.err(f"{uw}.clause", "须引用法条中无法计算时的原文，如“广告费用无法计算或者明显偏低的”")
            continue
        am = _amounts(p, {k: v for k, v in d.items() if k != "clause"}, uw)
        if am is not None and am.fact is not None:
            p.err(uw, "无法计算时的幅度须为固定金额（fixed）")
        elif am is not None:
            unc.append((f, am, d["clause"].strip()))
    if r.get("uncomputable") is not None and not isinstance(r.get("uncomputable"), dict):
        p.err(f"{where}.uncomputable", "应为 {事实: {fixed: {min, max}}}")
    return ViolationItem(r.get("code"), r.get("field"), r.get("name"), r.get("violated_provision"),
                         r.get("penalty_provision"), kinds, tuple(bands),
                         p.codes(r.get("side_penalties"), PENALTY_KINDS, f"{where}.side_penalties"), tuple(tiers),
                         r.get("description") or "", category, repealed, tuple(unc))


def _check_partition(p: _P, bands: list[Band], where: str) -> None:
    """Bands on one fact must cover every amount exactly once (no gap, no overlap)."""
    if not bands:
        p.err(where, "至少一个区间")
        return
    probes = {Decimal("0")}
    for b in bands:
        for c in b.when:
            probes |= {c.value, c.value - Decimal("0.01"), c.value + Decimal("0.01")}
    for v in sorted(probes):
        if v < 0:
            continue
        facts = {c.fact: v for b in bands for c in b.when}
        hits = sum(all(c.holds(facts) for c in b.when) for b in bands)
        if hits != 1:
            p.err(where, f"区间在金额{v}元处{'重叠' if hits > 1 else '有空缺'}")
            return


def _exemption(p: _P, r: dict, where: str) -> ExemptionItem | None:
    for k in ("code", "violation_catalogue", "violation_code", "description"):
        p.req(r, k, where)
    if r.get("kind") not in EXEMPTION_KINDS:
        p.err(f"{where}.kind", f"未知类型：{r.get('kind')}")
    conds = p.codes(r.get("conditions"), {**CIRCUMSTANCES, **EXEMPTION_CONDITIONS}, f"{where}.conditions")
    maxes = []
    for f, v in (r.get("max_amounts") or {}).items():
        if p.fact(f, f"{where}.max_amounts") and (m := p.money(v, f"{where}.max_amounts.{f}")) is not None:
            maxes.append((f, m))
    lb = r.get("lookback_years", 2)
    if not isinstance(lb, int) or lb < 0 or lb > 10:
        p.err(f"{where}.lookback_years", "回溯年限须为0至10的整数")
    return ExemptionItem(r.get("code"), r.get("kind"), r.get("violation_catalogue"), r.get("violation_code"),
                         r.get("description"), conds, tuple(maxes), lb if isinstance(lb, int) else 2,
                         p.codes(r.get("measures"), MEASURES, f"{where}.measures"))


def _threshold(p: _P, r: dict, where: str) -> Threshold | None:
    for k in ("code", "offence", "criminal_article", "basis"):
        p.req(r, k, where)
    clauses = []
    for j, c in enumerate(r.get("any_of") or []):
        cw = f"{where}.any_of[{j}]"
        if not isinstance(c, dict):
            p.err(cw, "应为对象")
            continue
        if "prior_penalties" in c:
            pp = c["prior_penalties"] or {}
            n, yrs = pp.get("count_gte"), pp.get("within_years")
            if not (isinstance(n, int) and n >= 1 and isinstance(yrs, int) and yrs >= 1):
                p.err(cw, "prior_penalties 须有 count_gte 与 within_years（正整数）")
                continue
            clauses.append(Clause(prior_count_gte=n, prior_within_years=yrs))
            continue
        gte = p.money(c.get("gte"), f"{cw}.gte")
        if "sum" in c:
            terms = []
            for k, t in enumerate(c["sum"] or []):
                f = p.fact((t or {}).get("fact"), f"{cw}.sum[{k}].fact")
                w = p.money((t or {}).get("times", "1"), f"{cw}.sum[{k}].times", positive=True)
                if f and w is not None:
                    terms.append((f, w))
        else:
            f = p.fact(c.get("fact"), f"{cw}.fact")
            terms = [(f, Decimal("1"))] if f else []
        if terms and gte is not None:
            clauses.append(Clause(tuple(terms), gte))
    circ = p.codes(r.get("on_circumstances"), CIRCUMSTANCES, f"{where}.on_circumstances")
    if not clauses and not circ:
        p.err(where, "须给出 any_of 或 on_circumstances")
    pk = r.get("party_kind", "any")
    if pk not in ("any", "person", "organization"):
        p.err(f"{where}.party_kind", f"未知当事人类型：{pk}")
    return Threshold(r.get("code"), r.get("offence"), r.get("criminal_article"), r.get("basis"), tuple(clauses), circ,
                     pk, tuple(r.get("applies_to_fields") or ()))


TRIGGER_KEYS = {
    "legal_review": {"fine_person_gte", "fine_organization_gte", "penalty_kinds", "heard_cases", "outside_benchmark", "mitigated"},
    "collective_discussion": {"fine_person_gte", "fine_organization_gte", "mitigated", "penalty_kinds"},
    # penalty_kinds: 第六十三条第一款第五项 "其他较重的行政处罚" as the agency's rules name them (暂扣许可证件,
    # 限制开展生产经营活动 …), beside the kinds the article lists itself (lifecycle.HEARING_KINDS, always)
    "hearing": {"fine_person_gte", "fine_organization_gte", "confiscation_person_gte", "confiscation_organization_gte",
                "penalty_kinds"},
}


def _triggers(p: _P, r: dict, where: str) -> Triggers | None:
    p.req(r, "agency", where)
    out = {}
    for section, keys in TRIGGER_KEYS.items():
        sec = r.get(section) or {}
        parsed = {}
        for k, v in sec.items():
            if k not in keys:
                p.err(f"{where}.{section}.{k}", "未知设置")
            elif k.endswith("_gte"):
                parsed[k] = p.money(v, f"{where}.{section}.{k}")
            elif k == "penalty_kinds":
                parsed[k] = p.codes(v, PENALTY_KINDS, f"{where}.{section}.{k}")
            else:
                parsed[k] = bool(v)
        out[section] = parsed
    return Triggers(r.get("agency"), out["legal_review"], out["collective_discussion"], out["hearing"])
