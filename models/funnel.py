"""Funnel plots for comparing units (localities, providers) on a proportion.

Each unit's proportion is plotted against its denominator, with control limits around a
benchmark ``p0`` that narrow as the denominator grows:
``p0 +/- z * sqrt(p0 (1 - p0) / n)`` at 95% (z = 1.96) and 99.8% (z = 3.09), clipped to
[0, 1]. The normal approximation is used throughout, as the design asks; for very small
denominators exact binomial limits would be slightly wider and asymmetric.

Overdispersion follows Spiegelhalter (2005), "Handling over-dispersion of performance
indicators", Qual Saf Health Care 14:347-351: z-scores are Winsorised at the 10th and
90th percentiles, ``phi`` is the mean squared Winsorised z-score and, when ``I * phi`` exceeds
``I - 1`` for ``I`` units, an additive random-effects variance ``tau2`` widens every unit's
limits to ``p0 +/- z * sqrt(s2 + tau2)``.

Column names ``*_95`` and ``*_998`` refer to the inner and outer limits; they match the
default z values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import stats

# Two-sided 95% and 99.8% normal quantiles: 1.959964 and 3.090232.
Z_95 = float(stats.norm.ppf(0.975))
Z_998 = float(stats.norm.ppf(0.999))
WINSOR_FRACTION = 0.10
LIMIT_COLUMNS = ("lower_95", "upper_95", "lower_998", "upper_998")


@dataclass(frozen=True)
class Overdispersion:
    """Spiegelhalter overdispersion estimate: ``phi`` (1 = none) and additive variance ``tau2``."""

    phi: float
    tau2: float
    units: int


def _binomial_variance(p0: float, n: np.ndarray) -> np.ndarray:
    # n = 0 has no sampling variance to speak of; NaN keeps such units out of limits and estimates.
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, p0 * (1 - p0) / n, np.nan)


def _check_p0(p0: float) -> None:
    if not 0 <= p0 <= 1:
        raise ValueError(f"p0 must be a proportion in [0, 1], got {p0}")


def funnel_limits(
    p0: float,
    n_values: Sequence[float] | np.ndarray,
    z: tuple[float, float] = (Z_95, Z_998),
    tau2: float = 0.0,
) -> pl.DataFrame:
    """Funnel control limits around ``p0`` for each denominator.

    Parameters
    ----------
    p0 : float
        Benchmark proportion (target or pooled proportion), in [0, 1].
    n_values : sequence of float
        Denominators; a denominator of 0 gives null limits.
    z : tuple of float, default (Z_95, Z_998) = (1.959964, 3.090232)
        z values for the inner (95%) and outer (99.8%) limits.
    tau2 : float, default 0
        Additive between-unit variance from :func:`estimate_overdispersion`.

    Returns
    -------
    polars.DataFrame
        Columns ``n``, ``lower_95``, ``upper_95``, ``lower_998``, ``upper_998``, clipped to [0, 1].
    """
    _check_p0(p0)
    n = np.asarray(n_values, dtype=float)
    if np.any(n < 0):
        raise ValueError("denominators must not be negative")
    spread = np.sqrt(_binomial_variance(p0, n) + tau2)
    inner, outer = z
    limits = {
        "n": n,
        "lower_95": p0 - inner * spread,
        "upper_95": p0 + inner * spread,
        "lower_998": p0 - outer * spread,
        "upper_998": p0 + outer * spread,
    }
    return pl.DataFrame(limits, nan_to_null=True).with_columns(pl.col(LIMIT_COLUMNS).clip(0.0, 1.0))


def estimate_overdispersion(
    numerators: Sequence[float] | np.ndarray,
    denominators: Sequence[float] | np.ndarray,
    p0: float,
) -> Overdispersion:
    """Estimate overdispersion of unit proportions around ``p0`` (Spiegelhalter 2005).

    Parameters
    ----------
    numerators, denominators : sequence of float
        Counts per unit; units with a denominator of 0 are ignored.
    p0 : float
        Benchmark proportion.

    Returns
    -------
    Overdispersion
        ``phi`` is the mean squared z-score after Winsorising at the 10th and 90th percentiles
        (linear interpolation); ``tau2 = (I phi - (I - 1)) / (sum w - sum w^2 / sum w)`` with
        ``w = 1 / s^2``, or 0 when ``I phi <= I - 1``. Both are NaN when no z-score can be formed
        (no units with data, or ``p0`` of 0 or 1).
    """
    _check_p0(p0)
    x = np.asarray(numerators, dtype=float)
    n = np.asarray(denominators, dtype=float)
    has_data = n > 0
    variance = _binomial_variance(p0, n[has_data])
    units = int(has_data.sum())
    if units == 0 or not np.all(variance > 0):
        return Overdispersion(phi=float("nan"), tau2=float("nan"), units=units)
    z_scores = (x[has_data] / n[has_data] - p0) / np.sqrt(variance)
    low, high = np.percentile(z_scores, [100 * WINSOR_FRACTION, 100 * (1 - WINSOR_FRACTION)])
    # Winsorising stops a few genuine outliers inflating phi and so hiding themselves.
    phi = float(np.mean(np.clip(z_scores, low, high) ** 2))
    if units * phi <= units - 1:
        return Overdispersion(phi=phi, tau2=0.0, units=units)
    weights = 1 / variance
    tau2 = (units * phi - (units - 1)) / (weights.sum() - (weights**2).sum() / weights.sum())
    return Overdispersion(phi=phi, tau2=float(tau2), units=units)


def funnel_table(
    units: Sequence[str],
    numerators: Sequence[float] | np.ndarray,
    denominators: Sequence[float] | np.ndarray,
    target: float | None = None,
    overdispersion: bool = False,
) -> pl.DataFrame:
    """Place each unit's proportion against funnel limits for its denominator.

    Parameters
    ----------
    units : sequence of str
        Unit names (localities, providers).
    numerators, denominators : sequence of float
        Counts per unit; numerators must lie between 0 and the denominator.
    target : float, optional
        Benchmark ``p0``; defaults to the pooled proportion ``sum(numerators) / sum(denominators)``.
    overdispersion : bool, default False
        Widen the limits by Spiegelhalter's additive random-effects ``tau2``.

    Returns
    -------
    polars.DataFrame
        One row per unit: ``unit``, ``numerator``, ``denominator``, ``proportion``, ``p0``,
        ``lower_95``, ``upper_95``, ``lower_998``, ``upper_998`` and ``position``, one of
        ``"above 99.8%"``, ``"above 95%"``, ``"within"``, ``"below 95%"``, ``"below 99.8%"``
        (strictly beyond a limit; a proportion on a limit is within) or ``"no data"`` when the
        denominator is 0 (proportion and limits null).
    """
    x = np.asarray(numerators, dtype=float)
    n = np.asarray(denominators, dtype=float)
    if not len(units) == len(x) == len(n):
        raise ValueError("units, numerators and denominators must have the same length")
    if np.any(n < 0) or np.any(x < 0) or np.any(x > n):
        raise ValueError("counts must satisfy 0 <= numerator <= denominator")

    if target is not None:
        p0 = float(target)
    else:
        p0 = float(x.sum() / n.sum()) if n.sum() > 0 else float("nan")
    if np.isnan(p0):
        limits = pl.DataFrame(
            {column: [None] * len(n) for column in LIMIT_COLUMNS},
            schema=dict.fromkeys(LIMIT_COLUMNS, pl.Float64),
        )
    else:
        tau2 = estimate_overdispersion(x, n, p0).tau2 if overdispersion else 0.0
        # A NaN tau2 (p0 of 0 or 1) means overdispersion cannot be estimated, so fall back to none.
        limits = funnel_limits(p0, n, tau2=0.0 if np.isnan(tau2) else tau2).drop("n")

    with np.errstate(divide="ignore", invalid="ignore"):
        proportion = np.where(n > 0, x / n, np.nan)
    table = pl.concat(
        [
            pl.DataFrame(
                {
                    "unit": list(units),
                    "numerator": x,
                    "denominator": n,
                    "proportion": proportion,
                    "p0": np.full(len(n), p0),
                },
                nan_to_null=True,
            ),
            limits,
        ],
        how="horizontal",
    )
    p = pl.col("proportion")
    position = (
        pl.when(p.is_null() | pl.col("upper_95").is_null())
        .then(pl.lit("no data"))
        .when(p > pl.col("upper_998"))
        .then(pl.lit("above 99.8%"))
        .when(p > pl.col("upper_95"))
        .then(pl.lit("above 95%"))
        .when(p < pl.col("lower_998"))
        .then(pl.lit("below 99.8%"))
        .when(p < pl.col("lower_95"))
        .then(pl.lit("below 95%"))
        .otherwise(pl.lit("within"))
    )
    return table.with_columns(position.alias("position"))


def funnel_curve(p0: float, n_min: float, n_max: float, points: int = 100, tau2: float = 0.0) -> pl.DataFrame:
    """Funnel limit lines for drawing, from ``n_min`` to ``n_max``.

    Parameters
    ----------
    p0 : float
        Benchmark proportion.
    n_min, n_max : float
        Denominator range; ``1 <= n_min <= n_max``.
    points : int, default 100
        Number of denominators along the curve.
    tau2 : float, default 0
        Additive overdispersion variance, so the drawn funnel matches :func:`funnel_table`.

    Returns
    -------
    polars.DataFrame
        Columns as :func:`funnel_limits`. Denominators are spaced evenly on a log scale because
        the funnel bends most sharply at small ``n``.
    """
    if not 1 <= n_min <= n_max:
        raise ValueError(f"need 1 <= n_min <= n_max, got n_min={n_min}, n_max={n_max}")
    if points < 2:
        raise ValueError(f"points must be at least 2, got {points}")
    return funnel_limits(p0, np.geomspace(n_min, n_max, points), tau2=tau2)
