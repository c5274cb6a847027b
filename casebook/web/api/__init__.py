"""JSON API blueprints (flask-smorest), one per resource."""

from casebook.web.permission import checked_first, roles_first  # noqa: F401 — the API's views import them from here
from schemas.api.common import ErrorSchema


def error_responses(blp, *codes: int):
    """Document the one error shape for each status code a view can answer with."""
    def deco(f):
        for c in codes:
            f = blp.alt_response(c, schema=ErrorSchema, description="错误")(f)
        return f
    return deco


