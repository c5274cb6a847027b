"""The case page: header, steps, tabs, the available acts (forms from their declarations) and the refused ones
with every reason and its article; evidence upload and preview; the timeline with chain verification; documents."""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, flash, g, redirect, request, send_file, url_for
from werkzeug.datastructures import MultiDict as _MultiDict

from casebook.domain import lifecycle as lc
from casebook.domain.errors import ActionRefused, DomainError, StaleVersion
from casebook.domain.evidence import EVIDENCE_KINDS
from casebook.domain.vocabulary import STAGES as STAGE_LABELS
from casebook.services import audit, cases, deadlines, documents, evidence, rules, worklists
from casebook.services.acts import ACTS as TRANSITIONS
from casebook.web.permission import reraise_refusal

from . import fmt, forms
from .acts import act_declaration
from .shell import install_errors, page, reading, settings, write

blp = Blueprint("ui_case", __name__, url_prefix="/cases")
install_errors(blp)
AGENCY_OFFICER_ACTS = {"file", "form_referral_team"}  # acts that name officers not yet on the case
PREVIEWABLE = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf")


def _people(s, case) -> dict:
    staff = worklists.agency_people(s, g.actor) if g.actor.can_act_in(case.agency_id) else []
    reviewers = [(u.id, u.display_name) for u in staff if "legal_reviewer" in (u.roles or ())]
    case_officers = [(o.user_id, o.user.display_name) for o in case.officers]
    agency_officers = [(u.id, u.display_name) for u in staff if "officer" in (u.roles or ())]
    on_case = {i for i, _ in case_officers}
    return {"case_officers": case_officers, "agency_officers": agency_officers,
            "people": [(u.id, u.display_name) for u in staff if u.id not in on_case],
            "reviewers": reviewers,
            "parties": [(case.party.id, case.party.name)] if case.party else [],
            # 会签: the binding acts waiting for this user's confirmation
            "pending": [(x["act_id"], f"{act_declaration(x['action']).label}（第{x['seq']}项）")
                        for x in case.awaiting_confirmation if g.actor.user_id in x["awaiting"]]}


def _consequence(decl) -> str | None:
    """What a legal act commits to, said before it is submitted (「系统提示」); None for acts that change no stage."""
    if decl.to is None and not decl.cosign:
        return None
    to = STAGE_LABELS.get(decl.to) if decl.to and decl.to != "@resume" else None
    then = f"，案件将进入“{to}”阶段" if to else ""
    return f"提交后将记录“{decl.label}”{then}，记入全过程记录，不可修改。确定提交吗？"


def _form_for(code: str, people: dict):
    decl = act_declaration(code)
    if decl.schema is None:
        return decl, []
    named = people["agency_officers"] if code in AGENCY_OFFICER_ACTS else people["case_officers"]
    return decl, forms.form_fields(decl.schema, code, decl.officers, {**people, "officers": named})


def _doc_forms(open_doc: dict | None) -> list[dict]:
    """One issue form per document type built from the case: its supplement fields from the type's schema."""
    from schemas.documents import DOCUMENT_TYPES

    out = []
    for d in documents.document_types():
        if not d["from_case"]:
            continue
        names = list(d["supplement"] or ())
        mine = open_doc is not None and open_doc["type"] == d["code"]
        if mine:
            names += [n for n in open_doc["missing"] if n not in names]
        form = forms.form_fields(DOCUMENT_TYPES[d["code"]].schema, f"doc:{d['code']}", None, {}, only=names)
        for f in form:  # posted as f.<name>: the supplement, apart from the form's own fields
            f.name = "f." + f.name
        out.append({**d, "form": form, "open": mine, "vals": open_doc["values"] if mine else {},
                    "errs": open_doc["errors"] if mine else {}})
    return out


