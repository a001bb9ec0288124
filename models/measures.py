"""Headline measures: latest value, target, change on a year before, RAG, SPC signal and a trajectory.

A committee tile needs the same handful of judgements for every measure; computing them in one place
keeps the Overview, the themed pages and the committee pack consistent. Pure functions on a quarterly
series (oldest first); no Streamlit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from models.periods import parse_quarter
from models.spc import SpcResult, change_positions, spc_chart


@dataclass(frozen=True)
class MeasureSpec:
    """What a measure is and how to judge it."""

    key: str
    name: str
    unit: str  # "percent", "count", "hours", "gbp"
    higher_is_better: bool | None
    target: float | None = None
    amber_tolerance: float | None = None
    target_by: str | None = None  # quarter by which the target should be met, if it has a date
    change_points: tuple[str, ...] = ()  # first periods of new SPC periods (known changes in the process)


@dataclass(frozen=True)
class Assessment:
    spec: MeasureSpec
    period: str
    value: float | None
    year_before: float | None
    change_on_year: float | None
    rag: str | None
    spc: SpcResult
    target_reached_in: str | None  # at the last four quarters' rate; None if not on course or no target


def rag_rating(
    value: float | None, target: float | None, higher_is_better: bool | None, amber_tolerance: float | None
) -> str | None:
    """Green when the target is met, amber within the tolerance of it, red otherwise."""
    if value is None or target is None or higher_is_better is None:
        return None
    shortfall = (target - value) if higher_is_better else (value - target)
    if shortfall <= 0:
        return "green"
    if amber_tolerance is not None and shortfall <= amber_tolerance:
        return "amber"
    return "red"


def _finite(value: float | None) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def trajectory(
    values: list[float | None], period: str, target: float | None, higher_is_better: bool | None
) -> tuple[int | None, str | None]:
    """Quarters until the target is reached at the average change of the last four quarters.

    Returns (0, period) if already met, (None, None) if the recent trend points away from the target
    or there is too little history.
    """
    if target is None or higher_is_better is None or len(values) < 5:
        return None, None
    latest, four_before = _finite(values[-1]), _finite(values[-5])
    if latest is None or four_before is None:
        return None, None
    gap = (target - latest) if higher_is_better else (latest - target)
    if gap <= 0:
        return 0, period
    rate = (latest - four_before) / 4
    towards = rate if higher_is_better else -rate
    if towards <= 0:
        return None, None
    quarters = math.ceil(gap / towards - 1e-9)
    return quarters, parse_quarter(period).plus(quarters).label


def assess(spec: MeasureSpec, periods: list[str], values: list[float | None]) -> Assessment:
    """Judge the latest quarter of a measure's quarterly series."""
    if not periods:
        raise ValueError(f"{spec.name}: no data")
    latest = _finite(values[-1])
    year_before = _finite(values[-5]) if len(values) >= 5 else None
    change = None if latest is None or year_before is None else latest - year_before
    _, reached = trajectory(values, periods[-1], spec.target, spec.higher_is_better)
    return Assessment(
        spec=spec,
        period=periods[-1],
        value=latest,
        year_before=year_before,
        change_on_year=change,
        rag=rag_rating(latest, spec.target, spec.higher_is_better, spec.amber_tolerance),
        spc=spc_chart(
            values,
            spec.higher_is_better,
            target=spec.target,
            change_points=change_positions(periods, spec.change_points),
        ),
        target_reached_in=reached,
    )


def net_new_needed(dp_now: int, clients_now: int, target_pct: float, quarters_left: int) -> tuple[int, float | None]:
    """People who would need to start a DP (net) to reach the target share, in total and per quarter.

    Assumes the number of people in long-term community support stays as it is now.
    """
    needed_total = max(0, math.ceil(target_pct / 100 * clients_now - dp_now - 1e-9))
    per_quarter = needed_total / quarters_left if quarters_left > 0 else None
    return needed_total, per_quarter
