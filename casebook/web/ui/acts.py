"""The one place the pages read act declarations from.

Today an act is declared in two places (its transition in casebook.domain.lifecycle and its input schema in
schemas.api.cases); once the declarations move into casebook.services.acts (`ACTS[code]`), only this module
changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from marshmallow import Schema

from casebook.domain import lifecycle as lc
from schemas.api.cases import ACTION_SCHEMAS, SummaryDecisionIn
from schemas.api.records import EvidenceMetaIn

# The input field naming the officers of an act (第四十二条: they must hold credentials).
OFFICER_FIELDS = {"file": "officer_ids", "record_investigation_act": "officer_ids", "form_referral_team": "officer_ids",
                  "add_evidence": "collected_by", "decide_on_the_spot": "officer_ids"}
EXTRA_SCHEMAS: dict[str, type[Schema]] = {"add_evidence": EvidenceMetaIn, "decide_on_the_spot": SummaryDecisionIn}


@dataclass(frozen=True)
class ActDeclaration:
    code: str
    label: str
    article: str | None
    roles: frozenset[str]
    from_stages: tuple
    to: str | None
    schema: type[Schema] | None
    officers: str | None


@cache
def act_declaration(code: str) -> ActDeclaration:
    try:
        from casebook.services import acts as _acts  # the one place, once it lands

        a = _acts.ACTS[code]
        return ActDeclaration(a.code, a.label, a.article, frozenset(a.roles), tuple(a.from_stages), a.to, a.schema,
                              a.officers)
    except (ImportError, AttributeError):
        pass
    t = lc.TRANSITIONS[code]
    schema = ACTION_SCHEMAS.get(code) or EXTRA_SCHEMAS.get(code)
    return ActDeclaration(code, t.label, t.article, t.roles, t.from_stages, t.to, schema, OFFICER_FIELDS.get(code))


def all_codes() -> list[str]:
    return list(lc.TRANSITIONS)