def case_context(s, case_id: int, *, open_act: str | None = None, values=None, errors=None, refusal=None,
                 open_doc: dict | None = None, tab: str | None = None, review: bool = False) -> dict:
    """What the case page shows; each tab's lists are read and built only when that tab is shown."""
    tab = "documents" if open_doc else (tab or request.args.get("tab") or ("acts" if open_act else "basic"))
    if tab not in ("basic", "acts", "evidence", "documents", "trail"):
        tab = "basic"
    case = cases.load_case(s, g.actor, case_id, with_agency=True)
    people = _people(s, case)
    acts = []
    for a in cases.available_actions(s, g.actor, case):
        decl = act_declaration(a["action"])
        item = {**a, "article": decl.article, "open": open_act == a["action"], "consequence": _consequence(decl)}
        if a["allowed"] and (tab == "acts" or review):  # forms are built for the tab that shows them
            decl, form = _form_for(a["action"], people)
            mine = item["open"]
            item.update(form=form, errors=errors if mine else {}, multipart=a["action"] == "add_evidence",
                        vals=values if mine and values is not None else {
                            **forms.defaults(form), **({decl.officers: [str(i) for i, _ in people["case_officers"]]}
                                                       if decl.officers and a["action"] not in AGENCY_OFFICER_ACTS else {})})
        acts.append(item)
    users_by_id = {i: n for i, n in people["agency_officers"] + people["people"] + people["case_officers"]}
    if g.user:
        users_by_id.setdefault(g.user["id"], g.user["name"])
    records = worklists.case_records(s, g.actor, case)
    dls = deadlines.list_for(s, g.actor, case_id=case_id, limit=100)
    open_dls = [d for d in dls if d["status"] == "open" and d["due_on"] is not None]
    refused = [a for a in acts if not a["allowed"]]
    return {
        "case": case, "acts": acts, "allowed": [a for a in acts if a["allowed"]],
        "refused": refused, "read_only": read_only(g.actor, case),
        "refused_groups": refused_groups(refused, referral_live=(
            case.referral_status in lc.REFERRAL_IN_PROGRESS or case.referral_status == "suggested")),
        "evidence": records["evidence"], "users_by_id": users_by_id,
        "trail": [_trail_row(e, users_by_id) for e in reversed(audit.case_trail(s, case_id))] if tab == "trail" else [],
        "deadlines": dls, "next_deadline": open_dls[0] if open_dls else None,
        "documents": records["documents"],
        "doc_forms": _doc_forms(open_doc) if tab == "documents" else [],
        "open_doc_message": (open_doc or {}).get("message"),
        "reviews": records["reviews"], "referrals": records["referrals"],
        "evaluation": rules.evaluate(s, case) if case.violations and (tab == "basic" or review) else None,
        "EVIDENCE_KINDS": EVIDENCE_KINDS, "refusal": refusal, "open_act": open_act, "tab": tab,
        "crumbs": [("案件办理", url_for("ui_work.cases")), ("案件详情", None)],
    }


def read_only(actor, case) -> str | None:
    """Why this person only reads the case and takes no act on it (one line on the acts tab instead of every act
    refused), or None: acts stay in the case's own agency (`Actor.can_act_in`), and a role that no act declares
    (the supervisor's, the administrator's) takes none."""
    if not actor.can_act_in(case.agency_id):
        return "本案不属于您所在的执法机关，您可以查阅，不能办理。"
    if not any(actor.roles & a.roles for a in TRANSITIONS.values()):
        roles = "、".join(lc.ROLE_LABELS.get(r, r) for r in sorted(actor.roles))
        return f"您的角色（{roles}）不办理案件，您可以查阅本案。"
    return None


#: The refused acts folded away under a heading of their own, in this order: the 行刑衔接 track (国务院令第310号), whose
#: acts apply at every open stage and mostly wait for a referral step that has not come, then the 复议/诉讼 acts
#: (行政处罚法 第七十三条) waiting for a fine served or a 复议/诉讼 filed — the party's doing, not the case's next step —
#: then the acts refused for the role (another person's). What stays in view is what stands between this person and
#: the case's next steps.
REFUSED_FOLDS = (("referral", "涉嫌犯罪案件移送（行刑衔接）"), ("remedy", "行政复议、行政诉讼（加处罚款暂停计算）"),
                 ("other_roles", "须由其他人员办理"))
