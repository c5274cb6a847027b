"""The layers hold: nothing imports upwards (checked over every import statement, at any depth in a module).

domain, calendar and audit are pure: they import nothing from services, db, web, events or documents.
Schemas import no services. Web modules call services and never query: no ORM queries, models or SQL in web
views (only the app factory and the transaction helper handle sessions).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _modules(*dirs: str) -> list[Path]:
    return sorted(p for d in dirs for p in (ROOT / d).rglob("*.py"))


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    pkg = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out += [mod] + [f"{mod}.{a.name}" for a in node.names]
    return out


def _violations(paths, forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for p in paths:
        for name in _imports(p):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                bad.append(f"{p.relative_to(ROOT)} imports {name}")
    return sorted(set(bad))


PURE = ("casebook/domain", "casebook/calendar", "casebook/audit")
ABOVE_PURE = ("casebook.services", "casebook.db", "casebook.web", "events", "casebook.documents")


def test_domain_calendar_and_audit_import_nothing_above_them():
    assert _violations(_modules(*PURE), ABOVE_PURE) == []


def test_schemas_import_no_services():
    assert _violations(_modules("schemas"), ("casebook.services", "casebook.web", "events", "casebook.db")) == []


def test_documents_do_not_reach_up_into_services_or_web():
    assert _violations(_modules("casebook/documents"), ("casebook.services", "casebook.web", "events")) == []


# The app factory, the API's and the pages' transaction helpers own the sessions; errors map ORM conflicts.
INFRA = ("app.py", "tx.py", "errors.py", "shell.py")


@pytest.mark.parametrize("path", [p for p in _modules("casebook/web") if p.name not in INFRA],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_web_views_call_services_and_never_query(path):
    assert _violations([path], ("sqlalchemy", "casebook.db")) == []


def test_the_layer_check_would_see_an_upward_import(tmp_path, monkeypatch):
    """The checker itself: an import of services from the domain, even inside a function, is found."""
    fake = ROOT / "casebook" / "domain" / "_layer_probe_tmp.py"
    fake.write_text("def f():\n    from casebook.services import cases\n    return cases\n", encoding="utf-8")
    try:
        assert _violations([fake], ABOVE_PURE) == ["casebook/domain/_layer_probe_tmp.py imports casebook.services",
                                                    "casebook/domain/_layer_probe_tmp.py imports casebook.services.cases"]
    finally:
        fake.unlink()


def test_services_raise_events_through_the_outbox_not_the_event_layer():
    assert _violations(_modules("casebook/services"), ("events", "casebook.web")) == []
