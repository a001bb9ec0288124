"""Invariants that hold for any data: shares in [0, 100], no negative counts, county = sum of districts."""

from __future__ import annotations

COUNTY = "E10000003"


def test_marts_have_no_negative_counts_and_shares_in_range(warehouse):
    assert warehouse.sql("""
        select count(*) from mart_dp_uptake
        where dp_recipients < 0 or community_clients < dp_recipients or uptake_pct not between 0 and 100
    """).fetchall() == [(0,)]
    assert warehouse.sql(
        "select count(*) from mart_pa_workforce where pas_on_payroll > active_pas or active_pas < 0"
    ).fetchall() == [(0,)]
    assert warehouse.sql(
        # unknown and invalid ratings stay in the base (mart_outcomes): every review has exactly one rating
        "select count(*) from mart_outcomes"
        " where achieved + partly_achieved + not_achieved + outcome_unknown + outcome_invalid <> outcomes_reviewed"
    ).fetchall() == [(0,)]


def test_every_mart_covers_twenty_quarters_for_every_area(warehouse):
    for mart in ("mart_dp_uptake", "mart_pa_workforce", "mart_service_demand"):
        rows = warehouse.sql(f"select count(distinct period), count(distinct locality_code) from {mart}").fetchall()
        assert rows == [(20, 6)], mart


def test_the_waiting_list_covers_the_quarters_cld_covers(warehouse):
    # The demo sends no referrals file: the waiting list starts where its CLD return does (2021/22 Q2, the first
    # submission's 12 months), and so do requests received; no quarter before shows a made-up zero.
    cld = warehouse.sql("select count(distinct period) from int_cld_submission_selected").fetchall()
    assert cld == [(15,)]
    rows = warehouse.sql(
        "select count(distinct period), count(distinct locality_code), min(period) from mart_waiting_list"
    ).fetchall()
    assert rows == [(15, 6, "2021/22 Q2")]
    assert warehouse.sql(
        "select count(*) filter (where referrals_received is null), min(period) filter (where referrals_received "
        "is not null) from mart_service_demand where locality_code = 'E10000003'"
    ).fetchall() == [(5, "2021/22 Q2")]


def test_county_rows_equal_the_sum_of_districts(warehouse):
    for mart, columns in [("mart_pa_workforce", "active_pas")]:
        diff = warehouse.sql(f"""
            select period from {mart} group by period
            having sum({columns}) filter (where locality_code <> '{COUNTY}')
                <> sum({columns}) filter (where locality_code = '{COUNTY}')""").fetchall()
        assert diff == [], mart


def test_the_county_waiting_list_holds_every_district_and_the_people_placed_in_none(warehouse):
    # From CLD, people whose postcode places them in no district wait in the county only (never dropped).
    short = warehouse.sql(f"""
        select period from mart_waiting_list group by period
        having sum(people_waiting) filter (where locality_code <> '{COUNTY}')
            > sum(people_waiting) filter (where locality_code = '{COUNTY}')""").fetchall()
    assert short == []
    unplaced = warehouse.sql(
        "select count(*) from int_cld_waiting_list where locality_code is null and period = '2024/25 Q4'"
    ).fetchall()[0][0]
    county = warehouse.sql(
        f"select people_waiting from mart_waiting_list where locality_code = '{COUNTY}' and period = '2024/25 Q4'"
    ).fetchall()[0][0]
    districts = warehouse.sql(
        f"select sum(people_waiting) from mart_waiting_list where locality_code <> '{COUNTY}' and period = '2024/25 Q4'"
    ).fetchall()[0][0]
    assert county == districts + unplaced


def test_person_identifiers_never_reach_the_warehouse_in_clear(warehouse):
    ids = warehouse.sql("select distinct person_id from stg_activity limit 50").fetchall()
    assert ids and all(pid.startswith("ph_") for (pid,) in ids)
    assert warehouse.sql("select count(*) from raw_activity where person_id like 'P0%'").fetchall() == [(0,)]
