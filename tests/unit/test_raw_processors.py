"""casebook.db.raw's time and date processors: a time bound several times in one act is formatted once, a date or
time read as SQLite text is parsed once per distinct text — with exactly what the types' own processors give."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date
from sqlalchemy.dialects import sqlite

from casebook.db import raw
from casebook.db.models import UTCDateTime

D = sqlite.dialect()


def test_a_time_is_written_as_the_type_writes_it_and_each_new_value_anew():
    process = UTCDateTime()._cached_bind_processor(D)
    write = raw._writer(process, D, UTCDateTime())
    assert write is not process
    a = dt.datetime(2026, 12, 7, 3, 4, 5, 600700, tzinfo=dt.UTC)
    b = dt.datetime(2026, 12, 7, 11, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # the same instant in Beijing
    c = a + dt.timedelta(microseconds=1)
    for v in (a, a, b, c, a, None, None, c):
        assert write(v) == process(v)
    assert write(b) == write(dt.datetime(2026, 12, 7, 3, 4, 5, tzinfo=dt.UTC))


def test_other_binds_keep_their_processor():
    from sqlalchemy import Boolean, String
    p = Boolean()._cached_bind_processor(D)
    assert raw._writer(p, D, Boolean()) is p
    assert raw._writer(None, D, String()) is None


def test_dates_and_times_read_from_text_are_the_types_values():
    for type_, texts in ((UTCDateTime(), ("2026-12-07 03:04:05.600700", "2026-12-07 03:04:05.000000")),
                         (Date(), ("2026-12-07", "2027-01-01"))):
        process = type_._cached_result_processor(D, None)
        read = raw._reader(process, type_)
        for t in (*texts, *texts):
            assert read(t) == process(t)
        assert read(texts[0]) != read(texts[1])
    aware = raw._reader(UTCDateTime()._cached_result_processor(D, None), UTCDateTime())("2026-12-07 03:04:05.000000")
    assert aware.tzinfo is dt.UTC
