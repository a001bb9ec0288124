"""Financial years and quarters as English councils write them.

A financial year runs April to March and is written ``2024/25``; its quarters are ``2024/25 Q1``
(April-June) to ``2024/25 Q4`` (January-March). Inside the product periods are ISO dates; these
helpers convert between the two and accept the spellings people type (``2024-25 Q1``, ``Q1 2024/25``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_QUARTER_PATTERNS = [
    re.compile(r"^\s*(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s+Q([1-4])\s*$", re.IGNORECASE),
    re.compile(r"^\s*Q([1-4])\s+(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*$", re.IGNORECASE),
]
_YEAR_PATTERN = re.compile(r"^\s*(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*$")


class PeriodError(ValueError):
    """A period string that is not a financial year or quarter."""


@dataclass(frozen=True, order=True)
class Quarter:
    """A financial-year quarter: ``start_year`` is the calendar year in which the financial year starts."""

    start_year: int
    number: int

    @property
    def label(self) -> str:
        return f"{fy_label(self.start_year)} Q{self.number}"

    @property
    def fy(self) -> str:
        return fy_label(self.start_year)

    @property
    def start(self) -> date:
        month = 4 + 3 * (self.number - 1)
        return date(self.start_year + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.start_year + (self.number == 4), self.number % 4 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.start_year - (self.number == 1), (self.number - 2) % 4 + 1)

    def plus(self, quarters: int) -> Quarter:
        index = self.start_year * 4 + self.number - 1 + quarters
        return Quarter(index // 4, index % 4 + 1)

    def minus(self, other: Quarter) -> int:
        """Number of quarters from ``other`` to this quarter."""
        return (self.start_year * 4 + self.number) - (other.start_year * 4 + other.number)

    def __str__(self) -> str:
        return self.label


def fy_label(start_year: int) -> str:
    """``2024`` -> ``2024/25``."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def _check_year_pair(first: int, second: str, text: str) -> None:
    expected = (first + 1) % 100 if len(second) == 2 else first + 1
    if int(second) != expected:
        raise PeriodError(f"'{text}' is not a financial year: the second year should follow the first")


def parse_quarter(text: str) -> Quarter:
    """Parse ``2024/25 Q1``, ``2024-25 Q1`` or ``Q1 2024/25`` (case-insensitive) into a Quarter."""
    if not isinstance(text, str):
        raise PeriodError(f"{text!r} is not a quarter like '2024/25 Q1'")
    match = _QUARTER_PATTERNS[0].match(text)
    if match:
        year, second, number = match.groups()
    else:
        match = _QUARTER_PATTERNS[1].match(text)
        if not match:
            raise PeriodError(f"'{text}' is not a quarter like '2024/25 Q1'")
        number, year, second = match.groups()
    _check_year_pair(int(year), second, text)
    return Quarter(int(year), int(number))


def canonical_quarter(text: str) -> str:
    """The canonical spelling of a quarter string (``Q1 2024-25`` -> ``2024/25 Q1``)."""
    return parse_quarter(text).label


def parse_fy(text: str) -> int:
    """Parse ``2024/25``, ``2024-25`` or ``2024-2025`` and return the starting calendar year."""
    match = _YEAR_PATTERN.match(text or "")
    if not match:
        raise PeriodError(f"'{text}' is not a financial year like '2024/25'")
    year, second = match.groups()
    _check_year_pair(int(year), second, text)
    return int(year)


def quarter_of(day: date) -> Quarter:
    """The financial quarter containing a date."""
    start_year = day.year if day.month >= 4 else day.year - 1
    return Quarter(start_year, (day.month - 4) % 12 // 3 + 1)


def quarters_between(first: Quarter, last: Quarter) -> list[Quarter]:
    """All quarters from ``first`` to ``last`` inclusive."""
    return [first.plus(i) for i in range(last.minus(first) + 1)]
