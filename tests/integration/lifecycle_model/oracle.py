"""The property test's oracle: a model of each case and the lifecycle's rules restated over it, never asked of the
product; what the API must show after each act."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from casebook.domain.errors import CalendarDataMissing
from casebook.domain.lifecycle import REFERRAL_IN_PROGRESS, REFERRAL_RESOLVED
from casebook.domain.vocabulary import REMEDY_OUTCOMES
from casebook.services.acts import ACTS as TRANSITIONS

from .world import (  # noqa: F401
    CAL,
    CHECKLIST,
    DEADLINES,
    DECIDED,
    LOCAL,
    MATERIALS,
    NON_EXECUTED_KINDS,
    PENDING_REVIEW,
    REFERRAL_STEPS,
    SUMMARY_LIMIT,
    D,
    Person,
    World,
    today,
)

# --- the general provisions, restated (行政处罚法 第三十条、第三十六条) ---------------------------------------------

# The world's one person party (casebook/seed.py: 韩梅梅, 身份证号 3704021985031200x): an adult at any act this
# machine draws, so 第三十条 never refuses here; the boundary ages are tests/unit/test_general_provisions.py.
PERSON_BIRTH = D(1985, 3, 12)


def add_years(d: dt.date, n: int) -> dt.date:
    """The same day n years on (29 February → 28 February)."""
    try:
        return d.replace(year=d.year + n)
    except ValueError:
        return d.replace(year=d.year + n, day=28)


def limitation_expired(c) -> bool:
    """第三十六条: discovered more than two years after the act (no five-year item: this machine sends no codes, and
    files no reason). A discovery on the anniversary is in time."""
    return c.act_started_on is not None and c.discovered_on is not None and \
        c.discovered_on > add_years(c.act_started_on, 2)


# 第三十一至三十三条 grounds that change the outcome and must rest on linked evidence (第四十条).
GROUNDS_NEEDING_EVIDENCE = frozenset({"incapacity", "limited_capacity", "no_fault", "eliminated_consequences", "coerced",
                                      "confessed_unknown", "meritorious"})


def age_at(day_of_act: dt.date) -> int:
    b = PERSON_BIRTH
    return day_of_act.year - b.year - ((day_of_act.month, day_of_act.day) < (b.month, b.day))


# --- the model of a case ----------------------------------------------------------------------------------


@dataclass
class Round:
    """One round of 法制审核 (行政处罚法 第五十八条): submitted, assigned, then approved or returned."""

    n: int
    submitted_on: dt.date
    due_on: dt.date | None
    id: int  # the product's id, learnt from the act's trail entry (deadlines refer to it)
    status: str = "submitted"
    reviewer: int | None = None
    assigned_on: dt.date | None = None
    reviewed_on: dt.date | None = None
    # What the round reviews: the case's proposal when it was submitted (kind, penalty kinds, fine)
    proposal: tuple[str | None, frozenset[str], Decimal | None] | None = None


@dataclass
class Referral:
    """One referral (国务院令第310号): its step, the 专案组, the police's notice and the copy of the penalty."""

    id: int | None
    status: str
    team: list[int]
    formed_on: dt.date | None = None
    reported_on: dt.date | None = None
    head_decided_on: dt.date | None = None  # the head's approval, or refusal of a report
    transferred_on: dt.date | None = None  # the Beijing day of the transfer
    receipt_on: dt.date | None = None
    notice_on: dt.date | None = None  # the police's notice: filed, declined, or the case sent back
    copy_on: dt.date | None = None
    handed_over_on: dt.date | None = None  # 第十二条: the 涉案物品 and materials handed over after the police's 立案


@dataclass
class Remedy:
    """One 行政复议 or 行政诉讼 against the served fine (行政处罚法 第七十三条): pending until it concluded."""

    kind: str
    filed_on: dt.date
    concluded_on: dt.date | None = None


@dataclass
class Due:
    """A deadline as the model expects GET /deadlines to show it."""

    kind: str
    ref: str
    starts_on: dt.date
    due_on: dt.date | None  # None: a year the calendar lacks (listed with status=pending)
    start_at: dt.datetime | None = None
    status: str = "open"
    met_on: dt.date | None = None


