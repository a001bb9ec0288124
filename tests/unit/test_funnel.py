"""Funnel plot limits, unit positions and Spiegelhalter overdispersion on the normal approximation's scale
(``method="normal"``, ``scale="normal"``); the exact and arcsine defaults are worked in test_funnel_exact.py."""

import math

import numpy as np
import pytest

from models.funnel import estimate_overdispersion, funnel_curve, funnel_limits, funnel_table

# Ten units of 100 around a target of 0.5: s = sqrt(0.5 x 0.5 / 100) = 0.05, so z = (p - 0.5) / 0.05
# = -4, -3, -2, -1, 0, 0, 1, 2, 3, 4. Used by the overdispersion tests below.
SPREAD_PROPORTIONS = [0.30, 0.35, 0.40, 0.45, 0.50, 0.50, 0.55, 0.60, 0.65, 0.70]


def test_limits_p0_half_n_100():
    # s = sqrt(0.5 x 0.5 / 100) = 0.05
    # 95%:   0.5 +/- 1.959964 x 0.05 = 0.5 +/- 0.0979982 -> 0.4020018 .. 0.5979982
    # 99.8%: 0.5 +/- 3.090232 x 0.05 = 0.5 +/- 0.1545116 -> 0.3454884 .. 0.6545116
    row = funnel_limits(0.5, [100], method="normal").row(0, named=True)
    assert row["n"] == 100
    assert (row["lower_95"], row["upper_95"]) == pytest.approx((0.4020018, 0.5979982))
    assert (row["lower_998"], row["upper_998"]) == pytest.approx((0.3454884, 0.6545116))


def test_limits_clipped_to_unit_interval():
    # p0 = 0.1, n = 10: s = sqrt(0.09 / 10) = 0.0948683; 99.8% lower = 0.1 - 0.29317 < 0 -> 0.
    row = funnel_limits(0.1, [10], method="normal").row(0, named=True)
    assert row["lower_998"] == 0.0
    assert row["upper_998"] == pytest.approx(0.1 + 3.090232 * 0.0948683)
    # p0 = 0.95, n = 5 pushes the upper limits past 1.
    row = funnel_limits(0.95, [5], method="normal").row(0, named=True)
    assert row["upper_95"] == 1.0 and row["upper_998"] == 1.0


def test_limits_zero_denominator_are_null():
    limits = funnel_limits(0.5, [0, 100], method="normal")
    assert limits["lower_95"][0] is None and limits["upper_998"][0] is None
    assert limits["lower_95"][1] == pytest.approx(0.4020018)


@pytest.mark.parametrize("p0", [0.0, 0.02, 0.3, 0.5, 0.97, 1.0])
@pytest.mark.parametrize("n", [1, 7, 50, 1000, 1e6])
def test_limits_nest_and_stay_in_range(p0, n):
    row = funnel_limits(p0, [n]).row(0, named=True)
    assert 0 <= row["lower_998"] <= row["lower_95"] <= p0 <= row["upper_95"] <= row["upper_998"] <= 1


@pytest.mark.parametrize(
    ("numerator", "position"),
    [
        (70, "above 99.8%"),  # 0.70 > 0.6545
        (62, "above 95%"),  # 0.598 < 0.62 <= 0.6545
        (50, "within"),
        (41, "within"),  # 0.41 >= 0.402
        (38, "below 95%"),  # 0.3455 <= 0.38 < 0.402
        (30, "below 99.8%"),  # 0.30 < 0.3455
    ],
)
def test_position_against_target(numerator, position):
    table = funnel_table(["Unit"], [numerator], [100], target=0.5, method="normal")
    assert table["position"].item() == position
    assert table["proportion"].item() == pytest.approx(numerator / 100)


def test_pooled_proportion_is_default_benchmark():
    # p0 = (30 + 50) / (100 + 100) = 0.4; s = sqrt(0.24 / 100) = 0.0489898
    # 95% limits 0.4 +/- 0.0960182 -> 0.3039818 .. 0.4960182: 0.3 is below, 0.5 above.
    table = funnel_table(["North", "South"], [30, 50], [100, 100], method="normal")
    assert table["p0"].to_list() == pytest.approx([0.4, 0.4])
    assert table["upper_95"][0] == pytest.approx(0.4960182)
    assert table["position"].to_list() == ["below 95%", "above 95%"]


def test_output_columns():
    table = funnel_table(["A", "B"], [1, 2], [10, 20])
    assert table.columns == [
        "unit",
        "numerator",
        "denominator",
        "proportion",
        "p0",
        "lower_95",
        "upper_95",
        "lower_998",
        "upper_998",
        "position",
    ]


def test_zero_denominator_is_no_data():
    table = funnel_table(["Empty", "Busy"], [0, 40], [0, 100], target=0.5, method="normal")
    empty = table.row(0, named=True)
    assert empty["proportion"] is None
    assert empty["upper_95"] is None
    assert empty["position"] == "no data"
    assert table["position"][1] == "below 95%"


