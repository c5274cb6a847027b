"""案卷评查 API (行政执法监督条例): rubrics, 双随机 rounds, the scoring view, scores, results and 整改, the report."""

from __future__ import annotations

import datetime as dt
import json

from flask import g, request

from casebook.domain.errors import ValidationFailed
from casebook.services import evaluation as svc
from casebook.web.api import Blueprint, checked_first, error_responses, roles_first
from casebook.web.tx import command, json_response, read, settings
from schemas.api.evaluation import (
    CheckRunOut,
    CorrectionOut,
    FileOut,
    MineOut,
    ReportOut,
    RoundIn,
    RoundListOut,
    RoundOut,
    RubricImportIn,
    RubricListOut,
    RubricOut,
    ScoreIn,
)

blp = Blueprint("evaluation", __name__, url_prefix="/api/v1", description="案卷评查：评查标准、双随机抽取、评分、结果反馈与整改")


def errors(*codes):
    return error_responses(blp, *codes)


def plain(data):
    """Dates, times and decimals as text: what the JSON carries."""
    return json.loads(json.dumps(data, ensure_ascii=False, default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v)))


@blp.route("/evaluation/rubrics", methods=["GET"])
@blp.response(200, RubricListOut)
@errors(401, 403)
def list_rubrics():
    """评查标准的各版本（默认标准随系统提供）"""
    return command(lambda s: ({"items": plain([svc.rubric_view(r) for r in svc.list_rubrics(s, g.actor)])}, 200, {}))


@blp.route("/evaluation/rubrics", methods=["POST"])
@roles_first("supervisor", "admin", what="evaluation:rubric:import")
@blp.arguments(RubricImportIn)
@blp.response(201, RubricOut)
@errors(401, 403, 409, 422)
def import_rubric(data):
    """导入评查标准新版本（YAML）：否决项、类别与分值、扣分、等次、音像记录事项清单"""
    return command(lambda s: (plain(svc.rubric_view(svc.import_rubric(s, g.actor, data["yaml"]))), 201, {}))


@blp.route("/evaluation/rubrics/xlsx", methods=["POST"])
@roles_first("supervisor", "admin", what="evaluation:rubric:import")
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {
    "schema": {"type": "object", "required": ["file"],
               "properties": {"file": {"type": "string", "format": "binary",
                                       "description": "评查标准（.xlsx：标准信息、否决项、评分项目、等次、音像记录事项）"}}}}}})
@blp.response(201, RubricOut)
@errors(401, 403, 409, 413, 422)
def import_rubric_xlsx(data=None):
    """导入评查标准新版本（Excel）"""
    unknown = sorted(str(k) for k in request.form) + sorted(str(k) for k in request.files if k != "file")
    if unknown:
        raise ValidationFailed("请求中有不认识的字段", code="unknown_field", errors={k[:50]: ["不认识的字段"] for k in unknown})
    f = request.files.get("file")
    if f is None:
        raise ValidationFailed("请上传评查标准 Excel 文件", code="file_missing", errors={"file": ["必填"]})
    body = f.read(5 * 1024 * 1024 + 1)
    if len(body) > 5 * 1024 * 1024:
        raise ValidationFailed("文件超过 5 MB", code="file_too_large", errors={"file": ["过大"]})
    return command(lambda s: (plain(svc.rubric_view(svc.import_rubric_xlsx(s, g.actor, body))), 201, {}))


@blp.route("/evaluation/rounds", methods=["GET"])
@blp.response(200, RoundListOut)
@errors(401, 403)
def list_rounds():
    """评查活动"""
    return read(lambda s: json_response({"items": plain([svc.round_view(s, r, files=False)
                                                         for r in svc.list_rounds(s, g.actor)])}))


@blp.route("/evaluation/rounds", methods=["POST"])
@roles_first("supervisor", what="evaluation:round:create")
@blp.arguments(RoundIn)
@blp.response(201, RoundOut)
@errors(401, 403, 404, 409, 422)
def create_round(data):
    """创建评查活动：按随机种子抽取案卷、随机抽取评查人员（回避本机关和参与办案的人员），预填自动检查结果"""
    return command(lambda s: (plain(svc.round_view(s, svc.create_round(s, g.actor, data))), 201, {}))


@blp.route("/evaluation/rounds/<id:round_id>", methods=["GET"])
@blp.response(200, RoundOut)
@errors(401, 403, 404)
def get_round(round_id):
    """评查活动及其案卷、进度"""
    return read(lambda s: json_response(plain(svc.get_round(s, g.actor, round_id))))


@blp.route("/evaluation/rounds/<id:round_id>/report", methods=["GET"])
@blp.response(200, ReportOut)
@errors(401, 403, 404)
def round_report(round_id):
    """评查报告：各机关、各执法人员得分，常见问题排序"""
    return read(lambda s: json_response(plain(svc.report(s, g.actor, round_id))))


