"""Parties, users, agencies, auth tokens, calendar, audit and health."""

from __future__ import annotations

from flask import g, request

from casebook.domain.errors import NotFound, ValidationFailed
from casebook.services import admin as admin_svc
from casebook.services import audit as audit_svc
from casebook.services import calendar as cal_svc
from casebook.services import calendar_years, summary_forms
from casebook.services import parties as party_svc
from casebook.services import users as user_svc
from casebook.services.context import require_role
from casebook.web.api import Blueprint, checked_first, error_responses, roles_first
from casebook.web.tx import (
    command,
    etag_for,
    if_match_version,
    json_response,
    keyset_page,
    read,
    read_session_factory,
    session_factory,
    settings,
)
from schemas.api.cases import SummaryFormsIn
from schemas.api.records import (
    ActivityArgs,
    ActivityListOut,
    ActivityOut,
    AgencyOut,
    AgencyUpdateIn,
    CalendarDayIn,
    CalendarNoticeConfirmIn,
    CalendarNoticeIn,
    CalendarYearIn,
    CalendarYearLoadOut,
    CheckpointOut,
    CredentialArgs,
    CredentialIn,
    CredentialOut,
    CredentialRowOut,
    CredentialUpdateIn,
    HealthArgs,
    HealthOut,
    MeOut,
    PartyIn,
    PartyListOut,
    PartyOut,
    PartySearchArgs,
    PartyUpdateIn,
    PasswordChangeIn,
    PasswordResetIn,
    RevokedOut,
    TokenIn,
    TokenOut,
    UserActiveIn,
    UserIn,
    UserOut,
    UserUpdateIn,
    VerifyOut,
    WorkingDaysArgs,
    WorkingDaysOut,
)

auth = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="令牌")
people = Blueprint("parties", __name__, url_prefix="/api/v1", description="当事人")
org = Blueprint("org", __name__, url_prefix="/api/v1", description="执法机关、用户、执法证")
admin = Blueprint("admin", __name__, url_prefix="/api/v1", description="日历、全过程记录校验、简易程序决定书编号")
health = Blueprint("health", __name__, url_prefix="/api/v1", description="运行状态")


errs = error_responses


# --- auth ------------------------------------------------------------------------------------------

@auth.route("/tokens", methods=["POST"])
@auth.arguments(TokenIn)
@auth.response(201, TokenOut)
@errs(auth, 401, 422, 429, 503)
def issue_token(data):
    """用用户名和密码换取访问令牌（Bearer）；连续失败后按账号和来源地址逐次延长等待（429，Retry-After）"""
    from casebook.services import throttle

    st = settings()
    with session_factory()() as s:
        user = throttle.login(s, data["username"], data["password"], request.remote_addr or "")
        with s.begin():
            token = user_svc.issue_token(s, user, data.get("name", ""))
    return json_response({"token": token, "expires_in_hours": st.token_ttl_hours,
                          "idle_timeout_minutes": st.token_idle_minutes}, 201)


@auth.route("/tokens/current", methods=["DELETE"])
@auth.response(204)
@errs(auth, 401)
def end_token():
    """退出登录：使本次请求所用的令牌立即失效"""
    with session_factory()() as s, s.begin():
        user_svc.logout(s, g.actor, g.token_id)
    return "", 204


@org.route("/me/password", methods=["PUT"])
@org.arguments(PasswordChangeIn)
@org.response(204)
@errs(org, 401, 422, 429, 503)
def change_password(data):
    """修改本人密码（须提供当前密码）；成功后本人的全部令牌失效，须重新登录"""
    with session_factory()() as s:
        user_svc.change_password(s, g.actor, data["current_password"], data["new_password"],
                                 address=request.remote_addr or "")
    return "", 204


@org.route("/me", methods=["GET"])
@org.response(200, MeOut)
@errs(org, 401)
def me():
    """当前用户"""
    def run(s):
        u = user_svc.current_user(s, g.actor)
        return json_response({"user": UserOut().dump(u), "agency": AgencyOut().dump(u.agency)})
    return read(run)


# --- parties ---------------------------------------------------------------------------------------

def _party(p, status=200):
    return PartyOut().dump(p), status, {"ETag": etag_for(p.version), "Location": f"/api/v1/parties/{p.id}"}


