"""CLD models on a small hand-made return whose answers are worked out by hand below.

Two rolling submissions from the council (E10000003):
- S1, load 10: 2023-04-01 to 2024-03-31 (older; the only one covering 2023/24 Q4's end);
- S2, load 11: 2024-04-01 to 2025-03-31 (the latest; read for 2024/25 Q1-Q4).

People (service users unless said, born June 1950, Cambridge postcode CB1 unless said):
- p1 nursing care and a community direct payment: placed once, in Nursing (not in the 3D denominator);
- p2 community service, mechanism blank, service component Direct payment: a DP recipient;
- p3 community, CASSR managed personal budget: self-directed (3D(1a)), not a DP;
- p4 community, mechanism Invalid and not mapped: in the denominator, in no numerator;
- p5 community DP, died 2025-02-01 with the service left open: counted at Q3's end, not at Q4's;
- p6 community DP, born June 2007: 17 at 2025-03-31, left out;
- p7 Fenland (pe13, odd case), commissioned home care at £20 an hour for 10 hours, the row sent twice;
- p8 Fenland DP: open in S1; S2 closes it on 2024-11-15 (late-closed): a DP at 2023/24 Q4, gone after;
- p9 postcode PE7 1xx (outward code split between Fenland and Huntingdonshire) on a DP: county only;
- p10 a DP that ends before it starts: left out;
- carers c1 (direct to carer, component Direct payment), c2 (commissioned), c3 (mechanism blank).
"""

from __future__ import annotations

import dataclasses
from datetime import date

import duckdb
import pytest

from pipelines.build import run_checks, run_models
from pipelines.config import Settings
from pipelines.ingest import ensure_store
from pipelines.public import load_public_data
from pipelines.reference_tables import write_reference_tables
from tests.cld_fixtures import (
    COMMISSIONED,
    DIRECT_TO_CARER,
    DP,
    INVALID,
    MANAGED,
    NURSING,
    cld_row,
    insert_cld,
    submission,
)

COUNTY, CAMBRIDGE, FENLAND = "E10000003", "E07000008", "E07000010"
S1 = submission(10, date(2023, 4, 1), date(2024, 3, 31))
S2 = submission(11, date(2024, 4, 1), date(2025, 3, 31))
FENLAND_POSTCODE = {"postcode_district": "pe13", "postcode_sector": "pe13 1"}


def rows() -> list[dict]:
    p7 = cld_row(
        S2, "p7", **FENLAND_POSTCODE, unit_cost=20.0, cost_frequency_unit_type="Hourly", planned_units_per_week=10.0
    )
    carer = {
        "client_type": "Unpaid carer",
        "service_type": DIRECT_TO_CARER,
        "service_component": "Carer break",
        "event_start_date": date(2024, 5, 1),
        "event_end_date": date(2024, 8, 1),
    }
    return [
        cld_row(S2, "p1", service_type=NURSING, service_component="Long term nursing care", delivery_mechanism=None),
        cld_row(S2, "p1", delivery_mechanism=DP, service_component="Direct payment"),
        cld_row(
            S2,
            "p2",
            delivery_mechanism=None,
            service_component="Direct payment",
            unit_cost=300.0,
            cost_frequency_unit_type="Weekly",
        ),
        cld_row(S2, "p3", delivery_mechanism=MANAGED),
        cld_row(S2, "p4", delivery_mechanism=INVALID),
        cld_row(S2, "p5", delivery_mechanism=DP, date_of_death=date(2025, 2, 1)),
        cld_row(S2, "p6", delivery_mechanism=DP, birth_year=2007),
        p7,
        dict(p7),  # the same row sent twice in the file
        cld_row(S1, "p7", **FENLAND_POSTCODE),
        cld_row(S1, "p8", **FENLAND_POSTCODE, delivery_mechanism=DP),
        cld_row(S2, "p8", **FENLAND_POSTCODE, delivery_mechanism=DP, event_end_date=date(2024, 11, 15)),
        cld_row(S2, "p9", postcode_district="PE7", postcode_sector="PE7 1", delivery_mechanism=DP),
        cld_row(S2, "p10", delivery_mechanism=DP, event_start_date=date(2024, 6, 1), event_end_date=date(2024, 5, 1)),
        cld_row(S2, "c1", **{**carer, "delivery_mechanism": None, "service_component": "Direct payment"}),
        cld_row(S2, "c2", **{**carer, "delivery_mechanism": COMMISSIONED}),
        cld_row(S2, "c3", **{**carer, "delivery_mechanism": None}),
    ]


def build(settings: Settings) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    ensure_store(con)
    load_public_data(con, settings.path("public_data"))
    insert_cld(con, rows())
    write_reference_tables(con, settings)
    run_models(con)
    return con


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return build(Settings())


