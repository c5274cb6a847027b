"""A catalogue upload on the administrators' page: staged, read and checked in the background (progress shown),
its row-level problems and its diff against the version in force shown, imported only when confirmed.

A job lives in `$CASEBOOK_DATA_DIR/catalogue-uploads/<id>/`: the uploaded file, `status.json` (state and
progress, rewritten as the work goes) and `result.json` (the document, its problems by sheet/row/column, the
diff, the digest the confirmation must name). Nothing reaches the database before `confirm`, which imports
through `catalogue.import_document` (admin only, trailed) in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import secrets
import threading
from pathlib import Path

from sqlalchemy.orm import Session

from casebook.config import Settings
from casebook.domain.errors import Conflict, DomainError, NotFound, ValidationFailed
from casebook.domain.rules.model import CatalogueInvalid

from . import catalogue as cat
from .context import Actor, deny, require_role

log = logging.getLogger("casebook.catalogue")
_JOB_ID = re.compile(r"^[0-9a-f]{24}$")
_WHERE = re.compile(r"^(?P<sheet>[^\s「」]+?)(?: 第(?P<row>\d+)行)?(?:「(?P<col>[^」]+)」)?$")
_PATH = re.compile(r"^(?P<key>violation_items|exemption_items|thresholds|triggers)\[(?P<idx>\d+)\](?P<rest>.*)$")
LIST_KEYS = ("violation_items", "exemption_items", "thresholds", "triggers")
MAX_SHOWN_ROWS = 50  # spreadsheet rows shown beside the problems
RUNNING = ("queued", "reading", "checking")
#: A running job whose status has not moved for this long lost its process (a restart, a killed worker): the
#: next look at it starts the reading again. Reading rewrites the status at least every few hundred rows.
STALE_SECONDS = 60
#: Staged uploads (the file and its result) are kept this long, then removed at the next upload.
KEEP_DAYS = 7


def _dir(settings: Settings) -> Path:
    d = Path(settings.data_dir) / "catalogue-uploads"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _job_dir(settings: Settings, job_id: str) -> Path:
    if not _JOB_ID.match(job_id or ""):
        raise NotFound("导入任务不存在", code="catalogue_job_not_found")
    d = _dir(settings) / job_id
    if not d.is_dir():
        raise NotFound("导入任务不存在", code="catalogue_job_not_found")
    return d


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)  # readers never see half a file


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _set_status(d: Path, **changes) -> dict:
    path = d / "status.json"
    st = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    st.update(changes)
    st["updated"] = _now().isoformat()  # the heartbeat `resume_if_stalled` reads
    _write_json(path, st)
    return st


def stage(actor: Actor, settings: Settings, data: bytes, filename: str) -> str:
    """Keep an uploaded catalogue file for reading (admin only; the role is checked before anything is read)."""
    require_role(actor, "admin", what="catalogue.upload")
    name = os.path.basename(filename or "").strip()
    if not data:
        raise ValidationFailed("请选择要导入的文件", code="file_missing", errors={"file": ["请选择要导入的文件"]})
    if not name.lower().endswith((".yaml", ".yml", ".xlsx")):
        raise ValidationFailed("只支持 .yaml/.yml 或 .xlsx 文件", code="unsupported_catalogue_file",
                               errors={"file": ["只支持 .yaml/.yml 或 .xlsx 文件"]})
    if len(data) > cat.MAX_CATALOGUE_BYTES:
        raise ValidationFailed(f"目录文件不得超过{cat.MAX_CATALOGUE_BYTES // (1024 * 1024)} MB", code="catalogue_too_large",
                               errors={"file": ["文件过大"]})
    prune(settings)
    job_id = secrets.token_hex(12)
    d = _dir(settings) / job_id
    d.mkdir()
    ext = ".xlsx" if name.lower().endswith(".xlsx") else ".yaml"
    (d / f"upload{ext}").write_bytes(data)
    _set_status(d, state="queued", progress=0, message="已上传，等待读取", filename=name[:200], size=len(data),
                user_id=actor.user_id, created=_now().isoformat())
    return job_id


def _age_seconds(st: dict, key: str = "updated") -> float | None:
    try:
        return (_now() - dt.datetime.fromisoformat(st[key])).total_seconds()
    except (KeyError, TypeError, ValueError):
        return None


def prune(settings: Settings, keep_days: int = KEEP_DAYS) -> int:
    """Remove staged uploads older than `keep_days` (by their last status change); a job still running is kept.

    An imported version lives in the database; the staged file was only needed to show and confirm it.
    """
    import shutil

    removed = 0
    for d in _dir(settings).iterdir():
        if not (d.is_dir() and _JOB_ID.match(d.name)):
            continue
        try:
            st = json.loads((d / "status.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            st = {}
        age = _age_seconds(st)
        if age is None:  # no readable status: judge by the directory's own time
            age = _now().timestamp() - d.stat().st_mtime
        if age > keep_days * 86400 and not (st.get("state") in RUNNING and age < STALE_SECONDS):
            shutil.rmtree(d, ignore_errors=True)
            removed += 1
    if removed:
        log.info("catalogue uploads: %s staged jobs older than %s days removed", removed, keep_days)
    return removed


def resume_if_stalled(actor: Actor, settings: Settings, read_sessions, job_id: str) -> bool:
    """A job left running by a process that ended (restart mid-check) is read again instead of waiting forever.

    Claimed with an exclusive file so that, of several web workers polling the same job, one restarts it.
    """
    d = _job_dir(settings, job_id)
    st = _owned(actor, d, "catalogue.job")
    age = _age_seconds(st)
    if st.get("state") not in RUNNING or (age is not None and age < STALE_SECONDS):
        return False
    claim = d / "resume.claim"
    try:
        if claim.exists() and _now().timestamp() - claim.stat().st_mtime < STALE_SECONDS:
            return False
        claim.unlink(missing_ok=True)
        fd = os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    log.warning("catalogue job %s stalled in %s for %.0f s: reading it again", job_id, st.get("state"), age or -1)
    _set_status(d, state="queued", progress=0, message="上次读取被中断，正在重新读取")
    start(settings, read_sessions, job_id)
    return True


def start(settings: Settings, read_sessions, job_id: str) -> threading.Thread:
    """Read and check the staged file in a background thread (the page polls `status`)."""
    t = threading.Thread(target=process, args=(settings, read_sessions, job_id), name=f"catalogue-{job_id}", daemon=True)
    t.start()
    return t


def _problem_rows(problems: list[tuple[str, str]], origins: dict) -> list[dict]:
    """Each problem as sheet, row, column and message; YAML paths of an XLSX item name the item's first row."""
    out = []
    for where, message in problems:
        p = {"sheet": None, "row": None, "column": None, "path": where, "message": message}
        m = _PATH.match(where)
        if m and (m["key"], int(m["idx"])) in origins:
            p["sheet"], p["row"] = origins[(m["key"], int(m["idx"]))]
            p["column"] = m["rest"].lstrip(".") or None
        else:
            w = _WHERE.match(where)
            if w and (w["row"] or w["col"]) and not where.startswith(LIST_KEYS + ("catalogue",)):
                p["sheet"], p["row"], p["column"] = w["sheet"], int(w["row"]) if w["row"] else None, w["col"]
        out.append(p)
    return out


