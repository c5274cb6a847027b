"""Documents (文书) of a case: preview, issue with a 文号, render in the worker, void; the bound 案卷.

Issuing is an act on the case like any other: identity and scope first, then in one transaction the
文号 (gap-free per agency, type and year), the documents row with its context snapshot, one trail entry
and the ``document.requested`` event. The worker's ``documents`` group renders it with `prerender`
(no transaction open: the PDF goes to the content-addressed store, a 案卷's progress is committed as it
goes), then `render_document` records it and trails ``document.rendered`` with its SHA-256 as the
system. A served decision or prior notice is never voided (`document_served`). Nothing is rendered inside a request except a preview, which is marked 预览,
carries no number, and is neither stored nor trailed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import logging
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from casebook.config import Settings
from casebook.db.engine import make_sessionmaker
from casebook.db.models import Case, Document, User, utcnow
from casebook.documents import context as docctx
from casebook.documents.context import CASE_FILE, DocumentNotReady, Options
from casebook.domain.errors import Conflict, DomainError, NotFound, StaleVersion, ValidationFailed
from casebook.domain.vocabulary import DOCUMENT_STATUSES
from schemas.documents import DOCUMENT_TYPES

from . import publicity, rules
from .calendar import get_calendar
from .context import SYSTEM, Actor, deny, local_today
from .evidence import blob_path, store_blob
from .loading import load_case
from .numbers import next_number
from .recording import record

__all__ = [
    "PREVIEW_MARK",
    "DocumentNotReady",
    "Options",
    "document_file",
    "document_types",
    "get_document",
    "issue_document",
    "list_documents",
    "preview_case_context",
    "prerender",
    "render_document",
    "render_explicit_preview",
    "render_preview",
    "request_case_file",
    "void_document",
]

log = logging.getLogger("casebook.documents")

#: Who may issue, void and bind (行政处罚法 第四十二条: documents are made by officers; heads approve).
ISSUER_ROLES = frozenset({"officer", "agency_head"})
#: Who may render an explicit context (e.g. a 法制审核意见书 draft) without a case.
PREVIEW_ROLES = frozenset({"officer", "agency_head", "legal_reviewer"})
PREVIEW_MARK = "预览"
STATUS_LABELS = DOCUMENT_STATUSES

# Errors of the infrastructure: retried by the worker (and dead-lettered in the end), never recorded as a
# failed render. Anything else a render raises is the document's own fault and would fail again.
_TRANSIENT = (OSError, SQLAlchemyError, MemoryError)


class DocumentAlreadyIssued(Conflict):
    code = "document_already_issued"


class DocumentNotRendered(Conflict):
    code = "document_not_rendered"
    message = "文书尚未生成"


# --- helpers ------------------------------------------------------------------------------------------


def _require_issuer(actor: Actor, case: Case, what: str) -> None:
    if not actor.roles & ISSUER_ROLES:
        raise deny(actor, what, "您的角色无权出具或作废文书", "role_not_allowed")
    if not actor.can_act_in(case.agency_id):
        raise deny(actor, what, "该案件不属于您所在执法机关，不能出具或作废其文书", "out_of_scope")


def check_issuer(s: Session, actor: Actor, case_id: int, what: str = "document") -> None:
    """Who may issue on this case (its scope, then the issuer's role), without locking: the web layer refuses a
    caller without permission before it parses the body (permission before validation)."""
    _require_issuer(actor, load_case(s, actor, case_id), what)


def check_void(s: Session, actor: Actor, document_id: int) -> None:
    """Who may void this document, without locking (as `check_issuer`)."""
    doc = _load_document(s, actor, document_id)
    _require_issuer(actor, load_case(s, actor, doc.case_id), f"document:{document_id}:void")


def _lock_and_load(s: Session, actor: Actor, case_id: int) -> Case:
    """Lock the case row first: each act on it moves its event sequence (and version), one at a time."""
    s.execute(select(Case.id).where(Case.id == case_id).with_for_update())
    return load_case(s, actor, case_id)


def _known_type(doc_type: str) -> None:
    if doc_type not in DOCUMENT_TYPES:
        raise NotFound(f"未知的文书类型：{doc_type}", code="document_type_unknown")


def _payload(doc: Document, case: Case) -> dict:
    return {"document_id": doc.id, "doc_type": doc.doc_type, "title": docctx.document_title(doc.doc_type),
            "document_no": doc.document_no, "case_no": case.case_no}


def _digest(context: dict) -> str:
    return hashlib.sha256(json.dumps(context, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                          .encode()).hexdigest()


def _refuse_second_copy(s: Session, case: Case, doc_type: str, ref: dict) -> None:
    if doc_type not in docctx.ONE_PER_CASE | docctx.ONE_PER_REF | {CASE_FILE}:
        return
    live = s.execute(select(Document).where(Document.case_id == case.id, Document.doc_type == doc_type,
                                            Document.status != "voided").order_by(Document.id)).scalars().all()
    if doc_type in docctx.ONE_PER_REF:  # one per act / review round / discussion / referral
        live = [d for d in live if all((d.options or {}).get(k) == v for k, v in ref.items())]
    if live:
        d = live[-1]
        no = f"（{d.document_no}）" if d.document_no else ""
        raise DocumentAlreadyIssued(
            f"本案已出具{docctx.document_title(doc_type)}{no}，编号{d.id}；如需重新出具，请先作废原文书",
            errors={"document_id": d.id})


def _load_document(s: Session, actor: Actor, document_id: int, *, lock: bool = False) -> Document:
    q = select(Document).where(Document.id == document_id)
    if lock:
        q = q.with_for_update()
    doc = s.execute(q).scalar_one_or_none()
    if doc is None:
        raise NotFound("文书不存在", code="document_not_found")
    if not actor.can_read(doc.agency_id):
        deny(actor, f"document:{document_id}", "out of read scope", "out_of_scope")
        raise NotFound("文书不存在", code="document_not_found")
    return doc


# --- preview ------------------------------------------------------------------------------------------


def preview_case_context(s: Session, actor: Actor, case_id: int, doc_type: str, *, options: Options,
                         fields: dict | None = None) -> dict:
    """The context of a preview from the case as it is now (read scope; nothing is written)."""
    case = load_case(s, actor, case_id)
    _known_type(doc_type)
    built = docctx.build(s, case, doc_type, dataclasses.replace(options, draft=True), local_today(), get_calendar(s),
                         rules.limitation_category(s, case))
    return docctx.complete(built, fields)


def render_preview(doc_type: str, context: dict, *, actor: Actor, settings: Settings) -> bytes:
    """Render a preview: marked 预览 on every page, never numbered, never stored.

    In the preview pool (casebook.documents.previews), apart from the issued documents' renderer,
    within the size, page, time and per-user limits of `settings`.
    """
    from casebook.documents.previews import pool_for

    return pool_for(settings).render(actor.user_id, doc_type, context, watermark=PREVIEW_MARK)


def render_explicit_preview(actor: Actor, doc_type: str, context: dict, *, settings: Settings) -> bytes:
    """Render a document from a context given in full (the types whose data is not in the case model yet)."""
    if not actor.roles & PREVIEW_ROLES:
        raise deny(actor, f"document:preview:{doc_type}", "您的角色无权生成文书预览", "role_not_allowed")
    _known_type(doc_type)
    if DOCUMENT_TYPES[doc_type].stage is None:
        raise ValidationFailed("封面、目录和备考表随案卷生成，不能单独预览", code="document_type_not_previewable")
    return render_preview(doc_type, context, actor=actor, settings=settings)


# --- issue --------------------------------------------------------------------------------------------


def issue_document(s: Session, actor: Actor, case_id: int, doc_type: str, *, options: Options,
                   fields: dict | None = None, expected_version: int | None = None) -> Document:
    """出具文书: take the 文号, snapshot the context, trail the act and ask the worker to render it.

    With `expected_version` (the case's ETag) the document is issued only from the case as the caller
    last saw it — what was previewed is what is issued.
    """
    case = _lock_and_load(s, actor, case_id)
    _require_issuer(actor, case, f"case:{case_id}:document:{doc_type}")
    _known_type(doc_type)
    if expected_version is not None and expected_version != case.version:
        raise StaleVersion()
    today = local_today()
    built = docctx.build(s, case, doc_type, dataclasses.replace(options, draft=False), today, get_calendar(s),
                         rules.limitation_category(s, case))
    _refuse_second_copy(s, case, doc_type, built.ref)
    context = docctx.complete(built, fields)
    dtype = DOCUMENT_TYPES[doc_type]
    doc_date = dt.date.fromisoformat(context["date"])
    year = seq = None
    if dtype.numbered and doc_type != "filing_approval":  # the 立案审批表 carries the 案号 itself
        year = doc_date.year
        seq = next_number(s, case.agency_id, f"doc:{doc_type}", year)
        context["document_no"] = docctx.format_document_no(case.agency.code, dtype, year, seq)
    doc = Document(
        case_id=case.id, agency_id=case.agency_id, doc_type=doc_type, document_no=context.get("document_no"),
        number_year=year, number_seq=seq, doc_date=doc_date, status="requested", options=built.ref,
        context=context, requested_by=actor.user_id, requested_at=utcnow(),
    )
    s.add(doc)
    s.flush()
    event = _payload(doc, case)
    record(s, actor, "document.requested", {**event, "context_sha256": _digest(context), **built.ref},
           case=case, events=[("document.requested", event)])
    if doc_type in _DECISION_OF:  # a decision issued again after a void: its publication takes the new 文号
        publicity.decision_reissued(s, actor, case)
    s.flush()
    return doc


def request_case_file(s: Session, actor: Actor, case_id: int, data: dict) -> Document:
    """组卷: bind the case's rendered documents, in stage order, into one PDF/A-2b 案卷 (rendered by the worker)."""
    from casebook.documents.render import ARCHIVE_PDF_VARIANT

    case = _lock_and_load(s, actor, case_id)
    _require_issuer(actor, case, f"case:{case_id}:case_file")
    _refuse_second_copy(s, case, CASE_FILE, {})
    checked_by = None
    if data.get("checked_by_id") is not None:
        checker = s.get(User, data["checked_by_id"])
        if checker is None or checker.agency_id != case.agency_id or not checker.active:
            raise ValidationFailed("检查人须是本机关在职人员", code="unknown_user",
                                   errors={"checked_by_id": ["不是本机关在职人员"]})
        checked_by = checker.display_name
    documents = list(s.execute(
        select(Document).where(Document.case_id == case.id, Document.status == "rendered",
                               Document.doc_type != CASE_FILE).order_by(Document.id)).scalars())
    compiler = s.get(User, actor.user_id) if actor.user_id is not None else None
    today = local_today()
    context = docctx.case_file_context(
        s, case, documents, today=today, retention=data["retention"], archive_no=data.get("archive_no"),
        compiled_by=compiler.display_name if compiler else actor.username, checked_by=checked_by,
        notes=data.get("notes"))
    doc = Document(
        case_id=case.id, agency_id=case.agency_id, doc_type=CASE_FILE, document_no=None, doc_date=today,
        status="requested", options={"documents": [d.id for d in documents]}, context=context,
        pdf_variant=ARCHIVE_PDF_VARIANT, requested_by=actor.user_id, requested_at=utcnow(),
    )
    s.add(doc)
    s.flush()
    event = _payload(doc, case)
    record(s, actor, "document.requested",
           {**event, "context_sha256": _digest(context), "documents": [d.id for d in documents]},
           case=case, events=[("document.requested", event)])
    s.flush()
    return doc


# --- render (the worker) ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Rendered:
    """A document rendered and stored, ready for `render_document` to record; or its own failure."""

    document_id: int
    sha256: str | None = None
    size: int | None = None
    pages: int | None = None
    error: Exception | None = None  # the document's own fault (template, layout, a missing glyph)


def _render(doc_type: str, context: dict, pdf_variant: str | None, progress=None) -> bytes:
    from casebook.documents.render import render_case_file, render_pdf

    if doc_type == CASE_FILE:
        return render_case_file(context, pdf_variant=pdf_variant, strict=True, progress=progress)
    return render_pdf(doc_type, context, pdf_variant=pdf_variant, strict=True)


def _page_count(pdf: bytes) -> int:
    import pypdf

    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _store(settings: Settings, pdf: bytes) -> tuple[str, int]:
    # The blob store's size limit is for uploads; a document the system renders itself is not one.
    big = dataclasses.replace(settings, max_upload_bytes=max(settings.max_upload_bytes, len(pdf)))
    sha256, size, media_type = store_blob(big, io.BytesIO(pdf))
    if media_type != "application/pdf":  # pragma: no cover - WeasyPrint always writes a PDF
        raise RuntimeError(f"rendered document is not a PDF: {media_type}")
    return sha256, size


def _render_and_store(document_id: int, doc_type: str, context: dict, pdf_variant: str | None, settings: Settings,
                      progress=None) -> Rendered:
    """Render from the snapshot and store the PDF (idempotent: the store is content-addressed)."""
    try:
        pdf = _render(doc_type, context, pdf_variant, progress)
        pages = _page_count(pdf)
    except _TRANSIENT:
        raise
    except Exception as e:  # noqa: BLE001 — the document's own fault: recorded, not retried
        log.exception("document %s (%s) failed to render", document_id, doc_type)
        return Rendered(document_id, error=e)
    sha256, size = _store(settings, pdf)
    return Rendered(document_id, sha256, size, pages)


def _progress_writer(sessions: sessionmaker[Session], document_id: int):
    """Write a render's progress in its own short transactions, a few times per file (never 100: that is
    `rendered`). A failed write loses one progress step, never the render."""
    last = -100

    def write(percent: int) -> None:
        nonlocal last
        percent = min(percent, 99)
        if percent - last < 5:
            return
        last = percent
        try:
            with sessions() as s, s.begin():
                s.execute(update(Document).where(Document.id == document_id, Document.status == "requested")
                          .values(progress=percent))
        except SQLAlchemyError:
            log.warning("document %s: progress %s%% not written", document_id, percent, exc_info=True)

    return write


def prerender(sessions: sessionmaker[Session], document_id: int, *, settings: Settings) -> Rendered | None:
    """The worker's first step, with no transaction open: render a requested document and store it.

    Rendering takes from milliseconds (a notice) to seconds (a 100-page 案卷); doing it here, not in the
    transaction that records it, keeps SQLite's single write lock free meanwhile and lets the 案卷's
    progress be committed as it goes. None: nothing to render (unknown, voided or already rendered).
    """
    reader = make_sessionmaker(sessions.kw["bind"], readonly=True,
                               settings=(sessions.kw.get("info") or {}).get("settings"))
    with reader() as s:
        doc = s.get(Document, document_id)
        if doc is None or doc.status != "requested":
            return None
        job = (doc.doc_type, doc.context, doc.pdf_variant)
    progress = _progress_writer(sessions, document_id) if job[0] == CASE_FILE else None
    if progress is not None:
        progress(0)
    return _render_and_store(document_id, *job, settings, progress)


def render_document(s: Session, document_id: int, *, settings: Settings, actor: Actor = SYSTEM,
                    rendered: Rendered | None = None) -> Document | None:
    """Record a requested document as rendered — stored by SHA-256 and trailed — (the worker's act).

    `rendered` is what `prerender` made outside the transaction; without it the document is rendered here.
    A voided or already rendered document is left as it is, so a redelivered event does nothing. A
    failure of the document itself (template, layout, a missing glyph) marks it failed and is trailed;
    a failure of the infrastructure propagates, for the worker to retry and in the end dead-letter.
    """
    doc = s.get(Document, document_id)
    if doc is None:
        log.warning("document %s requested but not found", document_id)
        return None
    if doc.status != "requested":
        return doc
    if rendered is None or rendered.document_id != document_id:
        rendered = _render_and_store(document_id, doc.doc_type, doc.context, doc.pdf_variant, settings)
    if rendered.error is not None:
        return _fail(s, document_id, actor, rendered.error)
    case, doc = _lock_for_update(s, document_id)
    if doc.status != "requested":  # voided while it was being rendered
        return doc
    doc.status, doc.sha256, doc.size, doc.page_count = "rendered", rendered.sha256, rendered.size, rendered.pages
    doc.rendered_at, doc.error, doc.progress = utcnow(), None, 100
    event = {**_payload(doc, case), "sha256": rendered.sha256, "size": rendered.size, "pages": rendered.pages}
    record(s, actor, "document.rendered", event, case=case, events=[("document.rendered", event)])
    s.flush()
    return doc


def _lock_for_update(s: Session, document_id: int) -> tuple[Case, Document]:
    """Case row first, then the document: the same order as voiding, so the two never deadlock."""
    case_id = s.execute(select(Document.case_id).where(Document.id == document_id)).scalar_one()
    case = s.execute(select(Case).where(Case.id == case_id).with_for_update()
                     .execution_options(populate_existing=True)).scalar_one()
    doc = s.execute(select(Document).where(Document.id == document_id).with_for_update()
                    .execution_options(populate_existing=True)).scalar_one()
    return case, doc


def _fail(s: Session, document_id: int, actor: Actor, error: Exception) -> Document:
    case, doc = _lock_for_update(s, document_id)
    if doc.status != "requested":
        return doc
    message = (error.message if isinstance(error, DomainError) else str(error)) or type(error).__name__
    if isinstance(error, DomainError) and error.errors:
        message += " " + json.dumps(error.errors, ensure_ascii=False, default=str)
    doc.status, doc.error = "failed", f"{type(error).__name__}: {message}"[:5000]
    event = {**_payload(doc, case), "error": doc.error[:1000]}
    record(s, actor, "document.render_failed", event, case=case, events=[("document.render_failed", event)])
    s.flush()
    return doc


# --- void ---------------------------------------------------------------------------------------------

_DECISION_OF = {"penalty_decision": "penalty", "no_penalty_decision": "no_penalty"}


def _refuse_served(case: Case, doc: Document) -> None:
    """A decision or notice served on the party has effect (行政处罚法 第六十一条); it is not voided as if it
    had never been made. An error in it is corrected by revoking or changing the decision (第七十五条第二款:
    主动改正), which is its own act, not a reprint."""
    attr = DOCUMENT_TYPES[doc.doc_type].served_on if doc.doc_type in DOCUMENT_TYPES else None
    if attr is None or getattr(case, attr) is None:
        return
    if _DECISION_OF.get(doc.doc_type, case.decision_kind) != case.decision_kind:
        return  # not the kind of decision that was served
    raise Conflict(f"{docctx.document_title(doc.doc_type)}已送达当事人，不能作废；确有错误的，应当依法撤销或者变更原决定",
                   code="document_served", errors={"reasons": [{
                       "code": "document_served", "message": "文书已送达，已经发生效力",
                       "article": "行政处罚法第六十一条、第七十五条第二款"}]})



def void_document(s: Session, actor: Actor, document_id: int, reason: str) -> Document:
    """作废: the document stays on record and its 文号 stays taken — a number is never reused."""
    doc = _load_document(s, actor, document_id)
    case = _lock_and_load(s, actor, doc.case_id)
    _require_issuer(actor, case, f"document:{document_id}:void")
    doc = s.execute(select(Document).where(Document.id == document_id).with_for_update()
                    .execution_options(populate_existing=True)).scalar_one()
    if doc.status == "voided":
        raise Conflict("该文书已作废", code="document_already_voided")
    _refuse_served(case, doc)
    doc.status, doc.voided_by, doc.voided_at, doc.void_reason = "voided", actor.user_id, utcnow(), reason
    event = {**_payload(doc, case), "reason": reason}
    record(s, actor, "document.voided", event, case=case, events=[("document.voided", event)])
    s.flush()
    return doc


# --- reading ------------------------------------------------------------------------------------------


def get_document(s: Session, actor: Actor, document_id: int) -> Document:
    return _load_document(s, actor, document_id)


def document_file(s: Session, actor: Actor, document_id: int, settings: Settings) -> tuple[Document, Path]:
    doc = _load_document(s, actor, document_id)
    if not doc.sha256:
        raise DocumentNotRendered("文书尚未生成" if doc.status == "requested" else
                                  f"文书没有可下载的内容（{STATUS_LABELS.get(doc.status, doc.status)}）")
    return doc, blob_path(settings, doc.sha256)


def list_documents(s: Session, actor: Actor, case_id: int, *, limit: int = 50, after: int | None = None) -> list[Document]:
    """The case's documents, oldest first, keyset-paginated on id."""
    load_case(s, actor, case_id)
    q = select(Document).where(Document.case_id == case_id)
    if after is not None:
        q = q.where(Document.id > after)
    return list(s.execute(q.order_by(Document.id).limit(limit)).scalars())


def document_types() -> list[dict]:
    """Every document type: whether it is built from a case, numbered, and what a request must supply."""
    out = []
    for code, dtype in DOCUMENT_TYPES.items():
        if dtype.stage is None:
            continue
        out.append({"code": code, "title": dtype.title, "stage": dtype.stage, "stage_title": dtype.stage_title,
                    "numbered": dtype.numbered, "number_suffix": dtype.number_suffix,
                    "from_case": code in docctx.FROM_CASE,
                    "supplement": list(docctx.SUPPLEMENT.get(code, ())) if code in docctx.FROM_CASE else None,
                    "may_need": dict(dtype.may_need or {}) if code in docctx.FROM_CASE else None})
    return out
