"""Chart titles and sentences that state the finding, computed from the data: change the data, the words change.

DP uptake by district against a 25% target (higher is better), and the DPSS survey's significant changes (Fisher's
exact test where an expected count is under 5, no verdict under the minimum base of 30 respondents).
"""

from __future__ import annotations

import polars as pl

from dashboard.present.direct_payments import furthest_from_target
from dashboard.present.disclosure import Disclosure
from dashboard.present.satisfaction import significant_change, survey_quarters

COUNTY = "E10000003"


def uptake(**by_district: float | None) -> pl.DataFrame:
    names = list(by_district)
    return pl.DataFrame(
        {
            "period": ["2024/25 Q4"] * (len(names) + 1),
            "locality_code": [f"E0700000{i}" for i in range(len(names))] + [COUNTY],
            "locality_name": names + ["Cambridgeshire (all)"],
            "uptake_pct": [*by_district.values(), 20.0],
        },
        schema={"period": pl.String, "locality_code": pl.String, "locality_name": pl.String, "uptake_pct": pl.Float64},
    )


def test_the_district_furthest_from_the_target_is_named_from_the_data():
    finding = furthest_from_target(uptake(Fenland=16.5, Cambridge=24.0, Huntingdonshire=26.0), COUNTY, 25.0, True)
    assert finding.title == "Fenland is furthest from the 25.0% target"
    assert finding.sentence == (
        "In 2024/25 Q4, Fenland is the district furthest from the 25.0% target for direct payment uptake, at 16.5% "
        "(8.5 points below it); two of the three districts shown are below the target."
    )
    # Fenland catches up: Cambridge is now furthest behind.
    finding = furthest_from_target(uptake(Fenland=25.5, Cambridge=24.0, Huntingdonshire=26.0), COUNTY, 25.0, True)
    assert finding.title == "Cambridge is furthest from the 25.0% target"
    assert "one of the three districts shown is below the target" in finding.sentence
    # Everyone at or above the target.
    finding = furthest_from_target(uptake(Fenland=25.0, Cambridge=27.0), COUNTY, 25.0, True)
    assert finding.title == "every district is at or above the 25.0% target"


def test_a_hidden_district_is_neither_named_nor_compared():
    finding = furthest_from_target(uptake(Fenland=None, Cambridge=24.0, Huntingdonshire=20.0), COUNTY, 25.0, True)
    assert finding.title == "Huntingdonshire is furthest from the 25.0% target"
    assert "both districts shown (one not shown: small numbers) are below the target" in finding.sentence
    assert "Fenland" not in finding.sentence


def survey(counts: list[tuple[int, int]]) -> pl.DataFrame:
    periods = ["2023/24 Q1", "2023/24 Q2", "2023/24 Q3", "2023/24 Q4", "2024/25 Q1"][: len(counts)]
    return pl.DataFrame(
        {"period": periods, "top_box": [t for t, _ in counts], "responses": [n for _, n in counts]},
        schema={"period": pl.String, "top_box": pl.Int64, "responses": pl.Int64},
    ).with_columns(top_box_pct=100 * pl.col("top_box") / pl.col("responses"))


def test_the_quarter_satisfaction_fell_significantly_is_named():
    # 30 of 40 (75%) then 18 of 40 (45%): the 2023/24 Q3 fall of the demo's calibration, significant.
    quarters = survey_quarters(survey([(31, 40), (30, 40), (18, 40), (19, 40)]), Disclosure(5), 30)
    title, sentence = significant_change(quarters)
    assert title == "Satisfaction fell significantly in 2023/24 Q3"
    assert sentence.startswith(
        "Satisfaction fell significantly in 2023/24 Q3: from 75.0% to 45.0% of DPSS customers rating the service "
        "very good (two-proportion z-test, p = 0.00"
    )
    assert sentence.endswith("; 40 and 40 respondents).")
    # The same fall a quarter later names that quarter instead.
    title, _ = significant_change(survey_quarters(survey([(31, 40), (30, 40), (30, 40), (18, 40)]), Disclosure(5), 30))
    assert title == "Satisfaction fell significantly in 2023/24 Q4"
    # A rise is called a rise.
    title, _ = significant_change(survey_quarters(survey([(18, 40), (30, 40)]), Disclosure(5), 30))
    assert title == "Satisfaction rose significantly in 2023/24 Q2"


def test_no_verdict_on_small_bases_or_chance_changes():
    # 3 of 3 then 0 of 2: below the minimum base, never called significant.
    title, sentence = significant_change(survey_quarters(survey([(3, 3), (0, 2)]), Disclosure(0), 30))
    assert title == "No change in satisfaction could be tested"
    assert (
        sentence == "No change between quarters could be tested: each needs at least 30 respondents in both quarters."
    )
    # 30 of 40 then 28 of 40: tested, within chance.
    title, sentence = significant_change(survey_quarters(survey([(30, 40), (28, 40)]), Disclosure(5), 30))
    assert title == "No significant change in satisfaction"
    assert sentence == "None of the 1 quarter-on-quarter changes that could be tested was statistically significant."
