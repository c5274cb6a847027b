"""Public 公示 pages and the open read-only API (no login).

Pages under /gs/ (事后公开: search and decision pages; 事前公开: per agency), the API under /api/v1/public/.
Both read only what services.publicity publishes (the redacted 信息摘要), are rate-limited per client address
(flask-limiter; CASEBOOK_PUBLIC_RATE_LIMIT, storage CASEBOOK_RATELIMIT_STORAGE_URL: memory:// embedded, a
redis:// URL when several processes serve) and cacheable (strong ETag on the body, Cache-Control: public).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import Blueprint, Flask, current_app, jsonify, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound as HTTPNotFound

from casebook.domain.errors import DomainError
from casebook.services import publicity as svc
from casebook.web.tx import read_session_factory

pages = Blueprint("public", __name__, url_prefix="/gs", template_folder="templates", static_folder="static",
                  static_url_path="/static")
api = Blueprint("public_api", __name__, url_prefix="/api/v1/public")


def _cn_date(value) -> str:
    if not value:
        return ""
    d = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{d.year}年{d.month}月{d.day}日"


def _wan(value) -> str:
    return "" if value in (None, "") else f"{Decimal(value):f}"


@pages.app_template_filter("cn_date")
def cn_date_filter(value) -> str:
    return _cn_date(value)


def _read(fn):
    with read_session_factory()() as s:
        return fn(s)


# --- pages ---------------------------------------------------------------------------------------------------


def _page_error(e: DomainError | HTTPException):
    status = e.http_status if isinstance(e, DomainError) else (e.code or 500)
    message = e.message if isinstance(e, DomainError) else {404: "页面不存在", 429: "请求过于频繁，请稍后再试"}.get(
        status, "请求失败")
    errors = (e.errors or {}) if isinstance(e, DomainError) else {}
    return render_template("public/error.html", status=status, message=message, errors=errors), status


pages.register_error_handler(DomainError, _page_error)
pages.register_error_handler(HTTPException, _page_error)


@pages.route("/")
def home():
    return search_page()


@pages.route("/decisions")
def search_page():
    raw = {k: request.args.get(k, "") for k in ("party", "uscc", "document_no", "agency_id", "from", "to", "page")}
    searched = any(v for k, v in raw.items() if k != "page")
    errors: dict = {}
    result = None

    def run(s):
        nonlocal errors, result
        agencies = svc.public_agencies(s)
        try:
            args = svc.search_args(raw)
        except DomainError as e:
            errors = e.errors or {}
            return agencies
        result = svc.search(s, args)
        return agencies

    agencies = _read(run)
    status = 422 if errors else 200
    return render_template("public/search.html", q=raw, agencies=agencies, result=result, errors=errors,
                           searched=searched), status


@pages.route("/decisions/<int:pub_id>")
def detail_page(pub_id: int):
    d = _read(lambda s: svc.detail(s, pub_id))
    return render_template("public/detail.html", d=d, wan=_wan)


@pages.route("/agencies")
def agencies_page():
    return render_template("public/agencies.html", agencies=_read(svc.public_agencies))


@pages.route("/agencies/<int:agency_id>")
def agency_page(agency_id: int):
    return render_template("public/agency.html", d=_read(lambda s: svc.disclosure(s, agency_id)))


# --- the open API (same data) ------------------------------------------------------------------------------------


def _api_error(e: DomainError | HTTPException):
    from casebook.web.errors import error_response, http_error

    if isinstance(e, DomainError):
        return error_response(e.http_status, e.code, e.message, e.errors or None)
    if isinstance(e, HTTPNotFound):
        return error_response(404)
    return http_error(e)


api.register_error_handler(DomainError, _api_error)
api.register_error_handler(HTTPException, _api_error)


@api.route("/decisions")
def api_search():
    raw = {k: request.args.get(k, "") for k in ("party", "uscc", "document_no", "agency_id", "from", "to", "page")}
    return jsonify(_read(lambda s: svc.search(s, svc.search_args(raw))))


@api.route("/decisions/<int:pub_id>")
def api_detail(pub_id: int):
    return jsonify(_read(lambda s: svc.detail(s, pub_id)))


@api.route("/agencies")
def api_agencies():
    return jsonify({"items": _read(svc.public_agencies)})


@api.route("/agencies/<int:agency_id>")
def api_agency(agency_id: int):
    return jsonify(_read(lambda s: svc.disclosure(s, agency_id)))


# --- the staff page (moves into the staff shell later) -----------------------------------------------------------


def staff_publications():
    """A static page: it reads and acts through /api/v1/publications with the officer's bearer token."""
    return render_template("public/staff_publications.html")


# --- caching, rate limit -----------------------------------------------------------------------------------------


def _cacheable(resp):
    if request.method == "GET" and resp.status_code == 200:
        seconds = current_app.extensions["casebook"]["settings"].public_cache_seconds
        resp.add_etag()
        resp.cache_control.public = True
        resp.cache_control.max_age = seconds
        resp.vary.add("Accept-Encoding")
        resp.make_conditional(request)
    return resp


pages.after_request(_cacheable)
api.after_request(_cacheable)


def _public_only(app: Flask, limiter: Limiter, public: frozenset[str]) -> None:
    """Run flask-limiter's app-wide request hooks for the public blueprints only.

    The limiter hooks every request of the app: before it (the endpoint's limits looked up, then the request
    filters), after it (its headers) and at teardown (its context reset). The request filter above keeps the
    staff side from being counted, yet each API call and page still ran the lookups — about 4 % of registering a
    lead over HTTP by a CPU profile. Each hook is replaced where it stands by one that returns at once outside
    `public`: a public request runs the same hooks in the same order as before.
    """
    import functools

    def mine(f) -> bool:
        return getattr(f, "__self__", None) is limiter or (
            isinstance(f, functools.partial) and f.args[:1] == (limiter,))

    def scoped(f, kind: str):
        if kind == "after":
            @functools.wraps(f)
            def after(response):
                return f(response) if request.blueprint in public else response
            return after

        @functools.wraps(f)
        def hook(*args):
            if request.blueprint in public:
                return f(*args)
            return None
        return hook

    for kind, hooks in (("before", app.before_request_funcs), ("after", app.after_request_funcs),
                        ("teardown", app.teardown_request_funcs)):
        funcs = hooks.get(None, [])
        found = [i for i, f in enumerate(funcs) if mine(f)]
        if len(found) != 1:  # a flask-limiter release that hooks the app differently: stop at startup, not later
            raise RuntimeError(f"flask-limiter: expected one {kind}-request hook of the limiter, found {len(found)}")
        funcs[found[0]] = scoped(funcs[found[0]], kind)


def register(app: Flask, settings) -> None:
    limiter = Limiter(get_remote_address, app=app, storage_uri=settings.ratelimit_storage_url, default_limits=[],
                      headers_enabled=True, strategy="fixed-window")
    shared = limiter.shared_limit(settings.public_rate_limit, scope="public")  # one budget per client for both
    shared(pages)
    shared(api)
    public = frozenset({pages.name, api.name})

    @limiter.request_filter
    def _not_public() -> bool:
        # Only the public side is rate-limited here (the staff side has its own sign-in throttle). A second guard:
        # the limiter's hooks already run for the public blueprints only (`_public_only`).
        return request.blueprint not in public

    _public_only(app, limiter, public)
    app.extensions["casebook"]["limiter"] = limiter
    app.register_blueprint(pages)
    app.register_blueprint(api)
    app.jinja_env.filters.setdefault("cn_date", _cn_date)

