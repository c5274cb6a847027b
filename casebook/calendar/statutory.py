"""Provisional rest days of a year whose 国务院办公厅 notice is not loaded yet.

全国年节及纪念日放假办法 (2024 修订, 2025-01-01 施行) fixes the public holidays themselves:
- 第二条: 元旦 1 day (1月1日); 春节 4 days (农历除夕、正月初一至初三); 清明节 1 day (清明当日);
  劳动节 2 days (5月1日、2日); 端午节 1 day (农历端午当日); 中秋节 1 day (农历中秋当日);
  国庆节 3 days (10月1日至3日).
- 第六条: a holiday that falls on a Saturday or Sunday is made up on a working day (补假).

What the law does not fix is the 调休: which weekend days become make-up workdays and which weekdays are
bridged. Only the yearly notice says that, so a year computed here is a provisional base — weekends, the
statutory days and their 补假 — and never claims to be exact.

The lunar dates (春节、端午、中秋) and 清明 come from ``holidays.China`` (python-holidays), which computes
them and the 第六条 补假 from the law; its entries that come from a published notice's 调休
(「休息日（由 … 调休）」) are left out, so a newer release carrying a notice cannot half-apply it here.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import holidays

__all__ = ["PROVISIONAL_NOTE", "provisional_note", "statutory_rest_days"]

PROVISIONAL_NOTE = "待国务院公布{year}年节假日安排后确认"


def provisional_note(year: int) -> str:
    """The Chinese note shown next to a due date counted on a provisional year."""
    return PROVISIONAL_NOTE.format(year=year)


@cache
def statutory_rest_days(year: int) -> dict[date, str]:
    """Return the statutory holidays of a year and their 补假 (第六条), date → name in Chinese."""
    if not 1950 <= year <= 2100:
        raise ValueError(f"年份超出可计算范围：{year}")
    table = holidays.China(years=year, language="zh_CN", observed=True)
    return {d: name for d, name in sorted(table.items()) if "调休" not in name and d.year == year}
