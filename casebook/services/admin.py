"""The administrators' configuration: agencies, users and roles, passwords, 执法证. Admin only, every change trailed.

An administrator configures the whole system (every agency) and reads no case contents (docs/decisions.md).
Each function checks the role first: a refusal is logged (`context.deny`) and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import string

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from casebook.db.models import Agency, Credential, User
from casebook.domain.errors import NotFound, ValidationFailed
from casebook.domain.lifecycle import ROLES
from casebook.domain.publicity import SYSTEMS

from . import passwords
from .context import Actor, deny, require_role
from .recording import record
from .users import _revoke_all

#: Placeholders a 案号 format may use (行政处罚法 第三十九条 has the number made public with the case's documents).
CASE_NO_FIELDS = {"code", "year", "seq"}
EXPIRING_DAYS = 60


def _admin(actor: Actor, what: str) -> None:
    if "system" not in actor.roles:
        require_role(actor, "admin", what=what)


def _invalid(errors: dict[str, str], message: str = "输入有误，未作任何更改") -> ValidationFailed:
    return ValidationFailed(message, code="invalid_input", errors={k: [v] for k, v in errors.items()})


# --- agencies -------------------------------------------------------------------------------------------


def agencies(s: Session, actor: Actor) -> list[dict]:
    """Every agency with its parent's name and how many active users it has."""
    _admin(actor, "admin.agencies")
    counts = dict(s.execute(select(User.agency_id, func.count()).where(User.active.is_(True)).group_by(User.agency_id)).all())
    rows = list(s.execute(select(Agency).order_by(Agency.id)).scalars())
    names = {a.id: a.name for a in rows}
    return [{"id": a.id, "name": a.name, "code": a.code, "level": a.level, "parent": names.get(a.parent_id),
             "case_no_format": a.case_no_format, "review_limit_days": a.review_limit_days,
             "publication_system": a.publication_system, "users": counts.get(a.id, 0),
             "example": case_no_example(a.case_no_format, a.code)} for a in rows]


def agency(s: Session, actor: Actor, agency_id: int) -> Agency:
    _admin(actor, "admin.agency")
    a = s.get(Agency, agency_id)
    if a is None:
        raise NotFound("执法机关不存在", code="agency_not_found")
    return a


def case_no_example(fmt: str, code: str, year: int | None = None) -> str:
    try:
        return fmt.format(code=code, year=year or dt.date.today().year, seq=12)
    except (KeyError, IndexError, ValueError):
        return ""


def _check_case_no_format(fmt: str) -> str | None:
    if not fmt:
        return "案号格式不能为空"
    if len(fmt) > 100:
        return "案号格式不得超过100个字符"
    try:
        names = {f for _, f, _, _ in string.Formatter().parse(fmt) if f is not None}
    except ValueError:
        return "案号格式的花括号不成对"
    unknown = names - CASE_NO_FIELDS
    if unknown:
        return "案号格式只能使用{code}、{year}、{seq}，不能使用：" + "、".join("{" + n + "}" for n in sorted(unknown))
    if not {"year", "seq"} <= names:
        return "案号格式须包含{year}和{seq}"
    return None


