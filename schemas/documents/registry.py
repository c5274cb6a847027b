"""Registry of document types: code, Chinese title, context schema, case-file stage, numbering."""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import Schema

from .approvals import ClosingApprovalSchema, DeclineApprovalSchema, FilingApprovalSchema
from .case_file import CaseFileCoverSchema, FileIndexSchema, FileNoteSchema
from .decisions import NoPenaltyDecisionSchema, PenaltyDecisionSchema, SummaryDecisionSchema
from .notices import (
    CorrectionOrderSchema,
    EvidencePreservationNoticeSchema,
    HearingNoticeOfRightsSchema,
    HearingNoticeSchema,
    PriorNoticeSchema,
    ServiceReceiptSchema,
)
from .records import (
    CollectiveDiscussionRecordSchema,
    HearingRecordSchema,
    InquiryRecordSchema,
    InspectionRecordSchema,
)
from .referral import ReferralLetterSchema
from .reports import InvestigationReportSchema, LegalReviewOpinionSchema

#: Case-file stages in binding order (案卷: 立案 → 调查 → 审查 → 决定 → 送达 → 执行).
STAGES: dict[str, str] = {
    "filing": "立案",
    "investigation": "调查",
    "review": "审查",
    "decision": "决定",
    "service": "送达",
    "execution": "执行",
}
_STAGE_ORDER = {code: i for i, code in enumerate(STAGES)}


@dataclass(frozen=True)
class DocumentType:
    """One kind of 文书.

    ``stage`` is None for the parts of the file the system makes itself (cover, index, 备考表).
    ``numbered`` documents get a 文号 ``<agency prefix><number_suffix>〔YYYY〕N号`` from a gap-free
    sequence per agency, type and year (GB/T 9704-2012 §7.2.5); the suffix is the default 代字 part
    and is configurable per agency.
    """

    code: str
    title: str
    schema: type[Schema]
    stage: str | None
    numbered: bool = False
    number_suffix: str | None = None
    public: bool = False  # the document may be published (personal data masked)

    @property
    def stage_title(self) -> str | None:
        return STAGES.get(self.stage) if self.stage else None

    @property
    def stage_order(self) -> int:
        """Position of the stage in the bound file; system parts sort last."""
        return _STAGE_ORDER.get(self.stage, len(STAGES)) if self.stage else len(STAGES)

    @property
    def template(self) -> str:
        return f"{self.code}/template.html"


def _types(*items: DocumentType) -> dict[str, DocumentType]:
    return {t.code: t for t in items}


DOCUMENT_TYPES: dict[str, DocumentType] = _types(
    # 立案
    DocumentType("filing_approval", "立案审批表", FilingApprovalSchema, "filing", True, "立"),
    DocumentType("decline_approval", "不予立案审批表", DeclineApprovalSchema, "filing"),
    # 调查
    DocumentType("inspection_record", "现场检查（勘验）笔录", InspectionRecordSchema, "investigation"),
    DocumentType("inquiry_record", "询问笔录", InquiryRecordSchema, "investigation"),
    DocumentType(
        "evidence_preservation_notice",
        "先行登记保存证据通知书",
        EvidencePreservationNoticeSchema,
        "investigation",
        True,
        "保存",
    ),
    DocumentType("correction_order", "责令改正通知书", CorrectionOrderSchema, "investigation", True, "责改"),
    DocumentType("investigation_report", "调查终结报告", InvestigationReportSchema, "investigation"),
    # 审查 (审核、告知、听证、法制审核、集体讨论)
    DocumentType("prior_notice", "行政处罚事先告知书", PriorNoticeSchema, "review", True, "告知"),
    DocumentType(
        "hearing_notice_of_rights", "听证告知书", HearingNoticeOfRightsSchema, "review", True, "听告"
    ),
    DocumentType("hearing_notice", "听证通知书", HearingNoticeSchema, "review", True, "听通"),
    DocumentType("hearing_record", "听证笔录", HearingRecordSchema, "review"),
    DocumentType("legal_review_opinion", "法制审核意见书", LegalReviewOpinionSchema, "review", True, "法审"),
    DocumentType("collective_discussion_record", "集体讨论记录", CollectiveDiscussionRecordSchema, "review"),
    # 决定
    DocumentType("penalty_decision", "行政处罚决定书", PenaltyDecisionSchema, "decision", True, "处罚", True),
    # 当场决定书 carry the printed serial of the pre-numbered form, not a sequence 文号.
    DocumentType("summary_decision", "当场行政处罚决定书", SummaryDecisionSchema, "decision"),
    DocumentType(
        "no_penalty_decision", "不予行政处罚决定书", NoPenaltyDecisionSchema, "decision", True, "不罚", True
    ),
    DocumentType("referral_letter", "涉嫌犯罪案件移送书", ReferralLetterSchema, "decision", True, "移送"),
    # 送达
    DocumentType("service_receipt", "送达回证", ServiceReceiptSchema, "service"),
    # 执行
    DocumentType("closing_approval", "结案审批表", ClosingApprovalSchema, "execution"),
    # parts of the bound file the system makes itself
    DocumentType("case_file_cover", "案卷封面", CaseFileCoverSchema, None),
    DocumentType("file_index", "卷内目录", FileIndexSchema, None),
    DocumentType("file_note", "备考表", FileNoteSchema, None),
)


def get_document_type(code: str) -> DocumentType:
    """Return the registered type or raise KeyError."""
    return DOCUMENT_TYPES[code]
