"""Property tests over the case lifecycle, through the API, on every backend.

A hypothesis state machine opens leads and on-the-spot decisions and then acts on them: any action of
the lifecycle — the procedure itself, legal review (法制审核), collective discussion (集体讨论) and criminal
referral (行刑衔接) — by any demo user, with plausible or deliberately wrong input, dates and If-Match. After
each step:

(a) the act succeeded exactly when the lifecycle allows it: the expectation is computed here, from the
    transition table's stages and roles and from the guards restated as plain rules over a model of the
    case (its review rounds and referrals too), never by asking the product; a refused act is a 4xx and
    changes nothing at all. The rule guards read configuration. The test template holds no catalogue, so
    each example imports the test 立案追诉标准 (restated in `Oracle.crosses`), and the 法制审核/集体讨论
    triggers are the defaults, read from the registry and applied by rules restated here. The benchmark and
    exemption guards need violation or exemption codes, which this machine never names: on `propose_penalty`
    and `decide` they may add reasons of their own (CATALOGUE_REASONS) to a refusal, and nothing else;
(b) the whole trail verifies;
(c) each committed act added exactly one "case.<act>" trail entry and one outbox row, preceded by one
    system entry for each deadline it planned or settled ("deadline.planned", "deadline.met" …, no event),
    and the outbox rows of every case carry case_seq 1, 2, 3 … without a gap;
(d) what the API shows of each case an act changed matches the model: its legal_review_status,
    referral_status and collective-discussion date, each review round and referral, and each deadline
    (GET /deadlines?case_id=…): a legal-review deadline is open while its round is pending and met on the
    day of the opinion; the deadlines of 国务院令第310号 and 高检会〔2006〕2号 follow the referral's steps. A
    penalty decision is let through only with the latest review round approved when the decision is major,
    and never while a referral is under way or a prosecution threshold is crossed and not settled (以罚代刑).

Every example runs on a fresh copy of the migrated and seeded template database.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import uuid
import warnings
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, event, note
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from casebook.db import models as m
from casebook.domain.lifecycle import REFERRAL_RESOLVED
from casebook.services.acts import ACTS as TRANSITIONS
from casebook.services.audit import verify_trail
from schemas.api.cases import LeadIn, SummaryDecisionIn
from schemas.api.records import EvidenceMetaIn
from tests.helpers import PNG
from tests.integration.lifecycle_model.oracle import (  # noqa: F401
    REFERRAL_EFFECTS,
    REVIEW_EFFECTS,
    CaseModel,
    Expect,
    Oracle,
    add_years,
    apply,
    day,
    iso,
    money,
)
from tests.integration.lifecycle_model.world import (  # noqa: F401
    ACTORS,
    CAL,
    CHECKLIST,
    CREDENTIAL_EDGES,
    FINES,
    GARBAGE_ETAGS,
    HEARING_KINDS,
    KIND_SETS,
    MATERIALS,
    PENDING_REVIEW,
    START,
    D,
    Person,
    World,
    today,
)

# --- drawing inputs -----------------------------------------------------------------------------------------

# The acts this machine models: every act on an existing case. An act added to the transition table later is
# reported as not covered (a warning) until it is modelled here.
MODELED = {
    "update_lead", "file", "decline_to_file", "start_investigation", "record_investigation_act", "add_evidence",
    "update_facts", "close_investigation", "propose_penalty", "serve_prior_notice", "record_statement",
    "record_waiver", "request_hearing", "hold_hearing", "record_hearing_no_show", "decide",
    "record_collective_discussion", "serve_decision", "start_execution", "record_payment", "record_summary_filing",
    "close", "archive", "suspend", "resume", "terminate", "confirm_act", "record_remedy_filed", "record_remedy_concluded",
    *REVIEW_EFFECTS, *REFERRAL_EFFECTS,
}
CASE_ACTIONS = [a for a, t in TRANSITIONS.items() if t.from_stages != (None,) and a in MODELED]
NEXT_STEPS = frozenset(REVIEW_EFFECTS) | frozenset(REFERRAL_EFFECTS) | {"update_facts"}  # see Oracle.ready
TEXT = {"cause": "涉嫌销售过期食品", "reason": "依法处理", "report": "事实清楚，证据确凿", "summary": "现场检查发现过期食品12袋",
        "content": "当事人称系进货疏忽", "review_opinion": "经复核，当事人所述不影响违法事实的认定，不予采纳",
        "note": "当事人书面声明放弃陈述申辩和听证", "transcript_summary": "当事人到场陈述",
        "referral": "涉嫌销售伪劣产品罪，货值金额逾十五万元", "police": "枣庄市公安局山亭分局",
        "procuratorate": "枣庄市山亭区人民检察院"}
DISCUSSION = {"attendees": ["赵敏", "钱进", "孙丽"], "opinions": "一致同意", "conclusion": "同意处罚"}


def opinion_body(opinion: str, on: str, problem: str = "facts") -> dict:
    items = {k: {"ok": True} for k in CHECKLIST}
    if opinion == "returned":
        items[problem] = {"ok": False, "note": "现场笔录缺当事人签名"}
    return {"opinion": opinion, "reviewed_on": on, "checklist": items,
            "opinion_text": "经审核，" + ("同意" if opinion == "approved" else "存在问题，退回")}


class Draw:
    """Plausible input, with now and then a deliberately wrong value; the oracle judges either."""

    def __init__(self, data, world: World, order: random.Random):
        self.d, self.w, self.order = data, world, order

    def __call__(self, strategy, label=None):
        return self.d.draw(strategy, label=label)

    def pick(self, options, label=None):
        return self.d.draw(st.sampled_from(options), label=label)

    def pick_any(self, options, label=None):
        """Pick with no favourite: the options are shuffled per example, so the generator's (and the
        shrinker's) preference for the first option lands on a different one each time."""
        options = list(options)
        self.order.shuffle(options)
        return self.pick(options, label)

    def chance(self, n: int, label=None) -> bool:
        """True about once in n draws (shrinks to False)."""
        return self.d.draw(st.integers(0, n - 1), label=label) == n - 1

    def day(self, c: CaseModel, edges: tuple[dt.date, ...] = ()) -> str:
        """A day near the case's clock; now and then one on a legal edge, in the future, or too early."""
        base = c.clock
        k = self.d.draw(st.integers(0, 19), label="day")
        if edges and k in (14, 15, 16):
            return min(self.pick(list(edges), "edge"), today()).isoformat()
        if k == 17:
            return (today() + dt.timedelta(days=self.d.draw(st.integers(1, 40)))).isoformat()  # in the future
        if k == 18:
            return "2023-12-31"  # before every credential
        if k == 19:
            return (base - dt.timedelta(days=self.d.draw(st.integers(1, 10)))).isoformat()
        return min(base + dt.timedelta(days=k), today()).isoformat()

    def moment(self, c: CaseModel) -> str:
        """An instant on such a day: Beijing office hours, the small hours (the day before in UTC), UTC (late in
        the UTC evening: the next Beijing day), or now and then without a zone."""
        t = self.pick(["09:30:00+08:00", "16:00:00+08:00", "07:30:00+08:00", "00:10:00+08:00", "01:00:00+00:00",
                       "17:00:00+00:00", "10:00:00"], "time")
        return f"{self.day(c)}T{t}"

    @staticmethod
    def window_edges(c: CaseModel) -> tuple[dt.date, ...]:
        """The last day of the statement window and the day after (第六十四条(一), 第四十五条)."""
        return (c.due_on, c.due_on + dt.timedelta(days=1)) if c.due_on else ()

    def officers(self, agency: int) -> list[int]:
        p = self.w.people
        mine = [q.id for q in p.values() if q.agency == agency and "officer" in q.roles and q.active and q.creds
                and q.creds[0][1] == D(2029, 12, 31) and not q.creds[0][2]]
        k = self.d.draw(st.integers(0, 7), label="officers")
        two = self.d.draw(st.permutations(mine), label="two officers")[:2]
        if k < 5:
            return two
        if k < 7:  # known officers, but fewer than two with a credential valid on the day (maybe)
            extra = [p[n].id for n in ("guoqi", "xinren", "chexiao") if n in p and p[n].agency == agency]
            return self.pick_any([two[:1], two[:1] * 2, *([two[0], x] for x in extra), two + extra[:1]], "weak officers")
        # and now and then someone who cannot be named at all (inactive, another agency, not an officer, unknown)
        odd = mine + [p[n].id for n in ("guoqi", "xinren", "chexiao", "lizhi", "chenjie", "zhaomin")] + [999999]
        return self.d.draw(st.lists(st.sampled_from(list(dict.fromkeys(odd))), min_size=1, max_size=3), label="officers")

    def penalty(self, kinds=None) -> dict:
        kinds = kinds if kinds is not None else self.pick(KIND_SETS, "penalty kinds")
        body = {"kind": "penalty", "penalty_kinds": list(kinds)}
        if "fine" in kinds:
            body["fine_amount"] = self.pick(FINES[:-1], "fine")
        return body

    def body(self, action: str, c: CaseModel) -> dict:
        a = action
        if a == "update_lead":
            return self.pick([{"cause": TEXT["cause"] + "（更正）"}, {"facts_text": "群众举报"},
                              {"party_id": self.w.parties["organization"]}, {"party_id": self.w.parties["person"]},
                              {"party_id": 999999}], "lead update")
        if a == "file":
            ids = self.officers(c.agency)
            body = {"filed_on": self.day(c, edges=CREDENTIAL_EDGES), "officer_ids": ids}
            if self.chance(3):
                body["lead_officer_id"] = ids[-1]
            return body
        if a == "decline_to_file":
            return {"ground": "first_offence", "reason": TEXT["reason"]}
        if a == "record_investigation_act":
            return {"kind": "inquiry", "acted_on": self.day(c, edges=CREDENTIAL_EDGES), "summary": TEXT["summary"],
                    "officer_ids": self.officers(c.agency)}
        if a == "add_evidence":
            return {"kind": "physical", "title": "过期食品照片", "collected_on": self.day(c, edges=CREDENTIAL_EDGES),
                    "collected_by": self.officers(c.agency)}
        if a == "update_facts":  # now and then facts that cross a prosecution threshold (Oracle.crosses)
            facts = {"goods_value": self.pick(["1200.00", "1200.00", "160000.00"], "goods value"),
                     "violations": [{"description": "销售超过保质期的食品"}],
                     "circumstances": self.pick([[], ["first_offence"], ["repeat_offence"], ["toxic_non_food_additive"]],
                                                "circumstances")}
            if c.act_started_on is None and c.discovered_on is not None and self.chance(2):  # 第三十六条, established
                facts["act_started_on"] = (c.discovered_on - dt.timedelta(days=10)).isoformat()
            return facts
        if a == "close_investigation":
            return {"report": TEXT["report"]}
        if a == "propose_penalty":
            k = self.d.draw(st.integers(0, 5), label="proposal")
            if k == 4:
                return {"kind": "no_penalty", "reasons": "首次违法且及时改正"}
            if k == 5:
                return {"kind": "refer", "reasons": "涉嫌犯罪"}
            body = self.penalty()
            if self.chance(4):
                body["confiscated_amount"] = self.pick(["300.00", "150000.00"])
            return body
        if a in ("serve_prior_notice", "serve_decision"):
            return {"served_on": self.day(c), "method": self.pick(["direct", "post"])}
        if a == "record_statement":
            return {"received_on": self.day(c), "content": TEXT["content"], "review_opinion": TEXT["review_opinion"]}
        if a == "record_waiver":
            return {"waived_on": self.day(c), "note": TEXT["note"]}
        if a == "request_hearing":
            return {"requested_on": self.day(c, edges=self.window_edges(c))}
        if a == "hold_hearing":
            notified = self.day(c)
            earliest = D.fromisoformat(notified) + dt.timedelta(days=9)
            if D.fromisoformat(notified) <= today():  # 第六十四条(二): seven working days' notice
                earliest = CAL.add_working_days(D.fromisoformat(notified), 7)
            held = self.pick([earliest, earliest - dt.timedelta(days=1), earliest + dt.timedelta(days=3),
                              D.fromisoformat(notified) + dt.timedelta(days=self.d.draw(st.integers(0, 16)))], "held")
            held = held.isoformat()
            chair = self.pick(["wangfang", "zhangwei", "liqiang", "sunli"], "chair")
            return {"notice_served_on": notified, "held_on": held, "chair_id": self.w.people[chair].id,
                    "transcript_summary": TEXT["transcript_summary"]}
        if a == "record_hearing_no_show":
            notified = self.day(c)
            earliest = D.fromisoformat(notified) + dt.timedelta(days=9)
            if D.fromisoformat(notified) <= today():  # 第六十四条(二): seven working days' notice
                earliest = CAL.add_working_days(D.fromisoformat(notified), 7)
            scheduled = self.pick([earliest, earliest - dt.timedelta(days=1),
                                   D.fromisoformat(notified) + dt.timedelta(days=self.d.draw(st.integers(0, 16)))],
                                  "scheduled")
            return {"notice_served_on": notified, "scheduled_on": scheduled.isoformat()}
        if a == "decide":
            return self.decision(c)
        if a == "record_payment":
            owed = (c.fine or Decimal("100")) - c.paid
            paid_on = self.day(c)
            on = day(paid_on)
            # what is owed that day with the surcharge of a 复议 or 诉讼 left out (第七十三条), and with it counted
            left = [Oracle.outstanding(c, on), Oracle.outstanding(c, on, pauses=False)] if on else []
            amount = self.pick([owed if owed > 0 else Decimal("100"), Decimal("100.00"), (c.fine or Decimal("50")), *left])
            receipt = self.pick(["PJ0001", f"PJ{c.id:03d}{c.acts:03d}", f"PJ{c.id:03d}{c.acts:03d}"], "receipt")
            return {"amount": f"{max(amount, Decimal('0.01')):.2f}", "paid_on": paid_on, "receipt_no": receipt}
        if a == "record_remedy_filed":  # 第七十三条: now and then the day before the service, or before the last one ended
            edges = tuple(x - dt.timedelta(days=1) for x in (c.served_on, c.remedy and c.remedy.concluded_on) if x)
            body = {"kind": self.pick(["reconsideration", "litigation"], "remedy"), "filed_on": self.day(c, edges=edges),
                    "authority": self.pick(["枣庄市山亭区人民政府", "枣庄市山亭区人民法院"], "authority")}
            if self.chance(2):
                body["remedy_case_no"] = "（2026）鲁0406行初12号"
            return body
        if a == "record_remedy_concluded":
            filed = c.remedy.filed_on if c.remedy else None
            body = {"concluded_on": self.day(c, edges=(filed - dt.timedelta(days=1), filed) if filed else ()),
                    "outcome": self.pick(["upheld", "dismissed", "withdrawn", "revoked", "changed", "other"], "outcome")}
            if self.chance(2):
                body["document_no"] = "山政复决〔2026〕12号"
            return body
        if a == "record_summary_filing":
            return {"recorded_on": self.day(c)}
        if a == "confirm_act":  # mostly an act that is waiting; now and then one that is not
            return {"act_id": self.pick([*sorted(c.awaiting), *sorted(c.awaiting), 999999], "act_id")}
        if a == "close":
            return self.pick([{}, {"closed_on": self.day(c)}, {"execution_note": "余款经法院强制执行到位"}], "close")
        if a == "record_collective_discussion":
            return {"held_on": self.day(c), **DISCUSSION}
        if a in ("suspend", "resume", "terminate"):
            return {"reason": TEXT["reason"]}
        if a in REVIEW_EFFECTS:
            return self.review(a, c)
        if a in REFERRAL_EFFECTS:
            return self.referral(a, c)
        return self.pick([{}, {"note": "无"}])

    def review(self, a: str, c: CaseModel) -> dict:
        if a == "submit_legal_review":
            body = {"submitted_on": self.day(c), "draft_decision": "拟处罚决定书草稿", "investigation_report": TEXT["report"]}
            if c.hearing_status == "held" and self.chance(2):
                body["hearing_transcript"] = TEXT["transcript_summary"]
            return body
        if a == "assign_legal_reviewer":  # mostly the bar-qualified reviewer; now and then someone unfit
            who = self.pick(["sunli", "sunli", "sunli", "dual", "novice", "exreviewer", "zhangwei", "zhaomin", None],
                            "reviewer")
            return {"reviewer_id": self.w.people[who].id if who else 999999, "assigned_on": self.day(c)}
        body = opinion_body(self.pick(["approved", "returned"], "opinion"), self.day(c), self.pick(CHECKLIST, "problem"))
        k = self.d.draw(st.integers(0, 19), label="checklist")
        if k == 19:  # an opinion that does not fit its checklist
            body["opinion"] = "returned" if body["opinion"] == "approved" else "approved"
        elif k == 18:  # an item left out
            del body["checklist"][self.pick(CHECKLIST, "item left out")]
        elif k == 17:  # a problem without its note
            body["checklist"][self.pick(CHECKLIST, "problem without note")] = {"ok": False}
        return body

    def referral(self, a: str, c: CaseModel) -> dict:
        if a == "form_referral_team":
            return {"formed_on": self.day(c, edges=CREDENTIAL_EDGES), "officer_ids": self.officers(c.agency)}
        if a == "submit_referral_report":
            return {"reported_on": self.day(c), "report": TEXT["referral"]}
        if a == "approve_referral":
            body = {"decided_on": self.day(c)}
            if not self.chance(4, "approval without its time"):  # 310号 第五条: its instant, on its Beijing day
                t = self.pick(["09:30:00+08:00", "01:00:00+00:00", "17:00:00+00:00", "10:00:00"], "approved at")
                body["approved_at"] = f"{body['decided_on']}T{t}"  # 17:00Z: the next Beijing day; no zone
            return body
        if a == "decline_referral":
            return {"decided_on": self.day(c), "reason": "涉案金额经复核不足追诉标准"}
        if a == "transfer_referral":
            materials = {k: True for k in MATERIALS}
            if self.chance(6, "materials missing"):
                materials[self.pick(MATERIALS, "missing")] = False
            return {"transferred_at": self.moment(c), "police_agency": TEXT["police"],
                    "procuratorate": TEXT["procuratorate"], "materials": materials}
        if a == "record_police_receipt":
            body = {"receipt_on": self.day(c)}
            if self.chance(2):
                body["receipt_no"] = "HZ-001"
            return body
        if a == "record_police_decision":
            body = {"decision": self.pick(["filed", "declined"], "police decision"), "notice_on": self.day(c)}
            if (body["decision"] == "declined") != self.chance(8, "reasons or not"):
                body["reasons"] = "未达立案追诉标准"
            return body
        if a in ("request_reconsideration", "request_supervision"):
            notice = c.referral.notice_on if c.referral else None
            on = self.day(c)  # 第九条: within three days of the notice; the third day and the fourth
            if notice and not self.chance(3, "any day"):
                on = min(notice + dt.timedelta(days=self.pick([0, 1, 3, 4], "days after the notice")), today()).isoformat()
            return {"requested_on": on, "reasons": "有新证据证明达到追诉标准"}
        if a == "record_police_return":
            return {"returned_on": self.day(c), "reason": "经侦查不构成犯罪，退回行政机关处理"}
        if a == "record_referral_handover":  # 第十二条: within three days of the 立案通知书; the third day and later
            notice = c.referral.notice_on if c.referral else None
            on = self.day(c)
            if notice and not self.chance(3, "any day"):
                on = min(notice + dt.timedelta(days=self.pick([0, 3, 5], "days after the notice")), today()).isoformat()
            body = {"handed_over_on": on, "items": "涉案伪劣产品120箱及检验报告", "receiver": "王警官"}
            if self.chance(2):
                body["note"] = "已办结交接手续"
            return body
        return {"sent_on": self.day(c), "sent_to": self.pick([["police", "procuratorate"], ["procuratorate", "police"],
                                                              ["police"]], "sent to")}

    def decision(self, c: CaseModel) -> dict:
        k = self.d.draw(st.integers(0, 9), label="decision")
        decided_on = self.day(c, edges=self.window_edges(c) + CREDENTIAL_EDGES)
        if k == 8:
            return {"kind": "no_penalty", "decided_on": decided_on, "reasons": "违法行为轻微并及时改正"}
        if k == 9:
            return {"kind": "refer", "decided_on": decided_on, "reasons": "涉嫌犯罪，移送公安机关"}
        kinds = list(c.penalty_kinds) or self.pick(KIND_SETS)
        if k == 5:
            kinds = kinds + ["revoke_license"] if "revoke_license" not in kinds else kinds[:1]  # heavier, or lighter
        if k == 6 and len(kinds) > 1:
            kinds = [x for x in kinds if x != "fine"] or kinds
        body = {"kind": "penalty", "decided_on": decided_on, "penalty_kinds": kinds}
        if "fine" in kinds:
            fine = c.fine if c.fine is not None else Decimal(self.pick(FINES[:-1]))
            if k == 7:
                fine += Decimal("1000")  # heavier than notified
            elif k == 4 and fine > 100:
                fine -= Decimal("100")
            body["fine_amount"] = f"{fine:.2f}"
        return body

    def spoil(self, schema, body: dict) -> tuple[dict, bool]:
        """Now and then make the body invalid for its schema: an unknown field, a missing one, a wrong type."""
        k = self.d.draw(st.integers(0, 49), label="spoil")
        if k < 47:
            return body, False
        required = [n for n, f in schema().fields.items() if f.required and n in body]
        if k == 47 or not required:
            return {**body, "bogus": 1}, True
        name = self.pick(required, "field to spoil")
        if k == 48:
            return {x: v for x, v in body.items() if x != name}, True
        return {**body, name: {"not": "a value"}}, True


