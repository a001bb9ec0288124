"""The demo warehouse is calibrated to the public figures (DESIGN section 7), measured from the marts."""

from __future__ import annotations

import pytest

COUNTY = "E10000003"
RURAL = ("E07000009", "E07000010", "E07000012")


def one(warehouse, sql, *params):
    rows = warehouse.sql(sql, params=list(params)).fetchall()
    assert len(rows) == 1, rows
    return rows[0] if len(rows[0]) > 1 else rows[0][0]


@pytest.mark.parametrize("period, published", [("2020/21 Q4", 21.1), ("2021/22 Q4", 21.3), ("2022/23 Q4", 19.6)])
def test_county_dp_uptake_matches_published_ascof_within_a_point(warehouse, period, published):
    uptake = one(
        warehouse, "select uptake_pct from mart_dp_uptake where locality_code = ? and period = ?", COUNTY, period
    )
    assert abs(uptake - published) <= 1.0


def test_demo_uptake_sits_beside_the_real_published_series(warehouse):
    published = one(
        warehouse,
        "select value from mart_ascof where measure = 'dp_users' and area_code = ? and year = '2022/23'",
        COUNTY,
    )
    assert published == 19.6


def test_dp_recipients_and_spend_in_2024_25_near_the_paper(warehouse):
    dp, spend = one(
        warehouse,
        "select dp_recipients, dp_annual_spend_gbp from mart_dp_uptake "
        "where locality_code = ? and period = '2024/25 Q4'",
        COUNTY,
    )
    assert 740 <= dp <= 900  # 821 adult DP packages in 2024/25
    assert 18e6 <= spend <= 25e6  # £21.5m a year


def test_personal_assistants_follow_the_dpss_figures(warehouse):
    def pas(period):
        return one(
            warehouse,
            "select active_pas, pas_on_payroll from mart_pa_workforce where locality_code = ? and period = ?",
            COUNTY,
            period,
        )

    assert pas("2020/21 Q1")[0] == pytest.approx(131, rel=0.1)
    active, payroll = pas("2023/24 Q4")
    assert active == pytest.approx(515, rel=0.03) and payroll == pytest.approx(278, rel=0.05)
    assert pas("2022/23 Q4")[0] == pytest.approx(387, rel=0.1)


def test_rural_districts_have_fewer_pas_per_dp_recipient(warehouse):
    rows = warehouse.sql(
        "select period, locality_code, pas_per_100_dp from mart_pa_workforce where locality_code <> ?", params=[COUNTY]
    ).fetchall()
    by_period: dict[str, dict[str, float]] = {}
    for period, code, ratio in rows:
        by_period.setdefault(period, {})[code] = ratio
    for period, ratios in by_period.items():
        rural = [v for k, v in ratios.items() if k in RURAL]
        urban = [v for k, v in ratios.items() if k not in RURAL]
        assert max(rural) < min(urban), period


def test_dpss_survey_drops_from_75_to_45_percent_very_good(warehouse):
    def share(period):
        return one(
            warehouse,
            "select top_box_pct from mart_satisfaction where survey = 'dpss_customer' and "
            "question_code = 'overall_rating' and locality_code = ? and period = ?",
            COUNTY,
            period,
        )

    assert share("2023/24 Q2") == pytest.approx(75, abs=2)
    assert share("2023/24 Q3") == pytest.approx(45, abs=2)


def test_waiting_list_near_161_people_and_1737_hours(warehouse):
    people, hours = one(
        warehouse,
        "select people_waiting, hours_waiting from mart_waiting_list where locality_code = ? and period = '2024/25 Q4'",
        COUNTY,
    )
    # From the synthetic CLD return: requests no service has answered by the quarter end, new people's and
    # existing clients'; the hours of those still waiting are estimated (mart_waiting_list), so near, not exact.
    assert people == pytest.approx(161, rel=0.1)
    assert hours == pytest.approx(1737, rel=0.1)


def test_isfs_set_up_follow_the_75_a_year_plan_from_2022_23(warehouse):
    # ISF episodes starting in each financial year, from the raw activity (ISFs are a service type).
    starts = dict(
        warehouse.sql("""
        select q.financial_year, count(*)
        from stg_activity a join ref_quarter q on a.start_date between q.quarter_start and q.quarter_end
        where a.service_type = 'isf' group by 1""").fetchall()
    )
    for year in ("2022/23", "2023/24", "2024/25"):
        assert starts[year] == pytest.approx(75, abs=8)


def test_every_kpi_return_is_for_a_catalogued_kpi_and_one_is_missing(warehouse):
    assert one(warehouse, "select count(*) from fct_kpi_returns where kpi_name is null") == 0
    assert warehouse.sql(
        "select contract_id, period from mart_kpi_return_status where not return_received"
    ).fetchall() == [("HC-03", "2023/24 Q2")]


