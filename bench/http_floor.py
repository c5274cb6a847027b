"""The floors of the HTTP benches, under the same server as the product (gunicorn or werkzeug's threaded server,
as `casebook serve`).

`app` — a minimal Flask app returning the same JSON the product returned:
GET  /api/v1/cases → the bytes of a real list response (BENCH_FLOOR_LIST file).
POST /api/v1/cases → parses the JSON body, answers 201 with the bytes of a real lead response (BENCH_FLOOR_ACT).

`db_app` — the same minimal app doing the act's database work by hand (BENCH_FLOOR_DB_URL, the product's
database): POST looks the bearer token and its user up by one hand-written SQL statement through the raw
driver, then writes the lead's rows — case, hash-chained trail entry, outbox event, act record, chain head —
with bench/write_path.py's `HandWritten` (the same statements, one transaction), and answers with the same
bytes. What the product spends beyond it is the framework's: Flask's extensions, SQLAlchemy, the domain's
guards, schemas and the response built from the database.
"""

from __future__ import annotations

import hashlib
import os
import queue
import sys
from pathlib import Path

from flask import Flask, Response, request

_LIST = open(os.environ["BENCH_FLOOR_LIST"], "rb").read()
_ACT = open(os.environ["BENCH_FLOOR_ACT"], "rb").read()


def _minimal(name: str) -> Flask:
    a = Flask(name)

    @a.get("/api/v1/cases")
    def list_cases():
        return Response(_LIST, 200, mimetype="application/json")

    return a


app = _minimal(__name__)


@app.post("/api/v1/cases")
def act():
    request.get_json()
    return Response(_ACT, 201, mimetype="application/json")


db_app = _minimal(__name__ + ".db")
_idle: queue.SimpleQueue = queue.SimpleQueue()  # raw connections not in use (werkzeug starts a thread per request)


class _Fixture:
    """What bench/write_path.py's `HandWritten` reads from its fixture, from the database `prepare` seeded."""

    def __init__(self, url: str):
        from sqlalchemy import select

        from casebook.db.engine import make_engine, make_sessionmaker
        from casebook.db.models import Party
        from casebook.seed import demo_user
        from casebook.services.context import actor_for, local_today

        self.engine = make_engine(url)
        self.factory = make_sessionmaker(self.engine)
        with self.factory() as s:
            self.lead_actor = actor_for(s, demo_user(s, "zhangwei"))
            self.head_actor = actor_for(s, demo_user(s, "zhaomin"))
            self.party_id = s.execute(select(Party.id).where(Party.kind == "organization").order_by(Party.id)).scalars().first()
        self.today = local_today()


def _hand():
    try:
        return _idle.get_nowait()
    except queue.Empty:
        pass
    root = Path(__file__).resolve().parent
    sys.path[:0] = [p for p in (str(root), str(root.parent)) if p not in sys.path]
    from write_path import HandWritten

    hw = HandWritten(_Fixture(os.environ["BENCH_FLOOR_DB_URL"]))
    # The token and its user in one statement, the columns the product's authentication reads.
    hw.token_sql = hw._sql(
        "SELECT t.id, t.expires_at, t.revoked_at, t.last_used_at, t.created_at, u.id, u.username, u.roles, "
        "u.agency_id, u.active FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = %s")
    return hw


@db_app.post("/api/v1/cases")
def act_by_hand():
    hw = _hand()
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    cur = hw.db.cursor()
    cur.execute(hw.token_sql, (hashlib.sha256(token.encode()).hexdigest(),))
    found = cur.fetchone() is not None
    cur.close()  # on PostgreSQL the token is read in the act's transaction, as the product does
    try:
        if not found:
            hw.db.rollback()
            return Response(b'{"code":"unauthorized"}', 401, mimetype="application/json")
        request.get_json()
        hw.lead()
    except BaseException:
        hw.db.rollback()  # the connection goes back to the idle ones usable
        raise
    finally:
        _idle.put(hw)
    return Response(_ACT, 201, mimetype="application/json")


if __name__ == "__main__":  # the embedded floors: werkzeug's threaded server, as `casebook serve` uses
    from werkzeug.serving import make_server

    make_server("127.0.0.1", int(sys.argv[1]), db_app if sys.argv[2:] == ["db"] else app, threaded=True).serve_forever()
