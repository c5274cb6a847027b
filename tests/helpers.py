"""A small API driver for tests: tokens per demo user, acts with ETags, and database snapshots."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import event, func, select

from casebook.db import models as m
from casebook.seed import demo_user
from casebook.services.users import issue_token

D = dt.date
_ids = itertools.count(1)


class ApiClient:
    def __init__(self, client, sessions):
        self.c = client
        self.sessions = sessions
        self._tokens: dict[str, str] = {}

    # identities
    def token(self, username: str) -> str:
        if username not in self._tokens:
            with self.sessions() as s, s.begin():
                self._tokens[username] = issue_token(s, demo_user(s, username), "test")
        return self._tokens[username]

    def user_id(self, username: str) -> int:
        with self.sessions() as s:
            return demo_user(s, username).id

    def h(self, who: str, **extra) -> dict:
        return {"Authorization": f"Bearer {self.token(who)}", **extra}

    # HTTP
    def get(self, path, who="zhangwei", **kw):
        return self.c.get(path, headers=self.h(who), **kw)

    def post(self, path, body=None, who="zhangwei", headers=None, **kw):
        return self.c.post(path, json=body, headers={**self.h(who), **(headers or {})}, **kw)

    def etag(self, case_id: int, who="zhangwei") -> str:
        r = self.get(f"/api/v1/cases/{case_id}", who)
        assert r.status_code == 200, r.get_json()
        return r.headers["ETag"]

    def act(self, case_id: int, action: str, body: dict | None = None, who="zhangwei", expect: int | None = 200):
        r = self.post(f"/api/v1/cases/{case_id}/actions/{action}", body or {}, who, headers={"If-Match": self.etag(case_id, who)})
        if expect is not None:
            assert r.status_code == expect, (action, r.status_code, r.get_json())
        return r

    # fixtures of the world
    def party(self, kind="organization") -> int:
        with self.sessions() as s:
            return s.execute(select(m.Party.id).where(m.Party.kind == kind).order_by(m.Party.id)).scalars().first()

    def lead(self, who="zhangwei", party_kind="organization", **over) -> int:
        body = {"source": "complaint", "cause": "涉嫌销售过期食品", "discovered_on": "2026-03-02",
                "party_id": self.party(party_kind), **over}
        body.setdefault("act_started_on", body["discovered_on"])  # 第三十六条: a penalty needs the act's date
        r = self.post("/api/v1/cases", body, who)
        assert r.status_code == 201, r.get_json()
        return r.get_json()["id"]

    def officers(self, *names):
        return [self.user_id(n) for n in (names or ("zhangwei", "liqiang"))]

    def filed_case(self, filed_on: str = "2026-03-03", **lead) -> int:
        cid = self.lead(**lead)
        self.act(cid, "file", {"filed_on": filed_on, "officer_ids": self.officers()}, who="zhaomin")
        return cid

    def confirm_all(self, cid: int) -> None:
        """会签: every officer a binding act of the case is waiting for confirms it."""
        for item in self.get(f"/api/v1/cases/{cid}").get_json().get("awaiting_confirmation", []):
            for uid in item["awaiting"]:
                with self.sessions() as s:
                    from casebook.db.models import User

                    who = s.get(User, uid).username
                self.act(cid, "confirm_act", {"act_id": item["act_id"]}, who=who)

    def investigated_case(self, **lead) -> int:
        cid = self.filed_case(**lead)
        self.act(cid, "start_investigation")
        self.act(cid, "record_investigation_act", {"kind": "on_site_inspection", "acted_on": "2026-03-04",
                 "place": "山亭区府前路88号", "summary": "现场检查发现过期食品12袋", "officer_ids": self.officers()})
        self.evidence(cid)
        self.act(cid, "update_facts", {"goods_value": "1200.00",
                 "violations": [{"description": "销售超过保质期的食品"}], "circumstances": ["first_offence"]})
        self.confirm_all(cid)
        self.act(cid, "close_investigation", {"report": "事实清楚，证据确凿"})
        return cid

    def evidence(self, cid: int, content: bytes | None = None, **meta_over):
        import io
        import json

        content = content if content is not None else PNG
        meta = {"kind": "physical", "title": "过期食品照片", "collected_on": "2026-03-04",
                "collected_by": self.officers(), **meta_over}
        r = self.c.post(f"/api/v1/cases/{cid}/evidence",
                        data={"meta": json.dumps(meta, ensure_ascii=False), "file": (io.BytesIO(content), "photo.png")},
                        headers=self.h("zhangwei", **{"If-Match": self.etag(cid)}), content_type="multipart/form-data")
        return r

    def noticed_case(self, fine="5000.00", kinds=("fine", "confiscate_gains"), served_on="2026-03-10", **lead) -> int:
        cid = self.investigated_case(**lead)
        self.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": list(kinds), "fine_amount": fine,
                                          "basis": "食品安全法第一百二十四条"})
        self.act(cid, "serve_prior_notice", {"served_on": served_on, "method": "direct"})
        return cid

    def submit_review(self, cid: int, submitted_on: str = "2026-03-16", expect: int | None = 200):
        return self.act(cid, "submit_legal_review", {"submitted_on": submitted_on, "draft_decision": "拟处罚决定书草稿",
                                                     "investigation_report": "调查终结报告"}, expect=expect)

    def review(self, cid: int, opinion: str = "approved", reviewed_on: str = "2026-03-16", expect: int | None = 200):
        """法制审核 (行政处罚法 第五十八条): submit, assign to the bar-qualified reviewer, opinion on the 7 items."""
        self.submit_review(cid, submitted_on=reviewed_on)
        self.act(cid, "assign_legal_reviewer", {"reviewer_id": self.user_id("sunli"), "assigned_on": reviewed_on},
                 who="zhaomin")
        items = ["subject", "procedure", "facts", "law", "authority", "documents", "criminal"]
        checklist = {k: {"ok": True} for k in items}
        if opinion == "returned":
            checklist["law"] = {"ok": False, "note": "裁量理由不充分"}
        return self.act(cid, "record_legal_review", {"opinion": opinion, "reviewed_on": reviewed_on, "checklist": checklist,
                                                      "opinion_text": "经审核，" + ("同意" if opinion == "approved" else "存在问题，退回")},
                        who="sunli", expect=expect)

    # database snapshot, for "bad input changes nothing"
    def snapshot(self) -> dict:
        with self.sessions() as s:
            out = {}
            for t in (m.Case, m.TrailEntry, m.OutboxEvent, m.Party, m.Evidence, m.NumberSequence, m.IdempotencyRecord,
                      m.CaseOfficer, m.InvestigationAct, m.User, m.Credential, m.SummaryForm):
                out[t.__tablename__] = s.execute(select(func.count()).select_from(t)).scalar_one()
            out["versions"] = sorted(s.execute(select(m.Case.id, m.Case.version, m.Case.stage)).all())
            out["head"] = s.execute(select(m.TrailHead.seq, m.TrailHead.entry_hash)).one()
            return out


# A valid 1×1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.05, what: str = "condition"):
    """Poll `predicate` until it returns a truthy value; fail with `what` after `timeout` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def delivery_state(sessions, consumer: str = "activity") -> dict:
    """Outbox versus inbox for one consumer: what was sent, applied, and applied twice."""
    from sqlalchemy import func, select

    with sessions() as s:
        outbox = set(s.execute(select(m.OutboxEvent.event_id)).scalars())
        unsent = s.execute(select(func.count()).select_from(m.OutboxEvent).where(m.OutboxEvent.sent_at.is_(None))).scalar_one()
        inbox = s.execute(select(m.ConsumerInbox.event_id).where(m.ConsumerInbox.consumer == consumer)).scalars().all()
        activity = s.execute(select(m.Activity.event_id)).scalars().all()
    return {"outbox": outbox, "unsent": unsent, "inbox": inbox, "activity": activity}


def statements_seen(engine):
    """The SQL statements the engine sends from now on (a list that fills), and a function that stops listening."""
    seen: list[str] = []

    def before(conn, cursor, statement, *a):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    return seen, lambda: event.remove(engine, "before_cursor_execute", before)
