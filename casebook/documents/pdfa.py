"""Structural PDF/A-2b checks (ISO 19005-2:2011, level B) for archived 文书 and the bound 案卷.

veraPDF, the reference validator, is a Java program published on Maven Central, which our machines
cannot reach; no registry they do reach (PyPI, Debian, npm) packages it or another real PDF/A
validator. ``check_pdfa2b`` reads with pypdf what ISO 19005-2 requires of the file's structure: header,
trailer, encryption, XMP identification, output intent, embedded fonts, device colours, actions,
annotations, attachments, streams. It is not a conformance validator: font programs (glyph widths,
.notdef references — a strict render already fails on a missing glyph), ICC profiles beyond their
header, XMP value types and transparency are not checked.

Each problem starts with the clause of ISO 19005-2:2011 it breaks, as veraPDF's PDF/A-2B profile
numbers them; a ``?`` marks a number we could not confirm. Names taken from the file are shown
ASCII-escaped, so every message is plain ASCII.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DictionaryObject,
    IndirectObject,
    NameObject,
    StreamObject,
)

__all__ = ["check_pdfa2b"]

_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_XML_NS = "{http://www.w3.org/XML/1998/namespace}"
_PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_XMP = "{http://ns.adobe.com/xap/1.0/}"
_PDF = "{http://ns.adobe.com/pdf/1.3/}"
_EXTENSION_NS = "{http://www.aiim.org/pdfa/ns/schema#}namespaceURI"

#: Namespaces of the schemas XMP (2005) and ISO 19005 predefine (6.6.2.3.1); others need an extension schema.
_PREDEFINED_XMP = frozenset(
    "http://" + ns
    for ns in (
        "purl.org/dc/elements/1.1/",
        "ns.adobe.com/xap/1.0/",
        "ns.adobe.com/xap/1.0/rights/",
        "ns.adobe.com/xap/1.0/mm/",
        "ns.adobe.com/xap/1.0/bj/",
        "ns.adobe.com/xap/1.0/t/pg/",
        "ns.adobe.com/xmp/1.0/DynamicMedia/",
        "ns.adobe.com/pdf/1.3/",
        "ns.adobe.com/photoshop/1.0/",
        "ns.adobe.com/camera-raw-settings/1.0/",
        "ns.adobe.com/tiff/1.0/",
        "ns.adobe.com/exif/1.0/",
        "ns.adobe.com/exif/1.0/aux/",
        "www.aiim.org/pdfa/ns/id/",
        "www.aiim.org/pdfa/ns/extension/",
    )
)

#: Info entries and their XMP equivalents (ISO 19005-1 6.7.3, Table 1).
_INFO_XMP = {
    "/Title": (_DC + "title", "dc:title"),
    "/Author": (_DC + "creator", "dc:creator"),
    "/Subject": (_DC + "description", "dc:description"),
    "/Keywords": (_PDF + "Keywords", "pdf:Keywords"),
    "/Creator": (_XMP + "CreatorTool", "xmp:CreatorTool"),
    "/Producer": (_PDF + "Producer", "pdf:Producer"),
    "/CreationDate": (_XMP + "CreateDate", "xmp:CreateDate"),
    "/ModDate": (_XMP + "ModifyDate", "xmp:ModifyDate"),
}

#: Actions 6.5.1 forbids; and the only named actions it allows.
_FORBIDDEN_ACTIONS = frozenset(
    "/Launch /Sound /Movie /ResetForm /ImportData /Hide /SetOCGState /Rendition /Trans /GoTo3DView /JavaScript".split()
)
_NAMED_ACTIONS = frozenset("/NextPage /PrevPage /FirstPage /LastPage".split())
#: Annotation types of ISO 32000-1 but 3D, Sound, Screen and Movie (6.3.1).
_ANNOTATIONS = frozenset(
    "/Text /Link /FreeText /Line /Square /Circle /Polygon /PolyLine /Highlight /Underline /Squiggly /StrikeOut "
    "/Stamp /Caret /Ink /Popup /FileAttachment /Widget /PrinterMark /TrapNet /Watermark /Redact".split()
)
_BLEND_MODES = frozenset(
    "/Normal /Compatible /Multiply /Screen /Overlay /Darken /Lighten /ColorDodge /ColorBurn /HardLight "
    "/SoftLight /Difference /Exclusion /Hue /Saturation /Color /Luminosity".split()
)
_INTENTS = frozenset("/RelativeColorimetric /AbsoluteColorimetric /Perceptual /Saturation".split())
_FONT_SUBTYPES = frozenset("/Type0 /Type1 /MMType1 /TrueType /Type3 /CIDFontType0 /CIDFontType2".split())

#: The operators of ISO 32000-1 Annex A (6.2.2: no others, even between BX and EX).
_OPERATORS = frozenset(
    b"b b* B B* BDC BI BMC BT BX c cm CS cs d d0 d1 Do DP EI EMC ET EX f F f* G g gs h i ID j J K k l m M "
    b"MP n q Q re RG rg ri s S SC sc SCN scn sh T* Tc Td TD Tf TJ Tj TL Tm Tr Ts Tw Tz v w W W* y ' \"".split()
) | {b"INLINE IMAGE"}  # pypdf's name for a whole BI … ID … EI
#: Device colour operators and the output-intent colour space each needs (6.2.4.3; DeviceGray needs any).
_DEVICE_OPERATORS = {b"rg": "RGB", b"RG": "RGB", b"k": "CMYK", b"K": "CMYK"}
_DEVICE_SPACES = {"/DeviceRGB": "RGB", "/DeviceCMYK": "CMYK"}
_ICC_COMPONENTS = {b"GRAY": 1, b"RGB ": 3, b"CMYK": 4}


def check_pdfa2b(pdf: bytes) -> list[str]:
    """Return what keeps ``pdf`` from PDF/A-2b as far as its structure shows (empty list: nothing found)."""
    problems = _check_file_bytes(pdf)
    try:
        reader = PdfReader(io.BytesIO(pdf))
        if "/Encrypt" in reader.trailer:  # 6.1.3; nothing else can be read without the key
            return [*problems, "6.1.3: the file is encrypted (trailer /Encrypt)"]
        catalog = reader.trailer["/Root"].get_object()
        problems += _check_trailer(reader)
        problems += _check_catalog(catalog)
        problems += _check_metadata(reader, catalog)
        intent_space, intent_problems = _check_output_intents(catalog)
        problems += intent_problems
        problems += _check_pages(reader, intent_space)
        problems += _check_objects(reader, intent_space)
    except (PyPdfError, ValueError, KeyError) as exc:
        problems.append(f"6.1: the file cannot be read as PDF: {exc}")
    return list(dict.fromkeys(problems))  # a shared object reached twice reports once


# -- file structure (6.1) ------------------------------------------------------------------------


def _check_file_bytes(pdf: bytes) -> list[str]:
    problems = []
    header = re.match(rb"%PDF-1\.[0-7](\r\n|\r|\n)", pdf)
    if header is None:  # 6.1.2: at byte 0; PDF/A-2 is based on PDF 1.7, so 1.0 to 1.7
        problems.append(f"6.1.2: the file does not start with a %PDF-1.0 to %PDF-1.7 header: {pdf[:9]!r}")
    elif not re.match(rb"%[\x80-\xff]{4}", pdf[header.end() :]):
        problems.append("6.1.2: the header is not followed by a binary comment (% and 4 bytes above 127)")
    eof = pdf.rfind(b"%%EOF")
    if eof < 0 or pdf[eof + 5 :] not in (b"", b"\n", b"\r", b"\r\n"):  # 6.1.3
        problems.append("6.1.3: data follows the last %%EOF marker, or there is none")
    return problems


def _check_trailer(reader: PdfReader) -> list[str]:
    ids = _get(reader.trailer, "/ID")
    if not isinstance(ids, ArrayObject) or len(ids) != 2:  # 6.1.3
        return ["6.1.3: the trailer has no /ID file identifier"]
    return []


def _check_catalog(catalog: DictionaryObject) -> list[str]:
    problems = []
    if "/AA" in catalog:
        problems.append("6.5.2: the catalog has an additional-actions (/AA) entry")
    names = _get(catalog, "/Names") or {}
    if "/JavaScript" in names:
        problems.append("6.5.1: the catalog's name tree holds document JavaScript")
    if "/EmbeddedFiles" in names:  # 6.8: only PDF/A attachments, which this check cannot verify
        problems.append("6.8: the file has embedded files (/EmbeddedFiles); an archived file carries none")
    perms = _get(catalog, "/Perms") or {}
    if set(perms) - {"/UR3", "/DocMDP"}:
        problems.append("6.1.12: the permissions dictionary has keys other than /UR3 and /DocMDP")
    form = _get(catalog, "/AcroForm") or {}
    if _is_true(form, "/NeedAppearances"):
        problems.append("6.4.1: the interactive form sets /NeedAppearances true")
    if "/XFA" in form:
        problems.append("6.4.2: the interactive form has an /XFA entry")
    if _is_true(catalog, "/NeedsRendering"):
        problems.append("6.4.2: the catalog sets /NeedsRendering true")
    return problems


# -- metadata (6.6) ------------------------------------------------------------------------------


def _check_metadata(reader: PdfReader, catalog: DictionaryObject) -> list[str]:
    stream = _get(catalog, "/Metadata")
    if not isinstance(stream, StreamObject):  # 6.6.2.1
        return ["6.6.2.1: the catalog has no XMP /Metadata stream", "6.6.4: no PDF/A identification"]
    problems = []
    if _get(stream, "/Type") != "/Metadata" or _get(stream, "/Subtype") != "/XML":
        problems.append("6.6.2.1: the metadata stream lacks /Type /Metadata or /Subtype /XML")
    data = stream.get_data()
    if re.search(rb"<\?xpacket[^>]*\b(bytes|encoding)\s*=", data):
        problems.append("6.6.2.1: the xpacket header uses the bytes or encoding attribute")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        problems.append(f"6.6.2.1: the XMP packet is not well-formed XML: {_ascii(exc)}")
        return [*problems, "6.6.4: no PDF/A identification"]
    props = _xmp_properties(root)

    # 6.6.4: pdfaid:part 2, pdfaid:conformance B (upper case)
    part = _xmp_values(props.get(_PDFAID + "part"))
    conformance = _xmp_values(props.get(_PDFAID + "conformance"))
    if part != ["2"] or conformance != ["B"]:
        found = _ascii(f"part {'/'.join(part) or 'none'}, conformance {'/'.join(conformance) or 'none'}")
        problems.append(f"6.6.4: XMP identifies PDF/A {found}; PDF/A-2b is part 2, conformance B")

    # 6.6.2.3.1: every property from a predefined schema or one described by a PDF/A extension schema
    described = {e.text for e in root.iter(_EXTENSION_NS)} | {e.get(_EXTENSION_NS) for e in root.iter()}
    for name in props:
        namespace = name[1:].split("}")[0]
        if namespace not in _PREDEFINED_XMP and namespace not in described:
            problems.append(f"6.6.2.3.1: XMP property {_ascii(name)} has no predefined or extension schema")

    # Info entries equal to their XMP equivalents: ISO 19005-1 6.7.3 requires it; we could not confirm the
    # clause of ISO 19005-2 that does (6.6.3?), so this may be stricter than PDF/A-2 itself.
    info = _get(reader.trailer, "/Info") or {}
    for key, (prop, label) in _INFO_XMP.items():
        if key not in info:
            continue
        value, xmp = str(_get(info, key)), _xmp_values(props.get(prop))
        if key.endswith("Date"):
            same = bool(xmp) and _pdf_date(value) is not None and _pdf_date(value) == _xmp_date(xmp[0])
        elif key == "/Author":  # dc:creator is a list: one entry equal to Author
            same = xmp == [value]
        else:
            same = bool(xmp) and xmp[0] == value
        if not same:
            problems.append(f"6.6.3?: Info {key} has no equal XMP {label} (ISO 19005-1 6.7.3)")
    return problems


def _xmp_properties(root: ET.Element) -> dict[str, ET.Element | str]:
    """Top-level XMP properties by ``{namespace}name``: attributes and children of each rdf:Description."""
    rdf = root if root.tag == _RDF + "RDF" else root.find(_RDF + "RDF")
    props: dict[str, ET.Element | str] = {}
    for description in rdf.findall(_RDF + "Description") if rdf is not None else ():
        for name, value in description.attrib.items():
            if not name.startswith((_RDF, _XML_NS)):
                props.setdefault(name, value)
        for child in description:
            props.setdefault(child.tag, child)
    return props


def _xmp_values(prop: ET.Element | str | None) -> list[str]:
    """The value(s) of a property: an attribute, simple element, or rdf:Alt/Seq/Bag (x-default first)."""
    if prop is None:
        return []
    if isinstance(prop, str):
        return [prop.strip()]
    items = prop.findall(f"./*/{_RDF}li")
    if not items:
        return [(prop.text or "").strip()]
    items.sort(key=lambda li: li.get(_XML_NS + "lang") != "x-default")
    return [(li.text or "").strip() for li in items]


def _pdf_date(value: str) -> datetime | None:
    """Parse ``D:YYYYMMDDHHmmSSOHH'mm'`` (ISO 32000-1 7.9.4); missing parts take their defaults."""
    m = re.fullmatch(
        r"(?:D:)?(\d{4})(\d\d)?(\d\d)?(\d\d)?(\d\d)?(\d\d)?(?:([Zz+-])(\d\d)?'?(\d\d)?'?)?", value.strip()
    )
    if m is None:
        return None
    year, month, day, hour, minute, second, sign, tz_h, tz_m = m.groups()
    offset = timedelta(hours=int(tz_h or 0), minutes=int(tz_m or 0)) * (-1 if sign == "-" else 1)
    parts = (int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0), int(second or 0))
    return datetime(*parts, tzinfo=timezone(offset) if sign else None)


def _xmp_date(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(microsecond=0)
    except ValueError:
        return None


# -- output intent (6.2.3) -----------------------------------------------------------------------


def _check_output_intents(catalog: DictionaryObject) -> tuple[str | None, list[str]]:
    """Check the PDF/A output intent and return its colour space (``RGB``, ``CMYK``, ``GRAY``) and problems."""
    intents = [_resolve(i) for i in _get(catalog, "/OutputIntents") or []]
    pdfa = [i for i in intents if isinstance(i, DictionaryObject) and _get(i, "/S") == "/GTS_PDFA1"]
    if not pdfa:
        return None, ["6.2.3: no /OutputIntents entry with /S /GTS_PDFA1"]
    problems = []
    references = [i.get("/DestOutputProfile") for i in intents if isinstance(i, DictionaryObject)]
    profiles = {r.idnum for r in references if isinstance(r, IndirectObject)}  # 6.2.3: one object for all
    if len(profiles) > 1:
        problems.append("6.2.3: output intents point at different DestOutputProfile objects")
    if any("/DestOutputProfileRef" in i for i in intents if isinstance(i, DictionaryObject)):
        problems.append("6.2.3: an output intent has a /DestOutputProfileRef")
    profile = _get(pdfa[0], "/DestOutputProfile")
    if not isinstance(profile, StreamObject):
        return None, [*problems, "6.2.3: the PDF/A output intent embeds no ICC profile (/DestOutputProfile)"]
    icc = profile.get_data()
    if len(icc) < 128 or icc[36:40] != b"acsp":
        return None, [*problems, "6.2.3: the output intent's DestOutputProfile is not an ICC profile"]
    device_class, space, major = icc[12:16], icc[16:20], icc[8]
    if device_class not in (b"prtr", b"mntr") or space not in _ICC_COMPONENTS or major >= 5:
        found = _ascii(
            f"class {device_class.decode('latin-1')}, space {space.decode('latin-1')}, version {major}"
        )
        problems.append(
            f"6.2.3: the output ICC profile is {found}; needs prtr or mntr, GRAY/RGB/CMYK, below 5"
        )
    if _get(profile, "/N") != _ICC_COMPONENTS.get(space):
        n, found = _get(profile, "/N"), space.decode("latin-1")
        problems.append(f"6.2.3: the output ICC profile has /N {n} for colour space {_ascii(found)}")
    return space.decode().strip(), problems


# -- pages: annotations, colour operators (6.3, 6.2.4.3, 6.2.2) ---------------------------------


def _check_pages(reader: PdfReader, intent_space: str | None) -> list[str]:
    problems = []
    for number, page in enumerate(reader.pages, start=1):
        if "/AA" in page:
            problems.append(f"6.5.2: page {number} has an additional-actions (/AA) entry")
        for box in ("/MediaBox", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox"):
            if box in page:
                x0, y0, x1, y1 = (float(v) for v in page[box])
                if not (3 <= abs(x1 - x0) <= 14400 and 3 <= abs(y1 - y0) <= 14400):
                    problems.append(f"6.1.13: page {number} {box} is outside 3 to 14400 units")
        for annotation in _get(page, "/Annots") or []:
            problems += _check_annotation(_resolve(annotation), f"page {number}")
        contents = page.get_contents()
        if contents is not None:
            problems += _check_content(ContentStream(contents, reader), f"page {number}", intent_space)
    return problems


def _check_annotation(annotation: DictionaryObject, where: str) -> list[str]:
    subtype = _get(annotation, "/Subtype")
    if subtype not in _ANNOTATIONS:  # 6.3.1 (3D, Sound, Screen, Movie and unknown types)
        return [f"6.3.1: {where} has a forbidden annotation type {_ascii(subtype)}"]
    problems = []
    flags = _get(annotation, "/F")
    if subtype != "/Popup" and flags is None:
        problems.append(f"6.3.2: {where} has a {subtype} annotation without flags (/F)")
    elif flags is not None and (not flags & 4 or flags & (1 | 2 | 32 | 256)):
        problems.append(f"6.3.2: {where} has a {subtype} annotation not printed or hidden (/F {flags})")
    rect = [float(v) for v in _get(annotation, "/Rect", [0, 0, 0, 0])]
    appearance = _get(annotation, "/AP")
    if (
        appearance is None
        and subtype not in ("/Popup", "/Link")
        and (rect[0] != rect[2] or rect[1] != rect[3])
    ):
        problems.append(f"6.3.3: {where} has a {subtype} annotation without an appearance (/AP)")
    elif appearance is not None and set(appearance) != {"/N"}:
        problems.append(f"6.3.3: {where} has a {subtype} annotation whose /AP has keys other than /N")
    if subtype == "/Widget" and ("/A" in annotation or "/AA" in annotation):
        problems.append(f"6.4.1: {where} has a widget annotation with actions (/A or /AA)")
    return problems


def _check_content(content: ContentStream, where: str, intent_space: str | None) -> list[str]:
    problems, depth = set(), 0
    for _operands, operator in content.operations:
        if operator not in _OPERATORS:
            problems.add(f"6.2.2: {where} uses an operator not in ISO 32000-1: {_ascii(operator)}")
        needed = _DEVICE_OPERATORS.get(operator)
        if (needed and needed != intent_space) or (operator in (b"g", b"G") and intent_space is None):
            problems.add(
                f"6.2.4.3: {where} paints with {operator.decode()}, a device colour the intent does not cover"
            )
        depth += (operator == b"q") - (operator == b"Q")
        if depth > 28:
            problems.add(f"6.1.13: {where} nests q/Q deeper than 28 levels")
    return sorted(problems)


# -- every reachable object: fonts, actions, streams, graphics states, XObjects ------------------


def _check_objects(reader: PdfReader, intent_space: str | None) -> list[str]:
    problems = []
    for ref, obj in _reachable(reader.trailer):
        where = f"object {ref}"
        kind, subtype = _get(obj, "/Type"), _get(obj, "/Subtype")
        if isinstance(obj, StreamObject):  # 6.1.7.1, 6.1.7.2
            if {"/F", "/FFilter", "/FDecodeParms"} & set(obj):
                problems.append(
                    f"6.1.7.1: {where} is a stream kept in an external file (/F, /FFilter, /FDecodeParms)"
                )
            filters = _get(obj, "/Filter")
            if {"/LZWDecode", "/Crypt"} & set(filters if isinstance(filters, ArrayObject) else [filters]):
                problems.append(f"6.1.7.2: {where} is a stream with an LZWDecode or Crypt filter")
        if kind == "/Font" or (
            subtype in _FONT_SUBTYPES and ("/BaseFont" in obj or "/FontDescriptor" in obj)
        ):
            problems += _check_font(obj, where)  # a Type0 font's descendants are reached on their own
        for key in ("/ColorSpace", "/CS"):  # image, group and resource colour spaces given by name
            space = _get(obj, key)
            if isinstance(space, NameObject) and _DEVICE_SPACES.get(space, intent_space) != intent_space:
                problems.append(f"6.2.4.3: {where} uses {space}, which the output intent does not cover")
        action = _get(obj, "/S")
        if action in _FORBIDDEN_ACTIONS or "/JS" in obj:  # 6.5.1
            problems.append(
                f"6.5.1: {where} is a forbidden {'/JavaScript' if '/JS' in obj else action} action"
            )
        elif action == "/Named" and _get(obj, "/N") not in _NAMED_ACTIONS:
            named = _ascii(_get(obj, "/N"))
            problems.append(f"6.5.1: {where} is a named action {named} other than First/Last/Next/PrevPage")
        if "/EF" in obj:  # 6.8
            problems.append(f"6.8: {where} is a file specification with an embedded file (/EF)")
        states = _get(obj, "/ExtGState")
        if isinstance(states, DictionaryObject):  # a resource dictionary
            for name, state in states.items():
                problems += _check_graphics_state(
                    _resolve(state), f"graphics state {_ascii(name)} in {where}"
                )
        if subtype == "/Image":  # 6.2.8.1, 6.2.6
            if "/Alternates" in obj or "/OPI" in obj:
                problems.append(f"6.2.8.1: {where} is an image with /Alternates or /OPI")
            if _is_true(obj, "/Interpolate"):
                problems.append(f"6.2.8.1: {where} is an image with /Interpolate true")
            if _get(obj, "/Intent") not in (None, *_INTENTS):
                problems.append(f"6.2.6: {where} is an image with a non-standard rendering intent")
        elif subtype == "/Form" and isinstance(obj, StreamObject):  # 6.2.9.1, 6.2.9.2
            if "/OPI" in obj or "/PS" in obj or _get(obj, "/Subtype2") == "/PS" or "/Ref" in obj:
                problems.append(f"6.2.9: {where} is a form XObject with /OPI, /PS, /Subtype2 /PS or /Ref")
            problems += _check_content(ContentStream(obj, reader), where, intent_space)
        elif subtype == "/PS" and kind == "/XObject":
            problems.append(f"6.2.9.3: {where} is a PostScript XObject")
    return problems


def _check_font(font: DictionaryObject, where: str) -> list[str]:
    name, subtype = _ascii(_get(font, "/BaseFont", "(unnamed)")), _get(font, "/Subtype")
    if subtype == "/Type3":  # its glyphs are content streams in the file
        return []
    if subtype == "/Type0":  # the descendant CIDFont carries the font program
        if _get(font, "/DescendantFonts"):
            return []
        return [f"6.2.11.4.1: Type0 font {name} ({where}) has no descendant font"]
    problems = []
    descriptor = _get(font, "/FontDescriptor") or {}
    if not {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor):  # 6.2.11.4.1
        problems.append(f"6.2.11.4.1: font {name} ({where}) is not embedded")
    if subtype == "/CIDFontType2" and "/CIDToGIDMap" not in font:  # 6.2.11.3.2
        problems.append(f"6.2.11.3.2: CIDFontType2 font {name} ({where}) has no /CIDToGIDMap")
    return problems


def _check_graphics_state(state: DictionaryObject, where: str) -> list[str]:
    problems = []
    if "/TR" in state or _get(state, "/TR2", "/Default") != "/Default" or "/HTP" in state:  # 6.2.5
        problems.append(f"6.2.5: {where} has a transfer function (/TR, /TR2) or /HTP")
    blend = _get(state, "/BM")
    blends = blend if isinstance(blend, ArrayObject) else [blend]
    if any(b is not None and b not in _BLEND_MODES for b in blends):
        problems.append(f"6.2.10: {where} has a non-standard blend mode {_ascii(blend)}")
    if _get(state, "/RI") not in (None, *_INTENTS):
        problems.append(f"6.2.6: {where} has a non-standard rendering intent")
    return problems


def _reachable(start: DictionaryObject) -> Iterator[tuple[str, DictionaryObject]]:
    """Every dictionary and stream reachable from ``start``, each with its nearest indirect object (``"n g"``)."""
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[object, str]] = [(start, "trailer")]
    while stack:
        obj, ref = stack.pop()
        if isinstance(obj, IndirectObject):
            if (obj.idnum, obj.generation) in seen:
                continue
            seen.add((obj.idnum, obj.generation))
            obj, ref = obj.get_object(), f"{obj.idnum} {obj.generation}"
        if isinstance(obj, DictionaryObject):  # a StreamObject too
            yield ref, obj
            stack.extend((value, ref) for value in obj.values())  # raw values: references stay references
        elif isinstance(obj, ArrayObject):
            stack.extend((value, ref) for value in obj)


def _resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def _get(dictionary, key: str, default=None):
    """``dictionary[key]`` resolved, or ``default``: pypdf's ``get`` returns references unresolved."""
    return _resolve(dictionary.get(key, default))


def _is_true(dictionary, key: str) -> bool:
    """Whether ``dictionary[key]`` is the PDF boolean true (a pypdf ``BooleanObject`` is always truthy)."""
    return getattr(_get(dictionary, key), "value", None) is True


def _ascii(value) -> str:
    """``value`` as text with anything outside ASCII escaped (font and XMP names may be Chinese)."""
    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return text.encode("ascii", "backslashreplace").decode("ascii")
