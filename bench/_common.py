"""Shared plumbing for the benchmarks: scratch databases, timing statistics, one-JSON-object output.

Every benchmark runs against its own scratch database — a SQLite file in a temporary directory, or a
PostgreSQL database named ``bench_<what>_<pid>`` — migrated with the real migrations and dropped at
the end. Nothing here asserts timings: scripts report numbers and a pass/fail against the budget.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

PG_URL = os.environ.get("CASEBOOK_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def pg_admin_url() -> str:
    return make_url(PG_URL).set(database="postgres").render_as_string(hide_password=False)


def pg_reachable() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        eng = create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with eng.connect() as c:
            c.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as e:  # noqa: BLE001
        return f"{type(e).__name__}: {e}".splitlines()[0]


@dataclass
class Scratch:
    backend: str
    url: str
    data_dir: Path


@contextmanager
def scratch_db(backend: str, what: str, *, keep: bool = False, migrate: bool = True) -> Iterator[Scratch]:
    """A fresh, migrated database for one benchmark run; dropped afterwards unless `keep`."""
    from casebook.db.migrate import upgrade

    data_dir = Path(tempfile.mkdtemp(prefix=f"bench_{what}_"))
    if backend == "sqlite":
        url = f"sqlite:///{data_dir / 'bench.db'}"
        try:
            if migrate:
                upgrade(url)
            yield Scratch(backend, url, data_dir)
        finally:
            if not keep:
                shutil.rmtree(data_dir, ignore_errors=True)
        return
    if backend != "postgres":
        raise SystemExit(f"unknown backend {backend!r}")
    name = f"bench_{what}_{os.getpid()}_{uuid.uuid4().hex[:4]}"
    admin = create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        if migrate:
            upgrade(url)
        yield Scratch(backend, url, data_dir)
    finally:
        if not keep:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            shutil.rmtree(data_dir, ignore_errors=True)
        admin.dispose()


def seeded_sessions(url: str):
    """Engine and sessionmaker on a database seeded with the demo organisation."""
    from casebook.db.engine import make_engine, make_sessionmaker, unit_of_work
    from casebook.seed import seed_demo

    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as s:
        seed_demo(s)
    return engine, factory


# --- statistics ---------------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    """Percentile by linear interpolation (p in 0..100)."""
    if not values:
        return float("nan")
    v = sorted(values)
    if len(v) == 1:
        return v[0]
    k = (len(v) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def summary_ms(values_s: list[float]) -> dict:
    """Median, p95, p99, mean, min, max in milliseconds of durations in seconds."""
    ms = [x * 1000 for x in values_s]
    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 4) if ms else None,
        "p95_ms": round(pct(ms, 95), 4),
        "p99_ms": round(pct(ms, 99), 4),
        "mean_ms": round(statistics.fmean(ms), 4) if ms else None,
        "min_ms": round(min(ms), 4) if ms else None,
        "max_ms": round(max(ms), 4) if ms else None,
    }


def now() -> float:
    return time.perf_counter()


# --- output -------------------------------------------------------------------------------------------


def _cpu_ticks() -> tuple[int, int] | None:
    """(busy, total) jiffies over all CPUs from /proc/stat, or None off Linux."""
    try:
        with open("/proc/stat") as f:
            parts = [int(x) for x in f.readline().split()[1:]]
    except OSError:
        return None
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0)
    return sum(parts) - idle, sum(parts)


_START = {"ticks": _cpu_ticks(), "wall": time.monotonic(), "own": os.times()}


def machine_load() -> dict:
    """How busy the machine was since start: all CPUs, this process, and so everything else (other jobs, the
    database server). Other jobs on a 2-core box skew latency numbers; read them with this in mind."""
    out: dict = {"loadavg_end": [round(x, 2) for x in os.getloadavg()]}
    t1, wall = _cpu_ticks(), time.monotonic() - _START["wall"]
    own = os.times()
    own_s = sum(getattr(own, k) - getattr(_START["own"], k) for k in ("user", "system", "children_user", "children_system"))
    if t1 and _START["ticks"] and wall > 0:
        busy = t1[0] - _START["ticks"][0]
        total = t1[1] - _START["ticks"][1]
        cores = os.cpu_count() or 1
        busy_cores = cores * busy / total if total else 0.0
        out.update({"busy_cores_avg": round(busy_cores, 2), "this_process_cores_avg": round(own_s / wall, 2),
                    "other_processes_cores_avg": round(max(0.0, busy_cores - own_s / wall), 2), "wall_s": round(wall, 1)})
    return out


def processes_cpu_s(*, group: int | None = None, name: str | None = None) -> float | None:
    """CPU seconds (user + system, with their reaped children's) of the live processes in process group `group`
    (a server started in a session of its own: its master and workers) or named `name` (e.g. every `postgres`
    process: the backends and the WAL writer, checkpointer …), read from /proc; None off Linux. A difference of
    two readings is what they spent in between, as long as none of them exited meanwhile (pooled connections'
    backends and a server's workers live through a run)."""
    ticks = 0
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return None
    for pid in pids:
        found = _proc_stat(pid)
        if found is None:
            continue  # gone meanwhile
        comm, pgrp, cpu = found
        if (group is not None and pgrp == group) or (name is not None and comm == name):
            ticks += cpu
    return ticks / os.sysconf("SC_CLK_TCK")


def process_cpu_s(pid: int) -> float:
    """CPU seconds of one live process (as `processes_cpu_s` counts them), e.g. a connection's server backend."""
    found = _proc_stat(pid)
    if found is None:
        raise ProcessLookupError(pid)
    return found[2] / os.sysconf("SC_CLK_TCK")


def _proc_stat(pid) -> tuple[str, int, int] | None:
    """(name, process group, CPU ticks: user + system with reaped children's) from /proc/<pid>/stat; None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    comm, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
    # rest[0] is field 3 (state): pgrp is field 5, utime … cstime fields 14–17
    return comm, int(rest[2]), sum(int(x) for x in rest[11:15])


def environment() -> dict:
    """What the numbers were measured on, including the load at the time (a busy machine skews them)."""
    env = {
        "started_at": dt.datetime.fromtimestamp(time.time() - (time.monotonic() - _START["wall"]), dt.UTC)
        .isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        import sqlalchemy

        env["sqlalchemy"] = sqlalchemy.__version__
        import sqlite3

        env["sqlite"] = sqlite3.sqlite_version
    except Exception:  # noqa: BLE001
        pass
    return env


def pg_server_info(engine) -> dict:
    with engine.connect() as c:
        out = {"server_version": c.exec_driver_sql("SHOW server_version").scalar()}
        for name in ("shared_buffers", "work_mem", "synchronous_commit", "fsync", "random_page_cost", "jit"):
            out[name] = c.exec_driver_sql(f"SHOW {name}").scalar()
    return out


def emit(result: dict) -> None:
    """Print the one JSON object a benchmark produces (stdout); diagnostics go to stderr."""
    result.setdefault("env", {}).update(machine_load())
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")
    sys.stdout.flush()


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


def base_parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--keep", action="store_true", help="keep the scratch database (prints its URL to stderr)")
    return p
