"""casebook.db.raw's JSON shortcuts: an empty list or object is written and read without the encoder, with exactly
what the type's own processors give, and only where the text reaches the column as JSON."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import JSON, Integer, bindparam, insert
from sqlalchemy.dialects import postgresql, sqlite

from casebook.db import raw
from casebook.db.models import Case

DIALECTS = {"sqlite": sqlite.dialect(), "postgresql": postgresql.psycopg.dialect()}


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_the_writer_gives_the_processors_text_and_leaves_everything_else_to_it(name):
    d = DIALECTS[name]
    process = JSON()._cached_bind_processor(d)
    write = raw._json_writer(process, d, JSON())
    assert write is not process  # SQLite binds text; psycopg renders %(x)s::JSON on every JSON bind
    assert write([]) == "[]" and write({}) == "{}"
    if name == "sqlite":
        for v in ([], {}, [1, "甲"], {"a": []}, None, 0, "", False):
            assert write(v) == process(v)  # the same text, JSON null for None
    else:  # the server casts the text: the same value as psycopg's wrapper would send
        assert json.loads(write([])) == process([]).obj and json.loads(write({})) == process({}).obj
        assert type(write([1])) is type(process([1])) and write(None).obj is None
    # only the empty list and object take the shortcut: a tuple, a falsy scalar, a subclass go to the processor
    for v in ((), 0, "", False, None):
        assert type(write(v)) is type(process(v))


def test_psycopg_renders_the_cast_the_writer_relies_on():
    stmt = insert(Case.__table__).values(violations=bindparam("violations", type_=Case.__table__.c.violations.type))
    sql = str(stmt.compile(dialect=DIALECTS["postgresql"]))
    assert "%(violations)s::JSON" in sql


def test_without_a_rendered_cast_a_wrapping_processor_is_kept():
    d = postgresql.psycopg.dialect()
    d.bind_typing = type(d.bind_typing).NONE  # a driver that takes the value as is: no cast in the SQL
    process = JSON()._cached_bind_processor(d)
    write = raw._json_writer(process, d, JSON())
    for v in ([], {}, [1, "甲"], None):  # every value, the empty ones too, through the processor (its wrapper)
        assert type(write(v)) is type(process(v)) and write(v).obj == process(v).obj
    assert raw._json_writer(None, d, Integer()) is None


def test_the_reader_makes_a_new_object_each_time_as_the_decoder_does():
    process = JSON()._cached_result_processor(DIALECTS["sqlite"], None)
    read = raw._json_reader(process)
    a, b = read("[]"), read("[]")
    a.append(1)
    assert b == [] and a is not b
    assert read("{}") == {} and read("{}") is not read("{}")
    for text in ('[1, "甲"]', '{"a": []}', "null", "3"):
        assert read(text) == process(text)


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_text_already_json_is_sent_as_it_is(name):
    d = DIALECTS[name]
    write = raw._json_writer(JSON()._cached_bind_processor(d), d, JSON())
    text = raw.JSONText('{"a":[1,"甲"]}')
    out = write(text)
    assert out == '{"a":[1,"甲"]}' and type(out) is str  # a plain str for the driver, not encoded a second time


def test_text_already_json_reaches_a_wrapping_processor_as_its_value():
    d = postgresql.psycopg.dialect()
    d.bind_typing = type(d.bind_typing).NONE  # a driver that takes psycopg's wrapper: the value is what it wraps
    process = JSON()._cached_bind_processor(d)
    write = raw._json_writer(process, d, JSON())
    assert write(raw.JSONText('{"a":[1,"甲"]}')).obj == {"a": [1, "甲"]}
    assert write({"b": 2}).obj == {"b": 2}
