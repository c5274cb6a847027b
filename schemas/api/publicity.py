"""Publicity (公示) staff API: the publication queue, the side-by-side preview and the publication acts."""

from marshmallow import fields, validate

from casebook.domain.publicity import SYSTEMS
from casebook.domain.vocabulary import EXCLUSION_REASONS, REMEDY_KINDS, REMEDY_OUTCOMES
from casebook.domain.vocabulary import PUBLICATION_STATUSES as STATUS_LABELS

from .common import PageArgs, Strict


def _text(n: int, **kw):
    return fields.String(validate=validate.Length(min=1, max=n), **kw)


class PublicationListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(list(STATUS_LABELS)),
                           metadata={"description": "draft 待公示、published 公示中、withdrawn 已撤回、expired 公示期满、"
                                                    "removed 已提前停止公示、excluded 不予公开、not_published 依规定不公示"})


class PublicationOut(Strict):
    id = fields.Integer()
    case_id = fields.Integer()
    status = fields.String()
    status_label = fields.String()
    system = fields.String()
    reason = fields.String(allow_none=True)
    document_no = fields.String(allow_none=True)
    party_name = fields.String()
    violation_type = fields.String()
    decided_on = fields.String()
    due_on = fields.String(allow_none=True, metadata={"description": "公示期限（工作日计算的到期日）"})
    published_on = fields.String(allow_none=True)
    display_until = fields.String(allow_none=True)
    ended_on = fields.String(allow_none=True)
    third_party_names = fields.List(fields.String())
    ban_months = fields.Integer(allow_none=True)


class PublicationListOut(Strict):
    items = fields.List(fields.Nested(PublicationOut))
    page = fields.Dict()


class PreviewOut(Strict):
    record = fields.Nested(PublicationOut)
    original = fields.Dict(metadata={"description": "决定的信息摘要原文（仅本机关可见）"})
    published = fields.Dict(metadata={"description": "公众将看到的内容（已去除个人信息）"})


class DraftIn(Strict):
    third_party_names = fields.List(_text(50), validate=validate.Length(max=50),
                                    metadata={"description": "违法事实中出现的当事人以外的自然人姓名，公示时遮蔽"})
    ban_months = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=600),
                                metadata={"description": "禁止或者限制期限（月），超过三年的公示期与之相同"})


class PublishIn(Strict):
    pass


class ExcludeIn(Strict):
    reason_code = fields.String(required=True, validate=validate.OneOf(list(EXCLUSION_REASONS)))
    reason = _text(2000, required=True)


class WithdrawIn(Strict):
    reason = _text(2000, required=True)


class RemovalIn(Strict):
    applied_on = fields.Date(required=True)
    performed = fields.Boolean(required=True)
    harm_removed = fields.Boolean(required=True)
    no_repeat = fields.Boolean(required=True)
    not_listed = fields.Boolean(required=True)
    note = fields.String(validate=validate.Length(max=2000))


class RemedyOutcomeIn(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(list(REMEDY_KINDS)))
    outcome = fields.String(required=True, validate=validate.OneOf(list(REMEDY_OUTCOMES)))
    decided_on = fields.Date(required=True)
    authority = _text(200, required=True)
    document_no = fields.String(validate=validate.Length(max=100))
    summary = fields.String(validate=validate.Length(max=5000))


class RemedyOutcomeOut(Strict):
    id = fields.Integer()
    case_id = fields.Integer()
    kind = fields.String()
    outcome = fields.String()
    decided_on = fields.Date()
    authority = fields.String()
    document_no = fields.String(allow_none=True)


class AgencySystemIn(Strict):
    system = fields.String(required=True, validate=validate.OneOf(list(SYSTEMS)),
                           metadata={"description": "market_regulation 市场监管、comprehensive 综合行政执法、ecology_environment 生态环境"})


class AgencySystemOut(Strict):
    id = fields.Integer()
    name = fields.String()
    publication_system = fields.String()
