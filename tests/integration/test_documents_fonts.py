"""Pre-subset CJK fonts: documents embed the small fonts built at install time; a rare character in a
name (生僻字 outside GB 2312) still prints, from the full font next in the stack; without the subsets
the documents render as before, with the full fonts."""

from __future__ import annotations

import copy
import subprocess

import pytest
from fontTools.ttLib import TTFont

from casebook.documents import render
from casebook.documents.render import render_pdf, sample_context, subset_fonts

RARE = "䶮𬌗"  # U+4DAE (CJK Ext A, as in 刘䶮) and U+2C317 (Ext E): neither is in GB 2312


@pytest.fixture(scope="module")
def built_fonts():
    """The subsets `make install` builds; built here when missing (idempotent, cached under var/)."""
    if len(subset_fonts()) < len(render.SUBSET_FACES):
        import sys

        sys.path.insert(0, str(render.TEMPLATES_DIR.parent))
        from scripts.build_font_subsets import main

        assert main(["--out", str(render.FONT_DIR)]) == 0
    render._shared.cache_clear()
    render._watermark_css.cache_clear()
    yield subset_fonts()
    render._shared.cache_clear()
    render._watermark_css.cache_clear()


def _fonts(pdf: bytes) -> list[str]:
    out = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return [line.split()[0].split("+", 1)[-1] for line in out.splitlines()[2:] if line.strip()]


def _text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def test_a_decision_embeds_only_the_pre_subset_fonts(built_fonts):
    assert set(built_fonts) == set(render.SUBSET_FACES)
    fonts = _fonts(render_pdf("penalty_decision", sample_context("penalty_decision"), strict=True))
    assert fonts and all(f.startswith("Casebook-") for f in fonts), fonts


def test_a_rare_character_outside_the_subset_still_prints_from_the_full_font(built_fonts):
    serif = TTFont(built_fonts["Casebook Serif SC"]).getBestCmap()
    assert not any(ord(ch) in serif for ch in RARE)  # the subset really lacks them: the fallback is exercised
    ctx = copy.deepcopy(sample_context("penalty_decision"))
    ctx["party"]["name"] = f"枣庄市{RARE}商贸有限公司"
    ctx["party"]["legal_representative"] = "刘䶮"
    pdf = render_pdf("penalty_decision", ctx, strict=True)  # strict: a missing glyph (.notdef) fails the render
    text = _text(pdf)
    assert f"枣庄市{RARE}商贸有限公司" in text.replace("\n", "") and "刘䶮" in text
    fonts = _fonts(pdf)
    assert "Casebook-Serif-SC" in fonts and any(f.startswith("Noto-Serif-CJK") for f in fonts), fonts


def test_without_the_subsets_documents_render_with_the_full_fonts(built_fonts, tmp_path, monkeypatch):
    monkeypatch.setattr(render, "FONT_DIR", tmp_path)  # nothing built there
    render._shared.cache_clear()
    render._watermark_css.cache_clear()
    try:
        ctx = copy.deepcopy(sample_context("penalty_decision"))
        ctx["party"]["legal_representative"] = "刘䶮"
        pdf = render_pdf("penalty_decision", ctx, strict=True)
        fonts = _fonts(pdf)
        assert fonts and not any(f.startswith("Casebook-") for f in fonts), fonts
        assert "刘䶮" in _text(pdf)
    finally:
        render._shared.cache_clear()
        render._watermark_css.cache_clear()
