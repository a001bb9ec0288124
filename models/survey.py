"""Survey statistics: Wilson intervals and two-proportion tests, as thin wrappers over statsmodels.

Satisfaction is reported as the share of respondents answering the top box(es) of an
ordered scale, with a Wilson score interval. The Wilson interval is used instead of the
textbook normal (Wald) interval because survey groups are often small and shares near 0%
or 100%, where the Wald interval collapses to zero width or escapes [0, 1].

A change between two periods or groups is tested two-sided: by the two-proportion z-test with
a pooled standard error (equivalent to a 2x2 chi-squared test without continuity correction)
when every expected count of the 2x2 table is at least 5, and by Fisher's exact test when any is
below 5, where the normal approximation behind the z-test fails (3/3 against 0/2 gives z-test
p = 0.025 but Fisher p = 0.1). Below a minimum base in either group no test is done at all:
a "real change" on a handful of people is not a finding a committee should act on.

The arithmetic is statsmodels' (``proportion_confint(method="wilson")`` and
``proportions_ztest``); the wrappers add what the pages need around it: polars columns, NaN
rather than a warning for an empty group, bounds of exactly 0 and 1 at the extremes, and no test
where there is nothing to test.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.stats import fisher_exact
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

Z_TEST = "two-proportion z-test"
FISHER = "Fisher's exact test"
MIN_EXPECTED = 5  # the usual rule for the normal (chi-squared) approximation to a 2x2 table


@dataclass(frozen=True)
class TwoProportionTest:
    """Result of a two-sided pooled two-proportion z-test; ``difference`` is ``p2 - p1``."""

    p1: float
    p2: float
    difference: float
    z: float
    p_value: float
    significant: bool


def _alpha_for(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    return 1 - confidence


def wilson_intervals(
    successes: Iterable[float] | np.ndarray, n: Iterable[float] | np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score intervals for arrays of counts (statsmodels' ``proportion_confint(method="wilson")``).

    Parameters
    ----------
    successes, n : array-like of float
        Successes and trials (broadcast together). Weighted, non-integer counts are allowed.
    confidence : float, default 0.95
        Two-sided coverage.

    Returns
    -------
    tuple of numpy.ndarray
        ``(lower, upper)`` as proportions in [0, 1]; NaN where ``n`` is 0.

    Raises
    ------
    ValueError
        If any count is negative or successes exceed trials.
    """
    x = np.asarray(successes, dtype=float)
    trials = np.asarray(n, dtype=float)
    if np.any(x < 0) or np.any(x > trials):
        raise ValueError("counts must satisfy 0 <= successes <= n")
    alpha = _alpha_for(confidence)
    no_data = trials == 0
    # statsmodels divides by n; an empty group gets a dummy n of 1 here and NaN below.
    lower, upper = proportion_confint(x, np.where(no_data, 1.0, trials), alpha=alpha, method="wilson")
    lower = np.clip(lower, 0.0, 1.0)
    upper = np.clip(upper, 0.0, 1.0)
    # Rounding can leave 1e-17 where the exact bound is 0 or 1; the reader expects exactly 0% and 100%.
    lower = np.where(x == 0, 0.0, lower)
    upper = np.where(x == trials, 1.0, upper)
    return np.where(no_data, np.nan, lower), np.where(no_data, np.nan, upper)


def add_wilson(df: pl.DataFrame, successes_col: str, n_col: str, confidence: float = 0.95) -> pl.DataFrame:
    """Add Wilson interval columns ``ci_lower`` and ``ci_upper`` to a frame.

    Parameters
    ----------
    df : polars.DataFrame
        One row per group.
    successes_col, n_col : str
        Columns holding successes and trials.
    confidence : float, default 0.95
        Two-sided coverage.

    Returns
    -------
    polars.DataFrame
        ``df`` with ``ci_lower`` and ``ci_upper`` (proportions, null where ``n`` is 0).
    """
    lower, upper = wilson_intervals(df[successes_col].to_numpy(), df[n_col].to_numpy(), confidence)
    return df.with_columns(
        pl.Series("ci_lower", lower, nan_to_null=True), pl.Series("ci_upper", upper, nan_to_null=True)
    )


