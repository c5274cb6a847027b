"""案卷评查 API: 双随机 rounds reproducible from their seed and never drawing an evaluator from the case's agency or
from its participants; scoring with overrides and reasons; results to the handling officers and head; 整改; the
report; and for each new endpoint who may call it (role × own / other agency), denials logged."""

from __future__ import annotations

import io
import logging

import pytest
from sqlalchemy import func, select

from casebook.db import models as m
from casebook.db.models_evaluation import EvaluationCorrection, EvaluationFile
from casebook.seed import DEMO_PASSWORD
from casebook.services import users
from casebook.services.context import SYSTEM, local_today
from tests.integration.test_evaluation_checks import closed_case

SUP = "wujing"  # 区人民政府 监督人员: every agency of the district


def agency_id(sessions, code: str) -> int:
    with sessions() as s:
        return s.execute(select(m.Agency.id).where(m.Agency.code == code)).scalar_one()


@pytest.fixture
def world(api, sessions, settings):
    cases = [closed_case(sessions, settings, cause) for cause in ("涉嫌销售过期食品", "涉嫌经营标签不合格的食品")]
    with sessions() as s, s.begin():  # a supervisor of another body: the 综合行政执法局 only
        cle = s.execute(select(m.Agency.id).where(m.Agency.code == "山亭综执")).scalar_one()
        users.create_user(s, SYSTEM, username="sup_cle", display_name="钱监督", password=DEMO_PASSWORD, agency_id=cle,
                          roles=["supervisor"])
    return {"cases": cases, "amr": agency_id(sessions, "山亭市监"), "cle": agency_id(sessions, "山亭综执")}


def new_round(api, world, who=SUP, expect=201, **over):
    today = local_today().isoformat()
    body = {"name": "2026年第四季度行政处罚案卷评查", "period_from": "2026-01-01", "period_to": today,
            "agency_ids": [world["amr"]], "sample_size": 1, "seed": "s2026q4", **over}
    body = {k: v for k, v in body.items() if v is not None}
    r = api.post("/api/v1/evaluation/rounds", body, who)
    assert r.status_code == expect, r.get_json()
    return r.get_json()


def username(sessions, uid: int) -> str:
    with sessions() as s:
        return s.get(m.User, uid).username


def test_sampling_is_reproducible_from_its_seed_and_evaluators_come_from_elsewhere(api, world, sessions):
    a, b = new_round(api, world), new_round(api, world)
    assert [(f["case_id"], f["evaluator_id"]) for f in a["files"]] == [(f["case_id"], f["evaluator_id"]) for f in b["files"]]
    assert a["seed"] == "s2026q4" and a["sampling"] == {str(world["amr"]): {"population": 2, "drawn": 1}}
    r = api.post("/api/v1/evaluation/rounds", {"name": "全部", "period_from": "2026-01-01", "period_to": local_today().isoformat(),
                                              "agency_ids": [world["amr"]], "sample_percent": 100}, SUP)
    assert r.status_code == 201, r.get_json()
    full = r.get_json()
    assert len(full["seed"]) == 32 and sorted(f["case_id"] for f in full["files"]) == sorted(world["cases"])
    with sessions() as s:
        for f in full["files"] + a["files"]:
            ev = s.get(m.User, f["evaluator_id"])
            took_part = {o.user_id for o in s.get(m.Case, f["case_id"]).officers}
            assert ev.agency_id != world["amr"] and ev.id not in took_part
        # the seed and every assignment are on the trail
        n = s.execute(select(func.count()).select_from(m.TrailEntry).where(m.TrailEntry.action == "evaluation.round_created")).scalar_one()
        assert n == 3
    # a pool with no one outside the case's agency: refused, nothing created
    with sessions() as s:
        amr_only = list(s.execute(select(m.User.id).where(m.User.agency_id == world["amr"])).scalars())
    before = api.snapshot()
    r = new_round(api, world, expect=409, pool_ids=amr_only)
    assert r["code"] == "no_eligible_evaluator" and "其他机关" in r["message"]
    assert api.snapshot() == before


@pytest.mark.parametrize(("over", "code"), [
    ({"sample_size": 0}, 422), ({"sample_size": None}, 422), ({"sample_percent": 10}, 422),
    ({"sample_size": None, "sample_percent": 101}, 422), ({"period_from": "2030-01-01"}, 422), ({"agency_ids": []}, 422),
    ({"seed": "含空格 的种子"}, 422), ({"period_from": "2020-01-01", "period_to": "2020-12-31"}, 409),
    ({"agency_ids": [999999]}, 404),
])
def test_bad_rounds_are_refused_in_chinese_and_change_nothing(api, world, over, code):
    body = {"name": "评查", "period_from": "2026-01-01", "period_to": local_today().isoformat(),
            "agency_ids": [world["amr"]], "sample_size": 1, **over}
    body = {k: v for k, v in body.items() if v is not None}
    before = api.snapshot()
    r = api.post("/api/v1/evaluation/rounds", body, SUP)
    assert r.status_code == code, r.get_json()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in r.get_json()["message"] + str(r.get_json().get("errors")))
    assert api.snapshot() == before


