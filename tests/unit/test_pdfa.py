"""check_pdfa2b on a small synthetic PDF/A-2b made with pypdf, and on copies of it each broken one way.

The rendered 案卷 and 决定书 are checked in tests/integration/test_documents_render.py.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from casebook.documents.pdfa import check_pdfa2b

TITLE = "Case file 35"


def xmp(*, part="2", conformance="B", title=TITLE, extra="") -> bytes:
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" pdfaid:part="{part}"
  pdfaid:conformance="{conformance}"/>
<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" pdf:Producer="Casebook tests"/>
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title></rdf:Description>
{extra}</rdf:RDF></x:xmpmeta>
<?xpacket end="r"?>""".encode()


def icc_profile(device_class=b"mntr", space=b"RGB ", major=2) -> bytes:
    """An ICC profile header (all the checker reads) and an empty tag table."""
    profile = bytearray(132)
    profile[0:4] = struct.pack(">I", len(profile))
    profile[8], profile[12:16], profile[16:20], profile[20:24] = major, device_class, space, b"XYZ "
    profile[36:40] = b"acsp"
    return bytes(profile)


def pdf_dict(**entries) -> DictionaryObject:
    return DictionaryObject({NameObject("/" + key): value for key, value in entries.items()})


def n(value: str) -> NameObject:
    return NameObject(value)


def stream(writer: PdfWriter, data: bytes, **entries) -> IndirectObject:
    obj = DecodedStreamObject()
    obj.set_data(data)
    obj.update(pdf_dict(**entries))
    return writer._add_object(obj)  # pypdf has no public way to add a stream object


@dataclass
class Doc:
    """The parts of the synthetic file a mutation may change before it is written."""

    writer: PdfWriter
    page: DictionaryObject
    resources: DictionaryObject
    font: DictionaryObject  # the CIDFontType2 descendant of /F1
    content: DecodedStreamObject
    intent: DictionaryObject
    metadata: DecodedStreamObject

    @property
    def catalog(self) -> DictionaryObject:
        return self.writer.root_object

    def annotate(self, **entries) -> None:
        rect = ArrayObject([NumberObject(v) for v in (10, 10, 50, 30)])
        annotation = pdf_dict(Type=n("/Annot"), Rect=rect, **entries)
        self.page[n("/Annots")] = ArrayObject([self.writer._add_object(annotation)])


def build(mutate: Callable[[Doc], None] | None = None) -> bytes:
    """A one-page PDF/A-2b: an embedded CID font, an RGB output intent, XMP matching Info, a file ID."""
    writer = PdfWriter()
    writer.pdf_header = "%PDF-1.7"
    page = writer.add_blank_page(595, 842)
    content = stream(writer, b"q 0 0 0 rg BT /F1 12 Tf 72 720 Td <0001> Tj ET Q")
    page[n("/Contents")] = content
    descriptor = pdf_dict(
        Type=n("/FontDescriptor"),
        FontName=n("/AAAAAA+Test"),
        Flags=NumberObject(4),
        FontBBox=ArrayObject([NumberObject(v) for v in (0, -200, 1000, 800)]),
        ItalicAngle=NumberObject(0),
        Ascent=NumberObject(800),
        Descent=NumberObject(-200),
        CapHeight=NumberObject(700),
        StemV=NumberObject(80),
        FontFile2=stream(writer, b"\x00\x01\x00\x00 not really a font program"),
    )
    system_info = pdf_dict(
        Registry=TextStringObject("Adobe"), Ordering=TextStringObject("Identity"), Supplement=NumberObject(0)
    )
    cid_font = pdf_dict(
        Type=n("/Font"),
        Subtype=n("/CIDFontType2"),
        BaseFont=n("/AAAAAA+Test"),
        CIDSystemInfo=system_info,
        FontDescriptor=writer._add_object(descriptor),
        CIDToGIDMap=n("/Identity"),
    )
    type0 = pdf_dict(
        Type=n("/Font"),
        Subtype=n("/Type0"),
        BaseFont=n("/AAAAAA+Test"),
        Encoding=n("/Identity-H"),
        DescendantFonts=ArrayObject([writer._add_object(cid_font)]),
    )
    resources = pdf_dict(Font=pdf_dict(F1=writer._add_object(type0)))
    page[n("/Resources")] = resources
    intent = pdf_dict(
        Type=n("/OutputIntent"),
        S=n("/GTS_PDFA1"),
        OutputConditionIdentifier=TextStringObject("sRGB"),
        DestOutputProfile=stream(writer, icc_profile(), N=NumberObject(3)),
    )
    writer.root_object[n("/OutputIntents")] = ArrayObject([writer._add_object(intent)])
    metadata = stream(writer, xmp(), Type=n("/Metadata"), Subtype=n("/XML"))
    writer.root_object[n("/Metadata")] = metadata
    writer.add_metadata({"/Title": TITLE, "/Producer": "Casebook tests"})
    writer.generate_file_identifiers()
    if mutate:
        mutate(Doc(writer, page, resources, cid_font, content.get_object(), intent, metadata.get_object()))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_synthetic_file_passes():
    assert check_pdfa2b(build()) == []


