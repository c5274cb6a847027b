"""The case list's own dump (services.case_list: one Core query, plain dicts) says exactly what CaseBriefOut
says of the same cases loaded through the ORM; and a list request checks out one pooled connection."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import event, select, update
from sqlalchemy.orm import selectinload, with_expression

from casebook.db.models import Case, Deadline, utcnow
from casebook.services import deadlines
from casebook.services.deadlines import overdue_expression
from schemas.api.cases import CaseBriefOut


def test_the_list_items_are_what_case_brief_out_dumps_of_the_same_cases(api, sessions):
    noticed = api.noticed_case()
    api.lead(cause="另一条线索")
    with sessions() as s, s.begin():
        deadlines.plan(s, noticed, "decision", start=dt.date(2026, 3, 3))
    with sessions() as s, s.begin():  # missed: the case is overdue
        s.execute(update(Deadline).where(Deadline.case_id == noticed).values(status="missed"))
    items = api.get("/api/v1/cases?limit=100").get_json()["items"]
    assert len(items) >= 2
    with sessions() as s:
        cases = s.execute(select(Case).where(Case.id.in_([i["id"] for i in items])).order_by(Case.id.desc())
                          .options(selectinload(Case.party), with_expression(Case.overdue, overdue_expression(utcnow())))
                          ).scalars().all()
        expected = json.loads(json.dumps(CaseBriefOut(many=True).dump(cases), ensure_ascii=False))
    assert items == expected
    assert [list(i) for i in items] == [list(e) for e in expected]  # the documented field order too
    assert any(i["overdue"] for i in items) and not all(i["overdue"] for i in items)
    assert any(i["party"] for i in items) and any(i["filed_on"] for i in items) and any(i["case_no"] for i in items)


def test_a_list_request_authenticates_and_reads_on_one_pooled_connection(api, engine):
    api.lead()
    api.get("/api/v1/cases")  # the token is issued and cached before counting
    checkouts = []
    listener = lambda *a: checkouts.append(1)  # noqa: E731
    event.listen(engine, "checkout", listener)
    try:
        r = api.get("/api/v1/cases")
    finally:
        event.remove(engine, "checkout", listener)
    assert r.status_code == 200 and r.get_json()["items"]
    assert len(checkouts) == 1


def test_a_revoked_or_unknown_token_is_refused_on_the_list(api, client, sessions):
    from casebook.db.models import ApiToken

    api.get("/api/v1/cases")
    with sessions() as s, s.begin():
        s.execute(update(ApiToken).values(revoked_at=utcnow()))
    r = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {api.token('zhangwei')}"})
    assert r.status_code == 401 and r.get_json()["code"] == "unauthorized"
    r = client.get("/api/v1/cases", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401
