"""Moving-range screening, recalculation at change points, the 12-point rule and the plain-words reading.

Worked cases:
- NHSRplotthedots' outlier-screening vignette: 1, 2, 1, 2, 10, 1, 2, ... (18 points). Moving ranges are
  1, 1, 1, 8, 9 and twelve 1s: sum 32, mean 32 / 17 = 1.88235; the screen is 3.267 x 1.88235 = 6.1496, so
  8 and 9 are left out and MR-bar = 15 / 15 = 1. Mean = 35 / 18 = 1.94444, limits 1.94444 +/- 2.66
  = -0.71556 .. 4.60444 (without screening +/- 2.66 x 1.88235 = 5.00706: -3.06262 .. 6.95150, limits the
  one jump has widened by 88%).
- The demo's DP uptake and DPSS "very good" series (Cambridgeshire, 2020/21 Q1 to 2024/25 Q4), which read
  "Concern (unusually low)" while rising and "improvement" for 14 quarters before a fall.
"""

import pytest

from dashboard.signals import assurance_label, spc_reading
from models.spc import change_positions, screened_mr_bar, spc_chart, xmr_limits
from pipelines.config import ConfigError, Settings, load_settings
from pipelines.registry import change_points, kpi_change_points

VIGNETTE = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
QUARTERS = [f"{y}/{(y + 1) % 100:02d} Q{q}" for y in range(2020, 2025) for q in range(1, 5)]
DP_UPTAKE = [22.5, 22.0, 21.6, 21.1, 21.2, 21.2, 21.2, 21.3, 20.9, 20.5, 20.0, 19.6, 19.6, 19.7, 19.7, 19.7]
DP_UPTAKE += [19.9, 20.0, 20.2, 20.3]
DPSS = [74.4, 71.4, 79.5, 73.7, 71.8, 71.8, 76.9, 74.4, 75.7, 76.7, 70.3, 78.0, 79.5, 75.0]
DPSS += [45.0, 50.0, 64.3, 64.1, 55.0, 63.2]


def test_moving_ranges_above_3267_times_their_mean_are_screened():
    limits = xmr_limits(VIGNETTE)
    assert limits.screened_ranges == 2
    assert limits.mr_bar == pytest.approx(1.0)
    assert limits.centre == pytest.approx(1.94444, abs=1e-5)
    assert (limits.lower, limits.upper) == pytest.approx((-0.71556, 4.60444), abs=1e-5)
    table = spc_chart(VIGNETTE, True).table
    assert table.filter(table["rule"].str.contains("beyond_limits"))["index"].to_list() == [4]


def test_screening_can_be_turned_off():
    limits = xmr_limits(VIGNETTE, screen_moving_ranges=False)
    assert limits.screened_ranges == 0
    assert limits.mr_bar == pytest.approx(32 / 17)
    assert (limits.lower, limits.upper) == pytest.approx((-3.06262, 6.95150), abs=1e-5)
    assert spc_chart(VIGNETTE, True, screen_moving_ranges=False).table["upper"][0] == pytest.approx(6.95150)


def test_screen_keeps_a_range_on_the_threshold_and_equal_ranges():
    # Ranges 1, 1, 1, 3.267 x mean? mean of [0, 0, 0, 1] is 0.25, screen 0.81675: the 1 goes.
    assert screened_mr_bar(__import__("numpy").array([0.0, 0.0, 0.0, 1.0])) == (0.0, 1)
    # All equal: nothing is above 3.267 x their mean.
    assert screened_mr_bar(__import__("numpy").array([2.0, 2.0, 2.0])) == (2.0, 0)


def test_each_period_has_its_own_limits_and_runs_do_not_cross_a_change_point():
    # Period 1: 11, 9 x 6 (centre 10, MR-bar 2, limits 4.68 .. 15.32).
    # Period 2: 21, 19 x 3 (centre 20, MR-bar 2, limits 14.68 .. 25.32). On one chart every period-2 point
    # would sit far above period 1's limits; with the change point none is special.
    values = [11.0, 9.0] * 6 + [21.0, 19.0] * 3
    result = spc_chart(values, True, target=12.0, change_points=[12])
    table = result.table
    assert table["period"].to_list() == [0] * 12 + [1] * 6
    assert table["centre"].unique().sort().to_list() == [10.0, 20.0]
    assert table.filter(table["period"] == 1)["upper"].to_list() == pytest.approx([25.32] * 6)
    assert table.filter(table["period"] == 0)["lower"].to_list() == pytest.approx([4.68] * 12)
    assert not table["special_cause"].any()
    assert [p.centre for p in result.periods] == pytest.approx([10.0, 20.0])
    assert result.limits.centre == pytest.approx(20.0)  # the headline reads the latest period
    assert table["baseline"].all()  # each period is its own baseline
    # Six points since the change: too few for assurance, even though 14.68 > 12 would be a pass.
    assert (result.points_in_period, result.assurance) == (6, "too_few_points")
    without = spc_chart(values, True, target=12.0)
    assert without.table["special_cause"].sum() == 18  # every point a signal: the misleading old reading


