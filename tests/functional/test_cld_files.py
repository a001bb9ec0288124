"""The CLD rules end to end: hand-made submission FILES, read by ``asc ingest`` in one load, built into the warehouse.

The same people as ``tests/sql/test_cld_models.py`` (whose rows are written straight into ``raw_cld``), here as a
council sends them, so the reader's cleaning and the models' rules are tested together:
- S1, ``cld_2023_24.xlsx``: 2023-04-01 to 2024-03-31, Release 1 wording, underscore headers (loaded first);
- S2, ``cld_2024_25.csv``: 2024-04-01 to 2025-03-31, Release 2 wording, spaced headers, day-first and ISO dates.

People (service users born 15/06/1950 in Cambridge, CB1 2AB, on commissioned home support, unless said):
- p1 nursing care and a community direct payment: placed once, in Nursing (not in the 3D denominator);
- p2 NO NHS NUMBER (the LA id identifies her); community, mechanism blank, component Direct payment, £300 a week;
- p3 CASSR managed personal budget; p4 a mechanism outside the list ("Cash"): kept, in the denominator only;
- p5 DP, died 01/02/2025 with the service left open: counted at Q3's end, not at Q4's;
- p6 DP, born 15/06/2007: 17 at 2025-03-31, left out;
- p7 Fenland (" pe13  1xy ", odd case and spacing), £20 an hour for 10 hours a week, the row sent twice in S2;
- p8 Fenland DP: open in S1; S2 closes it on 15/11/2024 (late-closed, superseding S1);
- p9 PE7 1AA (PE7 is split between Fenland and Huntingdonshire) on a DP: county total only, reported unplaced;
- p10 a DP that ends before it starts: left out;
- carers c1 (direct to carer, component Direct payment), c2 (commissioned), c3 (mechanism blank).

Worked out by hand, 2024/25 Q4 (2025-03-31), latest submission S2:
- Cambridge: p2 (DP), p3, p4 -> 1 DP of 3; not p1 (nursing), p5 (dead), p6 (17), p10 (ends before it starts).
- Fenland: p7 once (the duplicate row counts once); p8's DP closed -> 0 of 1.
- County: the districts plus unplaced p9 (DP) -> 2 of 5. 3D(1a): p2, p3, p9 = 3 of 5.
- Carers (3D(1b)/(2b)): c1 (DP) of c1 and c2 (c3's mechanism unknown: out) -> 1 of 2.
2024/25 Q3 (2024-12-31): p5 alive -> Cambridge 2 of 4, county 3 of 6. 2023/24 Q4: only S1 covers it: Fenland p7
and p8 (DP, open then) -> 1 of 2.
"""

from __future__ import annotations

import pytest

from tests.unit.test_cld_ingest import found_in, write_csv, write_xlsx
from tests.unit.test_ingest import build, warehouse_rows

COUNTY, CAMBRIDGE, FENLAND = "E10000003", "E07000008", "E07000010"
FIELDS = [
    "LA Code", "Reporting Period Start Date", "Reporting Period End Date", "NHS Number",
    "LA Person Unique Identifier", "First Name", "Last Name", "Date of Birth", "Date of Death", "Postcode",
    "Client Type", "Primary Support Reason", "Event Type", "Event Start Date", "Event End Date", "Service Type",
    "Service Component", "Delivery Mechanism", "Unit Cost", "Cost Frequency (Unit Type)", "Planned units per week",
]  # fmt: skip
UNDERSCORE = [h.replace(": ", "_").replace(" (", "_").replace(")", "").replace(" ", "_") for h in FIELDS]
# Valid NHS numbers (modulus 11 check digit), one per person; p2 has none.
NHS = {
    "p1": "943 476 5005", "p3": "9434765013", "p4": "9434765021", "p5": "9434765048", "p6": "9434765056",
    "p7": "9434765064", "p8": "9434765072", "p9": "9434765080", "p10": "9434765099", "c1": "9434765102",
    "c2": "9434765110", "c3": "9434765129",
}  # fmt: skip
NAMES = {p: (f"Forename{p.upper()}", f"Surname{p.upper()}") for p in [*NHS, "p2"]}
FENLAND_POSTCODE = " pe13  1xy "
POSTCODES = ["cb1 2ab", "pe13 1xy", "pe7 1aa"]


