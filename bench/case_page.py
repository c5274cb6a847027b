"""Case page: the server render of /cases/<id> for a case with 200 trail entries and 50 evidence items.

Budget (issue 13): p95 < 150 ms on PostgreSQL. The floor is a minimal Flask app rendering a comparable
template (the same number of timeline rows and evidence rows, from data in memory, no database): what any
Flask + Jinja page of that size costs on this machine. Variants are interleaved request by request (the
order shuffled each round), each run is repeated and the median of the repeats reported.

    .venv/bin/python bench/case_page.py --backend postgres
    .venv/bin/python bench/case_page.py --backend sqlite --rounds 100 --repeats 3
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import base_parser, emit, environment, log, now, scratch_db, seeded_sessions, summary_ms  # noqa: E402

BUDGET_P95_MS = 150.0
TRAIL = 200
EVIDENCE = 50
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")

FLOOR_TEMPLATE = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }}</title></head><body>
<header><h1>{{ title }}</h1><p>{{ party }}</p></header>
<table>{% for e in evidence %}<tr><td>{{ loop.index }}</td><td>{{ e.title }}</td><td>{{ e.kind }}</td>
<td>{{ e.by|join('、') }}</td><td>{{ e.on.isoformat() }}</td><td><code>{{ e.sha[:16] }}</code></td></tr>{% endfor %}</table>
<ol>{% for t in trail %}<li><time>{{ t.at.strftime('%Y-%m-%d %H:%M:%S') }}</time> {{ t.who }}（{{ t.role }}） <b>{{ t.what }}</b>
<p>{{ t.note|truncate(200) }}</p></li>{% endfor %}</ol></body></html>"""


def build_case(factory, settings) -> int:
    """A filed case under investigation with EVIDENCE evidence items and TRAIL trail entries, made through the services."""
    from sqlalchemy import select

    from casebook.db.engine import unit_of_work
    from casebook.db.models import Party, User
    from casebook.services import cases, evidence
    from casebook.services.context import actor_for, local_today

    today = local_today()
    with unit_of_work(factory) as s:
        us = {u.username: u for u in s.execute(select(User)).scalars()}
        zw, head = actor_for(s, us["zhangwei"]), actor_for(s, us["zhaomin"])
        ids = [us["zhangwei"].id, us["liqiang"].id]
        party = s.execute(select(Party).where(Party.kind == "organization")).scalars().first()
        cid = cases.register_lead(s, zw, {"source": "complaint", "cause": "涉嫌销售过期食品", "discovered_on": today,
                                          "party_id": party.id}, settings=settings).id
        cases.perform(s, head, cid, "file", {"filed_on": today, "officer_ids": ids}, expected_version=None, settings=settings)
        cases.perform(s, zw, cid, "start_investigation", {}, expected_version=None, settings=settings)
    for i in range(EVIDENCE):
        with unit_of_work(factory) as s:
            evidence.add_evidence(s, zw, cid, {"kind": "physical", "title": f"现场照片{i + 1}", "collected_on": today,
                                               "collected_by": ids}, io.BytesIO(PNG + i.to_bytes(4, "big")),
                                  f"p{i}.png", expected_version=None, settings=settings)
    for i in range(TRAIL - 3 - EVIDENCE):
        with unit_of_work(factory) as s:
            cases.perform(s, zw, cid, "record_investigation_act", {
                "kind": "inquiry", "acted_on": today, "place": "山亭区府前路88号", "officer_ids": ids,
                "summary": f"第{i + 1}次询问当事人，制作询问笔录，当事人对违法事实无异议。"}, expected_version=None,
                settings=settings)
    return cid


def floor_app():
    from flask import Flask, render_template_string

    app = Flask("floor")
    t0 = dt.datetime(2026, 3, 1, 9, 0)
    evidence = [{"title": f"现场照片{i}", "kind": "物证", "by": ["张伟", "李强"], "on": t0.date(), "sha": "ab" * 32}
                for i in range(EVIDENCE)]
    trail = [{"at": t0 + dt.timedelta(minutes=i), "who": "张伟", "role": "执法人员", "what": "记录调查取证活动",
              "note": "询问当事人，制作询问笔录，当事人对违法事实无异议。" * 2} for i in range(TRAIL)]

    @app.route("/page")
    def page():
        return render_template_string(FLOOR_TEMPLATE, title="山亭市监立〔2026〕1号", party="好味来食品有限公司",
                                      evidence=evidence, trail=trail)

    return app


def login(client, username="zhangwei"):
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    r = client.post("/login", data={"username": username, "password": "casebook-demo-2026", "csrf_token": token})
    assert r.status_code == 302, r.status_code


def main():
    p = base_parser(__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=150, help="requests per variant per repeat")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--warmup", type=int, default=10)
    args = p.parse_args()
    from casebook.config import Settings
    from casebook.web.app import create_app

    env = environment()
    with scratch_db(args.backend, "case_page", keep=args.keep) as db:
        engine, factory = seeded_sessions(db.url)
        settings = Settings(data_dir=db.data_dir, database_url=db.url)
        t = now()
        cid = build_case(factory, settings)
        log(f"seeded case {cid} with {TRAIL} trail entries and {EVIDENCE} evidence items in {now() - t:.1f}s")
        app = create_app(settings, engine=engine)
        client = app.test_client()
        login(client)
        floor = floor_app().test_client()
        variants = {
            "case_page_trail": lambda: client.get(f"/cases/{cid}?tab=trail"),
            "case_page_evidence": lambda: client.get(f"/cases/{cid}?tab=evidence"),
            "case_page_acts": lambda: client.get(f"/cases/{cid}?tab=acts"),
            "floor": lambda: floor.get("/page"),
        }
        for name, fn in variants.items():
            r = fn()
            assert r.status_code == 200, (name, r.status_code, r.get_data(as_text=True)[:500])
            if name == "case_page_trail":
                assert r.get_data(as_text=True).count('<li>\n      <time') >= TRAIL, "the page must show every entry"
            for _ in range(args.warmup):
                fn()
        runs: dict[str, list[dict]] = {k: [] for k in variants}
        rng = random.Random(13)
        for rep in range(args.repeats):
            times: dict[str, list[float]] = {k: [] for k in variants}
            for _ in range(args.rounds):
                order = list(variants)
                rng.shuffle(order)
                for name in order:
                    t = now()
                    variants[name]()
                    times[name].append(now() - t)
            for k, v in times.items():
                runs[k].append(summary_ms(v))
            log(f"repeat {rep + 1}: " + ", ".join(f"{k} p95 {runs[k][-1]['p95_ms']:.1f} ms" for k in variants))
        result = {}
        for k, rs in runs.items():
            result[k] = {"median_ms": statistics.median(r["median_ms"] for r in rs),
                         "p95_ms": statistics.median(r["p95_ms"] for r in rs),
                         "p99_ms": statistics.median(r["p99_ms"] for r in rs), "repeats": rs}
        floor_p95 = result["floor"]["p95_ms"]
        worst = max(result[k]["p95_ms"] for k in variants if k != "floor")
        engine.dispose()
    emit({"bench": "case_page", "backend": args.backend, "trail_entries": TRAIL, "evidence_items": EVIDENCE,
          "rounds": args.rounds, "repeats": args.repeats, "results": result,
          "ratio_to_floor_p95": round(worst / floor_p95, 2) if floor_p95 else None,
          "budget_p95_ms": BUDGET_P95_MS, "p95_ms": worst, "within_budget": worst < BUDGET_P95_MS, "env": env})


if __name__ == "__main__":
    main()
