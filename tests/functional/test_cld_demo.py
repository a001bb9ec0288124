"""The demo's synthetic CLD return, read through the real ingest and models (the session's demo warehouse)."""

from __future__ import annotations

import polars as pl

from pipelines.demo_cld import DUPLICATE_SHARE

COUNTY = "E10000003"


def test_dp_uptake_from_cld_keeps_the_published_calibration(warehouse):
    got = warehouse.sql(
        "select period, dp_recipients, round(uptake_pct, 1) from mart_dp_uptake where locality_code = ? "
        "and period in ('2022/23 Q4', '2023/24 Q4') order by period",
        params=[COUNTY],
    ).fetchall()
    # 19.6% at 2022/23 Q4 (ASCOF 1C(2a)); about 821 DP recipients in 2023/24.
    assert got[0][2] == 19.6
    assert abs(got[1][1] - 821) <= 15


def test_self_directed_support_keeps_the_published_calibration(warehouse):
    ((value, published),) = warehouse.sql(
        "select value_pct, published_value_pct from mart_cld_ascof_3d "
        "where period = '2024/25 Q4' and locality_code = ? and ascof_code = '3D(1a)'",
        params=[COUNTY],
    ).fetchall()
    # Cambridgeshire's published ASCOF 3D(1a) for 2024/25 is 89.4%: DPs plus managed personal budgets.
    assert published == 89.4
    assert abs(value - published) <= 1.5


def test_quarters_from_2021_22_q2_are_read_from_cld_submissions(warehouse):
    periods = [p for (p,) in warehouse.sql("select period from int_cld_submission_selected order by period").fetchall()]
    # Twelve quarterly submissions, each a rolling twelve months: the first covers 2021/22 Q2's end.
    assert periods[0] == "2021/22 Q2" and periods[-1] == "2024/25 Q4" and len(periods) == 15


def test_the_year_end_3d_parts_are_proportions_of_the_same_people(warehouse):
    rows = dict(
        warehouse.sql(
            "select ascof_code, (numerator, denominator) from mart_cld_ascof_3d "
            "where period = '2024/25 Q4' and locality_code = ?",
            params=[COUNTY],
        ).fetchall()
    )
    dp = warehouse.sql(
        "select dp_recipients, community_clients from mart_dp_uptake where period = '2024/25 Q4' and locality_code = ?",
        params=[COUNTY],
    ).fetchall()[0]
    assert rows["3D(2a)"] == dp  # (numerator, denominator)
    assert rows["3D(1a)"][1] == dp[1] and rows["3D(1a)"][0] > dp[0]
    # Cambridgeshire's carers supported directly all have self-directed support (ASCOF 1C(1B) 100% since 2019/20).
    assert 0 < rows["3D(2b)"][0] < rows["3D(1b)"][0] <= rows["3D(1b)"][1]
    assert rows["3D(2b)"][1] == rows["3D(1b)"][1]


def test_people_who_cannot_be_placed_are_reported_not_dropped(warehouse):
    reasons = dict(
        warehouse.sql(
            "select reason, people_in_long_term_support from mart_cld_unplaced where period = '2024/25 Q4'"
        ).fetchall()
    )
    assert set(reasons) == {"unplaced: no postcode", "unplaced: outward code split between areas"}
    assert all(n > 0 for n in reasons.values())


def test_the_files_carry_real_returns_faults(demo_env):
    folder = demo_env.path("inbox") / "demo"
    early = pl.read_csv(folder / "cld_2023_4.csv", infer_schema=False)
    late = pl.read_csv(folder / "cld_2024_4.csv", infer_schema=False)
    # Release 1 wording and spaced headers before 2024/25 Q3; Release 2 and underscores after.
    assert "Event Start Date" in early.columns and "Long Term Support: Community" in early["Service Type"].to_list()
    assert "Event_Start_Date" in late.columns and "Long term support: Community" in late["Service_Type"].to_list()
    services = late.filter(pl.col("Event_Type") == "Service")
    assert services["Delivery_Mechanism"].null_count() > 0
    assert "Personal budget" in services["Delivery_Mechanism"].to_list()
    assert late["NHS_Number"].null_count() > 0
    duplicates = late.height - late.unique().height
    assert 0 < duplicates < 3 * DUPLICATE_SHARE * late.height
