"""Marshmallow schemas: api/ (in/out), events/ (versioned payloads), documents/ (template contexts)."""

from . import zh  # noqa: F401  (Chinese validation messages everywhere)