def row(period: tuple[str, str], person: str, release_1: bool = False, **values: str) -> list[str]:
    """One event row of ``person`` in the submission for ``period``, in the file's own words."""
    first, last = NAMES[person]
    r = {
        "LA Code": "E10000003",
        "Reporting Period Start Date": period[0],
        "Reporting Period End Date": period[1],
        "NHS Number": NHS.get(person, ""),
        "LA Person Unique Identifier": f"LA-{person}",
        "First Name": first,
        "Last Name": last,
        "Date of Birth": "15/06/1950",
        "Postcode": "cb1 2ab",
        "Client Type": "Service User" if release_1 else "Service user",
        "Primary Support Reason": "Physical Support: Personal Care Support" if release_1 else
        "Physical support: Personal care support",
        "Event Type": "Service",
        "Event Start Date": "2023-06-01",
        "Service Type": "Long Term Support: Community" if release_1 else "Long term support: Community",
        "Service Component": "Home Support" if release_1 else "Home support or domiciliary care",
        "Delivery Mechanism": "CASSR Commissioned Support" if release_1 else "CASSR commissioned support",
    }  # fmt: skip
    r.update(values)
    return [r.get(f, "") for f in FIELDS]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    from _pytest.monkeypatch import MonkeyPatch

    from pipelines.config import load_settings
    from pipelines.ingest import ingest_paths
    from tests.conftest import write_test_config

    folder = tmp_path_factory.mktemp("cld_files")
    settings = load_settings(write_test_config(folder))
    inbox = settings.path("inbox")
    inbox.mkdir(parents=True)
    s1, s2 = ("2023-04-01", "2024-03-31"), ("01/04/2024", "31/03/2025")
    dp = {"Delivery Mechanism": "Direct payment"}
    carer = {"Client Type": "Unpaid carer", "Service Type": "Unpaid carer support: Direct to unpaid carer",
             "Service Component": "Unpaid carer respite", "Event Start Date": "2024-05-01",
             "Event End Date": "2024-08-01"}  # fmt: skip
    p7 = row(s2, "p7", Postcode=FENLAND_POSTCODE, **{"Unit Cost": "£20.00", "Cost Frequency (Unit Type)": "Hourly",
                                                      "Planned units per week": "10"})  # fmt: skip
    s2_rows = [
        row(s2, "p1", **{"Service Type": "Long term support: Nursing care", "Service Component":
                         "Long term nursing care", "Delivery Mechanism": ""}),
        row(s2, "p1", **{"Service Component": "Direct payment", **dp}),
        row(s2, "p2", **{"Delivery Mechanism": "", "Service Component": "Direct payment", "Unit Cost": "300",
                         "Cost Frequency (Unit Type)": "Weekly"}),
        row(s2, "p3", **{"Delivery Mechanism": "CASSR managed personal budget"}),
        row(s2, "p4", **{"Delivery Mechanism": "Cash"}),
        row(s2, "p5", **{"Date of Death": "01/02/2025", **dp}),
        row(s2, "p6", **{"Date of Birth": "15/06/2007", **dp}),
        p7,
        list(p7),  # the same row sent twice
        row(s2, "p8", Postcode=FENLAND_POSTCODE, **{"Event End Date": "15/11/2024", **dp}),
        row(s2, "p9", Postcode="PE7 1AA", **dp),
        row(s2, "p10", **{"Event Start Date": "01/06/2024", "Event End Date": "01/05/2024", **dp}),
        row(s2, "c1", **{**carer, "Service Component": "Direct payment", "Delivery Mechanism": ""}),
        row(s2, "c2", **carer),
        row(s2, "c3", **{**carer, "Delivery Mechanism": ""}),
    ]  # fmt: skip
    s1_rows = [
        row(s1, "p7", release_1=True, Postcode=FENLAND_POSTCODE),
        row(s1, "p8", release_1=True, Postcode=FENLAND_POSTCODE, **{"Delivery Mechanism": "Direct Payment"}),
    ]
    write_xlsx(inbox / "cld_2023_24.xlsx", UNDERSCORE, s1_rows)
    write_csv(inbox / "cld_2024_25.csv", FIELDS, s2_rows)
    results = ingest_paths([inbox], settings)  # both files, both releases, both header styles: one load
    assert [(r.file, r.status, r.rows_loaded) for r in results] == [
        ("cld_2023_24.xlsx", "loaded", 2),
        ("cld_2024_25.csv", "loaded", 15),
    ]
    patch = MonkeyPatch()
    build(settings, patch)
    patch.undo()
    return settings


