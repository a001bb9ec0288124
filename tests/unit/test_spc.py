"""XmR chart limits, Making Data Count rules, variation labels and assurance.

Most cases share one hand-worked baseline of 12 points alternating 11, 9, ..., 11, 9:
    centre      = (6 x 11 + 6 x 9) / 12 = 10
    MR-bar      = mean of eleven moving ranges of 2 = 2
    limits      = 10 +/- 2.66 x 2 = 10 +/- 5.32      -> 4.68 .. 15.32
    sigma       = 2 / 1.128 = 1.7730
    2 sigma     = 10 +/- 3.5461                      -> 6.4539 .. 13.5461
The points under test follow the baseline, and ``baseline_points=12`` keeps them out of it.
"""

import math

import pytest

from models.spc import assess_assurance, spc_chart, xmr_limits

BASELINE = [11.0, 9.0] * 6


def _flagged(table, rule=None):
    """Indices of special-cause points, optionally only those a given rule triggered."""
    rows = table.filter(table["special_cause"])
    if rule is not None:
        rows = rows.filter(rows["rule"].str.split(",").list.contains(rule))
    return rows["index"].to_list()


def test_limits_worked_example():
    # 10, 12, 11, 13, 12, 14: fewer than 12 points, so all six are the baseline.
    # centre = 72 / 6 = 12; moving ranges 2, 1, 2, 1, 2 -> MR-bar = 8 / 5 = 1.6
    # limits = 12 +/- 2.66 x 1.6 = 12 +/- 4.256; sigma = 1.6 / 1.128 = 1.41844
    limits = xmr_limits([10, 12, 11, 13, 12, 14])
    assert limits.centre == pytest.approx(12.0)
    assert limits.mr_bar == pytest.approx(1.6)
    assert (limits.lower, limits.upper) == pytest.approx((7.744, 16.256))
    assert limits.sigma == pytest.approx(1.41844, abs=1e-5)
    assert (limits.lower_1sigma, limits.upper_1sigma) == pytest.approx((10.58156, 13.41844), abs=1e-5)
    assert (limits.lower_2sigma, limits.upper_2sigma) == pytest.approx((9.16312, 14.83688), abs=1e-5)
    assert limits.baseline_points == 6


@pytest.mark.parametrize(
    ("length", "baseline_points", "expected_baseline"),
    [
        (11, None, 11),  # under 12 points: use them all
        (15, None, 15),  # 12-20 points: use them all
        (25, None, 20),  # over 20: the first 20
        (25, 12, 12),  # caller's choice
        (8, 12, 8),  # a baseline longer than the series uses the whole series
    ],
)
def test_baseline_length(length, baseline_points, expected_baseline):
    # Baseline alternates 11, 9; every later point is 100, so leaking one into the baseline moves the centre.
    values = [11.0 if i % 2 == 0 else 9.0 for i in range(expected_baseline)]
    values += [100.0] * (length - expected_baseline)
    limits = xmr_limits(values, baseline_points)
    assert limits.baseline_points == expected_baseline
    assert limits.mr_bar == pytest.approx(2.0)
    table = spc_chart(values, True, baseline_points=baseline_points).table
    assert table["baseline"].sum() == expected_baseline


def test_baseline_points_below_two_rejected():
    with pytest.raises(ValueError, match="baseline_points"):
        xmr_limits([1, 2, 3], baseline_points=1)


@pytest.mark.parametrize(
    ("tail", "run_length", "expected"),
    [
        ([11.0] * 7, 7, list(range(12, 19))),  # seven points above the centre of 10
        ([11.0] * 6, 7, []),  # six is not enough
        ([11.0] * 7, 8, []),  # configurable: eight now needed
        ([11.0] * 5, 5, list(range(12, 17))),  # configurable: five is enough
        # Below the centre counts too; the baseline's closing 9 (index 11) joins the run.
        ([9.0] * 7, 7, list(range(11, 19))),
        # A point on the centre line (index 15) neither breaks nor extends the run, and is not flagged.
        ([11.0, 11.0, 11.0, 10.0, 11.0, 11.0, 11.0, 11.0], 7, [12, 13, 14, 16, 17, 18, 19]),
        # A point below the centre does break it: 3 + 3.
        ([11.0, 11.0, 11.0, 9.0, 11.0, 11.0, 11.0], 7, []),
    ],
)
def test_run_rule(tail, run_length, expected):
    # BASELINE ends on 9 (below the centre), so a run above it starts at index 12.
    # Equal values form no trend and 11 or 9 is inside 2 sigma, so only the run rule can fire.
    table = spc_chart(BASELINE + tail, True, baseline_points=12, run_length=run_length).table
    assert _flagged(table) == expected
    assert _flagged(table, "run") == expected