def _sheet_rows(data: bytes, problems: list[dict]) -> list[dict]:
    """The spreadsheet rows the problems name, cell by cell, with the bad cells marked."""
    import io

    from openpyxl import load_workbook

    wanted: dict[tuple[str, int], set] = {}
    for p in problems:
        if p["sheet"] and p["row"]:
            wanted.setdefault((p["sheet"], p["row"]), set()).add(p["column"])
    if not wanted:
        return []
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    out = []
    for sheet in sorted({s for s, _ in wanted}):
        if sheet not in wb.sheetnames:
            continue
        rows = sorted(r for s, r in wanted if s == sheet)[:MAX_SHOWN_ROWS]
        last = max(rows)
        head: list[str] = []
        for i, row in enumerate(wb[sheet].iter_rows(values_only=True, max_row=last), start=1):
            if i == 1:
                head = ["" if v is None else str(v) for v in row]
                continue
            if i in rows:
                bad = wanted[(sheet, i)]
                cells = [{"column": head[j] if j < len(head) else "", "value": "" if v is None else str(v)[:80],
                          "bad": (head[j] if j < len(head) else None) in bad} for j, v in enumerate(row)]
                out.append({"sheet": sheet, "row": i, "cells": [c for c in cells if c["column"] or c["value"]],
                            "whole_row": None in bad})
    return out