def uptake(con, period: str) -> list[tuple]:
    return con.sql(
        "select locality_code, dp_recipients, community_clients from mart_dp_uptake where period = ? "
        "and locality_code in (?, ?, ?) order by locality_code",
        params=[period, CAMBRIDGE, FENLAND, COUNTY],
    ).fetchall()


def test_year_end_dp_uptake_follows_the_hierarchy_deaths_ages_and_invalid_mechanisms(con):
    # Cambridge: p2 (DP via component), p3, p4 (invalid, kept); not p1 (nursing), p5 (dead), p6 (17).
    # Fenland: p7 once; p8 closed by the later submission. County adds unplaced p9 (DP): 2 of 5.
    assert uptake(con, "2024/25 Q4") == [(CAMBRIDGE, 1, 3), (FENLAND, 0, 1), (COUNTY, 2, 5)]


def test_a_person_alive_at_an_earlier_quarter_end_counts_then(con):
    # 2024-12-31: p5 still alive; p8's service ended 2024-11-15 as the latest submission says.
    assert uptake(con, "2024/25 Q3") == [(CAMBRIDGE, 2, 4), (FENLAND, 0, 1), (COUNTY, 3, 6)]


def test_a_quarter_only_the_older_submission_covers_reads_it(con):
    # 2024-03-31 is outside S2's period: S1 says p7 and p8 (DP, still open then) are in Fenland.
    assert uptake(con, "2023/24 Q4") == [(FENLAND, 1, 2), (COUNTY, 1, 2)]


def test_submission_selection_reads_the_load_covering_the_most_of_each_quarters_twelve_months(con):
    # S1 covers all twelve months to 2023/24 Q4 and nine of those to Q3; S2 all to 2024/25 Q4 and three to Q1.
    got = con.sql("""select period, load_id from int_cld_submission_selected
                     where period in ('2023/24 Q3', '2023/24 Q4', '2024/25 Q1', '2024/25 Q4')
                     order by period""").fetchall()
    assert got == [("2023/24 Q3", 10), ("2023/24 Q4", 10), ("2024/25 Q1", 11), ("2024/25 Q4", 11)]


def test_ascof_3d_parts_at_year_end_for_the_county(con):
    got = con.sql(
        """select ascof_code, numerator, denominator, round(value_pct, 1) from mart_cld_ascof_3d
                     where period = '2024/25 Q4' and locality_code = ? order by ascof_code""",
        params=[COUNTY],
    ).fetchall()
    assert got == [
        ("3D(1a)", 3, 5, 60.0),  # p2, p3, p9 of p2, p3, p4, p7, p9
        ("3D(1b)", 1, 2, 50.0),  # carers: c1 (DP) of c1, c2; c3's mechanism unknown, so out
        ("3D(2a)", 2, 5, 40.0),  # p2, p9
        ("3D(2b)", 1, 2, 50.0),
    ]


def test_unplaced_people_are_reported_with_their_reason(con):
    got = con.sql(
        "select reason, people_in_long_term_support, community_clients, dp_recipients "
        "from mart_cld_unplaced where period = '2024/25 Q4'"
    ).fetchall()
    assert got == [("unplaced: outward code split between areas", 1, 1, 1)]


def test_weekly_costs_count_a_duplicated_row_once(con):
    got = con.sql("""select person_id, weekly_cost_gbp, weekly_planned_hours, dp_weekly_cost_gbp
                     from int_cld_ltc_placed where period = '2024/25 Q4' and person_id in ('N:p2', 'N:p7')
                     order by person_id""").fetchall()
    assert got == [("N:p2", 300.0, 0.0, 300.0), ("N:p7", 200.0, 10.0, 0.0)]
    spend = con.sql(
        "select dp_annual_spend_gbp from mart_dp_uptake where period = '2024/25 Q4' and locality_code = ?",
        params=[CAMBRIDGE],
    ).fetchall()[0][0]
    assert spend == 300.0 * 52


def test_checks_pass_with_unplaced_people_in_the_county_total(con):
    assert "mart_dp_uptake_county_is_sum" in run_checks(con)


