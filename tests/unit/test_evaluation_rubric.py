"""The rubric arithmetic (案卷评查): vetoes, floors at 0, grade cut-offs, 基本要素 barring the top grade, parsing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from casebook.domain.errors import ValidationFailed
from casebook.domain.evaluation import rubric as rb

DEFAULT = Path(__file__).resolve().parents[2] / "casebook" / "data" / "rubrics" / "default.yaml"


def small(**over) -> dict:
    d = {"code": "t", "version": 1, "effective_from": "2026-01-01",
         "vetoes": [{"code": "V1", "label": "执法人员少于两人"}],
         "categories": [
             {"code": "form", "label": "卷面", "points": 20, "items": [
                 {"code": "F1", "label": "文书填写", "points": 10, "deduction": 1},
                 {"code": "F2", "label": "印章", "points": "10", "deduction": "0.5", "bars_excellent": True}]},
             {"code": "content", "label": "内容", "points": 80, "items": [
                 {"code": "C1", "label": "事实证据", "points": 80, "deduction": 10}]}],
         "grades": [{"code": "excellent", "label": "优秀", "min_score": 90}, {"code": "good", "label": "良好", "min_score": 80},
                    {"code": "pass", "label": "合格", "min_score": 60}, {"code": "fail", "label": "不合格", "min_score": 0}]}
    d.update(over)
    return d


R = rb.parse(small())


def test_the_default_rubric_parses_with_veto_list_and_20_plus_80():
    r = rb.parse(yaml.safe_load(DEFAULT.read_text(encoding="utf-8")))
    assert [c.points for c in r.categories] == [20, 80]
    assert {"V-OFFICERS", "V-REFERRAL", "V-TRAIL"} <= set(r.veto_codes())
    checks = {i.check for i in r.items().values() if i.check} | {v.check for v in r.vetoes if v.check}
    assert checks == {"two_officers", "referral", "trail", "numbers", "benchmark", "legal_review", "collective_discussion",
                      "documents", "deadlines", "recording", "publication"}
    assert rb.score(r, {}).grade.label == "优秀"


def test_a_clean_file_scores_100_and_is_excellent():
    res = rb.score(R, {})
    assert res.total == 100 and res.grade.code == "excellent" and not res.vetoed


def test_deductions_floor_at_zero_per_item():
    res = rb.score(R, {"F1": 25})  # 25 defects × 1 point on a 10-point item: 0, not −15
    assert res.items["F1"].score == 0 and res.categories["form"] == 10 and res.total == 90


def test_any_veto_scores_zero_and_fails_whatever_else():
    res = rb.score(R, {}, {"V1"})
    assert res.total == 0 and res.grade.code == "fail" and res.vetoed == ("V1",)


@pytest.mark.parametrize(("defects", "total", "grade"), [
    ({"C1": 1}, Decimal("90"), "excellent"),           # 90 is 优秀
    ({"C1": 1, "F1": 1}, Decimal("89"), "good"),        # 89 is 良好
    ({"C1": 2}, Decimal("80"), "good"),                 # 80 is 良好
    ({"C1": 2, "F1": 1}, Decimal("79"), "pass"),        # 79 is 合格
    ({"C1": 4}, Decimal("60"), "pass"),                 # 60 is 合格
    ({"C1": 4, "F2": 1}, Decimal("59.5"), "fail"),      # 59.5 is not rounded up to 60
    ({"C1": 8, "F1": 10, "F2": 20}, Decimal("0"), "fail"),
])
def test_grade_cut_offs(defects, total, grade):
    res = rb.score(R, defects)
    assert (res.total, res.grade.code) == (total, grade)


def test_a_basic_element_defect_bars_the_top_grade_only():
    res = rb.score(R, {"F2": 1})  # 99.5 but the seal is wrong
    assert res.total == Decimal("99.5") and res.grade.code == "good" and res.barred_by == ("F2",)
    low = rb.score(R, {"F2": 1, "C1": 3})  # 69.5: already below 优秀, the bar changes nothing
    assert low.grade.code == "pass"


def test_unknown_items_and_negative_counts_are_refused():
    with pytest.raises(ValidationFailed) as e:
        rb.score(R, {"NOPE": 1})
    assert e.value.code == "rubric_item_unknown"
    with pytest.raises(ValidationFailed):
        rb.score(R, {"F1": -1})


@pytest.mark.parametrize(("over", "needle"), [
    ({"categories": [{"code": "a", "label": "卷面", "points": 20, "items": [
        {"code": "X", "label": "x", "points": 20, "deduction": 1}]}]}, "之和须为100"),
    ({"categories": [{"code": "a", "label": "卷面", "points": 100, "items": [
        {"code": "X", "label": "x", "points": 90, "deduction": 1}]}]}, "不等于类别分值"),
    ({"version": 0}, "版本号"),
    ({"effective_from": "2026-13-01"}, "不是日期"),
    ({"grades": [{"code": "a", "label": "合格", "min_score": 60}]}, "下限须为0"),
    ({"vetoes": [{"code": "F1", "label": "重复"}]}, "项目代码重复"),
])
def test_a_bad_rubric_is_refused_with_every_problem_in_chinese(over, needle):
    with pytest.raises(ValidationFailed) as e:
        rb.parse(small(**over))
    assert needle in e.value.message and e.value.code == "rubric_invalid"
