"""涉嫌犯罪案件移送书 (国务院令第310号)."""

from __future__ import annotations

from casebook.db.models import Referral
from casebook.domain import lifecycle as lc
from casebook.domain.deadlines import local_date
from casebook.domain.vocabulary import EVIDENCE_KINDS

from .base import (  # noqa: F401
    REFERRAL_MATERIAL_CODES,
    Built,
    CaseData,
    Options,
    _agency,
    _builder,
    _clean,
    _cn_date,
    _decision_summary,
    _doc_no,
    _facts,
    _header,
    _iso,
    _officer,
    _party,
    _pick,
)


@_builder("referral_letter")
def _referral_letter(cd: CaseData, b: Built, o: Options) -> None:
    """涉嫌犯罪案件移送书 (国务院令第310号 第五条、第六条): once the head approved the referral."""
    r = _pick(cd, Referral, o.referral_id, "经批准的移送", "referral_id", ready=lambda r: r.head_decision == "approved")
    c = cd.case
    b.ref["referral_id"] = r.id
    day = local_date(r.transferred_at) if r.transferred_at else None
    b.put("agency", _agency(cd))
    (b.put if day else b.default)("date", _iso(day or cd.today))
    _doc_no(cd, b, day or cd.today)
    b.put("recipient", r.police_agency)
    b.put("copy_to", r.procuratorate)  # 高检会〔2006〕2号: copied to the procuratorate
    b.put("case", _header(cd))
    b.put("party", _party(cd))
    b.put("facts", _facts(cd))
    crossings = [x for x in c.criminal_crossings or () if isinstance(x, dict)]
    offences = list(dict.fromkeys(x["offence"] for x in crossings if x.get("offence")))
    articles = list(dict.fromkeys(x["criminal_article"] for x in crossings if x.get("criminal_article")))
    b.default("suspected_offence", "、".join(offences) or None)
    b.default("criminal_provision", "、".join(articles) or None)
    b.put("referral_team", [o_ for o_ in (_officer(cd, uid, r.formed_on) for uid in r.team_ids or ()) if o_])
    b.put("approved_by", cd.name(r.head_id))
    b.put("approved_on", _iso(r.head_decided_on))
    if c.decided_on and c.decision_kind == "penalty":  # 第十一条: a penalty already imposed stays in force
        b.put("penalties_imposed", f"本局已于{_cn_date(c.decided_on)}作出行政处罚决定：{_decision_summary(cd)}")
    # The five materials with their statutory names; a supplement may give copies and pages instead.
    b.default("materials", [{"code": REFERRAL_MATERIAL_CODES[k], "description": label}
                            for k, label in lc.REFERRAL_MATERIALS.items()])
    # The manifest as handed over (frozen at the transfer), else the evidence files as they are now.
    by_id = {e.id: e for e in cd.evidence}
    if r.evidence_manifest is not None:
        rows = [(m.get("name"), by_id.get(m.get("evidence_id")), m.get("sha256"), m.get("size"))
                for m in r.evidence_manifest]
    else:
        rows = [(e.title, e, e.file_sha256, e.file_size) for e in cd.evidence]
    b.put("manifest", [_clean({"name": name, "kind": EVIDENCE_KINDS.get(e.kind, "书证") if e else "书证",
                               "sha256": sha, "size": size}) for name, e, sha, size in rows if sha])
