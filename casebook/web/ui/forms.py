"""Forms generated from an act's input schema, and the submitted form read back into that schema's input.

The generator walks `schema().fields`: Date → date input, DateTime → datetime-local, Decimal → number with two
decimals, OneOf → select, officer lists → checkboxes limited to the officers who may be named, Boolean →
checkbox, String → input or textarea by its length, nested lists → a structured sub-form.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from marshmallow import ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

from casebook.domain.fields import choice_labels, field_label
from casebook.services.context import LOCAL_TZ, local_today
from schemas.api.cases import LEGAL_REVIEW_ITEMS

PERSON_FIELDS = {"chair_id": "people", "reviewer_id": "reviewers", "lead_officer_id": "officers",
                 "recorded_by_id": "officers", "party_id": "parties", "act_id": "pending"}
VIOLATION_ROWS = 3


@dataclass
class Field:
    name: str
    label: str
    help: str
    widget: str
    required: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)
    maxlength: int | None = None
    subfields: list[Field] = field(default_factory=list)
    rows: int = 0


def _one_of(f) -> list | None:
    for v in f.validators or ():
        if isinstance(v, validate.OneOf):
            return list(v.choices)
    return None


def _max_len(f) -> int | None:
    for v in f.validators or ():
        if isinstance(v, validate.Length) and v.max:
            return v.max
    return None


def form_fields(schema_cls, act: str, officer_field: str | None, people: dict[str, list[tuple]],
                only: list[str] | None = None) -> list[Field]:
    """The form of an act; `people` lists who may be chosen: officers (of the case), reviewers, parties …

    With `only`, just those fields (a document's supplement), all optional: the service says what is missing.
    """
    out = []
    schema_fields = schema_cls().fields
    items = [(n, schema_fields[n]) for n in only if n in schema_fields] if only is not None else schema_fields.items()
    for name, f in items:
        if f.dump_only or f.metadata.get("api_only"):  # e.g. party_id_number: the pages list the agency's own parties
            continue
        label, help_ = field_label(name, act)
        fld = Field(name, label, help_, "text", required=f.required and only is None)
        if name == officer_field:
            fld.widget, fld.choices = "checkboxes", [(str(i), n) for i, n in people.get("officers", [])]
        elif isinstance(f, fields.AwareDateTime | fields.DateTime):
            fld.widget = "datetime"
        elif isinstance(f, fields.Date):
            fld.widget = "date"
        elif isinstance(f, fields.Decimal):
            fld.widget = "money"
        elif isinstance(f, fields.Boolean):
            fld.widget = "checkbox"
        elif isinstance(f, fields.Integer):
            fld.widget = "select"
            fld.choices = [(str(i), n) for i, n in people.get(PERSON_FIELDS.get(name, "people"), [])]
        elif isinstance(f, fields.Dict) and name == "checklist":
            fld.widget = "checklist"
            fld.choices = list(LEGAL_REVIEW_ITEMS.items())
        elif isinstance(f, fields.Nested) and not f.many:
            fld.widget = "group"  # a sub-form: yes/no items as checkboxes, texts as inputs, codes as selects
            for n, sf in f.schema.fields.items():
                sub = Field(n, field_label(n)[0], "", "checkbox" if isinstance(sf, fields.Boolean) else "text", sf.required)
                if (opts := _one_of(sf)) is not None:
                    sub.widget, sub.choices = "select", [(o, o) for o in opts]
                sub.maxlength = _max_len(sf)
                fld.subfields.append(sub)
        elif isinstance(f, fields.List):
            inner = f.inner
            options = f.metadata.get("form_choices") or _one_of(inner)  # what the page offers of what the API takes
            if options is not None:
                labels = choice_labels(name, act)
                fld.widget, fld.choices = "checkboxes", [(o, labels.get(o, o)) for o in options]
            elif isinstance(inner, fields.Nested) and name == "violations":
                fld.widget, fld.rows = "violations", VIOLATION_ROWS
            elif isinstance(inner, fields.Nested) and name == "speeches":
                fld.widget = "speeches"
            elif isinstance(inner, fields.String):
                fld.widget = "lines"
            else:
                fld.widget = "json"
        elif isinstance(f, fields.String):
            options = _one_of(f)
            if options is not None:
                labels = choice_labels(name, act)
                fld.widget, fld.choices = "select", [(o, labels.get(o, o)) for o in options]
            else:
                fld.maxlength = _max_len(f)
                fld.widget = "textarea" if (fld.maxlength or 0) > 300 else "text"
        else:
            fld.widget = "json"
        out.append(fld)
    return out


def defaults(form: list[Field]) -> dict:
    """What a fresh form shows: today in the required date fields."""
    today = local_today().isoformat()
    return {f.name: today for f in form if f.widget == "date" and f.required}


def read_form(form: list[Field], data: MultiDict) -> tuple[dict, dict]:
    """The submitted form as the schema's raw input (empty optional fields left out), and field errors of shape."""
    raw: dict = {}
    errors: dict = {}
    for f in form:
        n = f.name
        if f.widget == "checkboxes":
            vals = data.getlist(n)
            if vals:
                raw[n] = [int(v) if v.isdigit() and n.endswith(("_ids", "_by")) else v for v in vals]
        elif f.widget == "checkbox":
            raw[n] = data.get(n) == "true"
        elif f.widget == "group":
            if all(sf.widget == "checkbox" for sf in f.subfields):
                raw[n] = {sf.name: data.get(f"{n}.{sf.name}") == "true" for sf in f.subfields}
            else:
                sub = {sf.name: (data.get(f"{n}.{sf.name}") or "").strip() for sf in f.subfields}
                sub = {k: v for k, v in sub.items() if v}
                if sub:  # an optional person left blank is no person
                    raw[n] = sub
        elif f.widget == "checklist":
            items = {}
            for key, _ in f.choices:
                ok = data.get(f"{n}.{key}.ok")
                note = (data.get(f"{n}.{key}.note") or "").strip()
                if ok in ("true", "false"):
                    items[key] = {"ok": ok == "true", **({"note": note} if note else {})}
            raw[n] = items
        elif f.widget == "violations":
            rows = []
            for i in range(f.rows):
                code = (data.get(f"{n}.{i}.code") or "").strip()
                desc = (data.get(f"{n}.{i}.description") or "").strip()
                if code or desc:
                    rows.append({**({"code": code} if code else {}), "description": desc})
            if rows:
                raw[n] = rows
        elif f.widget == "lines":
            lines = [x.strip() for x in (data.get(n) or "").splitlines() if x.strip()]
            if lines:
                raw[n] = lines
        elif f.widget == "speeches":
            rows = []
            for line in (data.get(n) or "").splitlines():
                speaker, sep, content = line.strip().replace(":", "：", 1).partition("：")
                if sep and speaker and content:
                    rows.append({"speaker": speaker.strip(), "content": content.strip()})
            if rows:
                raw[n] = rows
        elif f.widget == "json":
            text = (data.get(n) or "").strip()
            if text:
                try:
                    raw[n] = json.loads(text)
                except ValueError:
                    errors[n] = ["不是合法的 JSON"]
        else:
            v = (data.get(n) or "").strip()
            if v == "":
                continue
            if f.widget == "select" and v.isdigit() and n.endswith("_id"):
                raw[n] = int(v)
            elif f.widget == "datetime":
                try:
                    raw[n] = dt.datetime.fromisoformat(v).replace(tzinfo=LOCAL_TZ).isoformat()
                except ValueError:
                    errors[n] = ["不是有效的时间"]
            else:
                raw[n] = v
    return raw, errors


def load(schema_cls, form: list[Field], data: MultiDict) -> tuple[dict | None, dict]:
    """Read and validate a submitted form: (input for the service, None) or (None, errors by field)."""
    raw, errors = read_form(form, data)
    if errors:
        return None, errors
    try:
        return schema_cls().load(raw), {}
    except ValidationError as e:
        msgs = e.messages if isinstance(e.messages, dict) else {"_schema": e.messages}
        labels = {f.name: f.label for f in form}
        return None, {k: [f"{labels.get(k, k)}不能为空" if m == "必填项" else m for m in _flatten(v)] for k, v in msgs.items()}


def _flatten(v) -> list[str]:
    if isinstance(v, list):
        return [str(x) if not isinstance(x, dict | list) else "；".join(_flatten(x)) for x in v]
    if isinstance(v, dict):
        return [m for x in v.values() for m in _flatten(x)]
    return [str(v)]
