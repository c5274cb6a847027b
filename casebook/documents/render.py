"""Render 文书 to HTML and PDF: sandboxed Jinja over ``pdf_templates/``, WeasyPrint with packaged assets only.

Contexts are plain data validated by the marshmallow schemas of ``schemas.documents``; templates never
see ORM objects. The renderer keeps one ``FontConfiguration`` and one parsed ``base.css`` for the
life of the process: parsing the stylesheet and loading the CJK fonts dominate a cold render.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import logging
import mimetypes
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup
from marshmallow import ValidationError
from weasyprint.pdf import VARIANTS as _PDF_VARIANTS
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse, path2url

from casebook.domain import pii
from casebook.domain.errors import NotFound, ValidationFailed
from schemas.documents import (
    DISCRETION_TIERS,
    DOCUMENT_TYPES,
    LEGAL_REVIEW_ITEMS,
    PENALTY_KINDS,
    REFERRAL_MATERIALS,
    CaseFileSchema,
    DocumentType,
)

__all__ = [
    "TEMPLATES_DIR",
    "AssetFetcher",
    "AssetRefused",
    "DocumentRenderError",
    "check_environment",
    "cn_date",
    "cn_datetime",
    "jinja_env",
    "mask_id",
    "mask_phone",
    "money",
    "money_upper",
    "render_case_file",
    "render_html",
    "render_pdf",
    "require_environment",
    "sample_context",
]

log = logging.getLogger(__name__)

#: Folder of the templates: one sub-folder per document type, plus ``base.css`` and shared layouts.
# A source checkout keeps the templates beside the package; an installed image says where with CASEBOOK_TEMPLATES_DIR.
TEMPLATES_DIR = Path(os.environ.get("CASEBOOK_TEMPLATES_DIR") or Path(__file__).resolve().parents[2] / "pdf_templates")

#: Pre-subset CJK fonts built at install time (scripts/build_font_subsets.py); absent → the full fonts only.
FONT_DIR = Path(os.environ.get("CASEBOOK_FONT_DIR")
                or Path(os.environ.get("CASEBOOK_DATA_DIR") or Path(__file__).resolve().parents[2] / "var") / "fonts")
#: The CSS family of each pre-subset face (base.css names them before the full Noto face) and its file.
SUBSET_FACES = {"Casebook Serif SC": "CasebookSerifSC.otf", "Casebook Sans SC": "CasebookSansSC.otf"}
FONT_SUFFIXES = frozenset({".otf", ".ttf"})

#: Asset types the URL fetcher serves from ``TEMPLATES_DIR``.
ASSET_SUFFIXES = frozenset(
    {".css", ".ttf", ".otf", ".ttc", ".woff", ".woff2", ".png", ".jpg", ".jpeg", ".svg"}
)

#: The PDF/A variant used for archived case files.
ARCHIVE_PDF_VARIANT = "pdf/a-2b"


class DocumentRenderError(RuntimeError):
    """Rendering failed: a refused asset, a template error, or (strict mode) any WeasyPrint warning."""


class AssetRefused(ValueError):
    """The URL fetcher refused a URL that is not a packaged asset."""


# ------------------------------------------------------------------------------------------------
# Filters (pure functions; also usable outside templates)
# ------------------------------------------------------------------------------------------------


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    raise TypeError(f"not a date: {value!r}")


def _as_datetime(value) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    raise TypeError(f"not a date-time: {value!r}")


def cn_date(value) -> str:
    """Format a date as ``2026年11月24日`` (GB/T 9704-2012 §7.3.5: 阿拉伯数字，月、日不编虚位)."""
    if value is None or value == "":
        return ""
    d = _as_date(value)
    return f"{d.year}年{d.month}月{d.day}日"


def cn_datetime(value) -> str:
    """Format a date-time as ``2026年7月14日9时30分``."""
    if value is None or value == "":
        return ""
    t = _as_datetime(value)
    return f"{cn_date(t)}{t.hour}时{t.minute:02d}分"


def ymd(value) -> str:
    """Format a date as 8 digits, ``20260716``, as archive indexes do (DA/T 22)."""
    if value is None or value == "":
        return ""
    return _as_date(value).strftime("%Y%m%d")


def cn_time(value) -> str:
    """Format the time of a date-time as ``11时05分`` (for the end of a record on the same day)."""
    if value is None or value == "":
        return ""
    t = _as_datetime(value)
    return f"{t.hour}时{t.minute:02d}分"


_CENTS = Decimal("0.01")


def _as_money(value) -> Decimal:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).replace(",", ""))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    if amount != amount.quantize(_CENTS, rounding=ROUND_HALF_UP):
        raise ValueError(f"amount has fractions of a cent (分): {value!r}")
    return amount.quantize(_CENTS)


def money(value, unit: str = "元") -> str:
    """Format yuan with thousands separators and two places: ``12,345.00元``."""
    if value is None or value == "":
        return ""
    return f"{_as_money(value):,.2f}{unit}"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_IN_GROUP = ("仟", "佰", "拾", "")
_GROUPS = ("", "万", "亿", "万亿")


def _group_upper(n: int) -> str:
    """Spell 1–9999 in capital numerals, one 零 for each run of inner zeros."""
    out, zero = [], False
    for digit, unit in zip(f"{n:04d}", _IN_GROUP, strict=True):
        if digit == "0":
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(_DIGITS[int(digit)] + unit)
    return "".join(out)


def money_upper(value) -> str:
    """Spell an amount in 大写 as on bank forms (支付结算办法): ``壹万贰仟叁佰肆拾伍元整``.

    Zeros: one 零 for a run of zeros inside the integer part (also across 万/亿 groups); ``元零X分``
    when 角 is zero and 分 is not; ``整`` only when there are no 角 or 分; ``零元整`` for zero.
    """
    amount = _as_money(value)
    if amount < 0:
        raise ValueError("negative amounts have no 大写 form")
    cents = int(amount * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if yuan >= 10**16:
        raise ValueError("amount too large")
    if cents == 0:
        return "零元整"
    out: list[str] = []
    if yuan:
        groups = []
        rest = yuan
        while rest:
            groups.append(rest % 10000)
            rest //= 10000
        pending_zero = False
        for index in range(len(groups) - 1, -1, -1):
            g = groups[index]
            if g == 0:
                pending_zero = bool(out)
                continue
            if out and (pending_zero or g < 1000):
                out.append("零")
            out.append(_group_upper(g) + _GROUPS[index])
            pending_zero = False
        out.append("元")
    if jiao:
        out.append(_DIGITS[jiao] + "角")
    elif fen and yuan:
        out.append("零")
    if fen:
        out.append(_DIGITS[fen] + "分")
    elif not jiao:
        out.append("整")
    return "".join(out)


def mask_id(value) -> str:
    """Mask an identity number for published documents (the one rule of casebook.domain.pii)."""
    if value is None or value == "":
        return ""
    return pii.mask_document_number(str(value))  # 18/15 digits as the 身份证号; another document keeps its last four


def mask_phone(value) -> str:
    """Mask a phone number for published documents (the one rule of casebook.domain.pii)."""
    if value is None or value == "":
        return ""
    return pii.mask_phone(str(value))


def sum_money(items: Iterable, attribute: str = "amount") -> Decimal:
    """Sum the non-empty money attribute of a list of mappings."""
    total = Decimal("0.00")
    for item in items:
        amount = item.get(attribute) if isinstance(item, dict) else getattr(item, attribute, None)
        if amount not in (None, ""):
            total += _as_money(amount)
    return total


_CN_SMALL = "〇一二三四五六七八九"


def cn_count(n: int) -> str:
    """Spell a small count in Chinese (五, 十五, 六十): used for statutory periods in running text."""
    n = int(n)
    if not 0 <= n < 100:
        return str(n)
    if n < 10:
        return "零" if n == 0 else _CN_SMALL[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_SMALL[tens]) + "十" + (_CN_SMALL[ones] if ones else "")


def tier_name(code: str) -> str:
    """Chinese name of a discretion tier code (``lenient`` → 从轻处罚)."""
    return DISCRETION_TIERS[code]


def penalty_kind(code: str) -> str:
    """Chinese name of a penalty kind code (``fine`` → 罚款)."""
    return PENALTY_KINDS[code]


FILTERS = {
    "cn_date": cn_date,
    "tier_name": tier_name,
    "penalty_kind": penalty_kind,
    "cn_datetime": cn_datetime,
    "cn_time": cn_time,
    "ymd": ymd,
    "money": money,
    "money_upper": money_upper,
    "mask_id": mask_id,
    "mask_phone": mask_phone,
    "sum_money": sum_money,
    "cn_count": cn_count,
}


# ------------------------------------------------------------------------------------------------
# Jinja
# ------------------------------------------------------------------------------------------------


@cache
def jinja_env() -> SandboxedEnvironment:
    """The sandboxed, autoescaping, strict environment over ``pdf_templates/``."""
    env = SandboxedEnvironment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(FILTERS)
    # canonical wording shared with the schemas, so templates never restate it
    env.globals.update(review_items=LEGAL_REVIEW_ITEMS, referral_materials=REFERRAL_MATERIALS)
    return env


# ------------------------------------------------------------------------------------------------
# URL fetcher: packaged assets only
# ------------------------------------------------------------------------------------------------


class AssetFetcher(URLFetcher):
    """Serve only files under ``root`` with an asset suffix, and ``data:`` URLs; refuse everything else.

    Refusals are fatal to the render (``fail_on_errors``): a template that reaches for the network or
    the file system is a bug or an attack, never something to skip with a warning.
    """

    def __init__(self, root: Path = TEMPLATES_DIR, font_dir: Path | None = None):
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False, fail_on_errors=True)
        self.root = Path(root).resolve()
        self.font_dir = Path(font_dir).resolve() if font_dir is not None else None

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise AssetRefused(f"only packaged template assets may be fetched, not {url!r}")
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise AssetRefused(f"remote file URL refused: {url!r}")
        path = Path(unquote(parts.path)).resolve()
        is_font = (self.font_dir is not None and path.is_relative_to(self.font_dir)
                   and path.suffix.lower() in FONT_SUFFIXES)
        if not is_font and (not path.is_relative_to(self.root) or path.suffix.lower() not in ASSET_SUFFIXES):
            raise AssetRefused(f"not a packaged template asset: {url!r}")
        body = _read_asset(path)
        if body is None:
            raise AssetRefused(f"no such template asset: {url!r}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path2url(str(path)), body=body, headers={"Content-Type": mime})


@cache
def _read_asset(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


# ------------------------------------------------------------------------------------------------
# WeasyPrint state shared across renders
# ------------------------------------------------------------------------------------------------

# FontConfiguration and the parsed stylesheet are not documented as thread-safe; renders are
# CPU-bound anyway, so one at a time per process.
_RENDER_LOCK = threading.RLock()


@dataclass
class _Shared:
    fetcher: AssetFetcher
    font_config: FontConfiguration
    base_css: weasyprint.CSS


def subset_fonts(font_dir: Path | None = None) -> dict[str, Path]:
    """The pre-subset faces present in ``font_dir`` (family → file); empty when they were not built."""
    font_dir = FONT_DIR if font_dir is None else font_dir
    return {family: font_dir / name for family, name in SUBSET_FACES.items() if (font_dir / name).is_file()}


def _font_face_css(fonts: dict[str, Path]) -> str:
    return "".join(f'@font-face {{ font-family: "{family}"; src: url("{path2url(str(path))}"); }}\n'
                   for family, path in fonts.items())


@cache
def _shared() -> _Shared:
    fonts = subset_fonts()
    if not fonts:
        log.warning("未找到预先子集化的中文字体（%s），文书使用完整字体、生成较慢：请运行 make install "
                    "或 python scripts/build_font_subsets.py", FONT_DIR)
    fetcher = AssetFetcher(TEMPLATES_DIR, FONT_DIR if fonts else None)
    font_config = FontConfiguration()
    base = (TEMPLATES_DIR / "base.css").read_text(encoding="utf-8")
    base_css = weasyprint.CSS(string=_font_face_css(fonts) + base, base_url=path2url(str(TEMPLATES_DIR / "base.css")),
                              url_fetcher=fetcher, font_config=font_config)
    return _Shared(fetcher, font_config, base_css)


class _WarningCollector(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@contextmanager
def _watch_weasyprint(strict: bool) -> Iterator[None]:
    """Log WeasyPrint's warnings under our name; in strict mode any warning fails the render."""
    collector = _WarningCollector()
    wp_log = logging.getLogger("weasyprint")
    level = wp_log.level
    if not wp_log.isEnabledFor(logging.WARNING):  # the app may have silenced WeasyPrint
        wp_log.setLevel(logging.WARNING)
    wp_log.addHandler(collector)
    try:
        yield
    except FatalURLFetchingError as exc:  # a BaseException in WeasyPrint: turn it into ours
        cause = exc.__cause__ or exc
        raise DocumentRenderError(f"资源加载被拒绝：{cause}") from cause
    finally:
        wp_log.removeHandler(collector)
        wp_log.setLevel(level)
    missing = [m for m in collector.messages if ".notdef" in m]
    for message in missing:
        log.warning("字体缺字：%s", message)
    if strict and collector.messages:
        raise DocumentRenderError("；".join(collector.messages))


