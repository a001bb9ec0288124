"""Statistical process control: NHS England "Making Data Count" XmR charts.

An XmR (individuals and moving range) chart separates common-cause variation from
special-cause signals. The centre line is the mean of a baseline period and the process
limits are ``centre +/- 2.66 x mean moving range``. Four rules find special causes:

``beyond_limits``
    a point strictly above the upper or below the lower process limit;
``run``
    ``run_length`` (default 7) or more consecutive points on one side of the centre line;
``trend``
    ``trend_length`` (default 7) or more consecutive points each strictly higher (or each
    strictly lower) than the one before;
``two_of_three``
    two or three of three consecutive points strictly beyond 2 sigma on the same side.

Conventions chosen here (and tested):

- Missing values (``None``/NaN) are skipped when computing the limits and the rules, so
  rules look at consecutive *observed* points, but the rows stay in the output with a
  null value and a null variation.
- Points exactly on the centre line neither extend nor break a run (the run-chart
  convention Making Data Count follows). NHSRplotthedots treats them as breaking a run.
- Equal consecutive values break a trend.
- When one point is flagged by rules pointing different ways, the side comes from the
  strongest evidence: beyond_limits, then two_of_three, then run, then trend. A trend's
  side is its direction (rising = high), not its position relative to the mean.
- Assurance needs the limit to be strictly beyond the target; a target exactly on a
  limit counts as ``"hit_and_miss"``.
- Moving ranges above 3.267 x the mean moving range (the upper limit of the moving-range
  chart) are screened out and the mean recomputed before the limits are set, as
  NHSRplotthedots' ``screen_outliers`` does: one extreme jump should not widen the limits.
- Known change points (a contract start, a new provider, a series break) split the series
  into periods; each period gets its own baseline, limits and rules, and no run or trend
  crosses a change point. The headline judgement reads the latest period.
- A period of fewer than 12 observed points gives ``"too_few_points"`` instead of an
  assurance verdict: limits from so few points are not a sound basis for one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

# Shewhart constants for individuals charts: d2 = 1.128 for moving ranges of two, and
# 2.66 ~= 3 / 1.128, the multiplier Making Data Count publishes for the process limits.
D2 = 1.128
LIMIT_MULTIPLIER = 2.66
# Upper limit of the moving-range chart: D4 = 3.267 for moving ranges of two.
MR_SCREEN_MULTIPLIER = 3.267
MIN_POINTS_FOR_ASSURANCE = 12
MIN_DEFAULT_BASELINE = 12
MAX_DEFAULT_BASELINE = 20

# Rule order doubles as precedence when rules disagree on a point's side.
RULES = ("beyond_limits", "two_of_three", "run", "trend")
SIDE_NAMES = {1: "high", -1: "low"}


@dataclass(frozen=True)
class XmrLimits:
    """Centre line, sigma lines and process limits of an XmR chart (NaN when not computable)."""

    centre: float
    mr_bar: float
    sigma: float
    lower: float
    upper: float
    lower_1sigma: float
    upper_1sigma: float
    lower_2sigma: float
    upper_2sigma: float
    baseline_points: int
    screened_ranges: int = 0  # moving ranges left out of mr_bar as above 3.267 x their mean


@dataclass(frozen=True)
class SpcResult:
    """An assessed XmR chart: one row per point plus the headline icons for the latest point."""

    table: pl.DataFrame
    limits: XmrLimits  # the latest period's
    variation: str | None
    side: str | None
    assurance: str | None
    periods: tuple[XmrLimits, ...] = ()  # every period's limits, oldest first (one without change points)
    points_in_period: int = 0  # observed points in the latest period

    @property
    def latest_rules(self) -> list[str]:
        """The rules that flagged the latest observed point (empty when none did)."""
        observed = self.table.filter(pl.col("value").is_not_null())
        return [r for r in observed["rule"][-1].split(",") if r] if observed.height else []


def _as_float_array(values: Sequence[float | None] | np.ndarray | pl.Series) -> np.ndarray:
    # Iterating turns polars nulls and Python Nones alike into NaN, the one missing marker used below.
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _default_baseline(observed: int) -> int:
    return observed if observed < MIN_DEFAULT_BASELINE else min(observed, MAX_DEFAULT_BASELINE)


def screened_mr_bar(moving_ranges: np.ndarray) -> tuple[float, int]:
    """Mean moving range after leaving out ranges above 3.267 x the mean of them all.

    Returns the screened mean and how many ranges were left out. One pass, as NHSRplotthedots does.
    """
    if len(moving_ranges) == 0:
        return float("nan"), 0
    threshold = MR_SCREEN_MULTIPLIER * moving_ranges.mean()
    kept = moving_ranges[moving_ranges <= threshold]
    return float(kept.mean()), len(moving_ranges) - len(kept)


def xmr_limits(
    values: Sequence[float | None] | np.ndarray | pl.Series,
    baseline_points: int | None = None,
    screen_moving_ranges: bool = True,
) -> XmrLimits:
    """Compute XmR centre line, sigma lines and process limits from a baseline period.

    Parameters
    ----------
    values : sequence of float, numpy array or polars Series
        The measure in time order. Missing values are skipped.
    baseline_points : int, optional
        How many of the first observed points form the baseline (12 to 20 is recommended).
        Defaults to all points when fewer than 12 are observed, otherwise the first 20 (or all,
        if fewer). A baseline longer than the series uses the whole series.
    screen_moving_ranges : bool, default True
        Leave moving ranges above 3.267 x their mean out of ``mr_bar`` (see :func:`screened_mr_bar`).

    Returns
    -------
    XmrLimits
        ``centre`` is the baseline mean, ``mr_bar`` the mean moving range of the baseline,
        ``sigma = mr_bar / 1.128`` and ``lower``/``upper = centre -/+ 2.66 * mr_bar``.
        Every field is NaN when fewer than two points are observed.

    Raises
    ------
    ValueError
        If ``baseline_points`` is below 2.
    """
    if baseline_points is not None and baseline_points < 2:
        raise ValueError(f"baseline_points must be at least 2, got {baseline_points}")
    observed = _as_float_array(values)
    observed = observed[~np.isnan(observed)]
    if len(observed) < 2:
        nan = float("nan")
        return XmrLimits(nan, nan, nan, nan, nan, nan, nan, nan, nan, baseline_points=len(observed))
    n_base = _default_baseline(len(observed)) if baseline_points is None else baseline_points
    baseline = observed[: min(n_base, len(observed))]
    centre = float(baseline.mean())
    moving_ranges = np.abs(np.diff(baseline))
    mr_bar, screened = screened_mr_bar(moving_ranges) if screen_moving_ranges else (float(moving_ranges.mean()), 0)
    sigma = mr_bar / D2
    return XmrLimits(
        centre=centre,
        mr_bar=mr_bar,
        sigma=sigma,
        lower=centre - LIMIT_MULTIPLIER * mr_bar,
        upper=centre + LIMIT_MULTIPLIER * mr_bar,
        lower_1sigma=centre - sigma,
        upper_1sigma=centre + sigma,
        lower_2sigma=centre - 2 * sigma,
        upper_2sigma=centre + 2 * sigma,
        baseline_points=len(baseline),
        screened_ranges=screened,
    )


def _flag_streaks(signs: np.ndarray, min_length: int) -> np.ndarray:
    """Sign (+1/-1) of every element belonging to a streak of ``min_length`` equal non-zero signs."""
    flags = np.zeros(len(signs), dtype=int)
    start = 0
    for end in range(1, len(signs) + 1):
        if end == len(signs) or signs[end] != signs[start]:
            if signs[start] != 0 and end - start >= min_length:
                flags[start:end] = signs[start]
            start = end
    return flags


def _rule_sides(y: np.ndarray, limits: XmrLimits, run_length: int, trend_length: int) -> dict[str, np.ndarray]:
    """Side (+1 high, -1 low, 0 none) each rule assigns to each observed point."""
    beyond = np.where(y > limits.upper, 1, np.where(y < limits.lower, -1, 0))

    beyond_2sigma = np.where(y > limits.upper_2sigma, 1, np.where(y < limits.lower_2sigma, -1, 0))
    two_of_three = np.zeros(len(y), dtype=int)
    for start in range(len(y) - 2):
        window = beyond_2sigma[start : start + 3]
        for side in (1, -1):
            if np.count_nonzero(window == side) >= 2:
                # Only the points beyond 2 sigma are flagged, not the third point of the window.
                two_of_three[start : start + 3][window == side] = side

    # Points on the centre line are dropped before looking for runs so they neither extend nor break one.
    side_of_centre = np.sign(y - limits.centre).astype(int)
    off_centre = np.flatnonzero(side_of_centre != 0)
    run = np.zeros(len(y), dtype=int)
    run[off_centre] = _flag_streaks(side_of_centre[off_centre], run_length)

    # A trend of k points is k - 1 steps in the same direction; each step's sign marks both its points.
    steps = _flag_streaks(np.sign(np.diff(y)).astype(int), trend_length - 1)
    trend = np.zeros(len(y), dtype=int)
    trend[:-1] = steps
    trend[1:] = np.where(steps != 0, steps, trend[1:])

    return {"beyond_limits": beyond, "two_of_three": two_of_three, "run": run, "trend": trend}


def assess_assurance(lower: float, upper: float, target: float | None, higher_is_better: bool | None) -> str | None:
    """Say whether the process will consistently meet a target.

    Parameters
    ----------
    lower, upper : float
        The process limits.
    target : float or None
        The target; None means no assurance is possible.
    higher_is_better : bool or None
        Direction of the measure; None (neutral measures) gives no assurance.

    Returns
    -------
    str or None
        ``"pass"`` when the whole process lies on the good side of the target, ``"fail"`` when it
        lies wholly on the bad side, ``"hit_and_miss"`` when the target is within the limits
        (inclusive), None without a target, a direction or finite limits.
    """
    if target is None or higher_is_better is None or not (np.isfinite(lower) and np.isfinite(upper)):
        return None
    if lower > target:
        return "pass" if higher_is_better else "fail"
    if upper < target:
        return "fail" if higher_is_better else "pass"
    return "hit_and_miss"


def _variation(side: int, higher_is_better: bool | None) -> str:
    if side == 0:
        return "common_cause"
    if higher_is_better is None:
        return "neutral"
    return "improvement" if (side > 0) == higher_is_better else "concern"


def _assess_period(
    y: np.ndarray, baseline_points: int | None, run_length: int, trend_length: int, screen: bool
) -> tuple[XmrLimits, np.ndarray, list[list[str]]]:
    """Limits, side (+1/-1/0) and rules hit for each point of one period (NaN values skipped)."""
    limits = xmr_limits(y, baseline_points, screen)
    observed_at = np.flatnonzero(~np.isnan(y))
    rules_hit: list[list[str]] = [[] for _ in range(len(y))]
    side = np.zeros(len(y), dtype=int)
    if np.isfinite(limits.centre):
        sides = _rule_sides(y[observed_at], limits, run_length, trend_length)
        # Lowest-precedence rule first so stronger rules overwrite the side.
        for rule in reversed(RULES):
            flagged = sides[rule] != 0
            side[observed_at[flagged]] = sides[rule][flagged]
        for rule in ("beyond_limits", "run", "trend", "two_of_three"):
            for position in observed_at[sides[rule] != 0]:
                rules_hit[position].append(rule)
    return limits, side, rules_hit


def change_positions(periods: Sequence[str], starts: Sequence[str]) -> list[int]:
    """Positions in ``periods`` where each change point's new period begins.

    Period labels (``2023/24 Q3``, ``2024/25``) sort in time order as text, so a change point falls on the
    first period at or after it; one at or before the first period, or after the last, changes nothing.
    """
    positions = set()
    for start in starts:
        at = next((i for i, p in enumerate(periods) if p >= start), None)
        if at:  # neither None (after the series) nor 0 (before or at its start)
            positions.add(at)
    return sorted(positions)


def _period_starts(n: int, change_points: Sequence[int]) -> list[int]:
    starts = sorted({int(c) for c in change_points})
    for c in starts:
        if not 0 <= c < n:
            raise ValueError(f"change point {c} is outside the series of {n} points")
    return [0] + [c for c in starts if c > 0]


def spc_chart(
    values: Sequence[float | None] | np.ndarray | pl.Series,
    higher_is_better: bool | None,
    target: float | None = None,
    baseline_points: int | None = None,
    run_length: int = 7,
    trend_length: int = 7,
    change_points: Sequence[int] = (),
    screen_moving_ranges: bool = True,
) -> SpcResult:
    """Assess a series on an XmR chart: per-point signals, latest variation and assurance.

    Parameters
    ----------
    values : sequence of float, numpy array or polars Series
        The measure in time order; missing values are kept as rows but skipped by the rules.
    higher_is_better : bool or None
        Direction of improvement; None labels every signal ``"neutral"``.
    target : float, optional
        Carried into the ``target`` column for charting, and used for assurance.
    baseline_points : int, optional
        Baseline length for the centre line and limits of each period (see :func:`xmr_limits`).
    run_length : int, default 7
        Consecutive points on one side of the centre line that make a run.
    trend_length : int, default 7
        Consecutive strictly rising or strictly falling points that make a trend.
    change_points : sequence of int, default ()
        0-based positions where a new period starts (a known change in the process). Each period
        has its own baseline, limits and rules; runs and trends never cross a change point.
    screen_moving_ranges : bool, default True
        Leave moving ranges above 3.267 x their mean out of the limits (see :func:`screened_mr_bar`).

    Returns
    -------
    SpcResult
        ``table`` has one row per point: ``index`` (0-based position), ``period`` (0-based number
        of the period the point belongs to), ``value``, ``centre``,
        ``lower``, ``upper``, ``lower_1sigma``, ``upper_1sigma``, ``lower_2sigma``,
        ``upper_2sigma``, ``target`` (null values where missing or not computable), ``baseline``
        (bool, point is in its period's baseline), ``special_cause`` (bool), ``rule``
        (comma-separated rule names, "" when none), ``side`` (``"high"``/``"low"``/null) and
        ``variation`` (``"improvement"``, ``"concern"``, ``"neutral"``, ``"common_cause"``, or
        null when the value is missing or fewer than two points are observed). ``variation`` and
        ``side`` describe the latest observed point (None if there is none or it cannot be
        assessed); ``assurance`` is ``"pass"``, ``"fail"``, ``"hit_and_miss"`` or None (see
        :func:`assess_assurance`) from the latest period's limits, or ``"too_few_points"`` instead of
        a verdict when that period has fewer than 12 observed points.
    """
    for name, length in (("run_length", run_length), ("trend_length", trend_length)):
        if length < 2:
            raise ValueError(f"{name} must be at least 2, got {length}")
    y_all = _as_float_array(values)
    n = len(y_all)
    starts = _period_starts(n, change_points) if n else [0]
    bounds = list(zip(starts, [*starts[1:], n], strict=True))

    period_of = np.zeros(n, dtype=int)
    side = np.zeros(n, dtype=int)
    rules_hit: list[list[str]] = []
    baseline = np.zeros(n, dtype=bool)
    lines = {name: np.full(n, np.nan) for name in _LINE_FIELDS}
    period_limits = []
    for number, (start, end) in enumerate(bounds):
        limits, period_side, period_rules = _assess_period(
            y_all[start:end], baseline_points, run_length, trend_length, screen_moving_ranges
        )
        period_limits.append(limits)
        period_of[start:end] = number
        side[start:end] = period_side
        rules_hit.extend(period_rules)
        for name in _LINE_FIELDS:
            lines[name][start:end] = getattr(limits, name)
        observed = start + np.flatnonzero(~np.isnan(y_all[start:end]))
        if limits.baseline_points:
            baseline[start : observed[limits.baseline_points - 1] + 1] = True

    assessed = ~np.isnan(y_all) & np.isfinite(lines["centre"])
    variation = [_variation(s, higher_is_better) if ok else None for s, ok in zip(side, assessed, strict=True)]
    table = pl.DataFrame(
        {
            "index": np.arange(n),
            "period": period_of,
            "value": y_all,
            **lines,
            "target": np.full(n, np.nan if target is None else float(target)),
            "baseline": baseline,
            "special_cause": side != 0,
            "rule": [",".join(hit) for hit in rules_hit],
            "side": [SIDE_NAMES.get(int(s)) for s in side],
            "variation": variation,
        },
        schema_overrides={
            "index": pl.Int64,
            "period": pl.Int64,
            "rule": pl.String,
            "side": pl.String,
            "variation": pl.String,
        },
        # Polars keeps NaN distinct from null; null is the missing marker charts and aggregations expect.
        nan_to_null=True,
    )

    latest_limits = period_limits[-1]
    start = bounds[-1][0]
    points_in_period = int(np.count_nonzero(~np.isnan(y_all[start:])))
    observed_at = np.flatnonzero(~np.isnan(y_all))
    latest = observed_at[-1] if len(observed_at) else None
    assurance = assess_assurance(latest_limits.lower, latest_limits.upper, target, higher_is_better)
    if assurance is not None and points_in_period < MIN_POINTS_FOR_ASSURANCE:
        assurance = "too_few_points"
    return SpcResult(
        table=table,
        limits=latest_limits,
        variation=None if latest is None else variation[latest],
        side=None if latest is None else SIDE_NAMES.get(int(side[latest])),
        assurance=assurance,
        periods=tuple(period_limits),
        points_in_period=points_in_period,
    )


_LINE_FIELDS = (
    "centre",
    "lower",
    "upper",
    "lower_1sigma",
    "upper_1sigma",
    "lower_2sigma",
    "upper_2sigma",
)
