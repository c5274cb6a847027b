"""Render every 文书 template with real WeasyPrint and check the PDFs: mandatory content, fonts, case files."""

from __future__ import annotations

import copy
import io
import re
import subprocess
from functools import cache

import pypdf
import pytest
import weasyprint
from jinja2.exceptions import SecurityError, UndefinedError
from marshmallow import ValidationError
from weasyprint.urls import FatalURLFetchingError, path2url

from casebook.documents import (
    ARCHIVE_PDF_VARIANT,
    TEMPLATES_DIR,
    AssetFetcher,
    AssetRefused,
    DocumentRenderError,
    check_environment,
    jinja_env,
    render_case_file,
    render_html,
    render_pdf,
    require_environment,
    sample_context,
)
from casebook.documents import render as render_module
from casebook.documents.pdfa import check_pdfa2b
from casebook.domain.errors import NotFound, ValidationFailed
from schemas.documents import (
    DOCUMENT_TYPES,
    LEGAL_REVIEW_ITEMS,
    REFERRAL_MATERIALS,
    STAGES,
    CaseFileSchema,
)

ALL_TYPES = sorted(DOCUMENT_TYPES)

#: The documents of the sample case (山亭市监立〔2026〕35号), deliberately not in binding order.
CASE_DOCUMENTS = [
    "closing_approval",
    "service_receipt",
    "penalty_decision",
    "collective_discussion_record",
    "legal_review_opinion",
    "hearing_record",
    "hearing_notice",
    "hearing_notice_of_rights",
    "prior_notice",
    "investigation_report",
    "inquiry_record",
    "correction_order",
    "evidence_preservation_notice",
    "inspection_record",
    "filing_approval",
]


# -- helpers -------------------------------------------------------------------------------------


def squash(text: str) -> str:
    """Drop whitespace and printed page numbers, so that line and page breaks inside a phrase do not matter."""
    return re.sub(r"—\d+—", "", re.sub(r"\s+", "", text))