def test_info_dates_must_equal_the_xmp_dates():
    def created(value: str) -> Callable[[Doc], None]:
        def mutate(doc: Doc):
            doc.writer.add_metadata({"/CreationDate": value})
            xmp_date = 'xmp:CreateDate="2026-07-16T09:30:00+08:00"'
            extra = f'<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" {xmp_date}/>\n'
            doc.metadata.set_data(xmp(extra=extra))

        return mutate

    assert check_pdfa2b(build(created("D:20260716093000+08'00'"))) == []
    assert check_pdfa2b(build(created("D:20260716093000Z"))) == [
        "6.6.3?: Info /CreationDate has no equal XMP xmp:CreateDate (ISO 19005-1 6.7.3)"
    ]


# -- one way to break the file each --------------------------------------------------------------


def setting(part: str, key: str, value) -> Callable[[Doc], None]:
    return lambda doc: getattr(doc, part).__setitem__(NameObject(key), value)


def deleting(part: str, key: str) -> Callable[[Doc], None]:
    return lambda doc: getattr(doc, part).__delitem__(NameObject(key))


def xmp_of(**kwargs) -> Callable[[Doc], None]:
    return lambda doc: doc.metadata.set_data(xmp(**kwargs) if kwargs else b"<x:xmpmeta")


def content_of(data: bytes) -> Callable[[Doc], None]:
    return lambda doc: doc.content.set_data(data)


def annotation(**entries) -> Callable[[Doc], None]:
    return lambda doc: doc.annotate(**entries)


def resource(kind: str, **entries) -> Callable[[Doc], None]:
    return lambda doc: doc.resources.__setitem__(NameObject(kind), pdf_dict(**entries))


def image(**entries) -> Callable[[Doc], None]:
    def mutate(doc: Doc):
        size = {"Width": NumberObject(1), "Height": NumberObject(1), "BitsPerComponent": NumberObject(8)}
        xobject = stream(
            doc.writer, b"\xff\x00\x00", Type=n("/XObject"), Subtype=n("/Image"), **size, **entries
        )
        resource("/XObject", Im1=xobject)(doc)

    return mutate


def unembedded_font(base_font: str) -> Callable[[Doc], None]:
    font = pdf_dict(Type=n("/Font"), Subtype=n("/Type1"), BaseFont=NameObject(base_font))
    return lambda doc: doc.resources["/Font"].__setitem__(n("/F2"), font)


def lzw_form(doc: Doc):
    bbox = ArrayObject([NumberObject(0)] * 4)
    form = stream(doc.writer, b"", Type=n("/XObject"), Subtype=n("/Form"), Filter=n("/LZWDecode"), BBox=bbox)
    resource("/XObject", Fm1=form)(doc)


