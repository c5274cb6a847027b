"""Agencies, users, credentials and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from casebook.db.models import Agency, ApiToken, Credential, User, utcnow
from casebook.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from casebook.domain.lifecycle import ROLES

from .context import Actor, require_role
from .recording import record

TOKEN_PREFIX = "cb_"
MIN_PASSWORD = 10


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
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed("密码太短", code="weak_password", errors={"password": [f"密码至少{MIN_PASSWORD}位"]})
    if s.get(Agency, agency_id) is None:
        raise ValidationFailed("执法机关不存在", errors={"agency_id": ["执法机关不存在"]})
    if s.execute(select(User.id).where(User.username == username)).first():
        raise Conflict("用户名已存在", code="username_taken", errors={"username": ["用户名已存在"]})
    user = User(username=username, display_name=display_name, password_hash=generate_password_hash(password),
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


def authenticate(s: Session, username: str, password: str) -> User | None:
    user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        return None
    return user


def issue_token(s: Session, user: User, name: str = "", ttl_days: int = 30) -> str:
    """Issue a bearer token; only its hash is stored, the token itself is shown once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    s.add(ApiToken(user_id=user.id, token_hash=hash_token(token), name=name,
                   expires_at=utcnow() + dt.timedelta(days=ttl_days)))
    s.flush()
    return token


def user_for_token(s: Session, token: str) -> User | None:
    row = s.execute(
        select(ApiToken).where(ApiToken.token_hash == hash_token(token)).options(selectinload(ApiToken.user))
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None or (row.expires_at and row.expires_at < utcnow()):
        return None
    return row.user if row.user.active else None


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


def delete_token(s: Session, token: str) -> None:
    """Delete a token (a page session's, at logout or idle timeout); an unknown token is nothing to do."""
    from sqlalchemy import delete

    s.execute(delete(ApiToken).where(ApiToken.token_hash == hash_token(token)))


def change_password(s: Session, user_id: int, old_password: str, new_password: str) -> None:
    """Change one's own password after proving the old one."""
    user = s.get(User, user_id)
    if user is None or not check_password_hash(user.password_hash, old_password):
        raise ValidationFailed("原密码不正确", code="wrong_password", errors={"old_password": ["原密码不正确"]})
    if len(new_password) < MIN_PASSWORD:
        raise ValidationFailed("密码太短", code="weak_password", errors={"new_password": [f"密码至少{MIN_PASSWORD}位"]})
    user.password_hash = generate_password_hash(new_password)
    record(s, Actor(user.id, user.username, frozenset(user.roles or ()), user.agency_id), "user.password_changed",
           {"user_id": user.id}, agency_id=user.agency_id)