def test_run_above_is_improvement_when_higher_is_better():
    table = spc_chart(BASELINE + [11.0] * 7, higher_is_better=True, baseline_points=12).table
    run = table.filter(table["special_cause"])
    assert set(run["side"]) == {"high"}
    assert set(run["variation"]) == {"improvement"}
    assert set(table.filter(~table["special_cause"])["variation"]) == {"common_cause"}


@pytest.mark.parametrize(
    ("tail", "trend_length", "expected_side"),
    [
        # 9 -> 8.5 falls, then 8.5, 9, 9.5, 10, 10.5, 11, 11.5 rise: a trend of exactly 7 (indices 12-18).
        # No run (three below, one on, three above the centre) and nothing beyond 2 sigma.
        ([8.5, 9.0, 9.5, 10.0, 10.5, 11.0, 11.5], 7, "high"),
        # Mirror image: 9 -> 11.5 rises, then seven falling points.
        ([11.5, 11.0, 10.5, 10.0, 9.5, 9.0, 8.5], 7, "low"),
    ],
)
def test_trend_rule(tail, trend_length, expected_side):
    table = spc_chart(BASELINE + tail, True, baseline_points=12, trend_length=trend_length).table
    assert _flagged(table) == list(range(12, 19))
    assert _flagged(table, "trend") == list(range(12, 19))
    assert set(table.filter(table["special_cause"])["side"]) == {expected_side}


@pytest.mark.parametrize(
    ("tail", "trend_length"),
    [
        ([8.5, 9.0, 9.5, 10.0, 10.5, 11.0], 7),  # only six rising
        ([8.5, 9.0, 9.5, 10.0, 10.0, 10.5, 11.0], 7),  # the repeated 10 breaks the trend
        ([8.5, 9.0, 9.5, 10.0, 10.5, 11.0, 11.5], 8),  # configurable: eight now needed
    ],
)
def test_no_trend(tail, trend_length):
    table = spc_chart(BASELINE + tail, True, baseline_points=12, trend_length=trend_length).table
    assert _flagged(table) == []


def test_trend_side_follows_its_direction_not_the_centre_line():
    # 9 -> 7 falls, then 7, 7.5, 8, 8.5, 9 rise: a trend of five (trend_length=5), all below the centre.
    # Only six points below in a row (indices 11-16), none beyond 2 sigma (6.454): the trend alone fires,
    # and a rising trend is an improvement when higher is better.
    table = spc_chart(BASELINE + [7.0, 7.5, 8.0, 8.5, 9.0], True, baseline_points=12, trend_length=5).table
    assert _flagged(table, "trend") == [12, 13, 14, 15, 16]
    assert set(table.filter(table["special_cause"])["variation"]) == {"improvement"}


def test_stronger_rules_decide_the_side_when_rules_disagree():
    # 9 -> 4 falls, then 4, 5, 6, 7, 8 rise (trend of five, side high), but
    # 4 is below the lower limit 4.68, and 4, 5, 6 are below 2 sigma (6.454): those rules say low.
    # Precedence beyond_limits > two_of_three > run > trend gives:
    table = spc_chart(BASELINE + [4.0, 5.0, 6.0, 7.0, 8.0], True, baseline_points=12, trend_length=5).table
    tail = table.filter(table["index"] >= 12)
    assert tail["rule"].to_list() == [
        "beyond_limits,trend,two_of_three",
        "trend,two_of_three",
        "trend,two_of_three",
        "trend",
        "trend",
    ]
    assert tail["variation"].to_list() == ["concern", "concern", "concern", "improvement", "improvement"]


@pytest.mark.parametrize(
    ("higher_is_better", "value", "variation", "side"),
    [
        (True, 16.0, "improvement", "high"),  # 16 > upper limit 15.32
        (False, 16.0, "concern", "high"),
        (None, 16.0, "neutral", "high"),
        (True, 4.0, "concern", "low"),  # 4 < lower limit 4.68
        (False, 4.0, "improvement", "low"),
    ],
)
def test_point_beyond_limits(higher_is_better, value, variation, side):
    result = spc_chart(BASELINE + [value], higher_is_better, baseline_points=12)
    assert _flagged(result.table) == [12]
    assert result.table["rule"][12] == "beyond_limits"
    assert result.table["variation"][12] == variation
    # The headline icon is the latest point's.
    assert (result.variation, result.side) == (variation, side)


def test_point_on_the_limit_is_not_beyond():
    # Baseline 0, 10 (centre 5, MR-bar 10, limits 5 +/- 26.6): 31.6 sits on the upper limit.
    table = spc_chart([0.0, 10.0, 31.6], True, baseline_points=2).table
    assert table["upper"][0] == pytest.approx(31.6)
    assert "beyond_limits" not in table["rule"][2]


