"""行政处罚法 第三十六条 (audit fixes), pure: a typed reason for the five years holds only while nothing recorded
contradicts it — a recorded "no_harm" or an item of neither 生命健康安全 nor 金融安全 means two years, at the proposal and
at the decision as at filing."""

from __future__ import annotations

import datetime as dt

import pytest

from casebook.domain import general_provisions as gp
from casebook.domain import lifecycle as lc
from tests.unit.test_general_provisions import LEAD, A, B, _closed, reasons

D = dt.date
REASON = "销售过期食品致多人食物中毒，涉及公民生命健康安全且有危害后果"
EXPIRED = ("limitation_expired", "行政处罚法第三十六条")


@pytest.mark.parametrize(("category", "circ", "reason", "years"), [
    (None, [], REASON, 5),                                  # at filing: the reason alone, nothing contradicts it
    (None, ["first_offence"], REASON, 5),                   # circumstances silent on harm: still nothing contradicts it
    (None, ["no_harm"], REASON, 2),                         # 没有造成危害后果 recorded: contradicted
    (None, ["first_offence", "minor", "no_harm"], REASON, 2),
    ("", [], REASON, 2),                                    # the item is known and of neither category
    ("", ["harm_caused"], REASON, 2),
    ("life_health_safety", ["harm_caused"], REASON, 5),     # the category with harm
    ("life_health_safety", ["harm_caused"], None, 5),
    ("financial_safety", [], REASON, 2),                    # the item known: its recorded harm decides, not a typed claim
    ("life_health_safety", ["no_harm"], REASON, 2),         # the category, but no harm recorded
    ("life_health_safety", [], None, 2),                    # the category, no harm stated anywhere
    (None, [], "   ", 2),                                   # a blank reason is no reason
    (None, [], None, 2),
])
def test_the_reason_holds_only_while_nothing_recorded_contradicts_it(category, circ, reason, years):
    assert gp.limitation_years(category, circ, reason) == years


def test_filing_still_takes_the_reason_alone():
    # act 2022-03-02, discovered 2026-03-02: over two years, within five
    assert reasons("file", LEAD, officers=(A, B), filed_on=D(2026, 3, 3), act_started_on=D(2022, 3, 2),
                   long_limitation_reason=REASON) == []
    assert reasons("file", LEAD, officers=(A, B), filed_on=D(2026, 3, 3), act_started_on=D(2022, 3, 2)) == [EXPIRED]


def test_the_proposal_with_no_harm_recorded_gets_two_years_despite_the_filing_reason():
    penalty = dict(kind="penalty", penalty_kinds=["warning"])
    no_item = lc.RuleEval(limitation_category=None)
    no_harm = _closed(circumstances=["no_harm"], long_limitation_reason=REASON)
    assert reasons("propose_penalty", no_harm, rules=no_item, **penalty) == [EXPIRED]
    # nothing contradicting the reason: five years, as at filing
    silent = _closed(circumstances=["first_offence"], long_limitation_reason=REASON)
    assert reasons("propose_penalty", silent, rules=no_item, **penalty) == []
    # an item of neither category: two years whatever the reason says
    assert reasons("propose_penalty", silent, rules=lc.RuleEval(limitation_category=""), **penalty) == [EXPIRED]


def _noticed(**over):
    return _closed(stage="prior_notice", decision_kind="penalty", penalty_kinds=["warning"],
                   prior_notice_served_on=D(2026, 3, 10), **over)


def test_the_decision_with_no_harm_recorded_is_refused_past_two_years():
    data = dict(kind="penalty", penalty_kinds=["warning"], decided_on=D(2026, 11, 20))
    no_item = lc.RuleEval(limitation_category=None)
    refused = reasons("decide", _noticed(circumstances=["no_harm"], long_limitation_reason=REASON),
                      rules=no_item, **data)
    assert EXPIRED in refused
    allowed = reasons("decide", _noticed(circumstances=["harm_caused"], long_limitation_reason=REASON),
                      rules=no_item, **data)
    assert EXPIRED not in allowed
