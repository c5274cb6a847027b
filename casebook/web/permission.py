"""Permission before validation, for the API and the pages alike.

A caller who may not do something is told so (403, or 404 for another agency's record) before anything it sent
is parsed: it learns nothing from field errors, and a page never answers a refusal of permission with a toast and
a redirect. Each check here only moves the refusal first; the service checks again when it writes (and logs
every denial through `services.context.deny`).
"""

from __future__ import annotations

import functools

from flask import g, request

from casebook.domain.errors import DomainError
from casebook.services.acts import ACTS
from casebook.services.context import require_role
from casebook.services.perform import admit, check_role
from casebook.web.tx import read

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _applies(writes_only: bool) -> bool:
    return not writes_only or request.method in WRITES


def checked_first(check, *, writes_only: bool = False):
    """Run `check(session, actor, **view_kwargs)` — a service's own lock-free permission check (scope and role) —
    before the body is parsed: placed right under the route. Another agency's record is 404, a wrong role or
    agency 403, before any field error. `writes_only`: a page that shows its form to readers checks its POST."""
    def deco(f):
        @functools.wraps(f)
        def wrapped(*args, **kwargs):
            if _applies(writes_only):
                read(lambda s: check(s, g.actor, **kwargs))
            return f(*args, **kwargs)
        return wrapped
    return deco


def roles_first(*roles: str, what: str, writes_only: bool = False):
    """Refuse a caller without one of `roles` (403 `role_not_allowed`, logged) before the body is parsed: placed
    right under the route. The service still checks (this only moves the refusal first)."""
    def deco(f):
        @functools.wraps(f)
        def checked(*args, **kwargs):
            if _applies(writes_only):
                require_role(g.actor, *roles, what=what)
            return f(*args, **kwargs)
        return checked
    return deco


def permission_first(action: str, *, writes_only: bool = False):
    """Check who may do the act `action` before the body is parsed or If-Match read (placed right under the route).

    A caller without permission gets 404 (another agency's case) or 403 (not their agency, not their role),
    never field errors or a stale-version 409 that would tell them about the case. On a case the check reads
    it in the request's read session (`perform.admit`); an act that creates its case checks the roles its
    declaration names. `perform` checks again in the act's transaction. `writes_only`: a page that shows the
    act's form on GET (案源登记, 当场处罚) checks its POST.
    """
    def wrap(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            if _applies(writes_only):
                if "case_id" in kwargs:
                    read(lambda s: admit(s, g.actor, kwargs["case_id"], action))
                else:
                    check_role(g.actor, ACTS[action], f"case:{action}")
            return view(*args, **kwargs)
        return checked
    return wrap


def reraise_refusal(e: DomainError) -> None:
    """In a page's "flash the error and go back" handler: a refusal of permission (403) or a record the caller
    may not see (404) is not a form error — it is raised, so the page answers with its status."""
    if e.http_status in (403, 404):
        raise e
