"""XLSX for evaluation rubrics (评查标准), to and from the YAML form, in the layout a 评查办法 annex uses.

Sheet 「标准信息」: (项目, 内容) rows — 标准代码, 名称, 版本, 生效日期, 失效日期, 依据.
Sheet 「否决项」: 代码, 否决项, 依据, 自动检查.
Sheet 「评分项目」: 类别代码, 类别, 类别分值, 代码, 评查项目, 分值, 每处扣分, 依据, 自动检查, 基本要素 (是/否).
Sheet 「等次」: 代码, 等次, 最低分.
Sheet 「音像记录事项」 (optional): 类别 (调查取证 / 听证 / 送达方式), 代码.
Bad cells are reported as 「表」第N行「列」; the YAML form is then checked by the rubric parser.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from openpyxl import Workbook, load_workbook

from casebook.domain.errors import ValidationFailed

HEADER = [("code", "标准代码"), ("name", "名称"), ("version", "版本"), ("effective_from", "生效日期"),
          ("effective_to", "失效日期"), ("basis", "依据")]
VETO_COLUMNS = ["代码", "否决项", "依据", "自动检查"]
ITEM_COLUMNS = ["类别代码", "类别", "类别分值", "代码", "评查项目", "分值", "每处扣分", "依据", "自动检查", "基本要素"]
GRADE_COLUMNS = ["代码", "等次", "最低分"]
RECORDED = {"调查取证": "investigation", "送达方式": "service_methods"}


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _rows(wb, sheet: str, columns: list[str], problems: list[str], *, required: bool = True) -> list[tuple[int, dict]]:
    if sheet not in wb.sheetnames:
        if required:
            problems.append(f"缺少工作表「{sheet}」")
        return []
    rows = list(wb[sheet].iter_rows(values_only=True))
    if not rows:
        problems.append(f"工作表「{sheet}」为空")
        return []
    head = [_text(h) for h in rows[0]]
    missing = [c for c in columns if c not in head]
    if missing:
        problems.append(f"工作表「{sheet}」缺少列：{'、'.join(missing)}")
        return []
    out = []
    for n, row in enumerate(rows[1:], 2):
        if all(v is None or _text(v) == "" for v in row):
            continue
        out.append((n, {c: _text(row[head.index(c)]) if head.index(c) < len(row) else "" for c in columns}))
    return out


def read(data: bytes) -> dict:
    """The rubric's YAML form from a workbook; structural problems raise at once, all of them."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 — any unreadable upload is the same answer
        raise ValidationFailed("不是有效的 Excel（.xlsx）文件", code="rubric_invalid") from e
    problems: list[str] = []
    doc: dict = {}
    for _n, r in _rows(wb, "标准信息", ["项目", "内容"], problems):
        key = next((k for k, label in HEADER if label == r["项目"]), None)
        if key and r["内容"]:
            doc[key] = r["内容"]
    doc["vetoes"] = [{"code": r["代码"], "label": r["否决项"], "article": r["依据"], "check": r["自动检查"] or None}
                     for _n, r in _rows(wb, "否决项", VETO_COLUMNS, problems)]
    cats: dict[str, dict] = {}
    for n, r in _rows(wb, "评分项目", ITEM_COLUMNS, problems):
        cat = cats.setdefault(r["类别代码"], {"code": r["类别代码"], "label": r["类别"], "points": r["类别分值"], "items": []})
        if r["基本要素"] not in ("", "是", "否"):
            problems.append(f"「评分项目」第{n}行「基本要素」：须为“是”或“否”")
        cat["items"].append({"code": r["代码"], "label": r["评查项目"], "points": r["分值"], "deduction": r["每处扣分"],
                             "article": r["依据"], "check": r["自动检查"] or None, "bars_excellent": r["基本要素"] == "是"})
    doc["categories"] = list(cats.values())
    doc["grades"] = [{"code": r["代码"], "label": r["等次"], "min_score": r["最低分"]}
                     for _n, r in _rows(wb, "等次", GRADE_COLUMNS, problems)]
    recorded: dict = {}
    for n, r in _rows(wb, "音像记录事项", ["类别", "代码"], problems, required=False):
        if r["类别"] == "听证":
            recorded["hearing"] = r["代码"] in ("是", "true", "1", "hearing")
        elif r["类别"] in RECORDED:
            recorded.setdefault(RECORDED[r["类别"]], []).append(r["代码"])
        else:
            problems.append(f"「音像记录事项」第{n}行「类别」：须为调查取证、听证或送达方式")
    if recorded:
        doc["recorded_acts"] = recorded
    if problems:
        raise ValidationFailed("评查标准有误：" + "；".join(problems), code="rubric_invalid")
    return doc


def write(doc: dict) -> bytes:
    """A rubric's YAML form as a workbook in the layout `read` takes."""
    wb = Workbook()
    ws = wb.active
    ws.title = "标准信息"
    ws.append(["项目", "内容"])
    for key, label in HEADER:
        if doc.get(key) is not None:
            ws.append([label, str(doc[key])])
    ws = wb.create_sheet("否决项")
    ws.append(VETO_COLUMNS)
    for v in doc.get("vetoes") or ():
        ws.append([v["code"], v["label"], v.get("article") or "", v.get("check") or ""])
    ws = wb.create_sheet("评分项目")
    ws.append(ITEM_COLUMNS)
    for c in doc.get("categories") or ():
        for i in c.get("items") or ():
            ws.append([c["code"], c["label"], Decimal(str(c["points"])), i["code"], i["label"], Decimal(str(i["points"])),
                       Decimal(str(i.get("deduction", i["points"]))), i.get("article") or "", i.get("check") or "",
                       "是" if i.get("bars_excellent") else "否"])
    ws = wb.create_sheet("等次")
    ws.append(GRADE_COLUMNS)
    for g in doc.get("grades") or ():
        ws.append([g["code"], g["label"], Decimal(str(g["min_score"]))])
    rec = doc.get("recorded_acts") or {}
    if rec:
        ws = wb.create_sheet("音像记录事项")
        ws.append(["类别", "代码"])
        for k in rec.get("investigation") or ():
            ws.append(["调查取证", k])
        ws.append(["听证", "是" if rec.get("hearing") else "否"])
        for k in rec.get("service_methods") or ():
            ws.append(["送达方式", k])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
