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
    #: What a client must usually supply (``fields``) because the case does not record it (GET /document-types).
    supplement: tuple[str, ...] = ()
    #: The case date that records this document's service on the party: once set, the live document has effect
    #: (行政处罚法 第六十一条) and is never voided. None: not a document served as a decision or notice.
    served_on: str | None = None
    #: What a client must supply only in some cases: field → when (e.g. the 决定书's 处罚依据 when the decision
    #: recorded no basis).
    may_need: dict[str, str] | None = None

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
    DocumentType("decline_approval", "不予立案审批表", DeclineApprovalSchema, "filing", supplement=("officers",)),
    # 调查
    DocumentType("inspection_record", "现场检查（勘验）笔录", InspectionRecordSchema, "investigation", supplement=("start", "end", "on_site_person", "recorder", "recusal_answer", "confirmation",
                                "signature")),
    DocumentType("inquiry_record", "询问笔录", InquiryRecordSchema, "investigation", supplement=("start", "end", "interviewee", "recorder", "qa", "confirmation", "signature")),
    DocumentType(
        "evidence_preservation_notice",
        "先行登记保存证据通知书",
        EvidencePreservationNoticeSchema,
        "investigation",
        True,
        "保存", supplement=("approved_by", "storage_place", "storage_method", "items")),
    DocumentType("correction_order", "责令改正通知书", CorrectionOrderSchema, "investigation", True, "责改", supplement=("violated_provision", "requirements", "consequence")),
    DocumentType("investigation_report", "调查终结报告", InvestigationReportSchema, "investigation", supplement=("criminal_check",)),
    # 审查 (审核、告知、听证、法制审核、集体讨论)
    DocumentType("prior_notice", "行政处罚事先告知书", PriorNoticeSchema, "review", True, "告知", supplement=("violated_provision", "contact"), served_on="prior_notice_served_on"),
    DocumentType(
        "hearing_notice_of_rights", "听证告知书", HearingNoticeOfRightsSchema, "review", True, "听告", supplement=("contact",)),
    DocumentType("hearing_notice", "听证通知书", HearingNoticeSchema, "review", True, "听通", supplement=("hearing_at", "place", "public", "chair", "clerk", "contact")),
    DocumentType("hearing_record", "听证笔录", HearingRecordSchema, "review", supplement=("start", "end", "place", "clerk", "recusal_answer", "entries", "confirmation",
                             "signature")),
    DocumentType("legal_review_opinion", "法制审核意见书", LegalReviewOpinionSchema, "review", True, "法审"),
    DocumentType("collective_discussion_record", "集体讨论记录", CollectiveDiscussionRecordSchema, "review", supplement=("start", "end", "place", "chair", "reporter", "speeches")),
    # 决定
    DocumentType("penalty_decision", "行政处罚决定书", PenaltyDecisionSchema, "decision", True, "处罚", True, served_on="served_on",
                 may_need={"penalty_provision": "决定未记录处罚依据（basis）时须补充"}),
    # 当场决定书 carry the printed serial of the pre-numbered form, not a sequence 文号.
    DocumentType("summary_decision", "当场行政处罚决定书", SummaryDecisionSchema, "decision", supplement=("decided_at", "handed_over_at", "violated_provision")),
    DocumentType(
        "no_penalty_decision", "不予行政处罚决定书", NoPenaltyDecisionSchema, "decision", True, "不罚", True, supplement=("correction", "education", "warning"), served_on="served_on"),
    DocumentType("referral_letter", "涉嫌犯罪案件移送书", ReferralLetterSchema, "decision", True, "移送", supplement=("recipient", "suspected_offence", "criminal_provision", "contact")),
    # 送达
    DocumentType("service_receipt", "送达回证", ServiceReceiptSchema, "service", supplement=("served_at", "received_at")),
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
