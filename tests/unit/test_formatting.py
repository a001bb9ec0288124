import math

from dashboard.formatting import count, gbp, pct, points, signed
from dashboard.present.direct_payments import comparator_sentence
from dashboard.present.direct_payments import uptake_sentence as dp_uptake_sentence


def test_number_formats():
    assert pct(19.64) == "19.6%" and pct(None) == "–" and pct(math.nan) == "–"
    assert count(4183.4) == "4,183"
    assert gbp(21_512_000) == "£21.5m" and gbp(154072) == "£154,072"
    assert points(-5.21) == "5.2 points" and points(1.04) == "1.0 point"
    assert signed(-1.0) == "−1.0" and signed(2.345, suffix="%") == "+2.3%"


def test_dp_sentence_states_gap_and_direction():
    below = dp_uptake_sentence("Cambridgeshire", "2024/25 Q4", 19.8, 25.0, "2024/25 Q4")
    assert "19.8%" in below and "5.2 points below the 25.0% target for 2024/25 Q4" in below
    assert "higher is better" in below
    assert "1.5 points above" in dp_uptake_sentence("Fenland", "2023/24 Q1", 26.5, 25.0, "2024/25 Q4")
    assert "on the 25.0% target" in dp_uptake_sentence("Fenland", "2023/24 Q1", 25.04, 25.0, "2024/25 Q4")


def test_comparator_sentence():
    text = comparator_sentence("2022/23", {"England": 26.2, "East of England": 24.3})
    assert text == "Latest published ASCOF values (2022/23): England 26.2%, East of England 24.3%."


def _assessment(spec, values):
    from models.measures import assess

    periods = [f"2023/24 Q{i}" for i in range(1, 5)] + [f"2024/25 Q{i}" for i in range(1, 5)]
    return assess(spec, periods[-len(values) :], values)


def test_measure_sentence_with_a_target_and_trajectory():
    from dashboard.present.headlines import measure_sentence
    from models.measures import MeasureSpec

    spec = MeasureSpec("dp", "Direct payment uptake", "percent", True, 25.0, 2.0)
    text = measure_sentence(_assessment(spec, [18.0, 18.5, 18.8, 19.0, 19.2, 19.4, 19.6, 19.8]), "Cambridgeshire")
    assert text == (
        "Direct payment uptake in Cambridgeshire is 19.8% in 2024/25 Q4, 5.2 points below the 25.0% target "
        "(higher is better); at the last four quarters' rate the target would be reached in 2031/32 Q2."
    )


def test_measure_sentence_without_a_target_uses_the_change_on_a_year():
    from dashboard.present.headlines import measure_sentence
    from models.measures import MeasureSpec

    spec = MeasureSpec("wait", "People waiting for care", "count", False)
    text = measure_sentence(_assessment(spec, [173, 170, 165, 160, 161]), "Fenland")
    assert (
        text == "People waiting for care in Fenland: 161 in 2024/25 Q4, 12 fewer than a year before (lower is better)."
    )


def test_measure_sentence_hides_small_counts():
    from dashboard.present.headlines import measure_sentence
    from models.measures import MeasureSpec

    spec = MeasureSpec("wait", "People waiting for care", "count", False)
    text = measure_sentence(_assessment(spec, [9, 8, 7, 6, 3]), "Fenland", small_now=True)
    assert text == "People waiting for care in Fenland: too few people in 2024/25 Q4 to show (small numbers)."
    assert "3" not in text.replace("2024/25", "")


def test_a_count_names_its_noun_in_the_right_number():
    from pipelines.wording import counted

    assert counted(1, "row") == "1 row"
    assert counted(0, "problem") == "0 problems"
    assert counted(2001, "row") == "2,001 rows"
    assert counted(3, "person", "people") == "3 people"
