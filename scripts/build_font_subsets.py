"""Build the pre-subset CJK fonts the 文书 renderer uses first (run by `make install`; output never committed).

WeasyPrint embeds a subset of every font a PDF uses; cutting that subset out of a 19–26 MB Noto CJK
collection costs tens of milliseconds per document. These small fonts hold what nearly every document
needs — the GB 2312 character set, ASCII and CJK/full-width punctuation, and every character of the
templates, their samples and the vocabulary they print — so that per-document subsetting starts from
a few thousand glyphs. The full fonts stay next in the CSS font stacks: a rare character outside the
subset (a 生僻字 in a name) is taken from them, glyph by glyph.

    .venv/bin/python scripts/build_font_subsets.py [--out DIR]     # default: $CASEBOOK_DATA_DIR/fonts

Writes `<family>.otf` per face and `fonts.json` (what was built, from which source). Idempotent: a face
whose source and character set have not changed is not rebuilt.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: The faces to pre-subset: the CSS family name the renderer declares, and the fontconfig name of the source.
FACES = {
    "Casebook Serif SC": "Noto Serif CJK SC:style=Regular",
    "Casebook Sans SC": "Noto Sans CJK SC:style=Regular",
}
#: Where the characters the documents print come from, besides GB 2312.
TEXT_SOURCES = ["pdf_templates", "schemas", "casebook/domain", "catalogue"]
TEXT_SUFFIXES = {".html", ".css", ".json", ".py", ".yaml", ".yml", ".txt", ".md"}


def gb2312() -> set[str]:
    """Every character of GB 2312 (rows 01–09 symbols and punctuation, 16–87 the 6,763 hanzi)."""
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def punctuation() -> set[str]:
    ranges = [(0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2190, 0x21FF), (0x2460, 0x24FF), (0x2500, 0x257F),
              (0x25A0, 0x25FF), (0x2600, 0x26FF), (0x3000, 0x303F), (0x3200, 0x32FF), (0xFE30, 0xFE4F),
              (0xFF00, 0xFFEF)]
    return {chr(c) for a, b in ranges for c in range(a, b + 1)}


def template_characters() -> set[str]:
    chars = set()
    for src in TEXT_SOURCES:
        if not (ROOT / src).is_dir():
            continue
        for p in (ROOT / src).rglob("*"):
            if p.is_file() and p.suffix in TEXT_SUFFIXES:
                text = p.read_text(encoding="utf-8", errors="ignore")
                text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
                text = re.sub("[\ud800-\udfff]", "", text)  # a lone surrogate (a test's bad input) is no character
                chars.update(ch for ch in text if ord(ch) > 0x7F)
    return chars


def characters() -> str:
    return "".join(sorted(gb2312() | punctuation() | template_characters()))


def locate(pattern: str) -> tuple[Path, int]:
    """The file and collection index of a fontconfig pattern's exact match (the SC face of a Noto .ttc)."""
    out = subprocess.run(["fc-match", "-f", "%{file}|%{index}|%{family}", pattern], capture_output=True, text=True,
                         check=True).stdout
    file, index, family = out.split("|", 2)
    wanted = pattern.split(":", 1)[0]
    if wanted not in family.split(","):
        raise SystemExit(f"未找到字体 {wanted}（fontconfig 给出的是 {family}）：请安装 Debian 软件包 fonts-noto-cjk")
    return Path(file), int(index)


def build(family: str, pattern: str, text: str, out_dir: Path, manifest: dict) -> dict:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    src, index = locate(pattern)
    key = hashlib.sha256(f"{src}|{index}|{src.stat().st_size}|{src.stat().st_mtime_ns}|{text}".encode()).hexdigest()
    target = out_dir / f"{family.replace(' ', '')}.otf"
    old = manifest.get(family)
    if old and old.get("key") == key and target.is_file():
        return old
    t0 = time.perf_counter()
    font = TTFont(src, fontNumber=index, lazy=True)
    opts = subset.Options()
    # The features Pango applies to horizontal zh-Hans text; not locl/vert, whose closure pulls in the
    # JP/KR/TC and vertical variants (twice the glyphs).
    opts.layout_features = ["ccmp", "kern", "liga", "clig", "calt", "rlig", "mark", "mkmk", "palt", "halt"]
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.notdef_outline = True
    opts.glyph_names = False
    sub = subset.Subsetter(opts)
    sub.populate(text=text)
    sub.subset(font)
    tmp = target.with_suffix(".tmp")
    font.save(tmp)
    os.replace(tmp, target)
    return {"file": target.name, "source": str(src), "index": index, "characters": len(text),
            "glyphs": len(font.getGlyphOrder()), "bytes": target.stat().st_size, "key": key,
            "seconds": round(time.perf_counter() - t0, 1)}


def default_out() -> Path:
    data = Path(os.environ.get("CASEBOOK_DATA_DIR") or ROOT / "var")
    return Path(os.environ.get("CASEBOOK_FONT_DIR") or data / "fonts")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=default_out())
    a = ap.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    manifest_path = a.out / "fonts.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    text = characters()
    for family, pattern in FACES.items():
        manifest[family] = build(family, pattern, text, a.out, manifest)
        print(f"{family}: {manifest[family]['glyphs']} glyphs, {manifest[family]['bytes'] // 1024} KB "
              f"({manifest[family]['file']})")
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
