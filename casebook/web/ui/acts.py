"""The pages read an act from its one declaration (casebook.services.acts): label, article, roles, stages,
input schema and the field naming its officers. The forms are generated from the schema (web/ui/forms)."""

from __future__ import annotations

from casebook.domain.lifecycle import Act
from casebook.services.acts import ACTS

ActDeclaration = Act  # the pages' name for it


def act_declaration(code: str) -> Act:
    return ACTS[code]


def all_codes() -> list[str]:
    return list(ACTS)