def two_proportion_test(x1: float, n1: float, x2: float, n2: float, alpha: float = 0.05) -> TwoProportionTest:
    """Two-sided z-test for a difference between two proportions, with a pooled standard error.

    The statistic is statsmodels' ``proportions_ztest`` (pooled variance, no continuity correction).

    Parameters
    ----------
    x1, n1 : float
        Successes and trials in the first (earlier, or comparison) group.
    x2, n2 : float
        Successes and trials in the second group.
    alpha : float, default 0.05
        Significance level.

    Returns
    -------
    TwoProportionTest
        ``difference = p2 - p1``, ``z = difference / se`` with
        ``se = sqrt(p (1 - p) (1/n1 + 1/n2))`` and ``p`` the pooled proportion, the two-sided
        ``p_value`` and ``significant = p_value < alpha``. When either group is empty, or the
        pooled proportion is 0 or 1 (no variation to test against), ``z`` and ``p_value`` are NaN
        and ``significant`` is False.
    """
    for x, n in ((x1, n1), (x2, n2)):
        if not 0 <= x <= n:
            raise ValueError(f"counts must satisfy 0 <= successes <= n, got {x}/{n}")
    nan = float("nan")
    if n1 == 0 or n2 == 0:
        p1 = x1 / n1 if n1 else nan
        p2 = x2 / n2 if n2 else nan
        return TwoProportionTest(p1, p2, p2 - p1, nan, nan, significant=False)
    p1, p2 = x1 / n1, x2 / n2
    pooled = (x1 + x2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return TwoProportionTest(p1, p2, p2 - p1, nan, nan, significant=False)
    # statsmodels tests the first minus the second; this test reports the second minus the first.
    z, p_value = proportions_ztest(np.array([x2, x1], dtype=float), np.array([n2, n1], dtype=float))
    z, p_value = float(z), float(p_value)
    return TwoProportionTest(p1, p2, p2 - p1, z, p_value, significant=p_value < alpha)


@dataclass(frozen=True)
class ChangeTest:
    """A change between two proportions: ``difference = p2 - p1``; ``method`` None when not tested."""

    p1: float
    p2: float
    difference: float
    method: str | None  # Z_TEST, FISHER, or None (a group under the minimum base, or nothing to test)
    p_value: float | None
    significant: bool


def expected_counts(x1: float, n1: float, x2: float, n2: float) -> np.ndarray:
    """Expected cell counts of the 2x2 table (groups by success/failure) if the two proportions were equal."""
    total = n1 + n2
    successes, failures = x1 + x2, total - x1 - x2
    return np.array([[n1 * successes, n1 * failures], [n2 * successes, n2 * failures]]) / total


def compare_proportions(
    x1: float, n1: float, x2: float, n2: float, alpha: float = 0.05, min_base: int = 0
) -> ChangeTest:
    """Test a change between two proportions with the test that suits the counts.

    Parameters
    ----------
    x1, n1, x2, n2 : float
        Successes and trials in the first (earlier) and second groups.
    alpha : float, default 0.05
        Significance level.
    min_base : int, default 0
        Fewest trials in each group for any test; below it ``method`` is None and no verdict is given.

    Returns
    -------
    ChangeTest
        Fisher's exact test (two-sided, scipy) where any expected count is below 5, otherwise the pooled
        two-proportion z-test (:func:`two_proportion_test`). Not tested (``method`` None, ``p_value`` None,
        not significant) below ``min_base``, with an empty group, or where every answer is the same.
    """
    for x, n in ((x1, n1), (x2, n2)):
        if not 0 <= x <= n:
            raise ValueError(f"counts must satisfy 0 <= successes <= n, got {x}/{n}")
    nan = float("nan")
    p1 = x1 / n1 if n1 else nan
    p2 = x2 / n2 if n2 else nan
    untested = ChangeTest(p1, p2, p2 - p1, None, None, significant=False)
    if n1 == 0 or n2 == 0 or min(n1, n2) < min_base or (x1 + x2) in (0, n1 + n2):
        return untested
    if expected_counts(x1, n1, x2, n2).min() < MIN_EXPECTED:
        table = [[round(x1), round(n1 - x1)], [round(x2), round(n2 - x2)]]
        p_value = float(fisher_exact(table, alternative="two-sided").pvalue)
        return ChangeTest(p1, p2, p2 - p1, FISHER, p_value, significant=p_value < alpha)
    z = two_proportion_test(x1, n1, x2, n2, alpha)
    return ChangeTest(p1, p2, p2 - p1, Z_TEST, z.p_value, significant=z.significant)


def flag_changes(
    df: pl.DataFrame, successes_col: str, n_col: str, alpha: float = 0.05, min_base: int = 0
) -> pl.DataFrame:
    """Test each row against the row before (e.g. quarter on quarter) with :func:`compare_proportions`.

    Adds ``change_points`` (difference in percentage points; null where either row has no trials),
    ``test`` (the method, null where not tested), ``p_value`` and ``significant_change`` (False for the
    first row and wherever no test is done, e.g. either row under ``min_base``).
    """
    xs, ns = df[successes_col].to_list(), df[n_col].to_list()
    changes, methods, p_values, flags = [None], [None], [None], [False]
    for i in range(1, len(xs)):
        result = compare_proportions(xs[i - 1] or 0, ns[i - 1] or 0, xs[i] or 0, ns[i] or 0, alpha, min_base)
        changes.append(None if math.isnan(result.difference) else 100 * result.difference)
        methods.append(result.method)
        p_values.append(result.p_value)
        flags.append(result.significant)
    return df.with_columns(
        pl.Series("change_points", changes[: df.height], dtype=pl.Float64),
        pl.Series("test", methods[: df.height], dtype=pl.String),
        pl.Series("p_value", p_values[: df.height], dtype=pl.Float64),
        pl.Series("significant_change", flags[: df.height], dtype=pl.Boolean),
    )
