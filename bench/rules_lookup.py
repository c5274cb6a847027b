"""Rules lookups on a generated catalogue of 5,000 violation items (plus exemptions and thresholds).

Prints one JSON object: p50/p99 in µs of (a) benchmark lookup + placement, (b) exemption eligibility,
(c) threshold check over the seed thresholds. Budget (DESIGN.md §7): p99 < 1 ms. In-process, pure:
the catalogue is parsed once, as the service does; the party-history query of an exemption check is a
database call and is not included here.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

import _common  # imported first: its clock of the machine's load starts with the process

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from casebook.domain.rules import checks  # noqa: E402
from casebook.domain.rules.model import parse_catalogue  # noqa: E402
from casebook.services.catalogue import Registry  # noqa: E402


def quantiles(xs):
    xs = sorted(xs)
    return {"p50_us": round(xs[len(xs) // 2] * 1e6, 1), "p99_us": round(xs[int(len(xs) * 0.99)] * 1e6, 1)}


def main(n_items: int = 5000, n_queries: int = 20000) -> None:
    seed = yaml.safe_load((ROOT / "catalogue" / "sd-scjg-benchmark.yaml").read_text())
    templates = seed["violation_items"]
    doc = copy.deepcopy(seed)
    doc["violation_items"] = [{**copy.deepcopy(templates[i % len(templates)]), "code": f"G-{i:05d}"} for i in range(n_items)]
    ex = yaml.safe_load((ROOT / "catalogue" / "sd-exemption-list.yaml").read_text())
    ex_items = ex["exemption_items"]
    ex["exemption_items"] = [{**copy.deepcopy(ex_items[i % len(ex_items)]), "code": f"E-{i:05d}",
                              "violation_catalogue": doc["catalogue"]["code"], "violation_code": f"G-{i:05d}"}
                             for i in range(n_items)]
    th = yaml.safe_load((ROOT / "catalogue" / "prosecution-thresholds.yaml").read_text())
    t0 = time.perf_counter()
    reg = Registry([parse_catalogue(doc), parse_catalogue(ex), parse_catalogue(th)])
    day = dt.date(2026, 3, 1)
    reg.violation("G-00000", day), reg.exemption("E-00000", day), reg.thresholds(day)  # build the indexes
    load_s = time.perf_counter() - t0
    rnd = random.Random(7)
    circ_pool = ["first_offence", "corrected_promptly", "repeat_offence", "cooperated", "serious_harm", "minor", "no_harm"]
    bench, exem, thr = [], [], []
    for _ in range(n_queries):
        code = f"G-{rnd.randrange(n_items):05d}"
        facts = {"goods_value": Decimal(rnd.randrange(0, 300000)), "illegal_gains": Decimal(rnd.randrange(0, 50000)),
                 "sales_amount": Decimal(rnd.randrange(0, 80000)), "turnover": None,
                 "advertising_fee": Decimal(rnd.randrange(0, 200000))}  # every fact a seed item multiplies
        circ = rnd.sample(circ_pool, rnd.randrange(0, 3))
        a = time.perf_counter()
        cat, item = reg.violation(code, day)
        r = checks.benchmark(item, cat, facts, circ)
        checks.check_penalty(r, r.min)
        b = time.perf_counter()
        ecat, eitem = reg.exemption(code.replace("G-", "E-"), day)
        checks.exemption(eitem, facts, circ, 0)
        c = time.perf_counter()
        checks.thresholds(reg.thresholds(day), facts, circ, "organization", lambda years: 0)
        d = time.perf_counter()
        bench.append(b - a), exem.append(c - b), thr.append(d - c)
    out = {"bench": "rules_lookup", "catalogue_items": n_items, "queries": n_queries, "parse_and_index_s": round(load_s, 3),
           "benchmark": quantiles(bench), "exemption": quantiles(exem), "thresholds": quantiles(thr), "budget_p99_us": 1000}
    out["within_budget"] = all(out[k]["p99_us"] < 1000 for k in ("benchmark", "exemption", "thresholds"))
    out["env"] = {**_common.environment(), **_common.machine_load()}
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