@dataclass
class CaseModel:
    id: int
    agency: int
    stage: str
    version: int
    clock: dt.date
    procedure: str = "ordinary"
    party_kind: str | None = None
    officers: list[int] = field(default_factory=list)
    evidence: int = 0
    goods_value: Decimal | None = None
    circumstances: list[str] = field(default_factory=list)
    decision_kind: str | None = None
    penalty_kinds: list[str] = field(default_factory=list)
    fine: Decimal | None = None
    hearing_right: bool = False
    notice_on: dt.date | None = None
    due_on: dt.date | None = None
    waived: bool = False
    hearing_status: str = "none"
    summary_recorded: bool = False
    suspended_stage: str | None = None
    paid: Decimal = Decimal("0")
    confiscated: Decimal | None = None
    served_on: dt.date | None = None
    participants: set[int] = field(default_factory=set)  # who took part (回避 in legal review)
    awaiting: dict[int, set[int]] = field(default_factory=dict)  # 会签: binding act id → officers yet to confirm
    discovered_on: dt.date | None = None
    act_started_on: dt.date | None = None  # 行政处罚法 第三十六条
    filed_on: dt.date | None = None
    decided_on: dt.date | None = None
    review_status: str = "none"  # the case's legal_review_status
    rounds: list[Round] = field(default_factory=list)
    discussion_on: dt.date | None = None
    referral_status: str = "none"  # the case's referral_status
    referrals: list[Referral] = field(default_factory=list)
    remedies: list[Remedy] = field(default_factory=list)  # 第七十三条: 复议 and 诉讼, in the order filed
    deadlines: list[Due] = field(default_factory=list)
    # "case.<action>" of each committed act, "deadline.<what>" of each deadline it planned or settled, and
    # "remedy.outcome_recorded" of a 复议/诉讼 concluded with an outcome on the decision, in order
    trail: list[str] = field(default_factory=list)

    @property
    def acts(self) -> int:
        """The entries that raise an event (one each): the acts, and the remedy outcomes they record."""
        return sum(1 for e in self.trail if e.startswith(("case.", "remedy.")))

    @property
    def review(self) -> Round | None:
        return self.rounds[-1] if self.rounds else None

    @property
    def referral(self) -> Referral | None:
        return self.referrals[-1] if self.referrals else None

    @property
    def remedy(self) -> Remedy | None:
        return self.remedies[-1] if self.remedies else None

    @property
    def step(self) -> str:
        """Where the latest referral stands ("none" without one)."""
        return self.referral.status if self.referral else "none"

    def live(self, kind: str, ref: str) -> Due | None:
        return next((x for x in self.deadlines if x.kind == kind and x.ref == ref and x.status == "open"), None)

    def plan(self, kind: str, ref: str, starts_on: dt.date, due_on: dt.date | None, start_at=None) -> None:
        """Plan a deadline: a new one, or the live one of that kind and ref moved to a new start."""
        live = self.live(kind, ref)
        if live is None:
            self.deadlines.append(Due(kind, ref, starts_on, due_on, start_at))
            self.trail.append("deadline.planned")
        elif (live.starts_on, live.start_at) != (starts_on, start_at):
            live.starts_on, live.start_at, live.due_on = starts_on, start_at, due_on
            self.trail.append("deadline.replanned")

    def settle(self, kind: str, ref: str, on: dt.date) -> None:
        """Mark the live deadline of that kind and ref met (nothing if none is live)."""
        live = self.live(kind, ref)
        if live is not None:
            live.status, live.met_on = "met", on
            self.trail.append("deadline.met")

    def cancel(self, kind: str, ref: str) -> None:
        """Cancel the live deadline of that kind and ref (nothing if none is live)."""
        live = self.live(kind, ref)
        if live is not None:
            live.status = "cancelled"
            self.trail.append("deadline.cancelled")


# Reasons of the catalogue guards that need a violation or exemption code (see the module docstring), which this
# machine does not predict.
CATALOGUE_REASONS = frozenset({"penalty_above_legal_max", "deviation_reason_missing", "exemption_not_eligible", "fact_missing", "same_act_fined",
                               "exemption_measures_missing"})
CATALOGUE_ACTIONS = ("propose_penalty", "decide")


@dataclass(frozen=True)
class Expect:
    status: int
    code: str | None = None
    reasons: frozenset[str] | None = None
    catalogue: frozenset[str] = frozenset()  # reasons the catalogue guards may add to a refusal

    @property
    def ok(self) -> bool:
        return self.status < 300


def day(v) -> dt.date | None:
    """The date a wire value names, if it is an ISO date."""
    if isinstance(v, str) and len(v) == 10 and v[4] == "-" and v[7] == "-":
        try:
            return D.fromisoformat(v)
        except ValueError:
            return None
    return None


def instant(v) -> dt.datetime | None:
    """The instant a wire value names, if it is an ISO date-time with a zone."""
    if isinstance(v, str) and len(v) > 10 and v[10] == "T":
        try:
            t = dt.datetime.fromisoformat(v)
        except ValueError:
            return None
        return t if t.tzinfo is not None else None
    return None


def local_day(v) -> dt.date | None:
    """The (Beijing) date a wire value names: an ISO date, or the local day of an instant with a zone."""
    t = instant(v)
    return t.astimezone(LOCAL).date() if t is not None else day(v)


def money(v) -> Decimal | None:
    return Decimal(v) if v is not None else None


def iso(v) -> str | None:
    return v.isoformat() if v is not None else None


# Acts only an officer of the case (or the head) may do: actor_is_case_officer.
CASE_OFFICER_ACTS = {"start_investigation", "record_investigation_act", "add_evidence", "update_facts",
                     "close_investigation", "propose_penalty", "serve_prior_notice", "record_statement",
                     "record_waiver", "request_hearing", "serve_decision", "submit_legal_review",
                     # the same rule for execution, archiving, 备案, the hearing and the referral steps (heads excepted)
                     "start_execution", "record_payment", "archive", "record_summary_filing", "hold_hearing",
                     "record_hearing_no_show", "form_referral_team", "transfer_referral", "record_police_receipt",
                     "record_police_decision", "record_police_return", "record_penalty_copy", "record_referral_handover",
                     "record_remedy_filed", "record_remedy_concluded"}
# Acts that name officers (第四十二条: two with a credential valid on the act's day), and where.
OFFICER_FIELDS = {"file": ("officer_ids", "filed_on"), "record_investigation_act": ("officer_ids", "acted_on"),
                  "add_evidence": ("collected_by", "collected_on"), "form_referral_team": ("officer_ids", "formed_on")}