def pdftotext(pdf: bytes, *args: str) -> str:
    done = subprocess.run(["pdftotext", *args, "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def page_texts(pdf: bytes) -> list[str]:
    """Text of each page, in content-stream order (``-raw``), one string per page."""
    pages = pdftotext(pdf, "-raw").split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def bottom_right_texts(pdf: bytes) -> list[str]:
    """Words printed in the bottom-right corner of each page (below the 版心, right half)."""
    html = pdftotext(pdf, "-bbox")
    pages = re.findall(r"<page width=\"([\d.]+)\" height=\"([\d.]+)\">(.*?)</page>", html, re.S)
    out = []
    for width, height, body in pages:
        words = re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">(.*?)</word>', body
        )
        corner = [
            w
            for x, y, w in words
            if float(x) > float(width) / 2 and float(y) > float(height) - 35 * 72 / 25.4
        ]
        out.append(" ".join(corner))
    return out


def page_number(corner_text: str) -> int | None:
    m = re.fullmatch(r"—\s*(\d+)\s*—", corner_text.strip())
    return int(m.group(1)) if m else None


@cache
def rendered(doc_type: str) -> bytes:
    return render_pdf(doc_type, sample_context(doc_type), strict=True)


@cache
def text_of(doc_type: str) -> str:
    return squash(pdftotext(rendered(doc_type), "-raw"))


def assert_contains_all(text: str, expected: dict[str, str]):
    missing = {label: s for label, s in expected.items() if squash(s) not in text}
    assert not missing, f"missing from the PDF text: {missing}"


def font_dicts(pdf: bytes):
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font")
        for font in (fonts.get_object() if fonts else {}).values():
            yield font.get_object()


def embedded(font) -> bool:
    if font["/Subtype"] == "/Type0":
        return all(embedded(d.get_object()) for d in font["/DescendantFonts"])
    descriptor = font.get("/FontDescriptor")
    if descriptor is None:
        return False
    return any(k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def case_file_context(documents=CASE_DOCUMENTS) -> dict:
    return {
        "cover": sample_context("case_file_cover"),
        "note": sample_context("file_note"),
        "documents": [{"doc_type": d, "title": None, "context": sample_context(d)} for d in documents],
    }


# -- registry and schemas ------------------------------------------------------------------------


def test_registry_gives_each_filed_type_a_stage_and_each_numbered_type_a_unique_suffix():
    for dt in DOCUMENT_TYPES.values():
        assert dt.stage is None or dt.stage in STAGES, dt.code
        if dt.numbered:
            assert dt.number_suffix, dt.code
    suffixes = [dt.number_suffix for dt in DOCUMENT_TYPES.values() if dt.numbered]
    assert len(suffixes) == len(set(suffixes))
    assert DOCUMENT_TYPES["penalty_decision"].number_suffix == "处罚"
    assert DOCUMENT_TYPES["referral_letter"].stage_title == "决定"
    assert {dt.code for dt in DOCUMENT_TYPES.values() if dt.stage is None} == {
        "case_file_cover",
        "file_index",
        "file_note",
    }


@pytest.mark.parametrize("doc_type", ALL_TYPES)
def test_every_type_has_a_template_and_a_sample_that_round_trips(doc_type):
    assert (TEMPLATES_DIR / doc_type / "template.html").is_file()
    sample = sample_context(doc_type)
    schema = DOCUMENT_TYPES[doc_type].schema()
    assert schema.dump(schema.load(sample)) == sample


@pytest.mark.parametrize("doc_type", ALL_TYPES)
def test_unknown_fields_are_rejected_on_load(doc_type):
    sample = sample_context(doc_type)
    sample["unexpected"] = 1
    with pytest.raises(ValidationError) as err:
        DOCUMENT_TYPES[doc_type].schema().load(sample)
    assert "unexpected" in err.value.messages
    nested = sample_context(doc_type)
    nested["agency"]["unexpected"] = 1
    with pytest.raises(ValidationError):
        DOCUMENT_TYPES[doc_type].schema().load(nested)


def test_case_file_context_round_trips():
    ctx = case_file_context()
    schema = CaseFileSchema()
    assert schema.dump(schema.load(ctx)) == ctx


def test_legal_review_must_list_all_seven_items_in_order():
    ctx = sample_context("legal_review_opinion")
    ctx["items"] = ctx["items"][:6]
    with pytest.raises(ValidationFailed) as err:
        render_pdf("legal_review_opinion", ctx)
    assert "items" in err.value.errors


def test_summary_decision_refuses_fines_above_the_summary_limit():
    ctx = sample_context("summary_decision")
    ctx["penalties"] = [{"kind": "fine", "description": "罚款", "amount": "201.00"}]
    ctx["on_the_spot_collection"] = True
    ctx["receipt_no"] = "No.0001"
    with pytest.raises(ValidationFailed):
        render_pdf("summary_decision", ctx)


def test_a_fine_is_collected_on_the_spot_only_on_a_ground_of_articles_68_and_69():
    ctx = sample_context("summary_decision")
    limit = "200.00" if ctx["party"]["kind"] == "person" else "3000.00"
    ctx["penalties"] = [{"kind": "fine", "description": "罚款", "amount": limit}]
    ctx.update(on_the_spot_collection=True, receipt_no="No.0001")
    with pytest.raises(ValidationFailed) as err:  # no ground named
        render_pdf("summary_decision", ctx)
    assert "collection_ground" in err.value.errors
    with pytest.raises(ValidationFailed) as err:  # over 100 yuan is no "small fine"
        render_pdf("summary_decision", {**ctx, "collection_ground": "small_fine"})
    assert "collection_ground" in err.value.errors
    text = squash(pdftotext(render_pdf("summary_decision", {**ctx, "collection_ground": "hard_to_execute"}), "-raw"))
    assert "事后难以执行" in text and "第六十八条第二项" in text
    small = {**ctx, "penalties": [{"kind": "fine", "description": "罚款", "amount": "100.00"}], "collection_ground": "small_fine"}
    assert "第六十八条第一项" in squash(pdftotext(render_pdf("summary_decision", small), "-raw"))


def test_render_refuses_incomplete_contexts_and_unknown_types():
    ctx = sample_context("penalty_decision")
    del ctx["remedies"]
    with pytest.raises(ValidationFailed) as err:
        render_pdf("penalty_decision", ctx)
    assert "remedies" in err.value.errors
    with pytest.raises(NotFound):
        render_pdf("no_such_document", {})


# -- every template ------------------------------------------------------------------------------


@pytest.mark.parametrize("doc_type", ALL_TYPES)
def test_every_template_renders_its_sample_to_a_pdf_with_embedded_fonts(doc_type):
    pdf = rendered(doc_type)  # strict: any WeasyPrint warning, a .notdef glyph included, fails
    assert pdf.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 1
    fonts = list(font_dicts(pdf))
    assert fonts
    assert all(embedded(f) for f in fonts), [f.get("/BaseFont") for f in fonts if not embedded(f)]
    sample = sample_context(doc_type)
    text = text_of(doc_type)
    heading = "行政处罚案卷" if doc_type == "case_file_cover" else DOCUMENT_TYPES[doc_type].title
    assert squash(heading) in text
    if DOCUMENT_TYPES[doc_type].stage is not None:
        assert squash(sample["agency"]["name"]) in text
    if sample.get("document_no"):
        assert sample["document_no"] in text


@pytest.mark.parametrize("doc_type", ALL_TYPES)
def test_standalone_documents_number_their_pages_bottom_right(doc_type):
    corners = bottom_right_texts(rendered(doc_type))
    if DOCUMENT_TYPES[doc_type].stage is None:  # cover, 卷内目录, 备考表: never numbered
        assert corners == [""] * len(corners)
    else:
        assert [page_number(c) for c in corners] == list(range(1, len(corners) + 1))


def test_pdffonts_reports_every_font_embedded():
    out = subprocess.run(
        ["pdffonts", "-"], input=rendered("penalty_decision"), capture_output=True, check=False
    ).stdout.decode()
    if not out:  # old poppler without stdin support
        pytest.skip("pdffonts cannot read stdin")
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    assert rows and all(row[-5] == "yes" for row in rows), out  # columns: … emb sub uni object ID


def test_a_missing_glyph_fails_a_strict_render():
    ctx = sample_context("correction_order")
    ctx["party"]["name"] = "测试\U0010fffd商行"  # no font has a glyph for a private-use code point
    with pytest.raises(DocumentRenderError, match=r"\.notdef"):
        render_pdf("correction_order", ctx, strict=True)


SEALED = [c for c in ALL_TYPES if "m.signoff(" in (TEMPLATES_DIR / c / "template.html").read_text("utf-8")]


@pytest.mark.parametrize("doc_type", SEALED)
def test_the_seal_never_stands_alone_on_a_page(doc_type):
    """GB/T 9704 §7.3.5: some of the body always shares the page with the seal and the date."""
    page = next(p for p in page_texts(rendered(doc_type)) if "（印章）" in p)
    before_seal = squash(page).split("（印章）")[0].split("联系人：")[0]
    assert before_seal


# -- the decision: 行政处罚法 第五十九条 ---------------------------------------------------------


def test_penalty_decision_states_every_item_of_article_59():
    c = sample_context("penalty_decision")
    text = text_of("penalty_decision")
    assert_contains_all(
        text,
        {
            "title": "行政处罚决定书",
            "文号": "山亭市监处罚〔2026〕12号",
            "(一) party name": c["party"]["name"],
            "(一) party address": c["party"]["address"],
            "(一) USCC": c["party"]["uscc"],
            "(二) facts": "涉案食品货值金额16,045.40元，违法所得3,263.50元",
            "(二) evidence": "上述事实，有以下证据证明",
            "(二) evidence item": c["evidence"][1]["name"],
            "(三) violated provision": "违反了《中华人民共和国食品安全法》第三十四条第（十）项",
            "(三) penalty basis": "依据《中华人民共和国食品安全法》第一百二十四条第一款第（五）项",
            "(三) kinds": "没收违法所得3,263.50元",
            "(三) fine": "罚款165,000.00元（大写：人民币壹拾陆万伍仟元整）",
            "(四) total": "168,263.50元（大写：人民币壹拾陆万捌仟贰佰陆拾叁元伍角）",
            "(四) period": "自收到本决定书之日起十五日内",
            "(四) bank": c["payment"]["bank"],
            "(四) surcharge": "每日按罚款数额的百分之三加处罚款",
            "(五) review": "六十日内向枣庄市山亭区人民政府申请行政复议",
            "(五) litigation": "六个月内依法向枣庄市山亭区人民法院提起行政诉讼",
            "(六) agency": c["agency"]["name"],
            "(六) date": "2026年9月22日",
            "seal": "（印章）",
            "benchmark": c["discretion"]["benchmark"],
            "benchmark item": c["discretion"]["item"],
            "benchmark tier": "“从轻处罚”裁量阶次",
            "benchmark reason": c["discretion"]["reasons"],
            "defence answered": "该意见不予采纳",
            "correction": "责令当事人立即改正违法行为",
            "publication": "本行政处罚决定信息将通过国家企业信用信息公示系统向社会公示",
        },
    )


def test_penalty_decision_sample_is_a_short_decision_with_its_publication_summary_last():
    pdf = rendered("penalty_decision")
    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert 2 <= pages <= 4  # 1–3 pages of decision, then the 信息摘要 on a page of its own
    assert squash("行政处罚决定信息摘要") in squash(page_texts(pdf)[-1])
    assert "行政处罚决定信息摘要" not in squash(page_texts(pdf)[-2])


def test_published_copy_masks_a_persons_identity_number():
    c = sample_context("no_penalty_decision")
    assert c["redact_personal_data"] is True
    text = text_of("no_penalty_decision")
    assert "370406********3815" in text
    assert c["party"]["id_no"] not in text
    c["redact_personal_data"] = False
    assert c["party"]["id_no"] in squash(pdftotext(render_pdf("no_penalty_decision", c), "-raw"))


def test_no_penalty_decision_orders_correction_and_records_education():
    c = sample_context("no_penalty_decision")
    assert_contains_all(
        text_of("no_penalty_decision"),
        {
            "title": "不予行政处罚决定书",
            "ground": "依据《中华人民共和国行政处罚法》第三十三条第一款的规定，本局决定对当事人不予行政处罚",
            "correction": "责令当事人于2026年5月8日前改正违法行为",
            "education": c["education"]["content"],
            "review": "申请行政复议",
            "litigation": "提起行政诉讼",
        },
    )


# -- prior notice: the hearing text only when the case has a hearing right ----------------------


def test_prior_notice_with_a_hearing_right_states_all_rights():
    c = sample_context("prior_notice")
    assert c["hearing_right"] is True
    assert_contains_all(
        text_of("prior_notice"),
        {
            "articles": "第四十四条、第四十五条、第六十三条、第六十四条",
            "statement and defence": "享有陈述、申辩和要求听证的权利",
            "5 working days": "收到本告知书之日起五个工作日内向本局提出陈述、申辩",
            "no heavier penalty": "不会因你（单位）陈述、申辩而给予更重的处罚",
            "hearing": "有权要求举行听证",
            "hearing deadline": "应当在收到本告知书之日起五个工作日内向本局提出",
            "intended fine": "罚款165,000.00元",
        },
    )


def test_prior_notice_without_a_hearing_right_does_not_mention_a_hearing():
    c = sample_context("prior_notice")
    c["hearing_right"] = False
    text = squash(pdftotext(render_pdf("prior_notice", c, strict=True), "-raw"))
    assert "第四十四条、第四十五条" in text
    assert "五个工作日内向本局提出陈述、申辩" in text
    assert "听证" not in text
    assert "第六十三条" not in text


# -- the other notices and records --------------------------------------------------------------


def test_summary_decision_shows_form_number_time_place_officers_and_signature():
    c = sample_context("summary_decision")
    expected = {
        "form number": c["form_no"],
        "time": "2026年6月18日10时20分",
        "place": c["place"],
        "signature": "杨春燕",
        "basis art. 51": "《中华人民共和国行政处罚法》第五十一条",
    }
    for o in c["officers"]:
        expected[o["name"]] = f"{o['name']}（执法证号：{o['credential_no']}）"
    assert_contains_all(text_of("summary_decision"), expected)
    assert len(pypdf.PdfReader(io.BytesIO(rendered("summary_decision"))).pages) == 1

    c["signature"] = {
        "signed": False,
        "signer": None,
        "date": None,
        "refusal_note": "执法人员已当场宣读，当事人拒绝签收。",
    }
    text = squash(pdftotext(render_pdf("summary_decision", c, strict=True), "-raw"))
    assert "当事人拒绝签名。执法人员已当场宣读，当事人拒绝签收。" in text


def test_referral_letter_lists_the_five_materials_and_the_hashed_manifest():
    c = sample_context("referral_letter")
    text = text_of("referral_letter")
    for title in REFERRAL_MATERIALS.values():
        assert title in text
    for entry in c["manifest"]:
        assert entry["sha256"] in text
        assert squash(entry["name"]) in text
    assert_contains_all(
        text,
        {
            "recipient": "枣庄市公安局山亭分局",
            "copy to procuratorate": "抄送：枣庄市山亭区人民检察院",
            "310号": "国务院令第310号",
            "offence": "涉嫌生产、销售有毒、有害食品罪",
        },
    )


def test_legal_review_opinion_shows_the_seven_item_checklist():
    text = text_of("legal_review_opinion")
    for title in LEGAL_REVIEW_ITEMS.values():
        assert squash(title) in text


@pytest.mark.parametrize(
    "doc_type",
    ["filing_approval", "inspection_record", "inquiry_record", "closing_approval", "service_receipt"],
)
def test_forms_and_records_show_officers_credential_numbers(doc_type):
    c = sample_context(doc_type)
    officers = c.get("officers") or c.get("servers")
    for o in officers:
        assert f"{o['name']}（执法证号：{o['credential_no']}）" in text_of(doc_type)


def test_records_carry_a_signature_line_on_every_page():
    for doc_type, label in [("inquiry_record", "被询问人签名："), ("hearing_record", "听证参加人签名：")]:
        pages = page_texts(rendered(doc_type))
        assert all(label in squash(p) for p in pages), doc_type


# -- the bound case file -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def case_file_pdf() -> bytes:
    return render_case_file(case_file_context(), strict=True)


def test_case_file_numbers_document_pages_only_and_the_index_agrees(case_file_pdf):
    pages = [squash(t) for t in page_texts(case_file_pdf)]
    numbers = [page_number(c) for c in bottom_right_texts(case_file_pdf)]
    assert len(pages) == len(numbers)

    # cover first, then the index, unnumbered
    assert "行政处罚案卷" in pages[0] and numbers[0] is None
    index_pages = [i for i, p in enumerate(pages) if "序号文号责任者题名日期页号备注" in p]
    assert pages[1].startswith("卷内目录")
    assert index_pages == list(range(1, 1 + len(index_pages)))
    assert all(numbers[i] is None for i in index_pages)
    # 备考表 last, unnumbered
    assert pages[-1].startswith("备考表") and numbers[-1] is None

    body = numbers[1 + len(index_pages) : -1]
    assert body == list(range(1, len(body) + 1)), "document pages must run 1…N"

    # each document starts on a page whose head is agency + its title; the index lists its printed range
    index_text = "".join(pages[i] for i in index_pages)
    order = sorted(
        CASE_DOCUMENTS,
        key=lambda d: (
            DOCUMENT_TYPES[d].stage_order,
            sample_context(d)["date"],
            list(DOCUMENT_TYPES).index(d),
        ),
    )
    starts = []
    first_body = 1 + len(index_pages)
    cursor = first_body
    for d in order:
        head = squash(sample_context(d)["agency"]["name"] + DOCUMENT_TYPES[d].title)
        while not pages[cursor].startswith(head):
            cursor += 1
        starts.append(cursor)
        cursor += 1
    ends = [s - 1 for s in starts[1:]] + [len(pages) - 2]
    previous_end = 0
    for d, s, e in zip(order, starts, ends, strict=True):
        first, last = numbers[s], numbers[e]
        assert first == previous_end + 1
        previous_end = last
        printed = str(first) if first == last else f"{first}-{last}"
        row = squash(DOCUMENT_TYPES[d].title) + sample_context(d)["date"].replace("-", "") + printed
        assert row in index_text, (d, printed)

    # the stages come in binding order: 立案 → 调查 → 审查 → 决定 → 送达 → 执行
    assert [DOCUMENT_TYPES[d].stage_order for d in order] == sorted(
        DOCUMENT_TYPES[d].stage_order for d in order
    )
    assert order[0] == "filing_approval" and order[-1] == "closing_approval"

    # cover and 备考表 report the totals
    assert f"共{len(order)}件共{len(body)}页" in pages[0]
    assert f"共有文件材料{len(order)}件，共{len(body)}页" in pages[-1]


def test_case_file_is_pdf_a_by_default(case_file_pdf):
    assert pdfa_part(case_file_pdf) == ("2", "B")


def test_case_file_refuses_cover_parts_as_documents():
    ctx = case_file_context(["penalty_decision"])
    ctx["documents"].append({"doc_type": "file_note", "title": None, "context": sample_context("file_note")})
    with pytest.raises(ValidationFailed):
        render_case_file(ctx)


# -- PDF/A -------------------------------------------------------------------------------------


def pdfa_part(pdf: bytes) -> tuple[str, str] | None:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    if "/Metadata" not in root:
        return None
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    part = re.search(r"pdfaid:part(?:>|=\")(\d)", xmp)
    conformance = re.search(r"pdfaid:conformance(?:>|=\")([ABU])", xmp)
    return (part.group(1), conformance.group(1)) if part and conformance else None


def test_pdf_a_2b_variant_declares_pdf_a_in_its_metadata():
    pdf = render_pdf(
        "penalty_decision", sample_context("penalty_decision"), pdf_variant="pdf/a-2b", strict=True
    )
    assert pdfa_part(pdf) == ("2", "B")
    root = pypdf.PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert "/OutputIntents" in root
    assert pdfa_part(rendered("penalty_decision")) is None


def test_unknown_pdf_variant_is_refused():
    with pytest.raises(ValueError):
        render_pdf("penalty_decision", sample_context("penalty_decision"), pdf_variant="pdf/z")


def test_the_archived_case_file_passes_the_pdf_a_2b_structure_checks(case_file_pdf):
    # render_case_file's default variant is ARCHIVE_PDF_VARIANT, pdf/a-2b
    assert check_pdfa2b(case_file_pdf) == []


def test_an_archived_decision_passes_the_pdf_a_2b_structure_checks():
    pdf = render_pdf(
        "penalty_decision", sample_context("penalty_decision"), pdf_variant=ARCHIVE_PDF_VARIANT, strict=True
    )
    assert check_pdfa2b(pdf) == []


def test_the_pdf_a_2b_structure_checks_refuse_a_plain_render():
    problems = check_pdfa2b(rendered("penalty_decision"))
    assert {p.split(":")[0] for p in problems} >= {"6.1.3", "6.6.2.1", "6.6.4", "6.2.3"}, problems


# -- the URL fetcher and the sandbox ------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "https://example.com/seal.png",
        "file:///etc/passwd",
        path2url(str(TEMPLATES_DIR.parent / "pyproject.toml")),
        path2url(str(TEMPLATES_DIR / "penalty_decision" / "sample.json")),
        path2url(str(TEMPLATES_DIR)) + "/../pyproject.toml",
        "file://example.com/etc/passwd",
        "ftp://example.com/x.css",
    ],
)
def test_url_fetcher_refuses_everything_but_packaged_assets(url):
    with pytest.raises(AssetRefused):
        AssetFetcher().fetch(url)


