"""The rules catalogue in use: import versions, find what is in force on a day, run the checks.

Each imported version is stored whole (`catalogue_versions.content`) and parsed into immutable domain
objects once per process; lookups are dictionary hits, so the checks cost microseconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casebook.db.models import Agency, Case, CatalogueVersion
from casebook.domain import general_provisions as gp
from casebook.domain.deadlines import add_years
from casebook.domain.errors import NotFound, ValidationFailed
from casebook.domain.rules import checks
from casebook.domain.rules.model import (
    Catalogue,
    CatalogueInvalid,
    ExemptionItem,
    Threshold,
    Triggers,
    ViolationItem,
    parse_catalogue,
)

from .context import Actor, require_role
from .recording import record

_TTL = 60.0


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, dt.date):
        return obj.isoformat()
    if isinstance(obj, Decimal):
        return str(obj)
    return obj


@dataclass
class Registry:
    """Everything imported, parsed, with indexes for the lookups."""

    catalogues: list[Catalogue] = field(default_factory=list)

    def in_force(self, day: dt.date, kind: str) -> list[Catalogue]:
        """The latest version of each catalogue code in force on `day`."""
        best: dict[str, Catalogue] = {}
        for c in self.catalogues:
            if c.kind == kind and c.effective_on(day) and (c.code not in best or c.version > best[c.code].version):
                best[c.code] = c
        return list(best.values())

    def __post_init__(self):
        self._cache: dict[tuple, object] = {}

    def _memo(self, key, fn):
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = fn()
        return hit

    def violation(self, code: str, day: dt.date) -> tuple[Catalogue, ViolationItem] | None:
        index = self._memo(("v", day), lambda: {i.code: (c, i) for c in self.in_force(day, "benchmark") for i in c.items})
        return index.get(code)

    def exemptions_for(self, violation_code: str, day: dt.date) -> list[tuple[Catalogue, ExemptionItem]]:
        def build():
            idx: dict[str, list] = {}
            for c in self.in_force(day, "exemption_list"):
                for i in c.items:
                    idx.setdefault(i.violation_code, []).append((c, i))
            return idx
        return self._memo(("e", day), build).get(violation_code, [])

    def exemption(self, code: str, day: dt.date) -> tuple[Catalogue, ExemptionItem] | None:
        index = self._memo(("ec", day), lambda: {i.code: (c, i) for c in self.in_force(day, "exemption_list") for i in c.items})
        return index.get(code)

    def thresholds(self, day: dt.date) -> list[Threshold]:
        return self._memo(("t", day), lambda: [i for c in self.in_force(day, "prosecution_thresholds") for i in c.items])

    def triggers(self, agency_code: str | None, day: dt.date) -> Triggers:
        index = self._memo(("g", day), lambda: {i.agency: i for c in self.in_force(day, "triggers") for i in c.items})
        return index.get(agency_code) or index.get("*") or DEFAULT_TRIGGERS


# 行政处罚法 第五十八条, 第六十三条: used only until a triggers catalogue is imported.
DEFAULT_TRIGGERS = Triggers(
    "*",
    legal_review={"fine_person_gte": Decimal("10000"), "fine_organization_gte": Decimal("100000"),
                  "penalty_kinds": ("revoke_license", "suspend_operations", "order_closure", "restrict_practice",
                                    "lower_qualification"),
                  "heard_cases": True, "outside_benchmark": True, "mitigated": True},
    collective_discussion={"mitigated": True},
    hearing={"fine_person_gte": Decimal("10000"), "fine_organization_gte": Decimal("100000"),
             "confiscation_person_gte": Decimal("10000"), "confiscation_organization_gte": Decimal("100000")},
)

_cache: dict[str, tuple[float, Registry]] = {}
_lock = threading.Lock()


def registry(s: Session) -> Registry:
    key = str(s.get_bind().url)
    hit = _cache.get(key)
    if hit and time.monotonic() - hit[0] < _TTL:
        return hit[1]
    reg = Registry([parse_catalogue(row) for row in s.execute(select(CatalogueVersion.content).order_by(CatalogueVersion.id)).scalars()])
    with _lock:
        _cache[key] = (time.monotonic(), reg)
    return reg


def invalidate() -> None:
    with _lock:
        _cache.clear()


# --- import ---------------------------------------------------------------------------------------------


def validate_document(s: Session, doc: dict) -> Catalogue:
    """Parse and cross-check against what is stored; raise CatalogueInvalid with every problem."""
    cat = parse_catalogue(doc)
    problems: list[tuple[str, str]] = []
    latest = s.execute(select(func.max(CatalogueVersion.version)).where(CatalogueVersion.code == cat.code)).scalar_one()
    if latest is not None and cat.version <= latest:
        problems.append(("catalogue.version", f"{cat.code} 已有第{latest}版，新导入的版本号须大于{latest}"))
    other = s.execute(select(CatalogueVersion.kind).where(CatalogueVersion.code == cat.code).limit(1)).scalar_one_or_none()
    if other is not None and other != cat.kind:
        problems.append(("catalogue.kind", f"{cat.code} 原为{other}类，不能改为{cat.kind}"))
    reg = registry(s)
    if cat.kind == "exemption_list":
        for i, item in enumerate(cat.items):
            found = [c for c in reg.catalogues if c.code == item.violation_catalogue and c.kind == "benchmark"
                     and any(v.code == item.violation_code for v in c.items)]
            if not found:
                problems.append((f"exemption_items[{i}].violation_code",
                                 f"在裁量基准 {item.violation_catalogue} 中找不到违法行为 {item.violation_code}"))
    if cat.kind == "benchmark":
        mine = {i.code for i in cat.items}
        for c in reg.catalogues:
            if c.kind == "benchmark" and c.code != cat.code:
                clash = mine & {i.code for i in c.items}
                for code in sorted(clash):
                    problems.append(("violation_items", f"事项编码 {code} 已在裁量基准 {c.code} 中使用"))
    if problems:
        raise CatalogueInvalid(problems)
    return cat


def import_document(s: Session, actor: Actor, doc: dict, *, source: str = "") -> CatalogueVersion:
    """Import one catalogue version (admin); nothing is stored if anything is wrong."""
    if "system" not in actor.roles:
        require_role(actor, "admin", what="catalogue.import")
    try:
        cat = validate_document(s, doc)
    except CatalogueInvalid as e:
        raise ValidationFailed(f"目录有{len(e.problems)}处错误，未导入任何内容", code="catalogue_invalid",
                               errors={w: [m] for w, m in e.problems}) from None
    content = _jsonable(doc)
    text = json.dumps(content, sort_keys=True, ensure_ascii=False)
    row = CatalogueVersion(code=cat.code, kind=cat.kind, name=cat.name, issuer=cat.issuer, document_no=cat.document_no,
                           version=cat.version, effective_from=cat.effective_from, effective_to=cat.effective_to,
                           content=content, sha256=hashlib.sha256(text.encode()).hexdigest(), imported_by_id=actor.user_id)
    s.add(row)
    s.flush()
    payload = {"code": cat.code, "kind": cat.kind, "version": cat.version, "document_no": cat.document_no,
               "effective_from": cat.effective_from.isoformat(), "items": len(cat.items), "sha256": row.sha256,
               "source": source}
    record(s, actor, "catalogue.imported", payload, agency_id=actor.agency_id,
           events=[("catalogue.imported", {"action": "import", "id": row.id, "data": payload})])
    invalidate()
    return row


def list_versions(s: Session) -> list[CatalogueVersion]:
    return list(s.execute(select(CatalogueVersion).order_by(CatalogueVersion.code, CatalogueVersion.version)).scalars())


def get_version(s: Session, code: str, version: int | None = None) -> CatalogueVersion:
    q = select(CatalogueVersion).where(CatalogueVersion.code == code)
    q = q.where(CatalogueVersion.version == version) if version else q.order_by(CatalogueVersion.version.desc())
    row = s.execute(q.limit(1)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"目录 {code}{f' 第{version}版' if version else ''} 不存在", code="catalogue_not_found")
    return row


def diff(old: dict, new: dict) -> dict:
    """Items added, removed and changed (in meaning, not spelling) between two catalogue documents."""
    def items(doc):
        try:
            return {str(getattr(i, "code", None) or i.agency): i for i in parse_catalogue(doc).items}
        except CatalogueInvalid:  # an invalid document: compare what it says, as written
            for key in ("violation_items", "exemption_items", "thresholds", "triggers"):
                if key in doc:
                    return {str(i.get("code") or i.get("agency")): _jsonable(i) for i in doc[key]}
            return {}
    a, b = items(old), items(new)
    return {"added": sorted(set(b) - set(a)), "removed": sorted(set(a) - set(b)),
            "changed": sorted(k for k in set(a) & set(b) if a[k] != b[k])}


# --- the checks, against what is in force -----------------------------------------------------------------


def facts_of(case: Case) -> dict[str, Decimal | None]:
    return {"illegal_gains": case.illegal_gains, "goods_value": case.goods_value, "sales_amount": case.sales_amount,
            "turnover": case.turnover, "advertising_fee": case.advertising_fee}


def violation_codes(case: Case) -> list[str]:
    return [v["code"] for v in (case.violations or []) if isinstance(v, dict) and v.get("code")]


def district_agencies(s: Session, agency_id: int) -> set[int]:
    """The whole hierarchy the agency belongs to (its root and every descendant)."""
    rows = dict(s.execute(select(Agency.id, Agency.parent_id)).all())
    root = agency_id
    while rows.get(root) is not None:
        root = rows[root]
    children: dict[int | None, list[int]] = {}
    for aid, pid in rows.items():
        children.setdefault(pid, []).append(aid)
    out, stack = set(), [root]
    while stack:
        a = stack.pop()
        out.add(a)
        stack.extend(children.get(a, ()))
    return out


def _same_violation(violations, violation_code: str) -> bool:
    return any(isinstance(v, dict) and v.get("code") == violation_code for v in violations or [])


def prior_penalties(s: Session, party_id: int | None, violation_code: str | None, agency_id: int, years: int,
                    before: dt.date, exclude_case: int | None = None) -> int:
    """Penalty decisions on the party for the same violation within `years`, across the agency hierarchy.

    Without a violation code "the same violation" cannot be established, so nothing counts: a party's
    unrelated earlier penalties must not make a food case look like repeated 非法经营 or 非法行医.
    """
    if party_id is None or not violation_code:
        return 0
    rows = s.execute(select(Case.id, Case.violations).where(
        Case.party_id == party_id, Case.decision_kind == "penalty", Case.decided_on.is_not(None),
        Case.decided_on >= add_years(before, -years), Case.decided_on <= before,
        Case.agency_id.in_(district_agencies(s, agency_id)), Case.stage.not_in(("terminated",)))).all()
    return sum(1 for cid, vio in rows if cid != exclude_case and _same_violation(vio, violation_code))


# 行政处罚法 第三十三条第一款: the grounds on which an established violation is spared (轻微并及时改正、没有造成危害后果;
# 初次违法且危害后果轻微并及时改正). 第三十一条 (incapacity) and 第三十三条第二款 (no fault) are not "a violation spared":
# the party bears no responsibility for it, so they do not use up the first offence.
_SPARED_ON = tuple(g.codes for g in gp.GROUNDS if g.article.endswith("第三十三条第一款"))


def spared_violation(exemption, circumstances) -> bool:
    """A 不予处罚 decision granted on an established violation: under a 免罚清单 item (the proposal named one and the
    rule check recorded it on the case), or on the recorded circumstances of 第三十三条第一款. A 不予处罚 with neither —
    违法事实不能成立 (行政处罚法 第五十七条第一款第三项), no fault, incapacity — records no violation."""
    if isinstance(exemption, dict) and exemption.get("item"):
        return True
    circ = set(circumstances or ())
    return any(codes <= circ for codes in _SPARED_ON)


def prior_exemptions(s: Session, party_id: int | None, violation_code: str | None, agency_id: int, years: int,
                     before: dt.date, exclude_case: int | None = None, item_code: str | None = None) -> int:
    """不予处罚 decisions on the party for the same violation within `years`, across the agency hierarchy, granted
    because the violation was established and spared (see `spared_violation`).

    行政处罚法 第三十三条第一款 spares a 初次违法; 免罚清单 say "首次被发现": a party already spared for the same violation
    within the look-back has been found once, and is not spared again as a first offence. The same violation: the
    case records the violation item, or it was spared under the same list item (`item_code`).
    """
    if party_id is None or not (violation_code or item_code):
        return 0
    rows = s.execute(select(Case.id, Case.violations, Case.exemption, Case.circumstances).where(
        Case.party_id == party_id, Case.decision_kind == "no_penalty", Case.decided_on.is_not(None),
        Case.decided_on >= add_years(before, -years), Case.decided_on <= before,
        Case.agency_id.in_(district_agencies(s, agency_id)), Case.stage.not_in(("terminated",)))).all()
    return sum(1 for cid, vio, ex, circ in rows if cid != exclude_case and spared_violation(ex, circ) and (
        (violation_code and _same_violation(vio, violation_code))
        or (item_code and isinstance(ex, dict) and ex.get("item") == item_code)))


def benchmark_for(s: Session, code: str, facts: dict, circumstances, day: dt.date,
                  uncomputable: dict | None = None) -> checks.BenchmarkResult:
    found = registry(s).violation(code, day)
    if found is None:
        raise NotFound(f"{day.isoformat()}施行的裁量基准中没有事项 {code}", code="violation_item_not_found")
    try:
        return checks.benchmark(found[1], found[0], facts, circumstances, uncomputable)
    except checks.FactMissing as e:
        from casebook.domain.rules.model import FACTS

        raise ValidationFailed(e.message, code="fact_missing", errors={
            f: [f"{FACTS[f]}{'记录为无法计算，该事项没有无法计算时的幅度' if f in (uncomputable or {}) else '未录入'}"]
            for f in e.facts}) from None


def exemption_for(s: Session, code: str, party_id: int | None, agency_id: int, facts: dict, circumstances,
                  day: dt.date, exclude_case: int | None = None) -> checks.Eligibility:
    found = registry(s).exemption(code, day)
    if found is None:
        raise NotFound(f"{day.isoformat()}施行的免罚清单中没有事项 {code}", code="exemption_item_not_found")
    item = found[1]
    prior = prior_penalties(s, party_id, item.violation_code, agency_id, item.lookback_years, day, exclude_case)
    # 行政处罚法 第三十三条第一款 (初次违法): an earlier 不予处罚 for the same violation counts as well as a penalty.
    spared = prior_exemptions(s, party_id, item.violation_code, agency_id, item.lookback_years, day, exclude_case,
                              item_code=item.code) if "first_offence" in item.conditions else 0
    return checks.exemption(item, facts, circumstances, prior, spared)


def thresholds_for(s: Session, facts: dict, circumstances, party_kind: str | None, party_id: int | None,
                   agency_id: int, violation_code: str | None, day: dt.date, fields=(),
                   exclude_case: int | None = None) -> list[checks.Crossing]:
    return checks.thresholds(
        registry(s).thresholds(day), facts, circumstances, party_kind,
        lambda years: prior_penalties(s, party_id, violation_code, agency_id, years, day, exclude_case), fields)


def triggers_for(s: Session, agency_id: int, day: dt.date) -> Triggers:
    agency = s.get(Agency, agency_id)
    return registry(s).triggers(agency.code if agency else None, day)


MAX_CATALOGUE_BYTES = 5 * 1024 * 1024  # the largest real catalogue is a few hundred KB
MAX_YAML_NODES = 200_000


def _safe_yaml_loader():
    """yaml.SafeLoader without aliases and with a node budget: no billion-laughs (an alias bomb of a few
    hundred bytes expands into millions of nodes), no merge keys (they need aliases)."""
    import yaml
    from yaml.events import AliasEvent

    class CatalogueLoader(yaml.SafeLoader):
        nodes = 0

        def compose_node(self, parent, index):
            if self.check_event(AliasEvent):
                mark = self.peek_event().start_mark
                raise yaml.YAMLError(f"第{mark.line + 1}行：目录文件不允许使用 YAML 别名（*alias）")
            self.nodes += 1
            if self.nodes > MAX_YAML_NODES:
                raise yaml.YAMLError(f"YAML 节点超过{MAX_YAML_NODES}个")
            return super().compose_node(parent, index)

    return CatalogueLoader


def load_bytes(data: bytes, filename: str, *, progress=None, origins: dict | None = None) -> dict:
    """Read a catalogue document from YAML or XLSX bytes; report unreadable input as field errors.

    Callers check the role first (admin) and cap the size (MAX_CATALOGUE_BYTES) before calling this."""
    import yaml

    from .catalogue_xlsx import XlsxProblems, read

    if len(data) > MAX_CATALOGUE_BYTES:
        raise ValidationFailed(f"目录文件不得超过{MAX_CATALOGUE_BYTES // (1024 * 1024)} MB", code="catalogue_too_large",
                               errors={"file": ["文件过大"]})
    name = filename.lower()
    try:
        if name.endswith(".xlsx"):
            return read(data, progress=progress, origins=origins)
        if name.endswith((".yaml", ".yml")):
            doc = yaml.load(data.decode("utf-8"), Loader=_safe_yaml_loader())  # noqa: S506 — a SafeLoader subclass
            if not isinstance(doc, dict):
                raise ValidationFailed("YAML 内容不是对象", code="catalogue_invalid", errors={"file": ["YAML 内容不是对象"]})
            return doc
    except XlsxProblems as e:
        raise ValidationFailed(f"表格有{len(e.problems)}处错误，未导入任何内容", code="catalogue_invalid",
                               errors={w: [m] for w, m in e.problems}) from None
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise ValidationFailed("无法读取 YAML 文件", code="catalogue_invalid", errors={"file": [str(e)[:300]]}) from None
    except ValidationFailed:
        raise
    except Exception as e:  # noqa: BLE001 — a corrupt workbook: refuse it as input
        raise ValidationFailed("无法读取 XLSX 文件", code="catalogue_invalid", errors={"file": [str(e)[:300]]}) from None
    raise ValidationFailed("只支持 .yaml/.yml 或 .xlsx 文件", code="unsupported_catalogue_file", errors={"file": [filename]})


def seed_directory(s: Session, directory) -> list[str]:
    """Import every catalogue file of a directory in dependency order (benchmarks before lists); skip known versions."""
    from pathlib import Path

    from casebook.services.context import SYSTEM

    order = {"benchmark": 0, "prosecution_thresholds": 1, "triggers": 1, "exemption_list": 2}
    docs = []
    for path in sorted(Path(directory).glob("*.y*ml")):
        doc = load_bytes(path.read_bytes(), path.name)
        docs.append((order.get((doc.get("catalogue") or {}).get("kind"), 3), path.name, doc))
    done = []
    for _, name, doc in sorted(docs, key=lambda t: (t[0], t[1])):
        h = doc["catalogue"]
        exists = s.execute(select(CatalogueVersion.id).where(CatalogueVersion.code == h.get("code"),
                                                            CatalogueVersion.version == h.get("version"))).first()
        if not exists:
            import_document(s, SYSTEM, doc, source=name)
            done.append(name)
    return done
