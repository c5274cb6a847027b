"""Trail verification: walk a hash chain of N entries through `services.audit.verify_trail` (the real
database path) and, separately, `audit.chain.verify_rows` over rows already in memory.

Budget (DESIGN.md §7): 1 M entries ≤ 3 s on one core.

    .venv/bin/python bench/trail_verify.py --backend sqlite --entries 1000000
    .venv/bin/python bench/trail_verify.py --backend postgres --entries 1000000

The chain is built directly into trail_entries (hashes from `chain.entry_hash`, realistic canonical-JSON
payloads with Chinese text, signed checkpoints every N/10 entries) with COPY on PostgreSQL and
executemany on SQLite. Besides the two budget numbers the report splits the time: fetching the rows
through SQLAlchemy alone, fetching them through the raw driver, and hashing alone, so it is clear
whether the database path or the hashing needs the work. Wall time is for the Python process, which
is single-threaded; on PostgreSQL the server's share runs in its own process (reported as wall − CPU).
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import base_parser, emit, environment, log, now, pg_server_info, scratch_db  # noqa: E402
from sqlalchemy import select, update  # noqa: E402

BUDGET_S = 3.0
ACTIONS = [
    ("case.register_lead", "lead", None), ("case.file", "filed", "lead"),
    ("case.start_investigation", "investigating", "filed"), ("case.record_investigation_act", "investigating", "investigating"),
    ("case.update_facts", "investigating", "investigating"), ("case.close_investigation", "investigation_closed", "investigating"),
    ("case.propose_penalty", "investigation_closed", "investigation_closed"), ("case.serve_prior_notice", "prior_notice", "investigation_closed"),
    ("case.decide", "decided", "prior_notice"), ("case.serve_decision", "served", "decided"), ("case.close", "closed", "served"),
]
ROLES = {"case.file": "agency_head", "case.decide": "agency_head", "case.close": "agency_head"}


def build_rows(n: int, start: dt.datetime):
    """Yield (seq, occurred_at, actor_id, actor_role, agency_id, case_id, action, payload, prev_hash, entry_hash)."""
    from casebook.audit.chain import GENESIS_HASH, canonical_payload, entry_hash

    prev = GENESIS_HASH
    # ~11 acts per case, a few cases interleaved at a time, like a busy agency.
    for seq in range(1, n + 1):
        case_id = 1 + (seq // 11) + (seq % 3)
        action, to, frm = ACTIONS[seq % len(ACTIONS)]
        agency = 2 + case_id % 3
        body = {"action": action.split(".", 1)[1], "stage_from": frm, "stage_to": to,
                "case_no": f"山亭市监立〔2026〕{case_id}号" if frm else None,
                "data": {"filed_on": "2026-03-03", "officer_ids": [11, 12], "summary": f"现场检查发现过期食品{seq % 97}袋",
                         "place": "山东省枣庄市山亭区府前路88号", "party": "枣庄市山亭区好味来食品有限公司"}}
        payload = canonical_payload(body)
        t = start + dt.timedelta(microseconds=seq * 1_234_567)
        actor, role = 10 + seq % 7, ROLES.get(action, "officer")
        h = entry_hash(prev, seq, t, actor, role, agency, case_id, action, payload)
        yield (seq, t, actor, role, agency, case_id, action, payload, prev, h)
        prev = h


COLS = ["seq", "occurred_at", "actor_id", "actor_role", "agency_id", "case_id", "action", "payload", "prev_hash", "entry_hash"]


def load(engine, n: int, checkpoints: int, settings) -> dict:
    from casebook.audit import signing
    from casebook.db.models import TrailCheckpoint, TrailHead

    pg = engine.dialect.name == "postgresql"
    start = dt.datetime(2026, 1, 5, 1, 0, tzinfo=dt.UTC)
    every = max(1, n // checkpoints) if checkpoints else 0
    cps: list[tuple[int, str]] = []
    last = None
    t0 = now()
    raw = engine.raw_connection()
    try:
        dbapi = raw.driver_connection
        if pg:
            with dbapi.cursor() as cur:
                cur.execute("SET LOCAL synchronous_commit = off")
                cur.execute("DROP INDEX ix_trail_entries_agency_id, ix_trail_entries_case_id")
                with cur.copy(f"COPY trail_entries ({', '.join(COLS)}) FROM STDIN") as cp:
                    for row in build_rows(n, start):
                        cp.write_row(row)
                        if every and row[0] % every == 0:
                            cps.append((row[0], row[9]))
                        last = row
                cur.execute("CREATE INDEX ix_trail_entries_agency_id ON trail_entries (agency_id)")
                cur.execute("CREATE INDEX ix_trail_entries_case_id ON trail_entries (case_id)")
            dbapi.commit()
        else:
            cur = dbapi.cursor()
            cur.execute("BEGIN IMMEDIATE")
            sql = f"INSERT INTO trail_entries ({', '.join(COLS)}) VALUES ({', '.join('?' * len(COLS))})"
            batch = []
            for row in build_rows(n, start):
                batch.append(row[:1] + (row[1].replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f"),) + row[2:])
                if every and row[0] % every == 0:
                    cps.append((row[0], row[9]))
                last = row
                if len(batch) >= 20000:
                    cur.executemany(sql, batch)
                    batch.clear()
            cur.executemany(sql, batch)
            cur.execute("COMMIT")
            cur.close()
    finally:
        raw.close()
    t_load = now() - t0
    key = signing.load_or_create_key(settings.signing_key_path)
    kid = signing.key_id(key.public_key())
    from casebook.db.engine import make_sessionmaker

    with make_sessionmaker(engine)() as s, s.begin():
        s.execute(update(TrailHead).where(TrailHead.id == 1).values(seq=last[0], entry_hash=last[9]))
        signed_at = dt.datetime.now(dt.UTC)
        for seq, h in cps:
            s.add(TrailCheckpoint(seq=seq, entry_hash=h, signed_at=signed_at, key_id=kid,
                                  signature=signing.sign(key, seq, h, signed_at)))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.exec_driver_sql("VACUUM ANALYZE trail_entries" if pg else "ANALYZE")
    return {"entries": n, "checkpoints": len(cps), "load_s": round(t_load, 2), "total_s": round(now() - t0, 2)}


def prototype_verify(engine, checkpoints: dict[int, str], mode: str) -> tuple[bool, int, str]:
    """A bench-only sketch of a faster verifier (not product code), to size what a fix would buy.

    mode "server_time": raw driver, the timestamp formatted by the database; the line built in Python.
    mode "server_time_bytes": the same, with the payload fetched as bytes (no decode and re-encode).
    mode "server_line": raw driver, the whole hashed text (line + payload) composed by the database;
                        Python only hashes and compares. Either way the hash is computed here, never trusted.
    mode "pg_copy":     PostgreSQL only: like server_line (as bytea) but streamed with COPY (…) TO STDOUT
                        (FORMAT BINARY), so the server formats the next rows while Python hashes these.
    Returns (ok, entries, head hash); a valid chain must give the same head as verify_rows.
    """
    from casebook.audit.chain import GENESIS_HASH

    pg = engine.dialect.name == "postgresql"
    ts = ("to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')" if pg
          else "replace(occurred_at, ' ', 'T')")
    if mode in ("server_time", "server_time_bytes"):
        payload = "payload" if mode == "server_time" else (
            "convert_to(payload, 'UTF8')" if pg else "CAST(payload AS BLOB)")
        sql = (f"SELECT seq, {ts}, actor_id, actor_role, agency_id, case_id, action, {payload}, prev_hash, entry_hash "
               "FROM trail_entries ORDER BY seq")
    if mode not in ("server_time", "server_time_bytes"):
        def txt(c):
            return f"coalesce(CAST({c} AS TEXT), 'None')"
        nl = "E'\\n'" if pg else "char(10)"
        line = " || '|' || ".join(["prev_hash", "CAST(seq AS TEXT)", ts, txt("actor_id"), "actor_role", txt("agency_id"),
                                   txt("case_id"), "action"])
        sql = f"SELECT seq, prev_hash, entry_hash, {line} || {nl} || payload FROM trail_entries ORDER BY seq"
    raw = engine.raw_connection()
    sha = hashlib.sha256
    expected_prev, expected_seq, n, ok = GENESIS_HASH, 1, 0, True
    if mode == "pg_copy":
        sql = sql.replace(f"{line} || {nl} || payload", f"convert_to({line} || {nl} || payload, 'UTF8')")
        try:
            with raw.driver_connection.cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)") as cp:
                cp.set_types(["int8", "text", "text", "bytea"])
                for seq, prev, eh, msg in cp.rows():
                    if seq != expected_seq or prev != expected_prev or sha(msg).hexdigest() != eh:
                        ok = False
                        break
                    if seq in checkpoints and checkpoints[seq] != eh:
                        ok = False
                        break
                    expected_prev, expected_seq, n = eh, seq + 1, n + 1
            raw.rollback()
        finally:
            raw.close()
        return ok, n, expected_prev
    try:
        dbapi = raw.driver_connection
        if pg:
            cur = dbapi.cursor(name=f"bench_proto_{mode}")
            cur.itersize = 20000
        else:
            cur = dbapi.cursor()
        cur.execute(sql)
        if mode == "server_time":
            for seq, t, actor, role, agency, case, action, payload, prev, eh in cur:
                if seq != expected_seq or prev != expected_prev or sha(
                        f"{prev}|{seq}|{t}|{actor}|{role}|{agency}|{case}|{action}\n{payload}".encode()).hexdigest() != eh:
                    ok = False
                    break
                if seq in checkpoints and checkpoints[seq] != eh:
                    ok = False
                    break
                expected_prev, expected_seq, n = eh, seq + 1, n + 1
        elif mode == "server_time_bytes":
            for seq, t, actor, role, agency, case, action, payload, prev, eh in cur:
                if seq != expected_seq or prev != expected_prev or sha(
                        f"{prev}|{seq}|{t}|{actor}|{role}|{agency}|{case}|{action}\n".encode() + payload).hexdigest() != eh:
                    ok = False
                    break
                if seq in checkpoints and checkpoints[seq] != eh:
                    ok = False
                    break
                expected_prev, expected_seq, n = eh, seq + 1, n + 1
        else:
            for seq, prev, eh, text_ in cur:
                if seq != expected_seq or prev != expected_prev or sha(text_.encode()).hexdigest() != eh:
                    ok = False
                    break
                if seq in checkpoints and checkpoints[seq] != eh:
                    ok = False
                    break
                expected_prev, expected_seq, n = eh, seq + 1, n + 1
        cur.close()
        raw.rollback()
    finally:
        raw.close()
    return ok, n, expected_prev


def timed(fn):
    gc.collect()
    c0, t0 = time.process_time(), now()
    r = fn()
    return r, now() - t0, time.process_time() - c0


def main() -> None:
    p = base_parser(__doc__.splitlines()[0])
    p.add_argument("--entries", type=int, default=1_000_000)
    p.add_argument("--checkpoints", type=int, default=10, help="signed checkpoints spread over the chain")
    p.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the best is reported too")
    args = p.parse_args()

    from casebook.config import Settings
    from casebook.db.engine import make_engine, make_sessionmaker
    from casebook.services.audit import ROW_COLUMNS, verify_trail

    result = {"bench": "trail_verify", "backend": args.backend, "entries": args.entries, "env": environment(),
              "budget": {"seconds_max": BUDGET_S, "at": "1M entries, one core"}}
    with scratch_db(args.backend, "trail", keep=args.keep) as db:
        if args.keep:
            log("scratch database:", db.url)
        settings = Settings.from_env(database_url=db.url, data_dir=db.data_dir)
        engine = make_engine(db.url)
        factory = make_sessionmaker(engine)
        if args.backend == "postgres":
            result["env"]["postgres"] = pg_server_info(engine)
        log(f"trail_verify[{args.backend}]: building a chain of {args.entries} entries …")
        result["build"] = load(engine, args.entries, args.checkpoints, settings)
        log(f"built: {result['build']}")

        def db_verify():
            with factory() as s:
                return verify_trail(s, settings)

        def fetch_sqlalchemy():
            with factory() as s:
                rows = s.execute(select(*ROW_COLUMNS).order_by(ROW_COLUMNS[0]).execution_options(yield_per=20000))
                return [tuple(r) for r in rows]

        def fetch_core():
            # The same SELECT through a Core connection instead of Session.execute (no ORM row machinery);
            # the column types (UTCDateTime) still apply.
            with engine.connect() as c:
                rows = c.execution_options(yield_per=20000).execute(
                    select(*ROW_COLUMNS).order_by(ROW_COLUMNS[0]))
                return sum(1 for _ in rows)

        def fetch_raw():
            raw = engine.raw_connection()
            try:
                dbapi = raw.driver_connection
                sql = f"SELECT {', '.join(COLS)} FROM trail_entries ORDER BY seq"
                if args.backend == "postgres":
                    cur = dbapi.cursor(name="bench_fetch")
                    cur.itersize = 20000
                    cur.execute(sql)
                else:
                    cur = dbapi.cursor()
                    cur.execute(sql)
                n = 0
                while batch := cur.fetchmany(20000):
                    n += len(batch)
                cur.close()
                raw.rollback()
                return n
            finally:
                raw.close()

        runs: dict[str, list[tuple[float, float]]] = {k: [] for k in ("verify_trail", "fetch_sqlalchemy", "fetch_core",
                                                                      "fetch_raw_driver",
                                                                      "verify_rows_in_memory", "sha256_only")}
        verdict = None
        rows = None
        runs["prototype_server_time"] = []
        runs["prototype_server_line"] = []
        runs["prototype_server_time_bytes"] = []
        modes = ["server_time", "server_time_bytes", "server_line"] + (["pg_copy"] if args.backend == "postgres" else [])
        for m in modes:
            runs[f"prototype_{m}"] = []
        from casebook.db.models import TrailCheckpoint

        with factory() as s:
            cp_map = {cp.seq: cp.entry_hash for cp in s.execute(select(TrailCheckpoint)).scalars()}
        proto_ok = {}
        for i in range(args.repeat):
            log(f"round {i + 1}/{args.repeat}")
            verdict, w, c = timed(db_verify)
            runs["verify_trail"].append((w, c))
            rows, w, c = timed(fetch_sqlalchemy)
            runs["fetch_sqlalchemy"].append((w, c))
            _, w, c = timed(fetch_core)
            runs["fetch_core"].append((w, c))
            _, w, c = timed(fetch_raw)
            runs["fetch_raw_driver"].append((w, c))
            for mode in modes:
                r, w, c = timed(lambda mode=mode: prototype_verify(engine, cp_map, mode))
                runs[f"prototype_{mode}"].append((w, c))
                proto_ok[mode] = r
        from casebook.audit.chain import Checkpoint, format_time, verify_rows

        with factory() as s:
            cps = [Checkpoint(cp.seq, cp.entry_hash) for cp in s.execute(select(TrailCheckpoint)).scalars()]
        # What the hashing alone costs: the exact bytes verify_rows hashes, prepared beforehand.
        blobs = [(f"{r[8]}|{r[0]}|{format_time(r[1])}|{r[2]}|{r[3]}|{r[4]}|{r[5]}|{r[6]}\n" + r[7]).encode() for r in rows]
        sha = hashlib.sha256

        def hash_only(blobs=blobs):
            return [sha(b).hexdigest() for b in blobs]

        for _ in range(args.repeat):
            mem, w, c = timed(lambda: verify_rows(rows, cps))
            runs["verify_rows_in_memory"].append((w, c))
            _, w, c = timed(hash_only)
            runs["sha256_only"].append((w, c))
        engine.dispose()

    def best(name):
        w, c = min(runs[name])
        return {"wall_s": round(w, 3), "cpu_s": round(c, 3),
                "all_wall_s": [round(x[0], 3) for x in runs[name]], "per_entry_us": round(w / args.entries * 1e6, 3)}

    out = {k: best(k) for k in runs}
    scale = 1_000_000 / args.entries
    db_s, mem_s = out["verify_trail"]["wall_s"], out["verify_rows_in_memory"]["wall_s"]
    result.update({
        "ok": verdict.ok and mem.ok, "entries_verified": verdict.entries, "problem": verdict.problem,
        "timings": out,
        "verify_trail_s": db_s, "verify_rows_s": mem_s,
        "projected_1m": {"verify_trail_s": round(db_s * scale, 2), "verify_rows_s": round(mem_s * scale, 2)},
        "split_of_verify_trail": {
            "fetch_via_sqlalchemy_share": round(out["fetch_sqlalchemy"]["wall_s"] / db_s, 2),
            "fetch_via_core_connection_share": round(out["fetch_core"]["wall_s"] / db_s, 2),
            "of_which_raw_driver_share": round(out["fetch_raw_driver"]["wall_s"] / db_s, 2),
            "hash_and_compare_share": round(mem_s / db_s, 2),
            "sha256_alone_share": round(out["sha256_only"]["wall_s"] / db_s, 2),
        },
        "pass": {"verify_trail": db_s * scale <= BUDGET_S, "verify_rows": mem_s * scale <= BUDGET_S},
        "prototype_agrees_with_verify_trail": {
            m: r[0] and r[1] == verdict.entries and r[2] == verdict.head_hash for m, r in proto_ok.items()},
        "note": "best of --repeat runs; wall time of the (single-threaded) Python process; on PostgreSQL the server "
                "works in parallel in its own process",
    })
    emit(result)


if __name__ == "__main__":
    main()
