"""案卷评查 (行政执法监督条例, 国务院令第825号): rubric versions, 双随机 rounds (random sampling of closed cases,
random evaluators from outside the case's agency), scoring with the auto-checks pre-filled, results to the
handling officers and their head, 整改, and the round report.

Who sees what (checked here, every denial logged):
- a supervisor: the rounds of the agencies in its scope (its own agency and those below), every file in them;
- the drawn evaluator: the files drawn for them, with the whole case file (read through the file, not the
  case scope: the evaluator is from another agency on purpose);
- the handling officers of a case and the heads of its agency: the file's result once the round is published,
  and they record 整改 on it;
- nobody else (administrators configure, they do not read cases).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
import secrets
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import yaml
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casebook.config import Settings
from casebook.db.models import Agency, Case, CaseOfficer, Document, Evidence, TrailEntry, User
from casebook.db.models_evaluation import (
    CaseCheckRun,
    EvaluationCorrection,
    EvaluationFile,
    EvaluationRound,
    EvaluationRubric,
)
from casebook.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from casebook.domain.evaluation import rubric as rb
from casebook.domain.vocabulary import STAGES

from . import evaluation_checks as ec
from .context import SYSTEM, Actor, deny, local_today, require_role
from .loading import participants
from .recording import record

DEFAULT_RUBRIC = Path(__file__).resolve().parent.parent / "data" / "rubrics" / "default.yaml"
CLOSED_STAGES = ("closed", "archived")
ROUND_STATUSES = {"scoring": "评查中", "published": "已反馈结果", "closed": "已结束"}
FILE_STATUSES = {"assigned": "待评查", "scored": "已评分"}
EVALUATOR_ROLES = ("officer", "legal_reviewer", "supervisor")
MAX_SAMPLE = 5000


# --- rubrics ---------------------------------------------------------------------------------------------------


def _digest(content: dict) -> str:
    import json

    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _jsonable(data: dict) -> dict:
    import json

    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


def rubric_of(row: EvaluationRubric) -> rb.Rubric:
    return rb.parse(row.content)


def _store_rubric(s: Session, actor: Actor, data: dict) -> EvaluationRubric:
    r = rb.parse(data)
    if s.execute(select(EvaluationRubric.id).where(EvaluationRubric.code == r.code,
                                                   EvaluationRubric.version == r.version)).first():
        raise Conflict(f"评查标准“{r.code}”第{r.version}版已导入，新版本须使用新的版本号", code="rubric_version_exists")
    content = _jsonable(dict(data))
    row = EvaluationRubric(code=r.code, version=r.version, name=r.name, effective_from=r.effective_from,
                           effective_to=r.effective_to, content=content, sha256=_digest(content),
                           imported_by_id=actor.user_id)
    s.add(row)
    s.flush()
    record(s, actor, "evaluation.rubric_imported", {"rubric_id": row.id, "code": r.code, "version": r.version,
                                                     "effective_from": r.effective_from.isoformat(), "sha256": row.sha256},
           agency_id=actor.agency_id)
    return row


def import_rubric(s: Session, actor: Actor, text: str) -> EvaluationRubric:
    """导入评查标准（YAML）: a new version, effective from its date; earlier files keep the version they were scored with."""
    require_role(actor, "supervisor", "admin", what="evaluation:rubric:import")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ValidationFailed(f"评查标准不是有效的 YAML：{str(e).splitlines()[0]}", code="rubric_invalid") from e
    return _store_rubric(s, actor, data)


def import_rubric_xlsx(s: Session, actor: Actor, data: bytes) -> EvaluationRubric:
    """导入评查标准（Excel）: the workbook layout of casebook.services.evaluation_xlsx."""
    require_role(actor, "supervisor", "admin", what="evaluation:rubric:import")
    from .evaluation_xlsx import read

    return _store_rubric(s, actor, read(data))


def current_rubric(s: Session, day: dt.date | None = None) -> EvaluationRubric:
    """The rubric in force on the day: the latest effective version (the default ships and is imported on first use)."""
    day = day or local_today()
    q = (select(EvaluationRubric).where(EvaluationRubric.effective_from <= day)
         .where((EvaluationRubric.effective_to.is_(None)) | (EvaluationRubric.effective_to >= day))
         .order_by(EvaluationRubric.effective_from.desc(), EvaluationRubric.version.desc()).limit(1))
    row = s.execute(q).scalar_one_or_none()
    if row is not None:
        return row
    data = yaml.safe_load(DEFAULT_RUBRIC.read_text(encoding="utf-8"))
    try:
        with s.begin_nested():
            _store_rubric(s, SYSTEM, data)
    except (IntegrityError, Conflict):
        pass  # imported meanwhile (or an expired default version exists): read what is there
    row = s.execute(q).scalar_one_or_none()
    if row is None:
        raise Conflict("当日没有有效的评查标准，请先导入", code="rubric_missing")
    return row


def list_rubrics(s: Session, actor: Actor) -> list[EvaluationRubric]:
    require_role(actor, "supervisor", "admin", what="evaluation:rubric:list")
    current_rubric(s)
    return list(s.execute(select(EvaluationRubric).order_by(EvaluationRubric.code, EvaluationRubric.version)).scalars())


def rubric_view(row: EvaluationRubric) -> dict:
    r = rubric_of(row)
    return {"id": row.id, "code": row.code, "version": row.version, "name": row.name, "basis": r.basis,
            "effective_from": row.effective_from, "effective_to": row.effective_to, "sha256": row.sha256,
            "vetoes": [{"code": v.code, "label": v.label, "article": v.article, "check": v.check} for v in r.vetoes],
            "categories": [{"code": c.code, "label": c.label, "points": str(c.points), "items": [
                {"code": i.code, "label": i.label, "points": str(i.points), "deduction": str(i.deduction),
                 "article": i.article, "check": i.check, "bars_excellent": i.bars_excellent} for i in c.items]}
                for c in r.categories],
            "grades": [{"code": g.code, "label": g.label, "min_score": str(g.min_score)} for g in r.grades],
            "recorded_acts": r.recorded_acts}


# --- auto-checks on a case ------------------------------------------------------------------------------------


def case_checks(s: Session, actor: Actor, case_id: int, *, run: bool = False) -> dict:
    """The latest auto-check run of a case (run now when asked, or when none exists)."""
    from .loading import load_case

    case = load_case(s, actor, case_id)
    if case.stage not in CLOSED_STAGES:
        raise Conflict("案卷评查的自动检查只对已结案的案件进行", code="case_not_closed")
    latest = ec.latest_run(s, case_id)
    if run or latest is None:
        require_role(actor, "supervisor", "agency_head", "officer", "legal_reviewer", what=f"case:{case_id}:checks")
        ec.run_checks(s, [case_id], trigger="manual" if run else "evaluation")
        latest = ec.latest_run(s, case_id)
    return check_run_view(s, latest)


def check_run_view(s: Session, run: CaseCheckRun) -> dict:
    row = s.get(EvaluationRubric, run.rubric_id)
    return {"id": run.id, "case_id": run.case_id, "trigger": run.trigger, "run_at": run.run_at, "failed": run.failed,
            "rubric": {"id": row.id, "code": row.code, "version": row.version, "name": row.name},
            "results": run.results}


# --- rounds: 双随机 -------------------------------------------------------------------------------------------


def _supervisor_scope(actor: Actor, what: str) -> None:
    require_role(actor, "supervisor", what=what)


def _round_for_supervisor(s: Session, actor: Actor, round_id: int, *, lock: bool = False) -> EvaluationRound:
    _supervisor_scope(actor, f"evaluation:round:{round_id}")
    q = select(EvaluationRound).where(EvaluationRound.id == round_id)
    if lock and s.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    r = s.execute(q).scalar_one_or_none()
    if r is None:
        raise NotFound("评查活动不存在", code="round_not_found")
    if not actor.can_read(r.agency_id) or not set(r.agency_ids) <= actor.read_scope:
        deny(actor, f"evaluation:round:{round_id}", "out of scope", "out_of_scope")
        raise NotFound("评查活动不存在", code="round_not_found")
    return r


def population(s: Session, agency_id: int, period_from: dt.date, period_to: dt.date) -> list[int]:
    """Closed cases of the agency closed in the period, by id: what a round draws from."""
    return list(s.execute(select(Case.id).where(Case.agency_id == agency_id, Case.stage.in_(CLOSED_STAGES),
                                                Case.closed_on >= period_from, Case.closed_on <= period_to)
                          .order_by(Case.id)).scalars())


def draw_sample(pop_by_agency: dict[int, list[int]], seed: str, *, size: int | None, percent: int | None
                ) -> tuple[dict[int, list[int]], random.Random]:
    """Reproducible from the seed: per agency (in id order) N cases, or x % rounded up, at least one where any."""
    rng = random.Random(f"casebook-evaluation:{seed}")
    out = {}
    for aid in sorted(pop_by_agency):
        pop = pop_by_agency[aid]
        if not pop:
            out[aid] = []
            continue
        n = size if size is not None else math.ceil(len(pop) * percent / 100)
        n = max(1, min(n, len(pop)))
        out[aid] = sorted(rng.sample(pop, n))
    return out, rng


def _default_pool(s: Session, actor: Actor) -> list[int]:
    rows = s.execute(select(User.id, User.roles).where(User.active.is_(True), User.agency_id.in_(sorted(actor.read_scope)))
                     .order_by(User.id)).all()
    return [uid for uid, roles in rows if set(roles or ()) & set(EVALUATOR_ROLES)]


def create_round(s: Session, actor: Actor, data: dict) -> EvaluationRound:
    """Create a 双随机 round: sample closed cases per agency from the seed, draw an evaluator for each from the pool
    (never from the case's agency, never anyone who took part in the case), and pre-fill the auto-checks."""
    _supervisor_scope(actor, "evaluation:round:create")
    agencies = sorted(set(data["agency_ids"]))
    outside = [a for a in agencies if a not in actor.read_scope]
    if outside:
        deny(actor, f"evaluation:round:agencies:{outside}", "agency out of scope", "out_of_scope")
        raise NotFound("所选机关不存在或不在您的监督范围内", code="agency_not_found")
    if data["period_to"] < data["period_from"]:
        raise ValidationFailed("评查期间的结束日期早于开始日期", code="period_invalid",
                               errors={"period_to": ["早于开始日期"]})
    size, percent = data.get("sample_size"), data.get("sample_percent")
    if (size is None) == (percent is None):
        raise ValidationFailed("抽取数量与抽取比例须填写且只填写其一", code="sample_invalid",
                               errors={"sample_size": ["与抽取比例二选一"]})
    seed = data.get("seed") or secrets.token_hex(16)
    pool_ids = sorted(set(data.get("pool_ids") or _default_pool(s, actor)))
    pool = {u.id: u for u in s.execute(select(User).where(User.id.in_(pool_ids), User.active.is_(True))).scalars()}
    unknown = [i for i in pool_ids if i not in pool or pool[i].agency_id not in actor.read_scope]
    if unknown:
        raise ValidationFailed("评查人员库中有不存在或不在监督范围内的人员", code="pool_invalid", errors={"pool_ids": unknown})
    pops = {a: population(s, a, data["period_from"], data["period_to"]) for a in agencies}
    if not any(pops.values()):
        raise Conflict("所选期间内所选机关没有已结案的案件，无法抽取", code="nothing_to_sample")
    drawn, rng = draw_sample(pops, seed, size=size, percent=percent)
    rubric_row = current_rubric(s)
    rnd = EvaluationRound(name=data["name"], agency_id=actor.agency_id, period_from=data["period_from"],
                          period_to=data["period_to"], agency_ids=agencies, sample_size=size, sample_percent=percent,
                          seed=seed, pool_ids=pool_ids, rubric_id=rubric_row.id, status="scoring",
                          created_by=actor.user_id,
                          sampling={str(a): {"population": len(pops[a]), "drawn": len(drawn[a])} for a in agencies})
    s.add(rnd)
    s.flush()
    case_ids = [cid for a in sorted(drawn) for cid in drawn[a]]
    if len(case_ids) > MAX_SAMPLE:
        raise ValidationFailed(f"一次最多抽取{MAX_SAMPLE}件案卷", code="sample_too_large")
    runs = dict(zip(case_ids, ec.run_checks(s, case_ids, trigger="evaluation", rubric_row=rubric_row), strict=True))
    rubric = rubric_of(rubric_row)
    load: Counter[int] = Counter()
    cases = {c.id: c for c in s.execute(select(Case).where(Case.id.in_(case_ids))).scalars()}
    assignments = []
    for cid in case_ids:
        case = cases[cid]
        took_part = participants(s, case)
        eligible = [u for u in sorted(pool) if pool[u].agency_id != case.agency_id and u not in took_part]
        if not eligible:
            raise Conflict(f"案件{case.case_no or cid}没有可抽取的评查人员（评查人员须来自其他机关且未参与本案）",
                           code="no_eligible_evaluator")
        least = min(load[u] for u in eligible)  # spread the files: draw among the least loaded, reproducibly
        evaluator = rng.choice([u for u in eligible if load[u] == least])
        load[evaluator] += 1
        run = s.get(CaseCheckRun, runs[cid])
        defects, vetoes = ec.prefill(run.results, rubric)
        entries = {code: {"auto": n, "defects": n} for code, n in defects.items()}
        entries.update({code: {"auto": 1, "defects": 1} for code in vetoes})
        f = EvaluationFile(round_id=rnd.id, case_id=cid, agency_id=case.agency_id, evaluator_id=evaluator,
                           status="assigned", check_run_id=run.id, entries=entries, vetoes=sorted(vetoes))
        s.add(f)
        assignments.append({"case_id": cid, "evaluator_id": evaluator})
    s.flush()
    record(s, actor, "evaluation.round_created",
           {"round_id": rnd.id, "name": rnd.name, "seed": seed, "period": [rnd.period_from.isoformat(), rnd.period_to.isoformat()],
            "agency_ids": agencies, "sample_size": size, "sample_percent": percent, "pool_ids": pool_ids,
            "rubric": {"code": rubric_row.code, "version": rubric_row.version}, "sampling": rnd.sampling,
            "assignments": assignments}, agency_id=actor.agency_id)
    return rnd


def list_rounds(s: Session, actor: Actor) -> list[EvaluationRound]:
    _supervisor_scope(actor, "evaluation:rounds")
    rows = s.execute(select(EvaluationRound).order_by(EvaluationRound.id.desc())).scalars()
    return [r for r in rows if actor.can_read(r.agency_id) and set(r.agency_ids) <= actor.read_scope]


def _names(s: Session, ids) -> dict[int, str]:
    ids = sorted({i for i in ids if i})
    return dict(s.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}


def _agency_names(s: Session, ids) -> dict[int, str]:
    ids = sorted(set(ids))
    return dict(s.execute(select(Agency.id, Agency.name).where(Agency.id.in_(ids))).all()) if ids else {}


def _grade_labels(s: Session, rubric_id: int) -> dict[str, str]:
    return {g.code: g.label for g in rubric_of(s.get(EvaluationRubric, rubric_id)).grades}


def round_view(s: Session, r: EvaluationRound, *, files: bool = True) -> dict:
    out = {"id": r.id, "name": r.name, "status": r.status, "status_label": ROUND_STATUSES[r.status],
           "period_from": r.period_from, "period_to": r.period_to, "agency_ids": r.agency_ids,
           "agencies": _agency_names(s, r.agency_ids), "sample_size": r.sample_size, "sample_percent": r.sample_percent,
           "seed": r.seed, "pool_ids": r.pool_ids, "sampling": r.sampling, "rubric_id": r.rubric_id,
           "created_at": r.created_at, "published_at": r.published_at, "closed_at": r.closed_at}
    rows = list(s.execute(select(EvaluationFile, Case.case_no, Case.cause).join(Case, Case.id == EvaluationFile.case_id)
                          .where(EvaluationFile.round_id == r.id).order_by(EvaluationFile.id)).all())
    out["progress"] = {"files": len(rows), "scored": sum(1 for f, *_ in rows if f.status == "scored")}
    if files:
        names = _names(s, [f.evaluator_id for f, *_ in rows])
        agencies = _agency_names(s, [f.agency_id for f, *_ in rows])
        labels = _grade_labels(s, r.rubric_id)
        out["files"] = [{"id": f.id, "case_id": f.case_id, "case_no": no, "cause": cause, "agency_id": f.agency_id,
                         "agency": agencies.get(f.agency_id), "evaluator_id": f.evaluator_id,
                         "evaluator": names.get(f.evaluator_id), "status": f.status, "total": f.total, "grade": f.grade,
                         "grade_label": labels.get(f.grade)}
                        for f, no, cause in rows]
    return out


def get_round(s: Session, actor: Actor, round_id: int) -> dict:
    return round_view(s, _round_for_supervisor(s, actor, round_id))


def publish_round(s: Session, actor: Actor, round_id: int) -> EvaluationRound:
    """反馈结果: every file scored, results go to the handling officers and their head."""
    r = _round_for_supervisor(s, actor, round_id, lock=True)
    if r.status != "scoring":
        raise Conflict(f"评查活动{ROUND_STATUSES[r.status]}，不能再次反馈", code="round_not_scoring")
    left = s.execute(select(func.count()).select_from(EvaluationFile).where(EvaluationFile.round_id == r.id,
                                                                            EvaluationFile.status != "scored")).scalar_one()
    if left:
        raise Conflict(f"尚有{left}件案卷未评分，不能反馈结果", code="files_unscored")
    r.status, r.published_at = "published", dt.datetime.now(dt.UTC)
    s.flush()
    record(s, actor, "evaluation.round_published", {"round_id": r.id}, agency_id=actor.agency_id)
    return r


def close_round(s: Session, actor: Actor, round_id: int) -> EvaluationRound:
    r = _round_for_supervisor(s, actor, round_id, lock=True)
    if r.status != "published":
        raise Conflict("评查结果反馈后方可结束评查活动", code="round_not_published")
    r.status, r.closed_at, r.closed_by = "closed", dt.datetime.now(dt.UTC), actor.user_id
    s.flush()
    corrections = s.execute(select(func.count()).select_from(EvaluationCorrection).join(
        EvaluationFile, EvaluationFile.id == EvaluationCorrection.file_id).where(EvaluationFile.round_id == r.id)).scalar_one()
    record(s, actor, "evaluation.round_closed", {"round_id": r.id, "corrections": corrections}, agency_id=actor.agency_id)
    return r


# --- files: scoring, results, 整改 ----------------------------------------------------------------------------


def _is_case_officer_or_head(s: Session, actor: Actor, f: EvaluationFile) -> bool:
    if actor.agency_id == f.agency_id and "agency_head" in actor.roles:
        return True
    return s.execute(select(CaseOfficer.id).where(CaseOfficer.case_id == f.case_id,
                                                  CaseOfficer.user_id == actor.user_id)).first() is not None


def _load_file(s: Session, actor: Actor, file_id: int) -> tuple[EvaluationFile, EvaluationRound, str]:
    """The file and the actor's relation to it: supervisor / evaluator / handler; otherwise 'not found', logged."""
    f = s.get(EvaluationFile, file_id)
    if f is None:
        raise NotFound("评查案卷不存在", code="evaluation_file_not_found")
    r = s.get(EvaluationRound, f.round_id)
    if f.evaluator_id == actor.user_id:
        return f, r, "evaluator"
    if "supervisor" in actor.roles and actor.can_read(r.agency_id) and actor.can_read(f.agency_id):
        return f, r, "supervisor"
    if r.status in ("published", "closed") and _is_case_officer_or_head(s, actor, f):
        return f, r, "handler"
    deny(actor, f"evaluation:file:{file_id}", "not evaluator, supervisor or handler", "out_of_scope")
    raise NotFound("评查案卷不存在", code="evaluation_file_not_found")


def _case_summary(s: Session, case: Case) -> dict:
    return {"id": case.id, "case_no": case.case_no, "cause": case.cause, "stage": case.stage,
            "stage_label": STAGES.get(case.stage, case.stage), "procedure": case.procedure,
            "agency": case.agency.name if case.agency else None, "party": case.party.name if case.party else None,
            "discovered_on": case.discovered_on, "filed_on": case.filed_on, "decided_on": case.decided_on,
            "served_on": case.served_on, "closed_on": case.closed_on, "decision_kind": case.decision_kind,
            "penalty_kinds": case.penalty_kinds, "fine_amount": case.fine_amount, "facts_text": case.facts_text,
            "officers": [{"user_id": o.user_id, "name": o.user.display_name, "role": o.role} for o in case.officers]}


def file_view(s: Session, actor: Actor, file_id: int) -> dict:
    """The scoring view: the whole file in one place (case, documents, trail, evidence), the auto-checks, the
    rubric, the entries as pre-filled or scored, and the 整改 recorded."""
    f, r, relation = _load_file(s, actor, file_id)
    case = s.get(Case, f.case_id)
    rubric_row = s.get(EvaluationRubric, r.rubric_id)
    run = s.get(CaseCheckRun, f.check_run_id) if f.check_run_id else None
    out: dict[str, Any] = {
        "id": f.id, "round_id": r.id, "round_name": r.name, "round_status": r.status, "relation": relation,
        "status": f.status, "status_label": FILE_STATUSES[f.status], "evaluator_id": f.evaluator_id,
        "evaluator": _names(s, [f.evaluator_id]).get(f.evaluator_id), "entries": f.entries, "vetoes": f.vetoes,
        "result": f.result, "total": f.total, "grade": f.grade,
        "grade_label": _grade_labels(s, r.rubric_id).get(f.grade), "comment": f.comment, "scored_at": f.scored_at,
        "case": _case_summary(s, case), "rubric": rubric_view(rubric_row),
        "checks": check_run_view(s, run) if run else None,
        "corrections": [correction_view(c, _names(s, [c.recorded_by])) for c in s.execute(
            select(EvaluationCorrection).where(EvaluationCorrection.file_id == f.id).order_by(EvaluationCorrection.id)).scalars()],
    }
    if relation in ("supervisor", "evaluator"):
        out["documents"] = [{"id": d.id, "doc_type": d.doc_type, "document_no": d.document_no, "doc_date": d.doc_date,
                             "status": d.status} for d in s.execute(select(Document).where(Document.case_id == case.id)
                                                                      .order_by(Document.id)).scalars()]
        out["evidence"] = [{"id": e.id, "kind": e.kind, "title": e.title, "collected_on": e.collected_on,
                            "file_sha256": e.file_sha256, "device": e.device,
                            "recording_started_at": e.recording_started_at, "recording_ended_at": e.recording_ended_at}
                           for e in s.execute(select(Evidence).where(Evidence.case_id == case.id).order_by(Evidence.id)).scalars()]
        import json

        out["trail"] = [{"seq": t.seq, "occurred_at": t.occurred_at, "action": t.action, "actor_role": t.actor_role,
                         "payload": json.loads(t.payload), "entry_hash": t.entry_hash}
                        for t in s.execute(select(TrailEntry).where(TrailEntry.case_id == case.id)
                                           .order_by(TrailEntry.seq)).scalars()]
    return out


def _scorer(s: Session, actor: Actor, file_id: int) -> tuple[EvaluationFile, EvaluationRound]:
    f, r, relation = _load_file(s, actor, file_id)
    if relation != "evaluator":
        deny(actor, f"evaluation:file:{file_id}:score", "not the drawn evaluator", "not_evaluator")
        raise PermissionDenied("只有抽取的评查人员可以评分", code="not_evaluator")
    return f, r


def check_scorer(s: Session, actor: Actor, file_id: int) -> None:
    """Lock-free: may `actor` score the file (the drawn evaluator only)? Run by the API before the body is read."""
    _scorer(s, actor, file_id)


def _corrector(s: Session, actor: Actor, file_id: int) -> tuple[EvaluationFile, EvaluationRound]:
    f, r, relation = _load_file(s, actor, file_id)
    if relation != "handler" or not (actor.roles & {"officer", "agency_head"}):
        deny(actor, f"evaluation:file:{file_id}:correction", "not a handler", "not_handler")
        raise PermissionDenied("只有本案承办人员或本机关负责人可以登记整改", code="not_handler")
    return f, r


def check_corrector(s: Session, actor: Actor, file_id: int) -> None:
    """Lock-free: may `actor` record 整改 on the file (a handling officer or the head, once the results are sent)?
    Run by the API before the form is read."""
    _corrector(s, actor, file_id)


def score_file(s: Session, actor: Actor, file_id: int, data: dict) -> EvaluationFile:
    """评分: the evaluator confirms or overrides each pre-filled auto-check (an override needs a reason), adds the
    defects found by reading, comments per item; the rubric computes the score and grade."""
    f, r = _scorer(s, actor, file_id)
    if r.status != "scoring":
        raise Conflict("评查活动已反馈结果，评分不能再修改", code="round_not_scoring")
    rubric = rubric_of(s.get(EvaluationRubric, r.rubric_id))
    items, vetoes = rubric.items(), rubric.veto_codes()
    given = data.get("entries") or {}
    unknown = sorted(c for c in given if c not in items and c not in vetoes)
    if unknown:
        raise ValidationFailed(f"评查标准中没有这些项目：{'、'.join(unknown)}", code="rubric_item_unknown",
                               errors={"entries": unknown})
    entries: dict[str, dict] = {}
    missing_reason = []
    for code in list(items) + list(vetoes):
        auto = int((f.entries.get(code) or {}).get("auto", 0))
        e = given.get(code) or {}
        defects = int(e.get("defects", auto))
        if code in vetoes:
            defects = 1 if defects else 0
        if defects < 0 or defects > 100:
            raise ValidationFailed("问题数量须在0到100之间", code="defects_invalid", errors={"entries": [code]})
        reason = (e.get("reason") or "").strip()
        if defects != auto and not reason:
            missing_reason.append(code)
        entry = {"auto": auto, "defects": defects}
        if reason:
            entry["reason"] = reason
        if (e.get("comment") or "").strip():
            entry["comment"] = e["comment"].strip()
        if defects or auto or len(entry) > 2:
            entries[code] = entry
    if missing_reason:
        labels = [items[c].label if c in items else vetoes[c].label for c in missing_reason]
        raise ValidationFailed(f"改变自动检查结果或增加否决项须说明理由：{'、'.join(labels)}", code="override_reason_required",
                               errors={"entries": missing_reason})
    veto_set = {c for c in vetoes if entries.get(c, {}).get("defects")}
    res = rb.score(rubric, {c: e["defects"] for c, e in entries.items() if c in items}, veto_set)
    f.entries, f.vetoes = entries, sorted(veto_set)
    f.result, f.total, f.grade = res.as_dict(), res.total, res.grade.code
    f.comment = (data.get("comment") or "").strip() or None
    f.status, f.scored_at = "scored", dt.datetime.now(dt.UTC)
    s.flush()
    record(s, actor, "evaluation.file_scored", {"round_id": r.id, "file_id": f.id, "case_id": f.case_id,
                                                "total": str(res.total), "grade": res.grade.code, "vetoes": f.vetoes,
                                                "overrides": {c: e for c, e in entries.items() if e["defects"] != e["auto"]}},
           agency_id=f.agency_id)
    return f


def my_files(s: Session, actor: Actor) -> dict:
    """我的评查: files drawn for me to score, and the published results of cases I handled (or my agency's, as head)."""
    to_score = list(s.execute(select(EvaluationFile).join(EvaluationRound, EvaluationRound.id == EvaluationFile.round_id)
                              .where(EvaluationFile.evaluator_id == actor.user_id).order_by(EvaluationFile.id)).scalars())
    q = (select(EvaluationFile).join(EvaluationRound, EvaluationRound.id == EvaluationFile.round_id)
         .where(EvaluationRound.status.in_(("published", "closed"))))
    if "agency_head" in actor.roles:
        q = q.where(EvaluationFile.agency_id == actor.agency_id)
    else:
        q = q.where(EvaluationFile.case_id.in_(select(CaseOfficer.case_id).where(CaseOfficer.user_id == actor.user_id)))
    results = list(s.execute(q.order_by(EvaluationFile.id.desc())).scalars())
    return {"to_score": [_file_line(s, f) for f in to_score], "results": [_file_line(s, f) for f in results]}


def _file_line(s: Session, f: EvaluationFile) -> dict:
    case = s.get(Case, f.case_id)
    r = s.get(EvaluationRound, f.round_id)
    n = s.execute(select(func.count()).select_from(EvaluationCorrection).where(EvaluationCorrection.file_id == f.id)).scalar_one()
    return {"id": f.id, "round_id": r.id, "round_name": r.name, "round_status": r.status, "case_id": f.case_id,
            "case_no": case.case_no, "cause": case.cause, "status": f.status, "total": f.total, "grade": f.grade,
            "grade_label": _grade_labels(s, r.rubric_id).get(f.grade), "corrections": n}


def correction_view(c: EvaluationCorrection, names: dict[int, str]) -> dict:
    return {"id": c.id, "file_id": c.file_id, "recorded_by": c.recorded_by, "recorded_by_name": names.get(c.recorded_by),
            "recorded_on": c.recorded_on, "description": c.description, "evidence_name": c.evidence_name,
            "evidence_sha256": c.evidence_sha256, "evidence_size": c.evidence_size, "created_at": c.created_at}


def record_correction(s: Session, actor: Actor, file_id: int, *, description: str, recorded_on: dt.date,
                      upload: BinaryIO | None, filename: str | None, settings: Settings) -> EvaluationCorrection:
    """整改: a handling officer (or the head) records what was corrected, with an evidence file."""
    f, r = _corrector(s, actor, file_id)
    if r.status != "published":
        raise Conflict("评查结果反馈后、评查活动结束前方可登记整改", code="round_not_published")
    description = (description or "").strip()
    if not description:
        raise ValidationFailed("请填写整改情况", code="description_required", errors={"description": ["必填"]})
    if recorded_on > local_today():
        raise ValidationFailed("整改日期不能晚于今天", code="date_in_future", errors={"recorded_on": ["晚于今天"]})
    c = EvaluationCorrection(file_id=f.id, recorded_by=actor.user_id, recorded_on=recorded_on,
                             description=description)
    if upload is not None:
        from .evidence import store_blob

        sha, size, _media = store_blob(settings, upload)
        c.evidence_name, c.evidence_sha256, c.evidence_size = (filename or "整改材料")[:255], sha, size
    s.add(c)
    s.flush()
    record(s, actor, "evaluation.correction_recorded",
           {"round_id": r.id, "file_id": f.id, "case_id": f.case_id, "correction_id": c.id,
            "description": description,
            "evidence_sha256": c.evidence_sha256, "recorded_on": recorded_on.isoformat()}, agency_id=f.agency_id)
    return c


# --- report --------------------------------------------------------------------------------------------------


def _avg(xs: list[Decimal]) -> str | None:
    return str((sum(xs, Decimal(0)) / len(xs)).quantize(Decimal("0.01"))) if xs else None


def report(s: Session, actor: Actor, round_id: int) -> dict:
    """The round report: per agency and per officer scores, grades, and the common defects ranked."""
    r = _round_for_supervisor(s, actor, round_id)
    rubric = rubric_of(s.get(EvaluationRubric, r.rubric_id))
    items, vetoes = rubric.items(), rubric.veto_codes()
    files = list(s.execute(select(EvaluationFile).where(EvaluationFile.round_id == r.id).order_by(EvaluationFile.id)).scalars())
    agencies = _agency_names(s, [f.agency_id for f in files] + list(r.agency_ids))
    officers_of: dict[int, list[int]] = defaultdict(list)
    for cid, uid in s.execute(select(CaseOfficer.case_id, CaseOfficer.user_id)
                              .where(CaseOfficer.case_id.in_([f.case_id for f in files] or [0]))):
        officers_of[cid].append(uid)
    names = _names(s, [u for us in officers_of.values() for u in us])
    by_agency: dict[int, list] = defaultdict(list)
    by_officer: dict[int, list] = defaultdict(list)
    defects: Counter[str] = Counter()
    files_with: Counter[str] = Counter()
    for f in files:
        by_agency[f.agency_id].append(f)
        for u in officers_of.get(f.case_id, ()):
            by_officer[u].append(f)
        for code, e in (f.entries or {}).items():
            if e.get("defects"):
                defects[code] += int(e["defects"])
                files_with[code] += 1
    grade_labels = {g.code: g.label for g in rubric.grades}

    def block(fs: list) -> dict:
        scored = [f for f in fs if f.status == "scored"]
        return {"files": len(fs), "scored": len(scored), "average": _avg([Decimal(f.total) for f in scored]),
                "grades": {grade_labels[g]: sum(1 for f in scored if f.grade == g) for g in grade_labels}}

    ranked = sorted(files_with, key=lambda c: (-files_with[c], -defects[c], c))
    return {
        "round": round_view(s, r, files=False), "rubric": {"code": rubric.code, "version": rubric.version, "name": rubric.name},
        "overall": block(files),
        "agencies": [{"agency_id": a, "agency": agencies.get(a), **block(by_agency.get(a, [])),
                      "population": (r.sampling.get(str(a)) or {}).get("population")} for a in r.agency_ids],
        "officers": sorted(({"user_id": u, "name": names.get(u), **block(fs)} for u, fs in by_officer.items()),
                           key=lambda o: (o["average"] is None, -(Decimal(o["average"]) if o["average"] else 0), o["user_id"])),
        "defects": [{"code": c, "label": items[c].label if c in items else vetoes[c].label,
                     "veto": c in vetoes, "files": files_with[c], "defects": defects[c]} for c in ranked],
    }


# --- for supervision statistics (issue 16) -------------------------------------------------------------------


def scores_for_statistics(s: Session, actor: Actor, *, agency_ids: list[int] | None = None,
                          scored_from: dt.date | None = None, scored_to: dt.date | None = None) -> list[dict]:
    """Scored evaluation files in the actor's read scope (supervisors: their subtree; others: their agency),
    one dict per file: round, case, agency, total, grade, vetoes, scored_at. For the supervision statistics."""
    scope = actor.read_scope if agency_ids is None else actor.read_scope & set(agency_ids)
    if not scope:
        return []
    q = (select(EvaluationFile, EvaluationRound.name, EvaluationRound.status, Case.case_no)
         .join(EvaluationRound, EvaluationRound.id == EvaluationFile.round_id).join(Case, Case.id == EvaluationFile.case_id)
         .where(EvaluationFile.status == "scored", EvaluationFile.agency_id.in_(sorted(scope))))
    if "supervisor" not in actor.roles:
        q = q.where(EvaluationRound.status.in_(("published", "closed")))
    out = []
    for f, rname, rstatus, case_no in s.execute(q.order_by(EvaluationFile.id)).all():
        day = f.scored_at.date() if f.scored_at else None
        if (scored_from and (day is None or day < scored_from)) or (scored_to and (day is None or day > scored_to)):
            continue
        out.append({"file_id": f.id, "round_id": f.round_id, "round_name": rname, "round_status": rstatus,
                    "case_id": f.case_id, "case_no": case_no, "agency_id": f.agency_id, "total": f.total,
                    "grade": f.grade, "vetoes": list(f.vetoes or ()), "scored_at": f.scored_at})
    return out


# --- for the pages -------------------------------------------------------------------------------------------


def agencies_in_scope(s: Session, actor: Actor) -> list[dict]:
    """The agencies a supervisor may evaluate (its scope), with their closed cases: the new-round form."""
    _supervisor_scope(actor, "evaluation:agencies")
    scope = sorted(actor.read_scope)
    counts = dict(s.execute(select(Case.agency_id, func.count()).where(  # the scope's closed cases, not every agency's
        Case.agency_id.in_(scope), Case.stage.in_(CLOSED_STAGES)).group_by(Case.agency_id)).all())
    rows = s.execute(select(Agency.id, Agency.name).where(Agency.id.in_(scope)).order_by(Agency.id)).all()
    return [{"id": a, "name": n, "closed": counts.get(a, 0)} for a, n in rows]


def report_xlsx(rep: dict) -> bytes:
    """The round report as a workbook: 概况, 各机关, 各执法人员, 常见问题."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "概况"
    r = rep["round"]
    for row in (("评查活动", r["name"]), ("评查期间", f"{r['period_from']}至{r['period_to']}"), ("随机种子", r["seed"]),
                ("评查标准", f"{rep['rubric']['name']}（第{rep['rubric']['version']}版）"),
                ("抽取案卷", rep["overall"]["files"]), ("已评分", rep["overall"]["scored"]),
                ("平均分", rep["overall"]["average"] or "")):
        ws.append(list(row))
    for g, n in rep["overall"]["grades"].items():
        ws.append([g, n])
    grades = list(rep["overall"]["grades"])
    for title, head, rows in (
            ("各机关", ["机关", "已结案件", "抽取", "已评分", "平均分", *grades],
             [[a["agency"], a["population"], a["files"], a["scored"], a["average"], *a["grades"].values()] for a in rep["agencies"]]),
            ("各执法人员", ["执法人员", "案卷", "已评分", "平均分", *grades],
             [[o["name"], o["files"], o["scored"], o["average"], *o["grades"].values()] for o in rep["officers"]]),
            ("常见问题", ["项目代码", "问题", "否决项", "涉及案卷", "问题数"],
             [[d["code"], d["label"], "是" if d["veto"] else "", d["files"], d["defects"]] for d in rep["defects"]])):
        sh = wb.create_sheet(title)
        sh.append(head)
        for c in sh[1]:
            c.font = Font(bold=True)
        for row in rows:
            sh.append([Decimal(v) if isinstance(v, str) and v.replace(".", "", 1).isdigit() else v for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
