"""Agencies, users, credentials and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, selectinload

from casebook.config import Settings
from casebook.db import raw
from casebook.db.models import Agency, ApiToken, Credential, User, utcnow
from casebook.domain.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from casebook.domain.lifecycle import ROLES

from . import passwords
from .context import Actor, actor_of, deny, require_role
from .recording import record

TOKEN_PREFIX = "cb_"
MIN_PASSWORD = passwords.MIN_LENGTH
# A token's last use is written at most this often (one UPDATE a minute per token, not one per request).
TOUCH_EVERY = dt.timedelta(seconds=60)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_agency(s: Session, name: str, code: str, level: str, parent_id: int | None = None,
                  case_no_format: str = "{code}立〔{year}〕{seq}号") -> Agency:
    if "{seq}" not in case_no_format or "{year}" not in case_no_format:
        raise ValidationFailed("案号格式须包含{year}和{seq}", errors={"case_no_format": ["须包含{year}和{seq}"]})
    agency = Agency(name=name, code=code, level=level, parent_id=parent_id, case_no_format=case_no_format)
    s.add(agency)
    s.flush()
    return agency


def create_user(s: Session, actor: Actor, *, username: str, display_name: str, password: str, agency_id: int,
                roles: list[str], bar_qualified: bool = False) -> User:
    """Create a user (admin only); roles are checked against the known set."""
    if "system" not in actor.roles:
        require_role(actor, "admin", what="user.create")
    bad = [r for r in roles if r not in ROLES]
    if bad or not roles:
        raise ValidationFailed("角色无效", code="invalid_role", errors={"roles": [f"未知角色：{r}" for r in bad] or ["至少指定一个角色"]})
    passwords.check_policy(password, username=username)
    if s.get(Agency, agency_id) is None:
        raise ValidationFailed("执法机关不存在", errors={"agency_id": ["执法机关不存在"]})
    if s.execute(select(User.id).where(User.username == username)).first():
        raise Conflict("用户名已存在", code="username_taken", errors={"username": ["用户名已存在"]})
    user = User(username=username, display_name=display_name, password_hash=passwords.hash_password(password),
                agency_id=agency_id, roles=sorted(set(roles)), bar_qualified=bar_qualified)
    s.add(user)
    s.flush()
    payload = {"username": username, "display_name": display_name, "agency_id": agency_id, "roles": user.roles,
               "bar_qualified": bar_qualified}
    record(s, actor, "user.created", payload, agency_id=agency_id,
           events=[("user.created", {"action": "create", "id": user.id, "data": payload})])
    return user


def issue_credential(s: Session, actor: Actor, user_id: int, *, credential_no: str, field: str,
                     valid_from: dt.date, valid_to: dt.date) -> Credential:
    """Record an officer's 执法证 (admin only)."""
    if "system" not in actor.roles:
        require_role(actor, "admin", what="credential.issue")
    user = s.get(User, user_id)
    if user is None:
        raise NotFound("用户不存在", code="user_not_found")
    if "officer" not in (user.roles or ()):
        raise ValidationFailed("只有执法人员才能持有执法证", code="not_an_officer", errors={"user_id": ["该用户不是执法人员"]})
    if valid_to < valid_from:
        raise ValidationFailed("有效期有误", errors={"valid_to": ["有效期截止日不能早于起始日"]})
    if s.execute(select(Credential.id).where(Credential.credential_no == credential_no)).first():
        raise Conflict("执法证号已存在", code="credential_exists", errors={"credential_no": ["执法证号已存在"]})
    cred = Credential(user_id=user_id, credential_no=credential_no, field=field, valid_from=valid_from, valid_to=valid_to)
    s.add(cred)
    s.flush()
    payload = {"user_id": user_id, "credential_no": credential_no, "field": field,
               "valid_from": valid_from.isoformat(), "valid_to": valid_to.isoformat()}
    record(s, actor, "credential.issued", payload, agency_id=user.agency_id,
           events=[("credential.issued", {"action": "issue", "id": cred.id, "data": payload})])
    return cred


def _settings(s: Session | None = None) -> Settings:
    from casebook.db.engine import session_settings

    return session_settings(s)


