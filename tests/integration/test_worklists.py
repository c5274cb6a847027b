"""What waits for the head (立案, 移送, 决定 …) and the referral board: the right cases of the head's own agency, each
with its nearest open deadline, read from the indexes (the few cases with a referral, the stage index), never by
walking every case of the agency."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, text, update

from casebook.db import models as m
from casebook.seed import demo_user
from casebook.services import worklists
from casebook.services.context import actor_for


def _deadline(s, case: m.Case, kind: str, due: dt.date, status: str = "open") -> None:
    s.add(m.Deadline(case_id=case.id, agency_id=case.agency_id, kind=kind, unit="working", length=5,
                     starts_on=due - dt.timedelta(days=7), due_on=due, basis="测试", status=status))


def test_the_heads_approvals_and_the_referral_board_list_their_cases_with_the_nearest_deadline(api, sessions):
    lead = api.lead()                      # 立案 waits
    referred = api.filed_case()            # its referral reported: 移送 waits, and it is on the board
    quiet = api.filed_case()               # filed, nothing waits for the head
    elsewhere = api.lead(who="chenjie", party_id=None)  # another agency's lead (its party not yet known)
    with sessions() as s, s.begin():
        s.execute(update(m.Case).where(m.Case.id == referred).values(referral_status="reported"))
        s.execute(text("DELETE FROM deadlines WHERE case_id = :c"), {"c": referred})
        case = s.get(m.Case, referred)
        _deadline(s, case, "referral_report", dt.date(2026, 5, 20))
        _deadline(s, case, "referral_decision", dt.date(2026, 5, 11))   # the nearest open one
        _deadline(s, case, "old", dt.date(2026, 5, 1), status="met")    # not open: never shown
    with sessions() as s:
        head = actor_for(s, demo_user(s, "zhaomin"))
        rows = worklists.head_approvals(s, head)
        by_case = {r["case"].id: r for r in rows}
        assert lead in by_case and by_case[lead]["kind"] == "立案"
        assert by_case[referred]["kind"] == "移送" and by_case[referred]["deadline"].due_on == dt.date(2026, 5, 11)
        assert quiet not in by_case and elsewhere not in by_case
        ids = [r["case"].id for r in rows if r["kind"] in ("立案", "移送")]
        assert ids == sorted(ids, key=lambda i: (by_case[i]["deadline"].due_on if by_case[i]["deadline"] else dt.date.max))
        board = worklists.open_referrals(s, head)
        assert [(c.id, d.due_on if d else None) for c, d in board] == [(referred, dt.date(2026, 5, 11))]
        other_head = actor_for(s, demo_user(s, "zhouhua"))  # 综合行政执法局's head: sees its own lead only
        assert worklists.open_referrals(s, other_head) == []
        theirs = {r["case"].id for r in worklists.head_approvals(s, other_head)}
        assert elsewhere in theirs and not theirs & {lead, referred, quiet}
    with sessions() as s, s.begin():
        s.execute(update(m.Case).where(m.Case.id == referred).values(referral_status="none"))
    with sessions() as s:
        head = actor_for(s, demo_user(s, "zhaomin"))
        assert worklists.open_referrals(s, head) == []
        assert referred not in {r["case"].id for r in worklists.head_approvals(s, head)}


def test_the_board_reads_the_partial_index_of_cases_with_a_referral(engine):
    """The board's question is answered from ix_cases_referral_active (cases WHERE referral_status <> 'none'):
    at 1 M cases it read every case of the agency to find none (140 ms; 0.04 ms from the index)."""
    from casebook.services.context import Actor

    head = Actor(user_id=None, username="h", roles=frozenset({"agency_head"}), agency_id=1, read_scope=frozenset({1}))
    stmt = (select(m.Case.id).where(worklists._scope(head, m.Case.agency_id), worklists._REFERRAL_ACTIVE,
                                    m.Case.referral_status.in_(worklists.REFERRAL_OPEN)).order_by(m.Case.id.desc()))
    sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.begin() as c:
        if engine.dialect.name == "postgresql":
            c.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(r[0] for r in c.execute(text("EXPLAIN " + sql)))
        else:
            plan = " ".join(str(r[-1]) for r in c.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert "ix_cases_referral_active" in plan, plan
