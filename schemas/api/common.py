"""Shared API schemas: the one error shape, pagination, money and dates."""

from decimal import Decimal

from marshmallow import RAISE, Schema, ValidationError, fields, validate

import schemas.zh  # noqa: F401  (Chinese messages)

MAX_MONEY = Decimal("999999999999.99")
MAX_ID = 2**31 - 1  # the smallest key column (INTEGER on PostgreSQL)
MONEY_PATTERN = r"^\d{1,12}(\.\d{1,2})?$"


def _money_range(minimum: Decimal):
    def check(value: Decimal) -> None:
        if value < minimum or value > MAX_MONEY:
            raise ValidationError(f"金额须在{minimum}元至{MAX_MONEY}元之间")
    return check


def Money(minimum: Decimal = Decimal("0"), **kw):
    """Decimal yuan with two places, as a string on the wire ("5000.00"), documented as such; never a float."""
    metadata = {"type": "string", "format": "decimal", "pattern": MONEY_PATTERN, "example": "5000.00",
                **kw.pop("metadata", {})}
    return fields.Decimal(places=2, as_string=True, allow_nan=False, validate=_money_range(minimum), metadata=metadata, **kw)


def Id(**kw):
    """A database id: positive and within every key column's range."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), **kw)


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
    after = fields.Integer(validate=validate.Range(min=0, max=MAX_ID), metadata={"description": "上一页最后一条的 id（键集分页）"})


class PageMeta(Schema):
    next_after = fields.Integer(allow_none=True)
    limit = fields.Integer()
ErrorSchema = CasebookErrorSchema
