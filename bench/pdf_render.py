"""Benchmark the 文书 PDF pipeline in one warm process and print JSON.

    .venv/bin/python bench/pdf_render.py [N] [--renders 50] [--warmup 5] [--case-file-copies 3]

Measures (budgets: the README's performance table):
  * 行政处罚决定书 (the sample, 3 pages + 信息摘要) against its floor, bare WeasyPrint on the same HTML with
    the full fonts (same process, warm, interleaved render by render; ratio of the medians) — budget ≤ 0.8×
    (pre-subset fonts from scripts/build_font_subsets.py, full fonts as fallback);
  * the same decision alone: median and p95 per render after warm-ups;
    wall-clock and CPU time are both reported, since wall time suffers when other processes share the CPUs;
  * a ~100-page 案卷 (the sample case's documents, repeated) — budget < 10 s;
  * resident memory after N further decision renders (default 1,000) — budget ≤ 300 MB.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pypdf  # noqa: E402

from casebook.documents import check_environment, render_case_file, render_pdf, sample_context  # noqa: E402

CASE_DOCUMENTS = [
    "filing_approval",
    "inspection_record",
    "evidence_preservation_notice",
    "correction_order",
    "inquiry_record",
    "investigation_report",
    "prior_notice",
    "hearing_notice_of_rights",
    "hearing_notice",
    "hearing_record",
    "legal_review_opinion",
    "collective_discussion_record",
    "penalty_decision",
    "service_receipt",
    "closing_approval",
]


def rss_mb() -> float:
    """Current resident set size (VmRSS) in MB; peak RSS where /proc is not available."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def pages_of(pdf: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def case_file_context(copies: int) -> dict:
    documents = [
        {"doc_type": d, "title": None, "context": sample_context(d)}
        for _ in range(copies)
        for d in CASE_DOCUMENTS
    ]
    return {
        "cover": sample_context("case_file_cover"),
        "note": sample_context("file_note"),
        "documents": documents,
    }


def against_floor(context: dict, renders: int, warmup: int) -> dict:
    """The product's render vs bare WeasyPrint on the same HTML with the full fonts, interleaved."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import path2url

    from casebook.documents import render as r

    html = r.render_html("penalty_decision", context)
    fetcher = r.AssetFetcher(r.TEMPLATES_DIR)
    font_config = FontConfiguration()
    css = weasyprint.CSS(filename=str(r.TEMPLATES_DIR / "base.css"), url_fetcher=fetcher, font_config=font_config)
    base_url = path2url(str(r.TEMPLATES_DIR / "penalty_decision" / "template.html"))

    def floor() -> bytes:
        return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(
            stylesheets=[css], font_config=font_config)

    def product() -> bytes:
        return render_pdf("penalty_decision", context)

    for _ in range(warmup):
        floor(), product()
    times: dict[str, list[float]] = {"floor": [], "product": []}
    for i in range(renders):
        order = (("floor", floor), ("product", product)) if i % 2 == 0 else (("product", product), ("floor", floor))
        for name, fn in order:
            t0 = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t0) * 1000)
    f, p = statistics.median(times["floor"]), statistics.median(times["product"])
    return {"renders": renders, "floor_median_ms": round(f, 1), "product_median_ms": round(p, 1),
            "ratio": round(p / f, 3), "budget_ratio": 0.8, "subset_fonts": sorted(r.subset_fonts()),
            "load_average_1m": round(os.getloadavg()[0], 2)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "n", nargs="?", type=int, default=1000, help="renders before reading RSS (default 1000)"
    )
    parser.add_argument("--renders", type=int, default=50, help="timed decision renders (default 50)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed warm-up renders (default 5)")
    parser.add_argument(
        "--case-file-copies", type=int, default=3, help="copies of the sample case's documents"
    )
    args = parser.parse_args(argv)

    environment = check_environment()
    context = sample_context("penalty_decision")
    vs_floor = against_floor(context, args.renders, args.warmup)

    rss_start = rss_mb()
    for _ in range(args.warmup):
        pdf = render_pdf("penalty_decision", context)
    wall, cpu = [], []
    for _ in range(args.renders):
        w0, c0 = time.perf_counter(), time.process_time()
        pdf = render_pdf("penalty_decision", context)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    decision_pages = pages_of(pdf)

    case_ctx = case_file_context(args.case_file_copies)
    w0, c0 = time.perf_counter(), time.process_time()
    case_pdf = render_case_file(case_ctx)
    case_wall, case_cpu = time.perf_counter() - w0, time.process_time() - c0
    case_pages = pages_of(case_pdf)

    rss_before = rss_mb()
    w0 = time.perf_counter()
    for _ in range(args.n):
        render_pdf("penalty_decision", context)
    loop_s = time.perf_counter() - w0
    rss_after = rss_mb()

    result = {
        "environment_problems": environment,
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "decision_vs_bare_weasyprint": vs_floor,
        "penalty_decision": {
            "pages": decision_pages,
            "bytes": len(pdf),
            "warmup": args.warmup,
            "renders": args.renders,
            "median_ms": round(statistics.median(wall), 1),
            "p95_ms": round(percentile(wall, 95), 1),
            "cpu_median_ms": round(statistics.median(cpu), 1),
            "cpu_p95_ms": round(percentile(cpu, 95), 1),
            "budget_median_ms": 150,
        },
        "case_file": {
            "documents": len(case_ctx["documents"]),
            "pages": case_pages,
            "bytes": len(case_pdf),
            "seconds": round(case_wall, 2),
            "cpu_seconds": round(case_cpu, 2),
            "budget_seconds": 10,
        },
        "memory": {
            "renders": args.n,
            "mean_ms_per_render": round(loop_s * 1000 / max(args.n, 1), 1),
            "rss_start_mb": round(rss_start, 1),
            "rss_before_mb": round(rss_before, 1),
            "rss_after_mb": round(rss_after, 1),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "budget_mb": 300,
        },
    }
    result["within_budget"] = {
        "decision_vs_floor": vs_floor["ratio"] <= 0.8,
        "decision_median": result["penalty_decision"]["median_ms"] <= 150,
        "case_file": result["case_file"]["seconds"] < 10,
        "rss": result["memory"]["rss_after_mb"] <= 300,
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return result


if __name__ == "__main__":
    main()