@people.route("/parties", methods=["POST"])
@roles_first("officer", "agency_head", what="party.register")
@people.arguments(PartyIn)
@people.response(201, PartyOut)
@errs(people, 401, 403, 409, 422)
def register_party(data):
    """登记当事人（校验身份证号或统一社会信用代码）"""
    return command(lambda s: _party(party_svc.register_party(s, g.actor, data), 201))


@people.route("/parties", methods=["GET"])
@people.arguments(PartySearchArgs, location="query")
@people.response(200, PartyListOut)
@errs(people, 401, 422)
def search_parties(args):
    """按名称或证件号查找当事人"""
    def run(s):
        rows = party_svc.search_parties(s, g.actor, q=args.get("q"), id_number=args.get("id_number"),
                                        limit=args["limit"] + 1, after=args.get("after"))
        return keyset_page(rows, args["limit"], PartyOut(many=True))
    return read(run)


@people.route("/parties/<id:party_id>", methods=["GET"])
@people.response(200, PartyOut)
@errs(people, 401, 404)
def get_party(party_id):
    """查看当事人"""
    def run(s):
        p = party_svc.get_party(s, g.actor, party_id)
        return json_response(PartyOut().dump(p), 200, {"ETag": etag_for(p.version)})
    return read(run)


@people.route("/parties/<id:party_id>", methods=["PATCH"])
@checked_first(lambda s, actor, party_id: party_svc.check_editable(s, actor, party_id))
@people.arguments(PartyUpdateIn)
@people.response(200, PartyOut)
@errs(people, 401, 403, 404, 409, 422, 428)
def update_party(data, party_id):
    """更正当事人名称、联系方式、地址（证件号不可改）"""
    expected = if_match_version()
    return command(lambda s: _party(party_svc.update_party(s, g.actor, party_id, data, expected)))


# --- agencies, users, credentials --------------------------------------------------------------------

@org.route("/agencies", methods=["GET"])
@org.response(200, AgencyOut(many=True))
@errs(org, 401)
def agencies():
    """执法机关（区 → 部门 → 中队/镇街）"""
    return read(lambda s: json_response(AgencyOut(many=True).dump(user_svc.list_agencies(s))))


@org.route("/users", methods=["GET"])
@org.response(200, UserOut(many=True))
@errs(org, 401, 403)
def users():
    """用户（管理员看全部；负责人、监督人员看本机关范围）"""
    return read(lambda s: json_response(UserOut(many=True).dump(user_svc.list_users(s, g.actor))))


@org.route("/users", methods=["POST"])
@roles_first("admin", what="user.create")
@org.arguments(UserIn)
@org.response(201, UserOut)
@errs(org, 401, 403, 409, 422)
def create_user(data):
    """新建用户（管理员）"""
    return command(lambda s: (UserOut().dump(user_svc.create_user(s, g.actor, **data)), 201, {}))


@org.route("/users/<id:user_id>/credentials", methods=["POST"])
@roles_first("admin", what="credential.issue")
@org.arguments(CredentialIn)
@org.response(201, CredentialOut)
@errs(org, 401, 403, 404, 409, 422)
def issue_credential(data, user_id):
    """登记执法证（管理员）"""
    return command(lambda s: (CredentialOut().dump(user_svc.issue_credential(s, g.actor, user_id, **data)), 201, {}))


@org.route("/users/<id:user_id>/tokens", methods=["DELETE"])
@org.response(200, RevokedOut)
@errs(org, 401, 403, 404)
def revoke_user_tokens(user_id):
    """吊销某用户的全部令牌（管理员）"""
    return command(lambda s: ({"revoked": user_svc.revoke_tokens(s, g.actor, user_id)}, 200, {}))


@org.route("/users/<id:user_id>", methods=["PATCH"])
@roles_first("admin", what="user.set_active")
@org.arguments(UserActiveIn)
@org.response(200, UserOut)
@errs(org, 401, 403, 404, 422)
def set_user_active(data, user_id):
    """停用或恢复用户（管理员）；停用即吊销其全部令牌，恢复后旧令牌仍然无效"""
    return command(lambda s: (UserOut().dump(user_svc.set_active(s, g.actor, user_id, data["active"])), 200, {}))


