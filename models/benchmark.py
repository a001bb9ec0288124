"""Benchmarking one council against all councils and its peers on a published measure.

Rank 1 is the best value in the measure's direction; quartile 1 is the best quarter of councils (as LG Inform
and Fingertips show them). "Better / similar / worse than England" follows Fingertips: the council's 95%
confidence interval lies wholly above, straddles or lies wholly below England's value (turned by the measure's
direction). Intervals: survey measures publish a margin of error (value +/- margin); proportions with a
numerator and denominator take Wilson's score interval; rates per 100,000 take the exact Poisson interval on
the count. A measure with none of these is ranked but not compared.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

Z95 = 1.959964


def ranks(values: np.ndarray, higher_is_better: bool) -> np.ndarray:
    """Competition ranks (1 = best; equal values share the better rank)."""
    v = np.asarray(values, dtype=float)
    key = -v if higher_is_better else v
    return stats.rankdata(key, method="min").astype(int)


def quartile(rank: int, n: int) -> int:
    """Quartile of a rank among ``n`` (1 = the best quarter)."""
    if not 1 <= rank <= n:
        raise ValueError(f"rank {rank} outside 1..{n}")
    return min(4, 1 + (4 * (rank - 1)) // n)


def interval(
    value: float | None,
    numerator: float | None,
    denominator: float | None,
    margin_of_error: float | None,
    kind: str | None,
    unit: str,
) -> tuple[float | None, float | None]:
    """The 95% confidence interval of a published value, in the value's own unit; (None, None) if it has none."""
    if value is None or kind is None or (isinstance(kind, float) and math.isnan(kind)):
        return None, None
    if kind == "margin_of_error" and margin_of_error is not None:
        return value - margin_of_error, value + margin_of_error
    if kind == "binomial" and numerator is not None and denominator:
        low, high = proportion_confint(int(round(numerator)), int(round(denominator)), alpha=0.05, method="wilson")
        return 100 * low, 100 * high
    if kind == "poisson" and numerator is not None and numerator >= 0 and value > 0:
        count = numerator
        low = stats.chi2.ppf(0.025, 2 * count) / 2 if count > 0 else 0.0
        high = stats.chi2.ppf(0.975, 2 * (count + 1)) / 2
        return value * low / count if count > 0 else 0.0, value * high / max(count, 1e-9)
    return None, None


def compare(lower: float | None, upper: float | None, reference: float | None, higher_is_better: bool) -> str:
    """'better', 'similar' or 'worse' than ``reference`` by the interval; 'not compared' without one."""
    if lower is None or upper is None or reference is None:
        return "not compared"
    if lower > reference:
        return "better" if higher_is_better else "worse"
    if upper < reference:
        return "worse" if higher_is_better else "better"
    return "similar"


def benchmark(
    frame: pl.DataFrame, council: str, peers: list[str], higher_is_better: bool
) -> dict[str, int | float | None]:
    """Rank and quartile of ``council`` among all councils in ``frame`` and among itself and its ``peers``.

    ``frame`` has one row per council (``area_code``, ``value``) for one measure and year. Returns
    ``rank_all``, ``n_all``, ``quartile_all``, ``rank_peers``, ``n_peers``, ``quartile_peers`` and
    ``peer_median`` (None where the council has no value).
    """
    data = frame.filter(pl.col("value").is_not_null())
    result: dict[str, int | float | None] = dict.fromkeys(
        ("rank_all", "n_all", "quartile_all", "rank_peers", "n_peers", "quartile_peers", "peer_median")
    )
    peer_rows = data.filter(pl.col("area_code").is_in(peers))
    if not peer_rows.is_empty():
        result["peer_median"] = float(peer_rows["value"].median())
    if council not in data["area_code"].to_list():
        return result
    for label, subset in (("all", data), ("peers", data.filter(pl.col("area_code").is_in([council, *peers])))):
        r = ranks(subset["value"].to_numpy(), higher_is_better)
        own = int(r[subset["area_code"].to_list().index(council)])
        result[f"rank_{label}"] = own
        result[f"n_{label}"] = subset.height
        result[f"quartile_{label}"] = quartile(own, subset.height)
    return result