def test_twelve_points_in_the_latest_period_give_an_assurance_verdict():
    values = [11.0, 9.0] * 3 + [21.0, 19.0] * 6
    assert spc_chart(values, True, target=12.0, change_points=[6]).assurance == "pass"
    assert spc_chart(values[:11], True, target=5.0).assurance == "too_few_points"
    assert spc_chart(values[:11], True).assurance is None  # no target: nothing to assure
    assert str(assurance_label("too_few_points")).startswith("! Too few points to assure")


def test_change_point_outside_the_series_is_refused():
    with pytest.raises(ValueError, match="outside the series"):
        spc_chart([1.0, 2.0, 3.0], True, change_points=[3])


@pytest.mark.parametrize(
    ("starts", "expected"),
    [
        (["2024/25 Q1"], [16]),
        (["2023/24 Q3", "2024/25 Q1"], [14, 16]),
        (["2019/20 Q4", "2020/21 Q1"], []),  # at or before the first quarter: nothing to split
        (["2025/26 Q1"], []),  # after the series
        (["2024/25"], [16]),  # a financial year starts at its Q1
    ],
)
def test_change_positions(starts, expected):
    assert change_positions(QUARTERS, starts) == expected


def test_demo_dp_uptake_no_longer_reads_concern_while_rising():
    before = spc_chart(DP_UPTAKE, True, target=25.0)
    assert (before.variation, before.side) == ("concern", "low")  # the misleading verdict
    settings = load_settings()
    breaks = change_points(settings, "dp_uptake_pct")
    assert breaks == [("2024/25 Q1", "ASCOF series break: 1C(2a) became 3D(2a)")]
    after = spc_chart(DP_UPTAKE, True, target=25.0, change_points=change_positions(QUARTERS, [p for p, _ in breaks]))
    assert after.variation == "common_cause"
    assert after.assurance == "too_few_points"
    reading = spc_reading(after, QUARTERS, breaks, "%")
    assert reading == (
        "Limits recalculated from 2024/25 Q1 (ASCOF series break: 1C(2a) became 3D(2a)). "
        "The mean moved from 20.7% to 20.1%. "
        "The latest quarter is within the usual variation: no sign of a change. "
        "Only 4 points since 2024/25 Q1: the limits are provisional and no assurance is given until there are 12."
    )


def test_demo_dpss_quarters_before_the_fall_are_not_improvement():
    before = spc_chart(DPSS, True, target=75.0).table
    assert before["variation"][:14].to_list() == ["improvement"] * 14  # the 14 quarters
    breaks = change_points(load_settings(), "dpss_very_good_pct")  # declared in the shipped asc.toml
    assert breaks == [("2023/24 Q3", "Query backlog at the support service")]
    after = spc_chart(DPSS, True, target=75.0, change_points=change_positions(QUARTERS, ["2023/24 Q3"]))
    assert after.table["variation"][:14].to_list() == ["common_cause"] * 14
    assert [round(p.centre, 1) for p in after.periods] == [74.9, 56.9]
    assert "The mean moved from 74.9% to 56.9%." in spc_reading(after, QUARTERS, breaks, "%")


def test_a_trend_is_described_as_a_direction_of_travel():
    rising = [100.0 + 10 * i for i in range(14)]
    result = spc_chart(rising, True)
    reading = spc_reading(result, QUARTERS[:14])
    assert reading.startswith("It has risen in each of the last 13 quarters: a sustained trend, not chance.")
    assert "Only 14" not in reading


def test_a_run_below_the_mean_that_has_turned_up_says_so():
    # Twelve points around 10, then seven below it, the last four rising: a run (low) but recovering.
    values = [11.0, 9.0] * 6 + [8.0, 8.5, 7.0, 7.2, 7.4, 7.6, 7.8]
    result = spc_chart(values, True, baseline_points=12)
    assert result.latest_rules == ["run"]
    reading = spc_reading(result, QUARTERS[: len(values)])
    assert reading == (
        "The latest quarters are all below the mean: the level has shifted, though it has risen in each of the "
        "last 4 quarters."
    )


def test_user_change_points_are_validated(tmp_path):
    config = tmp_path / "asc.toml"
    config.write_text('[[change_points]]\nmeasure = "no_such_measure"\nperiod = "2023/24 Q3"\nlabel = "x"\n')
    # A measure the registry does not know may be a KPI code: the KPI catalogue decides, on the Provider KPIs page.
    assert change_points(load_settings(config), "dp_uptake_pct") == change_points(Settings(), "dp_uptake_pct")
    with pytest.raises(ConfigError, match="'no_such_measure' is neither in the measure registry nor a KPI code"):
        kpi_change_points(load_settings(config), ["hc_missed"], "hc_missed", "Any provider")
    config.write_text('[[change_points]]\nmeasure = "active_pas"\nperiod = "Q3 2023"\nlabel = "x"\n')
    with pytest.raises(ConfigError, match="2024/25 Q1"):
        change_points(load_settings(config), "active_pas")
    config.write_text('[[change_points]]\nmeasure = "active_pas"\nperiod = "2023/24 Q3"\nlabel = "New DPSS"\n')
    assert change_points(load_settings(config), "active_pas") == [("2023/24 Q3", "New DPSS")]
