"""The one path of demand (people in long-term community support) every Demand tab and the pack read.

:mod:`models.demand_chain` makes it: the forecast for the near quarters, population-driven beyond. Here it is
read for one area and put in words once; the Forecasts tab draws it, the Population-driven tab takes its
year-end figures, and the scenario baseline is the same path by construction (the engine reads the chain too).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from dashboard import scenario_store
from dashboard.formatting import count
from dashboard.present.blocks import Paragraph
from dashboard.present.disclosure import Disclosure
from dashboard.queries import Warehouse
from models.demand_chain import chain_frame
from models.periods import Quarter, fy_label, parse_quarter

SCENARIO_YEARS = 10  # as the scenario engine runs


@dataclass(frozen=True)
class DemandPath:
    """One area's chain from the latest quarter loaded to the end of the population projection."""

    rows: pl.DataFrame  # h, period, year_start, source, mean, lo_80, hi_80, lo_95, hi_95
    base_period: str
    joint_period: str  # the forecast's last quarter: population-driven after it
    scenario_end: int  # first calendar year of the scenarios' last financial year
    small: bool  # today's count is small: no figure of this path is shown
    sentence: Paragraph

    def at(self, period: str) -> dict:
        return self.rows.filter(pl.col("period") == period).row(0, named=True)

    def year_end(self, start_year: int) -> dict:
        """The path at the end of financial year ``start_year``/``+1`` (today's count for the base year)."""
        if start_year <= parse_quarter(self.base_period).start_year:
            return self.rows.row(0, named=True)
        return self.at(f"{fy_label(start_year)} Q4")

    @property
    def joint(self) -> dict:
        return self.at(self.joint_period)

    def until(self, start_year: int) -> pl.DataFrame:
        """The path's quarters after today up to the end of financial year ``start_year``."""
        return self.rows.filter((pl.col("h") >= 1) & (pl.col("year_start") <= start_year))


def demand_path(wh: Warehouse, code: str, area: str) -> DemandPath:
    """The chain for ``code`` with its baseline sentence, shown the same on the Forecasts, Population-driven and
    Scenario tabs (and in the pack)."""
    base = scenario_store.current_base(wh)
    start = parse_quarter(base.base_period)
    last_year = max(base.index_years[-1], start.start_year + SCENARIO_YEARS)
    quarters = Quarter(last_year, 4).minus(start)
    levers = base.defaults
    frame = chain_frame(base, quarters, levers.uncertainty_drift_pct, levers.population_variant)
    rows = frame.filter(pl.col("locality_code") == code)
    if rows.is_empty():  # an area the engine does not hold: nothing but today's figure is known
        rows = frame.filter(pl.col("locality_code") == base.county_code).head(0)
    disclosure = Disclosure(wh.settings.suppression_threshold)
    small = rows.is_empty() or disclosure.is_small(rows["mean"][0])
    joint_period = rows["joint_period"][0] if rows.height else base.base_period
    path = DemandPath(rows, base.base_period, joint_period, start.start_year + SCENARIO_YEARS, small, Paragraph(""))
    return replace(path, sentence=Paragraph(_sentence(path, area, disclosure)))


def _sentence(path: DemandPath, area: str, disclosure: Disclosure) -> str:
    if path.rows.is_empty():
        return f"No demand path is available for {area}."
    if path.small:
        return f"Too few people in {area} today to show a demand path without giving small numbers away."
    joint = path.joint
    later = [y for y in (2031, path.scenario_end) if fy_label(y) + " Q4" in set(path.rows["period"])]
    beyond = " and ".join(
        f"about {count(row['mean'])} by the end of {fy_label(y)} (80% range {count(row['lo_80'])} to "
        f"{count(row['hi_80'])})"
        for y in dict.fromkeys(later)
        for row in [path.year_end(y)]
    )
    how = (
        f"the forecast to {path.joint_period} (about {count(joint['mean'])} people in long-term community support), "
        if joint["source"] == "forecast"
        else "today's count (there is no forecast for it), "
    )
    return (
        f"Demand path for {area}, the same on every tab and the scenario baseline: {how}then growing with the "
        f"population-driven projection: {beyond}. Ranges widen steadily after the forecast ends; they do not restart."
        if beyond
        else f"Demand path for {area}: {how.rstrip(', ')}."
    )