BROKEN = {
    "no XMP metadata": (deleting("catalog", "/Metadata"), "6.6.2.1"),
    "XMP says PDF/A-1": (xmp_of(part="1"), "6.6.4"),
    "XMP says level A": (xmp_of(conformance="A"), "6.6.4"),
    "XMP is not XML": (xmp_of(), "6.6.2.1"),
    "XMP property of an undescribed schema": (
        xmp_of(extra='<rdf:Description rdf:about="" xmlns:cb="urn:casebook:1" cb:caseNo="35"/>\n'),
        "6.6.2.3.1",
    ),
    "Info title differs from dc:title": (
        lambda doc: doc.writer.add_metadata({"/Title": "Another"}),
        "6.6.3?",
    ),
    "no output intent": (deleting("catalog", "/OutputIntents"), "6.2.3"),
    "output intent of another standard": (setting("intent", "/S", n("/GTS_PDFX")), "6.2.3"),
    "output intent without ICC profile": (deleting("intent", "/DestOutputProfile"), "6.2.3"),
    "ICC profile /N does not match": (
        lambda doc: doc.intent["/DestOutputProfile"].__setitem__(n("/N"), NumberObject(4)),
        "6.2.3",
    ),
    "CMYK paint under an RGB intent": (content_of(b"0 0 0 1 k 0 0 10 10 re f"), "6.2.4.3"),
    "operator not in ISO 32000-1": (content_of(b"BX 1 2 foo EX"), "6.2.2"),
    "q nested 29 deep": (content_of(b"q " * 29 + b"Q " * 29), "6.1.13"),
    "unembedded simple font": (unembedded_font("/Helvetica"), "6.2.11.4.1"),
    "unembedded descendant of a Type0 font": (
        lambda doc: doc.font["/FontDescriptor"].__delitem__(n("/FontFile2")),
        "6.2.11.4.1",
    ),
    "CIDFontType2 without CIDToGIDMap": (deleting("font", "/CIDToGIDMap"), "6.2.11.3.2"),
    "JavaScript open action": (lambda doc: doc.writer.add_open_action(JavaScript("app.alert(1)")), "6.5.1"),
    "Launch action in a link": (
        annotation(
            Subtype=n("/Link"), F=NumberObject(4), A=pdf_dict(S=n("/Launch"), F=TextStringObject("x"))
        ),
        "6.5.1",
    ),
    "page additional actions": (setting("page", "/AA", pdf_dict(O=pdf_dict(S=n("/GoTo")))), "6.5.2"),
    "catalog additional actions": (setting("catalog", "/AA", pdf_dict(WC=pdf_dict(S=n("/GoTo")))), "6.5.2"),
    "embedded file": (lambda doc: doc.writer.add_attachment("evidence.xlsx", b"PK\x03\x04"), "6.8"),
    "form that needs appearances": (
        setting("catalog", "/AcroForm", pdf_dict(Fields=ArrayObject(), NeedAppearances=BooleanObject(True))),
        "6.4.1",
    ),
    "annotation not printed": (annotation(Subtype=n("/Square"), F=NumberObject(0)), "6.3.2"),
    "annotation without flags": (annotation(Subtype=n("/Link")), "6.3.2"),
    "movie annotation": (annotation(Subtype=n("/Movie"), F=NumberObject(4)), "6.3.1"),
    "interpolated image": (image(Interpolate=BooleanObject(True), ColorSpace=n("/DeviceGray")), "6.2.8.1"),
    "CMYK image under an RGB intent": (image(ColorSpace=n("/DeviceCMYK")), "6.2.4.3"),
    "LZW-compressed stream": (lzw_form, "6.1.7.2"),
    "graphics state with a transfer function": (
        resource("/ExtGState", GS1=pdf_dict(TR=n("/Identity"))),
        "6.2.5",
    ),
    "encrypted": (lambda doc: doc.writer.encrypt("", "owner", algorithm="AES-128"), "6.1.3"),
    "no file identifier": (lambda doc: setattr(doc.writer, "_ID", None), "6.1.3"),
}


@pytest.mark.parametrize("mutation, clause", BROKEN.values(), ids=list(BROKEN))
def test_each_broken_copy_is_caught_with_its_clause(mutation, clause):
    problems = check_pdfa2b(build(mutation))
    assert any(p.startswith(clause + ":") for p in problems), problems


@pytest.mark.parametrize(
    "old, new",
    [
        (b"%PDF-1.7", b"%PDF-2.0"),  # PDF 2.0 makes PDF/A-4, not PDF/A-2
        (b"%\xe2\xe3\xcf\xd3\n", b"%abcd\n"),  # a binary comment of ASCII bytes
    ],
)
def test_a_bad_header_is_caught(old, new):
    pdf = build()
    assert old in pdf
    problems = check_pdfa2b(pdf.replace(old, new, 1))  # same length: the offsets stay right
    assert any(p.startswith("6.1.2:") for p in problems), problems


def test_data_after_the_end_of_file_is_caught():
    problems = check_pdfa2b(build() + b"%% appended by a mail gateway\n")
    assert any(p.startswith("6.1.3:") for p in problems), problems


def test_names_from_the_file_are_ascii_escaped():
    problems = check_pdfa2b(build(unembedded_font("/宋体")))
    assert len(problems) == 1 and problems[0].isascii(), problems
    assert problems[0].startswith("6.2.11.4.1: font /\\u5b8b\\u4f53 (object ")


def test_not_a_pdf_gives_problems_instead_of_raising():
    problems = check_pdfa2b(b"<html>not a PDF</html>")
    assert problems and all(p.isascii() for p in problems)
