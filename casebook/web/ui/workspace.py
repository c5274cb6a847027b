"""The officer's workspace: my cases, my deadlines, a new lead, an on-the-spot (简易程序) decision."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for

from casebook.domain.errors import ActionRefused, DomainError
from casebook.domain.lifecycle import STAGES
from casebook.services import cases, deadlines, parties, statistics, worklists
from casebook.services.worklists import UNMET
from casebook.web.permission import permission_first, roles_first

from . import forms
from .acts import act_declaration
from .shell import install_errors, page, reading, settings, write

blp = Blueprint("ui_work", __name__, url_prefix="/work")
install_errors(blp)
PAGE_SIZES = (10, 20, 50)


def _int(v, default=None):
    return int(v) if v and v.isdigit() and len(v) < 12 else default


def _next_deadlines(s, case_ids: set[int]) -> dict[int, dict]:
    """The soonest deadline still to be met (open, or missed: in red) of each listed case, in one query for the page."""
    out: dict[int, dict] = {}
    if not case_ids:
        return out
    for d in deadlines.list_for(s, g.actor, status=UNMET, case_ids=case_ids, limit=20 * len(case_ids)):
        out.setdefault(d["case_id"], d)
    return out


def _date(v):
    import datetime as dt

    try:
        return dt.date.fromisoformat(v) if v and len(v) == 10 else None
    except ValueError:
        return None


def _drill_filters(args) -> dict:
    """Filters a chart of the statistics links with (the cases behind a bar); bad values are ignored."""
    from casebook.domain.vocabulary import DECISION_KINDS

    out: dict = {}
    for name in ("agency_id", "officer_id"):
        if (v := _int(args.get(name))) is not None:
            out[name] = v
    for name in ("discovered_from", "discovered_to", "decided_from", "decided_to"):
        if (d := _date(args.get(name))) is not None:
            out[name] = d
    if args.get("decision_kind") in DECISION_KINDS:
        out["decision_kind"] = args["decision_kind"]
    return out


@blp.route("/cases", endpoint="cases")
def cases_list():
    args = request.args
    size = _int(args.get("size"), 10)
    size = size if size in PAGE_SIZES else 10
    filters = {}
    scope = args.get("scope", "mine")
    if scope == "mine":
        filters["officer_id"] = g.actor.user_id
    if args.get("stage") in STAGES:
        filters["stage"] = args["stage"]
    if (q := (args.get("q") or "").strip()[:100]):
        filters["q"] = q
    if (party := (args.get("party") or "").strip()[:100]):
        filters["party_name"] = party
    drill = _drill_filters(args)
    filters.update(drill)
    after = _int(args.get("after"))
    with reading() as s:
        rows = cases.list_cases(s, g.actor, filters, limit=size + 1, after=after)
        more = len(rows) > size
        rows = rows[:size]
        nexts = _next_deadlines(s, {c["id"] for c in rows})
        return page("work_cases.html", s=s, rows=rows, nexts=nexts, more=more, size=size, scope=scope,
                    args=args, drill=drill, drill_labels=statistics.drill_labels(s, drill) if drill else [], next_after=rows[-1]["id"] if more and rows else None,
                    crumbs=[("案件办理", None), ("我的案件" if scope == "mine" else "本机关案件", None)])


MY_DEADLINES_LIMIT = 500


@blp.route("/deadlines")
def my_deadlines():
    """The acts waiting for my confirmation (会签), then the deadlines still to be met (open, or missed) of the cases I am
    named on (a head or a reviewer: the agency's), the agency's own duties first (待办), then the party's and the
    police's, which the officer watches."""
    a = g.actor
    officer_id = None if a.roles & {"agency_head", "legal_reviewer"} else a.user_id
    with reading() as s:
        rows = deadlines.list_for(s, a, status=UNMET, officer_id=officer_id, limit=MY_DEADLINES_LIMIT + 1)
        more = len(rows) > MY_DEADLINES_LIMIT
        rows = rows[:MY_DEADLINES_LIMIT]
        ours = [d for d in rows if d["duty"] == "agency"]
        watched = [d for d in rows if d["duty"] != "agency"]
        refs = cases.case_refs(s, a, {d["case_id"] for d in rows})
        confirmations = worklists.awaiting_my_confirmation(s, a)
        return page("work_deadlines.html", s=s, ours=ours, watched=watched, more=more, refs=refs,
                    confirmations=confirmations,
                    limit=MY_DEADLINES_LIMIT, crumbs=[("案件办理", None), ("我的期限", None)])


def _parties(s):
    return [(p.id, f"{p.name}（{'单位' if p.kind == 'organization' else '个人'}）")
            for p in parties.search_parties(s, g.actor, q=None, id_number=None, limit=200, after=None)]


@blp.route("/leads/new", methods=["GET", "POST"])
@permission_first("register_lead", writes_only=True)
def new_lead():
    from schemas.api.cases import LeadIn

    with reading() as s:
        people = {"parties": _parties(s)}
    form = forms.form_fields(LeadIn, "register_lead", None, people)
    crumbs = [("案件办理", url_for("ui_work.cases")), ("案源登记", None)]
    if request.method == "GET":
        values = {**forms.defaults(form), **({"party_id": request.args["party_id"]} if request.args.get("party_id") else {})}
        return page("lead_new.html", form=form, values=values, errors={}, crumbs=crumbs)
    data, errors = forms.load(LeadIn, form, request.form)
    if data is not None:
        try:
            cid = write(lambda s: cases.register_lead(s, g.actor, data, settings=settings()).id)
            flash("新增成功", "success")
            return redirect(url_for("ui_case.show", case_id=cid))
        except DomainError as e:
            errors = {**(e.errors or {}), "_": [e.message]}
    return page("lead_new.html", 422, form=form, values=request.form, errors=errors, crumbs=crumbs)


@blp.route("/parties/new", methods=["GET", "POST"])
@roles_first(*parties.WRITERS, what="party.register", writes_only=True)
def new_party():
    """新增当事人: registered in the officer's agency (its scope), then back to the lead with the party chosen."""
    from casebook.services import parties as party_svc
    from schemas.api.records import PartyIn

    form = forms.form_fields(PartyIn, "register_party", None, {})
    crumbs = [("案件办理", url_for("ui_work.cases")), ("案源登记", url_for("ui_work.new_lead")), ("新增当事人", None)]
    if request.method == "GET":
        return page("party_new.html", form=form, values={}, errors={}, crumbs=crumbs)
    data, errors = forms.load(PartyIn, form, request.form)
    if data is not None:
        try:
            pid = write(lambda s: party_svc.register_party(s, g.actor, data).id)
            flash("新增成功", "success")
            return redirect(url_for("ui_work.new_lead", party_id=pid))
        except DomainError as e:
            errors = {**(e.errors or {}), "_": [e.message]}
    return page("party_new.html", 422, form=form, values=request.form, errors=errors, crumbs=crumbs)


@blp.route("/summary/new", methods=["GET", "POST"])
@permission_first("decide_on_the_spot", writes_only=True)
def new_summary():
    decl = act_declaration("decide_on_the_spot")
    with reading() as s:
        officers = [(u.id, u.display_name) for u in worklists.agency_people(s, g.actor) if "officer" in (u.roles or ())]
        people = {"parties": _parties(s), "officers": officers}
    form = forms.form_fields(decl.schema, decl.code, decl.officers, people)
    crumbs = [("案件办理", url_for("ui_work.cases")), ("当场处罚（简易程序）", None)]
    ctx = {"form": form, "decl": decl, "crumbs": crumbs, "reasons": []}
    if request.method == "GET":
        values = {**forms.defaults(form), "officer_ids": [str(g.actor.user_id)]}
        return page("summary_new.html", values=values, errors={}, **ctx)
    data, errors = forms.load(decl.schema, form, request.form)
    status = 422
    if data is not None:
        try:
            cid = write(lambda s: cases.decide_on_the_spot(s, g.actor, data, settings=settings()).id)
            flash("操作成功", "success")
            return redirect(url_for("ui_case.show", case_id=cid))
        except ActionRefused as e:
            ctx["reasons"], status = [r.as_dict() for r in e.reasons], 409
        except DomainError as e:
            errors, status = {**(e.errors or {}), "_": [e.message]}, e.http_status
    return page("summary_new.html", status, values=request.form, errors=errors, **ctx)
