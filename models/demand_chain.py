"""Demand has one answer: the forecast for the near quarters, population-driven beyond, one chain per district.

The Demand page used to give three figures for the same thing (the county forecast a year ahead, the
population projection scaled from today's count, and the scenario baseline). This module is the one place
the path of people in long-term community support is made; the forecast tab, the population-driven tab, the
scenario engine (:mod:`models.scenarios`) and the committee pack all read it.

Per district, quarter ``h`` after the base quarter (``h = 0`` is the recorded count):

* ``1 <= h <= H`` (the forecast horizon): the chosen forecast's mean. Quarter ``H`` is *the joint*.
* ``h > H``: the joint's value scaled by population-driven demand,
  ``joint x index(h) / index(joint)``, where ``index`` is :func:`models.population_projection.demand_index`:
  the end of financial year ``Y/Y+1`` takes the projection for calendar year ``Y`` (as the scenarios always
  have), and quarters between year ends step in straight lines. With the "no growth" variant it stays flat.

Uncertainty is a relative spread ``s`` (one standard deviation on the log scale): inside the forecast it is the
forecast's own, read from its 80% interval; beyond the joint it keeps growing rather than collapsing or jumping,

    s(h) = sqrt(s(H)^2 x h / H + (drift / 100)^2 x (h - H) / 4)

(the forecast's error continued like a random walk's, plus a drift a year for what no forecast sees: changes in
need, eligibility or policy). Ranges are ``mean x exp(+/- z s)``. The county is the sum of its districts, bounds
included: one demand shock moves every district together (the scenario engine's cautious assumption), and sums
of comonotone quantities have quantiles that add.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl
from scipy import stats

from models.periods import Quarter, parse_quarter

if TYPE_CHECKING:  # the engine imports this module; the state it reads is declared there
    from models.scenarios import BaseState

Z = {80: float(stats.norm.ppf(0.9)), 95: float(stats.norm.ppf(0.975))}
SOURCES = ("recorded", "forecast", "population")


def forecast_horizon(base: BaseState) -> int:
    """Quarters the people forecast covers (0 when no district has one)."""
    mean, _ = base.forecast.get("people_supported", (np.zeros((len(base.codes), 0)),) * 2)
    return int(mean.shape[1])


def _growth(base: BaseState, periods: list[Quarter], variant: str) -> np.ndarray:
    """(L, len(periods)) population-driven demand index at each quarter's end, held flat beyond the projection.

    A financial year ``Y/Y+1`` ends on the projection for calendar year ``Y`` (as the scenarios read it); the
    quarters inside it step in straight lines from the year before, so the path has no annual staircase.
    """
    if variant == "no_growth":
        return np.ones((len(base.codes), len(periods)))
    where = np.array([p.start_year - 1 + p.number / 4 for p in periods])
    years = np.array(base.index_years, dtype=float)
    return np.array([np.interp(where, years, row) for row in base.demand_index])


def people_path(
    base: BaseState, quarters: int, drift_pct: float, variant: str = "projection"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each district's chain for quarters ``0..quarters`` after the base quarter.

    Parameters
    ----------
    base : BaseState
        Today's counts, the chosen forecasts (mean and relative spread) and the demand index.
    quarters : int
        How many quarters after the base quarter to run.
    drift_pct : float
        Extra uncertainty a year after the joint (the ``uncertainty_drift_pct`` lever).
    variant : {"projection", "no_growth"}
        Population-driven growth after the joint, or none.

    Returns
    -------
    mean, spread : numpy.ndarray
        (L, quarters + 1) central value and relative spread; column 0 is the recorded count (spread 0).
    joint : numpy.ndarray
        (L,) the last quarter taken from the forecast: 0 where a district has no forecast.
    """
    start = parse_quarter(base.base_period)
    h = np.arange(quarters + 1)
    periods = [start.plus(int(q)) for q in h]
    forecast_mean, forecast_spread = base.forecast.get("people_supported", (np.full((len(base.codes), 0), np.nan),) * 2)
    horizon = min(forecast_mean.shape[1], quarters)
    mean = np.full((len(base.codes), quarters + 1), np.nan)
    spread = np.zeros_like(mean)
    mean[:, 0] = base.people
    mean[:, 1 : horizon + 1] = forecast_mean[:, :horizon]
    spread[:, 1 : horizon + 1] = np.nan_to_num(forecast_spread[:, :horizon])
    usable = np.isfinite(mean)
    usable[:, 0] = True
    # The joint: the last forecast quarter before any gap (a district without a forecast joins at h = 0).
    joint = np.where(usable.all(axis=1), quarters, np.argmin(usable, axis=1) - 1)
    joint = np.minimum(joint, horizon)
    growth = _growth(base, periods, variant)
    at_joint = np.take_along_axis(mean, joint[:, None], axis=1)
    growth_joint = np.take_along_axis(growth, joint[:, None], axis=1)
    carried = at_joint * growth / np.where(growth_joint > 0, growth_joint, 1.0)
    after = h[None, :] > joint[:, None]
    mean = np.where(after, carried, mean)
    edge = np.take_along_axis(spread, joint[:, None], axis=1)
    safe_joint = np.maximum(joint, 1)[:, None]
    beyond = np.sqrt(
        edge**2 * h[None, :] / safe_joint + (drift_pct / 100) ** 2 * np.maximum(h[None, :] - joint[:, None], 0) / 4
    )
    spread = np.where(after, beyond, spread)
    return mean, spread, joint


def chain_frame(base: BaseState, quarters: int, drift_pct: float, variant: str = "projection") -> pl.DataFrame:
    """The chain as a long table for every district and the county (the sum of its districts).

    Parameters
    ----------
    base, quarters, drift_pct, variant
        As :func:`people_path`.

    Returns
    -------
    polars.DataFrame
        ``locality_code, h, period, year_start, source ('recorded' | 'forecast' | 'population'), mean, lo_80,
        hi_80, lo_95, hi_95, joint_period``: one row per area and quarter.
    """
    mean, spread, joint = people_path(base, quarters, drift_pct, variant)
    start = parse_quarter(base.base_period)
    h = np.arange(quarters + 1)
    periods = [start.plus(int(q)) for q in h]
    bounds = {
        f"{side}_{level}": mean * np.exp(sign * Z[level] * spread)
        for level in Z
        for side, sign in (("lo", -1), ("hi", 1))
    }
    rows = []
    codes = list(base.codes)
    for i, code in enumerate(codes):
        rows.append(_area_rows(code, h, periods, mean[i], {k: v[i] for k, v in bounds.items()}, int(joint[i])))
    # The county: districts added quarter by quarter, bounds too (one demand shock moves them together).
    # Its joint is the districts' forecasts' end: a part with no forecast (people not placed in a district) follows
    # the population from today and does not move it.
    forecasted = joint[joint > 0]
    county_joint = int(forecasted.min()) if forecasted.size else 0
    county_bounds = {k: v.sum(axis=0) for k, v in bounds.items()}
    rows.append(_area_rows(base.county_code, h, periods, mean.sum(axis=0), county_bounds, county_joint))
    return pl.concat(rows)


def _area_rows(code: str, h: np.ndarray, periods: list, mean: np.ndarray, bounds: dict, joint: int) -> pl.DataFrame:
    source = np.where(h == 0, "recorded", np.where(h <= joint, "forecast", "population"))
    return pl.DataFrame(
        {
            "locality_code": [code] * len(h),
            "h": h,
            "period": [p.label for p in periods],
            "year_start": [p.start_year for p in periods],
            "source": source,
            "mean": mean,
            **bounds,
            "joint_period": [periods[joint].label] * len(h),
        }
    )
