"""Run one command per request in one transaction, with Idempotency-Key replay and ETags."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import partial

from flask import Response, current_app, g, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casebook.domain.errors import DomainError, StaleVersion
from casebook.services import idempotency
from casebook.web.auth import READ_SESSION, REQUEST_SESSION


class IdempotencyKeyReused(DomainError):
    http_status = 422
    code = "idempotency_key_reused"
    message = "该 Idempotency-Key 已用于另一个不同的请求"


class PreconditionRequired(DomainError):
    http_status = 428
    code = "precondition_required"
    message = "修改须携带 If-Match 请求头（取自 GET 返回的 ETag），以免覆盖他人的修改"


def session_factory():
    return current_app.extensions["casebook"]["sessions"]


def read_session_factory():
    return current_app.extensions["casebook"]["read_sessions"]


def settings():
    return current_app.extensions["casebook"]["settings"]


def etag_for(version: int) -> str:
    return f'"{version}"'


def if_match_version(required: bool = True) -> int | None:
    """Read the expected version from If-Match; a missing header is 428 where writes need it."""
    raw = request.headers.get("If-Match")
    if raw is None:
        if required:
            raise PreconditionRequired()
        return None
    raw = raw.strip()
    if raw.startswith("W/"):
        raw = raw[2:]
    raw = raw.strip('"')
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        raise StaleVersion("If-Match 的值不是本系统签发的 ETag")
    return int(raw)


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    resp = current_app.response_class(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def keyset_page(rows: list, limit: int, schema=None) -> Response:
    """Answer one page of a keyset list: the service was asked for limit + 1 rows; an extra row means more.

    Without a schema the rows are already the items' dicts (the case list dumps its own)."""
    items = schema.dump(rows[:limit]) if schema is not None else rows[:limit]
    more = len(rows) > limit
    return json_response({"items": items, "page": {"limit": limit, "next_after": items[-1]["id"] if more else None}})


def read(fn: Callable[[Session], Response]) -> Response:
    """Run a read in the session authentication already opened for this request (one pool checkout), or a new one."""
    shared = g.get(REQUEST_SESSION)
    if shared is not None:  # PostgreSQL, a request that may write: its one session (closed by command or teardown)
        return fn(shared)
    s = g.pop(READ_SESSION, None)
    with s if s is not None else read_session_factory()() as s:
        return fn(s)


def request_fingerprint() -> str:
    """Hash what a request asks for: the body, or for a multipart upload its fields and file contents."""
    h = hashlib.sha256(request.method.encode() + request.path.encode() + b"\n")
    if request.mimetype == "multipart/form-data":
        for k in sorted(request.form, key=str):  # a part without a name is keyed None by werkzeug
            h.update(f"{k}={request.form[k]}\n".encode())
        for k in sorted(request.files, key=str):
            stream = request.files[k].stream
            pos = stream.tell()
            for chunk in iter(partial(stream.read, 1 << 20), b""):
                h.update(chunk)
            stream.seek(pos)
    else:
        h.update(request.get_data())
    return h.hexdigest()


def command(fn: Callable[[Session], tuple[dict, int, dict]]) -> Response:
    """Run `fn` in one transaction; with an Idempotency-Key a retry gets the first response and writes nothing."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (1 <= len(key) <= 100):
        raise DomainError("Idempotency-Key 长度须为1至100个字符", code="invalid_idempotency_key")
    actor = g.actor
    req_hash = request_fingerprint() if key is not None else None  # only a replay compares it
    factory = session_factory()

    def replay(s: Session) -> Response | None:
        rec = idempotency.find(s, actor.user_id, key)
        if rec is None:
            return None
        if rec.request_hash != req_hash:
            raise IdempotencyKeyReused()
        resp = current_app.response_class(rec.response_body, status=rec.status_code, mimetype="application/json")
        for k, v in (rec.headers or {}).items():
            resp.headers[k] = v
        resp.headers["Idempotent-Replayed"] = "true"
        return resp

    # PostgreSQL: the session the request authenticated in (its transaction begun by that read), else a new one.
    shared = g.pop(REQUEST_SESSION, None)
    try:
        with shared if shared is not None else factory() as s:
            if not s.in_transaction():
                s.begin()
            try:
                if key is not None and (hit := replay(s)) is not None:
                    s.rollback()
                    return hit
                body, status, headers = fn(s)
                text = json.dumps(body, ensure_ascii=False)
                if key is not None:
                    idempotency.save(s, actor.user_id, key, req_hash, status, text, headers)
            except BaseException:
                s.rollback()
                raise
            s.commit()
    except IntegrityError:
        if key is None:
            raise
        with factory() as s:  # a concurrent request with the same key won the race: answer as it did
            hit = replay(s)
            if hit is None:
                raise
            return hit
    resp = current_app.response_class(text, status=status, mimetype="application/json")
    for k, v in headers.items():
        resp.headers[k] = v
    return resp
