"""Parties (当事人), reused across cases: the same person or organisation is one row."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casebook.db.models import Party
from casebook.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from casebook.domain.identifiers import validate_phone, validate_resident_id, validate_uscc

from .context import Actor, require_role
from .recording import record

WRITERS = ("officer", "agency_head")


def _validated(data: dict) -> dict:
    kind = data["kind"]
    errors: dict[str, list[str]] = {}
    out = dict(data)
    try:
        out["id_number"] = (validate_resident_id if kind == "person" else validate_uscc)(data["id_number"], field="id_number")
    except ValidationFailed as e:
        errors.update({"id_number": [e.message]})
    if data.get("phone"):
        try:
            out["phone"] = validate_phone(data["phone"])
        except ValidationFailed as e:
            errors["phone"] = [e.message]
    if kind == "organization" and not data.get("legal_representative"):
        errors["legal_representative"] = ["单位当事人须填写法定代表人（负责人）"]
    if kind == "person" and data.get("legal_representative"):
        errors["legal_representative"] = ["自然人当事人没有法定代表人"]
    if errors:
        raise ValidationFailed("当事人信息有误", code="invalid_party", errors=errors)
    return out


def register_party(s: Session, actor: Actor, data: dict) -> Party:
    """Register a party, or refuse with the existing one's id if the identity number is already known."""
    require_role(actor, *WRITERS, what="party.register")
    data = _validated(data)
    existing = s.execute(select(Party).where(Party.kind == data["kind"], Party.id_number == data["id_number"])).scalar_one_or_none()
    if existing is not None:
        raise Conflict("该当事人已登记，请直接选用", code="party_exists", errors={"party_id": existing.id})
    party = Party(
        kind=data["kind"], name=data["name"], id_number=data["id_number"], phone=data.get("phone"),
        address=data.get("address"), legal_representative=data.get("legal_representative"),
        created_by_agency_id=actor.agency_id,
    )
    s.add(party)
    s.flush()
    payload = {"kind": party.kind, "name": party.name, "id_number": party.id_number, "phone": party.phone,
               "address": party.address, "legal_representative": party.legal_representative}
    record(s, actor, "party.registered", payload, agency_id=actor.agency_id,
           events=[("party.registered", {"action": "register", "id": party.id, "data": payload})])
    return party


def update_party(s: Session, actor: Actor, party_id: int, data: dict, expected_version: int | None) -> Party:
    """Correct a party's contact details; the identity number itself never changes."""
    require_role(actor, *WRITERS, what="party.update")
    party = get_party(s, actor, party_id)
    if expected_version is not None and party.version != expected_version:
        from casebook.domain.errors import StaleVersion

        raise StaleVersion()
    merged = _validated({"kind": party.kind, "id_number": party.id_number,
                         "legal_representative": party.legal_representative, **data})
    for k in ("name", "phone", "address", "legal_representative"):
        if k in data:
            setattr(party, k, merged.get(k))
    party.version += 1
    record(s, actor, "party.updated", data, agency_id=actor.agency_id,
           events=[("party.updated", {"action": "update", "id": party.id, "data": data})])
    s.flush()
    return party


def get_party(s: Session, actor: Actor, party_id: int) -> Party:
    if not actor.roles & {"officer", "agency_head", "legal_reviewer", "supervisor", "admin"}:
        raise PermissionDenied()
    party = s.get(Party, party_id)
    if party is None:
        raise NotFound("当事人不存在", code="party_not_found")
    return party


def search_parties(s: Session, actor: Actor, *, q: str | None, id_number: str | None, limit: int, after: int | None) -> list[Party]:
    stmt = select(Party)
    if q:
        stmt = stmt.where(Party.name.contains(q, autoescape=True))
    if id_number:
        stmt = stmt.where(Party.id_number == id_number.upper())
    if after is not None:
        stmt = stmt.where(Party.id < after)
    return list(s.execute(stmt.order_by(Party.id.desc()).limit(limit)).scalars())