def _check_variant(pdf_variant: str | None) -> None:
    if pdf_variant is not None and pdf_variant not in _PDF_VARIANTS:
        raise ValueError(f"unknown PDF variant {pdf_variant!r}; known: {sorted(_PDF_VARIANTS)}")


# ------------------------------------------------------------------------------------------------
# Rendering
# ------------------------------------------------------------------------------------------------


def _document_type(doc_type: str) -> DocumentType:
    try:
        return DOCUMENT_TYPES[doc_type]
    except KeyError:
        raise NotFound(f"未知的文书类型：{doc_type}", code="document_type_unknown") from None


def _load(dt: DocumentType, context: dict) -> dict:
    try:
        return dt.schema().load(context)
    except ValidationError as err:
        raise ValidationFailed(f"{dt.title}的数据不完整或有误", errors=err.messages) from err


def _html_for(
    dt: DocumentType, data: dict, *, page_start: int | None = None, inline_css: bool = False
) -> str:
    template = jinja_env().get_template(dt.template)
    extra = {"doc": {"code": dt.code, "title": dt.title}, "page_start": page_start, "inline_css": None}
    if inline_css:
        extra["inline_css"] = Markup((TEMPLATES_DIR / "base.css").read_text(encoding="utf-8"))
    return template.render({**data, **extra})


