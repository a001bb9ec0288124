"""Reviews and their outcomes from CLD (mart_outcomes), on a hand-made return worked out below.

One submission (load 40, 2024-04-01 to 2025-03-31). Reviews of service users in 2024/25 Q3 (October to December
2024), born 1950, Cambridge (CB1) unless said:
    person  review date  reason     Review Outcomes Achieved   hourly services: before -> after (hours a week)
    r1      2024-10-15   Planned    Fully achieved             10 (ends 10-15) -> 6 (from 10-16)
    r2      2024-11-02   Unplanned  Partially achieved         none -> none
    r3      2024-12-20   Planned    Not achieved               none -> none
    r4      2024-11-20   Planned    Invalid and not mapped     8 -> 8 (Fenland, PE13)
    r5      2024-10-30   Planned    Fully achieved             none (PE7: split outward code, unplaced)
  Cambridge: 3 reviews, 1 fully achieved (33.3%), 1 partly, 1 not; hours 10 -> 6.
  Fenland: 1 review, its outcome invalid: kept in the base, 0 of 1 fully achieved; hours 8 -> 8.
  County: 5 reviews (r5 counts here only), 2 fully achieved = 40.0%, 1 invalid; hours 18 -> 14 (down 22.2%).
  By reason, county: Planned 4 (r1, r3, r4, r5), 2 achieved = 50.0%; Unplanned 1 (r2), 0 achieved.
Not counted in Q3: r1's earlier review on 2024-08-01 (Q2, outcome Unknown: Q2 has 1 review, 0 achieved, 1
unknown); r2's review row sent twice in the file (once); a review of an unpaid carer (c1): reviews of service
users only.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from tests.cld_fixtures import INVALID, cld_row, submission, warehouse_of

COUNTY, CAMBRIDGE, FENLAND = "E10000003", "E07000008", "E07000010"
S = submission(40, date(2024, 4, 1), date(2025, 3, 31))
FENLAND_POSTCODE = {"postcode_district": "PE13", "postcode_sector": "PE13 1"}
SPLIT_POSTCODE = {"postcode_district": "PE7", "postcode_sector": "PE7 1"}
NOT_A_SERVICE = {"service_type": None, "service_component": None, "delivery_mechanism": None}


def review(person: str, on: date, reason: str, outcome: str | None, **where) -> dict:
    return cld_row(
        S,
        person,
        **NOT_A_SERVICE,
        event_type="Review",
        event_start_date=on,
        event_end_date=on,
        review_reason=reason,
        review_outcomes_achieved=outcome,
        **where,
    )


def hourly(person: str, hours: float, start: date, end: date | None = None, **where) -> dict:
    return cld_row(
        S,
        person,
        event_start_date=start,
        event_end_date=end,
        unit_cost=22.0,
        cost_frequency_unit_type="Hourly",
        planned_units_per_week=hours,
        **where,
    )


def rows() -> list[dict]:
    twice = review("r2", date(2024, 11, 2), "Unplanned", "Partially achieved")
    return [
        hourly("r1", 10.0, date(2024, 6, 1), date(2024, 10, 15)),
        hourly("r1", 6.0, date(2024, 10, 16)),
        review("r1", date(2024, 8, 1), "Planned", "Unknown"),
        review("r1", date(2024, 10, 15), "Planned", "Fully achieved"),
        cld_row(S, "r2"),
        twice,
        dict(twice),
        cld_row(S, "r3"),
        review("r3", date(2024, 12, 20), "Planned", "Not achieved"),
        hourly("r4", 8.0, date(2024, 1, 1), **FENLAND_POSTCODE),
        review("r4", date(2024, 11, 20), "Planned", INVALID, **FENLAND_POSTCODE),
        cld_row(S, "r5", **SPLIT_POSTCODE),
        review("r5", date(2024, 10, 30), "Planned", "Fully achieved", **SPLIT_POSTCODE),
        review("c1", date(2024, 11, 5), "Planned", "Fully achieved", client_type="Unpaid carer"),
    ]


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return warehouse_of(rows())


def outcomes(con, period: str, reason: str = "all") -> list[tuple]:
    return con.sql(
        """select locality_code, outcomes_reviewed, achieved, partly_achieved, not_achieved, outcome_unknown,
                  outcome_invalid, round(achieved_pct, 1), hours_before, hours_after
           from mart_outcomes where period = ? and review_reason = ? order by locality_code""",
        params=[period, reason],
    ).fetchall()


def test_reviews_by_area_keep_invalid_outcomes_in_the_base_and_unplaced_people_in_the_county(con):
    assert outcomes(con, "2024/25 Q3") == [
        (CAMBRIDGE, 3, 1, 1, 1, 0, 0, 33.3, 10.0, 6.0),
        (FENLAND, 1, 0, 0, 0, 0, 1, 0.0, 8.0, 8.0),
        (COUNTY, 5, 2, 1, 1, 0, 1, 40.0, 18.0, 14.0),
    ]


def test_an_earlier_review_counts_in_its_own_quarter_with_its_unknown_outcome(con):
    assert outcomes(con, "2024/25 Q2") == [
        (CAMBRIDGE, 1, 0, 0, 0, 1, 0, 0.0, 10.0, 10.0),
        (COUNTY, 1, 0, 0, 0, 1, 0, 0.0, 10.0, 10.0),
    ]


def test_reviews_by_reason_for_the_county(con):
    planned = outcomes(con, "2024/25 Q3", "Planned")
    unplanned = outcomes(con, "2024/25 Q3", "Unplanned")
    assert [r[:3] + (r[7],) for r in planned if r[0] == COUNTY] == [(COUNTY, 4, 2, 50.0)]
    assert [r[:3] + (r[7],) for r in unplanned if r[0] == COUNTY] == [(COUNTY, 1, 0, 0.0)]


def test_the_headline_measure_is_the_county_share_fully_achieved(con):
    got = con.sql(
        "select value, rests_on from mart_headline_measures where measure_key = 'outcomes_achieved_pct' "
        "and locality_code = ? and period = '2024/25 Q3'",
        params=[COUNTY],
    ).fetchall()
    assert got == [(40.0, [2.0, 5.0])]
