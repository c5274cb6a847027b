"""The floors of bench/rules_lookup.py and bench/case_list.py compute what the product computes: the rules floor
gives the same tier, ranges, fine status, eligibility and crossed thresholds query by query, the case-list floor's
hand-written SQL the same ids as `list_cases` for every filter (each bench exits non-zero when they disagree)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, env: dict | None = None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    p = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    return json.loads(p.stdout)


def _postgres_env() -> dict:
    """The bench's PostgreSQL from the tests' (skipped without one, failed where CI requires it)."""
    url = os.environ.get("CASEBOOK_TEST_POSTGRES_URL")
    if not url:
        if "postgres" in os.environ.get("CASEBOOK_REQUIRE_BACKENDS", ""):
            pytest.fail("PostgreSQL is required here (CASEBOOK_REQUIRE_BACKENDS) but CASEBOOK_TEST_POSTGRES_URL is unset")
        pytest.skip("CASEBOOK_TEST_POSTGRES_URL is unset")
    return {"CASEBOOK_BENCH_POSTGRES_URL": url}


def test_the_rules_floor_agrees_with_the_product_query_by_query():
    code = ("import sys; sys.path.insert(0, 'bench'); sys.argv = ['rules_lookup']; import rules_lookup; "
            "rules_lookup.main(n_items=60, n_queries=400, repeats=2)")
    out = _run("-c", code)
    assert out["floor"]["mismatches"] == 0 and out["floor"]["checked_queries"] == 400
    assert set(out["ratio_to_floor"]) == {"benchmark", "exemption", "thresholds"}
    assert all(out["ratio_to_floor"][k]["p50"] > 0 for k in out["ratio_to_floor"])


def test_the_case_list_floor_returns_the_rows_list_cases_returns():
    out = _run("bench/case_list.py", "--backend", "sqlite", "--cases", "600", "--reps", "2", "--rounds", "1",
               "--explain", "0", "--no-experiments")
    f = out["verdict"]["floor"]
    assert set(f["ratios_p95"]) == {k for k, v in out["scenarios"].items() if v["in_budget"]}
    assert all(v["floor"]["n"] == 2 for v in out["scenarios"].values())


def test_the_write_path_diagnosis_counts_the_statements_the_act_runs_on_the_driver_cursor():
    """The act's statements go through `casebook.db.raw`, past SQLAlchemy's cursor events: the breakdown counts them
    (it once reported 0 statements per act, and the profile looked like all Python)."""
    out = _run("bench/write_path.py", "--backend", "sqlite", "--iterations", "5", "--warmup", "2", "--profile",
               "--profile-rounds", "3")
    per = out["diagnosis"]["per_txn"]
    assert per["bare"]["statements_per_txn"] == 1.0
    for act, least in (("lead", 3), ("file", 6)):
        assert per[act]["statements_per_txn"] >= least, per[act]
        assert any(sql.startswith("(raw) INSERT INTO trail_entries") or "trail_entries" in sql
                   for sql in per[act]["statements"]), per[act]["statements"]
        assert per[act]["in_cursor_execute_ms"] > 0 and set(per[act]["statement_ms"]) == set(per[act]["statements"])


_THROUGH = """
import json, sys
sys.path.insert(0, 'bench')
from pathlib import Path
from sqlalchemy import func, select
from _common import scratch_db
import write_path
from casebook.db.models import Case, CaseOfficer, OutboxEvent
from casebook.services.audit import verify_trail
with scratch_db(sys.argv[1], 'through') as db:
    fx = write_path.Fixture(db.url, db.data_dir)
    out = {}
    seen = []
    for via in ('floor', 'connection', 'session', 'product_reads', 'floor'):
        if via == 'floor':
            h = write_path.HandWritten(fx)
        elif via == 'product_reads':
            h = write_path.HandWrittenProductReads(fx)
            real = h._cur
            def _cur(real=real):
                cur = real()
                class C:
                    def __getattr__(self, n): return getattr(cur, n)
                    def execute(self, sql, args=()):
                        seen.append(sql)
                        return cur.execute(sql, args)
                return C()
            h._cur = _cur
        else:
            h = write_path.HandWrittenThrough(fx, via)
        cid, version = h.lead()
        h.file(cid, version)
        fx.file(*fx.lead())  # the product's acts between the floors' on the same chain
        with fx.factory() as s:
            case = s.get(Case, cid)
            out[via] = {'stage': case.stage, 'case_no': case.case_no, 'version': case.version,
                        'officers': s.scalar(select(func.count()).select_from(CaseOfficer).where(CaseOfficer.case_id == cid)),
                        'events': s.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.case_id == cid))}
    out['product_reads_sql'] = [q for q in seen if q.lstrip().startswith('SELECT')]
    with fx.factory() as s:
        r = verify_trail(s, fx.settings)
        out['trail'] = {'ok': r.ok, 'entries': r.entries}
    fx.engine.dispose()