def _layout(
    dt: DocumentType, html: str, *, pdf_variant: str | None, watermark: str | None = None
) -> weasyprint.Document:
    shared = _shared()
    base_url = path2url(str(TEMPLATES_DIR / dt.code / "template.html"))
    source = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=shared.fetcher)
    stylesheets = [shared.base_css] if watermark is None else [shared.base_css, _watermark_css(watermark)]
    return source.render(font_config=shared.font_config, stylesheets=stylesheets, pdf_variant=pdf_variant)


_WATERMARK_FONT = '"SimHei", "黑体", "Casebook Sans SC", "Noto Sans CJK SC", sans-serif'


@cache
def _watermark_css(text: str) -> weasyprint.CSS:
    """A draft mark on every page: a line at the top and a faint diagonal word across the page."""
    quoted = json.dumps(text, ensure_ascii=False)  # a CSS string: double quotes, escaped
    css = f"""
    @page {{ @top-center {{ content: {quoted}; color: #b00; font-family: {_WATERMARK_FONT}; font-size: 10.5pt; }} }}
    body::after {{
      content: {quoted}; position: fixed; top: 40%; left: 0; right: 0; text-align: center;
      font-family: {_WATERMARK_FONT}; font-size: 110pt; line-height: 1; color: rgba(176, 0, 0, 0.12);
      transform: rotate(-30deg);
    }}
    """
    shared = _shared()
    return weasyprint.CSS(string=css, url_fetcher=shared.fetcher, font_config=shared.font_config)


