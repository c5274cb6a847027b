"""案卷: the bound case file (cover, index, 备考表)."""

from __future__ import annotations

import datetime as dt

from marshmallow import ValidationError
from sqlalchemy.orm import Session

from casebook.db.models import Case, Document
from casebook.domain.errors import ValidationFailed
from schemas.documents import CaseFileSchema

from .base import (  # noqa: F401
    DocumentNotReady,
    _agency,
    _cause_core,
    _clean,
    _decision_summary,
    _header,
    _iso,
    load_case_data,
    party_of,
)


def case_file_context(s: Session, case: Case, documents: list[Document], *, today: dt.date, retention: str,
                      compiled_by: str, archive_no: str | None = None, checked_by: str | None = None,
                      notes: list[str] | None = None) -> dict:
    """The 案卷 context: cover and 备考表 from the case, and the issued documents' own context snapshots."""
    c = case
    if c.stage not in ("closed", "archived") or not c.closed_on:
        raise DocumentNotReady("案件尚未结案，不能组卷（一案一卷，结案后立卷归档）")
    cd = load_case_data(s, case, today)
    header = _header(cd)
    if not documents:
        raise DocumentNotReady("本案还没有已生成的文书，不能组卷")
    p = party_of(cd)
    party = p.name if p else None
    officers = [cd.name(co.user_id) for co in c.officers]
    context = {
        "cover": _clean({
            "agency": _agency(cd), "date": _iso(today), "case": header,
            "title": f"{party or ''}{_cause_core(c.cause)}案", "party_name": party,
            "filed_on": _iso(c.filed_on), "closed_on": _iso(c.closed_on),
            "result": (_decision_summary(cd) or "").rstrip("。") or None,
            "officers": [o for o in officers if o], "archive_no": archive_no, "retention": retention,
            "volume_no": 1, "volume_total": 1,
        }),
        "documents": [{"doc_type": d.doc_type, "context": d.context} for d in documents],
        "note": _clean({
            "agency": _agency(cd), "date": _iso(today), "case": header, "notes": notes or [],
            "compiled_by": compiled_by, "compiled_on": _iso(today),
            "checked_by": checked_by, "checked_on": _iso(today) if checked_by else None,
        }),
    }
    schema = CaseFileSchema()
    try:
        return schema.dump(schema.load(context))
    except ValidationError as err:
        raise ValidationFailed("案卷数据不完整或有误", code="document_data_incomplete",
                               errors={"fields": err.messages}) from err