# --- the machine --------------------------------------------------------------------------------------------

MAX_CASES = 5
MAX_CREATIONS = 4  # attempts (refused ones too): the rest of the steps act on cases
# Every table but the tokens (the driver issues those on first use, refused act or not).
SNAPSHOT_TABLES = [t for t in m.Base.metadata.sorted_tables if t.name != m.ApiToken.__tablename__]
WALKS = ["small fine", "heard", "waived", "referred", "returned", "declined"]


class LifecycleMachine(RuleBasedStateMachine):
    world: World = None  # set per backend by the test

    def __init__(self):
        super().__init__()
        self.w: World = type(self).world.fresh()
        self.oracle = Oracle(self.w)
        self.cases: dict[int, CaseModel] = {}
        self.forms = [f"SD2026{n:05d}" for n in range(1, 51)]  # 山亭市监's unused on-the-spot forms
        self.used_forms: set[str] = set()
        self.acts_since_checkpoint = 0
        self.creations = 0
        self.walked: list[int] = []
        self.changed: set[int] = set()  # cases an act changed since the API was last compared with the model
        self.order = random.Random(0)  # reseeded by the initialize rule
        with self.w.sessions() as s:
            self.base_trail = s.execute(select(func.count()).select_from(m.TrailEntry)).scalar_one()
            self.base_outbox = s.execute(select(func.count()).select_from(m.OutboxEvent)).scalar_one()

    # --- helpers ---

    def person(self, name: str) -> Person:
        return self.w.people[name]

    def snapshot(self) -> dict:
        """Everything a refused act must leave as it was, read in one round trip (plus the blob store)."""
        counts = [select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in SNAPSHOT_TABLES]
        forms = select(func.count()).select_from(m.SummaryForm).where(m.SummaryForm.used_by_case_id.is_not(None))
        with self.w.sessions() as s:
            row = s.execute(select(*counts, forms.scalar_subquery().label("forms_used"),
                                   select(m.TrailHead.entry_hash).scalar_subquery().label("head"))).one()
            snap = dict(row._mapping)
            snap["cases"] = sorted(s.execute(select(m.Case.id, m.Case.version, m.Case.stage, m.Case.updated_at)).all())
        blobs = self.w.settings.blob_dir
        snap["blobs"] = sum(1 for f in blobs.rglob("*") if f.is_file() and f.relative_to(blobs).parts[0] != "tmp")
        return snap

    def check(self, r, exp: Expect, what: str) -> bool:
        """Compare the response with the expectation; return whether the act was committed."""
        body = r.get_json(silent=True)
        detail = f"{what}: expected {exp}, got {r.status_code} {json.dumps(body, ensure_ascii=False)[:600]}"
        if exp.catalogue and r.status_code == 409 and body and body.get("code") == "action_refused":
            got = {x["code"] for x in body["errors"]["reasons"]}
            mine = exp.reasons or frozenset()
            assert mine <= got and got - mine <= exp.catalogue, detail
            if got - mine:
                note(f"refused by the catalogue guards too: {sorted(got - mine)}")
                return False
        assert r.status_code == exp.status, detail
        if exp.code:
            assert body and body.get("code") == exp.code, detail
        if exp.reasons is not None:
            got = {x["code"] for x in body["errors"]["reasons"]}
            assert got == exp.reasons, detail
            for code in sorted(got & {"date_out_of_order", "legal_review_outdated"}):
                event(f"refused: {code}")  # how often the subtler reasons come up (--hypothesis-show-statistics)
        elif exp.code == "date_in_future":
            event("refused: date_in_future")
        return exp.ok

    def replay_is_harmless(self, send, first, before_replay: dict) -> None:
        """A retry with the same Idempotency-Key answers as the first time and writes nothing."""
        again = send()
        assert again.status_code == first.status_code, (first.get_json(), again.get_json())
        if first.status_code < 300:
            assert again.headers.get("Idempotent-Replayed") == "true"
            assert again.get_json() == first.get_json()
        assert self.snapshot() == before_replay

    def last_entry(self, cid: int):
        with self.w.sessions() as s:
            e = s.execute(select(m.TrailEntry).where(m.TrailEntry.case_id == cid).order_by(m.TrailEntry.seq.desc())
                          .limit(1)).scalar_one()
            ev = s.execute(select(m.OutboxEvent).where(m.OutboxEvent.case_id == cid).order_by(m.OutboxEvent.id.desc())
                           .limit(1)).scalar_one()
        return e, json.loads(e.payload), ev

    def committed(self, c: CaseModel, p: Person, action: str, body: dict, r, now: dt.datetime) -> None:
        """Apply a committed act to the model and check what the response and its trail entry say."""
        old_version = c.version
        out = r.get_json()
        entry, payload, ev = self.last_entry(c.id)
        assert entry.action == f"case.{action}", (entry.action, action)
        apply(c, action, body, out, payload["data"], self.w, now)
        if action not in ("assign_legal_reviewer", "record_legal_review"):  # who took part in the case (回避)
            c.participants.add(p.id)
            c.participants.update(i for f in ("officer_ids", "collected_by") for i in body.get(f) or ())
            if isinstance(body.get("chair_id"), int):
                c.participants.add(body["chair_id"])
        if action == "record_payment":
            self.oracle.receipts.add((c.agency, body["receipt_no"]))
        self.track_confirmations(c, p, action, body, out)
        assert payload["stage_to"] == c.stage
        assert ev.type == TRANSITIONS[action].event and ev.payload["stage_to"] == c.stage
        etag = r.headers.get("ETag")
        if action == "add_evidence":
            assert out["case_id"] == c.id
            c.version = int(etag.strip('"'))
        else:
            assert out["stage"] == c.stage, (action, out["stage"], c.stage)
            assert (out["legal_review_status"], out["referral_status"]) == (c.review_status, c.referral_status), \
                (action, out["legal_review_status"], out["referral_status"], c.review_status, c.referral_status)
            assert etag == f'"{out["version"]}"'
            c.version = out["version"]
            if action == "serve_prior_notice":
                assert out["statement_due_on"] == c.due_on.isoformat()
            if action == "propose_penalty" and body["kind"] != "penalty":
                assert out["hearing_right"] is False
            if action == "propose_penalty" and set(body.get("penalty_kinds") or ()) & HEARING_KINDS:
                assert out["hearing_right"] is True, "第六十三条: these kinds always give a right to a hearing"
        if action == "decide" and body["kind"] == "penalty":
            # 第五十八条 and 国务院令第310号 第十一条, on what was let through.
            assert not self.oracle.major(c, body) or (c.review and c.review.status == "approved"), "no approved review"
            assert c.referral_status in REFERRAL_RESOLVED or (c.referral_status == "none" and not self.oracle.crosses(c))
        if action == "record_legal_review":
            self.oracle.reviews_done[p.id] = self.oracle.reviews_done.get(p.id, 0) + 1
        assert c.version > old_version
        self.acts_since_checkpoint += 1
        self.changed.add(c.id)
        event(f"committed {action}")

    def do_act(self, cid: int, action: str, who: str, body: dict, if_match: str = "ok", schema_bad: bool = False,
               idem: bool = False, garbage: str = '"abc"', expect_ok: bool = False) -> bool:
        c, p = self.cases[cid], self.person(who)
        exp = self.oracle.act(c, p, action, body, if_match, schema_bad)
        note(f"{who} {action} on case {cid} ({c.stage}) if_match={if_match} {json.dumps(body, ensure_ascii=False)} → {exp}")
        headers = {"Authorization": f"Bearer {self.w.api.token(who)}"}
        if if_match == "ok":
            headers["If-Match"] = f'"{c.version}"'
        elif if_match == "stale":
            headers["If-Match"] = f'"{c.version - 1}"'
        elif if_match == "garbage":
            headers["If-Match"] = garbage
        if idem:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        client = self.w.api.c
        if action == "add_evidence":
            content = PNG + uuid.uuid4().bytes  # a distinct blob each time, to see orphans

            def send():
                return client.post(f"/api/v1/cases/{cid}/evidence", headers=headers, content_type="multipart/form-data",
                                   data={"meta": json.dumps(body, ensure_ascii=False),
                                         "file": (io.BytesIO(content), "photo.png")})
        else:
            def send():
                return client.post(f"/api/v1/cases/{cid}/actions/{action}", json=body, headers=headers)

        # A legal act of the initial walk cannot be refused, except by the catalogue guards: no snapshot needed.
        before = self.snapshot() if not (expect_ok and exp.ok and not exp.catalogue) else None
        now = dt.datetime.now(dt.UTC)
        r = send()
        ok = self.check(r, exp, f"{who} {action} on case {cid} in stage {c.stage}")
        if expect_ok:
            assert exp.ok
        if ok:
            self.committed(c, p, action, body, r, now)
        elif before is not None:
            assert self.snapshot() == before, f"refused {action} changed something"
        if idem:
            self.replay_is_harmless(send, r, self.snapshot())
        return ok

    # --- creating cases ---

    def track_confirmations(self, c: CaseModel, p: Person, action: str, body: dict, out: dict) -> None:
        """会签: a binding act waits for the other officers it names; a confirmation removes one. The response's
        awaiting_confirmation must say exactly what the model expects."""
        named = body.get("officer_ids") or body.get("collected_by") or []
        if "awaiting_confirmation" not in out:  # an evidence upload answers with the evidence: read the case
            reader = next(n for n in ACTORS if self.person(n).agency == c.agency and "officer" in self.person(n).roles)
            out = self.w.api.get(f"/api/v1/cases/{c.id}", who=reader).get_json()
        if action in ("record_investigation_act", "add_evidence", "decide_on_the_spot"):
            new = [x for x in out.get("awaiting_confirmation", []) if x["act_id"] not in c.awaiting]
            want = set(named) - {p.id}
            assert len(new) == (1 if want else 0), (action, new, want)
            if new:
                assert set(new[0]["awaiting"]) == want and new[0]["action"] == action
                c.awaiting[new[0]["act_id"]] = want
        elif action == "confirm_act":
            left = c.awaiting[body["act_id"]] - {p.id}
            if left:
                c.awaiting[body["act_id"]] = left
            else:
                del c.awaiting[body["act_id"]]
        got = {x["act_id"]: set(x["awaiting"]) for x in out.get("awaiting_confirmation", [])}
        assert got == c.awaiting, (got, c.awaiting)

    def new_case(self, who: str, body: dict, r, procedure="ordinary") -> CaseModel:
        out = r.get_json()
        party = out.get("party")
        c = CaseModel(id=out["id"], agency=self.person(who).agency, stage=out["stage"], version=out["version"],
                      clock=max(day(body.get("discovered_on") or body.get("decided_on")), START), procedure=procedure,
                      party_kind=party["kind"] if party else None,
                      discovered_on=day(body.get("discovered_on") or body.get("decided_on")),
                      act_started_on=day(body.get("act_started_on")))
        if procedure == "summary":
            c.decided_on = c.served_on = day(body["decided_on"])  # decided and served on the spot
        c.participants.add(self.person(who).id)
        c.participants.update(body.get("officer_ids") or ())
        if procedure == "summary":
            self.track_confirmations(c, self.person(who), "decide_on_the_spot", body, out)
        assert r.headers["ETag"] == f'"{c.version}"'
        self.cases[c.id] = c
        return c

    def lead(self, who: str, body: dict, schema_bad: bool = False) -> CaseModel | None:
        exp = self.oracle.register_lead(self.person(who), body, schema_bad)
        note(f"{who} register_lead {json.dumps(body, ensure_ascii=False)} → {exp}")
        before = self.snapshot()
        r = self.w.api.post("/api/v1/cases", body, who)
        self.check(r, exp, f"{who} register_lead")
        if not exp.ok:
            assert self.snapshot() == before
            return None
        c = self.new_case(who, body, r)
        assert c.stage == "lead"
        c.trail.append("case.register_lead")
        return c

    @initialize(seed=st.integers(0, 2**32 - 1))
    def shuffle_the_options(self, seed):
        self.order = random.Random(seed)

    @initialize(depth=st.integers(0, 17), path=st.sampled_from(WALKS))
    def a_case_walked_down_the_ordinary_procedure(self, depth, path):
        self.walk(depth, path)

    @initialize(depth=st.integers(0, 17), path=st.sampled_from(WALKS))
    def another_case_walked_down_the_ordinary_procedure(self, depth, path):
        self.walk(depth, path)

    def walk(self, depth: int, path: str) -> None:
        """Take a case some way along the ordinary procedure, every act legal: a small fine (its 复议 filed and decided
        while it is executed, 第七十三条); a large one after a
        hearing, or one whose party waived the defence window, each reviewed (the second returned once, then
        approved); a small fine after a referral that the police declined to file, or filed and sent back, or on
        facts crossing a prosecution threshold once the head declined to refer (国务院令第310号 第五条、第十一条)."""
        fine = "150000.00" if path in ("heard", "waived") else "5000.00"
        o = [self.person(n).id for n in ("zhangwei", "liqiang")]
        sunli = self.person("sunli").id
        c = self.lead("zhangwei", {"source": "complaint", "cause": TEXT["cause"], "discovered_on": "2026-03-02",
                                   "act_started_on": "2026-02-20", "party_id": self.w.parties["organization"]})
        self.walked.append(c.id)
        steps = [
            ("file", "zhaomin", {"filed_on": "2026-03-03", "officer_ids": o}),
            ("start_investigation", "zhangwei", {}),
            ("record_investigation_act", "liqiang", {"kind": "on_site_inspection", "acted_on": "2026-03-04",
                                                     "summary": TEXT["summary"], "officer_ids": o}),
            ("add_evidence", "zhangwei", {"kind": "physical", "title": "过期食品照片", "collected_on": "2026-03-04",
                                          "collected_by": o}),
        ]
        steps += [("confirm_all", "", {})]  # 会签: each officer confirms the 笔录 or evidence the other recorded
        if path == "declined":
            steps += [("update_facts", "zhangwei", {"goods_value": "160000.00", "circumstances": [],
                                                    "violations": [{"description": "销售伪劣产品"}]})]
        steps += [
            ("close_investigation", "zhangwei", {"report": TEXT["report"]}),
            ("propose_penalty", "zhangwei", {"kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": fine}),
            ("serve_prior_notice", "zhangwei", {"served_on": "2026-03-10", "method": "direct"}),
        ]
        if path == "waived":
            steps += [("record_waiver", "liqiang", {"waived_on": "2026-03-11", "note": TEXT["note"]})]
        if path == "heard":
            steps += [("request_hearing", "liqiang", {"requested_on": "2026-03-12"}),
                      ("hold_hearing", "zhangwei", {"notice_served_on": "2026-03-13", "held_on": "2026-03-24",
                                                    "chair_id": self.person("wangfang").id,
                                                    "transcript_summary": TEXT["transcript_summary"]})]
        if path in ("referred", "returned"):
            steps += [
                ("form_referral_team", "zhangwei", {"formed_on": "2026-03-11", "officer_ids": o}),
                ("submit_referral_report", "liqiang", {"reported_on": "2026-03-11", "report": TEXT["referral"]}),
                ("approve_referral", "zhaomin", {"decided_on": "2026-03-12", "approved_at": "2026-03-12T09:00:00+08:00"}),
                ("transfer_referral", "zhangwei", {"transferred_at": "2026-03-12T16:00:00+08:00",
                                                   "police_agency": TEXT["police"], "procuratorate": TEXT["procuratorate"],
                                                   "materials": {k: True for k in MATERIALS}}),
                ("record_police_receipt", "liqiang", {"receipt_on": "2026-03-13", "receipt_no": "HZ-001"}),
            ]
            if path == "referred":
                steps += [("record_police_decision", "zhangwei", {"decision": "declined", "notice_on": "2026-03-16",
                                                                  "reasons": "未达立案追诉标准"})]
            else:
                steps += [("record_police_decision", "zhangwei", {"decision": "filed", "notice_on": "2026-03-16"}),
                          # 第十二条: the 涉案物品 and materials handed over within three days of the 立案通知书
                          ("record_referral_handover", "liqiang", {"handed_over_on": "2026-03-18",
                                                                   "items": "涉案伪劣产品120箱及检验报告",
                                                                   "receiver": "王警官"}),
                          ("record_police_return", "liqiang", {"returned_on": "2026-03-20",
                                                               "reason": "经侦查不构成犯罪，退回行政机关处理"})]
        if path in ("heard", "waived"):
            submit = {"submitted_on": "2026-03-24", "draft_decision": "拟处罚决定书草稿", "investigation_report": TEXT["report"]}
            assign = {"reviewer_id": sunli, "assigned_on": "2026-03-24"}
            steps += [("submit_legal_review", "zhangwei", submit), ("assign_legal_reviewer", "zhaomin", assign)]
            if path == "waived":
                steps += [("record_legal_review", "sunli", opinion_body("returned", "2026-03-24", "law")),
                          ("submit_legal_review", "liqiang", submit), ("assign_legal_reviewer", "sunli", assign)]
            steps += [("record_legal_review", "sunli", opinion_body("approved", "2026-03-24"))]
        if path == "declined":  # 以罚代刑: refused while the threshold is crossed, until the head declines to refer
            steps += [("decide", "zhaomin", {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine"],
                                             "fine_amount": fine}, "refused"),
                      ("decline_referral", "zhaomin", {"decided_on": "2026-03-18", "reason": "经集体研究，暂不移送"})]
        steps += [
            ("record_collective_discussion", "zhaomin", {"held_on": "2026-03-24", **DISCUSSION}),
            ("decide", "zhaomin", {"kind": "penalty", "decided_on": "2026-03-25", "penalty_kinds": ["fine"],
                                   "fine_amount": fine}),
            ("serve_decision", "zhangwei", {"served_on": "2026-03-26", "method": "direct"}),
        ]
        if path in ("referred", "returned", "declined"):
            steps += [("record_penalty_copy", "zhangwei", {"sent_on": "2026-03-27", "sent_to": ["police", "procuratorate"]})]
        steps += [("start_execution", "liqiang", {})]
        if path == "small fine":  # 第七十三条: a 复议 filed and decided; the fine is still paid (不停止执行)
            steps += [("record_remedy_filed", "liqiang", {"kind": "reconsideration", "filed_on": "2026-03-27",
                                                          "authority": "枣庄市山亭区人民政府"}),
                      ("record_remedy_concluded", "zhangwei", {"concluded_on": "2026-03-27", "outcome": "upheld"})]
        steps += [
            ("record_payment", "zhangwei", {"amount": fine, "paid_on": "2026-03-27", "receipt_no": f"PJ{c.id:05d}"}),
            ("close", "zhaomin", {"closed_on": "2026-03-30"}),
            ("archive", "zhangwei", {}),
        ]
        for action, who, body, *refused in steps[:depth * len(steps) // 17]:
            if action == "confirm_all":
                for act_id, waiting in sorted(c.awaiting.items()):
                    for uid in sorted(waiting):
                        name = next(n for n in ACTORS if self.person(n).id == uid)
                        assert self.do_act(c.id, "confirm_act", name, {"act_id": act_id}, expect_ok=True)
                continue
            if refused:
                assert self.do_act(c.id, action, who, body) is False
            elif not self.do_act(c.id, action, who, body, expect_ok=True):
                break  # refused by a catalogue guard only

    @precondition(lambda self: len(self.cases) < MAX_CASES and self.creations < MAX_CREATIONS)
    @rule(data=st.data())
    def register_lead(self, data):
        self.creations += 1
        d = Draw(data, self.w, self.order)
        who = d.pick(["zhangwei", "zhaomin", "chenjie", "sunli", "wujing", "admin"], "who")
        party = d.pick([self.w.parties["organization"], self.w.parties["person"], None, 999999], "party")
        c = CaseModel(0, 0, "lead", 0, START)
        body = {"source": d.pick(["complaint", "inspection"]), "cause": TEXT["cause"], "discovered_on": d.day(c)}
        if d.chance(2):  # 行政处罚法 第三十六条: an act day at, or a day past, the two years' edge, or recent
            found = D.fromisoformat(body["discovered_on"])
            edge = add_years(found, -2)
            body["act_started_on"] = d.pick([edge, edge - dt.timedelta(days=1), found - dt.timedelta(days=30)],
                                            "act day").isoformat()
        if party is not None or d.chance(2):
            body["party_id"] = party
        body, bad = d.spoil(LeadIn, body)
        self.lead(who, body, bad)

    @precondition(lambda self: len(self.cases) < MAX_CASES and self.creations < MAX_CREATIONS)
    @rule(data=st.data())
    def decide_on_the_spot(self, data):
        self.creations += 1
        d = Draw(data, self.w, self.order)
        who = d.pick(["zhangwei", "liqiang", "zhaomin", "chenjie", "wangfang"], "who")
        p = self.person(who)
        kinds = d.pick([["fine"], ["warning"], ["warning", "fine"], ["confiscate_gains"], ["fine", "revoke_license"]], "kinds")
        party_kind = d.pick(["person", "organization"], "party kind")
        form = d.pick(["unused", "used", "unknown"], "form")
        form_no = {"unused": next((f for f in self.forms if f not in self.used_forms), "SD2026X"),
                   "used": next(iter(sorted(self.used_forms)), "SD2026Y"), "unknown": "NOT-A-FORM"}[form]
        c = CaseModel(0, p.agency, "served", 0, START + dt.timedelta(days=7))
        body = {"party_id": self.w.parties[party_kind], "form_no": form_no, "decided_on": d.day(c), "place": "山亭区府前路88号",
                "cause": "销售标签不符合规定的食品", "facts_text": "现场发现", "penalty_kinds": kinds,
                "basis": "食品安全法第一百二十五条", "officer_ids": d.officers(p.agency), "party_signed": True}
        if "fine" in kinds:
            body["fine_amount"] = d.pick(FINES, "fine")
        body, bad = d.spoil(SummaryDecisionIn, body)
        # 山亭市监's forms only; another agency has none, and a used one is used.
        form_free = p.agency == self.person("zhangwei").agency and form_no in self.forms and form_no not in self.used_forms
        exp = self.oracle.on_the_spot(p, body, bad, form_free)
        note(f"{who} decide_on_the_spot {json.dumps(body, ensure_ascii=False)} → {exp}")
        before = self.snapshot()
        r = self.w.api.post("/api/v1/summary-decisions", body, who)
        self.check(r, exp, f"{who} decide_on_the_spot")
        if not exp.ok:
            assert self.snapshot() == before
            return
        self.used_forms.add(form_no)
        c = self.new_case(who, body, r, procedure="summary")
        c.officers = list(dict.fromkeys(body["officer_ids"]))
        c.decision_kind, c.penalty_kinds, c.fine = "penalty", kinds, money(body.get("fine_amount"))
        c.trail.append("case.decide_on_the_spot")
        assert c.stage == "served" and r.get_json()["procedure"] == "summary"

    @precondition(lambda self: self.cases)
    @rule(data=st.data())
    def act(self, data):
        d = Draw(data, self.w, self.order)
        open_ = sorted(i for i, c in self.cases.items() if c.stage not in ("declined", "archived", "terminated"))
        walked = [i for i in self.walked if i in open_]
        if walked and not d.chance(3, "not a walked case"):
            cid = d.pick_any(walked, "case")  # the ones the initialize rules took along the procedure
        else:
            cid = d.pick_any(open_ if open_ and not d.chance(5, "a closed case") else sorted(self.cases), "case")
        c = self.cases[cid]
        legal = [a for a in CASE_ACTIONS if c.stage in TRANSITIONS[a].from_stages]
        moving = [a for a in legal if TRANSITIONS[a].to]  # acts that move the case on
        ready = [a for a in legal if a in NEXT_STEPS and self.oracle.ready(c, a)]  # a review's or referral's next step
        likely = [a for a in legal if a not in NEXT_STEPS or a in ready] or legal  # out-of-step ones: any action
        k = d(st.integers(0, 11), "which action")
        if not legal or k >= 10:
            action = d.pick_any(CASE_ACTIONS, "action")
        elif k < 4 and moving:
            action = d.pick_any(moving, "action")
        elif k < 8 and ready:
            action = d.pick_any(ready, "action")
        else:
            action = d.pick_any(likely, "action")
        roles = TRANSITIONS[action].roles
        mine = [n for n in ACTORS if self.person(n).agency == c.agency]
        able = [n for n in mine if self.person(n).roles & roles]  # the role fits
        if action == "record_legal_review":  # the reviewer the round is assigned to
            assigned = [n for n in able if c.review and self.person(n).id == c.review.reviewer]
        elif action == "submit_referral_report":  # a member of the 专案组
            assigned = [n for n in able if c.referral and self.person(n).id in c.referral.team]
        elif action == "confirm_act":  # an officer a binding act is waiting for
            assigned = [n for n in able if any(self.person(n).id in w for w in c.awaiting.values())]
        else:
            assigned = [n for n in able if "agency_head" in self.person(n).roles or self.person(n).id in c.officers]
        k = d(st.integers(0, 7), "who")
        if k < 5 and assigned:
            who = d.pick_any(assigned, "who")
        elif k < 7 and able:
            who = d.pick_any(able, "who")  # maybe a colleague who is not on the case
        else:
            who = d.pick_any(ACTORS, "who")
        body = d.body(action, c)
        schema = TRANSITIONS[action].schema if action in TRANSITIONS and action != "add_evidence" else None
        if schema is None:
            schema = EvidenceMetaIn
        body, bad = d.spoil(schema, body)
        bad = bad or self.oracle.malformed(action, body)
        k = d(st.integers(0, 29), "if-match")
        if_match = {27: "stale", 28: "missing", 29: "garbage"}.get(k, "ok")
        garbage = d.pick(GARBAGE_ETAGS, "garbage") if if_match == "garbage" else '"abc"'
        idem = d.chance(6, "idempotency key")
        self.do_act(cid, action, who, body, if_match, bad, idem, garbage)

    @precondition(lambda self: self.acts_since_checkpoint >= 6)
    @rule()
    def sign_a_checkpoint(self):
        r = self.w.api.post("/api/v1/admin/audit/checkpoints", None, "admin")
        assert r.status_code == 201 and r.get_json()["created"] is True, r.get_json()
        self.acts_since_checkpoint = 0

    # --- invariants ---

    @invariant()
    def the_trail_verifies_and_each_act_has_one_entry_and_one_event(self):
        with self.w.sessions() as s:
            result = verify_trail(s, self.w.settings)
            assert result.ok, result.as_dict()
            entries_ = sum(len(c.trail) for c in self.cases.values())
            acts = sum(c.acts for c in self.cases.values())
            assert result.entries == self.base_trail + entries_
            outbox = s.execute(select(func.count()).select_from(m.OutboxEvent)).scalar_one()
            assert outbox == self.base_outbox + acts
            entries: dict[int, list[str]] = {}
            for cid, action in s.execute(select(m.TrailEntry.case_id, m.TrailEntry.action)
                                         .where(m.TrailEntry.case_id.is_not(None)).order_by(m.TrailEntry.seq)):
                entries.setdefault(cid, []).append(action)
            seqs: dict[int, list[int]] = {}
            for cid, seq in s.execute(select(m.OutboxEvent.case_id, m.OutboxEvent.case_seq)
                                      .where(m.OutboxEvent.case_id.is_not(None)).order_by(m.OutboxEvent.id)):
                seqs.setdefault(cid, []).append(seq)
            rows = {cid: (stage, version) for cid, stage, version in s.execute(select(m.Case.id, m.Case.stage, m.Case.version))}
        assert set(entries) == set(self.cases) and set(seqs) == set(self.cases)
        for cid, c in self.cases.items():
            assert entries[cid] == c.trail, (cid, entries[cid], c.trail)
            assert seqs[cid] == list(range(1, c.acts + 1)), (cid, seqs[cid])
            assert rows[cid] == (c.stage, c.version), (cid, rows[cid], c.stage, c.version)

    @invariant()
    def what_the_api_shows_of_reviews_referrals_and_deadlines_matches_the_model(self):
        api = self.w.api
        for cid in sorted(self.changed):
            c = self.cases[cid]
            out = api.get(f"/api/v1/cases/{cid}", who="wujing").get_json()
            shown = (out["legal_review_status"], out["referral_status"], out["collective_discussion_on"])
            assert shown == (c.review_status, c.referral_status, iso(c.discussion_on)), (cid, shown)
            if c.rounds:
                got = [(x["round"], x["status"], x["reviewer_id"], x["submitted_on"], x["due_on"], x["reviewed_on"])
                       for x in api.get(f"/api/v1/cases/{cid}/legal-reviews", who="wujing").get_json()]
                assert got == [(x.n, x.status, x.reviewer, iso(x.submitted_on), iso(x.due_on), iso(x.reviewed_on))
                               for x in c.rounds], (cid, got)
            if c.referrals:
                got = [(x["id"], x["status"], x["team_ids"], x["police_notice_on"], x["penalty_copy_on"])
                       for x in api.get(f"/api/v1/cases/{cid}/referrals", who="wujing").get_json()]
                assert got == [(x.id, x.status, x.team, iso(x.notice_on), iso(x.copy_on)) for x in c.referrals], (cid, got)
            if c.remedies:  # 第七十三条: each 复议 or 诉讼, and whether it is pending
                got = [(x["kind"], x["filed_on"], x["concluded_on"], x["pending"])
                       for x in api.get(f"/api/v1/cases/{cid}/remedies", who="wujing").get_json()]
                assert got == [(x.kind, iso(x.filed_on), iso(x.concluded_on), x.concluded_on is None)
                               for x in c.remedies], (cid, got)
            listed = api.get(f"/api/v1/deadlines?case_id={cid}&limit=200", who="wujing").get_json()["items"]
            if any(x.due_on is None for x in c.deadlines):  # undetermined: a year the calendar lacks
                listed += api.get(f"/api/v1/deadlines?case_id={cid}&status=pending&limit=200", who="wujing").get_json()["items"]
            got = sorted((x["kind"], x["ref"], x["starts_on"], x["due_on"], x["status"], x["met_on"]) for x in listed)
            want = sorted((x.kind, x.ref, iso(x.starts_on), iso(x.due_on), x.status, iso(x.met_on)) for x in c.deadlines
                          if x.due_on is not None or x.status == "open")
            assert got == want, (cid, got, want)
            # 第五十八条: each round's deadline is open while the round is pending, and met on the day of its opinion.
            for rv in c.rounds:
                mine = [x for x in listed if x["kind"] == "legal_review" and x["ref"] == f"review:{rv.id}"]
                assert len(mine) == 1 and (mine[0]["status"] == "open") == (rv.status in PENDING_REVIEW), (cid, mine)
                assert mine[0]["met_on"] == iso(rv.reviewed_on), (cid, mine)
        self.changed.clear()


@pytest.mark.slow
def test_only_allowed_acts_succeed_and_every_committed_act_leaves_one_entry_and_one_event(world, backend):
    not_modeled = sorted(a for a, t in TRANSITIONS.items() if t.from_stages != (None,) and a not in MODELED)
    if not_modeled:
        warnings.warn(f"lifecycle acts not covered by the property test yet: {', '.join(not_modeled)}", stacklevel=1)
    machine = type(f"Lifecycle_{backend}", (LifecycleMachine,), {"world": world})
    run_state_machine_as_test(machine, settings=hsettings(
        max_examples=50, stateful_step_count=50, deadline=None, print_blob=True,
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
    ))
