"""One error shape for every failure: {"code", "message", "errors"}; domain errors mapped in one place."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from casebook.domain.errors import DomainError, StaleVersion
from schemas.zh import UNKNOWN_FIELD

log = logging.getLogger("casebook.web")

HTTP_MESSAGES = {
    400: ("bad_request", "请求格式错误"),
    401: ("unauthorized", "未登录或令牌无效"),
    403: ("forbidden", "无权执行此操作"),
    404: ("not_found", "未找到该资源"),
    405: ("method_not_allowed", "不支持该请求方法"),
    406: ("not_acceptable", "无法提供所请求的格式"),
    409: ("conflict", "操作与当前状态冲突"),
    412: ("precondition_failed", "记录已被他人修改，请刷新后重试"),
    413: ("payload_too_large", "请求内容超过大小上限"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    422: ("validation_failed", "输入数据有误"),
    428: ("precondition_required", "修改案件须携带 If-Match 请求头（案件的 ETag）"),
    429: ("too_many_requests", "请求过于频繁"),
    500: ("internal_error", "服务器内部错误"),
}


def error_response(status: int, code: str | None = None, message: str | None = None, errors: dict | None = None):
    dcode, dmsg = HTTP_MESSAGES.get(status, ("error", "请求失败"))
    body = {"code": code or dcode, "message": message or dmsg}
    if errors:
        body["errors"] = errors
    resp = jsonify(body)
    resp.status_code = status
    return resp


def http_error(e: HTTPException):
    """Map werkzeug/webargs HTTP errors (including marshmallow field errors) to the one shape."""
    status = e.code or 500
    errors = None
    data = getattr(e, "data", None) or {}
    messages = data.get("messages")
    if messages:
        # webargs nests by location: {"json": {...}}; flatten the single-location case.
        errors = next(iter(messages.values())) if len(messages) == 1 else messages
    code, message = HTTP_MESSAGES.get(status, ("error", "请求失败"))
    if status == 400 and ("JSON" in str(getattr(e, "description", "")) or "Invalid JSON body." in str(errors)):
        code, message, errors = "malformed_json", "请求体不是合法的 JSON", None
    if status == 422 and errors:
        if isinstance(errors, dict) and "_schema" in errors:
            message = "；".join(str(x) for x in errors["_schema"])
        unknown = [k for k, v in errors.items() if v == [UNKNOWN_FIELD]] if isinstance(errors, dict) else []
        if unknown:
            code = "unknown_field"
            message = "请求包含未定义的字段：" + "、".join(unknown)
    return error_response(status, code, message, errors)


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(e: DomainError):
        resp = error_response(e.http_status, e.code, e.message, e.errors or None)
        for k, v in (getattr(e, "headers", None) or {}).items():
            resp.headers[k] = v
        return resp

    @app.errorhandler(StaleDataError)
    def _stale(e):
        return error_response(409, StaleVersion.code, StaleVersion.message)

    @app.errorhandler(Exception)
    def _bug(e: Exception):
        if isinstance(e, HTTPException):
            return http_error(e)
        log.exception("unhandled error")
        return error_response(500)