def uptake(settings, period: str) -> list[tuple]:
    return warehouse_rows(
        settings,
        "select locality_code, dp_recipients, community_clients from mart_dp_uptake where period = ? "
        "and locality_code in (?, ?, ?) order by locality_code",
        [period, CAMBRIDGE, FENLAND, COUNTY],
    )


def test_year_end_uptake_counts_the_hierarchy_deaths_ages_duplicates_and_invalid_mechanisms(loaded):
    # Cambridge: p2 (DP known only from the service component; no NHS number), p3, p4 (invalid mechanism, kept).
    # Not p1 (nursing + DP: placed once, as nursing), p5 (died), p6 (17), p10 (ends before it starts).
    # Fenland: p7 once though sent twice; p8's DP closed by the later submission. County: + p9 (DP), unplaced.
    assert uptake(loaded, "2024/25 Q4") == [(CAMBRIDGE, 1, 3), (FENLAND, 0, 1), (COUNTY, 2, 5)]


def test_an_earlier_quarter_counts_the_living_and_the_late_closed_event_as_the_latest_submission_says(loaded):
    assert uptake(loaded, "2024/25 Q3") == [(CAMBRIDGE, 2, 4), (FENLAND, 0, 1), (COUNTY, 3, 6)]
    # 2024-03-31 is outside S2's period: S1 (Release 1 wording, underscore headers) says p8 was on a DP then.
    assert uptake(loaded, "2023/24 Q4") == [(FENLAND, 1, 2), (COUNTY, 1, 2)]


def test_carers_and_the_ascof_3d_parts(loaded):
    got = warehouse_rows(
        loaded,
        "select ascof_code, numerator, denominator from mart_cld_ascof_3d "
        "where period = '2024/25 Q4' and locality_code = ? order by ascof_code",
        [COUNTY],
    )
    assert got == [("3D(1a)", 3, 5), ("3D(1b)", 1, 2), ("3D(2a)", 2, 5), ("3D(2b)", 1, 2)]


def test_the_odd_postcodes_are_placed_and_the_split_one_reported_unplaced(loaded):
    unplaced = warehouse_rows(loaded, "select reason, dp_recipients from mart_cld_unplaced where period = '2024/25 Q4'")
    assert unplaced == [("unplaced: outward code split between areas", 1)]
    districts = warehouse_rows(loaded, "select distinct postcode_district from raw_cld order by 1")
    assert districts == [("CB1",), ("PE13",), ("PE7",)]


def test_weekly_costs_count_the_duplicated_row_once(loaded):
    # p7 (Fenland's only person at Q4): £20 an hour x 10 hours = £200 a week, not £400 though the row came twice.
    fenland = warehouse_rows(
        loaded,
        "select weekly_cost_gbp, weekly_planned_hours, dp_weekly_cost_gbp from int_cld_ltc_placed "
        "where period = '2024/25 Q4' and locality_code = ?",
        [FENLAND],
    )
    assert fenland == [(200.0, 10.0, 0.0)]
    # p2's £300 a week is Cambridge's only DP cost: 300 x 52.
    spend = warehouse_rows(
        loaded,
        "select dp_annual_spend_gbp from mart_dp_uptake where period = '2024/25 Q4' and locality_code = ?",
        [CAMBRIDGE],
    )
    assert spend == [(300.0 * 52,)]


def test_no_name_nhs_number_or_full_postcode_anywhere_in_the_store_or_warehouse(loaded):
    names = [n for pair in NAMES.values() for n in pair]
    for path in (loaded.path("ingest_store"), loaded.path("warehouse")):
        assert found_in(path, names + list(NHS.values()) + POSTCODES) == []
