"""Deadlines: what is due, by when, on what basis; and the acts on deadlines no case act settles."""

from __future__ import annotations

import json

from flask import g

from casebook.services import calendar as cal_svc
from casebook.services import deadlines as svc
from casebook.web.api import Blueprint, checked_first, error_responses
from casebook.web.tx import command, keyset_page, read, settings
from schemas.api.deadlines import (
    DeadlineExtendIn,
    DeadlineListArgs,
    DeadlineListOut,
    DeadlineMetIn,
    DeadlineOut,
)

blp = Blueprint("deadlines", __name__, url_prefix="/api/v1", description="法定期限：到期预警、逾期、延长")
_out = DeadlineOut()


def errors(*codes):
    return error_responses(blp, *codes)


@blp.route("/deadlines", methods=["GET"])
@blp.arguments(DeadlineListArgs, location="query")
@blp.response(200, DeadlineListOut)
@errors(401, 422)
def list_deadlines(args):
    """本机关（监督人员含下级）的法定期限，按到期日先后排列（键集分页）；暂定到期日照常列出并标明

    本年度或（每年10月1日起）下一年度的国务院节假日安排尚未载入时，calendar_warning 给出提示。
    """
    limit, after = args.pop("limit"), args.pop("after", None)

    def run(s):
        resp = keyset_page(svc.list_for(s, g.actor, limit=limit + 1, after=after, **args), limit, DeadlineOut(many=True))
        body = resp.get_json()
        body["calendar_warning"] = cal_svc.reminder(s, settings())
        resp.set_data(json.dumps(body, ensure_ascii=False))
        return resp

    return read(run)


@blp.route("/deadlines/<id:deadline_id>/met", methods=["POST"])
@checked_first(lambda s, actor, deadline_id: svc.check_act(s, actor, deadline_id, "met"))
@blp.arguments(DeadlineMetIn)
@blp.response(200, DeadlineOut)
@errors(401, 403, 404, 409, 422)
def record_met(data, deadline_id):
    """登记履行（公示、先行登记保存处理决定、解除查封扣押等无案件环节对应的期限）"""
    return command(lambda s: (_out.dump(svc.record_met(s, g.actor, deadline_id, on=data["on"], note=data["note"])), 200, {}))


@blp.route("/deadlines/<id:deadline_id>/extension", methods=["POST"])
@checked_first(lambda s, actor, deadline_id: svc.check_act(s, actor, deadline_id, "extend"))
@blp.arguments(DeadlineExtendIn)
@blp.response(200, DeadlineOut)
@errors(401, 403, 404, 409, 422)
def extend(data, deadline_id):
    """负责人批准延长期限（立案核查、作出决定、查封扣押、法制审核）"""
    return command(lambda s: (_out.dump(svc.record_extension(s, g.actor, deadline_id, days=data["days"],
                                                             reason=data["reason"])), 200, {}))