#: Reasons that say an act's turn has not come (or is someone else's), not what is missing for it.
NOT_ITS_TURN = frozenset({"referral_wrong_step", "referral_in_progress", "no_penalty_decided", "role_not_allowed"})
#: The same for the 复议/诉讼 acts: no fine served, none pending (or one pending already).
REMEDY_NOT_ITS_TURN = frozenset({"no_fine_served", "no_remedy_pending", "remedy_pending"})


def refused_groups(refused: list[dict], *, referral_live: bool = False) -> dict:
    """The refused acts as the acts tab shows them: {"next": [...], "folds": [{"key", "title", "acts", "open"}, ...]}.

    An act is on the referral track when its declared event is a referral event. Such an act stays in view when its
    turn has come and something else stops it (the transfer once approved, while the 移送材料 are incomplete); the rest
    of the track is folded. A 复议/诉讼 act is folded while its turn has not come (no fine served, none pending, or one
    pending already). Another act is another role's when the role is among its reasons (`role_not_allowed`:
    this person can never take it, whatever else is missing; the fold still lists every reason). Empty folds are left
    out. `referral_live`: a referral is under way or the rules suggest one (涉嫌犯罪): the track's fold is shown open."""
    groups: dict[str, list[dict]] = {"next": [], **{k: [] for k, _ in REFUSED_FOLDS}}
    for a in refused:
        codes = {r["code"] for r in a["reasons"]}
        if TRANSITIONS[a["action"]].event.startswith("referral.") and (not codes or codes & NOT_ITS_TURN):
            groups["referral"].append(a)
        elif TRANSITIONS[a["action"]].event.startswith("remedy.") and codes & REMEDY_NOT_ITS_TURN \
                and "role_not_allowed" not in codes:
            groups["remedy"].append(a)
        elif "role_not_allowed" in codes:
            groups["other_roles"].append(a)
        else:
            groups["next"].append(a)
    return {"next": groups["next"],
            "folds": [{"key": k, "title": t, "acts": groups[k], "open": k == "referral" and referral_live}
                      for k, t in REFUSED_FOLDS if groups[k]]}


def _trail_row(e, users_by_id: dict) -> dict:
    """One 办案记录 entry as the timeline shows it: time to the second, who (role), the act, the opinion."""
    payload = json.loads(e.payload)
    data = payload.get("data") or {}
    opinion = next((data[k] for k in ("opinion_text", "reason", "note", "summary", "report", "opinion")
                    if isinstance(data.get(k), str) and data.get(k)), "")
    who = users_by_id.get(e.actor_id) or ("系统" if e.actor_id is None else f"用户{e.actor_id}")
    role = fmt.TRAIL_ROLE.get(e.actor_role, e.actor_role)
    return {"iso": e.occurred_at.isoformat(), "at": fmt.datetime(e.occurred_at, True), "who": who,
            "role": None if role == who else role, "what": fmt.label_of(e.action, payload),
            "opinion": opinion if len(opinion) <= 200 else opinion[:199] + "…"}


@blp.route("/<id:case_id>")
def show(case_id):
    act = request.args.get("act")
    with reading() as s:
        return page("case.html", s=s, **case_context(s, case_id, open_act=act if act in TRANSITIONS else None))


def _rerender(case_id, action, status, **kw):
    with reading() as s:
        return page("case.html", status, s=s, **case_context(s, case_id, open_act=action, values=request.form,
                                                             tab="acts", **kw))