print(json.dumps(out))
"""


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_write_path_floor_through_sqlalchemy_commits_the_acts_rows(backend):
    """The floor (`HandWritten`: on PostgreSQL the head moved on and the entry hashed by the server, as the product
    does), `HandWrittenThrough` (its statements in a Core connection or a session of the product's engine) and
    `HandWrittenProductReads` (the floor with the product's reads) must write and commit the acts' rows on the one
    chain the product's acts also append to — a variant that lost its rows would look cheap — and the last must
    really send the product's reads."""
    env = {}
    if backend == "postgres":
        env = _postgres_env()
    out = _run("-c", _THROUGH, backend, env=env)
    for via in ("floor", "connection", "session", "product_reads"):
        assert out[via]["stage"] == "filed" and out[via]["case_no"], out[via]
        assert out[via]["version"] == 2 and out[via]["officers"] == 2 and out[via]["events"] == 2, out[via]
    # `HandWrittenProductReads` reads with the product's own statements (the scope probe, the joined case load)
    reads = out["product_reads_sql"]
    assert any("AS held" in q and "FROM parties" in q for q in reads), reads
    assert any("FROM cases LEFT OUTER JOIN parties" in q and "case_officers" in q for q in reads), reads
    assert any("FROM users LEFT OUTER JOIN credentials" in q for q in reads), reads
    assert out["trail"] == {"ok": True, "entries": out["trail"]["entries"]} and out["trail"]["entries"] >= 20


_LAW_CHECKS = """
import json, sys
sys.path.insert(0, 'bench')
from _common import scratch_db
import write_path
from casebook.services import cases, perform, recording
before = {(m.__name__, n): getattr(m, n) for m in (cases, perform, recording) for n in dir(m)}
with scratch_db('sqlite', 'checks') as db:
    fx = write_path.Fixture(db.url, db.data_dir)
    hand = write_path.HandWritten(fx)
    out = write_path.law_checks(fx, hand, 4, warmup=1)
    hand.close()
    fx.engine.dispose()
after = {(m.__name__, n): getattr(m, n) for m in (cases, perform, recording) for n in dir(m)}
out['restored'] = all(after[k] is v for k, v in before.items())
print(json.dumps(out))
"""


def test_the_write_path_times_the_acts_own_checks_inside_the_acts_and_restores_them():
    """`law_checks` times the law's and the domain's own work (the guards, masking, event schemas …) inside the
    product's real acts: every listed function must have run in each lead-and-filing pair (a check the acts no
    longer call, or a wrapper put where the act does not look, would report 0 and flatter the estimate), the floor's
    pair is measured beside them, and the product's functions are put back afterwards."""
    out = _run("-c", _LAW_CHECKS)
    names = {"no_future", "case_view", "act_context", "refuse_if_needed", "jsonable", "mask_payload", "validate_event"}
    assert set(out["per_pair_us"]) == names == set(out["calls_per_pair"])
    # a lead and its filing: the dates of each, one view, context and guard check (the filing), the input as JSON,
    # the trail masked and one event validated per act
    assert out["calls_per_pair"] == {"no_future": 2, "case_view": 1, "act_context": 1, "refuse_if_needed": 1,
                                     "jsonable": 2, "mask_payload": 2, "validate_event": 2}, out["calls_per_pair"]
    assert all(v > 0 for v in out["per_pair_us"].values()), out["per_pair_us"]
    assert 0 < out["total_ms_per_pair"] and 0 < out["floor_ms_per_pair"] and out["ratio_to_floor"] >= 0
    assert out["restored"] is True


_PHASES = """
import json, sys
sys.path.insert(0, 'bench')
from _common import scratch_db
import write_path
from sqlalchemy.orm import session as orm_session
from casebook.db import adopt, raw
from casebook.services import case_rows, cases, perform, recording
from casebook.services.acts import ACTS
from casebook.services.effects import procedure

def state(fx, hand):
    mods = (cases, perform, procedure, raw, adopt, case_rows, recording)
    return ({(m.__name__, n): getattr(m, n) for m in mods for n in dir(m)},
            {(c.__name__, n): v for c in (orm_session.Session, orm_session.SessionTransaction)
             for n, v in vars(c).items()},
            dict(vars(fx.engine.dialect)), ACTS["file"].effect, dict(vars(hand)))

with scratch_db('sqlite', 'phases') as db:
    fx = write_path.Fixture(db.url, db.data_dir)
    hand = write_path.HandWritten(fx)
    before = state(fx, hand)
    out = write_path.phases(fx, hand, 4, warmup=1)
    after = state(fx, hand)
    hand.close()
    fx.engine.dispose()
same = lambda a, b: a.keys() == b.keys() and all(a[k] is b[k] for k in a)
out['restored'] = all(same(a, b) for a, b in zip(before[:3] + before[4:], after[:3] + after[4:])) \\
    and before[3] is after[3]
print(json.dumps(out))
"""


def test_the_write_path_splits_each_act_into_its_phases_beside_the_floor_and_restores_what_it_wrapped():
    """`phases` charges each act's time to the session's open, begin, commit and close, the database, the reads,
    the checks, the writes, the binds, the filing's effect and the ORM's objects, each its own time only, beside the
    floor's database and Python: every phase must be reached where the act runs it (a wrapper put where the act does
    not look would report 0, or the wrong number of calls), the database must be part of the total, and everything wrapped — the
    session's methods, the services' functions, the driver cursor, the dialect's commit, the filing's effect, the
    floor's cursor — must be as it was afterwards."""
    out = _run("-c", _PHASES)
    assert out["restored"] is True
    lead, file = out["lead"]["phases_us"], out["file"]["phases_us"]
    for name in ("session_open", "session_begin", "session_commit", "session_close", "database", "reads", "checks",
                 "writes", "binds", "orm_objects"):
        assert lead[name] > 0 and file[name] > 0, (name, lead, file)
    assert lead["effect"] == 0 < file["effect"]  # a lead's work is register_lead itself; the filing has an effect
    # per lead and filing: a session each, three reads (the party, the locked case, the named officers), the writes
    # (new case row, the case UPDATE twice, the trail twice, the officers, the case number), one effect
    calls = out["calls_per_pair"]
    assert {k: calls[k] for k in ("session_open", "session_begin", "session_commit", "session_close", "reads",
                                  "writes", "effect")} == {
        "session_open": 2, "session_begin": 2, "session_commit": 2, "session_close": 2, "reads": 3, "writes": 7,
        "effect": 1}, calls
    assert calls["binds"] >= 10 and calls["database"] > calls["binds"]  # every statement, its fetch, the COMMITs
    # the lead's new case and party made objects, the filing's case, party, officers, users and credentials
    assert calls["orm_objects"] >= 8, calls
    orm = out["session_and_orm_objects"]
    pair = sum(out[a]["total_us"] for a in ("lead", "file"))
    floor = sum(out[a]["floor_us"]["total"] for a in ("lead", "file"))
    assert 0 < orm["ratio_to_floor"] < orm["act_without_them_ratio_to_floor"] + orm["ratio_to_floor"] <= pair / floor + 0.01
    for act in ("lead", "file"):
        a = out[act]
        assert 0 < a["phases_us"]["database"] < a["total_us"]
        assert 0 < a["floor_us"]["database"] < a["floor_us"]["total"] and a["floor_us"]["python"] > 0
    assert 0 < out["timer_overhead_ns_per_call"] < 20_000
    assert set(out["pair_ratio_to_floor"]) == set(lead) and all(v >= 0 for k, v in out["pair_ratio_to_floor"].items()
                                                                 if k != "other")


def test_the_wire_split_reads_server_and_client_time_from_a_libpq_trace(tmp_path):
    """`_wire_transactions` cuts a libpq trace into transactions (BEGIN to the ReadyForQuery after COMMIT) and splits
    each into the server's time (a client message to the server's answer) and the client's (the server's last
    message to the client's next), counting round trips; what comes before the BEGIN is not a transaction's."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import write_path
    finally:
        sys.path.remove(str(ROOT / "bench"))
    lines = [
        ("00.000100", "F", "Query", '"SELECT 1"'), ("00.000300", "B", "ReadyForQuery", "I"),  # before: not counted
        ("00.001000", "F", "Query", '"BEGIN"'), ("00.001100", "B", "CommandComplete", '"BEGIN"'),
        ("00.001110", "B", "ReadyForQuery", "T"),
        ("00.001500", "F", "Bind", ""), ("00.001510", "F", "Execute", ""), ("00.001520", "F", "Sync", ""),
        ("00.002020", "B", "DataRow", ""), ("00.002030", "B", "ReadyForQuery", "T"),
        ("00.002230", "F", "Query", '"COMMIT"'), ("00.003230", "B", "CommandComplete", '"COMMIT"'),
        ("00.003240", "B", "ReadyForQuery", "I"),
        # psycopg's BEGIN once the connection's isolation level was set (an AUTOCOMMIT checkout reset it)
        ("00.004000", "F", "Query", '"BEGIN ISOLATION LEVEL READ COMMITTED"'), ("00.004050", "B", "ReadyForQuery", "T"),
        ("00.004100", "F", "Query", '"ROLLBACK"'), ("00.004150", "B", "ReadyForQuery", "I"),
    ]
    path = tmp_path / "t.trace"
    path.write_text("".join(f"2026-12-06 17:00:{t}\t{side}\t10\t{msg}\t {rest}\n" for t, side, msg, rest in lines))
    first, second = write_path._wire_transactions(str(path))
    assert first["round_trips"] == 3 and second["round_trips"] == 2
    # server: BEGIN 100, the statement 500 (from its Sync), COMMIT 1000; client: 390 (from the last ReadyForQuery
    # to the Bind) + 200
    assert round(first["server_us"]) == 1600 and round(first["client_us"]) == 590
    assert round(first["span_us"]) == 2240
    assert round(second["server_us"]) == 100 and round(second["client_us"]) == 50


_WIRE = """
import json, sys
sys.path.insert(0, 'bench')
from _common import scratch_db
import write_path
with scratch_db('postgres', 'wire') as db:
    fx = write_path.Fixture(db.url, db.data_dir)
    hand = write_path.HandWritten(fx)
    out = write_path.wire(fx, hand, 6, warmup=2)
    hand.close()
    fx.engine.dispose()
print(json.dumps(out))
"""


@pytest.mark.postgres
def test_the_write_path_splits_each_act_on_the_wire_beside_the_floor():
    """On PostgreSQL `wire` traces the product's connection and the floor's: each act's transaction is found on its
    connection (the bench fails otherwise), the product and the floor make the same round trips (a lead 5: BEGIN,
    the party, the case, the chain, COMMIT; a filing 8), and the server's and the client's time fit in the act."""
    out = _run("-c", _WIRE, env=_postgres_env())
    assert out["rounds"] == 6
    for act, trips in (("lead", 5), ("file", 8)):
        for who in ("product", "floor"):
            a = out[act][who]
            assert a["round_trips"] == trips, (act, who, a)
            assert a["server_us"] > 0 and a["client_between_us"] > 0 and a["outside_us"] > 0, (act, who, a)
            assert a["server_us"] + a["client_between_us"] < a["wall_us"], (act, who, a)
    assert out["floor_pair_ratio"]["wall"] == 1.0 and out["product_pair_ratio"]["wall"] > 0


_SHARED = """
import json, sys
sys.path.insert(0, 'bench')
from _common import scratch_db
import write_path
with scratch_db(sys.argv[1], 'shared') as db:
    fx = write_path.Fixture(db.url, db.data_dir)
    hand = write_path.HandWritten(fx)
    reads = write_path.HandWrittenProductReads(fx)
    from casebook.db import raw
    seen = set()
    real = raw._cursor
    def spy(conn):  # every statement of the product's acts runs on the driver cursor of its connection
        seen.add(id(conn.connection.driver_connection))
        return real(conn)
    raw._cursor = spy
    for _ in range(3):
        fx.file(*fx.lead())
        hand.file(*hand.lead())
    raw._cursor = real
    out = {'floors_share': reads.db is hand.db, 'product_on_it': seen == {id(hand.db)}}
    with fx.engine.connect() as c:
        out['checked_out'] = c.connection.driver_connection is hand.db
    write_path.check_shared(fx, hand)
    held = fx.engine.connect()  # the floor's connection busy: the pool must hand out another
    held.connection
    try:
        write_path.check_shared(fx, hand)
        out['caught'] = False
    except RuntimeError:
        out['caught'] = True
    held.close()
    fx.engine.dispose()
print(json.dumps(out))
"""


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_floor_runs_on_the_connection_the_products_acts_check_out(backend):
    """`shared_connection`: the floor and the product run on one driver connection (on PostgreSQL one server backend,
    whose placement alone moved a round trip between 83 and 190 µs here), and the bench refuses to go on when the
    product's acts would get another one."""
    env = _postgres_env() if backend == "postgres" else {}
    out = _run("-c", _SHARED, backend, env=env)
    assert out == {"floors_share": True, "product_on_it": True, "checked_out": True, "caught": True}, out


def test_the_write_path_reports_its_ratio_in_each_fifth_of_the_run():
    """`ratio_by_block` splits the run into consecutive parts and gives each part's median pair over the floor's:
    a product twice the floor in the first half and three times it in the second reads 2 then 3."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import write_path
    finally:
        sys.path.remove(str(ROOT / "bench"))
    floor = [2.0] * 10  # the floor's pair every round
    product = [4.0] * 5 + [6.0] * 5  # the product's: twice the floor, then three times it
    assert write_path.ratio_by_block(product, floor, 2) == [2.0, 3.0]
    assert write_path.ratio_by_block(product, floor, 5) == [2.0, 2.0, 2.5, 3.0, 3.0]  # the middle fifth straddles both


_SERVE = r"""
import sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer

class H(BaseHTTPRequestHandler):
    def do_GET(self):
        end = time.process_time() + 0.002  # 2 ms of CPU a request, in this server process
        while time.process_time() < end:
            pass
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *a):
        pass

srv = HTTPServer(("127.0.0.1", 0), H)
print(srv.server_address[1], flush=True)
srv.serve_forever()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_http_bench_splits_a_requests_cpu_between_the_server_and_its_clients():
    """bench/http_api.py's `drive` reports the CPU per request of the server's process group (read from /proc) and
    of the load clients (bench/http_client.py's own count): a server burning 2 ms a request shows ≥ 2 ms; a server
    not named shows none."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import http_api
    finally:
        sys.path.remove(str(ROOT / "bench"))
    srv = subprocess.Popen([sys.executable, "-c", _SERVE], stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        port = int(srv.stdout.readline())
        out = http_api.drive(port, "/", 100, 2, "t", server=srv)
        assert out["statuses"] == {"200": 100}
        cpu = out["cpu_us_per_request"]
        assert 2000 <= cpu["server"] < 20_000, cpu
        assert cpu["database"] is None  # not asked for (SQLite: the server's own)
        assert 0 < cpu["client"] < cpu["server"], cpu
        assert http_api.drive(port, "/", 10, 1, "t")["cpu_us_per_request"]["server"] is None
    finally:
        srv.kill()
        srv.wait()


_FRESH = """
import json, sys, time
sys.path.insert(0, 'bench')
from _common import scratch_db
import write_path
with scratch_db('postgres', 'fresh') as db:
    fx = write_path.Fixture(db.url, db.data_dir)
    hand = write_path.HandWritten(fx)
    for _ in range(120):
        hand.lead()
    cur = hand.db.cursor()
    cur.execute("SELECT pg_stat_force_next_flush()")
    hand.db.commit()
    time.sleep(0.2)
    done = write_path.fresh_statistics(fx.engine)
    write_path.check_shared(fx, hand)  # the pool's one connection is still the floor's
    cur.execute("SELECT reltuples FROM pg_class WHERE relname = 'cases'")
    out = {'analyzed': done, 'cases_reltuples': cur.fetchone()[0], 'autocommit': hand.db.autocommit,
           'isolation': str(hand.db.isolation_level)}
    hand.db.commit()
    fx.engine.dispose()
print(json.dumps(out))
"""


@pytest.mark.postgres
def test_the_write_path_refreshes_statistics_between_rounds_on_a_connection_of_its_own():
    """`fresh_statistics` (run by `measure` every STATISTICS_EVERY rounds, untimed) analyses the tables the run has
    grown, as the product's scheduler does where autovacuum is off — on a connection of its own, so the floor's
    connection, which the product's acts check out too, keeps its transactions as they were."""
    out = _run("-c", _FRESH, env=_postgres_env())
    assert "cases" in out["analyzed"] and out["cases_reltuples"] >= 120
    assert out["autocommit"] is False and out["isolation"] == "None"


@pytest.mark.postgres
def test_the_explanation_benches_run_and_measure_what_they_say():
    """bench/pg_write_cost.py and bench/refused_acts.py (not in the README table; their results are under
    bench/results/explain/) run end to end at a tiny size and report every variant they name."""
    cost = _run("bench/pg_write_cost.py", "--leads", "30", "--repeat", "1", env=_postgres_env())
    assert set(cost["per_lead"]) == {"product", "as_shipped", "without_statistics_triggers", "without_trigram_indexes",
                                     "without_either", "empty_transaction"}
    assert cost["statistics"] == "refreshed between rounds"
    assert all(v["backend_cpu_us"] >= 0 for v in cost["per_lead"].values())
    refused = _run("bench/refused_acts.py", "--pairs", "8", "--repeat", "1", env=_postgres_env())
    assert set(refused["ratio_to_clean"]) == {"clean", "refused", "refused_psycopg_default"}
    assert refused["ratio_to_clean"]["clean"] == 1.0 and all(v > 0 for v in refused["pair_ms"].values())


def test_the_footprint_bench_times_each_call_in_the_act_and_again_at_once():
    """bench/act_footprint.py (an explanation bench, not in the README table): every statement of a lead and its
    filing is bound three times (once by the act, twice at once again), the guards' view and the guards likewise,
    and the per-pair sums are made from the per-call medians."""
    out = _run("bench/act_footprint.py", "--backend", "sqlite", "--pairs", "6", "--repeat", "1")
    calls = out["per_call"]
    assert {"bind: INSERT INTO cases", "bind: UPDATE cases", "bind: INSERT INTO case_acts",
            "case_view (the guards' view)", "refuse_if_needed (the guards)"} <= set(calls)
    assert calls["bind: INSERT INTO case_acts"]["calls_per_pair"] == 2.0  # one act record per act
    assert calls["bind: INSERT INTO cases"]["calls_per_pair"] == 1.0
    assert all(v["in_act_us"] > 0 and v["again_us"] > 0 for v in calls.values())
    pair = out["per_pair"]
    assert pair["in_act_us"] == pytest.approx(sum(v["in_act_us"] * v["calls_per_pair"] for v in calls.values()), abs=0.2)


def test_the_footprint_repeats_convert_their_times_as_the_act_did():
    """`db.raw` remembers the last time object it converted; the repeats get equal, new time objects, so a repeat
    is never spared a conversion the act made (else the footprint would be overstated by the conversions)."""
    import datetime as dt
    from collections import defaultdict

    sys.path.insert(0, str(ROOT / "bench"))
    import act_footprint

    seen = []

    def bound(stmt, dialect, params):
        seen.append(params["at"])
        return ("INSERT INTO t (at) VALUES (?)", [])

    samples = defaultdict(list)
    at = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)
    act_footprint._thrice(bound, None, samples)("stmt", "dialect", {"at": at})
    assert seen[0] is at and seen[1] == at and seen[2] == at
    assert seen[1] is not at and seen[2] is not at
    assert list(samples) == ["bind: INSERT INTO t"] and len(samples["bind: INSERT INTO t"]) == 1
    s = act_footprint.summarise([{"x": [(30_000, 10_000, 9_000)] * 4}], pairs=2)
    assert s["per_call"]["x"] == {"in_act_us": 30.0, "again_us": 10.0, "third_us": 9.0, "calls_per_pair": 2.0,
                                  "in_act_over_again": 3.0}
    assert s["per_pair"] == {"in_act_us": 60.0, "again_us": 20.0, "in_act_over_again": 3.0}