def test_a_round_from_scoring_to_correction_to_close(api, world, sessions, settings):
    rnd = new_round(api, world, sample_percent=100, sample_size=None)
    f = rnd["files"][0]
    ev = username(sessions, f["evaluator_id"])
    view = api.get(f"/api/v1/evaluation/files/{f['id']}", ev).get_json()
    assert view["relation"] == "evaluator" and view["checks"]["failed"] == 0 and len(view["checks"]["results"]) == 11
    assert view["trail"] and view["documents"] and view["evidence"]  # the whole file in one view
    # an override of an auto-check without a reason is refused; with one it counts
    r = api.post(f"/api/v1/evaluation/files/{f['id']}/score", {"entries": {"C-DEADLINES": {"defects": 1}}}, ev)
    assert r.status_code == 422 and r.get_json()["code"] == "override_reason_required"
    r = api.post(f"/api/v1/evaluation/files/{f['id']}/score", {"entries": {
        "C-DEADLINES": {"defects": 1, "reason": "调查终结报告晚于规定时间", "comment": "注意时限"},
        "F-SEALS": {"defects": 1, "reason": "告知书未加盖印章"}}, "comment": "总体规范"}, ev)
    assert r.status_code == 200, r.get_json()
    scored = r.get_json()
    assert scored["total"] == "97.00" and scored["grade"] == "good"  # 97, but a 基本要素 defect bars 优秀
    assert scored["result"]["barred_by"] == ["F-SEALS"]
    # publishing needs every file scored
    r = api.post(f"/api/v1/evaluation/rounds/{rnd['id']}/publish", {}, SUP)
    assert r.status_code == 409 and r.get_json()["code"] == "files_unscored"
    g2 = rnd["files"][1]
    r = api.post(f"/api/v1/evaluation/files/{g2['id']}/score", {"entries": {
        "V-OFFICERS": {"defects": 1, "reason": "询问笔录仅一名执法人员签名"}}}, username(sessions, g2["evaluator_id"]))
    assert r.status_code == 200 and r.get_json()["total"] == "0.00" and r.get_json()["grade"] == "fail"
    # before the results go out the handling officer sees nothing
    assert api.get(f"/api/v1/evaluation/files/{f['id']}", "zhangwei").status_code == 404
    assert api.post(f"/api/v1/evaluation/rounds/{rnd['id']}/publish", {}, SUP).status_code == 200
    mine = api.get("/api/v1/evaluation/mine", "zhangwei").get_json()
    assert {x["id"] for x in mine["results"]} == {f["id"], g2["id"]}
    assert api.get("/api/v1/evaluation/mine", "zhaomin").get_json()["results"]  # the head sees the agency's
    res = api.get(f"/api/v1/evaluation/files/{f['id']}", "zhangwei").get_json()
    assert res["relation"] == "handler" and "trail" not in res and res["grade"] == "good"
    # scores are final once published
    assert api.post(f"/api/v1/evaluation/files/{f['id']}/score", {}, ev).status_code == 409
    r = api.c.post(f"/api/v1/evaluation/files/{f['id']}/corrections", headers=api.h("zhangwei"),
                   data={"description": "已补盖印章，今后告知书出具前核对印章", "recorded_on": local_today().isoformat(),
                         "file": (io.BytesIO(b"%PDF-1.4 corrected"), "整改报告.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    assert len(r.get_json()["evidence_sha256"]) == 64
    report = api.get(f"/api/v1/evaluation/rounds/{rnd['id']}/report", SUP).get_json()
    assert report["overall"] == {"files": 2, "scored": 2, "average": "48.50",
                                 "grades": {"优秀": 0, "良好": 1, "合格": 0, "不合格": 1}}
    assert [d["code"] for d in report["defects"]][:1] in (["C-DEADLINES"], ["F-SEALS"], ["V-OFFICERS"])
    assert {o["name"] for o in report["officers"]} == {"张伟", "李强"}
    assert api.post(f"/api/v1/evaluation/rounds/{rnd['id']}/close", {}, SUP).status_code == 200
    r = api.c.post(f"/api/v1/evaluation/files/{f['id']}/corrections", headers=api.h("zhangwei"),
                   data={"description": "再次整改", "recorded_on": local_today().isoformat()}, content_type="multipart/form-data")
    assert r.status_code == 409
    with sessions() as s:
        actions = set(s.execute(select(m.TrailEntry.action).where(m.TrailEntry.action.like("evaluation.%"))).scalars())
    assert actions >= {"evaluation.round_created", "evaluation.file_scored", "evaluation.round_published",
                       "evaluation.correction_recorded", "evaluation.round_closed"}


# --- who may call each endpoint: role × own / other agency -----------------------------------------------------

ROLES = {"officer": "zhangwei", "other_officer": "chenjie", "legal_reviewer": "sunli", "agency_head": "zhaomin",
         "other_head": "zhouhua", "supervisor": SUP, "other_supervisor": "sup_cle", "admin": "admin"}


def test_round_endpoints_by_role_and_agency(api, world, sessions, caplog):
    rnd = new_round(api, world)
    rid = rnd["id"]
    expect_create = {"officer": 403, "other_officer": 403, "legal_reviewer": 403, "agency_head": 403, "other_head": 403,
                     "supervisor": 201, "other_supervisor": 404, "admin": 403}
    for role, who in ROLES.items():
        r = api.post("/api/v1/evaluation/rounds", {"name": "x", "period_from": "2026-01-01",
                                                  "period_to": local_today().isoformat(), "agency_ids": [world["amr"]],
                                                  "sample_size": 1}, who)
        assert r.status_code == expect_create[role], (role, r.get_json())
    read_expect = {**expect_create, "supervisor": 200}
    for path in (f"/api/v1/evaluation/rounds/{rid}", f"/api/v1/evaluation/rounds/{rid}/report"):
        for role, who in ROLES.items():
            assert api.get(path, who).status_code == read_expect[role], (path, role)
    for role, who in ROLES.items():
        r = api.get("/api/v1/evaluation/rounds", who)
        assert r.status_code == (200 if "supervisor" in role else 403), role
        if role == "other_supervisor":
            assert r.get_json()["items"] == []  # a round over agencies outside its scope is not listed
    for action in ("publish", "close"):
        for role, who in ROLES.items():
            if role == "supervisor":
                continue
            assert api.post(f"/api/v1/evaluation/rounds/{rid}/{action}", {}, who).status_code == read_expect[role], (action, role)
    assert "denied" in caplog.text or any(r.levelno == logging.WARNING for r in caplog.records)


def test_file_endpoints_by_role_and_agency(api, world, sessions):
    rnd = new_round(api, world)
    f = rnd["files"][0]
    ev = username(sessions, f["evaluator_id"])
    before_publish = {"officer": 404, "other_officer": 404, "legal_reviewer": 404, "agency_head": 404, "other_head": 404,
                      "supervisor": 200, "other_supervisor": 404, "admin": 404}
    for role, who in ROLES.items():
        code = 200 if who == ev else before_publish[role]
        assert api.get(f"/api/v1/evaluation/files/{f['id']}", who).status_code == code, role
        if who != ev:
            code = 403 if role == "supervisor" else 404
            r = api.post(f"/api/v1/evaluation/files/{f['id']}/score", {}, who)
            assert r.status_code == code, (role, r.get_json())
        assert api.get("/api/v1/evaluation/mine", who).status_code == 200
    assert api.post(f"/api/v1/evaluation/files/{f['id']}/score", {}, ev).status_code == 200
    assert api.post(f"/api/v1/evaluation/rounds/{rnd['id']}/publish", {}, SUP).status_code == 200
    after = {**before_publish, "officer": 200, "agency_head": 200}
    corr = {"officer": 201, "other_officer": 404, "legal_reviewer": 404, "agency_head": 201, "other_head": 404,
            "supervisor": 403, "other_supervisor": 404, "admin": 404}
    for role, who in ROLES.items():
        if who == ev:
            continue
        assert api.get(f"/api/v1/evaluation/files/{f['id']}", who).status_code == after[role], role
        r = api.c.post(f"/api/v1/evaluation/files/{f['id']}/corrections", headers=api.h(who),
                       data={"description": "整改", "recorded_on": local_today().isoformat()}, content_type="multipart/form-data")
        assert r.status_code == corr[role], (role, r.get_json())
    with sessions() as s:
        assert s.execute(select(func.count()).select_from(EvaluationCorrection)).scalar_one() == 2
        assert s.execute(select(func.count()).select_from(EvaluationFile)).scalar_one() == 1


def test_case_checks_and_rubric_endpoints_by_role_and_agency(api, world, sessions):
    cid = world["cases"][0]
    expect = {"officer": 200, "other_officer": 404, "legal_reviewer": 200, "agency_head": 200, "other_head": 404,
              "supervisor": 200, "other_supervisor": 404, "admin": 404}
    for role, who in ROLES.items():
        r = api.get(f"/api/v1/cases/{cid}/evaluation-checks", who)
        assert r.status_code == expect[role], (role, r.get_json())
        r = api.post(f"/api/v1/cases/{cid}/evaluation-checks", {}, who)
        assert r.status_code == (201 if expect[role] == 200 else expect[role]), (role, r.get_json())
    open_case = api.lead()
    assert api.get(f"/api/v1/cases/{open_case}/evaluation-checks").status_code == 409
    rubric = {"officer": 403, "other_officer": 403, "legal_reviewer": 403, "agency_head": 403, "other_head": 403,
              "supervisor": 200, "other_supervisor": 200, "admin": 200}
    for role, who in ROLES.items():
        assert api.get("/api/v1/evaluation/rubrics", who).status_code == rubric[role], role
    text = (api.get("/api/v1/evaluation/rubrics", SUP).get_json()["items"][0])
    assert text["code"] == "casebook-default" and [c["points"] for c in text["categories"]] == ["20", "80"]
    from casebook.services.evaluation import DEFAULT_RUBRIC

    v2 = DEFAULT_RUBRIC.read_text(encoding="utf-8").replace("version: 1", "version: 2")
    for role, who in ROLES.items():
        if role in ("supervisor", "admin", "other_supervisor"):
            continue
        assert api.post("/api/v1/evaluation/rubrics", {"yaml": v2}, who).status_code == 403, role
    assert api.post("/api/v1/evaluation/rubrics", {"yaml": v2}, SUP).status_code == 201
    r = api.post("/api/v1/evaluation/rubrics", {"yaml": v2}, "admin")
    assert r.status_code == 409 and r.get_json()["code"] == "rubric_version_exists"
    r = api.post("/api/v1/evaluation/rubrics", {"yaml": "code: [unclosed"}, SUP)
    assert r.status_code == 422 and r.get_json()["code"] == "rubric_invalid"
    r = api.post("/api/v1/evaluation/rubrics", {"yaml": v2.replace("version: 2", "version: 3").replace("points: 20", "points: 25")}, SUP)
    assert r.status_code == 422 and "之和" in r.get_json()["message"]


def test_a_rubric_imports_from_excel_as_from_yaml(api, world):
    import yaml

    from casebook.services.evaluation import DEFAULT_RUBRIC
    from casebook.services.evaluation_xlsx import write

    doc = yaml.safe_load(DEFAULT_RUBRIC.read_text(encoding="utf-8"))
    doc["version"], doc["effective_from"] = 5, "2026-02-01"
    body = write(doc)

    def upload(who, data=body):
        return api.c.post("/api/v1/evaluation/rubrics/xlsx", headers=api.h(who), content_type="multipart/form-data",
                          data={"file": (io.BytesIO(data), "评查标准.xlsx")})

    for who in ("zhangwei", "zhaomin", "sunli"):
        assert upload(who).status_code == 403, who
    r = upload(SUP)
    assert r.status_code == 201, r.get_json()
    got = r.get_json()
    assert got["version"] == 5 and [c["points"] for c in got["categories"]] == ["20", "80"]
    assert got["recorded_acts"]["hearing"] is True and "inquiry" in got["recorded_acts"]["investigation"]
    assert any(i["bars_excellent"] for c in got["categories"] for i in c["items"])
    assert upload("admin").status_code == 409
    before = api.snapshot()
    r = upload(SUP, b"not a workbook")
    assert r.status_code == 422 and "Excel" in r.get_json()["message"]
    doc["version"], doc["grades"] = 6, doc["grades"][:2]  # lowest grade does not start at 0
    r = upload(SUP, write(doc))
    assert r.status_code == 422 and "下限须为0" in r.get_json()["message"]
    assert api.snapshot() == before


def test_a_correction_with_unknown_or_nameless_parts_is_refused(api, world, sessions):
    rnd = new_round(api, world)  # a published file the handling officer may record 整改 on (permission comes first)
    f = rnd["files"][0]
    assert api.post(f"/api/v1/evaluation/files/{f['id']}/score", {}, username(sessions, f["evaluator_id"])).status_code == 200
    assert api.post(f"/api/v1/evaluation/rounds/{rnd['id']}/publish", {}, SUP).status_code == 200
    body = (b"--b\r\nContent-Disposition: form-data; name=\"\xc3\x83\"\r\n\r\n{}\r\n"
            b"--b\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nx\r\n--b--\r\n")
    r = api.c.post(f"/api/v1/evaluation/files/{f['id']}/corrections", data=body, headers=api.h("zhangwei"),
                   content_type="multipart/form-data; boundary=b")
    assert r.status_code == 422 and r.get_json()["code"] == "unknown_field"
