"""The documents consumer: render each requested 文书 (or bound 案卷) through the documents service.

The PDF is rendered and stored before the worker's transaction (``prepare``), with the 案卷's progress
committed as it goes; the handler then records it: the service acts as the system and trails
``document.rendered`` with the PDF's SHA-256, so the worker's act is recorded like any other. It needs the blob store's location: the process settings by
default (what `casebook worker` and `casebook serve` run with), or those given to `handler`.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from casebook.config import Settings, process_settings
from events.envelope import Envelope

BINDINGS = ("document.requested",)


def handler(settings: Settings | None = None) -> Callable[..., None]:
    """A handler bound to `settings` (None: the process's own, read on first use)."""

    def render(s: Session, env: Envelope, prepared=None) -> None:
        from casebook.services import documents

        documents.render_document(s, env.payload["document_id"], settings=settings or process_settings(),
                                  rendered=prepared)

    return render


def preparer(settings: Settings | None = None) -> Callable[[sessionmaker[Session], Envelope], object]:
    """The step before the transaction: render and store the PDF with no transaction open (see `prerender`)."""

    def prepare(sessions: sessionmaker[Session], env: Envelope):
        from casebook.services import documents

        return documents.prerender(sessions, env.payload["document_id"], settings=settings or process_settings())

    return prepare


render = handler()
prepare = preparer()