def sample_context(doc_type: str) -> dict:
    """Return the packaged sample context of a document type (``pdf_templates/<code>/sample.json``)."""
    dt = _document_type(doc_type)
    return json.loads((TEMPLATES_DIR / dt.code / "sample.json").read_text(encoding="utf-8"))


def render_html(doc_type: str, context: dict, *, inline_css: bool = False) -> str:
    """Validate ``context`` against the type's schema and return the document's HTML.

    ``inline_css`` embeds ``base.css`` for a standalone preview; PDF rendering adds it itself.
    """
    dt = _document_type(doc_type)
    return _html_for(dt, _load(dt, context), inline_css=inline_css)


def render_pdf(
    doc_type: str,
    context: dict,
    *,
    pdf_variant: str | None = None,
    strict: bool = False,
    watermark: str | None = None,
) -> bytes:
    """Validate ``context`` and render the document to PDF bytes.

    ``pdf_variant="pdf/a-2b"`` for archived copies. ``strict`` turns any WeasyPrint warning (a missing
    glyph, an unknown CSS property …) into ``DocumentRenderError``; otherwise they are logged.
    ``watermark`` marks every page (a preview is marked 预览 so it is never taken for the issued document).
    """
    _check_variant(pdf_variant)
    dt = _document_type(doc_type)
    data = _load(dt, context)
    html = _html_for(dt, data)
    with _RENDER_LOCK, _watch_weasyprint(strict):
        document = _layout(dt, html, pdf_variant=pdf_variant, watermark=watermark)
        return document.write_pdf(pdf_variant=pdf_variant)


