"""案卷评查 API: rubric import, 双随机 rounds, scoring, results and 整改."""

from marshmallow import fields, validate, validates_schema
from marshmallow.exceptions import ValidationError

from .common import MAX_ID, Strict


def _text(n: int, **kw):
    return fields.String(validate=validate.Length(min=1, max=n), **kw)


class RubricImportIn(Strict):
    yaml = fields.String(required=True, validate=validate.Length(min=1, max=200_000),
                         metadata={"description": "评查标准（YAML 文本，格式见 docs/evaluation.md）"})


class RoundIn(Strict):
    name = _text(200, required=True, metadata={"description": "评查活动名称"})
    period_from = fields.Date(required=True, metadata={"description": "结案日期自"})
    period_to = fields.Date(required=True, metadata={"description": "结案日期至"})
    agency_ids = fields.List(fields.Integer(validate=validate.Range(min=1, max=MAX_ID)), required=True,
                             validate=validate.Length(min=1, max=200), metadata={"description": "被评查机关"})
    sample_size = fields.Integer(validate=validate.Range(min=1, max=1000),
                                 metadata={"description": "每个机关抽取的案卷数（与抽取比例二选一）"})
    sample_percent = fields.Integer(validate=validate.Range(min=1, max=100),
                                    metadata={"description": "每个机关抽取已结案件的百分比，向上取整，至少一件"})
    seed = fields.String(validate=validate.Regexp(r"^[0-9A-Za-z_-]{1,64}$"),
                         metadata={"description": "随机种子（不填则随机生成并记录），用同一种子可复现抽取结果"})
    pool_ids = fields.List(fields.Integer(validate=validate.Range(min=1, max=MAX_ID)), validate=validate.Length(max=1000),
                           metadata={"description": "评查人员库（不填则为监督范围内的执法、法制审核和监督人员）"})

    @validates_schema
    def _one_size(self, data, **kw):
        if ("sample_size" in data) == ("sample_percent" in data):
            raise ValidationError("抽取数量与抽取比例须填写且只填写其一", "sample_size")


class EntryIn(Strict):
    defects = fields.Integer(required=True, validate=validate.Range(min=0, max=100),
                             metadata={"description": "问题数（否决项：1 为成立，0 为不成立）"})
    reason = fields.String(validate=validate.Length(max=2000), metadata={"description": "改变自动检查结果的理由"})
    comment = fields.String(validate=validate.Length(max=2000), metadata={"description": "评查意见"})


class ScoreIn(Strict):
    entries = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=40)), values=fields.Nested(EntryIn),
                          load_default=dict, metadata={"description": "项目代码 → 问题数、理由、意见"})
    comment = fields.String(validate=validate.Length(max=5000), metadata={"description": "总体评查意见"})


class RubricOut(Strict):
    id = fields.Integer()
    code = fields.String()
    version = fields.Integer()
    name = fields.String()
    basis = fields.String()
    effective_from = fields.String()
    effective_to = fields.String(allow_none=True)
    sha256 = fields.String()
    vetoes = fields.List(fields.Dict())
    categories = fields.List(fields.Dict())
    grades = fields.List(fields.Dict())
    recorded_acts = fields.Dict(metadata={"description": "音像记录事项清单"})


class RubricListOut(Strict):
    items = fields.List(fields.Nested(RubricOut))


class RoundOut(Strict):
    id = fields.Integer()
    name = fields.String()
    status = fields.String(metadata={"description": "scoring 评查中、published 已反馈结果、closed 已结束"})
    status_label = fields.String()
    period_from = fields.String()
    period_to = fields.String()
    agency_ids = fields.List(fields.Integer())
    agencies = fields.Dict()
    sample_size = fields.Integer(allow_none=True)
    sample_percent = fields.Integer(allow_none=True)
    seed = fields.String(metadata={"description": "随机种子：用它可复现抽取"})
    pool_ids = fields.List(fields.Integer())
    sampling = fields.Dict(metadata={"description": "各机关：已结案件数、抽取数"})
    rubric_id = fields.Integer()
    created_at = fields.String()
    published_at = fields.String(allow_none=True)
    closed_at = fields.String(allow_none=True)
    progress = fields.Dict()
    files = fields.List(fields.Dict())


class RoundListOut(Strict):
    items = fields.List(fields.Nested(RoundOut))


class ReportOut(Strict):
    round = fields.Nested(RoundOut)
    rubric = fields.Dict()
    overall = fields.Dict()
    agencies = fields.List(fields.Dict())
    officers = fields.List(fields.Dict())
    defects = fields.List(fields.Dict(), metadata={"description": "常见问题，按涉及案卷数排序"})


class FileOut(Strict):
    id = fields.Integer()
    round_id = fields.Integer()
    round_name = fields.String()
    round_status = fields.String()
    relation = fields.String(metadata={"description": "evaluator 评查人员、supervisor 监督人员、handler 承办人员或负责人"})
    status = fields.String()
    status_label = fields.String()
    evaluator_id = fields.Integer()
    evaluator = fields.String(allow_none=True)
    entries = fields.Dict()
    vetoes = fields.List(fields.String())
    result = fields.Dict(allow_none=True)
    total = fields.String(allow_none=True)
    grade = fields.String(allow_none=True)
    grade_label = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)
    scored_at = fields.String(allow_none=True)
    case = fields.Dict()
    rubric = fields.Dict()
    checks = fields.Dict(allow_none=True)
    corrections = fields.List(fields.Dict())
    documents = fields.List(fields.Dict())
    evidence = fields.List(fields.Dict())
    trail = fields.List(fields.Dict())


class MineOut(Strict):
    to_score = fields.List(fields.Dict())
    results = fields.List(fields.Dict())


class CorrectionOut(Strict):
    id = fields.Integer()
    file_id = fields.Integer()
    recorded_by = fields.Integer()
    recorded_by_name = fields.String(allow_none=True)
    recorded_on = fields.String()
    description = fields.String()
    evidence_name = fields.String(allow_none=True)
    evidence_sha256 = fields.String(allow_none=True)
    evidence_size = fields.Integer(allow_none=True)
    created_at = fields.String()


class CheckRunOut(Strict):
    id = fields.Integer()
    case_id = fields.Integer()
    trigger = fields.String()
    run_at = fields.String()
    failed = fields.Integer()
    rubric = fields.Dict()
    results = fields.List(fields.Dict())
