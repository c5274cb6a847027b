"""Build each 文书's context as plain data from the database, validated by its schema (never ORM objects).

The shared machinery is in `base`; the builders are in one module per document family (approvals, records,
notices, reports, decisions, referral, case_file), mirroring schemas/documents/. Importing this package
registers them all.
"""

from __future__ import annotations

import datetime as dt

from marshmallow import ValidationError
from sqlalchemy.orm import Session

from casebook.db.models import Case
from casebook.domain.errors import NotFound, ValidationFailed
from schemas.documents import DOCUMENT_TYPES

from . import approvals, decisions, notices, records, referral, reports  # noqa: F401  (register the builders)
from .base import (  # noqa: F401
    BUILDERS,
    CASE_FILE,
    ONE_PER_CASE,
    ONE_PER_REF,
    SUPPLEMENT,
    Built,
    CaseData,
    DocumentNotReady,
    Options,
    document_title,
    format_document_no,
    load_case_data,
)
from .case_file import case_file_context  # noqa: F401

FROM_CASE = frozenset(BUILDERS)  # every family module above has registered its builders

# --------------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------------


def build(s: Session, case: Case, doc_type: str, options: Options, today: dt.date, calendar,
          limitation_category: str | None = None) -> Built:
    """The document's context as far as the recorded case data goes. `limitation_category`: the violation item's
    第三十六条 category, handed in by the caller (documents never reach for services), so the documents state the
    years the guards apply."""
    if doc_type == CASE_FILE or doc_type not in DOCUMENT_TYPES:
        raise NotFound(f"未知的文书类型：{doc_type}", code="document_type_unknown")
    if doc_type not in BUILDERS:
        raise ValidationFailed(f"{DOCUMENT_TYPES[doc_type].title}不是案件文书", code="document_type_not_for_cases")
    built = Built(doc_type)
    BUILDERS[doc_type](load_case_data(s, case, today, calendar, limitation_category), built, options)
    return built


def complete(built: Built, fields: dict | None) -> dict:
    """Lay the explicit supplement over the built context, validate, and return it as plain JSON data.

    A supplement may fill what the case does not record and replace statutory defaults; it may not
    change recorded case data.
    """
    fields = fields or {}
    dtype = DOCUMENT_TYPES[built.doc_type]
    clash = sorted(k for k in fields if k in built.locked)
    if clash:
        raise ValidationFailed(
            f"以下内容取自案件记录，不能另行填写：{'、'.join(clash)}", code="document_field_locked",
            errors={"fields": {k: ["取自案件记录，不能另行填写"] for k in clash}})
    context = {**built.context, **fields}
    schema = dtype.schema()
    try:
        data = schema.load(context)
    except ValidationError as err:
        messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
        missing = sorted(k for k, v in messages.items() if k not in context and v == ["必填项"])
        incomplete = sorted(p for p in _required_paths(messages) if p.split(".")[0] in built.locked)
        hints = []
        if missing:
            hints.append(f"案件记录中没有以下内容，请在 fields 中提供：{'、'.join(missing)}")
        if incomplete:
            hints.append(f"案件记录不完整，请先补全：{'、'.join(incomplete)}")
        raise ValidationFailed(f"{dtype.title}的数据不完整或有误；{'；'.join(hints) or '内容有误'}",
                               code="document_data_incomplete",
                               errors={"fields": messages, "missing": missing, "incomplete": incomplete}) from err
    return schema.dump(data)


def _required_paths(messages: dict, prefix: str = ""):
    """Dotted paths of the required items a validation error reports missing (party.address …)."""
    for key, value in messages.items():
        path = f"{prefix}{key}"
        if value == ["必填项"]:
            yield path
        elif isinstance(value, dict):
            yield from _required_paths(value, path + ".")
