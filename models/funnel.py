"""Funnel plots for comparing units (localities, providers) on a proportion.

Each unit's proportion is plotted against its denominator, with control limits around a
benchmark ``p0`` that narrow as the denominator grows, at 95% (z = 1.96) and 99.8% (z = 3.09).

Limits are exact binomial quantiles by default (``method="exact"``), interpolated between the
integers as Spiegelhalter (2005), "Funnel plots for comparing institutional performance", Stat Med
24:1185-1202, suggests: for a tail probability ``q`` let ``r`` be the smallest count with
``P(R <= r) >= q`` and ``a = (P(R <= r) - q) / P(R = r)``; the limit is ``(r + 1/2 - a) / n``. Spreading
each count's probability over the interval of width 1 centred on it makes the limits symmetric where the
distribution is (p0 = 0.5) and converge on the normal ones for large n; a unit then lies beyond a limit
exactly when its mid-p exact tail probability is below the limit's tail (2.5% or 0.1%). With small
denominators the normal approximation ``p0 +/- z sqrt(p0 (1 - p0) / n)`` (kept as ``method="normal"``)
puts limits where no count can fall and moves units across them.

Overdispersion follows Spiegelhalter (2005), "Handling over-dispersion of performance
indicators", Qual Saf Health Care 14:347-351, on the arcsine scale FunnelPlotR uses for proportions:
``y = asin(sqrt(p))``, ``s = 1 / (2 sqrt(n))``, ``z = (y - asin(sqrt(p0))) / s``. The z-scores are
Winsorised at the 10th and 90th percentiles, ``phi`` is the mean squared Winsorised z-score and, when
``I * phi`` exceeds ``I - 1`` for ``I`` units, an additive random-effects variance ``tau2`` widens every
unit's limits to ``sin^2(asin(sqrt(p0)) +/- z sqrt(s^2 + tau2))``. (``scale="normal"`` keeps the
proportion scale, where ``s^2 = p0 (1 - p0) / n``.)

Rates (events per unit of exposure, e.g. missed visits per 1,000 hours) get a Poisson funnel
(:func:`rate_funnel_table`): exact Poisson limits, interpolated in the same way.

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


def _interpolated_quantile(q: float, cdf, ppf) -> np.ndarray:
    """A discrete distribution's ``q`` quantile made continuous: ``r + 1/2 - a`` (see the module docstring)."""
    r = ppf(q)
    at_r, below_r = cdf(r), cdf(r - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(at_r > below_r, (at_r - q) / (at_r - below_r), 0.5)
    return r + 0.5 - a


def exact_binomial_limits(p0: float, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper exact binomial limits (proportions) at two-sided normal-equivalent ``z``; NaN at n = 0."""
    trials = np.round(np.asarray(n, dtype=float))  # drawn curves pass non-whole denominators
    safe = np.where(trials > 0, trials, 1)
    bounds = []
    for q in (float(stats.norm.cdf(-z)), float(stats.norm.cdf(z))):
        count = _interpolated_quantile(
            q, lambda r: stats.binom.cdf(r, safe, p0), lambda p: stats.binom.ppf(p, safe, p0)
        )
        bounds.append(np.where(trials > 0, count / safe, np.nan))
    return bounds[0], bounds[1]


def _arcsine_limits(p0: float, n: np.ndarray, z: float, tau2: float) -> tuple[np.ndarray, np.ndarray]:
    theta = np.arcsin(np.sqrt(p0))
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.where(n > 0, np.sqrt(1 / (4 * n) + tau2), np.nan)
    lower = np.sin(np.clip(theta - z * spread, 0, np.pi / 2)) ** 2
    upper = np.sin(np.clip(theta + z * spread, 0, np.pi / 2)) ** 2
    return lower, upper


def funnel_limits(
    p0: float,
    n_values: Sequence[float] | np.ndarray,
    z: tuple[float, float] = (Z_95, Z_998),
    tau2: float = 0.0,
    method: str = "exact",
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
        Additive between-unit variance from :func:`estimate_overdispersion`, on the scale of ``method``:
        with ``method="exact"`` a positive ``tau2`` is on the arcsine scale (limits drawn there).
    method : {"exact", "normal"}, default "exact"
        Exact binomial limits (arcsine scale when widened for overdispersion), or the normal approximation.

    Returns
    -------
    polars.DataFrame
        Columns ``n``, ``lower_95``, ``upper_95``, ``lower_998``, ``upper_998``, clipped to [0, 1].
    """
    _check_p0(p0)
    if method not in ("exact", "normal"):
        raise ValueError(f"method must be 'exact' or 'normal', got {method!r}")
    n = np.asarray(n_values, dtype=float)
    if np.any(n < 0):
        raise ValueError("denominators must not be negative")
    limits: dict[str, np.ndarray] = {"n": n}
    for level, z_value in zip(("95", "998"), z, strict=True):
        if method == "normal":
            spread = np.sqrt(_binomial_variance(p0, n) + tau2)
            lower, upper = p0 - z_value * spread, p0 + z_value * spread
        elif tau2 > 0:
            lower, upper = _arcsine_limits(p0, n, z_value, tau2)
        else:
            lower, upper = exact_binomial_limits(p0, n, z_value)
        limits[f"lower_{level}"], limits[f"upper_{level}"] = lower, upper
    limits = {name: limits[name] for name in ("n", *LIMIT_COLUMNS)}
    return pl.DataFrame(limits, nan_to_null=True).with_columns(pl.col(LIMIT_COLUMNS).clip(0.0, 1.0))


def estimate_overdispersion(
    numerators: Sequence[float] | np.ndarray,
    denominators: Sequence[float] | np.ndarray,
    p0: float,
    scale: str = "arcsine",
) -> Overdispersion:
    """Estimate overdispersion of unit proportions around ``p0`` (Spiegelhalter 2005).

    Parameters
    ----------
    numerators, denominators : sequence of float
        Counts per unit; units with a denominator of 0 are ignored.
    p0 : float
        Benchmark proportion.
    scale : {"arcsine", "normal"}, default "arcsine"
        z-scores on the arcsine scale (``s^2 = 1 / 4n``, as FunnelPlotR) or the proportion scale
        (``s^2 = p0 (1 - p0) / n``).

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
    if scale not in ("arcsine", "normal"):
        raise ValueError(f"scale must be 'arcsine' or 'normal', got {scale!r}")
    has_data = n > 0
    variance = _binomial_variance(p0, n[has_data])
    units = int(has_data.sum())
    if units == 0 or not np.all(variance > 0):
        return Overdispersion(phi=float("nan"), tau2=float("nan"), units=units)
    if scale == "arcsine":
        variance = 1 / (4 * n[has_data])
        z_scores = (np.arcsin(np.sqrt(x[has_data] / n[has_data])) - np.arcsin(np.sqrt(p0))) / np.sqrt(variance)
    else:
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
    method: str = "exact",
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
    method : {"exact", "normal"}, default "exact"
        Exact binomial limits (overdispersion on the arcsine scale) or the normal approximation throughout.
        Pool every unit with data here, however small: leaving small units out moves ``p0`` and ``tau2``;
        hide them afterwards if disclosure rules require.

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
        scale = "normal" if method == "normal" else "arcsine"
        tau2 = estimate_overdispersion(x, n, p0, scale).tau2 if overdispersion else 0.0
        # A NaN tau2 (p0 of 0 or 1) means overdispersion cannot be estimated, so fall back to none.
        limits = funnel_limits(p0, n, tau2=0.0 if np.isnan(tau2) else tau2, method=method).drop("n")

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
    return table.with_columns(_position("proportion").alias("position"))


def _position(value: str) -> pl.Expr:
    """Where a unit lies: strictly beyond a limit, or within (on a limit counts as within)."""
    p = pl.col(value)
    return (
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


def funnel_curve(
    p0: float, n_min: float, n_max: float, points: int = 100, tau2: float = 0.0, method: str = "exact"
) -> pl.DataFrame:
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
    method : {"exact", "normal"}, default "exact"
        As :func:`funnel_limits`; exact limits are computed at whole denominators, so they step.

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
    n = np.geomspace(n_min, n_max, points)
    if method == "exact":
        n = np.unique(np.round(n))
    return funnel_limits(p0, n, tau2=tau2, method=method)


def exact_poisson_limits(rate0: float, exposure: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper exact Poisson limits on a rate (events per unit of exposure); NaN at zero exposure."""
    e = np.asarray(exposure, dtype=float)
    mean = np.where(e > 0, rate0 * e, 1.0)
    bounds = []
    for q in (float(stats.norm.cdf(-z)), float(stats.norm.cdf(z))):
        count = _interpolated_quantile(q, lambda r: stats.poisson.cdf(r, mean), lambda p: stats.poisson.ppf(p, mean))
        with np.errstate(divide="ignore", invalid="ignore"):
            bounds.append(np.where(e > 0, np.maximum(count, 0) / e, np.nan))
    return bounds[0], bounds[1]


def rate_funnel_table(
    units: Sequence[str],
    events: Sequence[float] | np.ndarray,
    exposure: Sequence[float] | np.ndarray,
    target: float | None = None,
    z: tuple[float, float] = (Z_95, Z_998),
) -> pl.DataFrame:
    """Place each unit's rate (events per unit of exposure, e.g. missed visits per hour) on a Poisson funnel.

    A count of events over hours is not a proportion: a binomial funnel needs a whole number of trials, each
    an event or not. The Poisson funnel asks how far a unit's count of events can fall from
    ``rate0 x exposure`` by chance.

    Parameters
    ----------
    units : sequence of str
        Unit names.
    events, exposure : sequence of float
        Events (whole counts) and exposure (hours, bed-days) per unit.
    target : float, optional
        Benchmark rate per unit of exposure; defaults to the pooled ``sum(events) / sum(exposure)``.
    z : tuple of float, default (Z_95, Z_998)
        Two-sided normal-equivalent z of the inner and outer limits.

    Returns
    -------
    polars.DataFrame
        ``unit``, ``events``, ``exposure``, ``rate``, ``rate0``, the four limit columns (rates) and
        ``position`` as :func:`funnel_table` (``"no data"`` at zero exposure).
    """
    x = np.asarray(events, dtype=float)
    e = np.asarray(exposure, dtype=float)
    if not len(units) == len(x) == len(e):
        raise ValueError("units, events and exposure must have the same length")
    if np.any(x < 0) or np.any(e < 0):
        raise ValueError("events and exposure must not be negative")
    rate0 = float(target) if target is not None else (float(x.sum() / e.sum()) if e.sum() > 0 else float("nan"))
    if not rate0 >= 0:
        raise ValueError(f"the benchmark rate must be a non-negative number, got {rate0}")
    limits: dict[str, np.ndarray] = {}
    for level, z_value in zip(("95", "998"), z, strict=True):
        limits[f"lower_{level}"], limits[f"upper_{level}"] = exact_poisson_limits(rate0, e, z_value)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(e > 0, x / e, np.nan)
    table = pl.DataFrame(
        {
            "unit": list(units),
            "events": x,
            "exposure": e,
            "rate": rate,
            "rate0": np.full(len(e), rate0),
            **{name: limits[name] for name in LIMIT_COLUMNS},
        },
        nan_to_null=True,
    )
    return table.with_columns(_position("rate").alias("position"))
