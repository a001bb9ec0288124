"""The disclosure rules on small hand-made tables, worked out by hand."""

import polars as pl
import pytest

from dashboard.present.disclosure import HIDDEN, Disclosure

RULES = Disclosure(5)


@pytest.mark.parametrize(("value", "shown"), [(0, "0"), (1, "<5"), (4, "<5"), (5, "5"), (1234, "1,234"), (None, "–")])
def test_counts_below_the_threshold_are_shown_as_less_than_five(value, shown):
    assert RULES.count(value) == shown


def test_a_rate_resting_on_a_small_count_is_hidden_and_zero_identifies_nobody():
    assert RULES.rate(40.0, [2, 5]) == HIDDEN
    assert RULES.rate(50.0, [2, 4]) == HIDDEN  # "50.0% of 4" would give the 2 away
    assert RULES.rate(40.0, [20, 50]) == "40.0%"
    assert RULES.rate(0.0, [0, 50]) == "0.0%"
    assert RULES.value_or_none(40.0, [2, 5]) is None and RULES.value_or_none(40.0, [20, 50]) == 40.0


def test_chart_values_are_blanked_before_drawing():
    assert RULES.counts_for_chart([0, 3, 7, None]) == [0.0, None, 7.0, None]


def _areas() -> pl.DataFrame:
    # Four districts and their county total: Fenland's 3 is small; the county less the others would give it away.
    return pl.DataFrame(
        {
            "area": ["Cambridge", "East Cambs", "Fenland", "Hunts", "County"],
            "people": [40, 12, 3, 25, 80],
            "base": [100, 60, 20, 90, 270],
            "share": [40.0, 20.0, 15.0, 27.8, 29.6],
            "total": [False, False, False, False, True],
        }
    )


def test_one_hidden_district_hides_the_next_smallest_so_the_total_cannot_give_it_away():
    frame = _areas()
    shown = RULES.table(frame, ["people", "base"], {"share": ["people", "base"]}, total_row="total")
    assert shown["people"].to_list() == [40, None, None, 25, 80]  # Fenland (3) and the next smallest (12)
    assert shown["share"].to_list() == [40.0, None, None, 27.8, 29.6]  # shares resting on hidden counts go too
    assert RULES.count_texts(shown, frame, "people") == ["40", HIDDEN, "<5", "25", "80"]
    # The county total less the shown districts now leaves 15, shared by two districts: neither can be told.
    assert 80 - 40 - 25 == 15


def test_two_small_districts_need_no_secondary_suppression():
    frame = _areas().with_columns(pl.Series("people", [40, 2, 3, 25, 70]))
    shown = RULES.table(frame, ["people"], total_row="total")
    assert shown["people"].to_list() == [40, None, None, 25, 70]


def test_areas_apply_the_rules_quarter_by_quarter():
    one = _areas().with_columns(pl.lit("2024/25 Q1").alias("period"), pl.Series("locality_code", list("ABCDZ")))
    two = one.with_columns(pl.lit("2024/25 Q2").alias("period"), pl.Series("people", [40, 12, 9, 25, 86]))
    shown = RULES.areas(pl.concat([one, two]), "Z", ["people"], {"share": ["people", "base"]})
    assert shown["people_text"].to_list() == ["40", HIDDEN, "<5", "25", "80", "40", "12", "9", "25", "86"]
    assert shown["share"].to_list()[5:] == [40.0, 20.0, 15.0, 27.8, 29.6]


def test_not_personal_counts_can_use_a_threshold_of_one():
    assert Disclosure(1).count(2) == "2"
