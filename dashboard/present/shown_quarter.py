"""The quarter whose figures stand for the one chosen, and the sentence saying so.

The picker can offer a quarter that has no figures yet for people in long-term community support, or for Personal
Assistants: the provider KPI returns for it came in before the Client Level Data return, a partial return replaced
the one that had them, or the activity file or PA register loaded was taken before it ended. A page then shows the
latest quarter before it that has figures, and says so in these words: direct payments (the page, the Overview and
the pack), today's demand on the Demand page, and the workforce (the page and the pack).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from models.periods import parse_quarter

NO_ONE_IN_SUPPORT = "no file loaded has anyone in long-term community support at its end"


@dataclass(frozen=True)
class ShownQuarter:
    """The quarter whose figures stand for the one chosen, and the sentence saying so."""

    shown: str | None  # the chosen quarter, or the latest before it with figures; None: no quarter up to it has any
    note: str  # '' when ``shown`` is the chosen quarter


def shown_quarter(with_figures: pl.DataFrame, period: str, what: str, why: str = NO_ONE_IN_SUPPORT) -> ShownQuarter:
    """The chosen ``period``, or the latest quarter before it among ``with_figures`` (``period`` and
    ``quarter_end`` columns, any number of rows per quarter). ``what`` names the figures ('direct payment figures'),
    ``why`` says why a quarter has none."""
    loaded = with_figures.filter(pl.col("quarter_end") <= parse_quarter(period).end).sort("quarter_end")
    if loaded.is_empty():
        return ShownQuarter(None, f"No {what} are loaded for {period} or any quarter before it.")
    shown = loaded["period"][-1]
    if shown == period:
        return ShownQuarter(period, "")
    return ShownQuarter(
        shown,
        f"No {what} for {period} are loaded yet: {why}. The figures shown are for {shown}, the latest "
        "quarter that has them.",
    )
