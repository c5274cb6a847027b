"""Handler groups: each is one durable queue with its bindings and one function run per event.

A handler runs inside the worker's transaction (the inbox row is in the same one); a handler that
acts on a case calls a service, so its acts are trailed like the web's. A group may also have a
``prepare`` step, run before that transaction with none open (slow work that writes nothing the inbox
must guard, e.g. rendering a PDF into the content-addressed store); what it returns is passed to the
handler, which records it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from events.envelope import Envelope

from . import activity, deadlines, documents, evaluation, publicity, rules


@dataclass(frozen=True)
class HandlerGroup:
    name: str
    bindings: tuple[str, ...]
    handle: Callable[..., None]  # (session, envelope) — or (session, envelope, prepared) with `prepare`
    prepare: Callable[[sessionmaker[Session], Envelope], Any] | None = None


GROUPS: dict[str, HandlerGroup] = {
    g.name: g for g in [
        HandlerGroup("activity", ("#",), activity.project),
        HandlerGroup("rules", ("case.facts_updated", "penalty.proposed"), rules.check),
        HandlerGroup("documents", documents.BINDINGS, documents.render, documents.prepare),
        HandlerGroup("deadlines", deadlines.BINDINGS, deadlines.handle),
        HandlerGroup("publicity", publicity.BINDINGS, publicity.handle),
        HandlerGroup("evaluation", evaluation.BINDINGS, evaluation.handle),
    ]
}


def bindings(groups: dict[str, HandlerGroup] | None = None) -> dict[str, tuple[str, ...]]:
    return {name: g.bindings for name, g in (groups or GROUPS).items()}
