"""Shared API schemas: the one error shape, pagination, money and dates."""

from decimal import Decimal

from marshmallow import RAISE, Schema, fields, validate

import schemas.zh  # noqa: F401  (Chinese messages)

MAX_MONEY = Decimal("999999999999.99")


def Money(minimum: Decimal = Decimal("0"), **kw):
    """Decimal yuan with two places, as a string on the wire; never a float."""
    return fields.Decimal(places=2, as_string=True, allow_nan=False,
                          validate=validate.Range(min=minimum, max=MAX_MONEY), **kw)


class Strict(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class ReasonSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    article = fields.String()


class CasebookErrorSchema(Schema):
    """One error shape: a stable code for programs, a Chinese message for people, field errors."""

    code = fields.String(required=True, metadata={"example": "action_refused"})
    message = fields.String(required=True, metadata={"example": "不能执行“作出处理决定”：……"})
    errors = fields.Dict(metadata={"description": "字段错误，或 reasons：每个未通过的条件（code、message、article）"})


class PageArgs(Strict):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    after = fields.Integer(validate=validate.Range(min=0), metadata={"description": "上一页最后一条的 id（键集分页）"})


class PageMeta(Schema):
    next_after = fields.Integer(allow_none=True)
    limit = fields.Integer()
ErrorSchema = CasebookErrorSchema