def _item_key(item: dict) -> str:
    return str(item.get("code") or item.get("agency") or item.get("offence") or "")


def field_diff(old: dict | None, new: dict) -> dict:
    """What changes against the version in force: header fields, items added/removed, each changed item's fields."""
    new = cat._jsonable(new)
    out = {"current_version": None, "header": [], "added": [], "removed": [], "changed": []}
    if old is None:
        for key in LIST_KEYS:
            out["added"] += [{"code": _item_key(i), "name": i.get("name") or i.get("description") or ""} for i in new.get(key) or []]
        return out
    out["current_version"] = (old.get("catalogue") or {}).get("version")
    oh, nh = old.get("catalogue") or {}, new.get("catalogue") or {}
    out["header"] = [{"field": k, "old": oh.get(k), "new": nh.get(k)} for k in sorted(set(oh) | set(nh)) if oh.get(k) != nh.get(k)]
    codes = cat.diff(old, new)
    for key in LIST_KEYS:
        a = {_item_key(i): i for i in old.get(key) or []}
        b = {_item_key(i): i for i in new.get(key) or []}
        out["added"] += [{"code": k, "name": b[k].get("name") or b[k].get("description") or ""} for k in codes["added"] if k in b]
        out["removed"] += [{"code": k, "name": a[k].get("name") or a[k].get("description") or ""} for k in codes["removed"] if k in a]
        for k in codes["changed"]:
            if k in a and k in b:
                fields = [{"field": f, "old": _short(a[k].get(f)), "new": _short(b[k].get(f))}
                          for f in sorted(set(a[k]) | set(b[k])) if a[k].get(f) != b[k].get(f)]
                out["changed"].append({"code": k, "name": b[k].get("name") or "", "fields": fields})
    return out


def _short(v) -> str:
    if v is None:
        return ""
    text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 300 else text[:300] + "…"


