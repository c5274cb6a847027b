#!/usr/bin/env bash
# Install the Debian packages Casebook needs for PDFs, when missing: HarfBuzz subsetting (without it
# WeasyPrint subsets CJK fonts in pure Python, ~70x slower), a CJK font, and poppler-utils (pdftotext
# for the document tests). Installs as root with apt-get; otherwise says exactly what to install.
set -u
need=()
for p in libharfbuzz-subset0 fonts-noto-cjk poppler-utils; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
[ ${#need[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "缺少系统软件包：${need[*]}。本机没有 apt-get，请用系统的包管理器安装对应软件包（HarfBuzz subset 库、Noto CJK 字体、poppler-utils）。" >&2
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "缺少系统软件包：${need[*]}。请以 root 运行：apt-get install -y ${need[*]}" >&2
  exit 0
fi
echo "安装系统软件包：${need[*]}"
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null \
  || echo "安装 ${need[*]} 失败，请手动安装。" >&2
