"""Evidence (证据, 行政处罚法 第四十六条) and audio-visual recordings (音像记录), files stored by SHA-256."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

import filetype
from sqlalchemy import select
from sqlalchemy.orm import Session

from casebook.config import Settings
from casebook.db.models import Case, Evidence
from casebook.domain.errors import DomainError, NotFound, ValidationFailed
from casebook.domain.evidence import EVIDENCE_KINDS  # noqa: F401  (re-exported)
from casebook.domain.text import clean_filename
from casebook.private_files import private_dir

from .context import Actor
from .loading import load_case
from .perform import perform

# Sniffed from the content, never from the name.
ALLOWED_TYPES = {
    "image/jpeg", "image/png", "image/webp", "image/tiff", "image/heic",
    "application/pdf",
    "audio/mpeg", "audio/x-wav", "audio/mp4", "audio/amr", "audio/aac", "audio/ogg",
    "video/mp4", "video/quicktime", "video/x-msvideo", "video/x-matroska", "video/webm",
}
CHUNK = 1 << 20


class UploadTooLarge(DomainError):
    http_status = 413
    code = "upload_too_large"


class UnsupportedMediaType(DomainError):
    http_status = 415
    code = "unsupported_media_type"


def blob_path(settings: Settings, sha256: str) -> Path:
    return settings.blob_dir / sha256[:2] / sha256[2:4] / sha256


def store_blob(settings: Settings, stream: BinaryIO) -> tuple[str, int, str]:
    """Stream an upload to the blob store: hash while writing, enforce the size limit, sniff the type."""
    tmp_dir = private_dir(settings.blob_dir / "tmp")  # blobs: directories 0700, files 0600
    h = hashlib.sha256()
    size = 0
    head = b""
    fd, tmp = tempfile.mkstemp(dir=tmp_dir)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > settings.max_upload_bytes:
                    raise UploadTooLarge(f"文件超过大小上限（{settings.max_upload_bytes // (1024 * 1024)} MB）")
                if len(head) < 8192:
                    head += chunk[: 8192 - len(head)]
                h.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ValidationFailed("上传的文件为空", code="empty_upload", errors={"file": ["文件为空"]})
        kind = filetype.guess(head)
        media_type = kind.mime if kind else None
        if media_type not in ALLOWED_TYPES:
            raise UnsupportedMediaType(
                "不支持的文件类型（按文件内容识别为%s）；允许图片、PDF、音频和视频" % (media_type or "未知类型")
            )
        digest = h.hexdigest()
        final = blob_path(settings, digest)
        private_dir(final.parent)
        if final.exists():
            os.unlink(tmp)
        else:
            os.replace(tmp, final)
            os.chmod(final, 0o600)
        return digest, size, media_type
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def add_evidence(s: Session, actor: Actor, case_id: int, meta: dict, upload: BinaryIO | None, filename: str | None,
                 *, expected_version: int | None, settings: Settings) -> tuple[Case, Evidence]:
    """Register evidence (and its file) on a case; recordings must say device, officer, start and end."""
    if meta.get("is_recording"):
        missing = [k for k in ("device", "recorded_by_id", "recording_started_at", "recording_ended_at") if not meta.get(k)]
        errors = {k: ["音像记录须填写此项"] for k in missing}
        if upload is None:
            errors["file"] = ["音像记录须上传文件"]
        if not missing and meta["recording_ended_at"] <= meta["recording_started_at"]:
            errors["recording_ended_at"] = ["结束时间须晚于开始时间"]
        if errors:
            raise ValidationFailed("音像记录信息不完整", code="invalid_recording", errors=errors)
    for k in ("recording_started_at", "recording_ended_at"):
        if meta.get(k) is not None:
            meta[k] = meta[k].astimezone(dt.UTC)  # times are stored and shown in UTC
    data = {k: v for k, v in meta.items() if k != "is_recording"}
    name = clean_filename(filename) if upload is not None else None
    if upload is not None and name is None:
        raise ValidationFailed("上传的文件缺少文件名", code="file_name_missing", errors={"file": ["缺少文件名"]})
    # Check the act before touching the disk: a refused upload leaves no file behind.
    perform(s, actor, case_id, "add_evidence", data, expected_version=expected_version, settings=settings, dry_run=True)
    stored = store_blob(settings, upload) if upload is not None else None
    holder: dict = {}

    def create(sess: Session, case: Case) -> dict:
        ev = Evidence(
            case_id=case.id, kind=meta["kind"], title=meta["title"], description=meta.get("description"),
            collected_on=meta["collected_on"], collected_by=meta["collected_by"],
            device=meta.get("device"), recorded_by_id=meta.get("recorded_by_id"),
            recording_started_at=meta.get("recording_started_at"), recording_ended_at=meta.get("recording_ended_at"),
        )
        if stored:
            ev.file_sha256, ev.file_size, ev.media_type = stored
            ev.original_name = name  # last path component, NFC, no control/bidi characters
        sess.add(ev)
        sess.flush()
        holder["ev"] = ev
        return {"evidence_id": ev.id, "file_sha256": ev.file_sha256, "file_size": ev.file_size, "media_type": ev.media_type}

    case = perform(s, actor, case_id, "add_evidence", data, expected_version=expected_version, settings=settings,
                   effect_extra=create)
    return case, holder["ev"]


def list_evidence(s: Session, actor: Actor, case_id: int) -> list[Evidence]:
    load_case(s, actor, case_id)
    return list(s.execute(select(Evidence).where(Evidence.case_id == case_id).order_by(Evidence.id)).scalars())


def evidence_file(s: Session, actor: Actor, evidence_id: int, settings: Settings) -> tuple[Evidence, Path]:
    ev = s.get(Evidence, evidence_id)
    if ev is None:
        raise NotFound("证据不存在", code="evidence_not_found")
    load_case(s, actor, ev.case_id)
    if not ev.file_sha256:
        raise NotFound("该证据没有文件", code="evidence_without_file")
    return ev, blob_path(settings, ev.file_sha256)