class Oracle:
    """What the lifecycle says should happen, from the transition table and the guards restated as rules."""

    def __init__(self, world: World):
        self.w = world
        self.reviews_done: dict[int, int] = {}  # opinions given, by reviewer (a first-time reviewer needs the bar)
        self.receipts: set[tuple[int, str]] = set()  # (agency, receipt_no) recorded: one payment per receipt
        # The agencies each party belongs to (registered it, or hold a case naming it): only they may name it on a
        # case (services.parties.attachable; the world's parties were registered by 山亭市监).
        own = world.people["zhangwei"].agency
        self.party_agencies: dict[int, set[int]] = {pid: {own} for pid in world.parties.values()}

    def party_ok(self, party_id, agency: int) -> bool:
        return agency in self.party_agencies.get(party_id, set())

    def can_read(self, p: Person, agency: int) -> bool:
        # An administrator configures and reads no case contents (issue 11): only the case roles read.
        if not set(p.roles) & {"officer", "agency_head", "legal_reviewer", "supervisor"}:
            return False
        if agency == p.agency:
            return True
        if "supervisor" in p.roles:  # its own agency and every agency below it
            a = agency
            while a is not None:
                if a == p.agency:
                    return True
                a = self.w.agency_parent.get(a)
        return False

    def officers_ok(self, ids, agency: int) -> bool:
        by_id = self.w.by_id
        return all(i in by_id and by_id[i].agency == agency and "officer" in by_id[i].roles and by_id[i].active
                   for i in ids)

    def named_officers(self, ids, on: dt.date) -> set[str]:
        """第四十二条: at least two named officers with a credential valid that day, and none without one."""
        if self.valid_count(ids, on) < 2:
            return {"officers_insufficient"}
        if self.valid_count(ids, on) < len(set(ids)):
            return {"officer_without_credential"}
        return set()

    # An act's date may not come before the case's dates it follows (立案 after discovery, service after decision …);
    # "review." and "referral." read the latest review round and the latest referral (an instant counts by its
    # Beijing day; a missing earlier date checks nothing).
    DATE_ORDER = {
        "file": (("filed_on", "discovered_on"),),
        "record_investigation_act": (("acted_on", "filed_on"),),
        "serve_prior_notice": (("served_on", "filed_on"),),
        "request_hearing": (("requested_on", "notice_on"),),
        "record_statement": (("received_on", "notice_on"),),
        "record_waiver": (("waived_on", "notice_on"),),
        "decide": (("decided_on", "filed_on"), ("decided_on", "notice_on"), ("decided_on", "review.reviewed_on"),
                   ("decided_on", "discussion_on")),
        "hold_hearing": (("notice_served_on", "notice_on"), ("held_on", "notice_on")),
        "record_hearing_no_show": (("notice_served_on", "notice_on"), ("scheduled_on", "notice_on")),
        "serve_decision": (("served_on", "decided_on"),),
        "record_payment": (("paid_on", "decided_on"),),
        "close": (("closed_on", "decided_on"),),
        "assign_legal_reviewer": (("assigned_on", "review.submitted_on"),),
        "record_legal_review": (("reviewed_on", "review.submitted_on"), ("reviewed_on", "review.assigned_on")),
        "submit_referral_report": (("reported_on", "referral.formed_on"),),
        "approve_referral": (("decided_on", "referral.reported_on"),),
        "decline_referral": (("decided_on", "referral.reported_on"),),
        "transfer_referral": (("transferred_at", "referral.head_decided_on"),),
        "record_police_receipt": (("receipt_on", "referral.transferred_on"),),
        "record_police_decision": (("notice_on", "referral.receipt_on"),),
        "request_reconsideration": (("requested_on", "referral.notice_on"),),
        "request_supervision": (("requested_on", "referral.notice_on"),),
        "record_police_return": (("returned_on", "referral.transferred_on"),),
        "record_referral_handover": (("handed_over_on", "referral.notice_on"),),
        "record_penalty_copy": (("sent_on", "decided_on"),),
        # 第七十三条: a 复议 or 诉讼 is filed once the decision is served, and after the previous one ended
        "record_remedy_filed": (("filed_on", "served_on"), ("filed_on", "remedy.concluded_on")),
        "record_remedy_concluded": (("concluded_on", "remedy.filed_on"),),
    }

    def out_of_order(self, c: CaseModel, action: str, body: dict) -> str | None:
        for key, earlier in self.DATE_ORDER.get(action, ()):
            head, _, attr = earlier.partition(".")
            before = getattr(c, head)
            if attr:
                before = getattr(before, attr) if before is not None else None
            mine = local_day(body.get(key))
            if mine is not None and before is not None and mine < before:
                return "date_out_of_order"
        return None

    def valid_count(self, ids, on: dt.date) -> int:
        by_id = self.w.by_id
        return sum(1 for i in dict.fromkeys(ids) if i in by_id and by_id[i].valid_on(on))

    @staticmethod
    def future(body: dict, keys=None) -> bool:
        """Any date of the act later than today (every `*_on` of the input: a record of what happened), and any
        instant (`transferred_at`, `approved_at`) whose Beijing day is."""
        return any((k.endswith("_on") or k.endswith("_at")) and (d := local_day(v)) is not None and d > today()
                   for k, v in body.items() if keys is None or k in keys)

    @staticmethod
    def malformed(action: str, body: dict) -> bool:
        """Input that the act's own input rules refuse whatever the case (a 422)."""
        if action == "record_legal_review":  # 第五十八条, 118号: every item, and an opinion that fits them
            items = body["checklist"]
            failing = [k for k, v in items.items() if not v["ok"]]
            return bool(set(CHECKLIST) - set(items) or (body["opinion"] == "approved" and failing)
                        or (body["opinion"] == "returned" and not failing) or any(not items[k].get("note") for k in failing))
        if action == "record_police_decision":  # 310号 第八条: a refusal to file comes with the police's reasons
            return body["decision"] == "declined" and not body.get("reasons")
        if action == "record_penalty_copy":  # 高检会〔2006〕2号: to the police and the procuratorate
            return set(body["sent_to"]) != {"police", "procuratorate"}
        if action in ("transfer_referral", "approve_referral"):  # an instant needs its zone
            if any(instant(body[k]) is None for k in ("transferred_at", "approved_at") if k in body):
                return True
        if action == "approve_referral" and "approved_at" in body:  # 310号 第五条: on the approval's (Beijing) day
            return local_day(body["approved_at"]) != day(body["decided_on"])
        return False

    def act(self, c: CaseModel, p: Person, action: str, body: dict, if_match: str, schema_bad: bool) -> Expect:
        t = TRANSITIONS[action]
        # Permission before validation: scope and role first, then the input, If-Match and the version.
        if not self.can_read(p, c.agency):
            return Expect(404, "case_not_found")
        if p.agency != c.agency:
            return Expect(403, "out_of_scope")
        if not (p.roles & t.roles):
            return Expect(403, "role_not_allowed")
        if schema_bad:
            return Expect(422)
        if if_match == "missing":
            return Expect(428, "precondition_required")
        if if_match in ("garbage", "stale"):
            return Expect(409, "stale_version")
        if self.future(body):
            return Expect(422, "date_in_future")
        named = body.get(OFFICER_FIELDS.get(action, ("",))[0], [])
        if not self.officers_ok(named, c.agency):
            return Expect(422, "unknown_officer")
        if c.stage not in t.from_stages:
            return Expect(409, "action_refused", frozenset({"wrong_stage"}))
        try:
            reasons = self.guards(c, p, action, body, named)
            if action == "serve_prior_notice" and not reasons:
                CAL.add_working_days(day(body["served_on"]), 5)
            if action == "submit_legal_review" and not reasons:  # the round's due date
                CAL.add_working_days(day(body["submitted_on"]), self.w.review_limit[c.agency])
        except CalendarDataMissing:  # a period running into a year whose holidays are not loaded
            return Expect(422, "calendar_data_missing")
        catalogue = CATALOGUE_REASONS if action in CATALOGUE_ACTIONS else frozenset()
        if reasons:
            return Expect(409, "action_refused", frozenset(reasons), catalogue)
        if action == "approve_referral" and "approved_at" not in body and day(body["decided_on"]) < today():
            return Expect(422, "approved_at_required")  # 310号 第五条: the 24 hours start at the approval, not now
        if action == "update_lead" and "party_id" in body:
            if not self.party_ok(body["party_id"], c.agency):
                return Expect(422, "unknown_party")
            self.party_agencies[body["party_id"]].add(c.agency)
        return Expect(201 if action == "add_evidence" else 200, catalogue=catalogue)

    def guards(self, c: CaseModel, p: Person, action: str, body: dict, named: list[int]) -> set[str]:
        r: set[str] = set()
        case_officer = "agency_head" in p.roles or p.id in c.officers
        if action in CASE_OFFICER_ACTS and not case_officer:
            r.add("not_case_officer")
        if action in OFFICER_FIELDS:
            r |= self.named_officers(named, day(body[OFFICER_FIELDS[action][1]]))
        # 会签: one acts in one's own name (a head may name others); investigation acts and evidence name only the
        # case's officers; a binding act counts once the others named confirmed it.
        if action in ("record_investigation_act", "add_evidence", "form_referral_team") and \
                "agency_head" not in p.roles and p.id not in named:
            r.add("actor_not_named")
        if action in ("record_investigation_act", "add_evidence") and any(i not in c.officers for i in named):
            r.add("officer_not_on_case")
        if action in ("close_investigation", "decide", "record_summary_filing", "close") and any(c.awaiting.values()):
            r.add("acts_unconfirmed")
        if action == "confirm_act" and p.id not in c.awaiting.get(body["act_id"], ()):
            r.add("confirmation_not_awaited")
        if (late := self.out_of_order(c, action, body)) is not None:
            r.add(late)
        if action == "file" and c.party_kind is None:
            r.add("party_missing")
        if action == "file" and limitation_expired(c):
            r.add("limitation_expired")
        if action in ("propose_penalty", "decide") and body.get("kind") == "penalty":
            if c.act_started_on is None:  # 第三十六条: the limitation cannot be judged without the act's date
                r.add("act_period_missing")
            if limitation_expired(c):
                r.add("limitation_expired")
            if c.party_kind == "person" and age_at(c.act_started_on or c.discovered_on) < 14:
                r.add("party_under_14")
            circ = set(c.circumstances)  # 第三十一条、第三十三条: the statute's own 不予处罚 grounds
            if "incapacity" in circ or "no_fault" in circ or {"minor", "corrected_promptly", "no_harm"} <= circ:
                r.add("no_penalty_ground")
        if action in ("propose_penalty", "decide") and set(c.circumstances) & GROUNDS_NEEDING_EVIDENCE:
            r.add("ground_evidence_missing")  # this machine links no evidence to a ground
        if action == "close_investigation" and c.evidence < 1:
            r.add("evidence_missing")
        if action == "serve_prior_notice" and (c.decision_kind != "penalty" or not c.penalty_kinds):
            r.add("penalty_not_proposed")
        if action == "request_hearing":
            if not c.hearing_right:
                r.add("no_hearing_right")
            if c.due_on and day(body["requested_on"]) > c.due_on:
                r.add("hearing_request_late")
        if action == "hold_hearing":
            if body["chair_id"] in c.officers:
                r.add("chair_is_investigator")
            if day(body["held_on"]) < CAL.add_working_days(day(body["notice_served_on"]), 7):
                r.add("hearing_notice_too_short")
        if action == "record_hearing_no_show":
            if day(body["scheduled_on"]) < CAL.add_working_days(day(body["notice_served_on"]), 7):
                r.add("hearing_notice_too_short")
        if action == "decide":
            on_day = day(body["decided_on"])
            if self.valid_count(c.officers, on_day) < 2:
                r.add("officers_insufficient")
            if body["kind"] == "penalty":
                if c.notice_on is None:
                    r.add("prior_notice_missing")
                elif not c.waived and c.due_on and on_day <= c.due_on:
                    r.add("statement_window_open")
                if c.hearing_status == "requested":
                    r.add("hearing_pending")
                if c.notice_on is not None:
                    fine = money(body.get("fine_amount"))
                    if (fine is not None and c.fine is not None and fine > c.fine) or \
                            set(body.get("penalty_kinds") or ()) - set(c.penalty_kinds):
                        r.add("heavier_than_notified")
                # 国务院令第310号 第十一条 (以罚代刑): not while a referral is under way, nor with a threshold crossed
                # unless the head declined to refer or the police declined, returned or were put under supervision.
                if c.referral_status in REFERRAL_IN_PROGRESS:
                    r.add("referral_in_progress")
                elif c.referral_status not in REFERRAL_RESOLVED and self.crosses(c):
                    r.add("criminal_suspicion_open")
                # 第五十八条: a major decision only after the latest review round approved it, and only the decision
                # that round reviewed; 第五十七条第二款.
                if self.major(c, body) and c.review_status != "approved":
                    r.add("legal_review_required")
                elif self.major(c, body) and c.review and c.review.proposal and \
                        c.review.proposal != self.decision_of(c, body):
                    r.add("legal_review_outdated")
                if self.discussion(c, body) and c.discussion_on is None:
                    r.add("collective_discussion_required")
        if action == "start_execution" and c.decision_kind != "penalty":
            r.add("nothing_to_execute")
        if action == "record_summary_filing" and c.procedure != "summary":
            r.add("not_summary_case")
        if action == "close":
            if c.procedure == "summary" and not c.summary_recorded:
                r.add("summary_not_recorded")
            if c.referral_status in ("team_formed", "reported", "approved", "transferred", "receipted",
                                     "reconsideration_requested"):
                r.add("referral_in_progress")  # 310号 第五条、第八条、第九条、第十一条: not while the referral runs
            elif c.stage == "decided" and c.decision_kind != "refer":
                r.add("decision_not_served")  # 第六十一条
            elif c.stage == "executing" and c.fine and c.paid < c.fine and not body.get("execution_note"):
                r.add("fine_unpaid")
            elif c.stage == "served" and c.decision_kind == "penalty" and set(c.penalty_kinds) - NON_EXECUTED_KINDS:
                r.add("execution_missing")
            if c.referral_status == "police_filed" and c.referral and not c.referral.handed_over_on:
                r.add("referral_handover_pending")  # 310号 第十二条: the handover is an open case's act
        r |= self.review_guards(c, p, action, body)
        r |= self.referral_guards(c, p, action, body)
        return r

    def review_guards(self, c: CaseModel, p: Person, action: str, body: dict) -> set[str]:
        """法制审核 (第五十八条): one round at a time, assigned to a qualified reviewer who is not on the case."""
        r, rv = set(), c.review
        if action == "submit_legal_review" and rv is not None:
            if rv.status in PENDING_REVIEW:
                r.add("review_in_progress")
            elif rv.status == "approved":
                r.add("review_already_approved")
        if action == "assign_legal_reviewer":
            if rv is None or rv.status not in PENDING_REVIEW:
                r.add("no_review_submitted")
            if (why := self.unfit_reviewer(c, body["reviewer_id"])) is not None:
                r.add(why)
        if action == "record_legal_review":
            if rv is None or rv.status != "assigned" or rv.reviewer != p.id:
                r.add("review_not_assigned_to_you")
            if p.id in c.officers or p.id in c.participants:
                r.add("reviewer_is_case_officer")
        if action == "record_remedy_filed":  # 第七十三条: a served fine's surcharge; one 复议 or 诉讼 at a time
            if c.decision_kind != "penalty" or "fine" not in c.penalty_kinds or not c.fine or c.served_on is None:
                r.add("no_fine_served")
            if c.remedy and c.remedy.concluded_on is None:
                r.add("remedy_pending")
        if action == "record_remedy_concluded" and not (c.remedy and c.remedy.concluded_on is None):
            r.add("no_remedy_pending")
        if action == "record_payment":
            if Decimal(body["amount"]) > self.outstanding(c, day(body["paid_on"])):
                r.add("payment_exceeds_outstanding")
            if (c.agency, body["receipt_no"]) in self.receipts:
                r.add("receipt_no_taken")
        return r

    @staticmethod
    def outstanding(c: CaseModel, on: dt.date, pauses: bool = True) -> Decimal:
        """第六十七条、第七十二条: fine and confiscation, plus 3% of the fine a day from the 16th day after service,
        at most the fine, less what was paid; 第七十三条: no surcharge for a day from the day a 复议 or 诉讼 was filed
        to the day it concluded (both included; to `on` while pending). `pauses=False`: as if none were recorded."""
        fine = c.fine or Decimal("0")
        due = (c.confiscated or Decimal("0")) + fine
        if c.served_on is not None and fine:
            last = c.served_on + dt.timedelta(days=15)
            late = [last + dt.timedelta(days=i) for i in range(1, (on - last).days + 1)]
            if pauses:
                late = [d for d in late if not any(r.filed_on <= d and (r.concluded_on is None or d <= r.concluded_on)
                                                   for r in c.remedies)]
            if late:
                due += min(fine, (fine * Decimal("0.03") * len(late)).quantize(Decimal("0.01")))
        return due - c.paid

    def unfit_reviewer(self, c: CaseModel, rid: int) -> str | None:
        """Only a legal reviewer of the agency (one who has not left); bar-qualified unless they have reviewed
        before (第五十八条第二款); never an officer of the case (118号)."""
        q = self.w.by_id.get(rid)
        if q is None or not q.active or "legal_reviewer" not in q.roles or q.agency != c.agency:
            return "assignee_not_reviewer"
        if not q.bar and not self.reviews_done.get(rid):
            return "reviewer_not_qualified"
        if rid in c.officers or rid in c.participants:
            return "reviewer_is_case_officer"
        return None

    def referral_guards(self, c: CaseModel, p: Person, action: str, body: dict) -> set[str]:
        """国务院令第310号: one referral at a time, each act at its step."""
        r, ref = set(), c.referral
        if action in REFERRAL_STEPS and c.step not in REFERRAL_STEPS[action]:
            r.add("referral_wrong_step")
        if action == "decline_referral" and (c.referral_status in REFERRAL_RESOLVED or c.referral_status == "referred"):
            r.add("referral_already_settled")
        if action == "form_referral_team" and c.step in REFERRAL_IN_PROGRESS:
            r.add("referral_in_progress")
        if action == "submit_referral_report" and ref and p.id not in ref.team and "agency_head" not in p.roles:
            r.add("not_in_referral_team")  # 第五条: the 专案组 reports
        if action == "transfer_referral" and not all(body["materials"].get(k) for k in MATERIALS):
            r.add("referral_materials_missing")
        if action == "request_reconsideration" and ref and ref.notice_on and \
                (day(body["requested_on"]) - ref.notice_on).days > 3:
            r.add("reconsideration_late")  # 第九条: within three days of the notice
        if action == "record_referral_handover" and ref and ref.handed_over_on:
            r.add("referral_already_handed_over")  # 第十二条: one handover, one 交接手续
        if action == "record_penalty_copy" and (c.decision_kind != "penalty" or c.stage not in DECIDED):
            r.add("no_penalty_decided")
        return r

    # --- the rules catalogue, restated ---

    @staticmethod
    def crosses(c: CaseModel) -> bool:
        """The test 立案追诉标准 (tests/fixtures/catalogue/thresholds.yaml) for the facts this machine records:
        伪劣产品 货值 ≥15万 (刑法第一百四十条), or 掺入有毒、有害的非食品原料 (第一百四十四条). Its other lines need
        facts the machine never records (销售金额, 经营额, 违法所得, earlier penalties under a violation code)."""
        return (c.goods_value is not None and c.goods_value >= Decimal("150000")) or \
            "toxic_non_food_additive" in c.circumstances

    @staticmethod
    def triggered(section: dict, c: CaseModel, body: dict) -> bool:
        """A fine from the trigger's amount for the party's kind up, or a penalty kind it lists."""
        kinds = set(body.get("penalty_kinds", c.penalty_kinds) or ())
        fine = money(body["fine_amount"]) if "fine_amount" in body else c.fine
        limit = section.get(f"fine_{'organization' if c.party_kind == 'organization' else 'person'}_gte")
        return ("fine" in kinds and fine is not None and limit is not None and fine >= Decimal(str(limit))) or \
            bool(kinds & set(section.get("penalty_kinds") or ()))

    def major(self, c: CaseModel, body: dict) -> bool:
        """A major decision (第五十八条 and the agency's 法制审核目录): its amount, its kinds, or a hearing held."""
        lr = self.w.triggers[c.agency].legal_review
        return body.get("kind") == "penalty" and (self.triggered(lr, c, body)
                                                  or (c.hearing_status == "held" and bool(lr.get("heard_cases"))))

    @staticmethod
    def decision_of(c: CaseModel, body: dict) -> tuple[str | None, frozenset[str], Decimal | None]:
        """What a decision decides (kind, penalty kinds, fine), what the input leaves out read from the case's
        proposal: compared with what the approved review round saw."""
        kinds = body["penalty_kinds"] if "penalty_kinds" in body else c.penalty_kinds
        fine = money(body["fine_amount"]) if "fine_amount" in body else c.fine
        return body.get("kind", c.decision_kind), frozenset(kinds or ()), fine

    def discussion(self, c: CaseModel, body: dict) -> bool:
        """A decision the heads decide together (第五十七条第二款 and the local triggers)."""
        return body.get("kind") == "penalty" and self.triggered(self.w.triggers[c.agency].collective_discussion, c, body)

    def ready(self, c: CaseModel, action: str) -> bool:
        """Whether a review or referral act is the next step of its workflow, or the facts are still to be
        recorded (to draw those more often)."""
        rv, s = c.review, c.step
        return {
            "submit_legal_review": rv is None or rv.status == "returned",
            "assign_legal_reviewer": rv is not None and rv.status == "submitted",
            "record_legal_review": rv is not None and rv.status == "assigned",
            "record_collective_discussion": c.discussion_on is None,
            "form_referral_team": s not in REFERRAL_IN_PROGRESS and (s == "none" or self.crosses(c)),
            "decline_referral": s == "reported" or (self.crosses(c) and c.referral_status == "none"),
            "record_penalty_copy": c.live("penalty_copy", "") is not None,
            "record_referral_handover": s == "police_filed" and not c.referral.handed_over_on,
            "update_facts": c.goods_value is None,
            "confirm_act": bool(c.awaiting),
        }.get(action, s in REFERRAL_STEPS.get(action, ()))

    def register_lead(self, p: Person, body: dict, schema_bad: bool) -> Expect:
        if not p.roles & {"officer", "agency_head"}:
            return Expect(403, "role_not_allowed")
        if schema_bad:
            return Expect(422)
        if self.future(body, ["discovered_on"]):
            return Expect(422, "date_in_future")
        if body.get("party_id") is not None:
            if not self.party_ok(body["party_id"], p.agency):
                return Expect(422, "unknown_party")
            self.party_agencies[body["party_id"]].add(p.agency)
        return Expect(201)

    def on_the_spot(self, p: Person, body: dict, schema_bad: bool, form_free: bool) -> Expect:
        if "officer" not in p.roles:
            return Expect(403, "role_not_allowed")
        if schema_bad:
            return Expect(422)
        if self.future(body, ["decided_on"]):
            return Expect(422, "date_in_future")
        kind = {v: k for k, v in self.w.parties.items()}.get(body["party_id"])
        if kind is None or not self.party_ok(body["party_id"], p.agency):
            return Expect(422, "unknown_party")
        if not self.officers_ok(body["officer_ids"], p.agency):
            return Expect(422, "unknown_officer")
        r = set()
        kinds = set(body["penalty_kinds"])
        fine = money(body.get("fine_amount"))
        if not kinds or kinds - {"warning", "fine"}:
            r.add("summary_kind_not_allowed")
        elif "fine" in kinds and (fine is None or fine <= 0):
            r.add("summary_fine_missing")
        elif "fine" in kinds and fine > SUMMARY_LIMIT[kind]:
            r.add("summary_fine_over_limit")
        if not form_free:
            r.add("summary_form_invalid")
        r |= self.named_officers(body["officer_ids"], day(body["decided_on"]))
        if p.id not in body["officer_ids"]:  # an officer decides in their own name
            r.add("actor_not_named")
        if kind == "person" and age_at(day(body["decided_on"])) < 14:  # 第三十条
            r.add("party_under_14")
        if r:
            return Expect(409, "action_refused", frozenset(r))
        self.party_agencies[body["party_id"]].add(p.agency)
        return Expect(201)


