"""The rules catalogue (versions, items, import/export) and the rule checks as pure lookups."""

from __future__ import annotations

from flask import Response, g, request

from casebook.domain.errors import ValidationFailed
from casebook.domain.rules import checks
from casebook.domain.rules.model import CIRCUMSTANCES, EXEMPTION_CONDITIONS, FACTS, MEASURES, TIERS
from casebook.services import catalogue as cat
from casebook.services.context import local_today, require_role
from casebook.services.parties import get_party
from casebook.web.api import Blueprint, error_responses
from casebook.web.tx import command, json_response, read
from schemas.api.rules import (
    BenchmarkIn,
    CatalogueVersionOut,
    DiffOut,
    ExemptionIn,
    ItemSearchArgs,
    ThresholdIn,
)

blp = Blueprint("rules", __name__, url_prefix="/api/v1", description="规则目录：裁量基准、免罚清单、立案追诉标准、审核与听证触发条件")


def errs(*codes):
    return error_responses(blp, *codes)


def _facts(d: dict) -> dict:
    return {k: d.get(k) for k in FACTS}


@blp.route("/catalogue", methods=["GET"])
@blp.response(200, CatalogueVersionOut(many=True))
@errs(401)
def versions():
    """已导入的目录版本"""
    return read(lambda s: json_response(CatalogueVersionOut(many=True).dump(
        cat.list_versions(s))))


@blp.route("/catalogue/codes", methods=["GET"])
@blp.response(200, description="情节、免罚条件、处理措施、阶次、金额事实的代码与中文名称")
@errs(401)
def codes():
    """代码表"""
    return json_response({"circumstances": CIRCUMSTANCES, "exemption_conditions": EXEMPTION_CONDITIONS,
                          "measures": MEASURES, "tiers": TIERS, "facts": FACTS})


@blp.route("/catalogue/items", methods=["GET"])
@blp.arguments(ItemSearchArgs, location="query")
@blp.response(200, description="现行裁量基准中的违法行为事项")
@errs(401, 422)
def items(args):
    """查找违法行为事项（按名称、领域）"""
    def run(s):
        day = args.get("on") or local_today()
        out = []
        for c in cat.registry(s).in_force(day, "benchmark"):
            for i in c.items:
                if args.get("q") and args["q"] not in i.name and args["q"] not in i.code:
                    continue
                if args.get("field") and args["field"] != i.field:
                    continue
                out.append({"code": i.code, "name": i.name, "field": i.field, "catalogue": c.code, "version": c.version,
                            "violated_provision": i.violated_provision, "penalty_provision": i.penalty_provision,
                            "penalty_kinds": list(i.penalty_kinds)})
                if len(out) >= args["limit"]:
                    return json_response(out)
        return json_response(out)
    return read(run)


@blp.route("/catalogue/<string:code>/export", methods=["GET"])
@blp.response(200, description="YAML 或 XLSX")
@errs(401, 404)
def export(code):
    """导出目录（?version=&format=yaml|xlsx）"""
    import yaml

    from casebook.services.catalogue_xlsx import write

    fmt = request.args.get("format", "yaml")
    version = request.args.get("version", type=int)

    def run(s):
        row = cat.get_version(s, code, version)
        if fmt == "xlsx":
            if row.kind not in ("benchmark", "exemption_list"):
                raise ValidationFailed("只有裁量基准和免罚清单可导出为 XLSX", code="xlsx_not_supported")
            body, mime, ext = write(row.content), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
        else:
            body = yaml.safe_dump(row.content, allow_unicode=True, sort_keys=False).encode()
            mime, ext = "application/yaml", "yaml"
        return Response(body, mimetype=mime,
                        headers={"Content-Disposition": f'attachment; filename="{row.code}-v{row.version}.{ext}"'})
    return read(run)


def _catalogue_file(what: str):
    """The role is checked before the upload is even read (nothing parsed for a caller without it)."""
    require_role(g.actor, "admin", what=what)
    f = request.files.get("file")
    if f is None:
        raise ValidationFailed("请上传文件", code="file_missing", errors={"file": ["必填"]})
    return f


@blp.route("/admin/catalogue", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}}}})
@blp.response(201, CatalogueVersionOut)
@errs(401, 403, 413, 422)
def upload():
    """导入目录版本（管理员；YAML 或 XLSX；任何一处错误则不导入，并列出每一处）"""
    f = _catalogue_file("catalogue.import")
    doc = cat.load_bytes(f.stream.read(cat.MAX_CATALOGUE_BYTES + 1), f.filename or "")
    return command(lambda s: (CatalogueVersionOut().dump(cat.import_document(s, g.actor, doc, source=f.filename or "")), 201, {}))


@blp.route("/admin/catalogue/diff", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}}}})
@blp.response(200, DiffOut)
@errs(401, 403, 404, 422)
def upload_diff():
    """与已导入的最新版本比较：新增、删除、修改的事项（管理员）"""
    f = _catalogue_file("catalogue.diff")
    doc = cat.load_bytes(f.stream.read(cat.MAX_CATALOGUE_BYTES + 1), f.filename or "")
    code = (doc.get("catalogue") or {}).get("code") or ""
    return read(lambda s: json_response(cat.diff(cat.get_version(s, code).content, doc)))


@blp.route("/rules/benchmark", methods=["POST"])
@blp.arguments(BenchmarkIn)
@blp.response(200, description="阶次、罚款幅度（元）、法律依据与说明；给出拟罚款时判断是否在幅度内")
@errs(401, 404, 422)
def benchmark(data):
    """裁量基准查询（行政处罚法第三十四条）"""
    def run(s):
        r = cat.benchmark_for(s, data["item"], _facts(data["facts"]), data["circumstances"], data.get("on") or local_today(),
                              data["uncomputable"])
        out = r.as_dict()
        if data.get("proposed_fine") is not None:
            out["check"] = checks.check_penalty(r, data["proposed_fine"]).as_dict()
        return json_response(out)
    return read(run)


@blp.route("/rules/exemption", methods=["POST"])
@blp.arguments(ExemptionIn)
@blp.response(200, description="是否符合免罚清单事项，以及每一条件的结论")
@errs(401, 404, 422)
def exemption(data):
    """免罚（不予处罚、首违不罚）资格（行政处罚法第三十三条）"""
    def run(s):
        if data.get("party_id"):
            get_party(s, g.actor, data["party_id"])
        r = cat.exemption_for(s, data["item"], data.get("party_id"), g.actor.agency_id, _facts(data["facts"]),
                              data["circumstances"], data.get("on") or local_today())
        return json_response(r.as_dict())
    return read(run)


@blp.route("/rules/thresholds", methods=["POST"])
@blp.arguments(ThresholdIn)
@blp.response(200, description="达到的立案追诉标准：罪名、条文、依据和达到的事实")
@errs(401, 422)
def thresholds(data):
    """涉嫌犯罪的立案追诉标准检查（行政处罚法第二十七条、国务院令第310号第三条）"""
    def run(s):
        day = data.get("on") or local_today()
        crossings = cat.thresholds_for(s, _facts(data["facts"]), data["circumstances"], data.get("party_kind"),
                                       data.get("party_id"), g.actor.agency_id, data.get("violation_code"), day)
        return json_response({"crossed": bool(crossings), "crossings": [c.as_dict() for c in crossings]})
    return read(run)
