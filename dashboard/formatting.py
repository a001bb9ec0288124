"""Number formats as English councils print them: £ with thousands separators, one-decimal percentages,
(small counts are hidden by dashboard/present/disclosure.py)."""

from __future__ import annotations

import math


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def pct(value: float | None, decimals: int = 1) -> str:
    """19.64 -> '19.6%'."""
    return "–" if _missing(value) else f"{value:.{decimals}f}%"


def points(value: float | None) -> str:
    """A difference between two percentages: 5.21 -> '5.2 points'."""
    if _missing(value):
        return "–"
    unit = "point" if round(abs(value), 1) == 1 else "points"
    return f"{abs(value):.1f} {unit}"


def count(value: float | None) -> str:
    """4183 -> '4,183'."""
    return "–" if _missing(value) else f"{round(value):,}"


def gbp(value: float | None) -> str:
    """Money: £21.5m for millions, £154,072 below that."""
    if _missing(value):
        return "–"
    if abs(value) >= 1_000_000:
        return f"£{value / 1_000_000:,.1f}m"
    return f"£{value:,.0f}"


def signed(value: float | None, decimals: int = 1, suffix: str = "") -> str:
    """+2.3 / −1.0 with a real minus sign, for changes."""
    if _missing(value):
        return "–"
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{abs(value):,.{decimals}f}{suffix}"


def by_unit(value: float | None, unit: str) -> str:
    """Format a value in its unit: percent, count, hours, days, gbp or rate (per 100,000)."""
    match unit:
        case "percent":
            return pct(value)
        case "gbp":
            return gbp(value)
        case "days":
            return "–" if _missing(value) else f"{value:,.1f} days"
        case "hours":
            return "–" if _missing(value) else f"{value:,.0f} hours"
        case "rate":  # per 100,000 population (ASCOF's care home admissions)
            return "–" if _missing(value) else f"{value:,.1f} per 100,000"
        case _:
            return count(value)


def change_by_unit(value: float | None, unit: str) -> str:
    """A signed change in a unit: '+0.5 points', '−12', '+£1.2m'."""
    if _missing(value):
        return "–"
    if unit == "percent":
        return signed(value, 1, " points")
    if unit == "gbp":
        sign = "+" if value > 0 else ("−" if value < 0 else "±")
        return sign + gbp(abs(value))
    return signed(value, 0)


def metric_delta(text: str) -> str:
    """Streamlit reads a metric delta's sign from a leading ASCII '-': swap the typographic minus back."""
    return text.replace("−", "-")


def in_words(k: int) -> str:
    """Small whole numbers in words, as GOV.UK style writes them (and no digit reads like a suppressed count)."""
    return ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")[k] if 0 <= k < 10 else str(k)
