"""Marshmallow schemas of the document (文书) template contexts, and the registry of document types."""

from .case_file import CaseFileCoverSchema, CaseFileSchema, FileIndexSchema, FileNoteSchema
from .common import DISCRETION_TIERS, EVIDENCE_KINDS, PENALTY_KINDS
from .referral import REFERRAL_MATERIALS
from .registry import DOCUMENT_TYPES, STAGES, DocumentType, get_document_type
from .reports import LEGAL_REVIEW_ITEMS

__all__ = [
    "DISCRETION_TIERS",
    "DOCUMENT_TYPES",
    "EVIDENCE_KINDS",
    "LEGAL_REVIEW_ITEMS",
    "PENALTY_KINDS",
    "REFERRAL_MATERIALS",
    "STAGES",
    "CaseFileCoverSchema",
    "CaseFileSchema",
    "DocumentType",
    "FileIndexSchema",
    "FileNoteSchema",
    "get_document_type",
]
