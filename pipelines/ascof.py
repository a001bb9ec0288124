"""NHS Digital's published ASCOF files: which year a file holds.

The annual open-data files carry no year column; the year is in the file name, written in several ways
over the years: ``meas-from-asc-of-eng-1920-open-data-csv.csv`` (2019/20), ``meas-from-asc-of-eng-2022-csv-v3.csv``
(2021/22: the calendar year in which the financial year ends), ``...-2023-24-...`` (2023/24). Compiled
files have a ``Year`` column instead, and ``asc ingest --year`` overrides both.
"""

from __future__ import annotations

import re

from models.periods import PeriodError, fy_label, parse_fy

# A financial year written out in full: 2023-24, 2023_24, 2023/24, 2023-2024.
_FULL = re.compile(r"(?<!\d)(20\d{2})[-_/ ](\d{2}|20\d{2})(?!\d)")
# Four digits on their own: 1920 (2019/20) or 2022 (the year to March 2022, so 2021/22).
_SHORT = re.compile(r"(?<!\d)(\d{2})(\d{2})(?!\d)")


def year_from_file_name(name: str) -> str | None:
    """The financial year (``2021/22``) a published ASCOF file's name gives, or None if it gives none.

    ``1920`` is read as 2019/20 (two consecutive two-digit years); any other four digits ``20YY`` as the
    calendar year in which the financial year ends, as NHS Digital names its files (``2022`` is 2021/22).
    Both readings agree where they overlap (``2021`` is 2020/21 either way).
    """
    for match in _FULL.finditer(name):
        try:
            return fy_label(parse_fy(f"{match.group(1)}-{match.group(2)}"))
        except PeriodError:
            continue
    for match in _SHORT.finditer(name):
        first, second = int(match.group(1)), int(match.group(2))
        if second == (first + 1) % 100 and 10 <= first <= 40:
            return fy_label(2000 + first)
        if first == 20 and 10 <= second <= 60:
            return fy_label(2000 + second - 1)
    return None


def canonical_year(text: str) -> str:
    """``2022-23``, ``2022/23`` or ``2022-2023`` -> ``2022/23``; raises PeriodError otherwise."""
    return fy_label(parse_fy(text.strip()))