def due_date(w: World, c: CaseModel, kind: str, start: dt.date, start_at: dt.datetime | None = None) -> dt.date | None:
    """When a deadline of `kind` falls due (None: a year the calendar lacks). Calendar periods end on the next
    working day when their last day is a rest day; working days skip holidays; hours run from the instant."""
    unit, n = DEADLINES[kind]
    if kind == "legal_review":
        n = w.review_limit[c.agency]
    if unit == "310":
        unit = "working" if w.settings.referral_day_counting == "working" else "calendar"
    try:
        if unit == "hours":
            return (start_at + dt.timedelta(hours=n)).astimezone(LOCAL).date()
        if unit == "working":
            return CAL.add_working_days(start, n)
        return CAL.end_of_calendar_period(start, n)
    except CalendarDataMissing:
        return None


def apply(c: CaseModel, action: str, body: dict, out: dict, extra: dict, w: World, now: dt.datetime) -> None:
    """The model's effect of a committed act; `extra` is what its trail entry adds (the ids of rounds and
    referrals, which the deadlines name)."""
    t = TRANSITIONS[action]
    party_kinds = {v: k for k, v in w.parties.items()}
    if action == "update_lead" and "party_id" in body:
        c.party_kind = party_kinds[body["party_id"]]
    elif action == "file":
        c.officers = list(dict.fromkeys(body["officer_ids"]))
        c.filed_on = day(body["filed_on"])
    elif action == "add_evidence":
        c.evidence += 1
    elif action == "update_facts":
        if "act_started_on" in body:  # 第三十六条: the investigation records when the act happened
            c.act_started_on = day(body["act_started_on"])
        if "goods_value" in body:
            c.goods_value = money(body["goods_value"])
        if "circumstances" in body:
            c.circumstances = list(body["circumstances"])
    elif action == "propose_penalty":
        c.decision_kind, c.penalty_kinds = body["kind"], list(body.get("penalty_kinds") or [])
        c.fine = money(body.get("fine_amount"))
        c.confiscated = money(body.get("confiscated_amount"))
        # 较大数额 is local configuration (the catalogue's triggers): the model takes the hearing right the
        # product worked out, and `committed` checks the part the law fixes (第六十三条's kinds).
        c.hearing_right = out["hearing_right"]
    elif action == "serve_prior_notice":
        c.notice_on = day(body["served_on"])
        c.due_on = CAL.add_working_days(c.notice_on, 5)  # 第六十四条(一), 第八十五条: five working days
        c.waived = False
    elif action == "record_waiver":
        c.waived = True
    elif action == "request_hearing":
        c.hearing_status = "requested"
    elif action == "hold_hearing":
        c.hearing_status = "held"
    elif action == "record_hearing_no_show":
        c.hearing_status = "waived"
    elif action == "decide":
        if body["kind"] == "refer":
            c.referral_status = "referred"
        elif body["kind"] == "penalty" and c.referral_status != "none":
            # 高检会〔2006〕2号: a penalty on a case that met a referral goes in copy to 公安 and 检察院 within ten days.
            on = day(body["decided_on"])
            c.plan("penalty_copy", "", on, due_date(w, c, "penalty_copy", on))
        c.decision_kind, c.decided_on = body["kind"], day(body["decided_on"])
        if body["kind"] == "penalty":
            c.penalty_kinds = list(body.get("penalty_kinds") or c.penalty_kinds)
            if "fine_amount" in body:
                c.fine = money(body["fine_amount"])
            if "fine" not in c.penalty_kinds:
                c.fine = None  # the decision imposes no fine, whatever the notice proposed
            if "confiscated_amount" in body:
                c.confiscated = money(body["confiscated_amount"])
        else:
            c.penalty_kinds, c.fine, c.confiscated = [], None, None
    elif action == "serve_decision":
        c.served_on = day(body["served_on"])
    elif action == "record_payment":
        c.paid += Decimal(body["amount"])
    elif action == "record_remedy_filed":  # 第七十三条: the surcharge stops on the day filed …
        c.remedies.append(Remedy(body["kind"], day(body["filed_on"])))
    elif action == "record_remedy_concluded":  # … and runs again from the day after it concluded
        c.remedy.concluded_on = day(body["concluded_on"])
        if body["outcome"] in REMEDY_OUTCOMES:  # an outcome on the decision is recorded as such, before the act's entry
            c.trail.append("remedy.outcome_recorded")  # (no 公示 in this world to withdraw)
    elif action == "record_summary_filing":
        c.summary_recorded = True
    elif action == "suspend":
        c.suspended_stage = c.stage
    elif action in REVIEW_EFFECTS or action in REFERRAL_EFFECTS:
        (REVIEW_EFFECTS.get(action) or REFERRAL_EFFECTS[action])(c, body, extra, w, now)
    if t.to == "@resume":
        c.stage, c.suspended_stage = c.suspended_stage, None
    elif t.to:
        c.stage = t.to
    dates = [d for v in body.values() if (d := day(v)) is not None] if isinstance(body, dict) else []
    c.clock = min(max([c.clock, *dates]), today())
    c.trail.append(f"case.{action}")


