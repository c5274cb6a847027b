"""A small world for the statistics tests, each figure of which the tests work out by hand.

Rows are written directly (the statistics read rows; how acts produce them is tested elsewhere). Year 2025:
the demo seed holds no cases, so every figure below comes from these rows.

  case  agency  discovered  filed       decided     outcome (fine, tier, check)              officers
  A1    市监    2025-01-10  2025-01-14  2025-03-01  penalty 1000 standard in_tier           张伟 李强     closed
  A2    市监    2025-02-01  2025-02-11  2025-04-12  penalty 5000 severe outside_tier (no reason), hearing held
                                                                                             张伟 王芳     served
  A3    市监    2025-05-05  2025-05-06  2025-05-26  no_penalty, 首违不罚                      李强 王芳     closed
  A4    市监    2025-07-01  —           —           lead                                                  lead
  A5    市监    2025-11-20  2025-12-01  —           referral flagged, team formed 2025-12-02  张伟 李强     investigating
  A6    市监    2024-12-20  2025-01-02  2025-02-20  penalty 2000 lenient in_tier              张伟 李强     closed
  C1    综执    2025-03-03  2025-03-05  2025-06-04  penalty 500 mitigated (with reason)       陈杰 刘洋     archived
  C2    综执    2025-08-08  —           —           declined                                              declined
  S1    所      2026-01-05  —           —           lead (outside 2025)                                   lead
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import select

from casebook.db import models as m

D = dt.date


def _bench(tier: str, status: str) -> dict:
    return {"item": "X1", "tier": tier, "tier_label": tier, "check": {"status": status}}


def seed(s) -> dict[str, int]:
    ag = {a.code: a.id for a in s.execute(select(m.Agency)).scalars()}
    us = {u.username: u.id for u in s.execute(select(m.User)).scalars()}
    amr, cle, squad = ag["山亭市监"], ag["山亭综执"], ag["山亭市监城区"]
    spec = [
        ("A1", amr, D(2025, 1, 10), D(2025, 1, 14), D(2025, 3, 1), "penalty", 1000, _bench("standard", "in_tier"),
         None, ["zhangwei", "liqiang"], "closed", {}),
        ("A2", amr, D(2025, 2, 1), D(2025, 2, 11), D(2025, 4, 12), "penalty", 5000, _bench("severe", "outside_tier"),
         None, ["zhangwei", "wangfang"], "served", {"hearing_right": True, "hearing_status": "held"}),
        ("A3", amr, D(2025, 5, 5), D(2025, 5, 6), D(2025, 5, 26), "no_penalty", None, None,
         {"item": "E1", "kind": "first_offence", "eligible": True}, ["liqiang", "wangfang"], "closed", {}),
        ("A4", amr, D(2025, 7, 1), None, None, None, None, None, None, [], "lead", {}),
        ("A5", amr, D(2025, 11, 20), D(2025, 12, 1), None, None, None, None, None, ["zhangwei", "liqiang"],
         "investigating", {"referral_status": "transferred", "criminal_suspicion": True}),
        ("A6", amr, D(2024, 12, 20), D(2025, 1, 2), D(2025, 2, 20), "penalty", 2000, _bench("lenient", "in_tier"),
         None, ["zhangwei", "liqiang"], "closed", {}),
        ("C1", cle, D(2025, 3, 3), D(2025, 3, 5), D(2025, 6, 4), "penalty", 500, _bench("mitigated", "mitigated"),
         None, ["chenjie", "liuyang"], "archived", {"deviation_reason": "当事人主动消除违法行为危害后果"}),
        ("C2", cle, D(2025, 8, 8), None, None, None, None, None, None, [], "declined", {}),
        ("S1", squad, D(2026, 1, 5), None, None, None, None, None, None, [], "lead", {}),
    ]
    ids = {}
    for name, aid, disc, filed, decided, kind, fine, bench, exemption, officers, stage, extra in spec:
        c = m.Case(agency_id=aid, case_no=f"{name}号" if filed else None, stage=stage, procedure="ordinary",
                   source="inspection", cause=f"统计测试{name}", discovered_on=disc, filed_on=filed, decided_on=decided,
                   decision_kind=kind, penalty_kinds=["fine"] if fine else [],
                   fine_amount=None if fine is None else Decimal(fine), benchmark=bench, exemption=exemption,
                   lead_officer_id=us[officers[0]] if officers else None, **extra)
        c.officers = [m.CaseOfficer(user_id=us[u], role="lead" if i == 0 else "handler") for i, u in enumerate(officers)]
        s.add(c)
        s.flush()
        ids[name] = c.id

    def deadline(case, kind, due, status, met_on=None, ref=""):
        s.add(m.Deadline(case_id=ids[case], agency_id=amr if case[0] == "A" else cle, kind=kind, ref=ref, unit="working",
                         length=7, starts_on=due - dt.timedelta(days=10), due_on=due, basis="测试", status=status,
                         met_on=met_on))

    deadline("A1", "decision", D(2025, 4, 14), "met", D(2025, 3, 1))
    deadline("A2", "decision", D(2025, 5, 12), "met", D(2025, 4, 12))
    deadline("A2", "service", D(2025, 4, 21), "met", D(2025, 4, 25))  # met, but after its due day: late
    deadline("A3", "filing", D(2025, 5, 26), "missed")
    deadline("C1", "decision", D(2025, 6, 3), "missed")
    deadline("A5", "decision", D(2026, 3, 1), "open")  # neither met nor missed: not counted
    deadline("A4", "filing", D(2025, 7, 22), "cancelled")  # cancelled: not counted

    def review(case, rnd, sub, rev, opinion):
        s.add(m.LegalReview(case_id=ids[case], agency_id=amr if case[0] == "A" else cle, round=rnd, status=opinion,
                            submitted_by_id=us["zhangwei"], submitted_on=sub, package={}, opinion=opinion,
                            reviewed_on=rev, reviewer_id=us["sunli"]))

    review("A1", 1, D(2025, 2, 20), D(2025, 2, 27), "approved")
    review("A2", 1, D(2025, 3, 20), D(2025, 3, 25), "returned")
    review("A2", 2, D(2025, 3, 28), D(2025, 3, 30), "approved")
    review("C1", 1, D(2025, 5, 20), D(2025, 5, 30), "approved")

    s.add(m.Referral(case_id=ids["A5"], agency_id=amr, origin="rules", status="police_declined", team_ids=[us["zhangwei"]],
                     formed_on=D(2025, 12, 2), head_decision="approved",
                     transferred_at=dt.datetime(2025, 12, 5, 2, tzinfo=dt.UTC), police_decision="declined"))

    for case, decided, published_on, due, met_on in [("A1", D(2025, 3, 1), D(2025, 3, 5), D(2025, 3, 10), D(2025, 3, 5)),
                                                      ("A2", D(2025, 4, 12), D(2025, 4, 30), D(2025, 4, 21), D(2025, 4, 30))]:
        p = m.Publication(case_id=ids[case], agency_id=amr, source_event_id=str(uuid.uuid4()), system="market_regulation",
                          status="published", procedure="ordinary", decision_kind="penalty", decided_on=decided,
                          party_name="某公司", violation_type="测试", agency_name="市监", source={}, published={},
                          published_on=published_on)
        s.add(p)
        s.flush()
        deadline(case, "publication", due, "met", met_on, ref=str(p.id))
    s.flush()
    return ids


def seed_evaluation(s, ids: dict[str, int]) -> None:
    """案卷评查 of the world's files (scored at 04:00 UTC: noon, the same day, in Beijing):

      round   status      file  agency  total  grade      vetoes        scored
      R1      published   A1    市监    92     excellent  —             2025-04-10
      R1      published   A2    市监    75     pass       no_hearing    2025-04-11
      R1      published   A3    市监    58     fail       —             2025-07-01
      R1      published   C1    综执    85     good       —             2025-05-05
      R2      scoring     A6    市监    71     pass       —             2025-06-01   (supervisors only)
      R2      scoring     A5    市监    —      assigned   —             —            (not scored: not counted)
    """
    from casebook.db import models_evaluation as ev

    us = {u.username: u.id for u in s.execute(select(m.User)).scalars()}
    ag = {a.code: a.id for a in s.execute(select(m.Agency)).scalars()}
    rubric = ev.EvaluationRubric(code="stats-test", version=1, name="测试评查标准", effective_from=D(2020, 1, 1),
                                 content={}, sha256="0" * 64)
    s.add(rubric)
    s.flush()
    rounds = {}
    for name, status in (("R1", "published"), ("R2", "scoring")):
        r = ev.EvaluationRound(name=f"统计测试评查{name}", agency_id=ag["山亭区"] if "山亭区" in ag else min(ag.values()),
                               period_from=D(2025, 1, 1), period_to=D(2025, 12, 31), agency_ids=[], seed="x", pool_ids=[],
                               rubric_id=rubric.id, status=status, created_by=us["wujing"])
        s.add(r)
        s.flush()
        rounds[name] = r.id
    amr, cle = ag["山亭市监"], ag["山亭综执"]
    for rnd, case, agency, total, grade, vetoes, day in [
        ("R1", "A1", amr, 92, "excellent", [], D(2025, 4, 10)), ("R1", "A2", amr, 75, "pass", ["no_hearing"], D(2025, 4, 11)),
        ("R1", "A3", amr, 58, "fail", [], D(2025, 7, 1)), ("R1", "C1", cle, 85, "good", [], D(2025, 5, 5)),
        ("R2", "A6", amr, 71, "pass", [], D(2025, 6, 1)), ("R2", "A5", amr, None, None, [], None),
    ]:
        s.add(ev.EvaluationFile(round_id=rounds[rnd], case_id=ids[case], agency_id=agency, evaluator_id=us["sunli"],
                                status="scored" if total is not None else "assigned", entries={}, vetoes=vetoes,
                                total=None if total is None else Decimal(total), grade=grade,
                                scored_at=None if day is None else dt.datetime(day.year, day.month, day.day, 4, tzinfo=dt.UTC)))
    s.flush()
