"""Every bench runs end to end (bench/run_all.py --smoke: tiny sizes, the numbers mean nothing), so a change to
the product that breaks a bench — its floor, its spy on a service, its server — fails here, not in the next
measurement. PostgreSQL (and RabbitMQ for the events) are measured too where the suite has them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_every_bench_runs_at_smoke_size(tmp_path):
    backends = "sqlite,postgres" if os.environ.get("CASEBOOK_TEST_POSTGRES_URL") else "sqlite"
    transports = "memory,rabbitmq" if os.environ.get("CASEBOOK_TEST_AMQP_URL") else "memory"
    out = tmp_path / "smoke.json"
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "run_all.py"), "--smoke", "--backends", backends,
                        "--transports", transports, "--out", str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=900,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr[-3000:]
    doc = json.loads(out.read_text())
    failed = {f"{bench}/{where}": res for bench, by in doc["results"].items() for where, res in by.items()
              if "error" in res or any(isinstance(v, dict) and "error" in v for v in res.values())}
    assert failed == {}, (failed, r.stderr[-3000:])
    ran = {bench for bench, by in doc["results"].items() if by}
    assert {"write_path", "http_api", "case_list", "public_search", "party_search", "deadline_sweep", "events"} <= ran
    assert set(backends.split(",")) <= {w for by in doc["results"].values() for w in by}
