"""Wilson intervals and two-proportion tests (statsmodels underneath), checked against values worked by hand."""

import math

import numpy as np
import polars as pl
import pytest

from models.survey import add_wilson, flag_changes, two_proportion_test, wilson_intervals


def wilson_interval(successes, n, confidence=0.95):
    """One group's interval, through the vectorised function the pages use."""
    lower, upper = wilson_intervals(successes, n, confidence)
    return float(lower), float(upper)


@pytest.mark.parametrize(
    ("successes", "n", "expected"),
    [
        # z = 1.959964, z^2 = 3.841459. For 45/100:
        #   centre = (0.45 + z^2 / 200) / (1 + z^2 / 100) = 0.469207 / 1.038415 = 0.451850
        #   half   = z / 1.038415 x sqrt(0.45 x 0.55 / 100 + z^2 / 40000) = 1.887455 x 0.050705 = 0.095705
        #   -> 0.3561 .. 0.5475 (as published, and as statsmodels proportion_confint(method="wilson") gives)
        (45, 100, (0.356145, 0.547554)),
        # For 0/10: centre = (z^2 / 20) / (1 + z^2 / 10) = 0.192073 / 1.384146 = 0.138767 = half width
        #   -> 0 .. 0.2775
        (0, 10, (0.0, 0.277533)),
        # 10/10 mirrors 0/10: 1 - 0.2775 = 0.7225 .. 1
        (10, 10, (0.722467, 1.0)),
        # A small group, 2/4: centre = (0.5 + z^2 / 8) / (1 + z^2 / 4) = 0.980182 / 1.960365 = 0.5
        #   half = z / 1.960365 x sqrt(0.25 / 4 + z^2 / 64) = 0.999796 x 0.350033 = 0.349961
        #   -> 0.1500 .. 0.8500 (the interval that gives "2 of 4" away, so pages must not show it)
        (2, 4, (0.150039, 0.849961)),
    ],
)
def test_wilson_published_values(successes, n, expected):
    assert wilson_interval(successes, n) == pytest.approx(expected, abs=1e-6)


def test_wilson_bounds_exact_at_zero_and_all():
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == 1.0


def test_wilson_no_respondents():
    lower, upper = wilson_interval(0, 0)
    assert math.isnan(lower) and math.isnan(upper)


def test_wilson_wider_at_higher_confidence():
    low_95, high_95 = wilson_interval(45, 100)
    low_99, high_99 = wilson_interval(45, 100, confidence=0.99)
    assert low_99 < low_95 and high_99 > high_95


@pytest.mark.parametrize(("successes", "n"), [(0, 1), (1, 1), (1, 3), (7, 9), (3, 1000), (999, 1000), (12.5, 40)])
def test_wilson_invariants(successes, n):
    lower, upper = wilson_interval(successes, n)
    assert 0 <= lower <= successes / n <= upper <= 1


def test_wilson_vectorised_matches_scalar():
    successes = np.array([0, 45, 10, 0])
    n = np.array([10, 100, 10, 0])
    lower, upper = wilson_intervals(successes, n)
    for i in range(3):
        assert (lower[i], upper[i]) == pytest.approx(wilson_interval(successes[i], n[i]))
    assert math.isnan(lower[3]) and math.isnan(upper[3])


def test_add_wilson_columns():
    frame = pl.DataFrame({"group": ["A", "B", "C"], "top_box": [45, 0, 0], "answered": [100, 10, 0]})
    result = add_wilson(frame, "top_box", "answered")
    assert result.columns == ["group", "top_box", "answered", "ci_lower", "ci_upper"]
    assert result["ci_lower"][0] == pytest.approx(0.356145, abs=1e-6)
    assert result["ci_upper"][1] == pytest.approx(0.277533, abs=1e-6)
    # No respondents: null rather than NaN so tables and charts show a gap.
    assert result["ci_lower"][2] is None and result["ci_upper"][2] is None


@pytest.mark.parametrize(("successes", "n", "confidence"), [(11, 10, 0.95), (-1, 10, 0.95), (5, 10, 1.0), (5, 10, 0.0)])
def test_wilson_bad_inputs_rejected(successes, n, confidence):
    with pytest.raises(ValueError):
        wilson_interval(successes, n, confidence)


def test_dpss_change_is_significant():
    # 30/40 (75%) then 18/40 (45%). Pooled p = 48 / 80 = 0.6
    # se = sqrt(0.6 x 0.4 x (1/40 + 1/40)) = sqrt(0.012) = 0.1095445
    # z = (0.45 - 0.75) / 0.1095445 = -2.738613; two-sided p = 2 x (1 - Phi(2.738613)) = 0.00617
    result = two_proportion_test(30, 40, 18, 40)
    assert result.difference == pytest.approx(-0.30)
    assert result.z == pytest.approx(-2.738613, abs=1e-6)
    assert result.p_value == pytest.approx(0.00617, abs=1e-5)
    assert result.significant


def test_small_change_is_not_significant():
    # 15/20 (75%) then 13/20 (65%). Pooled p = 28 / 40 = 0.7
    # se = sqrt(0.7 x 0.3 x (1/20 + 1/20)) = sqrt(0.021) = 0.1449138
    # z = -0.10 / 0.1449138 = -0.690066; p = 0.4902
    result = two_proportion_test(15, 20, 13, 20)
    assert result.z == pytest.approx(-0.690066, abs=1e-6)
    assert result.p_value == pytest.approx(0.4902, abs=1e-4)
    assert not result.significant


def test_alpha_is_configurable():
    # p = 0.00617 is significant at 5% and 1% but not at 0.1%.
    assert two_proportion_test(30, 40, 18, 40, alpha=0.01).significant
    assert not two_proportion_test(30, 40, 18, 40, alpha=0.001).significant


def test_order_of_groups_flips_the_sign_only():
    forward = two_proportion_test(30, 40, 18, 40)
    backward = two_proportion_test(18, 40, 30, 40)
    assert backward.difference == pytest.approx(-forward.difference)
    assert backward.z == pytest.approx(-forward.z)
    assert backward.p_value == pytest.approx(forward.p_value)


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "difference"),
    [
        (0, 0, 5, 10, math.nan),  # an empty group: nothing to compare
        (5, 10, 0, 0, math.nan),
        (0, 10, 0, 12, 0.0),  # pooled proportion 0: no variation to test against
        (10, 10, 12, 12, 0.0),  # pooled proportion 1
    ],
)
def test_no_test_possible(x1, n1, x2, n2, difference):
    result = two_proportion_test(x1, n1, x2, n2)
    assert math.isnan(result.z) and math.isnan(result.p_value)
    assert result.significant is False
    assert result.difference == pytest.approx(difference, nan_ok=True)


def test_two_proportion_bad_counts_rejected():
    with pytest.raises(ValueError):
        two_proportion_test(11, 10, 5, 10)


def test_flag_changes_marks_only_the_significant_quarter():
    frame = pl.DataFrame({"period": ["Q1", "Q2", "Q3", "Q4"], "x": [29, 30, 18, 22], "n": [40, 40, 40, 40]})
    flagged = flag_changes(frame, "x", "n")
    assert flagged["significant_change"].to_list() == [False, False, True, False]
    assert flagged["change_points"][2] == pytest.approx(-30.0)  # 75% -> 45%
    assert flagged["p_value"][2] == pytest.approx(0.00617, abs=5e-5)
    assert flagged["p_value"][0] is None
