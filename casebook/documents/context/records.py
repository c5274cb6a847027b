"""笔录: 现场检查、询问、听证、集体讨论."""

from __future__ import annotations

from sqlalchemy import select

from casebook.db.models import CollectiveDiscussion
from casebook.domain.vocabulary import INVESTIGATION_ACT_KINDS

from .base import (  # noqa: F401
    Built,
    CaseData,
    DocumentNotReady,
    Options,
    _act_input,
    _act_officers,
    _agency,
    _builder,
    _case_officers,
    _date,
    _facts,
    _header,
    _investigation_act,
    _iso,
    _local_time,
    _paragraphs,
    _party,
    _person,
    _pick,
    _record_notice,
    _speeches,
    _titled,
)


@_builder("inspection_record")
def _inspection_record(cd: CaseData, b: Built, o: Options) -> None:
    act = _investigation_act(cd, o, ("on_site_inspection", "inspection_survey"), "现场检查（勘验）")
    b.ref["act_id"] = act.id
    officers = _act_officers(cd, act)
    b.put("agency", _agency(cd))
    b.put("date", _iso(act.acted_on))
    b.put("place", act.place)
    if cd.case.case_no:
        b.put("case", _header(cd))
    b.put("party", _party(cd))
    b.put("officers", officers)
    b.put("findings", _paragraphs(act.summary))
    if (person := _person(_act_input(cd, act).get("on_site_person"))) is not None:
        b.put("on_site_person", person)
    b.default("notice", _record_notice(cd, officers, INVESTIGATION_ACT_KINDS[act.kind]))


@_builder("inquiry_record")
def _inquiry_record(cd: CaseData, b: Built, o: Options) -> None:
    act = _investigation_act(cd, o, ("inquiry",), "询问")
    b.ref["act_id"] = act.id
    officers = _act_officers(cd, act)
    b.put("agency", _agency(cd))
    b.put("date", _iso(act.acted_on))
    b.put("place", act.place)
    b.put("case", _header(cd))
    b.put("officers", officers)
    if (person := _person(_act_input(cd, act).get("interviewee"))) is not None:
        b.put("interviewee", person)
    b.default("notice", _record_notice(cd, officers, "询问"))


@_builder("hearing_record")
def _hearing_record(cd: CaseData, b: Built, o: Options) -> None:
    """听证笔录 (行政处罚法 第六十四条): from the hearing held; what was said comes from the full record."""
    held = cd.last("hold_hearing")
    if held is None:
        raise DocumentNotReady("本案尚未举行听证，不能制作听证笔录")
    day = _date(held.data.get("held_on")) or held.on
    b.put("agency", _agency(cd))
    b.put("date", _iso(day))
    b.put("case", _header(cd))
    b.put("party", _party(cd))
    b.put("start", _local_time(held.data.get("started_at")))
    b.put("end", _local_time(held.data.get("ended_at")))
    b.put("place", held.data.get("place"))
    b.put("chair", cd.name(held.data.get("chair_id")))
    b.put("clerk", held.data.get("clerk"))
    b.put("investigators", _case_officers(cd, day))
    # 第六十四条第（三）项: public unless it concerns state secrets, trade secrets or personal privacy.
    b.default("public", True)
    b.default("entries", _speeches(held.data.get("transcript_summary")))


@_builder("collective_discussion_record")
def _collective_discussion_record(cd: CaseData, b: Built, o: Options) -> None:
    """集体讨论记录 (行政处罚法 第五十七条第二款): one per discussion recorded."""
    d = _pick(cd, CollectiveDiscussion, o.discussion_id, "集体讨论", "discussion_id")
    # The act's input (times, place, chair …) is in the trail: the n-th act recorded the n-th discussion.
    ids = list(cd.session.execute(select(CollectiveDiscussion.id).where(CollectiveDiscussion.case_id == cd.case.id)
                                  .order_by(CollectiveDiscussion.id)).scalars())
    acts = cd.all("record_collective_discussion")
    data = acts[ids.index(d.id)].data if len(acts) == len(ids) else {}
    b.ref["discussion_id"] = d.id
    b.put("agency", _agency(cd))
    b.put("date", _iso(d.held_on))
    b.put("case", _header(cd))
    b.put("party", _party(cd))
    b.put("start", _local_time(data.get("started_at")))
    b.put("end", _local_time(data.get("ended_at")))
    b.put("place", data.get("place"))
    b.put("chair", _titled(data["chair"]) if data.get("chair") else None)
    b.put("attendees", [_titled(a) for a in d.attendees or ()])
    b.put("absent", data.get("absent"))
    b.put("recorder", data.get("recorder") or cd.name(d.recorded_by_id))
    b.put("reporter", data.get("reporter"))
    b.default("case_summary", _facts(cd))
    b.put("speeches", data.get("speeches") or _speeches(d.opinions))
    b.put("conclusion", d.conclusion)
