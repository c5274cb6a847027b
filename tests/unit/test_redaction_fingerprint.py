"""The fingerprint of the masking rules (services.publicity.redaction_rules) that tells `casebook db upgrade` which
published texts to redo: stable for the same code, and still computed where the package is installed without its
sources (then from the compiled code and the patterns)."""

from __future__ import annotations

import inspect
import re

from casebook.domain import pii
from casebook.services import publicity


def test_the_fingerprint_is_stable_and_follows_the_patterns_without_the_sources(monkeypatch):
    publicity.redaction_rules.cache_clear()
    with_sources = publicity.redaction_rules()
    assert re.fullmatch(r"[0-9a-f]{16}", with_sources)
    publicity.redaction_rules.cache_clear()
    assert publicity.redaction_rules() == with_sources

    def no_source(_):
        raise OSError("could not get source code")

    monkeypatch.setattr(inspect, "getsource", no_source)
    publicity.redaction_rules.cache_clear()
    compiled = publicity.redaction_rules()
    assert re.fullmatch(r"[0-9a-f]{16}", compiled) and compiled != with_sources
    # a changed pattern is a changed rule
    monkeypatch.setattr(pii, "_EMAIL_RE", re.compile(pii._EMAIL_RE.pattern + "x"))
    publicity.redaction_rules.cache_clear()
    assert publicity.redaction_rules() != compiled
    monkeypatch.undo()
    publicity.redaction_rules.cache_clear()