@blp.route("/<id:case_id>/acts/<action>", methods=["POST"])
def act(case_id, action):
    if action not in TRANSITIONS or TRANSITIONS[action].from_stages == (None,):
        abort(404)
    with reading() as s:
        cases.admit(s, g.actor, case_id, action)  # scope, agency, role: before the form is read
        case = cases.load_case(s, g.actor, case_id)
        decl, form = _form_for(action, _people(s, case))
    data, errors = forms.load(decl.schema, form, request.form) if decl.schema else ({}, {})
    if data is None:
        return _rerender(case_id, action, 422, errors=errors)
    version = request.form.get("version", "")
    expected = int(version) if version.isdigit() else None
    upload = request.files.get("file") if action == "add_evidence" else None
    if upload is not None and not upload.filename:
        upload = None
    try:
        if action == "add_evidence":
            data.pop("is_recording", None) if not data.get("is_recording") else None
            write(lambda s: evidence.add_evidence(s, g.actor, case_id, data, upload.stream if upload else None,
                                                  upload.filename if upload else None, expected_version=expected,
                                                  settings=settings()))
        else:
            write(lambda s: cases.perform(s, g.actor, case_id, action, data, expected_version=expected,
                                          settings=settings()))
    except ActionRefused as e:
        refusal = {"label": decl.label, "reasons": [r.as_dict() for r in e.reasons]}
        return _rerender(case_id, action, 409, refusal=refusal)
    except StaleVersion:
        return _rerender(case_id, action, 409, errors={"_": ["本案已被他人修改，页面已刷新，请核对后重新提交"]})
    except DomainError as e:
        if e.http_status == 403:
            raise
        return _rerender(case_id, action, e.http_status, errors={**(e.errors or {}), "_": [e.message]})
    flash(f"操作成功：{decl.label}", "success")
    tab = "evidence" if action == "add_evidence" else "acts"
    return redirect(url_for("ui_case.show", case_id=case_id, tab=tab))


RULE_ACTS = ("propose_penalty", "decide")


@blp.route("/<id:case_id>/rules/<action>", methods=["POST"])
def rules_preview(case_id, action):
    """The rule results for what is typed in a 拟定处理意见 / 作出处理决定 form, as it is typed (htmx); nothing is written."""
    if action not in RULE_ACTS:
        abort(404)
    decl = act_declaration(action)
    with reading() as s:
        case = cases.load_case(s, g.actor, case_id)
        form = forms.form_fields(decl.schema, action, decl.officers, {})
        raw, _ = forms.read_form(form, request.form)
        try:
            data = decl.schema().load(raw, partial=True)
        except Exception:  # noqa: BLE001 — half-typed input: show what the case alone gives
            data = {}
        ev = rules.evaluate(s, case, data)
        return page("_rules.html", s=s, ev=ev, todo=0)


@blp.route("/<id:case_id>/verify", methods=["POST"])
def verify(case_id):
    with reading() as s:
        result = worklists.verify_case_chain(s, g.actor, case_id)
    flash(result["message"], "success" if result["ok"] else "error")
    return redirect(url_for("ui_case.show", case_id=case_id, tab="trail"))


@blp.route("/evidence/<id:evidence_id>")
def evidence_file(evidence_id):
    """The evidence file inline (images and PDFs preview in the browser), else as a download."""
    with reading() as s:
        ev, path = evidence.evidence_file(s, g.actor, evidence_id, settings())
    inline = (ev.media_type or "") in PREVIEWABLE
    resp = send_file(path, mimetype=ev.media_type or "application/octet-stream", as_attachment=not inline,
                     download_name=ev.original_name or ev.file_sha256, etag=ev.file_sha256)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


