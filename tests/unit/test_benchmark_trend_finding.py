"""The benchmarking trend chart's title states its finding: the council on one side of England in every year shown,
or else the latest year's verdict against England by the same 95% interval as the summary table's."""

import polars as pl

from dashboard.present.benchmarking import ENGLAND, trend_finding

COUNCIL = "E10000003"


def rows(mine: list[float], england: list[float], numerator=None, denominator=None, higher=True) -> pl.DataFrame:
    years = [f"20{18 + i}/{19 + i}" for i in range(len(mine))]
    common = {"unit": "percent", "interval": "binomial", "higher_is_better": higher, "margin_of_error": None}
    return pl.DataFrame(
        [{"year": y, "area_code": COUNCIL, "value": v, "numerator": numerator, "denominator": denominator, **common}
         for y, v in zip(years, mine, strict=True)]
        + [{"year": y, "area_code": ENGLAND, "value": v, "numerator": None, "denominator": None, **common}
           for y, v in zip(years, england, strict=True)]
    )  # fmt: skip


def test_below_england_every_year_is_said_as_such():
    finding, detail = trend_finding(rows([23.5, 23.0, 22.1], [28.3, 27.9, 26.2]), COUNCIL, "Cambridgeshire")
    assert finding == "Cambridgeshire below England in every year shown"
    assert detail == "In 2020/21, Cambridgeshire 22.1%, England 26.2%."


def test_sides_that_change_fall_back_to_the_latest_year_s_interval():
    # 2020/21: 170 of 1,000 = 17.0%, Wilson 95% interval 14.8% to 19.4%: below England's 24.5%, so worse.
    worse = rows([26.0, 17.0], [25.0, 24.5], numerator=170, denominator=1000)
    assert trend_finding(worse, COUNCIL, "Cambridgeshire")[0] == "Cambridgeshire worse than England in 2019/20"
    # 24 of 100 = 24.0%, interval 16.7% to 33.2%: England's 24.5% is inside it.
    similar = rows([26.0, 24.0], [25.0, 24.5], numerator=24, denominator=100)
    assert trend_finding(similar, COUNCIL, "Cambridgeshire")[0] == "Cambridgeshire similar to England in 2019/20"
    # Lower is better: 17.0% against 24.5% is better.
    better = rows([26.0, 17.0], [25.0, 24.5], numerator=170, denominator=1000, higher=False)
    assert trend_finding(better, COUNCIL, "Cambridgeshire")[0] == "Cambridgeshire better than England in 2019/20"


def test_without_an_interval_the_latest_side_is_said_and_equal_figures_are_level():
    assert trend_finding(rows([26.0, 24.0], [25.0, 24.5]), COUNCIL, "C")[0] == "C below England in 2019/20"
    assert trend_finding(rows([26.0, 24.51], [25.0, 24.5]), COUNCIL, "C")[0] == "C level with England in 2019/20"
    assert trend_finding(rows([24.5, 24.5], [24.5, 24.5]), COUNCIL, "C")[0] == "C level with England in 2019/20"


def test_the_spine_title_counts_the_table_s_verdicts_against_england():
    from dashboard.present.benchmarking import spine_finding

    verdicts = ["better"] * 2 + ["similar"] * 3 + ["worse"] + ["not compared"] * 2
    assert spine_finding("Cambridgeshire", verdicts) == (
        "Cambridgeshire does better than England on 2 of 8 measures, similarly on 3, worse on 1; 2 not compared"
    )
    assert (
        spine_finding("C", ["not compared"])
        == "C: none of 1 measures can be compared with England (no intervals published)"
    )


def test_the_funnel_title_places_the_council_and_counts_the_councils_outside_the_limits():
    from dashboard.present.benchmarking import funnel_finding

    positions = ["within"] * 5 + ["above 95%", "below 99.8%", "no data"]
    # 2 of the 7 councils with a value lie beyond the 95% limits (beyond 99.8% is beyond 95% too).
    assert funnel_finding(positions, "within", "Cambridgeshire", True) == (
        "Cambridgeshire is within the 95% limits; 2 of 7 councils lie outside them"
    )
    assert funnel_finding(positions, "below 99.8%", "C", True) == (
        "C is below the 99.8% limits (higher is better); 2 of 7 councils lie outside them"
    )
    assert funnel_finding(positions, "above 95%", "C", False) == (
        "C is above the 95% limits (lower is better); 2 of 7 councils lie outside them"
    )
    assert (
        funnel_finding(positions, "no data", "C", True) == "C has no published value; 2 of 7 councils lie outside them"
    )
