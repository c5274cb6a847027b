"""schemas.api.fastdump.compile_dump gives marshmallow's dump, key for key and in order, whatever the values: the
plain fields, and the short cuts for List, Dict, Decimal and Nested (None, empty, plain items, anything else)."""

from __future__ import annotations

import datetime as dt
import types

from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema, fields, post_dump

from schemas.api.fastdump import compile_dump


class Brief(Schema):
    id = fields.Integer()
    name = fields.String()


class Hooked(Schema):
    id = fields.Integer()

    @post_dump
    def _mark(self, data, **_):
        return {**data, "hooked": True}


class Everything(Schema):
    n = fields.Integer()
    text = fields.String()
    on = fields.Date()
    at = fields.DateTime()
    flag = fields.Boolean()
    amount = fields.Decimal(places=2, as_string=True)
    plain_amount = fields.Decimal()
    tags = fields.List(fields.String())
    rows = fields.List(fields.Dict())
    nums = fields.List(fields.Integer())
    briefs = fields.List(fields.Nested(Brief))
    facts = fields.Dict()
    typed = fields.Dict(keys=fields.String(), values=fields.Integer())
    party = fields.Nested(Brief, allow_none=True)
    party_only = fields.Nested(Brief, only=("id",))
    hooked = fields.Nested(Hooked)
    many = fields.Nested(Brief, many=True)
    label = fields.Function(lambda o: f"#{o.n}")
    renamed = fields.String(data_key="shown_as", attribute="text", dump_only=True)
    with_default = fields.String(dump_default="默认")


_brief = st.one_of(st.none(), st.builds(lambda i, n: types.SimpleNamespace(id=i, name=n), st.integers(), st.text(max_size=5)),
                   st.fixed_dictionaries({"id": st.integers(), "name": st.text(max_size=5)}))
_scalar = st.one_of(st.none(), st.integers(), st.text(max_size=4), st.booleans())
_values = {
    "n": st.one_of(st.none(), st.integers()),
    "text": st.one_of(st.none(), st.text(max_size=6), st.integers()),
    "on": st.one_of(st.none(), st.dates()),
    "at": st.one_of(st.none(), st.datetimes(timezones=st.just(dt.UTC))),
    "flag": st.one_of(st.none(), st.booleans(), st.integers(0, 1)),
    "amount": st.one_of(st.none(), st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-10**6,
                                               max_value=10**6)),
    "plain_amount": st.one_of(st.none(), st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=0,
                                                     max_value=10**6)),
    "tags": st.one_of(st.none(), st.lists(st.text(max_size=3), max_size=3), st.lists(_scalar, max_size=3)),
    "rows": st.one_of(st.none(), st.lists(st.dictionaries(st.text(max_size=2), _scalar, max_size=2), max_size=2),
                      st.lists(st.one_of(st.none(), st.dictionaries(st.text(max_size=2), _scalar, max_size=1)), max_size=2)),
    "nums": st.one_of(st.none(), st.lists(st.integers(), max_size=3)),
    "briefs": st.one_of(st.none(), st.lists(_brief.filter(lambda b: b is not None), max_size=2)),
    "facts": st.one_of(st.none(), st.dictionaries(st.text(max_size=2), _scalar, max_size=3)),
    "typed": st.one_of(st.none(), st.dictionaries(st.text(max_size=2), st.integers(), max_size=2)),
    "party": _brief,
    "party_only": _brief,
    "hooked": st.one_of(st.none(), st.builds(lambda i: types.SimpleNamespace(id=i), st.integers())),
    "many": st.one_of(st.none(), st.lists(_brief.filter(lambda b: b is not None), max_size=2)),
}


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({}, optional=_values))
def test_the_compiled_dump_is_marshmallows_for_any_values(values):
    """Every attribute may be absent (the field's default, or no key), None, empty, plain or anything else."""
    obj = types.SimpleNamespace(**values)
    schema = Everything()
    try:
        slow = schema.dump(obj)
    except Exception as e:  # a value marshmallow cannot dump must fail the compiled dump too
        try:
            compile_dump(schema)(obj)
        except Exception as f:
            assert type(f) is type(e)
            return
        raise AssertionError(f"compiled dump accepted what marshmallow refused: {e!r}") from e
    fast = compile_dump(schema)(obj)
    assert fast == slow
    assert list(fast) == list(slow)
    for k in ("tags", "rows", "facts", "briefs"):  # never the object's own container, as marshmallow makes a new one
        if isinstance(values.get(k), list | dict) and k in fast:
            assert fast[k] is not values[k]


def test_the_short_cuts_copy_containers_and_dump_nested_objects():
    facts, rows = {"a": 1}, [{"x": 1}]
    obj = types.SimpleNamespace(n=1, text="t", tags=["甲"], rows=rows, facts=facts, amount=None, briefs=[],
                                party=types.SimpleNamespace(id=3, name="好味来"), hooked=types.SimpleNamespace(id=4))
    out = compile_dump(Everything())(obj)
    assert out["party"] == {"id": 3, "name": "好味来"} and out["hooked"] == {"id": 4, "hooked": True}
    assert out["facts"] == facts and out["facts"] is not facts and out["rows"][0] is not rows[0]
    assert out["amount"] is None and out["briefs"] == [] and out["label"] == "#1" and out["shown_as"] == "t"
    assert out["with_default"] == "默认"
