"""Which submission a quarter reads when rolling returns overlap, on a hand-made return worked out below.

Each quarterly CLD return covers the twelve months to its quarter's end, so the next quarter's return still holds
the earlier quarter's end but not the start of its twelve months. Three loads from the council (E10000003):
- A, load 60: 2023-04-01 to 2024-03-31 (2023/24's own return);
- A2, load 61: the same period sent again (a resubmission, with a late-entered admission);
- B, load 62: 2023-07-01 to 2024-06-30 (2024/25 Q1's return; holds 31 March 2024, not April to June 2023).

People (born June 1950, Cambridge; care home services residential):
    person  events                                                 in
    h1      care home 2023-05-01 to 2023-06-20                     A, A2 (ended before B's period)
    h2      care home from 2023-10-01, open                        A, A2, B
    h3      care home from 2024-01-15, open (entered late)         A2, B
    h4      care home from 2024-05-01, open                        B
    k1      unpaid carer, direct payment 2023-05-01 to 2023-06-30  A, A2
    k2      unpaid carer, commissioned support from 2023-09-01     A, A2, B

2023/24 Q4 (twelve months to 2024-03-31) reads A2, the latest load covering all twelve months: admissions h1, h2,
h3 (reading B would lose h1); carers k1 (DP) of k1, k2: 3D(1b) 1 of 2 (reading B would give 0 of 1).
2024/25 Q1 (twelve months to 2024-06-30) reads B: admissions h2, h3, h4 (h1 began before the twelve months).
2023/24 Q3 (twelve months to 2023-12-31): no load covers them all; A and A2 cover the most (from April), so A2.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from tests.cld_fixtures import COMMISSIONED, DIRECT_TO_CARER, DP, RESIDENTIAL, cld_row, submission, warehouse_of

COUNTY = "E10000003"
A = submission(60, date(2023, 4, 1), date(2024, 3, 31))
A2 = submission(61, date(2023, 4, 1), date(2024, 3, 31))
B = submission(62, date(2023, 7, 1), date(2024, 6, 30))


def care_home(sub, person: str, start: date, end: date | None = None) -> dict:
    return cld_row(
        sub,
        person,
        service_type=RESIDENTIAL,
        service_component="Long term residential care",
        delivery_mechanism=None,
        event_start_date=start,
        event_end_date=end,
    )


def carer(sub, person: str, mechanism: str, start: date, end: date | None = None) -> dict:
    return cld_row(
        sub,
        person,
        client_type="Unpaid carer",
        service_type=DIRECT_TO_CARER,
        service_component="Carer break",
        delivery_mechanism=mechanism,
        event_start_date=start,
        event_end_date=end,
    )


def rows() -> list[dict]:
    h1 = (date(2023, 5, 1), date(2023, 6, 20))
    k1 = (DP, date(2023, 5, 1), date(2023, 6, 30))
    k2 = (COMMISSIONED, date(2023, 9, 1))
    return [
        *(care_home(sub, "h1", *h1) for sub in (A, A2)),
        *(care_home(sub, "h2", date(2023, 10, 1)) for sub in (A, A2, B)),
        *(care_home(sub, "h3", date(2024, 1, 15)) for sub in (A2, B)),
        care_home(B, "h4", date(2024, 5, 1)),
        *(carer(sub, "k1", *k1) for sub in (A, A2)),
        *(carer(sub, "k2", *k2) for sub in (A, A2, B)),
    ]


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return warehouse_of(rows())


def test_each_quarter_reads_the_latest_load_covering_its_twelve_months(con):
    got = con.sql(
        "select period, load_id, covers_year from int_cld_submission_selected "
        "where period in ('2023/24 Q3', '2023/24 Q4', '2024/25 Q1') order by period"
    ).fetchall()
    assert got == [("2023/24 Q3", 61, False), ("2023/24 Q4", 61, True), ("2024/25 Q1", 62, True)]


def test_an_admission_that_ended_before_the_next_return_began_is_counted_in_its_year(con):
    got = con.sql(
        "select period, list(person_id order by person_id) from int_cld_care_home_admissions "
        "where period in ('2023/24 Q4', '2024/25 Q1') group by period order by period"
    ).fetchall()
    assert got == [("2023/24 Q4", ["N:h1", "N:h2", "N:h3"]), ("2024/25 Q1", ["N:h2", "N:h3", "N:h4"])]
    county = con.execute(
        "select admissions from mart_cld_care_home_admissions "
        "where period = '2023/24 Q4' and locality_code = ? and age_band = '65+'",
        [COUNTY],
    ).fetchone()
    assert county == (3,)


def test_a_carer_supported_only_early_in_the_year_counts_at_its_end(con):
    got = con.execute(
        "select numerator, denominator, value_pct from mart_cld_ascof_3d "
        "where period = '2023/24 Q4' and locality_code = ? and ascof_code = '3D(1b)'",
        [COUNTY],
    ).fetchone()
    assert got == (1, 2, 50.0)
