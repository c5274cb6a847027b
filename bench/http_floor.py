"""The floor of the HTTP benches: a minimal Flask app returning the same JSON the product returned, under the
same server (gunicorn or werkzeug's threaded server, as `casebook serve`).

GET  /api/v1/cases → the bytes of a real list response (BENCH_FLOOR_LIST file).
POST /api/v1/cases → parses the JSON body, answers 201 with the bytes of a real lead response (BENCH_FLOOR_ACT).
"""

from __future__ import annotations

import os

from flask import Flask, Response, request

app = Flask(__name__)
_LIST = open(os.environ["BENCH_FLOOR_LIST"], "rb").read()
_ACT = open(os.environ["BENCH_FLOOR_ACT"], "rb").read()


@app.get("/api/v1/cases")
def list_cases():
    return Response(_LIST, 200, mimetype="application/json")


@app.post("/api/v1/cases")
def act():
    request.get_json()
    return Response(_ACT, 201, mimetype="application/json")


if __name__ == "__main__":  # the embedded floor: werkzeug's threaded server, as `casebook serve` uses
    import sys

    from werkzeug.serving import make_server

    make_server("127.0.0.1", int(sys.argv[1]), app, threaded=True).serve_forever()