def test_all_zero_denominators_without_target():
    table = funnel_table(["A", "B"], [0, 0], [0, 0])
    assert table["position"].to_list() == ["no data", "no data"]
    assert table["p0"].null_count() == 2


def test_overdispersion_hand_worked():
    # z = -4, -3, -2, -1, 0, 0, 1, 2, 3, 4. Winsorise at the 10th / 90th percentiles (linear
    # interpolation over 10 values: position 0.9 -> -4 + 0.9 = -3.1; position 8.1 -> 3 + 0.1 = 3.1):
    # squares 2 x 3.1^2 + 9 + 4 + 1 + 0 + 0 + 1 + 4 + 9 = 19.22 + 28 = 47.22; phi = 47.22 / 10 = 4.722.
    # I phi = 47.22 > I - 1 = 9, so with w = 1 / 0.0025 = 400 for every unit:
    # tau2 = (47.22 - 9) / (4000 - 10 x 400^2 / 4000) = 38.22 / 3600 = 0.0106167
    numerators = [round(p * 100) for p in SPREAD_PROPORTIONS]
    estimate = estimate_overdispersion(numerators, [100] * 10, p0=0.5, scale="normal")
    assert estimate.phi == pytest.approx(4.722)
    assert estimate.tau2 == pytest.approx(38.22 / 3600)
    assert estimate.units == 10


def test_overdispersion_widens_limits():
    # 95% limits become 0.5 +/- 1.959964 x sqrt(0.0025 + 0.0106167) = 0.5 +/- 0.224471.
    numerators = [round(p * 100) for p in SPREAD_PROPORTIONS]
    units = [f"Unit {i}" for i in range(10)]
    plain = funnel_table(units, numerators, [100] * 10, target=0.5, method="normal")
    widened = funnel_table(units, numerators, [100] * 10, target=0.5, overdispersion=True, method="normal")
    assert widened["upper_95"][0] == pytest.approx(0.5 + 1.959964 * math.sqrt(0.0025 + 38.22 / 3600))
    assert (widened["upper_95"] > plain["upper_95"]).all()
    assert (widened["lower_998"] < plain["lower_998"]).all()
    # 0.30 is below 99.8% on the plain funnel but within the widened one (lower 95% = 0.2755).
    assert plain["position"][0] == "below 99.8%"
    assert widened["position"][0] == "within"


def test_no_overdispersion_leaves_limits_alone():
    # z = -2, -1, -1, 0, 0, 0, 0, 1, 1, 2; Winsorised at -1.1 and 1.1: phi = (2 x 1.21 + 4) / 10 = 0.642,
    # I phi = 6.42 <= 9, so tau2 = 0 and the limits match the plain funnel.
    proportions = [0.40, 0.45, 0.45, 0.50, 0.50, 0.50, 0.50, 0.55, 0.55, 0.60]
    numerators = [round(p * 100) for p in proportions]
    estimate = estimate_overdispersion(numerators, [100] * 10, p0=0.5, scale="normal")
    assert (estimate.phi, estimate.tau2) == pytest.approx((0.642, 0.0))
    units = list("ABCDEFGHIJ")
    plain = funnel_table(units, numerators, [100] * 10, target=0.5, method="normal")
    adjusted = funnel_table(units, numerators, [100] * 10, target=0.5, overdispersion=True, method="normal")
    assert adjusted["upper_95"].to_list() == pytest.approx(plain["upper_95"].to_list())


def test_overdispersion_impossible_at_p0_of_zero():
    estimate = estimate_overdispersion([0, 0], [10, 20], p0=0.0)
    assert math.isnan(estimate.phi) and math.isnan(estimate.tau2)
    table = funnel_table(["A", "B"], [0, 0], [10, 20], overdispersion=True)
    assert table["position"].to_list() == ["within", "within"]


def test_funnel_curve():
    curve = funnel_curve(0.3, 10, 1000, points=50)
    assert curve.height == 50
    assert curve["n"][0] == pytest.approx(10) and curve["n"][-1] == pytest.approx(1000)
    # The funnel narrows as n grows.
    assert (np.diff(curve["upper_95"].to_numpy()) < 0).all()
    assert (np.diff(curve["lower_95"].to_numpy()) > 0).all()


@pytest.mark.parametrize(
    ("units", "numerators", "denominators", "match"),
    [
        (["A"], [11], [10], "numerator"),
        (["A"], [-1], [10], "numerator"),
        (["A", "B"], [1], [10], "same length"),
    ],
)
def test_bad_counts_rejected(units, numerators, denominators, match):
    with pytest.raises(ValueError, match=match):
        funnel_table(units, numerators, denominators)


@pytest.mark.parametrize(("n_min", "n_max"), [(0, 10), (20, 10)])
def test_bad_curve_range_rejected(n_min, n_max):
    with pytest.raises(ValueError, match="n_min"):
        funnel_curve(0.5, n_min, n_max)


def test_target_outside_unit_interval_rejected():
    with pytest.raises(ValueError, match="p0"):
        funnel_table(["A"], [1], [10], target=1.5)