def test_url_fetcher_serves_base_css_and_data_urls():
    response = AssetFetcher().fetch(path2url(str(TEMPLATES_DIR / "base.css")))
    assert b"@page" in response.read()
    assert response.content_type == "text/css"
    assert AssetFetcher().fetch("data:text/plain;base64,5Lit").read() == "中".encode()


def test_a_refused_asset_fails_the_render_instead_of_being_skipped():
    html = weasyprint.HTML(string='<img src="file:///etc/passwd">', url_fetcher=AssetFetcher())
    with pytest.raises(FatalURLFetchingError):
        html.write_pdf()
    html = weasyprint.HTML(
        string='<link rel="stylesheet" href="http://example.com/x.css">', url_fetcher=AssetFetcher()
    )
    with pytest.raises(FatalURLFetchingError):
        html.write_pdf()


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ lipsum.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ ''.format.__self__ }}",
        "{{ doc.__class__ }}",
    ],
)
def test_sandbox_refuses_access_to_python_internals(source):
    with pytest.raises((SecurityError, UndefinedError)):
        jinja_env().from_string(source).render(doc={"code": "x"})


def test_template_output_is_escaped():
    c = sample_context("correction_order")
    c["party"]["name"] = '<img src="http://example.com/x.png">惠民超市'
    html = render_html("correction_order", c)
    assert "<img src=" not in html
    assert "&lt;img" in html
    render_pdf("correction_order", c, strict=True)  # no fetch is even attempted