def render_preview_pdf(doc_type: str, context: dict, *, watermark: str, max_pages: int) -> bytes:
    """Render a marked preview, refusing it after layout (before the PDF is written) past ``max_pages``."""
    from casebook.documents.previews import PreviewTooLarge

    dt = _document_type(doc_type)
    html = _html_for(dt, _load(dt, context))
    with _RENDER_LOCK, _watch_weasyprint(False):
        document = _layout(dt, html, pdf_variant=None, watermark=watermark)
        pages = len(document.pages)
        if pages > max_pages:
            raise PreviewTooLarge(f"该文书排版后共 {pages} 页，超过预览上限 {max_pages} 页：请精简内容，"
                                  "或出具后由后台生成正式文书", code="preview_too_many_pages",
                                  errors={"pages": pages, "max_pages": max_pages})
        return document.write_pdf()


# ------------------------------------------------------------------------------------------------
# The bound case file (案卷)
# ------------------------------------------------------------------------------------------------


def _page_range(first: int, count: int) -> str:
    return str(first) if count == 1 else f"{first}-{first + count - 1}"


def _sorted_entries(entries: list[dict]) -> list[dict]:
    """Binding order: by stage (立案→调查→审查→决定→送达→执行), then document date, then the registry's
    order of types (a record before the notices made the same day), then as given."""
    type_order = {code: i for i, code in enumerate(DOCUMENT_TYPES)}

    def key(item):
        index, entry = item
        dt = DOCUMENT_TYPES[entry["doc_type"]]
        return (dt.stage_order, entry["context"]["date"], type_order[dt.code], index)

    return [entry for _, entry in sorted(enumerate(entries), key=key)]