def test_waits_have_a_spread_that_differs_by_district(warehouse):
    # The synthetic return's waits are skewed and longer in rural districts: medians and 90th centiles differ.
    rows = warehouse.sql(
        "select locality_code, median_wait_days, p90_wait_days from mart_waiting_list "
        "where period = '2024/25 Q3' and locality_code <> ?",
        params=[COUNTY],
    ).fetchall()
    assert len({median for _, median, _ in rows}) >= 3
    assert len({p90 for _, _, p90 in rows}) == 5
    assert all(p90 > 1.5 * median for _, median, p90 in rows)
    service = warehouse.sql(
        "select service_median_days, service_p90_days from mart_cld_waiting_times "
        "where period = '2024/25 Q3' and locality_code <> ?",
        params=[COUNTY],
    ).fetchall()
    assert len({median for median, _ in service}) >= 3 and all(p90 > median for median, p90 in service)


def cld_admissions_per_100k(warehouse, period, band, measure):
    """The demo's care home admissions over the year to ``period`` (people counted by the CLD models), per 100,000
    of the population NHS England published the year's rate over, or the warehouse's ONS estimate where it gave
    none; and the published rate (ASCOF 2A(1)/2A(2) to 2022/23, 2B/2C from 2024/25)."""
    admitted = one(
        warehouse,
        "select count(*) from int_cld_care_home_admissions where period = ? and age_band = ?",
        period,
        band,
    )
    population = one(
        warehouse,
        "select population from mart_cld_care_home_admissions where period = ? and locality_code = ? and age_band = ?",
        period,
        COUNTY,
        band,
    )
    published = one(
        warehouse,
        "select value from mart_ascof where measure = ? and area_code = ? and year = ?",
        measure,
        COUNTY,
        period[:7],
    )
    return 1e5 * admitted / population, published


@pytest.mark.parametrize(
    "band, measure, published, tolerance",
    [
        # 58 people 18-64 (ASCOF 2B, per 100,000 of 432,663): a Poisson standard error of about 1.8 per 100,000.
        ("18-64", "admissions_18_64", 13.4, 2.0),
        # 754 people 65+ (2C, per 100,000 of 134,730): a standard error of about 20; within 5% of the figure.
        ("65+", "admissions_65_plus", 559.6, 0.05 * 559.6),
    ],
)
def test_care_home_admissions_from_cld_match_published_ascof_in_2024_25(warehouse, band, measure, published, tolerance):
    ours, shown = cld_admissions_per_100k(warehouse, "2024/25 Q4", band, measure)
    assert shown == published  # Cambridgeshire's published figure, DHSC's CLD-based series
    assert abs(ours - published) <= tolerance, ours


@pytest.mark.parametrize(
    "period, band, measure, published, tolerance",
    [
        ("2021/22 Q4", "18-64", "admissions_18_64", 8.2, 3.0),
        ("2022/23 Q4", "18-64", "admissions_18_64", 4.3, 3.0),
        ("2021/22 Q4", "65+", "admissions_65_plus", 602.4, 0.15 * 602.4),
        ("2022/23 Q4", "65+", "admissions_65_plus", 502.3, 0.15 * 502.3),
    ],
)
def test_care_home_admissions_in_earlier_years_stay_near_published_ascof_2a(
    warehouse, period, band, measure, published, tolerance
):
    """ASCOF 2A(1) and 2A(2) (SALT-based, NHS Digital). Wider than 2024/25's: the year end is read from the next
    rolling submission (int_cld_submission_selected), which misses people admitted and gone before it begins
    (about a tenth of the year's admissions 65+), and 18-64 rests on 17-33 people."""
    ours, shown = cld_admissions_per_100k(warehouse, period, band, measure)
    assert shown == published
    assert abs(ours - published) <= tolerance, ours


@pytest.mark.parametrize("period, published_dp", [("2021/22 Q4", 97.1), ("2022/23 Q4", 80.0)])
def test_carers_direct_payments_from_cld_match_published_ascof(warehouse, period, published_dp):
    """ASCOF 1C(2B) and 1C(1B) (3D(2b) and 3D(1b) now): Cambridgeshire's carers supported directly are all on
    self-directed support (100% each year), most by direct payment (97.1% in 2021/22, 80.0% in 2022/23)."""
    dp, dp_shown = one(
        warehouse,
        "select value_pct, published_value_pct from mart_cld_ascof_3d "
        "where period = ? and locality_code = ? and ascof_code = '3D(2b)'",
        period,
        COUNTY,
    )
    sds, sds_shown = one(
        warehouse,
        "select value_pct, published_value_pct from mart_cld_ascof_3d "
        "where period = ? and locality_code = ? and ascof_code = '3D(1b)'",
        period,
        COUNTY,
    )
    assert (dp_shown, sds_shown) == (published_dp, 100.0)
    # About 400 carers a year end: a binomial standard error of up to 2 points.
    assert abs(dp - published_dp) <= 4.0, dp
    assert sds >= 99.0, sds