def test_render_html_can_inline_base_css_for_previews():
    html = render_html("penalty_decision", sample_context("penalty_decision"), inline_css=True)
    assert "<style>" in html and "@page" in html


# -- start-up check ------------------------------------------------------------------------------


def test_environment_check_passes_on_this_machine():
    assert check_environment() == []
    require_environment()


def test_environment_check_names_the_debian_packages_when_something_is_missing(monkeypatch):
    monkeypatch.setattr(render_module.shutil, "which", lambda name: None)
    monkeypatch.setattr(render_module, "_harfbuzz_subset_loadable", lambda: False)
    problems = check_environment()
    assert len(problems) == 2
    assert "fonts-noto-cjk" in problems[0]
    assert "libharfbuzz-subset0" in problems[1]
    with pytest.raises(RuntimeError, match="libharfbuzz-subset0"):
        require_environment()


def test_environment_check_reports_no_cjk_font(monkeypatch):
    class Done:
        stdout = ""

    monkeypatch.setattr(render_module.subprocess, "run", lambda *a, **k: Done())
    problems = check_environment()
    assert problems and "fonts-noto-cjk" in problems[0]


def test_sample_contexts_are_independent_copies():
    a = sample_context("penalty_decision")
    a["party"]["name"] = "x"
    assert sample_context("penalty_decision")["party"]["name"] != "x"
    assert copy.deepcopy(a) == a