@org.route("/agencies/<id:agency_id>", methods=["PATCH"])
@roles_first("admin", what="agency.update")
@org.arguments(AgencyUpdateIn)
@org.response(200, AgencyOut)
@errs(org, 401, 403, 404, 422)
def update_agency(data, agency_id):
    """修改执法机关的代字、案号格式、法制审核时限、公示制度（管理员；留痕）"""
    def run(s):
        a = admin_svc.agency(s, g.actor, agency_id)
        current = {"name": a.name, "code": a.code, "case_no_format": a.case_no_format,
                   "review_limit_days": a.review_limit_days, "publication_system": a.publication_system}
        return AgencyOut().dump(admin_svc.update_agency(s, g.actor, agency_id, **{**current, **data})), 200, {}
    return command(run)


@org.route("/users/<id:user_id>/roles", methods=["PUT"])
@roles_first("admin", what="user.update")
@org.arguments(UserUpdateIn)
@org.response(200, UserOut)
@errs(org, 401, 403, 404, 422)
def update_user(data, user_id):
    """修改用户的姓名、所属机关、角色、法律职业资格（管理员；留痕）"""
    def run(s):
        u = admin_svc.user(s, g.actor, user_id)
        current = {"display_name": u.display_name, "agency_id": u.agency_id, "roles": list(u.roles or ()),
                   "bar_qualified": bool(u.bar_qualified)}
        return UserOut().dump(admin_svc.update_user(s, g.actor, user_id, **{**current, **data})), 200, {}
    return command(run)


@org.route("/users/<id:user_id>/password", methods=["PUT"])
@roles_first("admin", what="user.reset_password")
@org.arguments(PasswordResetIn)
@org.response(200, RevokedOut)
@errs(org, 401, 403, 404, 422)
def reset_password(data, user_id):
    """重置用户密码（管理员；密码规则同修改密码；该用户的全部令牌失效；留痕，不记录密码）"""
    return command(lambda s: ({"revoked": admin_svc.reset_password(s, g.actor, user_id, data["new_password"])}, 200, {}))


@org.route("/credentials", methods=["GET"])
@roles_first("admin", what="credential.list")
@org.arguments(CredentialArgs, location="query")
@org.response(200, CredentialRowOut(many=True))
@errs(org, 401, 403, 422)
def credentials(args):
    """执法证（管理员）；expiring_within=60 只列出已过期和60天内到期的，按截止日排列"""
    from casebook.services.context import local_today

    days = args.get("expiring_within")
    return read(lambda s: json_response(CredentialRowOut(many=True).dump(admin_svc.credentials(
        s, g.actor, local_today(), agency_id=args.get("agency_id"), expiring_only=days is not None,
        days=admin_svc.EXPIRING_DAYS if days is None else days))))


@org.route("/credentials/<id:credential_id>", methods=["PATCH"])
@roles_first("admin", what="credential.update")
@org.arguments(CredentialUpdateIn)
@org.response(200, CredentialOut)
@errs(org, 401, 403, 404, 422)
def update_credential(data, credential_id):
    """修改执法证：换证、更正、注销（管理员；留痕）"""
    def run(s):
        c = admin_svc.credential(s, g.actor, credential_id)
        current = {"credential_no": c.credential_no, "field": c.field, "valid_from": c.valid_from,
                   "valid_to": c.valid_to, "revoked": c.revoked}
        return CredentialOut().dump(admin_svc.update_credential(s, g.actor, credential_id, **{**current, **data})), 200, {}
    return command(run)


# --- calendar, summary forms, audit --------------------------------------------------------------------

@admin.route("/calendar/due-date", methods=["GET"])
@admin.arguments(WorkingDaysArgs, location="query")
@admin.response(200, WorkingDaysOut)
@errs(admin, 401, 422)
def due_date(args):
    """按法定计算方法推算期限届满日（行政处罚法 第八十五条、行政强制法 第六十九条）"""
    from casebook.calendar import due_date as compute
    from casebook.calendar import period_kind

    def run(s):
        cal = cal_svc.get_calendar(s)
        if args["law"] == "calendar":
            kind, due = "calendar", cal.end_of_calendar_period(args["start"], args["days"])
        else:
            kind, due = period_kind(args["law"], args["days"]), compute(cal, args["law"], args["start"], args["days"])
        return json_response({"start": args["start"].isoformat(), "days": args["days"], "counting": kind,
                              "due_on": due.isoformat()})
    return read(run)


