"""Start-up checks: fail loudly when the PDF stack would be slow or wrong (the README's performance table)."""

from __future__ import annotations

import ctypes.util
import shutil
import subprocess
import sys

from casebook.config import Settings


def environment_problems() -> list[str]:
    """Return what is missing for fast, correct CJK PDFs; an empty list means all is well."""
    try:
        from casebook.documents.render import check_environment
    except ImportError:
        check_environment = None
    if check_environment is not None:
        return check_environment()
    problems = []
    if not (ctypes.util.find_library("harfbuzz-subset")):
        problems.append("缺少 HarfBuzz 字体子集库，PDF 生成将慢约70倍：请安装 Debian 软件包 libharfbuzz-subset0")
    fc = shutil.which("fc-list")
    out = subprocess.run([fc, ":lang=zh"], capture_output=True, text=True).stdout if fc else ""
    if not out.strip():
        problems.append("未找到中文字体：请安装 Debian 软件包 fonts-noto-cjk")
    return problems


def check_or_exit(settings: Settings) -> None:
    problems = environment_problems()
    if problems:
        for p in problems:
            print(f"启动检查失败：{p}", file=sys.stderr)
        sys.exit(3)