def _submit_review(c, body, extra, w, now):
    on = day(body["submitted_on"])
    rv = Round(len(c.rounds) + 1, on, due_date(w, c, "legal_review", on), extra["review_id"],
               proposal=(c.decision_kind, frozenset(c.penalty_kinds), c.fine))
    assert (extra["round"], extra["due_on"]) == (rv.n, iso(rv.due_on)), (extra, rv)
    c.rounds.append(rv)
    c.review_status = "submitted"
    c.plan("legal_review", f"review:{rv.id}", on, rv.due_on)


def _assign_reviewer(c, body, extra, w, now):
    c.review.status, c.review.reviewer, c.review.assigned_on = "assigned", body["reviewer_id"], day(body["assigned_on"])
    c.review_status = "under_review"


def _record_review(c, body, extra, w, now):
    rv = c.review
    rv.status, rv.reviewed_on = body["opinion"], day(body["reviewed_on"])
    c.review_status = body["opinion"]
    c.settle("legal_review", f"review:{rv.id}", rv.reviewed_on)


def _discussion(c, body, extra, w, now):
    c.discussion_on = day(body["held_on"])


REVIEW_EFFECTS = {"submit_legal_review": _submit_review, "assign_legal_reviewer": _assign_reviewer,
                  "record_legal_review": _record_review, "record_collective_discussion": _discussion}