def update_agency(s: Session, actor: Actor, agency_id: int, *, name: str, code: str, case_no_format: str,
                  review_limit_days: int | None, publication_system: str | None) -> Agency:
    """Change an agency's settings: 代字 (in every 案号 and 文号), case-number format, legal-review limit
    (行政处罚法 第五十八条; 工作日, none: 10), publication system (公示, 第四十八条). Trailed with before/after."""
    a = agency(s, actor, agency_id)
    name, code = (name or "").strip(), (code or "").strip()
    case_no_format = (case_no_format or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "机关名称不能为空"
    elif len(name) > 200:
        errors["name"] = "机关名称不得超过200个字符"
    if not code:
        errors["code"] = "代字不能为空"
    elif len(code) > 40 or re.search(r"[\s{}〔〕]", code):
        errors["code"] = "代字不得超过40个字符，不得含空格、花括号或六角括号"
    elif s.execute(select(Agency.id).where(Agency.code == code, Agency.id != a.id)).first():
        errors["code"] = "代字已被其他机关使用"
    if (problem := _check_case_no_format(case_no_format)) is not None:
        errors["case_no_format"] = problem
    if review_limit_days is not None and not 1 <= review_limit_days <= 30:
        errors["review_limit_days"] = "法制审核时限须为1至30个工作日"
    if publication_system and publication_system not in SYSTEMS:
        errors["publication_system"] = "未知的公示制度"
    if errors:
        raise _invalid(errors)
    new = {"name": name, "code": code, "case_no_format": case_no_format, "review_limit_days": review_limit_days,
           "publication_system": publication_system or None}
    before = {k: getattr(a, k) for k in new}
    changed = {k: [before[k], v] for k, v in new.items() if before[k] != v}
    if not changed:
        return a
    for k, v in new.items():
        setattr(a, k, v)
    s.flush()
    record(s, actor, "agency.updated", {"agency_id": a.id, "changed": changed}, agency_id=a.id)
    return a


# --- users and roles ------------------------------------------------------------------------------------


def users(s: Session, actor: Actor, *, agency_id: int | None = None, q: str = "", active: bool | None = None) -> list[User]:
    _admin(actor, "admin.users")
    stmt = select(User).options(selectinload(User.agency), selectinload(User.credentials)).order_by(User.agency_id, User.id)
    if agency_id:
        stmt = stmt.where(User.agency_id == agency_id)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(User.username.like(like) | User.display_name.like(like))
    if active is not None:
        stmt = stmt.where(User.active.is_(active))
    return list(s.execute(stmt).scalars())


def user(s: Session, actor: Actor, user_id: int) -> User:
    _admin(actor, "admin.user")
    u = s.get(User, user_id, options=[selectinload(User.agency), selectinload(User.credentials)])
    if u is None:
        raise NotFound("用户不存在", code="user_not_found")
    return u


def update_user(s: Session, actor: Actor, user_id: int, *, display_name: str, agency_id: int, roles: list[str],
                bar_qualified: bool) -> User:
    """Change a user's name, agency and roles. A legal reviewer needs 法律职业资格 (行政处罚法 第五十八条:
    初次从事法制审核的人员应当通过国家统一法律职业资格考试); an administrator cannot drop its own admin role."""
    u = user(s, actor, user_id)
    display_name = (display_name or "").strip()
    errors: dict[str, str] = {}
    if not display_name:
        errors["display_name"] = "姓名不能为空"
    elif len(display_name) > 100:
        errors["display_name"] = "姓名不得超过100个字符"
    bad = [r for r in roles if r not in ROLES]
    if bad:
        errors["roles"] = "未知角色：" + "、".join(bad)
    elif not roles:
        errors["roles"] = "至少选择一个角色"
    elif "legal_reviewer" in roles and not bar_qualified:
        errors["roles"] = "法制审核人员须具有法律职业资格（行政处罚法第五十八条）"
    if s.get(Agency, agency_id) is None:
        errors["agency_id"] = "执法机关不存在"
    if errors:
        raise _invalid(errors)
    if u.id == actor.user_id and "admin" not in roles:
        raise deny(actor, "user.update", "不能取消自己的管理员角色", "cannot_demote_self")
    new = {"display_name": display_name, "agency_id": agency_id, "roles": sorted(set(roles)), "bar_qualified": bool(bar_qualified)}
    before = {"display_name": u.display_name, "agency_id": u.agency_id, "roles": sorted(u.roles or ()),
              "bar_qualified": bool(u.bar_qualified)}
    changed = {k: [before[k], v] for k, v in new.items() if before[k] != v}
    if not changed:
        return u
    for k, v in new.items():
        setattr(u, k, v)
    s.flush()
    record(s, actor, "user.updated", {"user_id": u.id, "changed": changed}, agency_id=u.agency_id)
    return u


def reset_password(s: Session, actor: Actor, user_id: int, new_password: str) -> int:
    """Set a user's password (the policy of passwords.check_policy) and end every token of the user."""
    u = user(s, actor, user_id)
    passwords.check_policy(new_password, username=u.username, field="new_password")
    u.password_hash = passwords.hash_password(new_password)
    from casebook.db.models import utcnow

    n = _revoke_all(s, u.id, utcnow())
    record(s, actor, "user.password_reset", {"user_id": u.id, "tokens_revoked": n}, agency_id=u.agency_id)
    s.flush()
    return n


# --- credentials (执法证) -----------------------------------------------------------------------------------


def credential_state(c: Credential, today: dt.date, days: int = EXPIRING_DAYS) -> str:
    """valid / expiring (within `days`) / expired / revoked / future."""
    if c.revoked:
        return "revoked"
    if c.valid_to < today:
        return "expired"
    if c.valid_from > today:
        return "future"
    if c.valid_to <= today + dt.timedelta(days=days):
        return "expiring"
    return "valid"


def credentials(s: Session, actor: Actor, today: dt.date, *, agency_id: int | None = None,
                expiring_only: bool = False, days: int = EXPIRING_DAYS) -> list[dict]:
    """Every 执法证 with its holder and state; `expiring_only`: expired or expiring within `days`, soonest first
    (an officer may act only while one is valid, 行政处罚法 第四十二条)."""
    _admin(actor, "admin.credentials")
    stmt = (select(Credential, User.display_name, User.username, User.active, Agency.name)
            .join(User, User.id == Credential.user_id).join(Agency, Agency.id == User.agency_id))
    if agency_id:
        stmt = stmt.where(User.agency_id == agency_id)
    if expiring_only:
        stmt = stmt.where(Credential.revoked.is_(False), Credential.valid_to <= today + dt.timedelta(days=days))
        stmt = stmt.order_by(Credential.valid_to, Credential.id)
    else:
        stmt = stmt.order_by(Agency.id, User.id, Credential.valid_from)
    out = []
    for c, name, username, active, agency_name in s.execute(stmt).all():
        out.append({"id": c.id, "user_id": c.user_id, "holder": name, "username": username, "active": active,
                    "agency": agency_name, "credential_no": c.credential_no, "field": c.field,
                    "valid_from": c.valid_from, "valid_to": c.valid_to, "revoked": c.revoked,
                    "state": credential_state(c, today, days), "days_left": (c.valid_to - today).days})
    return out


def credential(s: Session, actor: Actor, credential_id: int) -> Credential:
    _admin(actor, "admin.credential")
    c = s.get(Credential, credential_id, options=[selectinload(Credential.user)])
    if c is None:
        raise NotFound("执法证不存在", code="credential_not_found")
    return c


def update_credential(s: Session, actor: Actor, credential_id: int, *, credential_no: str, field: str,
                      valid_from: dt.date, valid_to: dt.date, revoked: bool) -> Credential:
    """Correct or renew a 执法证, or mark it revoked (注销); trailed with before/after."""
    c = credential(s, actor, credential_id)
    credential_no, field = (credential_no or "").strip(), (field or "").strip()
    errors = check_credential(s, credential_no, field, valid_from, valid_to, exclude_id=c.id)
    if errors:
        raise _invalid(errors)
    new = {"credential_no": credential_no, "field": field, "valid_from": valid_from, "valid_to": valid_to,
           "revoked": bool(revoked)}
    before = {k: getattr(c, k) for k in new}
    changed = {k: [_plain(before[k]), _plain(v)] for k, v in new.items() if before[k] != v}
    if not changed:
        return c
    for k, v in new.items():
        setattr(c, k, v)
    s.flush()
    record(s, actor, "credential.updated", {"credential_id": c.id, "user_id": c.user_id, "changed": changed},
           agency_id=c.user.agency_id)
    return c


def check_credential(s: Session, credential_no: str, field: str, valid_from: dt.date | None, valid_to: dt.date | None,
                     exclude_id: int | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not credential_no:
        errors["credential_no"] = "执法证号不能为空"
    elif len(credential_no) > 40 or not re.fullmatch(r"[0-9A-Za-z\-]+", credential_no):
        errors["credential_no"] = "执法证号只能由数字、字母和“-”组成，不超过40位"
    else:
        q = select(Credential.id).where(Credential.credential_no == credential_no)
        if exclude_id is not None:
            q = q.where(Credential.id != exclude_id)
        if s.execute(q).first():
            errors["credential_no"] = "执法证号已存在"
    if not field:
        errors["field"] = "执法领域不能为空"
    elif len(field) > 100:
        errors["field"] = "执法领域不得超过100个字符"
    if valid_from is None:
        errors["valid_from"] = "有效期起始日不能为空"
    if valid_to is None:
        errors["valid_to"] = "有效期截止日不能为空"
    elif valid_from is not None and valid_to < valid_from:
        errors["valid_to"] = "有效期截止日不能早于起始日"
    return errors


def _plain(v):
    return v.isoformat() if isinstance(v, dt.date) else v


def officers(s: Session, actor: Actor) -> list[User]:
    """Users who may hold a 执法证 (the officer role), for the 新增执法证 form."""
    _admin(actor, "admin.officers")
    return [u for u in users(s, actor) if "officer" in (u.roles or ())]

