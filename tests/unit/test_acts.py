"""Every act is one well-formed declaration: one schema, at most one effect, date order and officer fields that
exist in its schema, guards whose data the act loads, an event registered, a label and an article of law."""

from __future__ import annotations

import ast
import inspect
import re

import pytest

from casebook.domain import lifecycle as lc
from casebook.domain.vocabulary import ROLES, STAGES
from casebook.services import effects
from casebook.services.acts import ACTS, CASE_ROUTE_ACTS
from schemas.events.registry import REGISTRY

ACT_CODES = sorted(ACTS)


@pytest.mark.parametrize("code", ACT_CODES)
def test_each_act_has_exactly_one_input_schema(code):
    act = ACTS[code]
    assert act.code == code and act.label and not act.label.isascii()
    assert inspect.isclass(act.schema) and hasattr(act.schema, "_declared_fields"), "one marshmallow input schema"


@pytest.mark.parametrize("code", ACT_CODES)
def test_each_act_has_at_most_one_effect_and_it_is_a_service_effect(code):
    act = ACTS[code]
    if act.effect is None:
        return
    assert act.effect.__module__.startswith(effects.__name__ + ".")
    params = list(inspect.signature(act.effect).parameters)
    assert params == ["s", "case", "run"]
    # no other act shares it (an effect belongs to one act)
    assert [a.code for a in ACTS.values() if a.effect is act.effect] == [code]


@pytest.mark.parametrize("code", ACT_CODES)
def test_date_order_and_officer_fields_exist_in_the_schema(code):
    act = ACTS[code]
    fields = act.schema._declared_fields
    for rule in act.dates:
        assert rule.field in fields, f"{code}: {rule.field}"
        assert type(fields[rule.field]).__name__ in ("Date", "AwareDateTime", "DateTime")
        head = rule.earlier.partition(".")[0]
        assert head in lc.CaseView.__dataclass_fields__, rule.earlier
    if act.officers:
        assert act.officers in fields


@pytest.mark.parametrize("code", ACT_CODES)
def test_every_guards_loaded_data_is_declared(code):
    act = ACTS[code]
    for guard in act.guards:
        assert getattr(guard, "needs", frozenset()) <= act.loads, (code, guard.__name__)
        for key in getattr(guard, "reads", ()):
            assert key in act.schema._declared_fields


def test_a_guard_reading_an_undeclared_load_is_refused_at_declaration():
    with pytest.raises(ValueError, match="does not load"):
        lc.Act("x", "测试", ("lead",), None, frozenset({"officer"}), (lc.has_evidence,))


def test_a_date_order_field_missing_from_the_schema_is_refused_at_declaration():
    from schemas.api.cases import ServeIn

    with pytest.raises(ValueError, match="not in ServeIn"):
        lc.Act("x", "测试", ("lead",), None, frozenset({"officer"}), schema=ServeIn,
               dates=(lc.After("serverd_on", "decided_on", "决定日期"),))


def test_guards_that_read_beyond_the_case_row_say_so():
    """A guard reading case.review / case.referral / case.remedy / ctx.rules / ctx.assignee / evidence_count declares
    it."""
    src = inspect.getsource(lc)
    tree = ast.parse(src)
    marks = {"review": r"case\.review\b(?!_)", "referral": r"case\.referral\b(?!_)", "rules": r"ctx\.rules\b",
             "remedy": r"case\.remedy\b(?!_)",
             "assignee": r"ctx\.assignee\b", "evidence": r"evidence_count\b"}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
            continue
        body = ast.get_source_segment(src, node)
        fn = getattr(lc, node.name)
        for need, text in marks.items():
            if re.search(text, body) and node.name not in ("dates_in_order", "check"):
                declared = getattr(fn, "needs", None)
                if declared is None and callable(fn) and node.name == "referral_in":
                    declared = fn("none").needs
                assert declared and need in declared, f"{node.name} reads {text} without needs({need!r})"


@pytest.mark.parametrize("code", ACT_CODES)
def test_each_act_is_well_formed_and_its_event_registered(code):
    act = ACTS[code]
    assert act.roles and act.roles <= set(ROLES)
    assert all(s is None or s in STAGES for s in act.from_stages)
    assert act.to in (None, "@resume") or act.to in STAGES
    assert act.event.count(".") == 1 and (act.event, 1) in REGISTRY
    assert act.creates == (act.from_stages == (None,))


def test_every_act_on_a_case_has_a_route_but_those_with_their_own():
    assert set(ACTS) - set(CASE_ROUTE_ACTS) == {"register_lead", "decide_on_the_spot", "add_evidence"}


def test_the_articles_cite_a_law():
    without = sorted(code for code, a in ACTS.items() if not a.article)
    # 修改案源, 结案, 中止, 恢复, 终止 rest on each system's procedural rules, not on one national article.
    assert without == ["close", "resume", "suspend", "terminate", "update_lead"]