def _to(c: CaseModel, status: str) -> str:
    """Move the latest referral, and the case's referral status, to `status`; return the deadlines' ref."""
    c.referral.status = c.referral_status = status
    return f"referral:{c.referral.id}"


def _form_team(c, body, extra, w, now):
    c.referrals.append(Referral(extra["referral_id"], "team_formed", list(dict.fromkeys(body["officer_ids"])),
                                formed_on=day(body["formed_on"])))
    c.referral_status = "team_formed"


def _report(c, body, extra, w, now):
    on = day(body["reported_on"])  # 第五条: the head decides within three days of the report
    c.referral.reported_on = on
    c.plan("referral_decision", _to(c, "reported"), on, due_date(w, c, "referral_decision", on))


def _approve(c, body, extra, w, now):
    ref = _to(c, "approved")
    c.referral.head_decided_on = day(body["decided_on"])
    c.settle("referral_decision", ref, day(body["decided_on"]))
    at = (instant(body["approved_at"]) if "approved_at" in body else now).astimezone(dt.UTC)
    c.plan("referral_transfer", ref, at.astimezone(LOCAL).date(), due_date(w, c, "referral_transfer", None, at), at)


def _decline(c, body, extra, w, now):
    if c.referral and c.referral.status == "reported":
        c.referral.head_decided_on = day(body["decided_on"])
        c.settle("referral_decision", _to(c, "declined_by_head"), day(body["decided_on"]))
    c.referral_status = "declined_by_head"


