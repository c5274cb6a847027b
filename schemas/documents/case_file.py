"""The bound case file (案卷): cover, 卷内目录, 备考表, and the context that assembles them."""

from __future__ import annotations

from marshmallow import ValidationError, fields, post_dump, post_load, validate, validates_schema

from .common import (
    AgencySchema,
    CaseHeaderSchema,
    ContextSchema,
    nested,
    opt_date,
    opt_str,
    req_date,
    req_str,
    str_list,
)

_count = {"load_default": None, "allow_none": True, "validate": validate.Range(min=0)}


class CaseFileCoverSchema(ContextSchema):
    """案卷封面. ``total_pages`` / ``total_documents`` are filled in when the file is assembled."""

    agency = nested(AgencySchema)  # 立卷单位
    date = req_date()  # 归档日期
    case = nested(CaseHeaderSchema)
    title = req_str()  # 案卷题名
    party_name = req_str()
    filed_on = req_date()
    closed_on = req_date()
    result = req_str()  # 处理结果
    officers = str_list(min_items=2)  # 承办人
    archive_no = opt_str()  # 档号
    retention = req_str()  # 保管期限
    volume_no = fields.Integer(load_default=1, validate=validate.Range(min=1))
    volume_total = fields.Integer(load_default=1, validate=validate.Range(min=1))
    total_documents = fields.Integer(**_count)
    total_pages = fields.Integer(**_count)


class IndexRowSchema(ContextSchema):
    seq = fields.Integer(required=True, validate=validate.Range(min=1))
    document_no = opt_str()
    author = req_str()  # 责任者
    title = req_str()  # 题名
    date = opt_date()
    pages = req_str()  # printed page range, e.g. 3-5
    remarks = opt_str()


class FileIndexSchema(ContextSchema):
    """卷内目录."""

    agency = nested(AgencySchema)
    date = req_date()
    case = nested(CaseHeaderSchema)
    rows = nested(IndexRowSchema, many=True, min_items=1)


class FileNoteSchema(ContextSchema):
    """备考表 (卷内备考表): what is in the volume, who made it up and who checked it."""

    agency = nested(AgencySchema)
    date = req_date()
    case = nested(CaseHeaderSchema)
    notes = str_list(required=False)  # 本卷情况说明
    total_documents = fields.Integer(**_count)
    total_pages = fields.Integer(**_count)
    compiled_by = req_str()  # 立卷人
    compiled_on = req_date()
    checked_by = opt_str()  # 检查人; blank lines to sign by hand when not named
    checked_on = opt_date()


class CaseFileEntrySchema(ContextSchema):
    """One document of the file: its type, an optional index title, and its own context."""

    doc_type = req_str()
    title = opt_str()  # 题名 in the 卷内目录; default: the type's Chinese title
    context = fields.Dict(required=True)

    @validates_schema
    def _known_type(self, data, **kwargs):
        from .registry import DOCUMENT_TYPES

        dt = DOCUMENT_TYPES.get(data["doc_type"])
        if dt is None:
            raise ValidationError("未知的文书类型", "doc_type")
        if dt.stage is None:
            raise ValidationError("封面、目录和备考表由系统生成，不能作为卷内文件", "doc_type")

    @post_load
    def _load_context(self, data, **kwargs):
        from .registry import DOCUMENT_TYPES

        try:
            data["context"] = DOCUMENT_TYPES[data["doc_type"]].schema().load(data["context"])
        except ValidationError as err:
            raise ValidationError({"context": err.messages}) from err
        return data

    @post_dump(pass_original=True)
    def _dump_context(self, data, original, **kwargs):
        from .registry import DOCUMENT_TYPES

        data["context"] = DOCUMENT_TYPES[original["doc_type"]].schema().dump(original["context"])
        return data


class CaseFileSchema(ContextSchema):
    """Context of ``render_case_file``: cover and 备考表 contexts plus the documents (any order)."""

    cover = nested(CaseFileCoverSchema)
    documents = nested(CaseFileEntrySchema, many=True, min_items=1)
    note = nested(FileNoteSchema)
