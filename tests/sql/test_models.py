"""SQL models on tiny hand-made tables: rows in, expected rows out, in an in-memory DuckDB."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from pipelines.build import run_checks, run_models
from pipelines.config import Settings
from pipelines.ingest import ensure_store
from pipelines.public import load_public_data
from pipelines.reference_tables import write_reference_tables
from pipelines.schemas import SOURCES

# Rows of an activity layout without episode_id (episodes known by person, service and start date).
_ACTIVITY_COLUMNS = [c for c in SOURCES["activity"].column_names if c != "episode_id"]
ACTIVITY_INSERT = f"insert into raw_activity (load_id, source_row, {', '.join(_ACTIVITY_COLUMNS)}) values " + (
    "(" + ", ".join(["?"] * (len(_ACTIVITY_COLUMNS) + 2)) + ")"
)

COUNTY = "E10000003"
CAMBRIDGE, FENLAND = "E07000008", "E07000010"
PSR = "Physical support: personal care support"


def activity(person, locality, service, route, start, end=None, age=70, cost=100.0, hours=5.0):
    return (1, 2, person, age, "female", PSR, locality, service, route, start, end, hours, cost, None)


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    ensure_store(con)
    settings = Settings()
    load_public_data(con, settings.path("public_data"))
    rows = [
        # Cambridge: two DP recipients (one part DP), one council-arranged, one in residential care.
        activity("a", CAMBRIDGE, "direct_payment", "direct_payment", date(2024, 1, 1)),
        activity("b", CAMBRIDGE, "home_care", "part_direct_payment", date(2024, 1, 1)),
        activity("c", CAMBRIDGE, "home_care", "council_arranged", date(2024, 1, 1)),
        activity("d", CAMBRIDGE, "residential", "council_arranged", date(2024, 1, 1)),
        # Person c also goes to a day centre: still one person.
        activity("c", CAMBRIDGE, "day_care", "council_arranged", date(2024, 2, 1)),
        # Fenland: one council-arranged client, a 17-year-old DP (not counted), an ended DP.
        activity("e", FENLAND, "home_care", "council_arranged", date(2024, 1, 1)),
        activity("f", FENLAND, "direct_payment", "direct_payment", date(2024, 1, 1), age=17),
        activity("g", FENLAND, "direct_payment", "direct_payment", date(2024, 1, 1), end=date(2025, 3, 30)),
        # Ends on the last day of the quarter: still active on the snapshot date.
        activity("h", FENLAND, "direct_payment", "direct_payment", date(2024, 1, 1), end=date(2025, 3, 31)),
    ]
    con.executemany(ACTIVITY_INSERT, rows)
    write_reference_tables(con, settings)
    run_models(con)
    return con


def test_dp_uptake_counts_people_aged_18_plus_in_community_support_at_quarter_end(con):
    got = con.sql("""select locality_code, dp_recipients, community_clients, round(uptake_pct, 2), target_pct
                     from mart_dp_uptake where period = '2024/25 Q4' order by locality_code""").fetchall()
    assert got == [
        (CAMBRIDGE, 2, 3, 66.67, 25.0),  # a, b of a, b, c (d is residential)
        (FENLAND, 1, 2, 50.0, 25.0),  # h of e, h (f is 17, g ended the day before)
        (COUNTY, 3, 5, 60.0, 25.0),
    ]


def test_reporting_quarters_end_with_the_latest_complete_quarter(con):
    periods = [p for (p,) in con.sql("select period from ref_quarter order by sort_key").fetchall()]
    assert periods[-1] == "2024/25 Q4" and periods[0] == "2020/21 Q1" and len(periods) == 20


def test_a_quarter_not_over_when_the_activity_file_was_loaded_has_no_snapshot(con):
    """Loaded during 31 March 2025, the file cannot say who was in support at that day's end: counted from it,
    everyone in it would still be there. 2024/25 Q4 gets no DP uptake and no new ISFs; the quarters before do."""
    con.sql(
        "insert into load_log values (1, 'activity', 'activity.csv', 'x', 9, 9, 0, 'loaded', '', false, "
        "timestamptz '2025-03-31 10:00:00+00')"
    )
    write_reference_tables(con, Settings())
    run_models(con)
    assert con.sql("select max(period) from ref_quarter").fetchall() == [("2024/25 Q4",)]
    for mart in ("mart_dp_uptake", "mart_isf_starts", "mart_cme_capacity"):
        assert con.sql(f"select max(period) from {mart}").fetchall() == [("2024/25 Q3",)], mart
    assert con.sql(
        "select dp_recipients, community_clients from mart_dp_uptake where period = '2024/25 Q3' and locality_code = ?",
        params=[FENLAND],
    ).fetchall() == [(2, 3)]  # e, g and h; g and h on a direct payment (f is 17)


def test_checks_pass_on_consistent_data(con):
    assert "mart_dp_uptake_county_is_sum" in run_checks(con)


def test_a_check_fails_loudly_naming_the_rule_and_rows(con):
    from pipelines.build import BuildError

    con.sql(
        "insert into mart_dp_uptake select * replace (5 as dp_recipients, 1 as community_clients) "
        "from mart_dp_uptake limit 1"
    )
    with pytest.raises(BuildError, match="mart_dp_uptake_in_range: DP recipients are a subset"):
        run_checks(con)


def test_ascof_maps_published_codes_to_stable_measures_by_year(con):
    con.sql("""insert into stg_ascof_published values
               ('2023/24', 'E10000003', 'Cambridgeshire', '3D2A', 20.1, 1),
               ('2023/24', 'E10000003', 'Cambridgeshire', '3A', 77.0, 1)""")
    con.sql("create or replace table mart_ascof as " + open("pipelines/sql/marts/mart_ascof.sql").read())
    dp = con.sql(
        "select year, published_code, value from mart_ascof where measure = 'dp_users' "
        "and area_code = 'E10000003' order by year"
    ).fetchall()
    assert dp[-3:] == [("2022/23", "1C2A", 19.6), ("2023/24", "3D2A", 20.1), ("2024/25", "3D2A", 17.2)]
    assert dp[0] == ("2017/18", "1C2A", 23.6)
    # 3A is satisfaction until 2022/23 and control over daily life from 2023/24.
    assert con.sql(
        "select distinct measure from mart_ascof where published_code = '3A' and year = '2023/24'"
    ).fetchall() == [("control_daily_life",)]
    assert con.sql(
        "select value from mart_ascof where measure = 'satisfaction_users' and year = '2022/23' "
        "and area_code = 'E10000003'"
    ).fetchall() == [(60.2,)]


def test_region_is_named_consistently_across_years(con):
    names = con.sql("select distinct area_name from mart_ascof where area_code = 'E12000006'").fetchall()
    assert names == [("East of England",)]


def test_population_bands_sum_single_years(con):
    rows = dict(
        con.sql("""select age_band, population from mart_population
                           where area_code = 'E07000008' and projection_year = 2022""").fetchall()
    )
    assert rows["65+"] == pytest.approx(rows["65-74"] + rows["75-84"] + rows["85+"])
    assert rows["65-74"] == pytest.approx(8737.0)  # as in ONS's own banded file
