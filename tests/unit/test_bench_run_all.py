"""bench/run_all.py --from-json: several results files merge into one table, the latest result per bench and
backend winning, and every row generated from what the benches reported (nothing typed by hand)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _trail(seconds: float, load: float) -> dict:
    return {"bench": "trail_verify", "entries": 1_000_000, "verify_trail_s": seconds, "floor_s": 0.5,
            "ratio_to_floor": round(seconds / 0.5, 2), "pass": {"verify_trail": seconds <= 3},
            "projected_1m": {"verify_trail_s": seconds},
            "timings": {"verify_trail": {"cpu_s": 1.0, "all_wall_s": [seconds]}, "sha256_floor": {"cpu_s": 0.5}},
            "env": {"other_processes_cores_avg": load}}


def _write(tmp_path: Path, name: str, doc: dict) -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(doc, ensure_ascii=False))
    return p


def test_the_latest_result_per_bench_and_backend_wins(run_all, tmp_path):
    old = _write(tmp_path, "old.json", {"generated_at": "2026-12-05T01:00:00+00:00", "mode": "modest", "results": {
        "trail_verify": {"sqlite": _trail(4.0, 1.5), "postgres": _trail(5.0, 1.5)},
        "rules_lookup": {"in_process": {"skipped": "not run"}}}})
    new = _write(tmp_path, "new.json", {"generated_at": "2026-12-05T02:00:00+00:00", "mode": "full", "results": {
        "trail_verify": {"postgres": _trail(2.0, 0.1)}, "rules_lookup": {"in_process": {"skipped": "nothing"}}}})
    # Order on the command line does not matter: the newer file wins for PostgreSQL, the older one keeps SQLite.
    results, sources = run_all.merge_results([new, old])
    assert results["trail_verify"]["postgres"]["verify_trail_s"] == 2.0
    assert results["trail_verify"]["sqlite"]["verify_trail_s"] == 4.0
    text = run_all.table(results) + run_all.from_json_note(sources)
    row = next(line for line in text.splitlines() if "trail verification" in line)
    assert "4.00 s wall ❌" in row and "2.00 s wall ✅" in row and "other load 0.1 cores" in row
    assert "`" in text and "old.json" in text and "new.json" in text and "trail_verify/postgres" in text


def test_an_undated_result_never_wins_by_its_file_time(run_all, tmp_path):
    """A clone gives every committed file the same modification time: an old result saved without a date must not
    then beat a newer dated one (it did: the README showed an earlier 1 M statistics run)."""
    import os
    import time

    dated = _write(tmp_path, "dated.json", {**_trail(2.0, 0.1), "backend": "postgres",
                                            "env": {"started_at": "2026-12-05T22:00:00+00:00"}})
    undated = _write(tmp_path, "undated.json", {**_trail(4.0, 0.1), "backend": "postgres"})
    later = time.time() + 3600
    os.utime(undated, (later, later))  # the undated file looks newer on disk
    for order in ([dated, undated], [undated, dated]):
        results, _ = run_all.merge_results(order)
        assert results["trail_verify"]["postgres"]["verify_trail_s"] == 2.0
    public = _write(tmp_path, "p.json", {"bench": "public_search", "backend": "postgres", "environment": {
        "started_at": "2026-12-05T23:00:00+00:00"}})  # public_search dates itself under "environment"
    assert run_all._file_time(json.loads(public.read_text())) == "2026-12-05T23:00:00+00:00"


def test_a_skip_or_a_failed_run_never_hides_a_measurement(run_all, tmp_path):
    measured = _write(tmp_path, "a.json", {"generated_at": "2026-12-05T01:00:00+00:00", "results": {
        "trail_verify": {"sqlite": _trail(2.5, 0.2)}}})
    skipped = _write(tmp_path, "b.json", {"generated_at": "2026-12-05T03:00:00+00:00", "results": {
        "trail_verify": {"sqlite": {"skipped": "PostgreSQL down"}}}})
    failed = _write(tmp_path, "c.json", {"generated_at": "2026-12-05T04:00:00+00:00", "results": {
        "trail_verify": {"sqlite": {"error": "exit 1", "command": ["trail_verify.py"]}}}})
    results, _ = run_all.merge_results([measured, skipped, failed])
    assert results["trail_verify"]["sqlite"]["verify_trail_s"] == 2.5
    results, _ = run_all.merge_results([failed])  # alone, the failure is what the table says
    assert "error (exit 1)" in run_all.table(results)


def test_a_bench_run_on_its_own_merges_under_its_script_name(run_all, tmp_path):
    bare = {**_trail(1.5, 0.3), "backend": "postgres", "env": {"started_at": "2026-12-05T04:00:00+00:00",
                                                                "other_processes_cores_avg": 0.3}}
    stats = {"bench": "statistics", "backend": "postgres", "cases": 1_000_000, "env": {"started_at": "2026-12-05T04:00:00"},
             "floor": {"median_ms": 10.0}, "verdict": {"applies": True, "pass": True},
             "pages": {"cockpit": {"median_ms": 120.0, "ratio_to_floor": 12.0}}}
    results, _ = run_all.merge_results([_write(tmp_path, "t.json", bare), _write(tmp_path, "s.json", stats)])
    assert results["trail_verify"]["postgres"]["verify_trail_s"] == 1.5
    row = next(line for line in run_all.table(results).splitlines() if "statistics pages" in line)
    assert "worst median 120 ms (cockpit) ✅" in row and "floor (hand-written SQL" in row and "1 M cases" in row


def test_an_unknown_file_is_refused(run_all, tmp_path):
    with pytest.raises(SystemExit):
        run_all.merge_results([_write(tmp_path, "x.json", {"hello": 1})])


def _list(floor: bool) -> dict:
    sc = {"n": 60, "median_ms": 10.0, "p95_ms": 20.0, "in_budget": True}
    if floor:
        sc |= {"floor": {"p95_ms": 4.0}, "rounds": 3, "ratio_p95_to_floor": 5.0}
    scenarios = {"stage/first": sc, "officer/deep": {**sc, "p95_ms": 30.0, **({"ratio_p95_to_floor": 7.5} if floor else {})}}
    verdict = {"worst_scenario": "officer/deep", "worst_p95_ms": 30.0, "scenarios_over_budget": [], "pass": True,
               "budget_applies_at_this_size_and_backend": False}
    if floor:
        verdict["floor"] = {"worst_ratio_p95": 7.5, "worst_ratio_scenario": "officer/deep", "worst_ratio_p95_ms": 30.0,
                            "worst_ratio_floor_p95_ms": 4.0, "median_ratio_p95": 6.25, "ratio_of_worst_p95_scenario": 7.5,
                            "floor_p95_ms_of_worst_p95_scenario": 4.0,
                            "ratios_p95": {"stage/first": 5.0, "officer/deep": 7.5}}
    return {"bench": "case_list", "backend": "postgres", "cases": 100_000, "scenarios": scenarios, "verdict": verdict,
            "env": {"started_at": "2026-12-05T05:00:00+00:00", "other_processes_cores_avg": 0.4}}


def _events(floor: bool, transport: str) -> dict:
    relay = {"events": 5000, "events_per_s": 10_000, "within_budget": True}
    lat = {"events": 200, "handled": 200, "rate_per_s": 50, "p50_ms": 3.0, "p95_ms": 5.0, "within_budget": True}
    if floor:
        relay |= {"repeats": 3, "floor": {"events_per_s": 30_000}, "ratio_floor_over_product": 3.0}
        lat |= {"floor": {"p95_ms": 1.25}, "ratio_p95_to_floor": 4.0}
    return {"bench": "events", "backend": "postgres", "transport": transport, "relay": relay, "commit_to_handler": lat,
            "env": {"started_at": "2026-12-05T05:00:00+00:00", "other_processes_cores_avg": 0.2}}


def _rules(floor: bool) -> dict:
    q = {"p50_us": 20.0, "p99_us": 40.0}
    out = {"bench": "rules_lookup", "catalogue_items": 5000, "queries": 20000, "benchmark": q, "exemption": q,
           "thresholds": q, "within_budget": True, "env": {"started_at": "2026-12-05T05:00:00+00:00"}}
    if floor:
        out["floor"] = {"repeats": 5, **{k: {"p50_us": 4.0, "p99_us": 8.0} for k in ("benchmark", "exemption", "thresholds")}}
        out["ratio_to_floor"] = {k: {"p50": 5.0, "p99": 5.0} for k in ("benchmark", "exemption", "thresholds")}
    return out


def test_case_list_events_and_rules_show_their_floors(run_all, tmp_path):
    files = [_write(tmp_path, "l.json", _list(True)), _write(tmp_path, "r.json", _rules(True)),
             _write(tmp_path, "e1.json", _events(True, "rabbitmq")), _write(tmp_path, "e2.json", _events(True, "memory"))]
    results, _ = run_all.merge_results(files)
    text = run_all.table(results)
    assert "no floor yet" not in text
    rows = {key: next(line for line in text.splitlines() if key in line)
            for key in ("case list", "event relay", "threshold lookup")}
    assert "7.5× its floor (p95 4.00 ms: the same rows by hand-written SQL" in rows["case list"]
    assert "product / floor p95 worst 7.5× (officer/deep: 30.00 vs 4.00 ms), median 6.25×" in rows["case list"]
    assert "median of 3 interleaved rounds" in rows["case list"]
    assert "relay 10,000/s ✅ (floor 30,000/s: 3.0× faster)" in rows["event relay"]
    assert "4.0× the floor's p95 1.2 ms" in rows["event relay"] and "memory transport: relay 10,000/s (floor" in rows["event relay"]
    assert "p50 5.0 / 5.0 / 5.0×, p99 5.0 / 5.0 / 5.0× (floor p99 8.0 / 8.0 / 8.0 µs)" in rows["threshold lookup"]


def test_results_without_a_floor_still_say_so(run_all, tmp_path):
    files = [_write(tmp_path, "l.json", _list(False)), _write(tmp_path, "r.json", _rules(False)),
             _write(tmp_path, "e.json", _events(False, "rabbitmq"))]
    results, _ = run_all.merge_results(files)
    rows = [line for line in run_all.table(results).splitlines() if line.startswith("| ") and "measured" not in line]
    assert len(rows) == 3 and all("this bench measures no floor yet" in row for row in rows)
