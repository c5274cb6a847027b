"""Case list: the filtered, keyset-paginated query the API runs (`services.cases.list_cases`) over N cases.

Budget (the README's performance table): p95 ≤ 50 ms with 1 M cases on PostgreSQL.

    .venv/bin/python bench/case_list.py --backend sqlite                 # 100 k cases
    .venv/bin/python bench/case_list.py --backend postgres               # 1 M cases
    .venv/bin/python bench/case_list.py --backend postgres --try-recommended-indexes

Seeds fast (COPY on PostgreSQL, executemany on SQLite) a realistic spread: three agencies holding cases
(55/35/10 %), all 14 stages (recent cases open, old ones mostly closed or archived), five years of
dates with ids in time order, parties reused across cases, two officers per filed case and 案号 per
agency and year. Then ANALYZE, warm up, and time each filter (first page, and a deep page via `after`
= the id 80 % of the way down the table) through `list_cases` with real Actors, one session per
request as the API does (limit 51 = page 50 + 1). The slowest filters get EXPLAIN plans; candidate
indexes can be created in the scratch database and the filters measured again.

The floor, measured in the same run: the same rows fetched by hand-written SQL (class Floor: written here, not
the product's statement compiled) through the raw driver — a psycopg / sqlite3 cursor on one connection held
open in autocommit (psycopg: no automatic prepared statements, see Floor), so no pool, no session, no
transaction, no row shaping — with the same columns, scope, filter and keyset page of 51. It is checked to return the same ids as `list_cases` for every filter, then each
product call is paired with a floor call of the same filter (order alternating), `--rounds` passes over all
scenarios; per scenario and page the ratio product p95 / floor p95 of each round, the median over rounds.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import base_parser, emit, environment, log, now, pct, pg_server_info, scratch_db, summary_ms  # noqa: E402
from sqlalchemy import event, func, select, text  # noqa: E402

BUDGET_P95_MS = 50.0
PAGE = 50
FLOOR_WHAT = ("the same rows by hand-written SQL through the raw driver (psycopg / sqlite3 cursor on one open "
              "connection, autocommit): same columns, scope, filter and keyset page of 51, paired call by call")

# Candidate indexes (see the report): applied in the scratch database only, with --try-recommended-indexes.
RECOMMENDED_PG = [
    # Supervisors and admins list across agencies: `agency_id IN (…) AND stage = ? ORDER BY id DESC`.
    "CREATE INDEX ix_cases_stage_id ON cases (stage, id)",
    # 'Cases of officer X': walk the officer's cases newest first instead of hashing all of them.
    "CREATE INDEX ix_case_officers_user_case ON case_officers (user_id, case_id)",
    # Date ranges listed newest-first by (created_at, id) across several agencies (supervisors, admins):
    # only needed with the `order_created` query shape (see date_range_query_shapes in the report).
    "CREATE INDEX ix_cases_created_id ON cases (created_at, id)",
    # Party-name substring search (`name LIKE '%…%'`) cannot use a b-tree.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_parties_name_trgm ON parties USING gin (name gin_trgm_ops)",
    # Free text `q` (cause or case_no contains …): not in the budget's filter list, measured for information.
    "CREATE INDEX ix_cases_cause_trgm ON cases USING gin (cause gin_trgm_ops)",
    "CREATE INDEX ix_cases_case_no_trgm ON cases USING gin (case_no gin_trgm_ops)",
]
RECOMMENDED_SQLITE = [
    # SQLite answers `agency_id = ? ORDER BY id DESC` from (agency_id, stage, id) plus a sort of the whole agency.
    "CREATE INDEX ix_cases_agency_id ON cases (agency_id, id)",
    "CREATE INDEX ix_cases_stage_id ON cases (stage, id)",
    "CREATE INDEX ix_case_officers_user_case ON case_officers (user_id, case_id)",
]

# --- a realistic world ------------------------------------------------------------------------------------

STAGE_OPEN_MIX = {  # the newest 5 % of cases
    "lead": 16, "filed": 8, "declined": 4, "investigating": 25, "investigation_closed": 8, "prior_notice": 8,
    "hearing": 2, "decided": 6, "served": 8, "executing": 6, "closed": 6, "archived": 0.5, "suspended": 1.5,
    "terminated": 1,
}
STAGE_OLD_MIX = {  # everything older
    "lead": 0.2, "filed": 0.1, "declined": 4, "investigating": 0.4, "investigation_closed": 0.1, "prior_notice": 0.1,
    "hearing": 0.03, "decided": 0.2, "served": 0.5, "executing": 2, "closed": 38, "archived": 50, "suspended": 0.4,
    "terminated": 4,
}
UNFILED = ("lead", "declined")
DECIDED = ("decided", "served", "executing", "closed", "archived")
SOURCES = ["complaint", "inspection", "random_inspection", "assigned", "transferred", "media", "other"]
CAUSES = [
    "涉嫌销售超过保质期的食品", "涉嫌未取得食品经营许可从事食品经营", "涉嫌销售不合格化妆品", "涉嫌虚假宣传",
    "涉嫌价格欺诈", "涉嫌无照经营", "涉嫌销售假冒注册商标的商品", "涉嫌使用未经检定的计量器具", "涉嫌占道经营",
    "涉嫌违法建设", "涉嫌擅自设置户外广告", "涉嫌违规倾倒建筑垃圾", "涉嫌餐饮油烟超标排放", "涉嫌销售过期药品",
    "涉嫌未按规定公示营业执照", "涉嫌销售不符合食品安全标准的食品", "涉嫌特种设备未经检验使用", "涉嫌商业贿赂",
    "涉嫌经营未备案的进口冷链食品", "涉嫌发布违法医疗广告",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红梅鑫波斌宇浩凯健俊帆帅旭宁龙林欣佳雪琳晨阳辉鹏飞"
BRANDS = ["好味来", "鑫源", "永兴", "华联", "佳惠", "金鼎", "百信", "瑞丰", "宏达", "顺发", "恒泰", "福润", "嘉禾", "盛世",
          "天和", "祥云", "康达", "宝隆", "润泽"]
TRADES = ["食品", "商贸", "餐饮管理", "建材", "大药房", "超市", "五金", "物流", "科技", "农业开发", "酒业", "服饰"]
SUFFIX = ["有限公司", "有限责任公司", "经营部", "商行"]
AGENCY_SHARE = (0.55, 0.35, 0.10)
OFFICERS_PER_AGENCY = (40, 25, 10)


def _choices(rng: random.Random, mix: dict[str, float], k: int) -> list[str]:
    return rng.choices(list(mix), weights=list(mix.values()), k=k)


class World:
    """Deterministic generator of users, parties, cases and case officers (ids assigned here)."""

    def __init__(self, n_cases: int, agencies: list[tuple[int, str]], seed: int = 20260301):
        self.rng = random.Random(seed)
        self.n = n_cases
        self.agencies = agencies  # (id, code) of the three agencies that hold cases
        self.n_parties = max(1000, n_cases // 4)
        self.end = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
        self.start = self.end - dt.timedelta(days=5 * 365)

    def users(self, first_id: int) -> list[dict]:
        out, uid = [], first_id
        for (aid, _code), n in zip(self.agencies, OFFICERS_PER_AGENCY, strict=True):
            for k in range(n):
                name = self.rng.choice(SURNAMES) + "".join(self.rng.choices(GIVEN, k=self.rng.choice((1, 2))))
                out.append({"id": uid, "username": f"bench{aid}_{k}", "display_name": name, "password_hash": "x",
                            "agency_id": aid, "roles": json.dumps(["officer"]), "bar_qualified": False, "active": True,
                            "created_at": self.start})
                uid += 1
        self.officers_by_agency = defaultdict(list)
        for u in out:
            self.officers_by_agency[u["agency_id"]].append(u["id"])
        return out

    def party_name(self, kind: str) -> str:
        r = self.rng
        if kind == "person":
            return r.choice(SURNAMES) + "".join(r.choices(GIVEN, k=r.choice((1, 2, 2))))
        brand = r.choice(BRANDS) + r.choice(GIVEN)
        return r.choice(("枣庄市山亭区", "枣庄市", "山东", "山亭区")) + brand + r.choice(TRADES) + r.choice(SUFFIX)

    def parties(self, first_id: int):
        self.first_party = first_id
        for i in range(self.n_parties):
            kind = "organization" if self.rng.random() < 0.6 else "person"
            idn = (f"370406{i:012d}" if kind == "person" else f"91370406{i:010d}")[:18]
            yield {"id": first_id + i, "kind": kind, "name": self.party_name(kind), "id_number": idn,
                   "phone": f"138{self.rng.randrange(10**8):08d}", "address": "山东省枣庄市山亭区",
                   "legal_representative": None if kind == "person" else "李雷",
                   "created_by_agency_id": self.agencies[0][0], "created_at": self.start, "version": 1}

    def cases(self, first_id: int, first_officer_row: int):
        """Yield (case_row, [case_officer_rows]) in id order (id order is time order, with jitter)."""
        r = self.rng
        span = (self.end - self.start).total_seconds()
        seqs: dict[tuple[int, int], int] = defaultdict(int)
        agency_ids = list(self.agencies)
        co_id = first_officer_row
        open_from = int(self.n * 0.95)
        for i in range(self.n):
            cid = first_id + i
            aid, code = r.choices(agency_ids, weights=AGENCY_SHARE)[0]
            created = self.start + dt.timedelta(seconds=span * i / self.n + r.uniform(-3600, 3600))
            stage = _choices(r, STAGE_OPEN_MIX if i >= open_from else STAGE_OLD_MIX, 1)[0]
            discovered = (created - dt.timedelta(days=r.randrange(0, 10))).date()
            # Repeat offenders: 30 % of cases fall on 2 % of the parties; a few leads have no party yet.
            if stage == "lead" and r.random() < 0.2:
                party = None
            elif r.random() < 0.3:
                party = self.first_party + r.randrange(max(1, self.n_parties // 50))
            else:
                party = self.first_party + r.randrange(self.n_parties)
            filed_on = case_no = lead = None
            officers: list[tuple] = []
            if stage not in UNFILED:
                filed_on = created.date() + dt.timedelta(days=r.randrange(1, 8))
                seqs[(aid, filed_on.year)] += 1
                case_no = f"{code}立〔{filed_on.year}〕{seqs[(aid, filed_on.year)]}号"
                pool = self.officers_by_agency[aid]
                # Some officers carry far more cases than others.
                a = pool[min(int(r.expovariate(1 / (len(pool) / 4))), len(pool) - 1)]
                b = r.choice(pool)
                while b == a:
                    b = r.choice(pool)
                lead = a
                officers = [(co_id, cid, a, "lead"), (co_id + 1, cid, b, "handler")]
                co_id += 2
            decided = stage in DECIDED
            fine = Decimal(r.choice((200, 500, 1000, 2000, 5000, 10000, 50000))) if decided else None
            row = {
                "id": cid, "agency_id": aid, "case_no": case_no, "stage": stage, "procedure": "ordinary",
                "source": r.choice(SOURCES), "cause": r.choice(CAUSES), "party_id": party, "lead_officer_id": lead,
                "discovered_on": discovered, "filed_on": filed_on, "violations": "[]", "circumstances": "[]",
                "penalty_kinds": '["fine"]' if decided else "[]", "decision_kind": "penalty" if decided else None,
                "fine_amount": fine, "hearing_right": False, "rights_waived": False, "hearing_status": "none",
                "decided_on": filed_on + dt.timedelta(days=40) if decided else None,
                "event_seq": 3, "version": 4, "created_at": created, "updated_at": created,
            }
            yield row, officers


USER_COLS = ["id", "username", "display_name", "password_hash", "agency_id", "roles", "bar_qualified", "active",
             "created_at"]
PARTY_COLS = ["id", "kind", "name", "id_number", "phone", "address", "legal_representative", "created_by_agency_id",
              "created_at", "version"]
CASE_COLS = ["id", "agency_id", "case_no", "stage", "procedure", "source", "cause", "party_id", "lead_officer_id",
             "discovered_on", "filed_on", "violations", "circumstances", "penalty_kinds", "decision_kind", "fine_amount",
             "hearing_right", "rights_waived", "hearing_status", "decided_on", "event_seq", "version", "created_at",
             "updated_at"]
CO_COLS = ["id", "case_id", "user_id", "role"]


# --- loaders ----------------------------------------------------------------------------------------------


def _sqlite_value(v):
    """What SQLAlchemy stores on SQLite: naive UTC 'YYYY-MM-DD HH:MM:SS.ffffff', ISO dates, 0/1, text numerics."""
    if isinstance(v, dt.datetime):
        return v.astimezone(dt.UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, Decimal):
        return float(v)
    return v


class Loader:
    def __init__(self, engine):
        self.engine = engine
        self.pg = engine.dialect.name == "postgresql"

    def load(self, table: str, cols: list[str], rows) -> int:
        n = 0
        raw = self.engine.raw_connection()
        try:
            dbapi = raw.driver_connection
            if self.pg:
                with dbapi.cursor() as cur:
                    cur.execute("SET LOCAL synchronous_commit = off")
                    with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
                        for row in rows:
                            cp.write_row([row[c] for c in cols])
                            n += 1
                dbapi.commit()
            else:
                sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
                cur = dbapi.cursor()
                cur.execute("BEGIN IMMEDIATE")
                batch = []
                for row in rows:
                    batch.append(tuple(_sqlite_value(row[c]) for c in cols))
                    if len(batch) >= 20000:
                        cur.executemany(sql, batch)
                        n += len(batch)
                        batch.clear()
                cur.executemany(sql, batch)
                n += len(batch)
                cur.execute("COMMIT")
                cur.close()
        finally:
            raw.close()
        return n

    def drop_secondary_indexes(self, tables: list[str]) -> list[str]:
        """PostgreSQL: drop non-constraint indexes before COPY; return their definitions to rebuild."""
        if not self.pg:
            return []
        with self.engine.begin() as c:
            rows = c.execute(text(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' AND i.tablename = ANY(:t) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)"), {"t": tables}).all()
            for name, _ in rows:
                c.exec_driver_sql(f'DROP INDEX "{name}"')
        return [d for _, d in rows]

    def rebuild(self, defs: list[str]) -> None:
        if not defs:
            return
        with self.engine.begin() as c:
            c.exec_driver_sql("SET maintenance_work_mem = '512MB'")
            for d in defs:
                c.exec_driver_sql(d)

    def finish(self) -> None:
        with self.engine.begin() as c:
            if self.pg:
                for t in ("users", "parties", "cases", "case_officers"):
                    c.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}))")
        if self.pg:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("VACUUM ANALYZE")
        else:
            with self.engine.connect() as c:
                c.exec_driver_sql("ANALYZE")


def seed(engine, factory, n_cases: int) -> dict:
    """The demo organisation plus the generated world; returns what the scenarios need."""
    from casebook.db.models import Agency, Case, CaseOfficer, Party, User
    from casebook.seed import seed_demo

    with factory() as s, s.begin():
        seed_demo(s)
    with factory() as s:
        agencies = s.execute(select(Agency.id, Agency.code, Agency.level).order_by(Agency.id)).all()
        holders = [(a.id, a.code) for a in agencies if a.level != "district"][:3]
        first_user = s.execute(select(func.max(User.id))).scalar_one() + 1
        first_party = s.execute(select(func.max(Party.id))).scalar_one() + 1
    world = World(n_cases, holders)
    loader = Loader(engine)
    t0 = now()
    defs = loader.drop_secondary_indexes(["cases", "case_officers", "parties"])
    loader.load("users", USER_COLS, world.users(first_user))
    loader.load("parties", PARTY_COLS, world.parties(first_party))
    officer_rows: list[tuple] = []

    def case_rows():
        for row, officers in world.cases(1, 1):
            officer_rows.extend(officers)
            yield row

    loader.load("cases", CASE_COLS, case_rows())
    loader.load("case_officers", CO_COLS, ({"id": a, "case_id": b, "user_id": c, "role": d} for a, b, c, d in officer_rows))
    t_load = now() - t0
    loader.rebuild(defs)
    t_index = now() - t0 - t_load
    loader.finish()
    t_all = now() - t0
    with factory() as s:
        counts = {m.__tablename__: s.execute(select(func.count()).select_from(m)).scalar_one()
                  for m in (Case, CaseOfficer, Party, User)}
        stage_counts = dict(s.execute(select(Case.stage, func.count()).group_by(Case.stage)).all())
    return {"world": world, "holders": holders, "counts": counts, "stage_counts": stage_counts,
            "seconds": {"load": round(t_load, 1), "rebuild_indexes": round(t_index, 1), "total_with_analyze": round(t_all, 1)}}


# --- scenarios --------------------------------------------------------------------------------------------


def scenarios(factory, info: dict) -> tuple[list[dict], int]:
    """Each: a name, the actor, a list of filter dicts to rotate through, and whether it counts for the budget."""
    from casebook.db.models import Case, CaseOfficer, Party, User
    from casebook.seed import demo_user
    from casebook.services.context import actor_for

    world: World = info["world"]
    amr, cle, squad = (h[0] for h in info["holders"])
    rng = random.Random(7)
    with factory() as s:
        officer = actor_for(s, demo_user(s, "zhangwei"))
        supervisor = actor_for(s, demo_user(s, "wujing"))
        admin = actor_for(s, demo_user(s, "admin"))
        amr_officers = s.execute(
            select(CaseOfficer.user_id, func.count()).join(User, User.id == CaseOfficer.user_id)
            .where(User.agency_id == amr).group_by(CaseOfficer.user_id).order_by(func.count().desc())).all()
        busy, quiet = [u for u, _ in amr_officers[:3]], [u for u, _ in amr_officers[-3:]]
        max_id = s.execute(select(func.max(Case.id))).scalar_one()
        case_nos = s.execute(select(Case.case_no).where(Case.agency_id == amr, Case.case_no.is_not(None))
                             .order_by(Case.id).offset(rng.randrange(0, max(1, int(max_id * 0.3)))).limit(8)).scalars().all()
        case_nos += s.execute(select(Case.case_no).where(Case.agency_id == amr, Case.case_no.is_not(None))
                              .order_by(Case.id.desc()).limit(4)).scalars().all()
        some_party = s.execute(select(Party.name).where(Party.id == world.first_party + 123)).scalar_one()
    end = world.end.date()

    def month(k):  # a one-month window k months back
        to = end - dt.timedelta(days=30 * k)
        return {"created_from": to - dt.timedelta(days=30), "created_to": to}

    return [
        {"name": "scope_only", "actor": officer, "filters": [{}]},
        {"name": "stage", "actor": officer,
         "filters": [{"stage": st} for st in ("investigating", "served", "closed", "hearing", "lead", "prior_notice")]},
        {"name": "officer", "actor": officer, "filters": [{"officer_id": u} for u in busy + quiet]},
        {"name": "party_name", "actor": officer,
         "filters": [{"party_name": n} for n in ("好味", "鑫源", "王芳", "张伟", "大药房", some_party, "不存在的公司")]},
        {"name": "case_no", "actor": officer, "filters": [{"case_no": n} for n in case_nos]},
        {"name": "date_range", "actor": officer, "filters": [month(k) for k in (0, 3, 12, 30, 55)]},
        {"name": "stage_and_date_range", "actor": officer,
         "filters": [{**month(k), "stage": st} for k, st in ((1, "investigating"), (12, "closed"), (40, "archived"), (2, "hearing"))]},
        {"name": "supervisor_all", "actor": supervisor, "filters": [{}]},
        {"name": "supervisor_agency", "actor": supervisor, "filters": [{"agency_id": a} for a in (amr, cle, squad)]},
        {"name": "supervisor_stage", "actor": supervisor,
         "filters": [{"stage": st} for st in ("investigating", "hearing", "executing", "suspended", "lead", "closed")]},
        {"name": "supervisor_agency_stage", "actor": supervisor,
         "filters": [{"agency_id": a, "stage": st} for a, st in ((amr, "investigating"), (cle, "hearing"), (squad, "executing"))]},
        {"name": "supervisor_date_range", "actor": supervisor, "filters": [month(k) for k in (0, 12, 55)]},
        {"name": "supervisor_officer", "actor": supervisor, "filters": [{"officer_id": u} for u in busy[:2] + quiet[:2]]},
        {"name": "admin_all", "actor": admin, "filters": [{}]},
        {"name": "q_free_text", "actor": officer, "in_budget": False,
         "filters": [{"q": t} for t in ("过期食品", "虚假宣传", "〔2024〕1", "不存在的案由")]},
    ], max_id


# --- the floor: the same rows by hand-written SQL through the raw driver ---------------------------------------


class Floor:
    """The list query written by hand and sent through the raw driver (psycopg / sqlite3 cursor, one connection held
    open, autocommit): the same 14 columns `list_cases` returns (the party's kind and name joined, the overdue flag as
    an EXISTS over deadlines), the same scope and filter, the same keyset page of 51. Not the product's statement
    compiled: written here, and checked to return the same ids and overdue flags as `list_cases` for every filter."""

    def __init__(self, engine):
        from casebook.domain import deadlines as dl

        self.pg = engine.dialect.name == "postgresql"
        self.windows = sorted(code for code, k in dl.KINDS.items() if k.window)
        if self.pg:
            import psycopg

            # No automatic server-side prepared statements (prepare_threshold=None): each statement is planned with
            # its values. With psycopg's default (prepare after 5 runs of the same text) PostgreSQL switched this
            # query to a generic plan walking the cases backwards for rare party names: 12 ms instead of 0.5–2.5 ms
            # at 100 k cases, a "floor" 5× slower than the product (whose statements kept their custom plans).
            self.conn = psycopg.connect(engine.url.set(drivername="postgresql").render_as_string(hide_password=False),
                                        autocommit=True, prepare_threshold=None)
        else:
            import sqlite3

            self.conn = sqlite3.connect(engine.url.database, isolation_level=None)
        self.cur = self.conn.cursor()

    def _p(self, params: list, value) -> str:
        params.append(value)
        return "%s" if self.pg else "?"

    def _like(self, params: list, text_: str) -> str:
        """'contains': the escaped text between two % added in SQL."""
        pct_ = "'%%'" if self.pg else "'%'"
        return f"{pct_} || {self._p(params, text_.replace('/', '//').replace('%', '/%').replace('_', '/_'))} || {pct_}"

    def _t(self, v: dt.datetime):
        """A UTC timestamp as the column stores it: aware on PostgreSQL, naive text on SQLite."""
        v = v.astimezone(dt.UTC)
        return v if self.pg else v.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")

    def sql(self, scope, filters: dict, after: int | None, limit: int) -> tuple[str, list] | None:
        p: list = []
        now = self._p(p, self._t(dt.datetime.now(dt.UTC)))  # placeholders appended in the order they appear
        windows = ", ".join(self._p(p, w) for w in self.windows)
        sql = ("SELECT c.id, c.agency_id, c.case_no, c.summary_form_no, c.stage, c.procedure, c.cause, c.party_id, pa.kind, "
               "pa.name, c.discovered_on, c.filed_on, c.version, c.updated_at, EXISTS (SELECT 1 FROM deadlines d WHERE "
               "d.case_id = c.id AND (d.status = 'missed' OR (d.status = 'open' AND d.paused_since IS NULL AND "
               f"d.due_at <= {now} AND d.kind NOT IN ({windows})))) AS overdue "
               "FROM cases c LEFT JOIN parties pa ON pa.id = c.party_id")
        where = []
        if filters.get("agency_id") is not None:
            if scope is not None and filters["agency_id"] not in scope:
                return None  # out of scope: no query, as list_cases
            where.append(f"c.agency_id = {self._p(p, filters['agency_id'])}")
        elif scope is not None:
            ids = sorted(scope) or [-1]
            where.append(f"c.agency_id = {self._p(p, ids[0])}" if len(ids) == 1
                         else f"c.agency_id IN ({', '.join(self._p(p, a) for a in ids)})")
        if filters.get("stage"):
            where.append(f"c.stage = {self._p(p, filters['stage'])}")
        if filters.get("officer_id"):
            where.append(f"c.id IN (SELECT co.case_id FROM case_officers co WHERE co.user_id = "
                         f"{self._p(p, filters['officer_id'])})")
        if filters.get("party_name"):
            # 'contains' as the predicate says it: the escaped text between two % added in SQL.
            where.append(f"c.party_id IN (SELECT x.id FROM parties x WHERE x.name LIKE {self._like(p, filters['party_name'])} "
                         "ESCAPE '/')")
        if filters.get("case_no"):
            where.append(f"c.case_no = {self._p(p, filters['case_no'])}")
        if filters.get("q"):
            where.append(f"(c.cause LIKE {self._like(p, filters['q'])} ESCAPE '/' OR c.case_no LIKE "
                         f"{self._like(p, filters['q'])} ESCAPE '/')")
        if filters.get("created_from"):
            where.append("c.created_at >= "
                         + self._p(p, self._t(dt.datetime.combine(filters["created_from"], dt.time.min, tzinfo=dt.UTC))))
        if filters.get("created_to"):
            where.append("c.created_at < " + self._p(p, self._t(dt.datetime.combine(
                filters["created_to"] + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC))))
        by_date = bool(filters.get("created_from") or filters.get("created_to"))
        if after is not None:
            if by_date:  # keyset on (created_at, id), the position of `after` read in the same statement
                where.append(f"(c.created_at, c.id) < (SELECT k.created_at, k.id FROM cases k WHERE k.id = {self._p(p, after)})")
            else:
                where.append(f"c.id < {self._p(p, after)}")
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += (" ORDER BY c.created_at DESC, c.id DESC" if by_date else " ORDER BY c.id DESC") + f" LIMIT {self._p(p, limit)}"
        return sql, p

    def fetch(self, scope, filters: dict, after: int | None, limit: int = PAGE + 1) -> list[tuple]:
        q = self.sql(scope, filters, after, limit)
        if q is None:
            return []
        self.cur.execute(*q)
        return self.cur.fetchall()

    def close(self) -> None:
        self.cur.close()
        self.conn.close()




# --- measuring ----------------------------------------------------------------------------------------


class Capture:
    """Capture the SQL and parameters of the first statement a call issues (the list query itself)."""

    def __init__(self, engine):
        self.engine, self.stmt, self.params, self.on = engine, None, None, False
        event.listen(engine, "before_cursor_execute", self._before)

    def _before(self, conn, cursor, statement, params, context, executemany):
        if self.on and self.stmt is None and statement.lstrip().upper().startswith("SELECT"):
            self.stmt, self.params = statement, params

    def grab(self, fn):
        self.stmt, self.params, self.on = None, None, True
        try:
            fn()
        finally:
            self.on = False
        return self.stmt, self.params

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self._before)


def run_scenarios(factory, scs: list[dict], deep_after: int, reps: int, floor: Floor | None = None,
                  rounds: int = 1) -> dict:
    """Time each scenario and page: `rounds` passes over all scenarios, `reps` calls per scenario and page in each.

    With a floor, every call of `list_cases` is paired with the same filter sent through the floor (order alternating
    call by call): p95 per round for each, ratio product / floor per round, the median over rounds reported."""
    from casebook.services.cases import list_cases

    def call(sc, f, after):
        with factory() as s:
            return list_cases(s, sc["actor"], dict(f), limit=PAGE + 1, after=after)

    pages = (("first", None), ("deep", deep_after))
    for sc in scs:  # warm-up: each value once, and the floor checked against the product
        for _page, after in pages:
            for f in sc["filters"]:
                items = call(sc, f, after)
                if floor is not None:
                    rows = floor.fetch(sc["actor"].read_scope, f, after)
                    got = [(r[0], bool(r[14])) for r in rows]
                    want = [(i["id"], i["overdue"]) for i in items]
                    if got != want:
                        raise SystemExit(f"floor differs from list_cases for {sc['name']} {f} after={after}: "
                                         f"{len(got)} vs {len(want)} rows")
    acc: dict[str, dict] = {}
    for rnd in range(rounds):
        for sc in scs:
            for page, after in pages:
                a = acc.setdefault(f"{sc['name']}/{page}", {"times": [], "floor": [], "per_value": defaultdict(list),
                                                            "rows": [], "p95": [], "floor_p95": []})
                times, ftimes = [], []
                for i in range(reps):
                    k = i % len(sc["filters"])
                    f = sc["filters"][k]
                    for variant in (("product", "floor") if (i + rnd) % 2 == 0 else ("floor", "product")):
                        if variant == "floor":
                            if floor is None:
                                continue
                            t0 = now()
                            floor.fetch(sc["actor"].read_scope, f, after)
                            ftimes.append(now() - t0)
                        else:
                            t0 = now()
                            items = call(sc, f, after)
                            dt_ = now() - t0
                            times.append(dt_)
                            a["per_value"][k].append(dt_)
                            a["rows"].append(len(items))
                a["times"] += times
                a["p95"].append(pct(times, 95))
                if floor is not None:
                    a["floor"] += ftimes
                    a["floor_p95"].append(pct(ftimes, 95))
    out = {}
    for sc in scs:
        for page, _after in pages:
            key = f"{sc['name']}/{page}"
            a = acc[key]
            medians = {k: sorted(v)[len(v) // 2] for k, v in a["per_value"].items()}
            worst = max(medians, key=medians.get)
            out[key] = {
                **summary_ms(a["times"]), "in_budget": sc.get("in_budget", True),
                "avg_rows": round(sum(a["rows"]) / len(a["rows"]), 1),
                "slowest_filter": json.loads(json.dumps(sc["filters"][worst], default=str, ensure_ascii=False)),
                "slowest_filter_index": worst,
                "slowest_filter_median_ms": round(medians[worst] * 1000, 3),
                "per_filter_median_ms": [round(medians[k] * 1000, 2) for k in sorted(medians)],
            }
            if floor is not None:
                ratios = [p / f for p, f in zip(a["p95"], a["floor_p95"], strict=True) if f > 0]
                out[key]["floor"] = summary_ms(a["floor"])
                out[key]["rounds"] = rounds
                out[key]["ratio_p95_to_floor"] = round(statistics.median(ratios), 2) if ratios else None
                out[key]["ratio_p95_to_floor_by_round"] = [round(r, 2) for r in ratios]
                out[key]["p95_ms_by_round"] = [round(x * 1000, 3) for x in a["p95"]]
                out[key]["floor_p95_ms_by_round"] = [round(x * 1000, 3) for x in a["floor_p95"]]
    return out


def explain(engine, factory, sc: dict, filters: dict, after: int | None) -> dict:
    """EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite, of the exact SQL list_cases ran."""
    from casebook.services.cases import list_cases

    cap = Capture(engine)
    try:
        def go():
            with factory() as s:
                list_cases(s, sc["actor"], dict(filters), limit=PAGE + 1, after=after)
        stmt, params = cap.grab(go)
    finally:
        cap.close()
    raw = engine.raw_connection()
    try:
        cur = raw.driver_connection.cursor()
        if engine.dialect.name == "postgresql":
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + stmt, params)
            plan = [r[0] for r in cur.fetchall()]
        else:
            cur.execute("EXPLAIN QUERY PLAN " + stmt, params)
            plan = [f"{r[0]}|{r[1]}|{r[3]}" for r in cur.fetchall()]
        cur.close()
        raw.rollback()
    finally:
        raw.close()
    return {"filters": json.loads(json.dumps(filters, default=str)), "after": after, "sql": " ".join(stmt.split()),
            "params": {k: str(v) for k, v in (params.items() if isinstance(params, dict) else enumerate(params or ()))},
            "plan": plan}


def _run_sql(engine, sql: str, params, reps: int) -> list[float]:
    raw = engine.raw_connection()
    try:
        cur = raw.driver_connection.cursor()
        out = []
        for _ in range(reps):
            t0 = now()
            cur.execute(sql, params)
            cur.fetchall()
            out.append(now() - t0)
        cur.close()
        raw.rollback()
        return out
    finally:
        raw.close()


def date_shape_experiment(engine, factory, scs: list[dict], deep_after: int, reps: int, end: dt.date) -> dict:
    """PostgreSQL: the date-range filters against two other query shapes, on the SQL list_cases emits.

    as_is          — WHERE … created_at range … ORDER BY id DESC LIMIT 51 (what the service runs)
    order_created  — ORDER BY created_at DESC, id DESC; keyset (created_at, id) < (that of `after`)
    fenced         — the filtered set in an `OFFSET 0` subquery, then ORDER BY id DESC LIMIT 51
    Ranges: the benchmark's one-month windows plus a 1-year and a 5-year window (the fence's risk).
    """
    import re

    from casebook.services.cases import list_cases

    wide = [{"created_from": end - dt.timedelta(days=365), "created_to": end},
            {"created_from": end - dt.timedelta(days=5 * 365), "created_to": end}]
    out: dict = {}
    for sc in (x for x in scs if x["name"] in ("date_range", "stage_and_date_range", "supervisor_date_range")):
        values = sc["filters"] + ([{**w, **({"stage": "closed"} if "stage" in sc["filters"][0] else {})} for w in wide])
        for page, after in (("first", None), ("deep", deep_after)):
            per_variant: dict[str, list[float]] = defaultdict(list)
            worst: dict[str, tuple[float, str]] = {}
            for f in values:
                cap = Capture(engine)
                try:
                    def go(f=f, after=after, sc=sc):
                        with factory() as s:
                            list_cases(s, sc["actor"], dict(f), limit=PAGE + 1, after=after)
                    stmt, params = cap.grab(go)
                finally:
                    cap.close()
                if " ORDER BY cases.id DESC" not in stmt:  # the service took the order_created shape (0007)
                    return {"skipped": "list_cases already orders by (created_at, id): the experiment that chose "
                                       "that shape has nothing left to compare"}
                head, _, tail = stmt.partition(" ORDER BY cases.id DESC")
                variants = {
                    "as_is": stmt,
                    "order_created": re.sub(r"cases\.id < (%\(\w+\)s(?:::[A-Z]+)?)",
                                            r"(cases.created_at, cases.id) < (SELECT c2.created_at, c2.id FROM cases AS c2 "
                                            r"WHERE c2.id = \1)", head) + " ORDER BY cases.created_at DESC, cases.id DESC" + tail,
                    "fenced": f"SELECT * FROM ({head} OFFSET 0) AS c ORDER BY c.id DESC{tail}",
                }
                for name, sql in variants.items():
                    _run_sql(engine, sql, params, 1)  # warm
                    t = _run_sql(engine, sql, params, reps)
                    per_variant[name] += t
                    med = sorted(t)[len(t) // 2]
                    if med > worst.get(name, (0, ""))[0]:
                        worst[name] = (med, json.dumps(f, default=str, ensure_ascii=False))
            out[f"{sc['name']}/{page}"] = {
                name: {**summary_ms(t), "worst_filter": json.loads(worst[name][1]),
                       "worst_filter_median_ms": round(worst[name][0] * 1000, 2)}
                for name, t in per_variant.items()}
    return out


def verdict(results: dict, applies: bool) -> dict:
    in_budget = {k: v for k, v in results.items() if v["in_budget"]}
    worst = max(in_budget, key=lambda k: in_budget[k]["p95_ms"])
    over = sorted(k for k, v in in_budget.items() if v["p95_ms"] > BUDGET_P95_MS)
    out = {"worst_scenario": worst, "worst_p95_ms": in_budget[worst]["p95_ms"],
           "median_of_scenario_medians_ms": sorted(v["median_ms"] for v in in_budget.values())[len(in_budget) // 2],
           "scenarios_over_budget": over, "pass": not over, "budget_applies_at_this_size_and_backend": applies}
    ratios = {k: v["ratio_p95_to_floor"] for k, v in in_budget.items() if v.get("ratio_p95_to_floor") is not None}
    if ratios:
        w = max(ratios, key=ratios.get)
        out["floor"] = {"what": FLOOR_WHAT, "worst_ratio_p95": ratios[w], "worst_ratio_scenario": w,
                        "worst_ratio_floor_p95_ms": in_budget[w]["floor"]["p95_ms"],
                        "worst_ratio_p95_ms": in_budget[w]["p95_ms"],
                        "median_ratio_p95": round(statistics.median(ratios.values()), 2),
                        "ratio_of_worst_p95_scenario": in_budget[worst].get("ratio_p95_to_floor"),
                        "floor_p95_ms_of_worst_p95_scenario": in_budget[worst]["floor"]["p95_ms"],
                        "ratios_p95": ratios}
    return out


def main() -> None:
    p = base_parser(__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, help="number of cases (default 100000 on SQLite, 1000000 on PostgreSQL)")
    p.add_argument("--reps", type=int, default=40, help="timed calls per scenario and page (filter values rotate)")
    p.add_argument("--explain", type=int, default=3, help="EXPLAIN the N slowest scenario/page pairs")
    p.add_argument("--try-index", action="append", default=[], metavar="SQL",
                   help="after the baseline, run this DDL in the scratch database and measure again (repeatable)")
    p.add_argument("--try-recommended-indexes", action="store_true", help="--try-index with the indexes this report recommends")
    p.add_argument("--no-experiments", action="store_true", help="skip the date-range query-shape experiment")
    p.add_argument("--rounds", type=int, default=3,
                   help="passes over all scenarios (each with --reps calls per scenario and page, paired with the floor); "
                        "the ratio to the floor is the median over rounds")
    p.add_argument("--no-floor", action="store_true", help="do not measure the hand-written SQL floor")
    args = p.parse_args()
    n = args.cases or (100_000 if args.backend == "sqlite" else 1_000_000)

    from casebook.db.engine import make_engine, make_sessionmaker

    result = {"bench": "case_list", "backend": args.backend, "cases": n, "env": environment(),
              "budget": {"p95_ms_max": BUDGET_P95_MS, "at": "1M cases on PostgreSQL", "page_size": PAGE}}
    with scratch_db(args.backend, "list", keep=args.keep) as db:
        if args.keep:
            log("scratch database:", db.url)
        engine = make_engine(db.url)
        factory = make_sessionmaker(engine)
        if args.backend == "postgres":
            result["env"]["postgres"] = pg_server_info(engine)
        log(f"case_list[{args.backend}]: seeding {n} cases …")
        info = seed(engine, factory, n)
        result["seed"] = {"counts": info["counts"], "stage_counts": info["stage_counts"], "seconds": info["seconds"]}
        log(f"seeded in {info['seconds']}; measuring")
        scs, max_id = scenarios(factory, info)
        deep_after = max(1, int(max_id * 0.2))
        result["deep_page_after"] = deep_after
        applies = args.backend == "postgres" and n >= 1_000_000
        floor = None if args.no_floor else Floor(engine)
        result["floor"] = None if floor is None else {"what": FLOOR_WHAT, "rounds": args.rounds}
        base = run_scenarios(factory, scs, deep_after, args.reps, floor, args.rounds)
        result["scenarios"] = base
        result["verdict"] = verdict(base, applies)
        by_name = {sc["name"]: sc for sc in scs}
        slowest = sorted(base, key=lambda k: -base[k]["p95_ms"])[: args.explain]
        result["explain"] = {}
        for key in slowest:
            name, page = key.split("/")
            result["explain"][key] = explain(engine, factory, by_name[name],
                                             by_name[name]["filters"][base[key]["slowest_filter_index"]],
                                             deep_after if page == "deep" else None)
        if args.backend == "postgres" and not args.no_experiments:
            log("query-shape experiment for date ranges")
            result["date_range_query_shapes"] = date_shape_experiment(
                engine, factory, scs, deep_after, max(5, args.reps // 4), info["world"].end.date())
        ddl = list(args.try_index)
        if args.try_recommended_indexes:
            ddl += RECOMMENDED_PG if args.backend == "postgres" else RECOMMENDED_SQLITE
        if ddl:
            log("creating candidate indexes:", ddl)
            with engine.begin() as c:
                for d in ddl:
                    c.exec_driver_sql(d)
            with engine.connect() as c:
                c.exec_driver_sql("ANALYZE")
                c.commit()
            after_ix = run_scenarios(factory, scs, deep_after, args.reps, floor, args.rounds)
            result["with_indexes"] = {
                "ddl": ddl,
                "scenarios": after_ix,
                "verdict": verdict(after_ix, applies),
                "p95_change_ms": {k: [base[k]["p95_ms"], after_ix[k]["p95_ms"]] for k in base},
                **({"date_range_query_shapes": date_shape_experiment(
                    engine, factory, scs, deep_after, max(5, args.reps // 4), info["world"].end.date())}
                   if args.backend == "postgres" and not args.no_experiments else {}),
                "explain": {k: explain(engine, factory, by_name[k.split("/")[0]],
                                       by_name[k.split("/")[0]]["filters"][base[k]["slowest_filter_index"]],
                                       deep_after if k.endswith("/deep") else None) for k in slowest},
            }
        if floor is not None:
            floor.close()
        engine.dispose()
    emit(result)


if __name__ == "__main__":
    main()
