"""JSON API blueprints (flask-smorest), one per resource."""

import functools

import flask_smorest
import marshmallow as ma
from flask import g
from webargs.flaskparser import FlaskParser

from casebook.services.context import require_role
from schemas.api.common import ErrorSchema


class _SchemaOnceParser(FlaskParser):
    """webargs' parser, but a schema given as a class is instantiated once, not on every request (a schema's
    __init__ deep-copies its declared fields: ~0.5 ms a request). marshmallow 4 schemas hold no per-load state."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._instances: dict[type, ma.Schema] = {}

    def _get_schema(self, argmap, req):
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            schema = self._instances.get(argmap)
            if schema is None:
                schema = self._instances.setdefault(argmap, argmap())
            return schema
        return super()._get_schema(argmap, req)


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint with the parser above (the documented schema is still the class: the OpenAPI
    document does not change)."""

    ARGUMENTS_PARSER = _SchemaOnceParser()


def error_responses(blp, *codes: int):
    """Document the one error shape for each status code a view can answer with."""
    def deco(f):
        for c in codes:
            f = blp.alt_response(c, schema=ErrorSchema, description="错误")(f)
        return f
    return deco


def checked_first(check):
    """Run `check(session, actor, **view_kwargs)` — a service's own lock-free permission check (scope and role) —
    before the body is parsed: placed right under the route. Another agency's record is 404, a wrong role or
    agency 403, before any field error (permission before validation). The service checks again in its write."""
    def deco(f):
        @functools.wraps(f)
        def wrapped(*args, **kwargs):
            from casebook.web.tx import read

            read(lambda s: check(s, g.actor, **kwargs))
            return f(*args, **kwargs)
        return wrapped
    return deco


def roles_first(*roles: str, what: str):
    """Refuse a caller without one of `roles` (403 `role_not_allowed`, logged) before the body is parsed: placed
    right under the route, above `arguments`. Permission before validation — a caller without permission gets
    403, never field errors. The service still checks (this only moves the refusal first)."""
    def deco(f):
        @functools.wraps(f)
        def checked(*args, **kwargs):
            require_role(g.actor, *roles, what=what)
            return f(*args, **kwargs)
        return checked
    return deco
