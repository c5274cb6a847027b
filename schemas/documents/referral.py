"""涉嫌犯罪案件移送书 (国务院令第310号《行政执法机关移送涉嫌犯罪案件的规定》)."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from .common import (
    EVIDENCE_KINDS,
    SHA256_RE,
    AgencySchema,
    CaseHeaderSchema,
    ContactSchema,
    ContextSchema,
    OfficerSchema,
    PartySchema,
    nested,
    opt_str,
    req_date,
    req_str,
    str_list,
)

#: 国务院令第310号 第六条: the five materials that go with a referral, in order.
REFERRAL_MATERIALS = {
    "referral_letter": "涉嫌犯罪案件移送书",
    "investigation_report": "涉嫌犯罪案件情况的调查报告",
    "item_list": "涉案物品清单",
    "test_report": "有关检验报告或者鉴定结论",
    "other": "其他有关涉嫌犯罪的材料",
}


class MaterialSchema(ContextSchema):
    code = fields.String(required=True, validate=validate.OneOf(list(REFERRAL_MATERIALS)))
    description = req_str()  # what is enclosed, e.g. 《调查报告》1份
    pages = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))


class ManifestEntrySchema(ContextSchema):
    """One evidence file handed over, identified by its SHA-256 (content-addressed store)."""

    name = req_str()
    kind = fields.String(required=True, validate=validate.OneOf(EVIDENCE_KINDS))
    sha256 = fields.String(required=True, validate=validate.Regexp(SHA256_RE))
    size = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))


class ReferralLetterSchema(ContextSchema):
    agency = nested(AgencySchema)
    date = req_date()
    document_no = req_str()
    recipient = req_str()  # 同级公安机关
    copy_to = opt_str()  # 抄送 同级人民检察院 (高检会〔2006〕2号)
    case = nested(CaseHeaderSchema)
    party = nested(PartySchema)
    facts = str_list(min_items=1)
    suspected_offence = req_str()  # 涉嫌…罪
    criminal_provision = req_str()  # 《中华人民共和国刑法》第…条
    referral_team = nested(OfficerSchema, many=True, min_items=2)  # 第五条: 专案组 ≥2
    approved_by = req_str()  # 正职负责人
    approved_on = req_date()
    penalties_imposed = opt_str()  # 第十一条: penalties already imposed stay in force
    materials = nested(MaterialSchema, many=True)
    manifest = nested(ManifestEntrySchema, many=True, min_items=1)
    contact = nested(ContactSchema)
    remarks = str_list(required=False)

    @validates_schema
    def _materials(self, data, **kwargs):
        codes = [m["code"] for m in data["materials"]]
        if codes != list(REFERRAL_MATERIALS):
            raise ValidationError("移送材料须按第六条顺序列明全部五项", "materials")
