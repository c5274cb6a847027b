"""Limits on what a request body may be, checked before any parser sees it."""

from __future__ import annotations

import re

from casebook.domain.errors import DomainError

MAX_JSON_DEPTH = 32


class JsonTooDeep(DomainError):
    http_status = 400
    code = "json_too_deep"
    message = f"JSON 嵌套层数超过{MAX_JSON_DEPTH}层"


def check_json_depth(raw: bytes) -> None:
    """Refuse JSON nested deeper than any schema of ours (before the parser recurses into it: a body of
    100 000 "[" is a RecursionError, i.e. a 500, in json.loads). Brackets inside strings are skipped."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_JSON_DEPTH:
        return  # the usual body: too few brackets to be too deep
    depth = 0
    for b in _BRACKETS.findall(_JSON_STRINGS.sub(b"", raw)):
        if b in b"[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise JsonTooDeep()
        else:
            depth -= 1


_JSON_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(rb"[\[\]{}]")
