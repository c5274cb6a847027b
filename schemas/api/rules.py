"""API schemas for the rules catalogue and the rule checks."""

from marshmallow import fields, validate

from casebook.domain.rules.model import CIRCUMSTANCES, FACTS, KINDS

from .common import MAX_ID, Money, Strict


class CatalogueVersionOut(Strict):
    id = fields.Integer()
    code = fields.String()
    kind = fields.String(metadata={"enum": list(KINDS)})
    name = fields.String()
    issuer = fields.String()
    document_no = fields.String()
    version = fields.Integer()
    effective_from = fields.Date()
    effective_to = fields.Date(allow_none=True)
    sha256 = fields.String()
    imported_at = fields.DateTime()


class ItemSearchArgs(Strict):
    q = fields.String(validate=validate.Length(min=1, max=100))
    field = fields.String(validate=validate.Length(min=1, max=50))
    on = fields.Date(metadata={"description": "查询该日施行的目录（默认今天）"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class RuleFactsIn(Strict):
    illegal_gains = Money(allow_none=True)
    goods_value = Money(allow_none=True)
    sales_amount = Money(allow_none=True)
    turnover = Money(allow_none=True)
    advertising_fee = Money(allow_none=True)


Circumstances = lambda: fields.List(fields.String(validate=validate.OneOf(list(CIRCUMSTANCES))), load_default=list,  # noqa: E731
                                    validate=validate.Length(max=30))


class BenchmarkIn(Strict):
    item = fields.String(required=True, validate=validate.Length(min=1, max=60))
    facts = fields.Nested(RuleFactsIn, load_default=dict)
    uncomputable = fields.Dict(keys=fields.String(validate=validate.OneOf(list(FACTS))),
                               values=fields.String(validate=validate.Length(min=1, max=2000)),
                               load_default=dict, validate=validate.Length(max=5), metadata={
        "description": "经调查无法计算的事实及理由：{事实: 理由}；事项规定了无法计算时的幅度的，按该幅度确定（行政处罚法第四十条）"})
    circumstances = Circumstances()
    proposed_fine = Money(allow_none=True)
    on = fields.Date()


class ExemptionIn(Strict):
    item = fields.String(required=True, validate=validate.Length(min=1, max=60))
    party_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID), allow_none=True)
    facts = fields.Nested(RuleFactsIn, load_default=dict)
    circumstances = Circumstances()
    on = fields.Date()


class ThresholdIn(Strict):
    facts = fields.Nested(RuleFactsIn, load_default=dict)
    circumstances = Circumstances()
    party_kind = fields.String(validate=validate.OneOf(["person", "organization"]), allow_none=True)
    party_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID), allow_none=True)
    violation_code = fields.String(validate=validate.Length(min=1, max=60), allow_none=True)
    on = fields.Date()


class CatalogueUploadForm(Strict):
    file = fields.Raw(metadata={"type": "string", "format": "binary"})


class DiffOut(Strict):
    added = fields.List(fields.String())
    removed = fields.List(fields.String())
    changed = fields.List(fields.String())