def test_a_postcode_lookup_settles_a_split_outward_code(tmp_path):
    lookup = tmp_path / "nspl.csv"
    lookup.write_text("pcd,pcds,laua,ctry\nPE7 1AB,PE7 1AB,E07000010,E92000001\nPE7 3XY,PE7 3XY,E07000011,E92000001\n")
    settings = Settings()
    settings = dataclasses.replace(settings, paths=dataclasses.replace(settings.paths, postcode_lookup=str(lookup)))
    con = build(settings)
    # p9 (PE7 1) is in Fenland now: Fenland 1 DP of 2, nobody unplaced.
    assert uptake(con, "2024/25 Q4") == [(CAMBRIDGE, 1, 3), (FENLAND, 1, 2), (COUNTY, 2, 5)]
    assert con.sql("select count(*) from mart_cld_unplaced").fetchall()[0][0] == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "does not exist"), ("pcd,laua\nPE7 1AB,E07000010\n", "lacks column\\(s\\) pcds")],
)
def test_a_postcode_lookup_that_cannot_be_used_is_named_with_the_reason(tmp_path, content, message):
    from pipelines.cld_reference import PostcodeLookupError

    lookup = tmp_path / "nspl.csv"
    if content is not None:
        lookup.write_text(content)
    settings = Settings()
    settings = dataclasses.replace(settings, paths=dataclasses.replace(settings.paths, postcode_lookup=str(lookup)))
    with pytest.raises(PostcodeLookupError, match=f"nspl.csv.*{message}"):
        build(settings)


def test_the_year_end_county_value_sits_beside_the_published_one_for_that_year(con):
    published = con.sql(
        "select value from mart_ascof where year = '2024/25' and area_code = ? and measure = 'dp_users'",
        params=[COUNTY],
    ).fetchall()
    assert len(published) == 1  # the shipped ASCOF 2024/25 file has Cambridgeshire's 3D(2a)
    got = con.sql(
        "select period, round(value_pct, 1), published_value_pct from mart_cld_ascof_3d "
        "where ascof_code = '3D(2a)' and locality_code = ? and period in ('2024/25 Q3', '2024/25 Q4') order by period",
        params=[COUNTY],
    ).fetchall()
    assert got == [("2024/25 Q3", 50.0, None), ("2024/25 Q4", 40.0, published[0][0])]


def test_the_demand_base_counts_the_people_the_overview_counts_unplaced_included(con):
    got = con.sql(
        "select locality_code, period, people_supported, dp_recipients, other_weekly_hours from mart_demand_base "
        "where locality_code in (?, ?, 'unplaced') order by locality_code",
        params=[CAMBRIDGE, FENLAND],
    ).fetchall()
    # Cambridge p2 (DP), p3, p4; Fenland p7 (10 planned hours a week, not a DP); p9 on a DP, in no district.
    assert got == [
        (CAMBRIDGE, "2024/25 Q4", 3, 1, 0.0),
        (FENLAND, "2024/25 Q4", 1, 0, 10.0),
        ("unplaced", "2024/25 Q4", 1, 1, 0.0),
    ]
    ((people,),) = con.sql("select sum(people_supported) from mart_demand_base").fetchall()
    assert people == uptake(con, "2024/25 Q4")[-1][2] == 5


def test_demand_age_bands_use_the_cld_birth_date_on_the_snapshot_date(con):
    got = con.sql(
        "select locality_code, age_band, people from mart_demand_clients_by_age where people > 0 "
        "order by locality_code, age_band"
    ).fetchall()
    # Everyone was born in June 1950: 74 on 2025-03-31, in 65-74.
    assert got == [(CAMBRIDGE, "65-74", 3), (FENLAND, "65-74", 1), ("unplaced", "65-74", 1)]


def test_a_council_reporting_on_one_area_places_everyone_there():
    # A single-tier council as `asc init` writes it: one locality, its whole area, no outward codes listed. The
    # same people (Cambridge, Fenland, the split PE7) all land in it, so it equals the council total: 2 DPs of 5.
    from pipelines.config import Locality

    whole = Locality("E10000003-area", "Cambridgeshire (whole area)", False, [])
    con = build(dataclasses.replace(Settings(), localities=[whole]))
    got = con.sql(
        "select locality_code, dp_recipients, community_clients from mart_dp_uptake where period = '2024/25 Q4' "
        "order by locality_code"
    ).fetchall()
    assert got == [(COUNTY, 2, 5), (whole.code, 2, 5)]
    assert con.sql("select count(*) from mart_cld_unplaced").fetchall()[0][0] == 0


def test_planned_hours_and_annualised_cost_from_unit_cost_frequency_and_units(con):
    got = con.sql(
        "select locality_code, people_supported, weekly_hours, annual_cost_gbp from mart_service_demand "
        "where period = '2024/25 Q4' and locality_code in (?, ?) order by locality_code",
        params=[CAMBRIDGE, FENLAND],
    ).fetchall()
    # Cambridge: p2's £300 a week (Weekly) x 52; p3 and p4 have no cost. Fenland: p7 £20 an hour x 10 hours a
    # week (sent twice, counted once) = £200 a week, x 52.
    assert got == [(CAMBRIDGE, 3, 0.0, 300.0 * 52), (FENLAND, 1, 10.0, 200.0 * 52)]
