"""ASCOF 2B/2C (formerly 2A): care home admissions per 100,000 from CLD, on a hand-made return worked out below.

Submissions: S0 (load 49, 2022-04-01 to 2023-03-31) and S (load 50, 2024-04-01 to 2025-03-31, the latest; read
for 2024/25). Year 2024/25: admissions starting 2024-04-01 to 2025-03-31. Cambridge (CB1) unless said:
    person  born      care home services                                   counted
    a1      1950-06   residential from 2024-07-01                          new, 65+ (74)
    a2      1950-06   nursing since 2023-01-01 (open), another from 09-01   no: already in care
    a3      2007-06   residential from 2024-08-01                          no: 17
    a4      1959-10   residential 06-01 to 08-31 (64), nursing from 11-01  once, 18-64: the second (at 65) is not
            Fenland   (turned 65 on 2024-10-01)                            new, the first ended under 365 days before
    a5      1970-06   residential from 2024-05-01, outcome NFA self-funded  no: went on to fund themselves
    a6      1940-06   long-term residential, component short-term care     no: short-term care
    a7      1945-06   nursing from 2025-01-10, postcode PE7 (split: unplaced) new, 65+, county only
    a8      1980-06   residential 2023-02-01 to 03-01 (S0), again 2024-06-01  new, 18-64: the first ended over a
                                                                           year before
Cambridge's population is made tiny by hand (mid-2023 estimate, the latest before mid-2024): 40,000 aged 18-64
and 10,000 aged 65+ (5,000 + 3,000 + 2,000). At 2024/25 Q4:
  Cambridge 18-64: a8 = 1 -> 2.5 per 100,000; 65+: a1 = 1 -> 10.0 per 100,000.
  Fenland 18-64: a4 = 1; 65+: none (0.0).
  County 18-64: a4, a8 = 2; 65+: a1, a7 = 2, over the population NHS England published for 2024/25 (432,663 and
  134,730): 0.5 and 1.5 per 100,000, beside the published 13.4 (58 people) and 559.6 (754 people).
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from pipelines.build import run_models
from pipelines.config import Settings
from pipelines.ingest import ensure_store
from pipelines.public import load_public_data
from pipelines.reference_tables import write_reference_tables
from tests.cld_fixtures import NURSING, RESIDENTIAL, cld_row, insert_cld, submission

COUNTY, CAMBRIDGE, FENLAND = "E10000003", "E07000008", "E07000010"
S0 = submission(49, date(2022, 4, 1), date(2023, 3, 31))
S = submission(50, date(2024, 4, 1), date(2025, 3, 31))
FENLAND_POSTCODE = {"postcode_district": "PE13", "postcode_sector": "PE13 1"}
SPLIT_POSTCODE = {"postcode_district": "PE7", "postcode_sector": "PE7 1"}
SELF_FUNDED = "NFA: Self-funded client or under 12wk disregard"
TINY_CAMBRIDGE = {"18-64": 40_000, "65-74": 5_000, "75-84": 3_000, "85+": 2_000}


def home(sub, person: str, start: date, end: date | None = None, nursing: bool = False, **values) -> dict:
    kind = (
        {"service_type": NURSING, "service_component": "Long term nursing care"}
        if nursing
        else {
            "service_type": RESIDENTIAL,
            "service_component": "Long term residential care",
        }
    )
    return cld_row(
        sub, person, **{"delivery_mechanism": None, **kind, "event_start_date": start, "event_end_date": end, **values}
    )


def rows() -> list[dict]:
    return [
        home(S, "a1", date(2024, 7, 1)),
        home(S, "a2", date(2023, 1, 1), nursing=True),
        home(S, "a2", date(2024, 9, 1), nursing=True),
        home(S, "a3", date(2024, 8, 1), birth_year=2007),
        home(S, "a4", date(2024, 6, 1), date(2024, 8, 31), birth_year=1959, birth_month=10, **FENLAND_POSTCODE),
        home(S, "a4", date(2024, 11, 1), nursing=True, birth_year=1959, birth_month=10, **FENLAND_POSTCODE),
        home(S, "a5", date(2024, 5, 1), birth_year=1970, event_outcome=SELF_FUNDED),
        home(S, "a6", date(2024, 5, 1), birth_year=1940, service_component="Short term residential care"),
        home(S, "a7", date(2025, 1, 10), nursing=True, birth_year=1945, **SPLIT_POSTCODE),
        home(S0, "a8", date(2023, 2, 1), date(2023, 3, 1), birth_year=1980),
        home(S, "a8", date(2024, 6, 1), birth_year=1980),
    ]


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    ensure_store(con)
    load_public_data(con, Settings().path("public_data"))
    con.execute("delete from public_national_population where area_code = ?", [CAMBRIDGE])
    for band, people in TINY_CAMBRIDGE.items():
        con.execute(
            "insert into public_national_population (mid_year, area_code, area_name, age_band, population) "
            "values (2023, ?, 'Cambridge', ?, ?)",
            [CAMBRIDGE, band, people],
        )
    insert_cld(con, rows())
    write_reference_tables(con, Settings())
    run_models(con)
    return con


def admissions(con, period: str) -> list[tuple]:
    return con.sql(
        """select locality_code, age_band, admissions, population, round(per_100k, 1), population_basis,
                  published_per_100k, published_admissions
           from mart_cld_care_home_admissions where period = ? and locality_code in (?, ?, ?)
           order by locality_code, age_band""",
        params=[period, CAMBRIDGE, FENLAND, COUNTY],
    ).fetchall()


def test_year_end_admissions_per_100k_follow_the_published_method(con):
    # Fenland keeps the shipped estimates: the latest before mid-2024 is mid-2020's.
    fenland = dict(
        con.sql(
            "select case when age_band = '18-64' then '18-64' else '65+' end, sum(population) "
            "from public_national_population where area_code = ? and mid_year = 2020 "
            "and age_band in ('18-64', '65-74', '75-84', '85+') group by 1",
            params=[FENLAND],
        ).fetchall()
    )
    assert admissions(con, "2024/25 Q4") == [
        (CAMBRIDGE, "18-64", 1, 40_000, 2.5, "ONS mid-2023 estimate", None, None),
        (CAMBRIDGE, "65+", 1, 10_000, 10.0, "ONS mid-2023 estimate", None, None),
        (FENLAND, "18-64", 1, fenland["18-64"], round(1e5 / fenland["18-64"], 1), "ONS mid-2020 estimate", None, None),
        (FENLAND, "65+", 0, fenland["65+"], 0.0, "ONS mid-2020 estimate", None, None),
        (COUNTY, "18-64", 2, 432_663, 0.5, "ONS mid-2024, as NHS England published it", 13.4, 58.0),
        (COUNTY, "65+", 2, 134_730, 1.5, "ONS mid-2024, as NHS England published it", 559.6, 754.0),
    ]


def test_each_person_counts_once_at_their_first_new_admission(con):
    got = con.sql(
        "select person_id, age_band, admitted_on, age_on_admission from int_cld_care_home_admissions "
        "where period = '2024/25 Q4' order by person_id"
    ).fetchall()
    assert got == [
        ("N:a1", "65+", date(2024, 7, 1), 74),
        ("N:a4", "18-64", date(2024, 6, 1), 64),
        ("N:a7", "65+", date(2025, 1, 10), 79),
        ("N:a8", "18-64", date(2024, 6, 1), 44),
    ]


def test_a_rolling_twelve_months_at_each_quarter_end(con):
    # 2024/25 Q2: twelve months to 2024-09-30 in S: a1, a4, a8 (a7 is admitted later); not yet year-end, so no
    # published value beside it.
    got = [(r[0], r[1], r[2], r[6]) for r in admissions(con, "2024/25 Q2") if r[0] == COUNTY]
    assert got == [(COUNTY, "18-64", 2, None), (COUNTY, "65+", 1, None)]
