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


def funnel(**by_district: tuple[float, str]) -> pl.DataFrame:
    """Districts drawn on the funnel: name -> (proportion, position)."""
    return pl.DataFrame(
        {
            "unit": list(by_district),
            "proportion": [p for p, _ in by_district.values()],
            "position": [w for _, w in by_district.values()],
        },
        schema={"unit": pl.String, "proportion": pl.Float64, "position": pl.String},
    )


def test_the_district_funnel_title_names_the_districts_outside_its_limits_highest_first():
    from dashboard.present.direct_payments import funnel_title

    drawn = funnel(Fenland=(0.15, "below 95%"), Cambridge=(0.26, "above 95%"), Huntingdonshire=(0.21, "within"))
    assert funnel_title(drawn, 0, "2024/25 Q4", False) == (
        "DP uptake by district, 2024/25 Q4: 2 districts lie outside the 95% limits, Cambridge above and Fenland below"
    )
    # Beyond the 99.8% limits reads "well"; widened limits say so; one district outside is named alone.
    drawn = funnel(Fenland=(0.12, "below 99.8%"), Cambridge=(0.26, "within"))
    assert funnel_title(drawn, 0, "2024/25 Q4", True) == (
        "DP uptake by district, 2024/25 Q4, allowing for overdispersion: 1 district lies outside the 95% limits, "
        "Fenland well below"
    )
    assert funnel_title(funnel(A=(0.2, "within"), B=(0.21, "within")), 0, "2024/25 Q4", False) == (
        "DP uptake by district, 2024/25 Q4: no district lies outside the 95% limits"
    )


def test_the_district_funnel_title_leaves_hidden_districts_out_and_says_when_there_is_nothing_to_compare():
    from dashboard.present.direct_payments import funnel_title

    # A district hidden for small numbers is neither named nor counted, only said to be left out.
    drawn = funnel(Cambridge=(0.26, "above 95%"), Huntingdonshire=(0.21, "within"))
    assert funnel_title(drawn, 1, "2024/25 Q4", False) == (
        "DP uptake by district, 2024/25 Q4: 1 district lies outside the 95% limits, Cambridge above "
        "(one not shown: small numbers)"
    )
    assert funnel_title(funnel(), 3, "2024/25 Q4", False) == (
        "DP uptake by district, 2024/25 Q4: no district can be shown (three not shown: small numbers)"
    )
    assert funnel_title(funnel(), 0, "2024/25 Q4", False) == "DP uptake by district, 2024/25 Q4: no data"
    # A council of one district: its funnel's average is its own value, so there is nothing to compare.
    assert funnel_title(funnel(Rutland=(0.3, "within")), 0, "2024/25 Q4", False) == (
        "DP uptake by district, 2024/25 Q4: Rutland is the only district, so none is compared"
    )


def pa_districts(*rows: tuple[str, bool | None, int | None, int | None]) -> pl.DataFrame:
    """Districts after disclosure control: (name, rural, active PAs, DP recipients); None where hidden."""
    return pl.DataFrame(
        {
            "locality_name": [r[0] for r in rows],
            "is_rural": [r[1] for r in rows],
            "active_pas": [r[2] for r in rows],
            "dp_recipients": [r[3] for r in rows],
            "pas_per_100_dp": [None if r[2] is None or r[3] is None else 100 * r[2] / r[3] for r in rows],
        },
        schema={
            "locality_name": pl.String,
            "is_rural": pl.Boolean,
            "active_pas": pl.Int64,
            "dp_recipients": pl.Int64,
            "pas_per_100_dp": pl.Float64,
        },
    )


def test_the_rural_gap_title_pools_the_rural_districts_against_the_others():
    from dashboard.present.workforce import rural_gap_title

    # Rural: (51 + 104) PAs for (102 + 211) recipients = 49.5 per 100; the others (249 + 165) for (258 + 175) = 95.6.
    districts = pa_districts(
        ("Huntingdonshire", False, 249, 258),
        ("Cambridge", False, 165, 175),
        ("Fenland", True, 51, 102),
        ("South Cambridgeshire", True, 104, 211),
    )
    assert rural_gap_title(districts, 72.8, "2024/25 Q4") == (
        "Rural districts have 46.1 fewer PAs per 100 DP recipients than the others in 2024/25 Q4: 49.5 against 95.6"
    )
    # Pooled, not averaged: B's 90 per 100 rests on 10 people; the rural pair together have 19 for 200 = 9.5 (the
    # average of their ratios, 47.6, would put them far above A's 10.0).
    districts = pa_districts(("A", False, 10, 100), ("B", True, 9, 10), ("C", True, 10, 190))
    assert rural_gap_title(districts, None, "2024/25 Q4") == (
        "Rural districts have 0.5 fewer PAs per 100 DP recipients than the others in 2024/25 Q4: 9.5 against 10.0"
    )
    # Equal as shown (to one decimal place): no gap is claimed.
    districts = pa_districts(("A", False, 100, 1000), ("B", True, 1001, 10000))
    assert rural_gap_title(districts, None, "2024/25 Q4") == (
        "Rural districts have as many PAs per 100 DP recipients as the others in 2024/25 Q4: 10.0"
    )


def test_the_rural_gap_title_without_both_kinds_of_district_names_the_one_with_fewest():
    from dashboard.present.workforce import rural_gap_title

    # A hidden district is neither named nor pooled; without a rural district shown, the fewest is named.
    districts = pa_districts(
        ("Cambridge", False, 165, 175), ("Huntingdonshire", False, 249, 258), ("Fenland", True, None, 102)
    )
    assert rural_gap_title(districts, 72.8, "2024/25 Q4") == (
        "Cambridge has the fewest PAs per 100 DP recipients in 2024/25 Q4: 94.3, against the county's 72.8 "
        "(one not shown: small numbers)"
    )
    # A council with no rural flags, or one district.
    assert rural_gap_title(pa_districts(("Rutland", None, 30, 60)), None, "2024/25 Q4") == (
        "Rutland has 50.0 PAs per 100 DP recipients in 2024/25 Q4"
    )
    assert rural_gap_title(pa_districts(("A", True, None, None), ("B", False, 3, None)), 9.0, "2024/25 Q4") == (
        "PAs per 100 DP recipients by district, 2024/25 Q4: no district can be shown (two not shown: small numbers)"
    )
    assert (
        rural_gap_title(pa_districts(), None, "2024/25 Q4")
        == "PAs per 100 DP recipients by district, 2024/25 Q4: no data"
    )


def test_a_breakdown_chart_names_its_highest_and_lowest_groups_shown():
    from dashboard.present.dp_breakdowns import breakdown_finding

    assert breakdown_finding(["18-64", "65+"], [19.64, 20.71]) == "highest for 65+ (20.7%), lowest for 18-64 (19.6%)"
    # A hidden group is neither named nor ranked, only counted.
    assert (
        breakdown_finding(["Asian", "Black", "White"], [None, 31.0, 19.5])
        == "highest for Black (31.0%), lowest for White (19.5%) (one not shown: small numbers)"
    )
    assert breakdown_finding(["A", "B"], [20.01, 19.98]) == "20.0% in every group shown"
    only = "40.0% for B, the only group shown (one not shown: small numbers)"
    assert breakdown_finding(["A", "B"], [None, 40.0]) == only
    assert breakdown_finding(["A", "B"], [None, None]) == "no group can be shown (two not shown: small numbers)"
    assert breakdown_finding([], []) == "no data"
