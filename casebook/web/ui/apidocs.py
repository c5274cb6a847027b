"""The API explorer for integrators: swagger-ui (from npm, served by the app) reading /api/v1/openapi.json."""

from __future__ import annotations

from flask import Blueprint, render_template

blp = Blueprint("ui_apidocs", __name__)


@blp.route("/api/docs")
def explorer():
    return render_template("apidocs.html")
