"""Reading the legal-review, collective-discussion, referral and 复议/诉讼 records (their acts are case acts: see
services.acts and services.effects)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casebook.db.models import CollectiveDiscussion, LegalReview, Referral, Remedy

from .context import Actor, require_role
from .loading import load_case, remedy_rows


def review_queue(s: Session, actor: Actor, *, status: str | None, mine: bool, limit: int) -> list[LegalReview]:
    """The agency's reviews waiting or under way (or of one status), soonest due first."""
    require_role(actor, "legal_reviewer", "agency_head", "supervisor", what="legal_reviews.queue")
    q = select(LegalReview).where(LegalReview.agency_id.in_(actor.read_scope))
    q = q.where(LegalReview.status == status) if status else q.where(LegalReview.status.in_(("submitted", "assigned")))
    if mine:
        q = q.where(LegalReview.reviewer_id == actor.user_id)
    return list(s.execute(q.order_by(LegalReview.due_on, LegalReview.id).limit(limit)).scalars())


def review_rounds(s: Session, actor: Actor, case_id: int) -> list[LegalReview]:
    load_case(s, actor, case_id)
    return list(s.execute(select(LegalReview).where(LegalReview.case_id == case_id).order_by(LegalReview.round)).scalars())


def discussions(s: Session, actor: Actor, case_id: int) -> list[CollectiveDiscussion]:
    load_case(s, actor, case_id)
    return list(s.execute(select(CollectiveDiscussion).where(CollectiveDiscussion.case_id == case_id)
                          .order_by(CollectiveDiscussion.id)).scalars())


def referrals(s: Session, actor: Actor, case_id: int) -> list[Referral]:
    load_case(s, actor, case_id)
    return list(s.execute(select(Referral).where(Referral.case_id == case_id).order_by(Referral.id)).scalars())


def remedies(s: Session, actor: Actor, case_id: int) -> list[Remedy]:
    """行政处罚法 第七十三条: the 复议 and 诉讼 recorded on the case, in the order filed."""
    load_case(s, actor, case_id)
    return remedy_rows(s, case_id)