@blp.route("/evaluation/rounds/<id:round_id>/publish", methods=["POST"])
@blp.response(200, RoundOut)
@errors(401, 403, 404, 409)
def publish_round(round_id):
    """反馈评查结果（全部评分后）：承办人员和机关负责人可见并登记整改"""
    return command(lambda s: (plain(svc.round_view(s, svc.publish_round(s, g.actor, round_id), files=False)), 200, {}))


@blp.route("/evaluation/rounds/<id:round_id>/close", methods=["POST"])
@blp.response(200, RoundOut)
@errors(401, 403, 404, 409)
def close_round(round_id):
    """结束评查活动"""
    return command(lambda s: (plain(svc.round_view(s, svc.close_round(s, g.actor, round_id), files=False)), 200, {}))


@blp.route("/evaluation/files/<id:file_id>", methods=["GET"])
@blp.response(200, FileOut)
@errors(401, 404)
def get_file(file_id):
    """评查案卷：整个案卷（文书、执法记录、证据）、自动检查结果、评分"""
    return read(lambda s: json_response(plain(svc.file_view(s, g.actor, file_id))))


@blp.route("/evaluation/files/<id:file_id>/score", methods=["POST"])
@checked_first(lambda s, actor, file_id: svc.check_scorer(s, actor, file_id))
@blp.arguments(ScoreIn)
@blp.response(200, FileOut)
@errors(401, 403, 404, 409, 422)
def score_file(data, file_id):
    """评分：确认或改变（说明理由）自动检查结果，逐项填写问题数和意见，计算得分和等次"""
    return command(lambda s: (plain(svc.file_view(s, g.actor, svc.score_file(s, g.actor, file_id, data).id)), 200, {}))


@blp.route("/evaluation/mine", methods=["GET"])
@blp.response(200, MineOut)
@errors(401)
def my_files():
    """我的评查：待我评分的案卷；我承办案件（负责人：本机关案件）的评查结果"""
    return read(lambda s: json_response(plain(svc.my_files(s, g.actor))))


@blp.route("/evaluation/files/<id:file_id>/corrections", methods=["POST"])
@checked_first(lambda s, actor, file_id: svc.check_corrector(s, actor, file_id))
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {
    "schema": {"type": "object", "required": ["description", "recorded_on"],
               "properties": {"description": {"type": "string", "description": "整改情况"},
                              "recorded_on": {"type": "string", "format": "date", "description": "整改日期"},
                              "file": {"type": "string", "format": "binary", "description": "整改材料"}}}}}})
@blp.response(201, CorrectionOut)
@errors(401, 403, 404, 409, 413, 422)
def record_correction(file_id):
    """登记整改（承办人员或本机关负责人），附整改材料"""
    unknown = sorted(str(k) for k in request.form if k not in ("description", "recorded_on"))
    unknown += sorted(str(k) for k in request.files if k != "file")
    if unknown:
        raise ValidationFailed("请求中有不认识的字段", code="unknown_field", errors={k[:50]: ["不认识的字段"] for k in unknown})
    description = request.form.get("description", "")
    if len(description) > 10000 or "\x00" in description:
        raise ValidationFailed("整改情况过长或含有不允许的字符", code="description_invalid", errors={"description": ["有误"]})
    try:
        recorded_on = dt.date.fromisoformat(request.form.get("recorded_on", ""))
    except ValueError:
        raise ValidationFailed("整改日期须为 YYYY-MM-DD", code="date_invalid", errors={"recorded_on": ["不是日期"]}) from None
    upload = request.files.get("file")
    if upload is not None and not upload.filename:
        raise ValidationFailed("上传的文件缺少文件名", code="file_name_missing", errors={"file": ["缺少文件名"]})

    def run(s):
        c = svc.record_correction(s, g.actor, file_id, description=description, recorded_on=recorded_on,
                                  upload=upload.stream if upload else None, filename=upload.filename if upload else None,
                                  settings=settings())
        return plain(svc.correction_view(c, {})), 201, {}

    return command(run)


@blp.route("/cases/<id:case_id>/evaluation-checks", methods=["GET"])
@blp.response(200, CheckRunOut)
@errors(401, 404, 409)
def case_checks(case_id):
    """已结案件的案卷自动检查结果（最近一次；没有则现在检查）"""
    return command(lambda s: (plain(svc.case_checks(s, g.actor, case_id)), 200, {}))


@blp.route("/cases/<id:case_id>/evaluation-checks", methods=["POST"])
@blp.response(201, CheckRunOut)
@errors(401, 403, 404, 409)
def run_case_checks(case_id):
    """重新进行案卷自动检查"""
    return command(lambda s: (plain(svc.case_checks(s, g.actor, case_id, run=True)), 201, {}))