def issue_token(s: Session, user: User, name: str = "", ttl: dt.timedelta | None = None) -> str:
    """Issue a bearer token; only its hash is stored, the token itself is shown once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    s.add(ApiToken(user_id=user.id, token_hash=hash_token(token), name=name[:100], last_used_at=now,
                   expires_at=now + (ttl or dt.timedelta(hours=_settings(s).token_ttl_hours))))
    s.flush()
    return token


_t = ApiToken.__table__.c
_u = User.__table__.c
# One statement for a request's token: the token's validity columns and its user's identity (no ORM objects,
# no second query for the user, no password hash or JSON columns the request never uses besides roles).
# Built once and run on the driver's cursor (`db.raw.query`): per request only the token's hash is bound.
_TOKEN_IDENTITY = select(_t.id, _t.expires_at, _t.revoked_at, _t.last_used_at, _t.created_at, _u.id, _u.username,
                         _u.roles, _u.agency_id, _u.active).select_from(
    ApiToken.__table__.join(User.__table__, _u.id == _t.user_id)).where(_t.token_hash == bindparam("token_hash"))


@dataclass(frozen=True, slots=True)
class TokenIdentity:
    """A live token and who it speaks for (what `token_identity` returns)."""

    token_id: int
    last_used_at: dt.datetime | None
    actor: Actor


def token_identity(s: Session, token: str, *, now: dt.datetime | None = None) -> TokenIdentity | None:
    """The live token for a bearer token — not revoked, not past its expiry, not idle too long, its user active —
    and its actor, in one query (a statement built once, run on the driver's cursor); the actor is built from the
    user's columns (a supervisor's read scope takes one more query, for the agency subtree)."""
    now = now or utcnow()
    rows = raw.query(raw.connection(s), _TOKEN_IDENTITY, {"token_hash": hash_token(token)})
    if not rows:
        return None
    row = rows[0]
    token_id, expires_at, revoked_at, last_used_at, created_at, user_id, username, roles, agency_id, active = row
    if revoked_at is not None or (expires_at and expires_at <= now) or not active:
        return None
    if (last_used_at or created_at) + dt.timedelta(minutes=_settings(s).token_idle_minutes) <= now:
        return None
    return TokenIdentity(token_id, last_used_at, actor_of(s, user_id, username, roles, agency_id))


def touch_token(s: Session, token_id: int, now: dt.datetime | None = None) -> None:
    """Record a use of the token (the idle timeout counts from here)."""
    s.execute(update(ApiToken).where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
              .values(last_used_at=now or utcnow()))


def _revoke_all(s: Session, user_id: int, now: dt.datetime) -> int:
    res = s.execute(update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                    .values(revoked_at=now))
    return res.rowcount or 0


def logout(s: Session, actor: Actor, token_id: int) -> None:
    """End the token this request came with."""
    s.execute(update(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == actor.user_id,
                                     ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow()))
    record(s, actor, "session.ended", {"token_id": token_id}, agency_id=actor.agency_id)


def _user_in_scope(s: Session, actor: Actor, user_id: int, what: str) -> User:
    require_role(actor, "admin", what=what)
    user = s.get(User, user_id)
    if user is None:
        raise NotFound("用户不存在", code="user_not_found")
    return user


def revoke_tokens(s: Session, actor: Actor, user_id: int) -> int:
    """End every token of a user (admin): a lost laptop, a suspected leak."""
    user = _user_in_scope(s, actor, user_id, "user.revoke_tokens")
    n = _revoke_all(s, user.id, utcnow())
    record(s, actor, "user.tokens_revoked", {"user_id": user.id, "tokens": n}, agency_id=user.agency_id)
    return n


def set_active(s: Session, actor: Actor, user_id: int, active: bool) -> User:
    """Deactivate (ending every token) or reactivate a user (admin); reactivation revives no old token."""
    user = _user_in_scope(s, actor, user_id, "user.set_active")
    if user.id == actor.user_id and not active:
        raise deny(actor, "user.set_active", "不能停用自己的账号", "cannot_deactivate_self")
    n = 0
    user.active = active
    if not active:
        n = _revoke_all(s, user.id, utcnow())
    record(s, actor, "user.activated" if active else "user.deactivated",
           {"user_id": user.id, "tokens_revoked": n}, agency_id=user.agency_id)
    s.flush()
    return user


def change_password(s: Session, actor: Actor, current: str, new: str, *, address: str) -> None:
    """Self-service password change: the current password is required (and throttled like a sign-in);
    every token of the user ends, including the one this request came with."""
    from .throttle import login

    with s.begin():
        user = s.get(User, actor.user_id)
    if user is None:
        raise NotFound("用户不存在", code="user_not_found")
    try:
        login(s, user.username, current, address)
    except DomainError as e:
        if e.code == "bad_credentials":
            raise ValidationFailed("当前密码不正确", code="wrong_password",
                                   errors={"current_password": ["当前密码不正确"]}) from None
        raise
    passwords.check_policy(new, username=user.username, field="new_password")
    if passwords.verify(user.password_hash, new):
        raise ValidationFailed("新密码不能与当前密码相同", code="weak_password",
                               errors={"new_password": ["新密码不能与当前密码相同"]})
    new_hash = passwords.hash_password(new)
    with s.begin():
        s.get(User, user.id).password_hash = new_hash
        n = _revoke_all(s, user.id, utcnow())
        record(s, actor, "user.password_changed", {"user_id": user.id, "tokens_revoked": n}, agency_id=user.agency_id)


def list_users(s: Session, actor: Actor, agency_id: int | None = None) -> list[User]:
    if not actor.roles & {"admin", "agency_head", "supervisor"}:
        raise PermissionDenied()
    q = select(User).options(selectinload(User.credentials)).order_by(User.id)
    if "admin" not in actor.roles:
        q = q.where(User.agency_id.in_(actor.read_scope))
    if agency_id is not None:
        q = q.where(User.agency_id == agency_id)
    return list(s.execute(q).scalars())


def list_agencies(s: Session) -> list[Agency]:
    return list(s.execute(select(Agency).order_by(Agency.id)).scalars())


def current_user(s: Session, actor: Actor) -> User:
    """The signed-in user's own record."""
    return s.get(User, actor.user_id)


def delete_token(s: Session, token: str) -> None:
    """Delete a token (a page session's, at logout or idle timeout); an unknown token is nothing to do."""
    from sqlalchemy import delete

    s.execute(delete(ApiToken).where(ApiToken.token_hash == hash_token(token)))