def digest_of(doc: dict) -> str:
    body = json.dumps(cat._jsonable(doc), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def process(settings: Settings, read_sessions, job_id: str) -> dict:
    """Read the staged file (progress as rows are read), check it against what is stored, diff it; store the result."""
    d = _job_dir(settings, job_id)
    upload = next(d.glob("upload.*"))
    data = upload.read_bytes()
    origins: dict = {}

    def progress(done: int, total: int) -> None:
        pct = min(80, int(80 * done / total)) if total else 40
        _set_status(d, state="reading", progress=pct, message=f"正在读取第{done}行（共约{total}行）")

    _set_status(d, state="reading", progress=5, message="正在读取文件")
    result: dict = {"problems": [], "sheet_rows": [], "diff": None, "doc": None, "digest": None}
    try:
        doc = cat.load_bytes(data, upload.name, progress=progress, origins=origins)
        _set_status(d, state="checking", progress=85, message="正在校验目录内容")
        with read_sessions() as s:
            try:
                parsed = cat.validate_document(s, doc)
            except CatalogueInvalid as e:
                result["problems"] = _problem_rows(e.problems, origins)
            else:
                _set_status(d, state="checking", progress=95, message="正在与现行版本比较")
                try:
                    old = cat.get_version(s, parsed.code).content
                except NotFound:
                    old = None
                result.update(doc=cat._jsonable(doc), digest=digest_of(doc), diff=field_diff(old, doc),
                              code=parsed.code, kind=parsed.kind, name=parsed.name, version=parsed.version,
                              document_no=parsed.document_no, effective_from=parsed.effective_from.isoformat(),
                              items=len(parsed.items))
    except DomainError as e:
        problems = [(w, f"{e.message}：{m}" if w == "file" else m)
                    for w, ms in (e.errors or {}).items() for m in (ms if isinstance(ms, list) else [ms])]
        result["problems"] = _problem_rows(problems or [("file", e.message)], origins)
    except Exception:  # noqa: BLE001 — anything unexpected: the job fails, the page says so
        log.exception("catalogue job %s failed", job_id)
        _set_status(d, state="failed", progress=100, message="读取失败：系统未知错误，请反馈给管理员")
        return {}
    if result["problems"] and upload.suffix == ".xlsx":
        try:
            result["sheet_rows"] = _sheet_rows(data, result["problems"])
        except Exception:  # noqa: BLE001 — the rows are a help; the problems stand without them
            log.warning("catalogue job %s: rows not shown", job_id, exc_info=True)
    _write_json(d / "result.json", result)
    n = len(result["problems"])
    _set_status(d, state="invalid" if n else "ready", progress=100,
                message=f"发现{n}处错误，未导入任何内容" if n else "校验通过，请核对差异后确认导入")
    return result


def _owned(actor: Actor, d: Path, what: str) -> dict:
    require_role(actor, "admin", what=what)
    st = json.loads((d / "status.json").read_text(encoding="utf-8"))
    if st.get("user_id") != actor.user_id:  # another administrator's upload: not this one's to see or confirm
        raise deny(actor, what, "该导入任务不是您上传的", "catalogue_job_not_yours")
    return st


def status(actor: Actor, settings: Settings, job_id: str) -> dict:
    d = _job_dir(settings, job_id)
    st = _owned(actor, d, "catalogue.job")
    st["id"] = job_id
    if st.get("state") in ("ready", "invalid", "imported") and (d / "result.json").exists():
        st["result"] = json.loads((d / "result.json").read_text(encoding="utf-8"))
        st["result"].pop("doc", None)
    return st


def confirm(s: Session, actor: Actor, settings: Settings, job_id: str, digest: str):
    """Import the checked document (its digest must be the one shown); trailed by `catalogue.import_document`."""
    d = _job_dir(settings, job_id)
    st = _owned(actor, d, "catalogue.confirm")
    if st.get("state") == "imported":
        raise Conflict("该文件已导入，请勿重复提交", code="catalogue_job_imported")
    if st.get("state") != "ready":
        raise Conflict("该文件尚未通过校验，不能导入", code="catalogue_job_not_ready")
    result = json.loads((d / "result.json").read_text(encoding="utf-8"))
    if digest != result.get("digest"):
        raise Conflict("确认的内容与预览不一致，请重新上传", code="catalogue_preview_mismatch",
                       errors={"digest": ["与预览不一致"]})
    return cat.import_document(s, actor, result["doc"], source=st.get("filename", ""))


def mark_imported(settings: Settings, job_id: str, version_id: int) -> None:
    """After the import committed: the job page says so and a second confirmation is refused."""
    _set_status(_job_dir(settings, job_id), state="imported", message="已导入", version_id=version_id)


def versions(s: Session, actor: Actor) -> list:
    require_role(actor, "admin", what="catalogue.versions")
    return cat.list_versions(s)


#: The workbook 「下载模板」 gives: the layout agencies publish (目录信息 + 裁量基准), one example item.
TEMPLATE = {
    "catalogue": {"code": "示例-裁量基准", "kind": "benchmark", "name": "某局行政处罚裁量基准（示例）", "issuer": "某局",
                  "document_no": "某规〔2026〕1号", "version": 1, "effective_from": "2026-01-01", "scope": "市场监管"},
    "violation_items": [{
        "code": "SL-001", "field": "食品安全", "name": "经营超过保质期的食品",
        "violated_provision": "《中华人民共和国食品安全法》第三十四条第（十）项",
        "penalty_provision": "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项",
        "penalty_kinds": ["fine", "confiscate_gains"], "side_penalties": ["confiscate_gains"],
        "range": {"fixed": {"min": "50000", "max": "100000"}},
        "tiers": [{"tier": "lenient", "conditions": ["first_offence"], "range": {"fraction": [0.0, 0.3]}}],
    }],
}


def template_xlsx(actor: Actor) -> bytes:
    require_role(actor, "admin", what="catalogue.template")
    from .catalogue_xlsx import write

    return write(TEMPLATE)
