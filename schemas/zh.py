"""Chinese validation messages for marshmallow: everything a person reads in the product is zh-CN."""

from marshmallow import Schema, fields, validate

UNKNOWN_FIELD = "未定义的字段"

_FIELD_MESSAGES = {
    fields.Field: {"required": "必填项", "null": "不能为空值", "validator_failed": "取值无效"},
    fields.Boolean: {"invalid": "不是有效的布尔值"},
    fields.Date: {"invalid": "不是有效的日期（格式 YYYY-MM-DD）", "format": "无法格式化为日期"},
    fields.DateTime: {"invalid": "不是有效的时间（ISO 8601）", "invalid_awareness": "时间须带时区（如 +08:00）",
                      "format": "无法格式化为时间"},
    fields.Decimal: {"special": "不允许 NaN 或无穷大"},
    fields.Number: {"invalid": "不是有效的数字", "too_large": "数值过大"},
    fields.Integer: {"invalid": "不是有效的整数"},
    fields.List: {"invalid": "应为列表"},
    fields.Mapping: {"invalid": "应为对象"},
    fields.Nested: {"type": "类型无效"},
    fields.String: {"invalid": "应为字符串", "invalid_utf8": "不是有效的 UTF-8 字符串"},
}


def install() -> None:
    """Replace marshmallow's English defaults with Chinese ones (idempotent)."""
    for cls, msgs in _FIELD_MESSAGES.items():
        merged = dict(cls.__dict__.get("default_error_messages", {}))
        merged.update(msgs)
        cls.default_error_messages = merged
    for cls in (fields.AwareDateTime, fields.NaiveDateTime):
        cls.default_error_messages = {**cls.__dict__.get("default_error_messages", {}), **_FIELD_MESSAGES[fields.DateTime]}
    # A document's times are local (北京时间) and carry no zone: the message says so, not the opposite.
    fields.NaiveDateTime.default_error_messages["invalid_awareness"] = "时间不带时区，按北京时间填写（如 2026-03-24T09:00:00）"
    Schema._default_error_messages = {"type": "输入类型无效，应为 JSON 对象", "unknown": UNKNOWN_FIELD}
    validate.Length.message_min = "长度不能少于 {min}"
    validate.Length.message_max = "长度不能超过 {max}"
    validate.Length.message_all = "长度须在 {min} 至 {max} 之间"
    validate.Length.message_equal = "长度须为 {equal}"
    validate.Range.message_min = "须{min_op} {{min}}"
    validate.Range.message_max = "须{max_op} {{max}}"
    validate.Range.message_all = "须{min_op} {{min}} 且{max_op} {{max}}"
    validate.Range.message_gte = "大于或等于"
    validate.Range.message_gt = "大于"
    validate.Range.message_lte = "小于或等于"
    validate.Range.message_lt = "小于"
    validate.OneOf.default_message = "须为以下之一：{choices}"
    validate.Regexp.default_message = "格式不正确"


install()
