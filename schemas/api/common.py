"""Shared API schemas: the one error shape, pagination, money and dates."""

import datetime as dt
from decimal import Decimal

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate, validates_schema

import schemas.zh  # noqa: F401  (Chinese messages)
from casebook.domain.text import forbidden_character

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


# No date the product records can lie before the founding of the PRC (the legal order it applies):
# 0001-01-01 is a typing accident, not a fact. Dates in the future are each act's guard (date_in_future).
EARLIEST_DATE = dt.date(1949, 10, 1)


def _text_problems(value, path: str, out: dict) -> None:
    if isinstance(value, str):
        bad = forbidden_character(value)
        if bad:
            out.setdefault(path or "_schema", []).append(f"含有不允许的控制字符或文字方向控制字符（{bad}）")
    elif isinstance(value, dict):
        for k, v in value.items():
            _text_problems(k, path, out)
            _text_problems(v, str(k) if not path else f"{path}.{k}", out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _text_problems(v, f"{path}.{i}" if path else str(i), out)


def _date_problem(value, earliest: dt.date = EARLIEST_DATE) -> str | None:
    d = value.date() if isinstance(value, dt.datetime) else value
    if isinstance(d, dt.date) and d < earliest:
        return f"日期不得早于{earliest.isoformat()}"
    return None


class Strict(Schema):
    """Base of every API schema: unknown fields refused; no control or bidi-override characters in any text;
    no Date/DateTime before EARLIEST_DATE."""

    class Meta:
        unknown = RAISE
        ordered = True

    @pre_load
    def _no_control_characters(self, data, **kw):
        problems: dict = {}
        _text_problems(data, "", problems)
        if problems:
            raise ValidationError(problems)
        return data

    @validates_schema
    def _plausible_dates(self, data, **kw):
        problems = {}
        for name, f in self.load_fields.items():
            value = data.get(f.attribute or name)
            inner = f.inner if isinstance(f, fields.List) else f
            if value is None or not isinstance(inner, fields.Date | fields.DateTime):
                continue
            for v in value if isinstance(value, list) else [value]:
                # a birth date may lie before 1949 (metadata "earliest": 1900-01-01, GB 11643's earliest)
                if msg := _date_problem(v, inner.metadata.get("earliest", EARLIEST_DATE)):
                    problems[f.data_key or name] = [msg]
        if problems:
            raise ValidationError(problems)


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
