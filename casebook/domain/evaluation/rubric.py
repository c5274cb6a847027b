"""The evaluation rubric (评查标准) as data, and its arithmetic.

A rubric is configuration, versioned and effective-dated like the rules catalogue: veto items (一票否决:
any one makes the file 不合格 with a score of 0), categories with points (卷面 20 + 内容 80 by default), items
with a deduction per defect floored at 0, grade cut-offs, and items whose defect bars the file from 优秀
(基本要素). No national rubric exists; the default follows the common provincial pattern (e.g. DB32/T
4181-2021《行政执法案卷制作及评查规范》) and 行政执法监督条例 (国务院令第825号) 对案卷评查的要求.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from casebook.domain.errors import ValidationFailed

ZERO = Decimal("0")


@dataclass(frozen=True)
class Veto:
    code: str
    label: str
    article: str = ""
    check: str | None = None  # the auto-check that finds it, if any


@dataclass(frozen=True)
class Item:
    code: str
    category: str
    label: str
    points: Decimal
    deduction: Decimal  # per defect
    article: str = ""
    check: str | None = None
    bars_excellent: bool = False  # a defect here bars the file from the top grade (基本要素)


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    points: Decimal
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Grade:
    code: str
    label: str
    min_score: Decimal


@dataclass(frozen=True)
class Rubric:
    code: str
    name: str
    version: int
    effective_from: dt.date
    effective_to: dt.date | None
    vetoes: tuple[Veto, ...]
    categories: tuple[Category, ...]
    grades: tuple[Grade, ...]  # highest first; the last has min_score 0
    basis: str = ""
    #: 音像记录事项清单: the acts that must have an audio-visual recording covering their time (configurable).
    recorded_acts: dict = field(default_factory=dict)

    @property
    def total_points(self) -> Decimal:
        return sum((c.points for c in self.categories), ZERO)

    def items(self) -> dict[str, Item]:
        return {i.code: i for c in self.categories for i in c.items}

    def veto_codes(self) -> dict[str, Veto]:
        return {v.code: v for v in self.vetoes}

    def item_for_check(self, check: str) -> Item | None:
        return next((i for i in self.items().values() if i.check == check), None)

    def veto_for_check(self, check: str) -> Veto | None:
        return next((v for v in self.vetoes if v.check == check), None)

    def grade_for(self, score: Decimal) -> Grade:
        for g in self.grades:
            if score >= g.min_score:
                return g
        return self.grades[-1]


@dataclass(frozen=True)
class ItemScore:
    code: str
    points: Decimal
    defects: int
    score: Decimal


@dataclass(frozen=True)
class Result:
    total: Decimal
    grade: Grade
    vetoed: tuple[str, ...]
    barred_by: tuple[str, ...]  # items whose defect kept the file from the top grade
    categories: dict[str, Decimal] = field(default_factory=dict)
    items: dict[str, ItemScore] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"total": str(self.total), "grade": self.grade.code, "grade_label": self.grade.label,
                "vetoed": list(self.vetoed), "barred_by": list(self.barred_by),
                "categories": {k: str(v) for k, v in self.categories.items()},
                "items": {k: {"points": str(v.points), "defects": v.defects, "score": str(v.score)}
                          for k, v in self.items.items()}}


def score(rubric: Rubric, defects: Mapping[str, int], vetoes: set[str] | frozenset[str] | tuple = ()) -> Result:
    """Score a file: each item loses its deduction per defect, floored at 0; a category is the sum of its items;
    any veto makes the total 0 and the grade the lowest (一票否决); a defect on a 基本要素 item keeps the file
    out of the top grade whatever its score."""
    known_items, known_vetoes = rubric.items(), rubric.veto_codes()
    unknown = [c for c in defects if c not in known_items] + [v for v in vetoes if v not in known_vetoes]
    if unknown:
        raise ValidationFailed(f"评查标准中没有这些项目：{'、'.join(sorted(unknown))}", code="rubric_item_unknown")
    if any(int(n) < 0 for n in defects.values()):
        raise ValidationFailed("问题数量不能为负数", code="rubric_defects_negative")
    items: dict[str, ItemScore] = {}
    cats: dict[str, Decimal] = {}
    for c in rubric.categories:
        total = ZERO
        for i in c.items:
            n = int(defects.get(i.code, 0))
            s = max(ZERO, i.points - i.deduction * n)
            items[i.code] = ItemScore(i.code, i.points, n, s)
            total += s
        cats[c.code] = max(ZERO, total)
    vetoed = tuple(v.code for v in rubric.vetoes if v.code in set(vetoes))
    barred = tuple(i.code for i in known_items.values() if i.bars_excellent and items[i.code].defects > 0)
    if vetoed:
        return Result(ZERO, rubric.grades[-1], vetoed, barred, cats, items)
    total = sum(cats.values(), ZERO)
    grade = rubric.grade_for(total)
    if barred and grade is rubric.grades[0] and len(rubric.grades) > 1:
        grade = rubric.grades[1]
    return Result(total, grade, vetoed, barred, cats, items)


# --- parsing -----------------------------------------------------------------------------------------------


def _dec(v, where: str, problems: list[str]) -> Decimal:
    try:
        d = Decimal(str(v))
    except (InvalidOperation, ValueError):
        problems.append(f"{where}：“{v}”不是数字")
        return ZERO
    if d < 0 or d != d:
        problems.append(f"{where}：分值不能为负数")
        return ZERO
    return d


def _date(v, where: str, problems: list[str]) -> dt.date | None:
    if v is None or isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v))
    except ValueError:
        problems.append(f"{where}：“{v}”不是日期（YYYY-MM-DD）")
        return None


def parse(data: Mapping) -> Rubric:
    """Check and build a rubric from its YAML/JSON form; every problem is reported at once, in Chinese."""
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise ValidationFailed("评查标准须为一个映射（YAML 对象）", code="rubric_invalid")
    code = str(data.get("code") or "").strip()
    if not code:
        problems.append("缺少标准代码（code）")
    try:
        version = int(data.get("version"))
        if version < 1:
            raise ValueError
    except (TypeError, ValueError):
        problems.append("版本号（version）须为正整数")
        version = 0
    eff_from = _date(data.get("effective_from"), "生效日期", problems)
    if eff_from is None and "effective_from" not in data:
        problems.append("缺少生效日期（effective_from）")
    eff_to = _date(data.get("effective_to"), "失效日期", problems)
    if eff_from and eff_to and eff_to < eff_from:
        problems.append("失效日期早于生效日期")
    seen: set[str] = set()
    vetoes = []
    for n, v in enumerate(data.get("vetoes") or (), 1):
        if not isinstance(v, Mapping) or not v.get("code") or not v.get("label"):
            problems.append(f"否决项第{n}项：须有 code 和 label")
            continue
        if v["code"] in seen:
            problems.append(f"项目代码重复：{v['code']}")
        seen.add(v["code"])
        vetoes.append(Veto(str(v["code"]), str(v["label"]), str(v.get("article") or ""), v.get("check")))
    cats = []
    for n, c in enumerate(data.get("categories") or (), 1):
        if not isinstance(c, Mapping) or not c.get("code") or not c.get("label"):
            problems.append(f"类别第{n}项：须有 code 和 label")
            continue
        pts = _dec(c.get("points"), f"类别“{c['label']}”", problems)
        items = []
        for k, i in enumerate(c.get("items") or (), 1):
            if not isinstance(i, Mapping) or not i.get("code") or not i.get("label"):
                problems.append(f"类别“{c['label']}”第{k}项：须有 code 和 label")
                continue
            if i["code"] in seen:
                problems.append(f"项目代码重复：{i['code']}")
            seen.add(i["code"])
            ip = _dec(i.get("points"), f"项目“{i['label']}”", problems)
            ded = _dec(i.get("deduction", ip), f"项目“{i['label']}”的扣分", problems)
            if ded == 0:
                problems.append(f"项目“{i['label']}”：每处扣分须大于0")
            items.append(Item(str(i["code"]), str(c["code"]), str(i["label"]), ip, ded, str(i.get("article") or ""),
                              i.get("check"), bool(i.get("bars_excellent", False))))
        if sum((i.points for i in items), ZERO) != pts:
            problems.append(f"类别“{c['label']}”：各项目分值之和（{sum((i.points for i in items), ZERO)}）不等于类别分值（{pts}）")
        cats.append(Category(str(c["code"]), str(c["label"]), pts, tuple(items)))
    if not cats:
        problems.append("至少须有一个评分类别")
    total = sum((c.points for c in cats), ZERO)
    if cats and total != 100:
        problems.append(f"各类别分值之和须为100，现为{total}")
    grades = []
    for n, g in enumerate(data.get("grades") or (), 1):
        if not isinstance(g, Mapping) or not g.get("code") or not g.get("label"):
            problems.append(f"等次第{n}项：须有 code 和 label")
            continue
        grades.append(Grade(str(g["code"]), str(g["label"]), _dec(g.get("min_score", 0), f"等次“{g['label']}”", problems)))
    grades.sort(key=lambda g: g.min_score, reverse=True)
    if not grades:
        problems.append("至少须有一个等次")
    elif grades[-1].min_score != 0:
        problems.append("最低等次的下限须为0")
    elif len({g.min_score for g in grades}) != len(grades):
        problems.append("等次下限不得重复")
    recorded = data.get("recorded_acts") or {}
    if not isinstance(recorded, Mapping):
        problems.append("音像记录事项清单（recorded_acts）须为映射")
        recorded = {}
    else:
        from casebook.domain.vocabulary import INVESTIGATION_ACT_KINDS, SERVICE_METHODS

        bad = [k for k in recorded.get("investigation") or () if k not in INVESTIGATION_ACT_KINDS]
        bad += [k for k in recorded.get("service_methods") or () if k not in SERVICE_METHODS]
        if bad:
            problems.append(f"音像记录事项清单中有未知的执法活动：{'、'.join(map(str, bad))}")
    if problems:
        raise ValidationFailed("评查标准有误：" + "；".join(problems), code="rubric_invalid")
    return Rubric(code, str(data.get("name") or code), version, eff_from, eff_to, tuple(vetoes), tuple(cats),
                  tuple(grades), str(data.get("basis") or ""), dict(recorded))
