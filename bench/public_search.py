"""Public 公示 search: p95 over 100 k published decisions on PostgreSQL, as a ratio to the raw SQL of the same rows.

Budget (issue 14): p95 < 50 ms at 100 k published decisions.

    .venv/bin/python bench/public_search.py                      # PostgreSQL, 100 k
    .venv/bin/python bench/public_search.py --rows 20000 --repeats 3

Seeds 100 k published records plus 10 k drafts, withdrawn and expired ones (batched inserts, then ANALYZE) over three agencies, four years of
decision dates, organisation names from a realistic vocabulary and masked natural persons. Each scenario is
timed three ways, interleaved request by request: the open API (GET /api/v1/public/decisions through the Flask
app: parsing, validation, the service, JSON, ETag), the service alone (`services.publicity.search`), and the
floor: the same SQL statement sent raw through the driver, fetching the same rows. Each repeat gives a p95 per
variant; the report is the median over repeats and the ratio to the floor in the same repeat.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import statistics
import sys
import uuid
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent))  # after the repo root: bench/events.py must not shadow events/

from _common import base_parser, emit, environment, log, now, pct, scratch_db, seeded_sessions  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

BUDGET_P95_MS = 50.0
CITIES = ["枣庄", "滕州", "薛城", "峄城", "台儿庄", "山亭", "市中", "济南", "青岛", "临沂"]
WORDS = ["好味来", "鑫源", "恒信", "宏达", "金鼎", "华联", "福满楼", "同仁", "康宁", "顺发", "百草", "新世纪", "永盛",
         "东方", "明珠", "天成", "瑞丰", "佳佳乐", "绿源", "万家福"]
TRADES = ["食品有限公司", "商贸有限公司", "餐饮管理有限公司", "超市", "药房", "建材经营部", "副食品店", "酒业有限公司"]
KINDS = [["fine"], ["fine", "confiscate_gains"], ["circulated_criticism"], ["fine", "suspend_license"]]
VIOLATIONS = ["销售超过保质期的食品", "未取得食品经营许可从事食品经营活动", "销售不符合安全标准的产品", "虚假广告",
              "未明码标价", "经营无标签的预包装食品"]


def _seed(factory, rows: int, seed: int = 7) -> dict:
    from casebook.db import models as m

    rnd = random.Random(seed)
    with factory() as s, s.begin():
        agencies = [a for a in s.execute(select(m.Agency).where(m.Agency.level != "district")).scalars()]
        party = s.execute(select(m.Party.id)).scalars().first()
        # a few cases to hang the records on (the FK); the public search never reads cases
        case_ids = []
        for i in range(200):
            c = m.Case(agency_id=agencies[i % len(agencies)].id, stage="decided", source="complaint", cause="x",
                       party_id=party, discovered_on=dt.date(2026, 1, 1))
            s.add(c)
            s.flush()
            case_ids.append((c.id, c.agency_id))
    names = {a.id: a.name for a in agencies}
    t = m.Publication.__table__
    today = dt.date.today()
    start = today - dt.timedelta(days=3 * 365)
    batch, docs, usccs = [], [], []
    extra = rows // 10  # besides the published rows: drafts, withdrawn and expired ones the search must skip
    for i in range(rows + extra):
        cid, aid = case_ids[i % len(case_ids)]
        decided = start + dt.timedelta(days=rnd.randrange((today - start).days - 10))
        published = decided + dt.timedelta(days=rnd.randrange(1, 10))
        person = rnd.random() < 0.15
        name = (rnd.choice("张王李赵刘陈杨黄周吴") + "*" * rnd.choice((1, 2))) if person else (
            f"{rnd.choice(CITIES)}市{rnd.choice(WORDS)}{rnd.choice(WORDS)}{rnd.choice(TRADES)}")
        uscc = None if person else f"9137{i:014d}"
        doc = f"{'山亭市监' if aid == agencies[1].id else '山亭综执'}处罚〔{decided.year}〕{i + 1}号"
        kinds = rnd.choice(KINDS)
        fine = rnd.choice((500, 2000, 5000, 20000, 100000))
        status = "published" if i < rows else rnd.choice(("withdrawn", "expired", "draft"))
        until = published + dt.timedelta(days=1096) if status == "published" else published + dt.timedelta(days=92)
        violation = rnd.choice(VIOLATIONS)
        pub = {"party_name": name, "party_category": "自然人" if person else "法人及非法人组织", "uscc": uscc,
               "id_number": None, "legal_representative": None if person else "李*", "document_no": doc,
               "violation_type": violation, "facts": f"当事人{violation}。" * 3, "basis": "《中华人民共和国食品安全法》第一百二十四条",
               "penalty_category": "罚款", "penalty_content": f"罚款人民币{fine:,.2f}元", "fine_wan": str(fine / 10000),
               "confiscated_wan": None, "license_action": None, "decided_on": decided.isoformat(),
               "display_until": until.isoformat(), "agency_name": names[aid], "data_source": names[aid]}
        batch.append({"case_id": cid, "agency_id": aid, "source_event_id": str(uuid.uuid4()), "system": "market_regulation",
                      "status": status, "procedure": "ordinary", "decision_kind": "penalty", "penalty_kinds": kinds,
                      "fine_amount": fine, "decided_on": decided, "document_no": doc, "party_name": name, "uscc": uscc,
                      "violation_type": violation, "agency_name": names[aid], "third_party_names": [], "source": {},
                      "published": pub, "published_on": published if status != "draft" else None,
                      "display_until": until if status != "draft" else None, "created_at": dt.datetime.now(dt.UTC),
                      "updated_at": dt.datetime.now(dt.UTC)})
        if i % 997 == 0 and status == "published":
            docs.append(doc)
            if uscc:
                usccs.append(uscc)
        if len(batch) == 5000:
            with factory() as s, s.begin():
                s.execute(insert(t), batch)
            batch = []
    if batch:
        with factory() as s, s.begin():
            s.execute(insert(t), batch)
    return {"agencies": [a.id for a in agencies], "docs": docs, "usccs": usccs}


def _valid_uscc(body17: str) -> str:
    from casebook.seed import demo_uscc

    return demo_uscc(body17)


def main() -> None:
    p = base_parser(__doc__)
    p.set_defaults(backend="postgres")
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--requests", type=int, default=40, help="requests per scenario per repeat")
    args = p.parse_args()
    from casebook.config import Settings
    from casebook.services import publicity as svc
    from casebook.web.app import create_app

    with scratch_db(args.backend, "public", keep=getattr(args, "keep", False)) as db:
        engine, factory = seeded_sessions(db.url)
        t0 = now()
        world = _seed(factory, args.rows)
        with engine.begin() as c:
            if engine.dialect.name == "postgresql":
                c.execute(text("ANALYZE"))
            else:
                c.execute(text("ANALYZE"))
        log(f"seeded {args.rows} records in {now() - t0:.1f}s")
        # the USCC column holds synthetic codes; search one that exists (check digit is validated by the API)
        with factory() as s, s.begin():
            real = _valid_uscc("91370406MA3C00002")
            s.execute(text("UPDATE publications SET uscc = :u WHERE id = (SELECT min(id) FROM publications "
                           "WHERE uscc IS NOT NULL AND status = 'published')"), {"u": real})
        with engine.begin() as c:
            c.execute(text("ANALYZE publications"))
        settings = dataclasses.replace(Settings(data_dir=db.data_dir, database_url=db.url), public_rate_limit="1000000/minute")
        app = create_app(settings, engine=engine)
        client = app.test_client()
        a1, a2 = world["agencies"][:2]
        scenarios = {
            "no filter, first page": {},
            "party name, common word": {"party": "好味来"},
            "party name, rare (no match)": {"party": "不存在的公司"},
            "party name + agency": {"party": "鑫源", "agency_id": str(a1)},
            "uscc exact": {"uscc": real},
            "document_no exact": {"document_no": world["docs"][len(world["docs"]) // 2]},
            "agency + date range": {"agency_id": str(a2), "from": "2025-01-01", "to": "2025-06-30"},
            "date range, page 20": {"from": "2024-01-01", "to": "2025-12-31", "page": "20"},
        }
        read = svc_read = app.extensions["casebook"]["read_sessions"]

        def floor_statement(q: dict):
            parsed = svc.search_args(q)
            # the statement the service builds, compiled with its literal values, sent raw through the driver
            captured = {}

            class Spy:
                def __init__(self, s):
                    self.s = s

                def execute(self, stmt, *a, **k):
                    captured["stmt"] = stmt
                    return self.s.execute(stmt, *a, **k)

                def connection(self):
                    return self.s.connection()

            with read() as s:
                svc.search(Spy(s), parsed)
            return str(captured["stmt"].compile(engine, compile_kwargs={"literal_binds": True}))

        raw_sql = {name: floor_statement(q) for name, q in scenarios.items()}
        from urllib.parse import urlencode

        results = {}
        for name, q in scenarios.items():
            url = "/api/v1/public/decisions?" + urlencode(q)
            parsed = svc.search_args(q)
            for _ in range(5):  # warm up
                client.get(url)
            reps = {"api": [], "service": [], "raw": []}
            for _ in range(args.repeats):
                times = {"api": [], "service": [], "raw": []}
                for _ in range(args.requests):
                    t = now()
                    r = client.get(url)
                    times["api"].append(now() - t)
                    assert r.status_code == 200, r.get_json()
                    t = now()
                    with svc_read() as s:
                        out = svc.search(s, parsed)
                    times["service"].append(now() - t)
                    t = now()
                    with engine.connect() as c:
                        rows = c.exec_driver_sql(raw_sql[name]).all()
                    times["raw"].append(now() - t)
                assert len(rows) == len(out["items"]) + (1 if out["has_more"] else 0)
                for k, v in times.items():
                    reps[k].append(pct([x * 1000 for x in v], 95))
            med = {k: statistics.median(v) for k, v in reps.items()}
            results[name] = {"api_p95_ms": round(med["api"], 2), "service_p95_ms": round(med["service"], 2),
                             "raw_sql_p95_ms": round(med["raw"], 2),
                             "api_ratio": round(statistics.median(a / r for a, r in zip(reps["api"], reps["raw"], strict=True)), 2),
                             "service_ratio": round(statistics.median(a / r for a, r in zip(reps["service"], reps["raw"], strict=True)), 2),
                             "rows": len(out["items"])}
            log(f"{name}: {json.dumps(results[name], ensure_ascii=False)}")
        worst = max(v["api_p95_ms"] for v in results.values())
        plans = {}
        if engine.dialect.name == "postgresql":
            with engine.connect() as c:
                for name in ("party name, common word", "party name, rare (no match)", "date range, page 20"):
                    plans[name] = [r[0] for r in c.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + raw_sql[name])]
        emit({"bench": "public_search", "backend": args.backend, "rows": args.rows, "repeats": args.repeats,
              "requests": args.requests, "budget_p95_ms": BUDGET_P95_MS, "worst_api_p95_ms": worst,
              "met": worst < BUDGET_P95_MS, "scenarios": results, "plans": plans, "environment": environment()})
        engine.dispose()


if __name__ == "__main__":
    main()