@admin.route("/admin/calendar/<string:day>", methods=["PUT"])
@roles_first("admin", what="calendar.set_day")
@admin.arguments(CalendarDayIn)
@admin.response(200, CalendarDayIn)
@errs(admin, 401, 403, 404, 422)
def set_calendar_day(data, day):
    """设置某日为工作日或休息日（管理员；用于更正或录入新年度调休安排）"""
    import datetime as dt

    try:
        d = dt.date.fromisoformat(day)
    except ValueError:
        raise NotFound("日期格式应为 YYYY-MM-DD", code="bad_date") from None
    return command(lambda s: (CalendarDayIn().dump(cal_svc.set_day(s, g.actor, d, data["is_working_day"], data["note"])), 200, {}))


@admin.route("/admin/calendar/years/<id:year>", methods=["PUT"])
@roles_first("admin", what="calendar.declare_year")
@admin.arguments(CalendarYearIn)
@admin.response(200, CalendarYearIn)
@errs(admin, 401, 403, 422)
def declare_year(data, year):
    """声明某年度的节假日和调休已全部录入（管理员）"""
    def run(s):
        cal_svc.declare_year(s, g.actor, year, data["source"])
        return {"source": data["source"]}, 200, {}
    return command(run)


def _parsed(fmt: str, text: str):
    from casebook.calendar.notice import parse_notice, parse_yaml

    return parse_yaml(text) if fmt == "yaml" else parse_notice(text)


def _parsed_upload():
    """The uploaded file of a multipart request: .xlsx, .yaml/.yml, or the notice as .txt."""
    from casebook.calendar.notice import parse_notice, parse_xlsx, parse_yaml

    f = request.files.get("file")
    if f is None:
        raise ValidationFailed("请上传文件", code="file_missing", errors={"file": ["必填"]})
    name, data = (f.filename or "").lower(), f.read()
    if name.endswith(".xlsx"):
        return parse_xlsx(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed("文件须为 UTF-8 编码的文本、YAML 或 XLSX", code="file_unreadable",
                               errors={"file": ["无法按 UTF-8 读取"]}) from None
    return parse_yaml(text) if name.endswith((".yaml", ".yml")) else parse_notice(text)


_UPLOAD_DOC = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary", "description": ".txt 通知原文、.yaml 或 .xlsx"},
        "digest": {"type": "string", "description": "确认时：预览返回的 digest"}}}}}}}


@admin.route("/admin/calendar/notice/preview", methods=["POST"])
@roles_first("admin", what="calendar.preview_year")
@admin.arguments(CalendarNoticeIn)
@admin.response(200, CalendarYearLoadOut)
@errs(admin, 401, 403, 422)
def preview_notice(data):
    """预览国务院办公厅节假日安排通知（粘贴全文）：识别出的放假日和调休上班日、受影响的暂定期限；不作任何更改"""
    notice = _parsed(data["format"], data["text"])
    return read(lambda s: json_response(CalendarYearLoadOut().dump(cal_svc.preview_year(s, g.actor, notice))))


@admin.route("/admin/calendar/notice", methods=["POST"])
@roles_first("admin", what="calendar.confirm_year")
@admin.arguments(CalendarNoticeConfirmIn)
@admin.response(200, CalendarYearLoadOut)
@errs(admin, 401, 403, 409, 422)
def confirm_notice(data):
    """确认载入预览过的年度节假日安排，并按其重新计算全部暂定期限（逐案留痕并通知承办人员）"""
    notice = _parsed(data["format"], data["text"])
    try:
        return command(lambda s: (CalendarYearLoadOut().dump(
            calendar_years.confirm_year(s, g.actor, notice, data["digest"], settings())), 200, {}))
    finally:
        cal_svc.invalidate()  # after the commit too: no request may keep a calendar read before it


@admin.route("/admin/calendar/file/preview", methods=["POST"])
@roles_first("admin", what="calendar.preview_year")
@admin.doc(**_UPLOAD_DOC)
@admin.response(200, CalendarYearLoadOut)
@errs(admin, 401, 403, 413, 422)
def preview_calendar_file():
    """预览上传的年度节假日安排（通知原文 .txt、YAML 或 XLSX）；不作任何更改"""
    notice = _parsed_upload()
    return read(lambda s: json_response(CalendarYearLoadOut().dump(cal_svc.preview_year(s, g.actor, notice))))


