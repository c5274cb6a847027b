"""The Flask application factory."""

from __future__ import annotations

import logging

from flask import Flask, request
from flask_smorest import Api
from werkzeug.routing import IntegerConverter

from casebook.config import Settings
from casebook.db.engine import make_engine, make_sessionmaker
from casebook.domain.errors import DomainError
from schemas.api.common import MAX_ID, CasebookErrorSchema

from . import errors
from .auth import authenticate_request, close_request_session
from .limits import check_json_depth


class CasebookApi(Api):
    """flask-smorest Api whose HTTP errors use Casebook's one error shape (served and documented)."""

    ERROR_SCHEMA = CasebookErrorSchema

    def handle_http_exception(self, error):
        return errors.http_error(error)


def create_app(settings: Settings | None = None, *, engine=None) -> Flask:
    """Build the app; nothing connects until the first request."""
    settings = settings or Settings()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 1024 * 1024,
        MAX_FORM_MEMORY_SIZE=settings.max_json_bytes,
        API_TITLE="Casebook 行政执法案件管理 API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        JSON_AS_ASCII=False,
        API_SPEC_OPTIONS={
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}],
            "info": {"description": "行政执法案件全过程管理。错误统一为 {code, message, errors}；修改案件须带 If-Match；POST 支持 Idempotency-Key。"},
        },
    )
    app.json.ensure_ascii = False
    if settings.proxy_hops > 0:  # the client's address (sign-in throttle) and scheme (HSTS) from the proxy
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)
    app.url_map.converters["id"] = IdConverter
    engine = engine or make_engine(settings.database_url)
    from casebook.services import passwords

    passwords.configure(settings)  # the process-wide bound on concurrent password hashing
    app.extensions["casebook"] = {"settings": settings, "engine": engine, "sessions": make_sessionmaker(engine, settings=settings),
                                  "read_sessions": make_sessionmaker(engine, readonly=True, settings=settings)}
    logging.basicConfig(level=settings.log_level)

    api = CasebookApi(app)
    from schemas.api.records import EvidenceMetaIn

    # The evidence upload is multipart: its meta part's fields are documented as this schema.
    api.spec.components.schema("EvidenceMetaIn", schema=EvidenceMetaIn)
    from .api import cases, deadlines, documents, records, rules, workflows

    api_blueprints = (records.health, records.auth, records.org, records.people, cases.blp, records.admin, rules.blp,
                      documents.blp, workflows.blp, deadlines.blp)
    for blp in api_blueprints:
        api.register_blueprint(blp)
    errors.register(app)
    from casebook.web import public
    from casebook.web.api import evaluation, publicity

    api.register_blueprint(publicity.blp)
    api.register_blueprint(evaluation.blp)
    public.register(app, settings)  # 公示: public pages, open API, rate limit, caching (no login)
    from . import ui  # the zh-CN pages: cookie sessions with CSRF; the API stays bearer-only

    # CSRF guards the cookie-session pages; bearer-token APIs (and the public read-only side) are exempt.
    ui.register(app, (*api_blueprints, publicity.blp, evaluation.blp, public.api), settings)

    # PostgreSQL: a request that may write runs in one session, authentication included (web.auth.REQUEST_SESSION).
    one_session = engine.dialect.name == "postgresql"

    @app.before_request
    def _limits_and_auth():
        req = request._get_current_object()  # one context lookup for the checks below, not one per attribute
        json_body = req.mimetype == "application/json"
        if json_body and (req.content_length or 0) > settings.max_json_bytes:
            raise PayloadTooLarge(f"JSON 请求体不得超过 {settings.max_json_bytes // 1024} KB")
        if b"%00" in req.query_string or (json_body and b"\\u0000" in req.get_data(cache=True)):
            # PostgreSQL text cannot hold NUL; no legitimate input has one.
            raise InvalidCharacter()
        if req.is_json and req.content_length:
            check_json_depth(req.get_data(cache=True))
        if not ui.is_ui_request():  # pages resolve their own cookie session (casebook.web.ui)
            authenticate_request(app.extensions["casebook"]["read_sessions"], app.extensions["casebook"]["sessions"],
                                 one_session=one_session)

    @app.after_request
    def _security_headers(resp):
        return security_headers(resp)

    app.teardown_request(close_request_session)
    return app


# Ready for the server-rendered pages: everything from this origin only, no inline script or style, no framing.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


# Set on every response; the Content-Security-Policy, X-Frame-Options and Referrer-Policy only where the route has
# not set its own. Header names as werkzeug compares them (lower case).
_ALWAYS = (("X-Content-Type-Options", "nosniff"), ("Server", "casebook"))  # no product version (the dev server
# would say Werkzeug/x Python/y)
_DEFAULTS = (("Content-Security-Policy", CSP), ("X-Frame-Options", "DENY"), ("Referrer-Policy", "no-referrer"))
_SET_HERE = frozenset(k.lower() for k, _ in _ALWAYS)


def security_headers(resp):
    """Headers every response carries (OWASP ASVS 3.4, 14.4).

    The response's header names are read once and the missing ones appended: the same headers as setting and
    defaulting each in turn, which scanned the list again per header (~40 µs of every response).
    """
    h = resp.headers
    have = {k.lower() for k, _ in h}
    if have & _SET_HERE:
        for k, v in _ALWAYS:
            h[k] = v
    else:
        h.extend(_ALWAYS)
    h.extend([kv for kv in _DEFAULTS if kv[0].lower() not in have])
    req = request._get_current_object()
    # Personal data (parties, cases, evidence) must not stay in browser or proxy caches: no API response is
    # stored unless the route says otherwise (the published OpenAPI document may be).
    if "cache-control" not in have and req.path.startswith("/api/"):
        h["Cache-Control"] = "no-store" if req.endpoint != "api-docs.openapi_json" else "public, max-age=300"
    if req.is_secure:
        h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return resp


class IdConverter(IntegerConverter):
    """A positive database id that fits every key column; anything else is simply not found (404)."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, min=1, max=MAX_ID)


class InvalidCharacter(DomainError):
    http_status = 400
    code = "invalid_character"
    message = "请求中含有不允许的 NUL 控制字符"


class PayloadTooLarge(DomainError):
    http_status = 413
    code = "payload_too_large"