@pytest.mark.parametrize(
    ("tail", "expected", "side"),
    [
        ([14.0, 10.0, 14.0], [12, 14], "high"),  # 14 > 13.546 twice in three; the 10 is not flagged
        ([14.0, 14.0], [12, 13], "high"),
        ([6.0, 10.0, 6.0], [12, 14], "low"),  # 6 < 6.454
        ([14.0, 10.0, 6.0], [], None),  # opposite sides do not combine
        ([14.0, 10.0, 10.0, 14.0], [], None),  # two beyond, but not within three points
    ],
)
def test_two_of_three_beyond_two_sigma(tail, expected, side):
    table = spc_chart(BASELINE + tail, True, baseline_points=12).table
    assert _flagged(table) == expected
    assert _flagged(table, "two_of_three") == expected
    if side:
        assert set(table.filter(table["special_cause"])["side"]) == {side}


@pytest.mark.parametrize(
    ("target", "higher_is_better", "expected"),
    [
        (4.0, True, "pass"),  # lower limit 4.68 above the target: always met
        (16.0, True, "fail"),  # upper limit 15.32 below the target: never met
        (10.0, True, "hit_and_miss"),
        (16.0, False, "pass"),
        (4.0, False, "fail"),
        (10.0, False, "hit_and_miss"),
        (4.0, None, None),  # a neutral measure has no good side
        (None, True, None),
    ],
)
def test_assurance(target, higher_is_better, expected):
    result = spc_chart(BASELINE, higher_is_better, target=target)
    assert (result.limits.lower, result.limits.upper) == pytest.approx((4.68, 15.32))
    assert result.assurance == expected


@pytest.mark.parametrize(("target", "expected"), [(5.0, "hit_and_miss"), (15.0, "hit_and_miss"), (4.99, "pass")])
def test_assurance_target_on_a_limit_is_hit_and_miss(target, expected):
    assert assess_assurance(5.0, 15.0, target, higher_is_better=True) == expected


@pytest.mark.parametrize("values", [[], [5.0], [None, 5.0, None], [math.nan]])
def test_fewer_than_two_points(values):
    limits = xmr_limits(values)
    assert math.isnan(limits.centre) and math.isnan(limits.lower) and math.isnan(limits.upper)
    result = spc_chart(values, True, target=3.0)
    assert result.table.height == len(values)
    assert result.table["centre"].null_count() == len(values)
    assert not result.table["special_cause"].any()
    assert result.table["variation"].null_count() == len(values)
    assert (result.variation, result.assurance) == (None, None)


def test_constant_series():
    # MR-bar = 0, so the limits collapse onto the centre; nothing differs from it, so no signals,
    # and points on the centre line make no run.
    result = spc_chart([5.0] * 15, True)
    assert result.limits.mr_bar == 0
    assert (result.limits.lower, result.limits.centre, result.limits.upper) == (5.0, 5.0, 5.0)
    assert not result.table["special_cause"].any()
    assert set(result.table["variation"]) == {"common_cause"}


def test_change_after_constant_baseline_is_beyond_limits():
    table = spc_chart([5.0] * 12 + [6.0], True, baseline_points=12).table
    assert _flagged(table, "beyond_limits") == [12]


def test_missing_values_skipped_but_kept():
    # Observed points are the worked example 10, 12, 11, 13, 12, 14 (centre 12, MR-bar 1.6):
    # moving ranges join consecutive observed points across the gaps.
    values = [10, None, 12, 11, math.nan, 13, 12, 14, None]
    limits = xmr_limits(values)
    assert (limits.centre, limits.mr_bar) == pytest.approx((12.0, 1.6))
    result = spc_chart(values, True)
    table = result.table
    assert table.height == 9
    assert table["value"].null_count() == 3
    assert table.filter(table["value"].is_null())["variation"].null_count() == 3
    assert table.filter(table["value"].is_null())["special_cause"].sum() == 0
    # The headline describes the last observed point (14), not the trailing gap.
    assert result.variation == "common_cause"


def test_missing_values_do_not_break_a_run():
    table = spc_chart(BASELINE + [11.0, 11.0, 11.0, None, 11.0, 11.0, 11.0, 11.0], True, baseline_points=12).table
    assert _flagged(table, "run") == [12, 13, 14, 16, 17, 18, 19]


def test_output_columns():
    table = spc_chart(BASELINE, True).table
    assert table.columns == [
        "index",
        "period",
        "value",
        "centre",
        "lower",
        "upper",
        "lower_1sigma",
        "upper_1sigma",
        "lower_2sigma",
        "upper_2sigma",
        "target",
        "baseline",
        "special_cause",
        "rule",
        "side",
        "variation",
    ]
    assert table["index"].to_list() == list(range(12))


@pytest.mark.parametrize("argument", ["run_length", "trend_length"])
def test_rule_lengths_below_two_rejected(argument):
    with pytest.raises(ValueError, match=argument):
        spc_chart(BASELINE, True, **{argument: 1})