@admin.route("/admin/calendar/file", methods=["POST"])
@roles_first("admin", what="calendar.confirm_year")
@admin.doc(**_UPLOAD_DOC)
@admin.response(200, CalendarYearLoadOut)
@errs(admin, 401, 403, 409, 413, 422)
def confirm_calendar_file():
    """确认载入上传的年度节假日安排（须附预览返回的 digest），并重新计算暂定期限"""
    notice = _parsed_upload()
    digest = request.form.get("digest") or ""
    try:
        return command(lambda s: (CalendarYearLoadOut().dump(
            calendar_years.confirm_year(s, g.actor, notice, digest, settings())), 200, {}))
    finally:
        cal_svc.invalidate()


@admin.route("/summary-forms", methods=["POST"])
@roles_first("agency_head", "admin", what="summary_forms.register")
@admin.arguments(SummaryFormsIn)
@admin.response(201, SummaryFormsIn)
@errs(admin, 401, 403, 409, 422)
def register_summary_forms(data):
    """登记本机关领用的预定格式、编有号码的当场处罚决定书（行政处罚法 第五十二条）"""
    def run(s):
        return {"form_nos": summary_forms.register(s, g.actor, data["form_nos"])}, 201, {}
    return command(run)


@admin.route("/admin/audit/verify", methods=["GET"])
@admin.response(200, VerifyOut)
@errs(admin, 401, 403)
def audit_verify():
    """校验全过程记录哈希链及签名检查点（管理员、监督人员）"""
    def run(s):
        require_role(g.actor, "admin", "supervisor", what="audit.verify")
        return json_response(audit_svc.verify_trail(s, settings()).as_dict())
    return read(run)


@admin.route("/admin/audit/checkpoints", methods=["POST"])
@admin.response(201, CheckpointOut)
@errs(admin, 401, 403)
def audit_checkpoint():
    """对当前哈希链头签名（Ed25519）"""
    def run(s):
        require_role(g.actor, "admin", what="audit.checkpoint")
        cp = audit_svc.sign_checkpoint(s, settings(), g.actor)
        if cp is None:
            return {"seq": None, "entry_hash": None, "signed_at": None, "key_id": None, "created": False}, 201, {}
        return {"seq": cp.seq, "entry_hash": cp.entry_hash, "signed_at": cp.signed_at.isoformat(),
                "key_id": cp.key_id, "created": True}, 201, {}
    return command(run)


@health.route("/health", methods=["GET"])
@health.arguments(HealthArgs, location="query")
@health.response(200, HealthOut)
@health.alt_response(503, schema=HealthOut, description="数据库不可用")
def health_check(args):
    """运行状态。未登录（或非管理员）只回答是否存活（数据库可用）；管理员另见外发积压、最早未发事件时长、死信、
    等待缺失前序事件的事件（status=degraded）、全过程记录链头、节假日数据提醒，broker=1 时含各队列深度。
    docker-compose 健康检查用未登录的简要回答。"""
    from events.status import collect

    detail = g.get("actor") is not None and "admin" in g.actor.roles
    try:
        with read_session_factory()() as s:
            head = audit_svc.head_seq(s)  # also proves the database answers
            if not detail:
                return json_response({"status": "ok"})
            info = collect(s, settings(), broker=args["broker"])
            try:
                warning = cal_svc.reminder(s, settings())
            except Exception:  # noqa: BLE001 — the reminder never turns a healthy service into a 503
                warning = None
    except Exception:  # noqa: BLE001 — report, never raise, from a health check
        if not detail:
            return json_response({"status": "unavailable"}, 503)
        return json_response({"status": "unavailable", "database": "down", "outbox_unsent": 0, "dead_letters": 0,
                              "oldest_unsent_age_s": None, "events_waiting_on_gap": 0, "gaps": {}, "trail_head": 0,
                              "queues": {}, "calendar_warning": None}, 503)
    # Events held back by a missing predecessor: still serving, but someone must look (a lost message).
    status = "degraded" if info["events_waiting_on_gap"] else "ok"
    return json_response({"status": status, "database": "up", "trail_head": head, **info, "calendar_warning": warning})


@health.route("/activity", methods=["GET"])
@health.arguments(ActivityArgs, location="query")
@health.response(200, ActivityListOut)
@errs(health, 401, 404, 422)
def activity(args):
    """动态：本机关（监督人员含下级）或某案件发生了什么、谁、何时（新的在前，键集分页）"""
    from casebook.services.activity import list_activity

    def run(s):
        rows = list_activity(s, g.actor, case_id=args.get("case_id"), agency_id=args.get("agency_id"),
                             limit=args["limit"] + 1, after=args.get("after"))
        return keyset_page(rows, args["limit"], ActivityOut(many=True))
    return read(run)
