"""Who is acting: identity first, for every service call."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from casebook.db.models import Agency, User
from casebook.domain.deadlines import LOCAL_TZ  # noqa: F401  (re-exported)
from casebook.domain.errors import PermissionDenied

log = logging.getLogger("casebook.access")


def local_today() -> dt.date:
    """Legal dates are local dates in Asia/Shanghai."""
    return dt.datetime.now(LOCAL_TZ).date()


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    roles: frozenset[str]
    agency_id: int | None
    # Agencies whose cases this actor may read: its own, plus descendants for supervisors.
    read_scope: frozenset[int] = field(default_factory=frozenset)

    @property
    def primary_role(self) -> str:
        for r in ("agency_head", "legal_reviewer", "officer", "supervisor", "admin", "system"):
            if r in self.roles:
                return r
        return "unknown"

    def can_act_in(self, agency_id: int) -> bool:
        """Acts on a case are limited to the actor's own agency (no act outside its scope)."""
        return agency_id == self.agency_id

    def can_read(self, agency_id: int) -> bool:
        """Case contents (cases, evidence, documents, parties, deadlines) of this agency. An administrator
        configures the system and reads no case contents: admin adds nothing to the scope (docs/decisions.md)."""
        return agency_id in self.read_scope


SYSTEM = Actor(None, "system", frozenset({"system"}), None, frozenset())


def agency_subtree(s: Session, root_id: int) -> frozenset[int]:
    rows = s.execute(select(Agency.id, Agency.parent_id)).all()
    children: dict[int | None, list[int]] = {}
    for aid, pid in rows:
        children.setdefault(pid, []).append(aid)
    out, stack = set(), [root_id]
    while stack:
        a = stack.pop()
        if a not in out:
            out.add(a)
            stack.extend(children.get(a, ()))
    return frozenset(out)


# Roles whose work is cases; a user with none of them (an administrator only) has an empty read scope.
CASE_ROLES = frozenset({"officer", "agency_head", "legal_reviewer", "supervisor"})


def actor_for(s: Session, user: User) -> Actor:
    return actor_of(s, user.id, user.username, user.roles, user.agency_id)


def actor_of(s: Session, user_id: int, username: str, roles, agency_id: int | None) -> Actor:
    """The actor of a user given by its columns (a token's identity is read without loading the User)."""
    roles = frozenset(roles or ())
    if "supervisor" in roles:
        scope = agency_subtree(s, agency_id)
    elif roles & CASE_ROLES:
        scope = frozenset({agency_id})
    else:
        scope = frozenset()
    return Actor(user_id, username, roles, agency_id, scope)


def deny(actor: Actor, what: str, message: str, code: str = "forbidden") -> PermissionDenied:
    """Log the denial (every denial is logged) and return the error to raise."""
    log.warning("denied user=%s roles=%s agency=%s what=%s code=%s", actor.username, sorted(actor.roles), actor.agency_id, what, code)
    return PermissionDenied(message, code=code)


def require_role(actor: Actor, *roles: str, what: str) -> None:
    if not actor.roles & set(roles):
        raise deny(actor, what, "您的角色无权执行此操作", "role_not_allowed")
