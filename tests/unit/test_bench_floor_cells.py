"""bench/run_all.py's cells for floors measured in the same run: the API over HTTP (the ratio to the minimal app,
the budget, and beside it the act against the same minimal app writing the lead's rows by hand-written SQL,
bench/http_floor.py's `db_app`), and the deadline sweep against the same rows fired by hand-written SQL."""

from __future__ import annotations

from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _t(rps: float, p99: float) -> dict:
    return {"req_per_s": rps, "p50_ms": p99 / 2, "p99_ms": p99}


def _result(with_db_floor: bool) -> dict:
    timings = {"list": _t(800, 11), "list_floor": _t(5000, 2), "act": _t(500, 14), "act_floor": _t(5600, 1.2)}
    r = {"bench": "http", "backend": "postgres", "server": "gunicorn", "clients": 4, "writers": 4, "repeat": 3,
         "payload": {"list_bytes": 21502}, "timings": timings, "ratio_to_floor": {"list": 6.25, "act": 11.2},
         "pass": {"list": False, "act": False}, "load": {"other_processes_cores_avg": 0.2}}
    if with_db_floor:
        timings["act_db_floor"] = _t(1250, 7)
        r["act_vs_hand_written_sql"] = 2.5
    return r


def test_the_cell_shows_the_hand_written_sql_floor_when_measured(run_all):
    cell = run_all.cell_http(_result(True))
    assert "act (register a lead) 11.2× ❌ (500 vs 5600 req/s" in cell
    assert "hand-written SQL: 1250 req/s (itself 4.48× the floor), p99 7 ms, the act 2.5× that" in cell


def test_an_older_result_without_it_still_renders(run_all):
    cell = run_all.cell_http(_result(False))
    assert "list 6.25× ❌" in cell and "hand-written" not in cell


def _with_cpu(r: dict, database: bool) -> dict:
    cpu = {"act": (2250, 980, 162), "act_db_floor": (1120, 750, 148), "act_floor": (350, 0, 115)}
    for k, (server, db, client) in cpu.items():
        r["timings"][k]["cpu_us_per_request"] = {"server": server, "database": db if database else None,
                                                 "client": client}
    return r


def test_the_cell_splits_each_act_requests_cpu_between_server_database_and_clients(run_all):
    cell = run_all.cell_http(_with_cpu(_result(True), database=True))
    assert ("CPU µs per act request (server + PostgreSQL + clients): product 2,250 + 980 + 162 = 3,392; "
            "hand-written-SQL app 1,120 + 750 + 148 = 2,018; floor 350 + 0 + 115 = 465") in cell
    # SQLite: the database's work is the server process's own
    cell = run_all.cell_http(_with_cpu(_result(True), database=False))
    assert "(server + clients): product 2,250 + 162 = 2,412; hand-written-SQL app 1,120 + 148 = 1,268" in cell
    assert "PostgreSQL" not in cell
    # before 2026-12-07 the results had no split: no clause
    assert "CPU µs" not in run_all.cell_http(_result(True))
    assert "statistics" not in run_all.cell_http(_result(True))
    r = _result(True)
    r["statistics"] = "refreshed before each round, untimed (the product's scheduler job where autovacuum is off)"
    assert run_all.cell_http(r).endswith("; planner statistics refreshed between rounds; other load 0.2 cores")


def _sweep(with_floor: bool, floor_events: int = 20_000) -> dict:
    sw = {"rows": 20_000, "sweep_s": 0.64, "within_budget": True, "workers": 2, "rows_per_s": 31_245,
          "python_cpu_s": 0.44, "postgres_backend_cpu_s": 0.41,
          "checks": {"events": 20_000, "distinct_deadlines": 20_000, "left_open": 0, "trail_verifies": True}}
    if with_floor:
        sw.update({"floor": {"rows": 20_000, "sweep_s": 0.62, "checks": {"events": floor_events, "trail_verifies": True}},
                   "ratio_to_floor": 1.03, "ratio_cpu": 1.25})
    return {"bench": "deadline_sweep", "sweep": sw, "budget": {"sweep_s_max": 5.0, "at_rows": 100_000}}


def test_the_sweep_cell_shows_its_hand_written_floor_and_its_checks(run_all):
    ra = run_all
    cell = ra.cell_sweep(_sweep(True))
    assert "1.03× the same rows fired by hand-written SQL (0.62 s, one connection; CPU 1.25×)" in cell
    assert "checks failed" not in cell
    assert "the floor's own checks failed" in ra.cell_sweep(_sweep(True, floor_events=19_999))
    assert "hand-written" not in ra.cell_sweep(_sweep(False))