def _transfer(c, body, extra, w, now):  # the 24 hours are met on the (Beijing) day of the transfer
    c.referral.transferred_on = on = local_day(body["transferred_at"])
    c.settle("referral_transfer", _to(c, "transferred"), on)
    # 高检会〔2006〕2号: a penalty decided before the transfer is copied within ten days of it (planned once).
    if c.decision_kind == "penalty" and c.decided_on is not None and not any(r.copy_on for r in c.referrals) \
            and not any(x.kind == "penalty_copy" and x.status != "cancelled" for x in c.deadlines):
        c.plan("penalty_copy", "", on, due_date(w, c, "penalty_copy", on))


def _receipt(c, body, extra, w, now):
    on = day(body["receipt_on"])  # 第八条: the police decide within three days of receiving the transfer
    c.referral.receipt_on = on
    c.plan("police_decision", _to(c, "receipted"), on, due_date(w, c, "police_decision", on))


def _police_decision(c, body, extra, w, now):
    on = day(body["notice_on"])
    ref = _to(c, "police_filed" if body["decision"] == "filed" else "police_declined")
    c.referral.notice_on = on
    c.settle("police_decision", ref, on)
    if body["decision"] == "declined":  # 第九条: three days to ask for 复议
        c.plan("reconsideration_request", ref, on, due_date(w, c, "reconsideration_request", on))
    else:  # 第十二条: three days from the 立案通知书 to hand the 涉案物品 and materials over
        c.plan("referral_handover", ref, on, due_date(w, c, "referral_handover", on))