@blp.route("/<id:case_id>/documents", methods=["POST"])
def issue(case_id):
    """出具文书 (or 组卷): the supplement typed on the form goes to the service, which says what is still missing."""
    from schemas.documents import DOCUMENT_TYPES

    doc_type = request.form.get("doc_type", "")
    version = request.form.get("version", "")
    preview = bool(request.form.get("preview")) and doc_type != "case_file"
    with reading() as s:  # who may: a reader of the case previews, its handlers and head issue — before the form
        if preview:
            cases.load_case(s, g.actor, case_id)
        else:
            documents.check_issuer(s, g.actor, case_id)
    if doc_type != "case_file" and doc_type not in DOCUMENT_TYPES:
        flash("没有这种文书", "error")
        return redirect(url_for("ui_case.show", case_id=case_id, tab="documents"))
    supplied: dict = {}
    if doc_type != "case_file":
        names = [k.removeprefix("f.") for k in request.form if k.startswith("f.")]
        form = forms.form_fields(DOCUMENT_TYPES[doc_type].schema, f"doc:{doc_type}", None, {}, only=names)
        raw = {k.removeprefix("f."): v for k, v in request.form.items() if k.startswith("f.")}
        supplied, _ = forms.read_form(form, _MultiDict(raw))
    try:
        if preview:
            # 预览: the document as the case stands now, marked 预览, never numbered or stored.
            with reading() as s:
                context = documents.preview_case_context(s, g.actor, case_id, doc_type, options=documents.Options(),
                                                         fields=supplied or None)
            pdf = documents.render_preview(doc_type, context, actor=g.actor, settings=settings())
            return current_app.response_class(pdf, mimetype="application/pdf", headers={
                "Content-Disposition": "inline; filename=preview.pdf", "X-Content-Type-Options": "nosniff"})
        if doc_type == "case_file":
            write(lambda s: documents.request_case_file(s, g.actor, case_id, {}))
        else:
            write(lambda s: documents.issue_document(s, g.actor, case_id, doc_type, options=documents.Options(),
                                                     fields=supplied or None,
                                                     expected_version=int(version) if version.isdigit() else None))
    except DomainError as e:
        if e.http_status in (403, 404):
            raise
        missing = list((e.errors or {}).get("missing") or ())
        field_errors = (e.errors or {}).get("fields") or {}
        errs = {"f." + k: forms._flatten(v) for k, v in field_errors.items()} if isinstance(field_errors, dict) else {}
        open_doc = {"type": doc_type, "missing": missing, "values": request.form, "errors": errs, "message": e.message}
        with reading() as s:
            return page("case.html", e.http_status, s=s, **case_context(s, case_id, open_doc=open_doc))
    flash("操作成功：文书已提交生成", "success")
    return redirect(url_for("ui_case.show", case_id=case_id, tab="documents"))


@blp.route("/<id:case_id>/deadlines/<id:deadline_id>/extend", methods=["POST"])
def extend_deadline(case_id, deadline_id):
    """负责人批准延长期限: days and the reason, through the deadlines service (it checks the role and scope)."""
    with reading() as s:  # the deadline's scope and the head's role, before the form is read
        deadlines.check_act(s, g.actor, deadline_id, "extend")
    days, reason = request.form.get("days", ""), (request.form.get("reason") or "").strip()
    if not (days.isdigit() and 1 <= int(days) <= 365) or not reason:
        flash("延长天数须为1至365的整数，且须写明延长理由", "error")
    else:
        try:
            write(lambda s: deadlines.record_extension(s, g.actor, deadline_id, days=int(days), reason=reason))
            flash("操作成功：期限已延长", "success")
        except DomainError as e:
            reraise_refusal(e)
            flash(e.message, "error")
    return redirect(url_for("ui_case.show", case_id=case_id, tab="basic"))


@blp.route("/documents/<id:document_id>.pdf")
def document_pdf(document_id):
    with reading() as s:
        doc, path = documents.document_file(s, g.actor, document_id, settings())
    return send_file(path, mimetype="application/pdf", download_name=f"{doc.document_no or doc.doc_type}.pdf")


@blp.route("/documents/<id:document_id>/progress")
def document_progress(document_id):
    """The 案卷 (or any document) while it renders: polled by the page every two seconds."""
    with reading() as s:
        doc = documents.get_document(s, g.actor, document_id)
        return page("_doc_status.html", s=s, doc=doc, todo=0)
