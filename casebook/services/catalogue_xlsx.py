"""XLSX in the column layout agencies publish their 裁量基准 and 免罚清单 in, to and from catalogue documents.

Sheet 「目录信息」: one row per header field (项目, 内容). Sheet 「裁量基准」 or 「免罚清单」: one row per item
(and, for a benchmark, one further row per explicit tier). Every bad cell is reported as 第N行「列名」.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from openpyxl import Workbook, load_workbook

from casebook.domain.general_provisions import LONG_LIMITATION_CATEGORIES
from casebook.domain.lifecycle import PENALTY_KINDS
from casebook.domain.rules.model import (
    CIRCUMSTANCES,
    EXEMPTION_CONDITIONS,
    EXEMPTION_KINDS,
    FACTS,
    MEASURES,
    TIERS,
)

HEADER_FIELDS = [("code", "目录编码"), ("kind", "类型"), ("name", "名称"), ("issuer", "发布机关"), ("document_no", "文号"),
                 ("version", "版本"), ("effective_from", "生效日期"), ("effective_to", "失效日期"), ("scope", "适用范围")]
BENCHMARK_COLUMNS = ["序号", "事项编码", "领域", "违法行为", "违法依据", "处罚依据", "处罚种类", "裁量阶次", "适用情形",
                     "处罚标准", "金额条件", "罚款下限(元)", "罚款上限(元)", "倍数基数", "最低倍数", "最高倍数", "最低罚款(元)",
                     "阶次比例", "并处", "处理措施", "说明", "时效类别"]
OPTIONAL_COLUMNS = {"时效类别"}  # 行政处罚法 第三十六条 (a later column: sheets written before it still read)
EXEMPTION_COLUMNS = ["序号", "事项编码", "类型", "裁量基准", "违法行为编码", "适用情形", "条件", "金额上限", "回溯年限", "处理措施"]
KIND_LABELS = {"benchmark": "裁量基准", "exemption_list": "免罚清单"}
LEGAL_ROW = "法定"
PROGRESS_EVERY = 200


def _rev(d: dict) -> dict:
    return {v: k for k, v in d.items()}


SEP = "；"


def _split(v) -> list[str]:
    """Split a list cell on ； (names may contain 、 themselves); ; and line breaks also separate."""
    if v is None or v == "":
        return []
    text = str(v).replace(";", SEP).replace("\n", SEP)
    return [x.strip() for x in text.split(SEP) if x.strip()]


def _money(v, where: str | None = None, problems: list | None = None) -> str | None:
    """A yuan amount from a cell, as text; a cell that is not a number is reported by row and column."""
    if v is None or v == "":
        return None
    text = str(v).strip()
    try:
        d = Decimal(text)
        if not d.is_finite():
            raise ArithmeticError
    except (ArithmeticError, ValueError):
        if problems is not None:
            problems.append((where or "?", f"不是有效金额：{text}（请填写阿拉伯数字，单位元）"))
        return None
    return format(d.normalize(), "f") if not isinstance(v, str) else text


class XlsxProblems(Exception):
    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__(str(problems[:10]))


def read(data: bytes, *, progress=None, origins: dict | None = None) -> dict:
    """Turn a workbook into a catalogue document; translation problems are reported by row and column.

    `progress(done, total)` is called every few hundred rows (the import page's progress bar); `origins`, when
    given, is filled with (list key, item index) → (sheet, first row) so later problems can name the row."""
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    wb._casebook_progress, wb._casebook_origins = progress, origins
    problems: list[tuple[str, str]] = []
    if "目录信息" not in wb.sheetnames:
        raise XlsxProblems([("目录信息", "缺少工作表「目录信息」")])
    labels = dict((label, key) for key, label in HEADER_FIELDS)
    header: dict = {}
    for i, row in enumerate(wb["目录信息"].iter_rows(min_row=2, values_only=True), start=2):
        if not row or row[0] is None:
            continue
        key = labels.get(str(row[0]).strip())
        if key is None:
            problems.append((f"目录信息 第{i}行", f"未知项目：{row[0]}"))
            continue
        val = row[1] if len(row) > 1 else None
        if key == "kind":
            val = _rev(KIND_LABELS).get(str(val).strip(), val)
        if isinstance(val, dt.datetime):
            val = val.date()
        if key == "version" and val is not None:
            try:
                val = int(val)
            except (TypeError, ValueError):
                problems.append((f"目录信息 第{i}行「内容」", "版本须为整数"))
        header[key] = val
    doc: dict = {"catalogue": header}
    if header.get("kind") == "benchmark":
        doc["violation_items"] = _read_benchmark(wb, problems)
    elif header.get("kind") == "exemption_list":
        doc["exemption_items"] = _read_exemptions(wb, problems)
    else:
        problems.append(("目录信息「类型」", "XLSX 只支持裁量基准和免罚清单"))
    if problems:
        raise XlsxProblems(problems)
    return doc


def _origin(wb, key: str, index: int, sheet: str, row: int) -> None:
    origins = getattr(wb, "_casebook_origins", None)
    if origins is not None:
        origins[(key, index)] = (sheet, row)


def _rows(wb, sheet: str, columns: list[str], problems) -> list[tuple[int, dict]]:
    if sheet not in wb.sheetnames:
        problems.append((sheet, f"缺少工作表「{sheet}」"))
        return []
    it = wb[sheet].iter_rows(values_only=True)
    head = [str(c).strip() if c is not None else "" for c in next(it, ())]
    missing = [c for c in columns if c not in head and c not in OPTIONAL_COLUMNS]
    if missing:
        problems.append((f"{sheet} 第1行", "缺少列：" + "、".join(missing)))
        return []
    out = []
    progress = getattr(wb, "_casebook_progress", None)
    total = wb[sheet].max_row or 0
    for i, row in enumerate(it, start=2):
        if progress is not None and i % PROGRESS_EVERY == 0:
            progress(i, total)
        if not any(v not in (None, "") for v in row):
            continue
        out.append((i, {h: (row[j] if j < len(row) else None) for j, h in enumerate(head)}))
    return out


def _codes(value, table: dict, where: str, problems) -> list[str]:
    """Codes or Chinese names; a part that is no known name may be several joined by 、 or ，."""
    names = _rev(table)

    def one(x):
        return x if x in table else names.get(x)

    out = []
    for part in _split(value):
        code = one(part)
        if code is not None:
            out.append(code)
            continue
        pieces = [p.strip() for p in part.replace("，", "、").replace(",", "、").split("、") if p.strip()]
        found = [one(p) for p in pieces]
        if pieces and all(found):
            out.extend(found)
        else:
            problems.append((where, f"无法识别：{part}"))
    return out


def _read_benchmark(wb, problems) -> list[dict]:
    items: dict[str, dict] = {}
    order: list[str] = []
    tier_names = _rev(TIERS)
    for i, r in _rows(wb, "裁量基准", BENCHMARK_COLUMNS, problems):
        where = lambda col, i=i: f"裁量基准 第{i}行「{col}」"  # noqa: E731
        code = str(r["事项编码"] or "").strip()
        if not code:
            problems.append((where("事项编码"), "必填"))
            continue
        level = str(r["裁量阶次"] or "").strip()
        if level in ("", LEGAL_ROW):
            if code not in items:
                order.append(code)
                _origin(wb, "violation_items", len(order) - 1, "裁量基准", i)
                items[code] = {"code": code, "field": r["领域"], "name": r["违法行为"], "violated_provision": r["违法依据"],
                               "penalty_provision": r["处罚依据"],
                               "penalty_kinds": _codes(r["处罚种类"], PENALTY_KINDS, where("处罚种类"), problems),
                               "side_penalties": _codes(r["并处"], PENALTY_KINDS, where("并处"), problems),
                               "description": r["说明"] or "",
                               "range": {"bands": []}, "tiers": []}
                category = str(r.get("时效类别") or "").strip()
                if category:
                    items[code]["limitation_category"] = _rev(LONG_LIMITATION_CATEGORIES).get(category, category)
            band = _band(r, where, problems)
            if band:
                items[code]["range"]["bands"].append(band)
            continue
        tier = tier_names.get(level, level if level in TIERS else None)
        if tier is None:
            problems.append((where("裁量阶次"), f"无法识别：{level}"))
            continue
        if code not in items:
            problems.append((where("事项编码"), f"阶次行之前须有该事项的“{LEGAL_ROW}”行"))
            continue
        t = {"tier": tier, "conditions": _codes(r["适用情形"], CIRCUMSTANCES, where("适用情形"), problems)}
        measures = _codes(r["处理措施"], MEASURES, where("处理措施"), problems)
        if measures:
            t["measures"] = measures
        if r["阶次比例"]:
            parts = str(r["阶次比例"]).replace("～", "-").replace("~", "-").split("-")
            try:
                t["range"] = {"fraction": [float(Decimal(parts[0])), float(Decimal(parts[1]))]}
            except (IndexError, ArithmeticError, ValueError):
                problems.append((where("阶次比例"), "格式应为 0.3-0.7"))
        elif r["罚款下限(元)"] is not None or r["罚款上限(元)"] is not None:
            t["range"] = {"fixed": {"min": _money(r["罚款下限(元)"], where("罚款下限(元)"), problems),
                                    "max": _money(r["罚款上限(元)"], where("罚款上限(元)"), problems)}}
        items[code]["tiers"].append(t)
    out = []
    for code in order:
        item = items[code]
        bands = item["range"]["bands"]
        if len(bands) == 1 and not bands[0].get("when"):
            item["range"] = {k: v for k, v in bands[0].items() if k != "when"}
        elif not bands:
            item.pop("range")
        if not item["tiers"]:
            item.pop("tiers")
        out.append(item)
    return out


def _band(r: dict, where, problems) -> dict | None:
    band: dict = {}
    cond = str(r["金额条件"] or "").strip()
    if cond:
        # e.g. "goods_value<10000", "货值金额>=10000"
        for op, key in (("<=", "lte"), (">=", "gte"), ("<", "lt"), (">", "gt")):
            if op in cond:
                name, value = cond.split(op, 1)
                name = name.strip()
                fact = name if name in FACTS else _rev(FACTS).get(name)
                if fact is None:
                    problems.append((where("金额条件"), f"无法识别的金额事实：{name}"))
                    return None
                band["when"] = {"fact": fact, key: value.strip()}
                break
        else:
            problems.append((where("金额条件"), "格式应为 货值金额<10000"))
            return None
    if r["倍数基数"]:
        fact = r["倍数基数"] if r["倍数基数"] in FACTS else _rev(FACTS).get(str(r["倍数基数"]).strip())
        if fact is None:
            problems.append((where("倍数基数"), f"无法识别：{r['倍数基数']}"))
            return None
        m = {"fact": fact, "min": _money(r["最低倍数"], where("最低倍数"), problems),
             "max": _money(r["最高倍数"], where("最高倍数"), problems)}
        if r["最低罚款(元)"] not in (None, ""):
            m["floor"] = _money(r["最低罚款(元)"], where("最低罚款(元)"), problems)
        band["multiple"] = m
    elif r["罚款下限(元)"] is not None or r["罚款上限(元)"] is not None:
        band["fixed"] = {"min": _money(r["罚款下限(元)"], where("罚款下限(元)"), problems),
                         "max": _money(r["罚款上限(元)"], where("罚款上限(元)"), problems)}
    else:
        return None
    return band


def _read_exemptions(wb, problems) -> list[dict]:
    out = []
    for i, r in _rows(wb, "免罚清单", EXEMPTION_COLUMNS, problems):
        where = lambda col, i=i: f"免罚清单 第{i}行「{col}」"  # noqa: E731
        kind = _codes(r["类型"], EXEMPTION_KINDS, where("类型"), problems)
        maxes = {}
        for part in _split(r["金额上限"]):
            name, _, value = part.partition("<=")
            fact = name.strip() if name.strip() in FACTS else _rev(FACTS).get(name.strip())
            if fact is None or not value:
                problems.append((where("金额上限"), f"格式应为 货值金额<=500：{part}"))
            else:
                maxes[fact] = value.strip()
        try:
            lookback = int(r["回溯年限"]) if r["回溯年限"] not in (None, "") else 2
        except (TypeError, ValueError):
            problems.append((where("回溯年限"), "须为整数"))
            lookback = 2
        item = {"code": r["事项编码"], "kind": kind[0] if kind else None, "violation_catalogue": r["裁量基准"],
                "violation_code": r["违法行为编码"], "description": r["适用情形"],
                "conditions": _codes(r["条件"], {**CIRCUMSTANCES, **EXEMPTION_CONDITIONS}, where("条件"), problems),
                "lookback_years": lookback, "measures": _codes(r["处理措施"], MEASURES, where("处理措施"), problems)}
        if maxes:
            item["max_amounts"] = maxes
        _origin(wb, "exemption_items", len(out), "免罚清单", i)
        out.append(item)
    return out


def write(doc: dict) -> bytes:
    """Write a benchmark or exemption-list document in the published column layout."""
    wb = Workbook()
    ws = wb.active
    ws.title = "目录信息"
    ws.append(["项目", "内容"])
    h = doc["catalogue"]
    for key, label in HEADER_FIELDS:
        v = h.get(key)
        ws.append([label, KIND_LABELS.get(v, v) if key == "kind" else v])
    if h.get("kind") == "benchmark":
        _write_benchmark(wb.create_sheet("裁量基准"), doc.get("violation_items") or [])
    elif h.get("kind") == "exemption_list":
        _write_exemptions(wb.create_sheet("免罚清单"), doc.get("exemption_items") or [])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _names(codes, table) -> str:
    return SEP.join(table.get(c, c) for c in codes or [])


def _write_benchmark(ws, items: list[dict]) -> None:
    ws.append(BENCHMARK_COLUMNS)
    for n, it in enumerate(items, start=1):
        rng = it.get("range") or {}
        bands = rng.get("bands") or ([rng] if rng else [{}])
        for band in bands:
            when = band.get("when") or {}
            cond = ""
            for op, sym in (("lt", "<"), ("lte", "<="), ("gt", ">"), ("gte", ">=")):
                if op in when:
                    cond = f"{FACTS[when['fact']]}{sym}{when[op]}"
            fixed, mult = band.get("fixed") or {}, band.get("multiple") or {}
            standard = (f"处{fixed.get('min')}元以上{fixed.get('max')}元以下罚款" if fixed else
                        f"处{FACTS.get(mult.get('fact'), '')}{mult.get('min')}倍以上{mult.get('max')}倍以下罚款" if mult else "")
            ws.append([n, it["code"], it.get("field"), it.get("name"), it.get("violated_provision"), it.get("penalty_provision"),
                       _names(it.get("penalty_kinds"), PENALTY_KINDS), LEGAL_ROW, "", standard, cond,
                       fixed.get("min"), fixed.get("max"), FACTS.get(mult.get("fact")) if mult else None,
                       mult.get("min"), mult.get("max"), mult.get("floor"), None, _names(it.get("side_penalties"), PENALTY_KINDS),
                       None, it.get("description") or None,
                       LONG_LIMITATION_CATEGORIES.get(it.get("limitation_category")) or None])
        for t in it.get("tiers") or []:
            r = t.get("range") or {}
            frac = r.get("fraction")
            fixed = r.get("fixed") or {}
            ws.append([n, it["code"], None, None, None, None, None, TIERS[t["tier"]], _names(t.get("conditions"), CIRCUMSTANCES),
                       None, None, fixed.get("min"), fixed.get("max"), None, None, None, None,
                       f"{frac[0]}-{frac[1]}" if frac else None, None, _names(t.get("measures"), MEASURES), None])


def _write_exemptions(ws, items: list[dict]) -> None:
    ws.append(EXEMPTION_COLUMNS)
    for n, it in enumerate(items, start=1):
        maxes = SEP.join(f"{FACTS[f]}<={v}" for f, v in (it.get("max_amounts") or {}).items())
        ws.append([n, it["code"], EXEMPTION_KINDS.get(it.get("kind"), it.get("kind")), it.get("violation_catalogue"),
                   it.get("violation_code"), it.get("description"),
                   _names(it.get("conditions"), {**CIRCUMSTANCES, **EXEMPTION_CONDITIONS}),
                   maxes, it.get("lookback_years", 2), _names(it.get("measures"), MEASURES)])
