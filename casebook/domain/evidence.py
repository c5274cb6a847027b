"""Evidence kinds (行政处罚法 第四十六条): see casebook.domain.vocabulary."""

from .vocabulary import EVIDENCE_KINDS  # noqa: F401
