"""Exact binomial and Poisson funnel limits and overdispersion on the arcsine scale, worked by hand.

Binomial, p0 = 0.5, n = 10: P(R <= 1) = 11/1024 = 0.0107422, P(R <= 2) = 56/1024 = 0.0546875,
P(R <= 7) = 968/1024 = 0.9453125, P(R <= 8) = 1013/1024 = 0.9892578.
Lower 95% (q = 0.025): r = 2, a = (0.0546875 - 0.025) / (0.0546875 - 0.0107422) = 0.675556,
limit = (2 + 0.5 - 0.675556) / 10 = 0.1824444. Upper (q = 0.975): r = 8, a = (0.9892578 - 0.975) / 0.0439453
= 0.324444, limit = (8.5 - 0.324444) / 10 = 0.8175556: symmetric about 0.5, as the distribution is. The
normal approximation gives 0.5 +/- 1.959964 x 0.158114 = 0.1901025 .. 0.8098975, so 8/10 (mid-p upper tail
P(R >= 9) + P(R = 8) / 2 = 0.0107 + 0.0220 = 0.0327 > 0.025) is "above 95%" there but within the exact funnel.

Arcsine overdispersion (FunnelPlotR for proportions), ten units of 100 at 0.30, 0.35, ..., 0.70 around 0.5:
theta0 = asin(sqrt(0.5)) = pi / 4, s = 1 / (2 sqrt(100)) = 0.05, z = (asin(sqrt(p)) - pi / 4) / 0.05
= -4.11517, -3.04693, -2.01358, -1.00167, 0, 0 and the mirror images. Winsorised at the 10th / 90th
percentiles (position 0.9: -4.11517 + 0.9 x 1.06824 = -3.15375): phi = (2 x 3.15375^2 + 2 x (3.04693^2
+ 2.01358^2 + 1.00167^2)) / 10 = 48.5756 / 10 = 4.85756; with w = 4n = 400,
tau2 = (48.5756 - 9) / (4000 - 10 x 400^2 / 4000) = 39.5756 / 3600 = 0.0109932.

Poisson, rate0 = 0.5 per hour, 10 hours (mean 5): P(X <= 0) = e^-5 = 0.0067379, P(X <= 1) = 6 e^-5 = 0.0404277.
Lower 95%: r = 1, a = (0.0404277 - 0.025) / 0.0336898 = 0.457934, limit = (1.5 - 0.457934) / 10 = 0.1042066.
"""

import math

import pytest

from models.funnel import estimate_overdispersion, funnel_curve, funnel_limits, funnel_table, rate_funnel_table

SPREAD_PROPORTIONS = [0.30, 0.35, 0.40, 0.45, 0.50, 0.50, 0.55, 0.60, 0.65, 0.70]


def test_exact_binomial_limits_worked_case():
    row = funnel_limits(0.5, [10]).row(0, named=True)
    assert (row["lower_95"], row["upper_95"]) == pytest.approx((0.1824444, 0.8175556), abs=1e-7)
    normal = funnel_limits(0.5, [10], method="normal").row(0, named=True)
    assert (normal["lower_95"], normal["upper_95"]) == pytest.approx((0.1901025, 0.8098975), abs=1e-7)
    # The classification the normal approximation gets wrong.
    exact = funnel_table(["A"], [8], [10], target=0.5)
    approx = funnel_table(["A"], [8], [10], target=0.5, method="normal")
    assert (exact["position"].item(), approx["position"].item()) == ("within", "within")
    assert funnel_table(["A"], [9], [10], target=0.5)["position"].item() == "above 95%"


def test_exact_limits_approach_the_normal_ones_for_large_n():
    exact = funnel_limits(0.3, [10_000]).row(0, named=True)
    normal = funnel_limits(0.3, [10_000], method="normal").row(0, named=True)
    for column in ("lower_95", "upper_95", "lower_998", "upper_998"):
        assert exact[column] == pytest.approx(normal[column], abs=2e-4)


def test_small_denominator_limits_differ_from_the_normal_approximation():
    # p0 = 0.1, n = 8: the normal lower 95% limit is below zero (0.1 - 1.96 x 0.106 = -0.108); the exact upper
    # limit sits where counts can actually fall. 3/8 is above the normal 95% limit (0.308) but its mid-p tail
    # P(R >= 4) + P(R = 3) / 2 = 0.0050 + 0.0331 / 2 = 0.0216 < 0.025, so it is above the exact one too;
    # 2/8 (tail 0.0381 + 0.1488 / 2 = 0.1125) is within both.
    assert funnel_table(["A"], [3], [8], target=0.1)["position"].item() == "above 95%"
    assert funnel_table(["A"], [2], [8], target=0.1)["position"].item() == "within"
    exact = funnel_limits(0.1, [8]).row(0, named=True)
    assert exact["lower_95"] == 0.0
    assert 0.25 < exact["upper_95"] < 0.375


def test_arcsine_overdispersion_worked_case():
    numerators = [round(p * 100) for p in SPREAD_PROPORTIONS]
    estimate = estimate_overdispersion(numerators, [100] * 10, p0=0.5)
    assert estimate.phi == pytest.approx(4.85756, abs=1e-5)
    assert estimate.tau2 == pytest.approx(39.5756 / 3600, abs=1e-7)
    widened = funnel_table([str(i) for i in range(10)], numerators, [100] * 10, target=0.5, overdispersion=True)
    # 95% limits sin^2(pi/4 +/- 1.959964 x sqrt(0.0025 + tau2)) = sin^2(0.785398 +/- 0.229125)
    spread = 1.959964 * math.sqrt(0.0025 + 39.5756 / 3600)
    assert widened["upper_95"][0] == pytest.approx(math.sin(math.pi / 4 + spread) ** 2, abs=1e-5)
    assert widened["lower_95"][0] == pytest.approx(math.sin(math.pi / 4 - spread) ** 2, abs=1e-5)
    assert widened["position"][0] == "within"  # 0.30 against a lower 95% limit of 0.2765
    curve = funnel_curve(0.5, 50, 200, points=151, tau2=estimate.tau2)  # whole n from 50 to 200
    assert curve.filter(curve["n"] == 100)["upper_95"].item() == pytest.approx(widened["upper_95"][0])


def test_pooling_includes_small_units():
    # Leaving the 1/2 unit out would move the pooled p0 from 41/102 to 40/100.
    table = funnel_table(["Big", "Small"], [40, 1], [100, 2])
    assert table["p0"][0] == pytest.approx(41 / 102)


def test_poisson_rate_funnel_worked_case():
    row = rate_funnel_table(["A"], [1], [10], target=0.5).row(0, named=True)
    assert row["rate"] == pytest.approx(0.1)
    assert row["lower_95"] == pytest.approx(0.1042066, abs=1e-6)
    assert row["position"] == "below 95%"
    pooled = rate_funnel_table(["A", "B", "Idle"], [10, 30, 0], [100, 100, 0])
    assert pooled["rate0"][0] == pytest.approx(0.2)
    assert pooled["position"].to_list()[2] == "no data"
    with pytest.raises(ValueError, match="negative"):
        rate_funnel_table(["A"], [-1], [10])
