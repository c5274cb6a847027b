"""The event contracts, as the relay and the workers see them: the registry lives with the event schemas
(schemas.events.registry); importing the act declarations registers the acts' events."""

import casebook.services.acts  # noqa: F401  (registers the case acts' events)
from schemas.events.registry import (  # noqa: F401
    REGISTRY,
    UnknownEvent,
    validate_event,
    validate_events,
)
