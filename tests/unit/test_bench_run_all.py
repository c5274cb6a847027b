"""bench/run_all.py --from-json: several results files merge into one table, the latest result per bench and
backend winning, and every row generated from what the benches reported (nothing typed by hand)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def run_all():
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("bench_run_all", BENCH / "run_all.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        yield mod
    finally:
        sys.path.remove(str(BENCH))


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
