"""Rules lookups on a generated catalogue of 5,000 violation items (plus exemptions and thresholds).

Prints one JSON object: p50/p99 in µs of (a) benchmark lookup + placement, (b) exemption eligibility,
(c) threshold check over the seed thresholds. Budget (the README's performance table): p99 < 1 ms. In-process, pure:
the catalogue is parsed once, as the service does; the party-history query of an exemption check is a
database call and is not included here.

The floor, measured in the same run: the same lookups done by the plainest Python over the same parsed data
(class Floor): plain dicts from item code to tuples (bands, tier fractions, the lenient / severe circumstances),
a loop for the band and the tier, Decimal arithmetic for the ranges and the proposed fine; exemption conditions
and thresholds as loops over tuples. It computes the same numbers (tier, legal range, tier range, fine status,
eligibility, crossed thresholds; checked query by query against the product) but none of the text the product
writes (explanation, reasons, labels) and no result objects. Each query runs both, order alternating; the
queries are cut into --repeats blocks, p50 and p99 per block, the ratio product / floor per block, the median
over blocks reported.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import statistics
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


CENT = Decimal("0.01")
ZERO = Decimal("0")
PARTS = ("benchmark", "exemption", "thresholds")


class Floor:
    """The same lookups in the plainest Python, over the same parsed catalogue (see the module docstring)."""

    def __init__(self, reg: Registry, day: dt.date):
        self.vio = {}
        for cat in reg.in_force(day, "benchmark"):
            fractions = {t: ("frac", a, b) for t, (a, b) in cat.tier_fractions().items()}
            for item in cat.items:
                tiers = dict(fractions)
                for t in item.tiers:
                    if t.fraction:
                        tiers[t.tier] = ("frac", *t.fraction)
                    elif t.fixed:
                        tiers[t.tier] = ("fixed", *t.fixed)
                bands = tuple((tuple((c.fact, c.op, c.value) for c in b.when),
                               (b.amounts.fixed_min, b.amounts.fixed_max, b.amounts.fact, b.amounts.mult_min,
                                b.amounts.mult_max, b.amounts.floor)) for b in item.bands)
                self.vio[item.code] = (bands, tiers, self._conds(item, "lenient", checks.DEFAULT_LENIENT),
                                       self._conds(item, "severe", checks.DEFAULT_SEVERE))
        self.ex = {i.code: (i.conditions, i.max_amounts) for c in reg.in_force(day, "exemption_list") for i in c.items}
        self.th = []
        for t in reg.thresholds(day):
            clauses = t.any_of
            if t.applies_to_fields:  # no case field known here: only a real amount or a prior count flags it
                clauses = tuple(cl for cl in clauses if cl.prior_count_gte is not None or (cl.gte or 0) > 0)
            self.th.append((t.code, t.party_kind, frozenset(t.on_circumstances),
                            tuple((cl.prior_count_gte, cl.prior_within_years, cl.terms, cl.gte) for cl in clauses)))

    @staticmethod
    def _conds(item, tier: str, default: set[str]) -> frozenset[str]:
        explicit = [c for t in item.tiers if t.tier == tier for c in t.conditions]
        return frozenset(explicit) if any(t.tier == tier for t in item.tiers) else frozenset(default)

    def benchmark(self, code: str, facts: dict, circ: list[str]) -> tuple:
        bands, tiers, lenient, severe = self.vio[code]
        c = set(circ)
        le, se = bool(c & lenient), bool(c & severe)
        tier = "lenient" if le and not se else "severe" if se and not le else "standard"
        chosen = None
        for conds, band_amounts in bands:
            ok = True
            for fact, op, value in conds:
                v = facts.get(fact) or ZERO
                if not (v < value if op == "lt" else v <= value if op == "lte" else v > value if op == "gt" else v >= value):
                    ok = False
                    break
            if ok:
                chosen = band_amounts
                break
        fmin, fmax, fact, mmin, mmax, flo = chosen
        if fact is None:
            lo, hi = fmin, fmax
        else:
            base = facts.get(fact) or ZERO
            lo, hi = (base * mmin).quantize(CENT), (base * mmax).quantize(CENT)
            if flo is not None and lo < flo:
                lo, hi = flo, max(hi, flo)
        kind, a, b = tiers[tier]
        if kind == "frac":
            span = hi - lo
            tmin, tmax = (lo + span * a).quantize(CENT), (lo + span * b).quantize(CENT)
        else:
            tmin, tmax = a, b
        fine = tmin  # the bench proposes the tier's minimum, as the product side does
        status = ("above_legal_max" if fine > hi else "mitigated" if fine < lo
                  else "in_tier" if tmin <= fine <= tmax else "outside_tier")
        return tier, tmin, tmax, lo, hi, status

    def exemption(self, code: str, facts: dict, circ: list[str], prior: int) -> bool:
        conditions, caps = self.ex[code]
        for c in conditions:
            if not (prior == 0 if c == "first_offence" else c in circ):
                return False
        for fact, cap in caps:
            if (facts.get(fact) or ZERO) > cap:
                return False
        return True

    def thresholds(self, facts: dict, circ: list[str], party_kind: str, prior) -> list[str]:
        out = []
        for code, kind, on_circ, clauses in self.th:
            if kind != "any" and party_kind and kind != party_kind:
                continue
            if on_circ and any(c in on_circ for c in circ):
                out.append(code)
                continue
            for count, years, terms, gte in clauses:
                if count is not None:
                    if prior(years) >= count:
                        out.append(code)
                        break
                    continue
                total = ZERO
                known = False
                for f, w in terms:
                    v = facts.get(f)
                    if v is not None:
                        known = True
                        total += v * w
                if known and total >= gte:
                    out.append(code)
                    break
        return out


def main(n_items: int = 5000, n_queries: int = 20000, repeats: int = 5) -> None:
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
    t0 = time.perf_counter()
    floor = Floor(reg, day)
    floor_build_s = time.perf_counter() - t0
    rnd = random.Random(7)
    circ_pool = ["first_offence", "corrected_promptly", "repeat_offence", "cooperated", "serious_harm", "minor", "no_harm"]
    prod = {k: [] for k in PARTS}
    flo = {k: [] for k in PARTS}
    mismatches = 0
    pc = time.perf_counter
    for q in range(n_queries):
        code = f"G-{rnd.randrange(n_items):05d}"
        facts = {"goods_value": Decimal(rnd.randrange(0, 300000)), "illegal_gains": Decimal(rnd.randrange(0, 50000)),
                 "sales_amount": Decimal(rnd.randrange(0, 80000)), "turnover": None,
                 "advertising_fee": Decimal(rnd.randrange(0, 200000))}  # every fact a seed item multiplies
        circ = rnd.sample(circ_pool, rnd.randrange(0, 3))
        ecode = code.replace("G-", "E-")
        for variant in (("product", "floor") if q % 2 == 0 else ("floor", "product")):
            if variant == "product":
                a = pc()
                cat, item = reg.violation(code, day)
                r = checks.benchmark(item, cat, facts, circ)
                pen = checks.check_penalty(r, r.min)
                b = pc()
                ecat, eitem = reg.exemption(ecode, day)
                el = checks.exemption(eitem, facts, circ, 0)
                c = pc()
                cr = checks.thresholds(reg.thresholds(day), facts, circ, "organization", lambda years: 0)
                d = pc()
                prod["benchmark"].append(b - a), prod["exemption"].append(c - b), prod["thresholds"].append(d - c)
            else:
                a = pc()
                fb = floor.benchmark(code, facts, circ)
                b = pc()
                fe = floor.exemption(ecode, facts, circ, 0)
                c = pc()
                ft = floor.thresholds(facts, circ, "organization", lambda years: 0)
                d = pc()
                flo["benchmark"].append(b - a), flo["exemption"].append(c - b), flo["thresholds"].append(d - c)
        if (fb != (r.tier, r.min, r.max, r.legal_min, r.legal_max, pen.status) or fe != el.eligible
                or ft != [x.code for x in cr]):
            mismatches += 1
    if mismatches:
        raise SystemExit(f"the floor disagrees with the product on {mismatches} of {n_queries} queries")
    out = {"bench": "rules_lookup", "catalogue_items": n_items, "queries": n_queries, "parse_and_index_s": round(load_s, 3),
           "benchmark": quantiles(prod["benchmark"]), "exemption": quantiles(prod["exemption"]),
           "thresholds": quantiles(prod["thresholds"]), "budget_p99_us": 1000}
    out["within_budget"] = all(out[k]["p99_us"] < 1000 for k in PARTS)
    size = n_queries // repeats
    blocks = [(i * size, (i + 1) * size) for i in range(repeats)]
    ratio = {}
    for k in PARTS:
        per = [(quantiles(prod[k][a:b]), quantiles(flo[k][a:b])) for a, b in blocks]
        ratio[k] = {q: round(statistics.median(p[f"{q}_us"] / f[f"{q}_us"] for p, f in per), 2) for q in ("p50", "p99")}
        ratio[k]["by_block"] = [{q: round(p[f"{q}_us"] / f[f"{q}_us"], 2) for q in ("p50", "p99")} for p, f in per]
    out["floor"] = {"what": "the same lookups by the plainest Python over the same parsed data: dicts from code to "
                            "tuples, a loop for band and tier, the same numbers (checked query by query), no text",
                    "build_s": round(floor_build_s, 4), "repeats": repeats, "queries_per_repeat": size,
                    "checked_queries": n_queries, "mismatches": mismatches,
                    **{k: quantiles(flo[k]) for k in PARTS}}
    out["ratio_to_floor"] = ratio
    out["env"] = {**_common.environment(), **_common.machine_load()}
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