def render_case_file(
    case_file_context: dict,
    *,
    pdf_variant: str | None = ARCHIVE_PDF_VARIANT,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
) -> bytes:
    """Render the bound 案卷: cover, 卷内目录, the documents in stage order, 备考表.

    Documents are laid out first, each starting its page counter where the previous one ended, so the
    printed numbers run 1…N across the documents only; then the index is built from the real page
    counts, and cover, index and 备考表 (unnumbered named pages) are laid out and put around them.

    ``progress`` is told the percentage done (0–100) after each document is laid out (up to 90: writing
    the PDF/A with its subset fonts takes the rest) and when the file is written.
    """
    report = progress or (lambda _percent: None)
    _check_variant(pdf_variant)
    try:
        data = CaseFileSchema().load(case_file_context)
    except ValidationError as err:
        raise ValidationFailed("案卷数据不完整或有误", errors=err.messages) from err

    cover, note = data["cover"], data["note"]
    entries = _sorted_entries(data["documents"])

    with _RENDER_LOCK, _watch_weasyprint(strict):
        laid_out, rows = [], []
        next_page = 1
        for seq, entry in enumerate(entries, start=1):
            dt = DOCUMENT_TYPES[entry["doc_type"]]
            ctx = entry["context"]
            document = _layout(dt, _html_for(dt, ctx, page_start=next_page), pdf_variant=pdf_variant)
            count = len(document.pages)
            laid_out.append(document)
            rows.append(
                {
                    "seq": seq,
                    "document_no": ctx.get("document_no") or ctx.get("form_no"),
                    "author": ctx["agency"]["name"],
                    "title": entry.get("title") or dt.title,
                    "date": ctx["date"],
                    "pages": _page_range(next_page, count),
                    "remarks": None,
                }
            )
            next_page += count
            report(90 * seq // (len(entries) + 2))
        total_pages = next_page - 1

        cover = {**cover, "total_documents": len(entries), "total_pages": total_pages}
        note = {**note, "total_documents": len(entries), "total_pages": total_pages}
        index = {"agency": cover["agency"], "date": cover["date"], "case": cover["case"], "rows": rows}
        front = [
            _layout(
                DOCUMENT_TYPES["case_file_cover"],
                _html_for(DOCUMENT_TYPES["case_file_cover"], cover),
                pdf_variant=pdf_variant,
            ),
            _layout(
                DOCUMENT_TYPES["file_index"],
                _html_for(DOCUMENT_TYPES["file_index"], index),
                pdf_variant=pdf_variant,
            ),
        ]
        back = _layout(
            DOCUMENT_TYPES["file_note"], _html_for(DOCUMENT_TYPES["file_note"], note), pdf_variant=pdf_variant
        )

        report(90)
        pages = [page for doc in (*front, *laid_out, back) for page in doc.pages]
        pdf = front[0].copy(pages).write_pdf(pdf_variant=pdf_variant)
    report(100)
    return pdf


# ------------------------------------------------------------------------------------------------
# Start-up check
# ------------------------------------------------------------------------------------------------

_FONT_HINT = "请安装 Debian 软件包 fonts-noto-cjk（apt-get install fonts-noto-cjk）"
_HB_HINT = "请安装 Debian 软件包 libharfbuzz-subset0（apt-get install libharfbuzz-subset0）"


def _harfbuzz_subset_loadable() -> bool:
    name = ctypes.util.find_library("harfbuzz-subset") or "libharfbuzz-subset.so.0"
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def check_environment() -> list[str]:
    """Return what is missing for fast, complete Chinese PDFs (empty list: all good)."""
    problems = []
    if shutil.which("fc-list") is None:
        problems.append(
            f"未找到 fontconfig 的 fc-list 命令，无法确认中文字体：请安装 fontconfig；{_FONT_HINT}"
        )
    else:
        try:
            found = subprocess.run(
                ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=30, check=False
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            found = ""
        if not found:
            problems.append(f"fontconfig 未找到任何中文（CJK）字体，文书将缺字：{_FONT_HINT}")
    if not _harfbuzz_subset_loadable():
        problems.append(
            "HarfBuzz 字体子集库 libharfbuzz-subset 不可用，WeasyPrint 将改用纯 Python 的 fontTools "
            f"子集化（每份文书约 7 秒）：{_HB_HINT}"
        )
    else:
        from weasyprint.text import ffi as _wp_ffi

        if _wp_ffi.harfbuzz_subset is None or not _wp_ffi.harfbuzz.hb_version_atleast(4, 1, 0):
            problems.append(f"WeasyPrint 未能使用 libharfbuzz-subset（需要 HarfBuzz ≥ 4.1）：{_HB_HINT}")
    return problems


def require_environment() -> None:
    """Fail loudly at start-up when CJK fonts or HarfBuzz subsetting are missing."""
    problems = check_environment()
    if problems:
        raise RuntimeError("PDF 文书环境检查未通过：\n" + "\n".join(f"- {p}" for p in problems))


# ------------------------------------------------------------------------------------------------
# Reports outside the 文书 registry (the annual enforcement data report): same base CSS and fonts
# ------------------------------------------------------------------------------------------------


def render_report_pdf(template: str, data: dict, *, strict: bool = False) -> bytes:
    """Render a report template under pdf_templates/ (e.g. "annual_report/template.html") with the 文书's base
    layout and fonts; the data is plain (the caller built it), no document schema applies."""
    html = jinja_env().get_template(template).render({**data, "doc": {"code": template.split("/")[0],
                                                                       "title": data.get("title", "")},
                                                      "page_start": None, "inline_css": None})
    shared = _shared()
    with _RENDER_LOCK, _watch_weasyprint(strict):
        source = weasyprint.HTML(string=html, base_url=path2url(str(TEMPLATES_DIR / template)), url_fetcher=shared.fetcher)
        return source.render(font_config=shared.font_config, stylesheets=[shared.base_css]).write_pdf()