def _handover(c, body, extra, w, now):
    on = day(body["handed_over_on"])
    c.referral.handed_over_on = on
    c.settle("referral_handover", f"referral:{c.referral.id}", on)


def _reconsideration(c, body, extra, w, now):
    c.settle("reconsideration_request", _to(c, "reconsideration_requested"), day(body["requested_on"]))


def _supervision(c, body, extra, w, now):
    _to(c, "supervision_requested")


def _police_return(c, body, extra, w, now):
    on = day(body["returned_on"])
    ref = _to(c, "returned")
    c.referral.notice_on = on
    c.settle("police_decision", ref, on)  # the police's answer to the transfer: nothing more is due from them
    c.cancel("referral_handover", ref)  # 第十三条: the case is the agency's again; no handover is due


def _penalty_copy(c, body, extra, w, now):
    on = day(body["sent_on"])
    if c.referral:
        c.referral.copy_on = on
    c.settle("penalty_copy", "", on)


REFERRAL_EFFECTS = {"form_referral_team": _form_team, "submit_referral_report": _report, "approve_referral": _approve,
                    "decline_referral": _decline, "transfer_referral": _transfer, "record_police_receipt": _receipt,
                    "record_police_decision": _police_decision, "request_reconsideration": _reconsideration,
                    "request_supervision": _supervision, "record_police_return": _police_return,
                    "record_penalty_copy": _penalty_copy, "record_referral_handover": _handover}
