"""案卷评查 pages: the supervisor's rounds (new round with sampling), the round with its report (PDF, XLSX), the
scoring page (the whole file in one view, the auto-checks pre-filled), and my evaluations (results and 整改)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for

from casebook.domain.errors import DomainError
from casebook.services import evaluation as svc
from casebook.services.context import local_today
from casebook.web.permission import checked_first, reraise_refusal, roles_first

from .shell import install_errors, page, reading, settings, write

blp = Blueprint("ui_eval", __name__, url_prefix="/evaluation")
install_errors(blp)

GRADE_TONES = {"excellent": "green", "good": "blue", "pass": "orange", "fail": "red"}


def _flash_error(e: DomainError) -> None:
    reraise_refusal(e)
    detail = "；".join(str(m) for v in (e.errors or {}).values() for m in (v if isinstance(v, list) else [v]))
    flash(e.message + (f"（{detail}）" if detail and detail not in e.message else ""), "error")


@blp.route("/rounds")
def rounds():
    with reading() as s:
        rows = [svc.round_view(s, r, files=False) for r in svc.list_rounds(s, g.actor)]
        agencies = svc.agencies_in_scope(s, g.actor)
        today = local_today()
        return page("eval_rounds.html", s=s, rows=rows, agencies=agencies, form=request.args,
                    default_from=today.replace(month=1, day=1).isoformat(), default_to=today.isoformat(),
                    crumbs=[("案卷评查", None), ("评查活动", None)])


@blp.route("/rounds", methods=["POST"])
@roles_first("supervisor", what="evaluation:round:create")
def create_round():
    f = request.form
    try:
        data = {"name": (f.get("name") or "").strip(), "agency_ids": [int(a) for a in f.getlist("agency_ids") if a.isdigit()],
                "period_from": dt.date.fromisoformat(f.get("period_from", "")),
                "period_to": dt.date.fromisoformat(f.get("period_to", ""))}
        if not data["name"]:
            raise DomainError("请填写评查活动名称", code="name_required")
        if not data["agency_ids"]:
            raise DomainError("请至少选择一个被评查机关", code="agencies_required")
        n = (f.get("sample_value") or "").strip()
        if not n.isdigit() or not 1 <= int(n) <= (100 if f.get("sample_mode") == "percent" else 1000):
            raise DomainError("抽取数量须为1至1000的整数，抽取比例须为1至100", code="sample_invalid")
        data["sample_percent" if f.get("sample_mode") == "percent" else "sample_size"] = int(n)
        seed = (f.get("seed") or "").strip()
        if seed:
            if not seed.replace("-", "").replace("_", "").isalnum() or not seed.isascii() or len(seed) > 64:
                raise DomainError("随机种子只能包含字母、数字、- 和 _，最长64个字符", code="seed_invalid")
            data["seed"] = seed
    except ValueError:
        flash("评查期间须为有效日期", "error")
        return redirect(url_for("ui_eval.rounds"))
    except DomainError as e:
        _flash_error(e)
        return redirect(url_for("ui_eval.rounds"))
    try:
        rid = write(lambda s: svc.create_round(s, g.actor, data).id)
    except DomainError as e:
        _flash_error(e)
        return redirect(url_for("ui_eval.rounds"))
    flash("评查活动已创建：案卷与评查人员已随机抽取，自动检查结果已预填", "success")
    return redirect(url_for("ui_eval.round_page", round_id=rid))


@blp.route("/rounds/<int:round_id>")
def round_page(round_id: int):
    with reading() as s:
        rnd = svc.get_round(s, g.actor, round_id)
        rep = svc.report(s, g.actor, round_id)
        return page("eval_round.html", s=s, rnd=rnd, rep=rep, tones=GRADE_TONES,
                    crumbs=[("案卷评查", None), ("评查活动", url_for("ui_eval.rounds")), (rnd["name"], None)])


@blp.route("/rounds/<int:round_id>/<any(publish, close):what>", methods=["POST"])
def round_act(round_id: int, what: str):
    try:
        if what == "publish":
            write(lambda s: svc.publish_round(s, g.actor, round_id))
            flash("评查结果已反馈承办人员和机关负责人", "success")
        else:
            write(lambda s: svc.close_round(s, g.actor, round_id))
            flash("评查活动已结束", "success")
    except DomainError as e:
        _flash_error(e)
    return redirect(url_for("ui_eval.round_page", round_id=round_id))


@blp.route("/rounds/<int:round_id>/report.<any(pdf, xlsx):fmt>")
def report_file(round_id: int, fmt: str):
    with reading() as s:
        rep = svc.report(s, g.actor, round_id)
    name = f"evaluation-report-{round_id}.{fmt}"
    if fmt == "xlsx":
        return Response(svc.report_xlsx(rep), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
    from weasyprint import HTML

    html = render_template("eval_report_pdf.html", rep=rep)
    pdf = HTML(string=html).write_pdf()
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@blp.route("/files/<int:file_id>")
def file_page(file_id: int):
    with reading() as s:
        f = svc.file_view(s, g.actor, file_id)
        crumbs = [("案卷评查", None)]
        if f["relation"] == "supervisor":
            crumbs.append(("评查活动", url_for("ui_eval.round_page", round_id=f["round_id"])))
        else:
            crumbs.append(("我的评查", url_for("ui_eval.mine")))
        crumbs.append((f["case"]["case_no"] or f"案件{f['case']['id']}", None))
        return page("eval_file.html", s=s, f=f, tones=GRADE_TONES, today=local_today().isoformat(), crumbs=crumbs)


@blp.route("/files/<int:file_id>/score", methods=["POST"])
@checked_first(lambda s, actor, file_id: svc.check_scorer(s, actor, file_id))
def score(file_id: int):
    form = request.form
    entries = {}
    for key in form:
        if key.startswith("defects."):
            code = key.split(".", 1)[1]
            raw = form.get(key, "").strip()
            if not raw.isdigit():
                flash("问题数须为0至100的整数", "error")
                return redirect(url_for("ui_eval.file_page", file_id=file_id))
            entries[code] = {"defects": int(raw), "reason": (form.get(f"reason.{code}") or "").strip()[:2000],
                             "comment": (form.get(f"comment.{code}") or "").strip()[:2000]}
    try:
        write(lambda s: svc.score_file(s, g.actor, file_id, {"entries": entries, "comment": (form.get("comment") or "")[:5000]}))
        flash("评分已保存：得分和等次已按评查标准计算", "success")
    except DomainError as e:
        _flash_error(e)
    return redirect(url_for("ui_eval.file_page", file_id=file_id))


@blp.route("/files/<int:file_id>/corrections", methods=["POST"])
@checked_first(lambda s, actor, file_id: svc.check_corrector(s, actor, file_id))
def correction(file_id: int):
    form = request.form
    upload = request.files.get("file")
    if upload is not None and not upload.filename:
        upload = None
    try:
        on = dt.date.fromisoformat(form.get("recorded_on", ""))
    except ValueError:
        flash("整改日期须为有效日期", "error")
        return redirect(url_for("ui_eval.file_page", file_id=file_id))
    try:
        write(lambda s: svc.record_correction(s, g.actor, file_id, description=(form.get("description") or "")[:10000],
                                              recorded_on=on, upload=upload.stream if upload else None,
                                              filename=upload.filename if upload else None, settings=settings()))
        flash("整改情况已登记", "success")
    except DomainError as e:
        _flash_error(e)
    return redirect(url_for("ui_eval.file_page", file_id=file_id))


@blp.route("/mine")
def mine():
    with reading() as s:
        data = svc.my_files(s, g.actor)
        return page("eval_mine.html", s=s, data=data, tones=GRADE_TONES, crumbs=[("案卷评查", None), ("我的评查", None)])
