"""The administrators' pages (/admin): agencies, users and roles, 执法证, catalogue import, the holiday calendar,
the 案卷评查 rubric versions and the problem models' thresholds (行政执法监督条例, 国务院令第825号).

Only the admin role opens them (checked for every request here, and again by each service); a refusal is a
403 page and a logged denial, and changes nothing. Administrators configure; they read no case contents.
Every change goes through a service that writes a trail entry.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, flash, g, redirect, request, url_for

from casebook.domain.errors import DomainError
from casebook.domain.lifecycle import ROLE_LABELS, ROLES
from casebook.domain.publicity import SYSTEMS
from casebook.services import admin as svc
from casebook.services import catalogue
from casebook.services import catalogue_staging as staging
from casebook.services import users as user_svc
from casebook.services.context import local_today, require_role

from .shell import install_errors, page, reading, settings, write

blp = Blueprint("ui_admin", __name__, url_prefix="/admin")
install_errors(blp)

LEVELS = {"district": "区（县）", "department": "部门", "squad": "中队/所/镇街"}
CREDENTIAL_STATES = {"valid": ("有效", "green"), "expiring": ("即将到期", "orange"), "expired": ("已过期", "red"),
                     "revoked": ("已注销", "grey"), "future": ("未生效", "blue")}

#: The 系统管理 menu: (label, endpoint). Endpoints not registered (pages other work adds) are left out.
ADMIN_NAV = [
    ("执法机关", "ui_admin.agencies"), ("用户与角色", "ui_admin.users"), ("执法证", "ui_admin.credentials"),
    ("裁量基准导入", "ui_admin.catalogue_upload"), ("节假日日历", "ui_admin.calendar"),
    ("评查细则", "ui_admin.rubrics"), ("问题模型阈值", "ui_admin.thresholds"),
]

#: Pages under a menu item (the item is marked current on them).
SECTIONS = {"ui_admin.agency": "ui_admin.agencies", "ui_admin.user": "ui_admin.users", "ui_admin.new_user": "ui_admin.users",
            "ui_admin.reset_password": "ui_admin.users", "ui_admin.credential": "ui_admin.credentials",
            "ui_admin.new_credential": "ui_admin.credentials", "ui_admin.catalogue_job": "ui_admin.catalogue_upload", "ui_admin.catalogue_confirm": "ui_admin.catalogue_upload",
            "ui_admin.calendar_preview": "ui_admin.calendar", "ui_admin.calendar_confirm": "ui_admin.calendar",
            "ui_admin.rubric_default": "ui_admin.rubrics", "ui_admin.threshold": "ui_admin.thresholds"}


@blp.before_request
def _admins_only():
    if g.get("actor") is not None:
        require_role(g.actor, "admin", what=f"page:{request.endpoint}")  # 403 page, logged


@blp.app_context_processor
def _admin_nav():
    if not (request.blueprint or "").startswith("ui_"):
        return {}
    views = current_app.view_functions
    ep = request.endpoint or ""
    current = next((nav for _, nav in ADMIN_NAV if ep == nav), None) or SECTIONS.get(ep)
    return {"admin_nav": [(label, e) for label, e in ADMIN_NAV if e in views], "admin_current": current}


def _errors(e: DomainError) -> dict[str, str]:
    out = {k: "；".join(v) if isinstance(v, list) else str(v) for k, v in (e.errors or {}).items()}
    out.setdefault("_", e.message)
    return out


def _save(fn, message: str, to: str, code: int = 302):
    """One admin write: on success the toast and the redirect; a refused input comes back as the form's errors (a 403
    or 404 is raised — the caller may not act on that record, and the error page says so)."""
    try:
        write(fn)
    except DomainError as e:
        if e.http_status in (403, 404):
            raise
        return None, _errors(e)
    flash(message, "success")
    return redirect(to, code), {}


def _int(v: str | None) -> int | None:
    v = (v or "").strip()
    try:
        return int(v) if v else None
    except ValueError:
        return None


def _date(v: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((v or "").strip())
    except ValueError:
        return None


@blp.route("/")
def home():
    return redirect(url_for("ui_admin.agencies"))


# --- 1. agencies ----------------------------------------------------------------------------------------


@blp.route("/agencies")
def agencies():
    with reading() as s:
        rows = svc.agencies(s, g.actor)
        return page("admin_agencies.html", s=s, rows=rows, levels=LEVELS, systems=SYSTEMS,
                    default_limit=settings().legal_review_days,
                    crumbs=[("系统管理", None), ("执法机关", None)])


@blp.route("/agencies/<int:agency_id>", methods=["GET", "POST"])
def agency(agency_id: int):
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        f = request.form
        limit_raw = (f.get("review_limit_days") or "").strip()
        limit = _int(limit_raw)
        if limit_raw and limit is None:
            errors["review_limit_days"] = "法制审核时限须为整数（工作日）"
        if not errors:
            done, errors = _save(lambda s: svc.update_agency(
                s, g.actor, agency_id, name=f.get("name", ""), code=f.get("code", ""),
                case_no_format=f.get("case_no_format", ""), review_limit_days=limit,
                publication_system=f.get("publication_system") or None), "修改成功", url_for("ui_admin.agencies"))
            if done:
                return done
        errors.setdefault("_", "输入有误，未作任何更改")
        status = 422
    with reading() as s:
        a = svc.agency(s, g.actor, agency_id)
        values = request.form if request.method == "POST" else {
            "name": a.name, "code": a.code, "case_no_format": a.case_no_format,
            "review_limit_days": a.review_limit_days or "", "publication_system": a.publication_system or ""}
        return page("admin_agency.html", status, s=s, agency=a, values=values, errors=errors,
                    sys_options=[(c, f"{x.label}（{x.platform}）") for c, x in SYSTEMS.items()], example=svc.case_no_example(a.case_no_format, a.code), default_limit=settings().legal_review_days,
                    crumbs=[("系统管理", None), ("执法机关", url_for("ui_admin.agencies")), (f"修改：{a.name}", None)])


# --- 2. users and roles -----------------------------------------------------------------------------------


@blp.route("/users")
def users():
    args = request.args
    active = {"1": True, "0": False}.get(args.get("active", ""))
    with reading() as s:
        rows = svc.users(s, g.actor, agency_id=_int(args.get("agency_id")), q=args.get("q", ""), active=active)
        agencies = svc.agencies(s, g.actor)
        return page("admin_users.html", s=s, rows=rows, agencies=agencies, args=args, role_labels=ROLE_LABELS,
                    crumbs=[("系统管理", None), ("用户与角色", None)])


def _user_form(f) -> dict:
    return {"display_name": f.get("display_name", ""), "agency_id": _int(f.get("agency_id")),
            "roles": [r for r in f.getlist("roles") if r], "bar_qualified": f.get("bar_qualified") == "1"}


@blp.route("/users/new", methods=["GET", "POST"])
def new_user():
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        f = request.form
        data = _user_form(f)
        username = (f.get("username") or "").strip()
        pw, again = f.get("password") or "", f.get("confirm_password") or ""
        if not username:
            errors["username"] = "用户名不能为空"
        if not data["display_name"].strip():
            errors["display_name"] = "姓名不能为空"
        if not pw:
            errors["password"] = "初始密码不能为空"
        elif pw != again:
            errors["confirm_password"] = "两次输入的密码不一致"
        if data["agency_id"] is None:
            errors["agency_id"] = "所属机关不能为空"
        if not data["roles"]:
            errors["roles"] = "至少选择一个角色"
        elif "legal_reviewer" in data["roles"] and not data["bar_qualified"]:
            errors["roles"] = "法制审核人员须具有法律职业资格（行政处罚法第五十八条）"
        if not errors:
            done, errors = _save(lambda s: user_svc.create_user(
                s, g.actor, username=username, display_name=data["display_name"].strip(), password=pw,
                agency_id=data["agency_id"], roles=data["roles"], bar_qualified=data["bar_qualified"]),
                "新增成功", url_for("ui_admin.users"))
            if done:
                return done
        errors.setdefault("_", "输入有误，未作任何更改")
        status = 409 if errors.get("username") == "用户名已存在" else 422
    with reading() as s:
        return page("admin_user_new.html", status, s=s, values=request.form, errors=errors,
                    agency_options=[(a['id'], a['name']) for a in svc.agencies(s, g.actor)], roles=[(r, ROLE_LABELS[r]) for r in ROLES],
                    min_password=user_svc.MIN_PASSWORD,
                    crumbs=[("系统管理", None), ("用户与角色", url_for("ui_admin.users")), ("新增用户", None)])


@blp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        data = _user_form(request.form)
        if data["agency_id"] is None:
            errors = {"agency_id": "所属机关不能为空", "_": "输入有误，未作任何更改"}
        else:
            try:
                write(lambda s: svc.update_user(s, g.actor, user_id, **data))
                flash("修改成功", "success")
                return redirect(url_for("ui_admin.user", user_id=user_id))
            except DomainError as e:
                if e.http_status == 404:
                    raise
                errors = _errors(e)
                if e.http_status == 403:
                    errors = {"_": e.message}
        status = 403 if errors.get("_") == "不能取消自己的管理员角色" else 422
    with reading() as s:
        u = svc.user(s, g.actor, user_id)
        if request.method == "POST":
            values = {**_user_form(request.form)}
        else:
            values = {"display_name": u.display_name, "agency_id": u.agency_id, "roles": list(u.roles or ()),
                      "bar_qualified": bool(u.bar_qualified)}
        return page("admin_user.html", status, s=s, u=u, values=values, errors=errors,
                    agency_options=[(a['id'], a['name']) for a in svc.agencies(s, g.actor)], roles=[(r, ROLE_LABELS[r]) for r in ROLES],
                    today=local_today(), states=CREDENTIAL_STATES, state_of=svc.credential_state,
                    min_password=user_svc.MIN_PASSWORD, pw_errors={},
                    crumbs=[("系统管理", None), ("用户与角色", url_for("ui_admin.users")), (u.display_name, None)])


@blp.route("/users/<int:user_id>/active", methods=["POST"])
def set_active(user_id: int):
    raw = request.form.get("active")
    if raw not in ("0", "1"):  # only the page's two buttons say which: anything else deactivates no one
        flash("请求无效：未指明停用还是恢复账号", "error")
        return redirect(url_for("ui_admin.user", user_id=user_id))
    active = raw == "1"
    # Refusals (停用自己的账号) are 403 pages with the reason, raised by the service and logged.
    write(lambda s: user_svc.set_active(s, g.actor, user_id, active))
    flash("操作成功：账号已恢复" if active else "操作成功：账号已停用，其全部登录令牌已吊销", "success")
    return redirect(url_for("ui_admin.user", user_id=user_id))


@blp.route("/users/<int:user_id>/password", methods=["POST"])
def reset_password(user_id: int):
    pw, again = request.form.get("new_password") or "", request.form.get("confirm_password") or ""
    pw_errors: dict[str, str] = {}
    if not pw:
        pw_errors["new_password"] = "新密码不能为空"
    elif pw != again:
        pw_errors["confirm_password"] = "两次输入的密码不一致"
    if not pw_errors:
        done, pw_errors = _save(lambda s: svc.reset_password(s, g.actor, user_id, pw),
                                "操作成功：密码已重置，该用户须用新密码重新登录", url_for("ui_admin.user", user_id=user_id))
        if done:
            return done
    pw_errors.setdefault("_", "密码未重置")
    with reading() as s:
        u = svc.user(s, g.actor, user_id)
        values = {"display_name": u.display_name, "agency_id": u.agency_id, "roles": list(u.roles or ()),
                  "bar_qualified": bool(u.bar_qualified)}
        return page("admin_user.html", 422, s=s, u=u, values=values, errors={}, pw_errors=pw_errors,
                    agency_options=[(a['id'], a['name']) for a in svc.agencies(s, g.actor)], roles=[(r, ROLE_LABELS[r]) for r in ROLES],
                    today=local_today(), states=CREDENTIAL_STATES, state_of=svc.credential_state,
                    min_password=user_svc.MIN_PASSWORD,
                    crumbs=[("系统管理", None), ("用户与角色", url_for("ui_admin.users")), (u.display_name, None)])


# --- 3. credentials (执法证) -----------------------------------------------------------------------------------


@blp.route("/credentials")
def credentials():
    today = local_today()
    agency_id = _int(request.args.get("agency_id"))
    with reading() as s:
        rows = svc.credentials(s, g.actor, today, agency_id=agency_id)
        soon = svc.credentials(s, g.actor, today, agency_id=agency_id, expiring_only=True)
        return page("admin_credentials.html", s=s, rows=rows, soon=soon, states=CREDENTIAL_STATES, today=today,
                    days=svc.EXPIRING_DAYS, agencies=svc.agencies(s, g.actor), agency_id=agency_id,
                    crumbs=[("系统管理", None), ("执法证", None)])


def _credential_form(f) -> tuple[dict, dict[str, str]]:
    errors: dict[str, str] = {}
    data = {"credential_no": (f.get("credential_no") or "").strip(), "field": (f.get("field") or "").strip(),
            "valid_from": _date(f.get("valid_from")), "valid_to": _date(f.get("valid_to"))}
    for k, label in (("valid_from", "有效期起始日"), ("valid_to", "有效期截止日")):
        if data[k] is None:
            errors[k] = f"{label}不能为空" if not (f.get(k) or "").strip() else f"{label}格式应为 YYYY-MM-DD"
    return data, errors


@blp.route("/credentials/new", methods=["GET", "POST"])
def new_credential():
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        data, errors = _credential_form(request.form)
        user_id = _int(request.form.get("user_id"))
        if user_id is None:
            errors["user_id"] = "持证人不能为空"
        if not errors:
            def run(s):
                problems = svc.check_credential(s, data["credential_no"], data["field"], data["valid_from"], data["valid_to"])
                if problems:
                    raise svc._invalid(problems)
                return user_svc.issue_credential(s, g.actor, user_id, **data)
            done, errors = _save(run, "新增成功", url_for("ui_admin.credentials"))
            if done:
                return done
        errors.setdefault("_", "输入有误，未作任何更改")
        status = 422
    with reading() as s:
        holders = svc.officers(s, g.actor)
        return page("admin_credential.html", status, s=s, c=None, values=request.form or {"user_id": request.args.get("user_id", "")},
                    errors=errors,
                    holder_options=[(u.id, f"{u.display_name}（{u.username}，{u.agency.name}）") for u in holders],
                    crumbs=[("系统管理", None), ("执法证", url_for("ui_admin.credentials")), ("新增执法证", None)])


@blp.route("/credentials/<int:credential_id>", methods=["GET", "POST"])
def credential(credential_id: int):
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        data, errors = _credential_form(request.form)
        if not errors:
            done, errors = _save(lambda s: svc.update_credential(s, g.actor, credential_id,
                                                                 revoked=request.form.get("revoked") == "1", **data),
                                 "修改成功", url_for("ui_admin.credentials"))
            if done:
                return done
        errors.setdefault("_", "输入有误，未作任何更改")
        status = 422
    with reading() as s:
        c = svc.credential(s, g.actor, credential_id)
        values = request.form if request.method == "POST" else {
            "credential_no": c.credential_no, "field": c.field, "valid_from": c.valid_from.isoformat(),
            "valid_to": c.valid_to.isoformat(), "revoked": "1" if c.revoked else ""}
        return page("admin_credential.html", status, s=s, c=c, values=values, errors=errors, holder_options=[],
                    crumbs=[("系统管理", None), ("执法证", url_for("ui_admin.credentials")), (f"修改：{c.credential_no}", None)])


# --- 4. catalogue import -------------------------------------------------------------------------------------

CATALOGUE_KINDS = {"benchmark": "裁量基准", "exemption_list": "免罚清单", "prosecution_thresholds": "立案追诉标准",
                   "triggers": "程序触发条件"}
#: How long the upload waits for a small file's check before showing the progress page.
CATALOGUE_WAIT_S = 1.5


def _catalogue_page(status: int = 200, error: str | None = None):
    with reading() as s:
        rows = staging.versions(s, g.actor)
        return page("admin_catalogue.html", status, s=s, rows=rows, kinds=CATALOGUE_KINDS, error=error,
                    max_mb=catalogue.MAX_CATALOGUE_BYTES // (1024 * 1024),
                    crumbs=[("系统管理", None), ("裁量基准导入", None)])


@blp.route("/catalogue", methods=["GET", "POST"])
def catalogue_upload():
    if request.method == "GET":
        return _catalogue_page()
    f = request.files.get("file")
    try:
        data = f.stream.read(catalogue.MAX_CATALOGUE_BYTES + 1) if f else b""
        job_id = staging.stage(g.actor, settings(), data, (f.filename or "") if f else "")
    except DomainError as e:
        if e.http_status == 403:
            raise
        return _catalogue_page(422, e.message)
    worker = staging.start(settings(), current_app.extensions["casebook"]["read_sessions"], job_id)
    worker.join(CATALOGUE_WAIT_S)  # a small file is read by now: the next page shows its result at once
    return redirect(url_for("ui_admin.catalogue_job", job_id=job_id), 303)


@blp.route("/catalogue/template.xlsx")
def catalogue_template():
    """「下载模板」: the workbook layout with one example item."""
    resp = current_app.make_response(staging.template_xlsx(g.actor))
    resp.headers["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    resp.headers["Content-Disposition"] = "attachment; filename=catalogue-template.xlsx"
    return resp


@blp.route("/catalogue/jobs/<job_id>")
def catalogue_job(job_id: str):
    staging.resume_if_stalled(g.actor, settings(), current_app.extensions["casebook"]["read_sessions"], job_id)
    st = staging.status(g.actor, settings(), job_id)
    return page("admin_catalogue_job.html", 200, job=st, kinds=CATALOGUE_KINDS,
                crumbs=[("系统管理", None), ("裁量基准导入", url_for("ui_admin.catalogue_upload")), (st.get("filename", ""), None)])


@blp.route("/catalogue/jobs/<job_id>/progress")
def catalogue_progress(job_id: str):
    """The htmx poll: the progress bar while the file is read; a reload of the page once it is done."""
    staging.resume_if_stalled(g.actor, settings(), current_app.extensions["casebook"]["read_sessions"], job_id)
    st = staging.status(g.actor, settings(), job_id)
    from flask import render_template

    resp = current_app.make_response(render_template("_catalogue_progress.html", job=st))
    if st.get("state") not in ("queued", "reading", "checking"):
        resp.headers["HX-Refresh"] = "true"
    return resp


@blp.route("/catalogue/jobs/<job_id>/confirm", methods=["POST"])
def catalogue_confirm(job_id: str):
    digest = request.form.get("digest") or ""
    try:
        version_id = write(lambda s: staging.confirm(s, g.actor, settings(), job_id, digest).id)
    except DomainError as e:
        if e.http_status in (403, 404):
            raise
        flash(e.message, "error")
        st = staging.status(g.actor, settings(), job_id)
        return page("admin_catalogue_job.html", e.http_status, job=st, kinds=CATALOGUE_KINDS,
                    crumbs=[("系统管理", None), ("裁量基准导入", url_for("ui_admin.catalogue_upload")), (st.get("filename", ""), None)])
    staging.mark_imported(settings(), job_id, version_id)
    flash("导入成功", "success")
    return redirect(url_for("ui_admin.catalogue_upload"))


# --- 5. the holiday calendar ---------------------------------------------------------------------------------

MAX_NOTICE_CHARS = 20000
YEAR_STATUS = {"loaded": ("已载入通知", "green"), "library": ("随附数据", "blue"), "provisional": ("暂定（未载入）", "orange")}
WEEKDAYS = "一二三四五六日"


def _calendar_page(status: int = 200, *, year: int | None = None, text: str = "", errors: list[str] | None = None,
                   preview: dict | None = None, grids=None):
    from casebook.services import calendar as cal_svc

    today = local_today()
    with reading() as s:
        years = cal_svc.years(s, g.actor, today.year)
        if year is None:
            year = next((y["year"] for y in years if y["status"] == "provisional" and y["year"] >= today.year), today.year) \
                if preview is None else preview["year"]
        view = cal_svc.year_view(s, g.actor, year) if preview is None else None
        crumbs = [("系统管理", None), ("节假日日历", url_for("ui_admin.calendar") if preview else None)]
        if preview:
            crumbs.append((f"{preview['year']}年安排预览", None))
        return page("admin_calendar.html", status, s=s, years=years, year=year, view=view, text=text, errors=errors or [],
                    preview=preview, grids=grids, year_status=YEAR_STATUS, weekdays=WEEKDAYS,
                    max_chars=MAX_NOTICE_CHARS, crumbs=crumbs)


@blp.route("/calendar")
def calendar():
    year = _int(request.args.get("year"))
    if request.args.get("year") and (year is None or not 2000 <= year <= 2100):
        return _calendar_page(422, errors=["年份须为2000至2100之间的整数"])
    return _calendar_page(year=year)


def _notice_from_form():
    from casebook.calendar.notice import parse_notice
    from casebook.domain.errors import ValidationFailed

    text = (request.form.get("text") or "").strip()
    if not text:
        raise ValidationFailed("请粘贴国务院办公厅节假日安排通知全文", code="notice_missing", errors={"text": ["通知全文不能为空"]})
    if len(text) > MAX_NOTICE_CHARS:
        raise ValidationFailed(f"通知全文不得超过{MAX_NOTICE_CHARS}个字符", code="notice_too_long", errors={"text": ["过长"]})
    return text, parse_notice(text)


def _notice_errors(e: DomainError) -> list[str]:
    lines = (e.errors or {}).get("text") or []
    return lines if e.code == "calendar_notice_invalid" and lines else [e.message]


@blp.route("/calendar/preview", methods=["POST"])
def calendar_preview():
    from casebook.services import calendar as cal_svc

    text = request.form.get("text") or ""
    try:
        text, notice = _notice_from_form()
        with reading() as s:
            preview = cal_svc.preview_year(s, g.actor, notice)
    except DomainError as e:
        if e.http_status == 403:
            raise
        return _calendar_page(422, text=text, errors=_notice_errors(e))
    return _calendar_page(text=text, preview=preview, grids=cal_svc.notice_grids(notice))


@blp.route("/calendar/confirm", methods=["POST"])
def calendar_confirm():
    from casebook.services import calendar as cal_svc
    from casebook.services import calendar_years

    text = request.form.get("text") or ""
    try:
        text, notice = _notice_from_form()
        try:
            out = write(lambda s: calendar_years.confirm_year(s, g.actor, notice, request.form.get("digest") or "", settings()))
        finally:
            cal_svc.invalidate()  # after the commit too: no request may keep a calendar read before it
    except DomainError as e:
        if e.http_status == 403:
            raise
        return _calendar_page(e.http_status, text=text, errors=_notice_errors(e))
    n = len(out.get("rescheduled") or [])
    flash(f"操作成功：{out['year']}年节假日安排已载入" + (f"，{n}个暂定期限已重新计算" if n else ""), "success")
    return redirect(url_for("ui_admin.calendar", year=out["year"]))


# --- 6. 案卷评查 rubrics (行政执法监督条例, 国务院令第825号: the rubric is data, versioned and effective-dated) ----------

MAX_RUBRIC_BYTES = 5 * 1024 * 1024


def _rubrics_page(status: int = 200, errors: list[str] | None = None):
    from casebook.services import evaluation

    def read(s):
        # list_rubrics imports the shipped default on first use: a write session, never a read one
        rows = evaluation.list_rubrics(s, g.actor)
        in_force = evaluation.current_rubric(s, local_today()).id
        return [{**evaluation.rubric_view(r), "imported_at": r.imported_at, "in_force": r.id == in_force} for r in rows]

    rows = write(read)
    return page("admin_rubrics.html", status, rows=list(reversed(rows)), errors=errors or [],
                max_mb=MAX_RUBRIC_BYTES // (1024 * 1024), today=local_today(), crumbs=[("系统管理", None), ("评查细则", None)])


def _rubric_problems(e: DomainError) -> list[str]:
    """「评查标准有误：A；B」 → one line per problem."""
    head, sep, rest = e.message.partition("：")
    return [p for p in rest.split("；") if p] if sep and e.code == "rubric_invalid" and "；" in rest else [e.message]


@blp.route("/rubrics", methods=["GET", "POST"])
def rubrics():
    from casebook.domain.errors import ValidationFailed
    from casebook.services import evaluation

    if request.method == "GET":
        return _rubrics_page()
    f = request.files.get("file")
    name = ((f.filename or "") if f else "").lower()
    data = f.stream.read(MAX_RUBRIC_BYTES + 1) if f else b""
    try:
        if not data:
            raise ValidationFailed("请选择评查细则文件（YAML 或 XLSX）", code="file_missing")
        if len(data) > MAX_RUBRIC_BYTES:
            raise ValidationFailed(f"文件超过{MAX_RUBRIC_BYTES // (1024 * 1024)}MB", code="file_too_large")
        if name.endswith(".xlsx"):
            row = write(lambda s: evaluation.import_rubric_xlsx(s, g.actor, data))
        elif name.endswith((".yaml", ".yml")):
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ValidationFailed("YAML 文件须为 UTF-8 编码", code="rubric_invalid") from None
            row = write(lambda s: evaluation.import_rubric(s, g.actor, text))
        else:
            raise ValidationFailed("仅允许上传 yaml、yml 或 xlsx 格式文件", code="file_type")
    except DomainError as e:
        if e.http_status in (403, 404):
            raise
        return _rubrics_page(e.http_status if e.http_status == 409 else 422, _rubric_problems(e))
    flash(f"导入成功：{row.name}（第{row.version}版），自{row.effective_from.isoformat()}起适用", "success")
    return redirect(url_for("ui_admin.rubrics"), 303)


@blp.route("/rubrics/default.yaml")
def rubric_default():
    """The rubric that ships, as a starting point for a new version."""
    from casebook.services import evaluation

    resp = current_app.make_response(evaluation.DEFAULT_RUBRIC.read_bytes())
    resp.headers["Content-Type"] = "application/x-yaml; charset=utf-8"
    resp.headers["Content-Disposition"] = "attachment; filename=casebook-default-rubric.yaml"
    return resp


# --- 7. problem models' thresholds (行政执法监督条例, 国务院令第825号: what supervisors look for) -------------------

#: The Chinese label and unit of each threshold (problem_models.MODELS defaults).
PARAM_LABELS = {
    "grace_days": ("期限届满后宽限天数", "天"), "fallback_days": ("无立案期限时自发现起天数", "天"),
    "window_days": ("统计期间", "天"), "min_fines": ("最少罚款次数", "次"), "ratio": ("罚款总额高于同类中位数倍数", "倍"),
    "severe_delta": ("从重处罚占比高出同类中位数", "比例（0–1）"), "last_month_share": ("12月罚款占全年比例上限", "比例（0–1）"),
    "lookback_years": ("无同一违法行为处罚记录的回溯年限", "年"),
}


def _thresholds_page(status: int = 200, *, code: str | None = None, values: dict | None = None,
                     errors: dict[str, str] | None = None):
    from casebook.services import problem_models as pm

    with reading() as s:
        current = pm.model_settings(s)
    models = []
    for c, mdl in pm.MODELS.items():
        enabled, params = current[c]
        if c == code and values is not None:
            enabled, params = values["enabled"], {**params, **values["params"]}
        models.append({"code": c, "label": mdl.label, "basis": mdl.basis, "explain": mdl.explain, "enabled": enabled,
                       "params": [(k, PARAM_LABELS.get(k, (k, ""))[0], PARAM_LABELS.get(k, (k, ""))[1], params.get(k, d), d)
                                  for k, d in mdl.defaults.items()],
                       "errors": errors if c == code else {},
                       # the first wrong number takes the focus: the page opens where the mistake is
                       "focus": next((k for k in mdl.defaults if (errors or {}).get(k)), None) if c == code else None})
    return page("admin_thresholds.html", status, models=models,
                crumbs=[("系统管理", None), ("问题模型阈值", None)])


@blp.route("/thresholds")
def thresholds():
    return _thresholds_page()


@blp.route("/thresholds/<code>", methods=["POST"])
def threshold(code: str):
    from casebook.domain.errors import NotFound
    from casebook.services import problem_models as pm

    mdl = pm.MODELS.get(code)
    if mdl is None:
        raise NotFound("没有这个问题模型", code="problem_model_not_found")
    f = request.form
    enabled = f.get("enabled") == "1"
    raw = {k: (f.get(k) or "").strip() for k in mdl.defaults}
    params: dict = {}
    errors: dict[str, str] = {}
    for k, v in raw.items():
        label = PARAM_LABELS.get(k, (k, ""))[0]
        if not v:
            errors[k] = f"{label}不能为空"
            continue
        try:
            num = float(v)
        except ValueError:
            num = float("nan")
        if num != num or num in (float("inf"), float("-inf")):
            errors[k] = f"{label}须为数字"
            continue
        if isinstance(mdl.defaults[k], int) and not isinstance(mdl.defaults[k], bool):
            if num != int(num):
                errors[k] = f"{label}须为整数"
                continue
            num = int(num)
        params[k] = num
    if not errors:
        done, errors = _save(lambda s: pm.update_settings(s, g.actor, code, enabled=enabled, params=params),
                             f"修改成功：「{mdl.label}」的阈值将在下一次运行时适用", url_for("ui_admin.thresholds") + f"#m-{code}", 303)
        if done:
            return done
    errors.setdefault("_", "输入有误，未作任何更改")
    return _thresholds_page(422, code=code, values={"enabled": enabled, "params": raw}, errors=errors)
