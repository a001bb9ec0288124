"""Which test a survey change gets, and when it gets none: worked by hand.

- 3/3 -> 0/2 (the issue's case). The z-test pools 3/5 = 0.6: se = sqrt(0.6 x 0.4 x (1/3 + 1/2)) = sqrt(0.2)
  = 0.44721, z = -1 / 0.44721 = -2.23607, p = 0.02535: "a real change" on five people. Expected counts are
  1.8, 1.2, 1.2, 0.8 (all under 5), so Fisher's exact test applies: the tables with the margins 3 | 2 and
  3 | 2 have probabilities 0.1 (observed), 0.6 and 0.3, so the two-sided p = 0.1 (tables as likely or less).
- 29/30 -> 24/30. z-test: pooled 53/60, se = sqrt(53/60 x 7/60 x 2/30) = 0.082888, z = -0.166667 / 0.082888
  = -2.01075, p = 0.04435 (significant). Expected failures 30 x 7 / 60 = 3.5 < 5, so Fisher: failures in
  the first group k ~ hypergeometric, P(k) = C(30, k) C(30, 7 - k) / C(60, 7), symmetric about 3.5, so
  p = 2 (P(0) + P(1)) = 2 (2,035,800 + 17,813,250) / 386,206,920 = 0.102790: not significant.
"""

import math

import polars as pl
import pytest

from models.survey import FISHER, Z_TEST, compare_proportions, expected_counts, flag_changes, two_proportion_test


def test_three_of_three_then_none_of_two_is_not_a_real_change():
    z = two_proportion_test(3, 3, 0, 2)
    assert z.z == pytest.approx(-2.23607, abs=1e-5)
    assert z.p_value == pytest.approx(0.02535, abs=1e-5)
    assert z.significant  # what the page used to say
    assert expected_counts(3, 3, 0, 2).ravel().tolist() == pytest.approx([1.8, 1.2, 1.2, 0.8])
    exact = compare_proportions(3, 3, 0, 2)
    assert (exact.method, exact.significant) == (FISHER, False)
    assert exact.p_value == pytest.approx(0.1)
    # And with the page's minimum base of 30 there is no verdict at all.
    untested = compare_proportions(3, 3, 0, 2, min_base=30)
    assert (untested.method, untested.p_value, untested.significant) == (None, None, False)
    assert untested.difference == pytest.approx(-1.0)


def test_small_expected_counts_use_fisher_even_above_the_minimum_base():
    hand = 2 * (math.comb(30, 0) * math.comb(30, 7) + math.comb(30, 1) * math.comb(30, 6)) / math.comb(60, 7)
    assert hand == pytest.approx(0.102790, abs=1e-6)
    z = two_proportion_test(29, 30, 24, 30)
    assert z.z == pytest.approx(-2.01075, abs=1e-4) and z.significant
    exact = compare_proportions(29, 30, 24, 30, min_base=30)
    assert exact.method == FISHER
    assert exact.p_value == pytest.approx(hand, rel=1e-9)
    assert not exact.significant


def test_large_expected_counts_keep_the_z_test():
    # 30/40 -> 18/40: expected counts 24, 16, 24, 16; z-test p = 0.00617 (as in test_survey).
    result = compare_proportions(30, 40, 18, 40, min_base=30)
    assert result.method == Z_TEST
    assert result.p_value == pytest.approx(0.00617, abs=5e-5)
    assert result.significant


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2"),
    [(0, 0, 5, 10), (5, 10, 0, 0), (0, 10, 0, 12), (10, 10, 12, 12)],
)
def test_nothing_to_test(x1, n1, x2, n2):
    result = compare_proportions(x1, n1, x2, n2)
    assert (result.method, result.p_value, result.significant) == (None, None, False)


def test_flag_changes_names_the_test_and_respects_the_minimum_base():
    frame = pl.DataFrame({"period": ["Q1", "Q2", "Q3", "Q4"], "x": [30, 18, 3, 0], "n": [40, 40, 3, 2]})
    flagged = flag_changes(frame, "x", "n", min_base=30)
    assert flagged["test"].to_list() == [None, Z_TEST, None, None]
    assert flagged["significant_change"].to_list() == [False, True, False, False]
    assert flagged["change_points"].to_list() == pytest.approx([None, -30.0, 55.0, -100.0], nan_ok=True)
    no_floor = flag_changes(frame, "x", "n")
    assert no_floor["test"].to_list() == [None, Z_TEST, FISHER, FISHER]
    assert no_floor["p_value"][3] == pytest.approx(0.1)