def _write(with_through: bool) -> dict:
    ms = {"median_ms": 0.8}
    h = {"ratio": 2.2, "pass": False, "ratio_register_lead": 1.9, "ratio_file": 2.6, "ratio_cpu": 2.1,
         "hand_lead": {"median_ms": 0.38}, "hand_file": {"median_ms": 0.35}}
    if with_through:
        h["through_sqlalchemy"] = {
            "session": {"ratio_to_floor": 1.48, "ratio_to_floor_cpu": 1.5, "product_over_it": 1.6},
            "connection": {"ratio_to_floor": 1.22, "ratio_to_floor_cpu": 1.2, "product_over_it": 1.9}}
        h["product_reads"] = {"ratio_to_floor": 1.09, "ratio_to_floor_cpu": 1.11, "product_over_it": 1.51}
        h["law_checks"] = {"total_ms_per_pair": 0.1306, "ratio_to_floor": 0.13, "core_connection_plus_checks": 1.35}
        h["phases"] = {"session_and_orm_objects": {"ratio_to_floor": 0.59, "act_without_them_ratio_to_floor": 2.34}}
        h["ratio_by_fifth"] = [2.3, 2.1, 2.25, 2.4, 2.2]
    return {"bench": "write_path", "backend": "sqlite", "vs_hand_written": h, "ratio": 4.0, "service_txn_mean_of_pair": ms,
            "register_lead_txn": ms, "file_txn": ms, "bare_insert_commit": {"median_ms": 0.2}}


def test_the_write_cell_shows_what_sqlalchemy_alone_costs_over_the_floor_when_measured(run_all):
    cell = run_all.cell_write(_write(True))
    assert "2.2× the hand-written SQL ❌" in cell
    assert "floor 0.38 / 0.35 ms; by fifths of the run 2.1–2.4×)" in cell
    assert ("the same hand-written statements through the product's SQLAlchemy session alone 1.48× the floor "
            "(CPU 1.5×; a Core connection 1.22×), the act 1.6× that") in cell
    assert ("the floor with the product's own three reads (party with its scope probe, case with its officers, the "
            "named officers) 1.09× (CPU 1.11×), the act 1.51× that") in cell
    assert ("the acts' own checks (input dates, the guards' view and context, the guards, masking, event schemas) "
            "131 µs a pair = 0.13× the floor, so a Core connection plus them ≈ 1.35×") in cell
    assert ("timed phase by phase, the session (open, begin, commit, close) and the ORM's objects cost 0.59× the "
            "floor, the act without them 2.34× (the most a pipeline on plain rows could save)") in cell
    bare = run_all.cell_write(_write(False))
    assert "session alone" not in bare and "own three reads" not in bare and "own checks" not in bare
    assert "ORM's objects" not in bare and "by fifths" not in bare and "floor 0.38 / 0.35 ms)" in bare


def test_the_write_cell_splits_the_act_on_the_wire_when_measured(run_all):
    r = _write(True)

    def side(lead_trips, file_trips):
        return {"lead": {"round_trips": lead_trips}, "file": {"round_trips": file_trips}}

    w = {"product_pair_ratio": {"wall": 1.42, "server": 0.97, "client_between": 0.28, "outside": 0.1},
         "floor_pair_ratio": {"wall": 1.0, "server": 0.84, "client_between": 0.1, "outside": 0.02}}
    p, f = side(5.0, 8.0), side(5.0, 8.0)
    w.update({act: {"product": p[act], "floor": f[act]} for act in ("lead", "file")})
    r["vs_hand_written"]["wire"] = w
    cell = run_all.cell_write(r)
    assert ("on the wire (libpq's trace; the same 5 + 8 round trips as the floor), as shares of the floor's pair: the "
            "server 0.97 (floor 0.84), the client between round trips 0.28 (floor 0.1), before the first message and "
            "after the last 0.1 (floor 0.02)") in cell
    w["file"]["product"] = {"round_trips": 9.0}  # a round trip more than the floor is named, not called the same
    assert "(libpq's trace; 5 + 9 round trips, the floor 5 + 8)" in run_all.cell_write(r)
    assert "on the wire" not in run_all.cell_write(_write(True))


def test_the_write_cell_says_when_the_planner_statistics_were_refreshed(run_all):
    r = _write(True)
    assert "planner statistics" not in run_all.cell_write(r)
    r["statistics"] = "refreshed every 100 rounds, untimed (the product's scheduler job where autovacuum is off)"
    assert "; planner statistics refreshed every 100 rounds, untimed; " in run_all.cell_write(r)
