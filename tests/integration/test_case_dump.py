"""The case response (`GET /api/v1/cases/{id}`, every act's answer) is CaseOut's dump, compiled
(schemas.api.fastdump): the same keys, in the same order, with the same values as marshmallow's, on cases at
every kind of stage — and the awaiting acts read by four columns are those the loaded acts give."""

from __future__ import annotations

from casebook.seed import demo_user
from casebook.services import cases as svc
from casebook.services.context import actor_for
from schemas.api.cases import CaseOut
from schemas.api.fastdump import compile_dump


def _cases(api) -> dict[str, int]:
    out = {"lead": api.lead(), "filed": api.filed_case()}
    awaiting = api.filed_case()
    api.act(awaiting, "start_investigation")
    api.act(awaiting, "record_investigation_act", {"kind": "on_site_inspection", "acted_on": "2026-03-04",
            "place": "山亭区府前路88号", "summary": "现场检查发现过期食品12袋", "officer_ids": api.officers()})
    out["awaiting"] = awaiting
    out["noticed"] = api.noticed_case()
    done = api.noticed_case()
    api.act(done, "decide", {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine", "confiscate_gains"],
                             "fine_amount": "5000.00", "basis": "食品安全法第一百二十四条"}, who="zhaomin")
    api.act(done, "serve_decision", {"served_on": "2026-03-19", "method": "direct"})
    api.act(done, "start_execution")
    api.act(done, "record_payment", {"amount": "5000.00", "paid_on": "2026-03-25", "receipt_no": "PJ0001"})
    out["executing"] = done
    return out


def test_the_compiled_dump_is_marshmallows_dump_key_for_key(api):
    ids = _cases(api)
    schema = CaseOut()
    dump = compile_dump(schema)
    with api.sessions() as s:
        actor = actor_for(s, demo_user(s, "zhangwei"))
        for what, cid in ids.items():
            case = svc.load_case(s, actor, cid)
            fast = dump(case)
            slow = schema.dump(case)
            assert fast == slow, what
            assert list(fast) == list(slow), what
            # the awaiting acts read by columns are those of the loaded acts
            loaded = [{"act_id": a.id, "action": a.action, "seq": a.seq, "awaiting": list(a.awaiting)}
                      for a in case.acts if a.awaiting]
            assert fast["awaiting_confirmation"] == loaded, what
            assert case.awaiting_confirmation == loaded, what  # now from the loaded acts
        assert dump(svc.load_case(s, actor, ids["awaiting"]))["awaiting_confirmation"], "a 会签 left open"
        executing = dump(svc.load_case(s, actor, ids["executing"]))
        assert executing["paid_amount"] == "5000.00" and executing["officers"] and executing["party"]
    # and what the API answers is that dump
    got = api.get(f"/api/v1/cases/{ids['executing']}").get_json()
    assert got == executing


def test_no_act_that_waits_for_confirmation_can_be_taken_on_a_lead():
    """Case.awaiting_confirmation answers [] for a lead without reading its acts: it relies on this."""
    from casebook.services.acts import ACTS

    assert any(a.cosign for a in ACTS.values())
    on_a_lead = [a for a in ACTS.values() if "lead" in (a.from_stages or ())]
    assert on_a_lead and not any(a.cosign for a in on_a_lead)
    assert all(a.to != "suspended" for a in on_a_lead)  # a lead is never suspended, so no resume returns to it
    for a in ACTS.values():
        if a.to == "lead":  # only opening a lead makes one, and it waits for nobody
            assert a.creates and not a.cosign, a.code
