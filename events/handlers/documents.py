"""The documents consumer: render each requested 文书 (or bound 案卷) through the documents service.

The service acts as the system and trails ``document.rendered`` with the PDF's SHA-256, so the
worker's act is recorded like any other. It needs the blob store's location: the process settings by
default (what `casebook worker` and `casebook serve` run with), or those given to `handler`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from sqlalchemy.orm import Session

from casebook.config import Settings
from events.envelope import Envelope

BINDINGS = ("document.requested",)


@cache
def _process_settings() -> Settings:
    return Settings()


def handler(settings: Settings | None = None) -> Callable[[Session, Envelope], None]:
    """A handler bound to `settings` (None: the process's own, read on first use)."""

    def render(s: Session, env: Envelope) -> None:
        from casebook.services import documents

        documents.render_document(s, env.payload["document_id"], settings=settings or _process_settings())

    return render


render = handler()
