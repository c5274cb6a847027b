"""Every input field of every act has a Chinese label (the pages build each act's form from its schema)."""

from __future__ import annotations

from marshmallow import fields

from casebook.domain.fields import FIELD_LABELS, choice_labels, field_label
from casebook.services.acts import ACTS as TRANSITIONS
from casebook.web.ui.acts import act_declaration
from casebook.web.ui.forms import form_fields


def _names(schema, out: set[str]) -> set[str]:
    for name, f in schema().fields.items():
        out.add(name)
        inner = f.inner if isinstance(f, fields.List) else f
        if isinstance(inner, fields.Nested):
            _names(type(inner.schema), out)
        if isinstance(f, fields.Dict) and isinstance(f.value_field, fields.Nested):
            _names(type(f.value_field.schema), out)
    return out


def test_every_field_of_every_act_schema_has_a_chinese_label():
    names: set[str] = set()
    for code in TRANSITIONS:
        decl = act_declaration(code)
        if decl.schema is not None:
            _names(decl.schema, names)
    missing = sorted(n for n in names if n not in FIELD_LABELS)
    assert missing == []
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in FIELD_LABELS[n][0]) for n in names)


def test_every_coded_choice_in_an_act_form_reads_in_chinese():
    for code in TRANSITIONS:
        decl = act_declaration(code)
        if decl.schema is None:
            continue
        for f in form_fields(decl.schema, code, decl.officers, {}):
            if f.widget in ("select", "checkboxes") and f.name != decl.officers and not f.name.endswith("_id"):
                untranslated = [v for v, label in f.choices if v == label]
                assert untranslated == [], f"{code}.{f.name}: {untranslated}"


def test_a_generic_field_name_gets_the_act_specific_label_where_one_is_declared():
    assert field_label("kind", "decide")[0] == "处理决定"
    assert field_label("kind", "record_investigation_act")[0] == "取证方式"
    assert choice_labels("kind", "add_evidence")["physical"] == "物证"


def test_the_officer_field_of_an_act_becomes_checkboxes_limited_to_the_officers_given():
    decl = act_declaration("file")
    form = {f.name: f for f in form_fields(decl.schema, "file", decl.officers, {"officers": [(7, "张伟"), (8, "李强")]})}
    assert form["officer_ids"].widget == "checkboxes"
    assert form["officer_ids"].choices == [("7", "张伟"), ("8", "李强")]
    assert form["filed_on"].widget == "date"
