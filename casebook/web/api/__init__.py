"""JSON API blueprints (flask-smorest), one per resource."""

import flask_smorest
import marshmallow as ma
from webargs.flaskparser import FlaskParser

from casebook.web.permission import checked_first, roles_first  # noqa: F401 — the API's views import them from here
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
