"""People waiting for a service at a quarter end, from Client Level Data, on a hand-made return worked out below.

Two rolling submissions: load 40 (2024-04-01 to 2025-03-31) and load 41 (2024-07-01 to 2025-06-30), each holding
the events that fall in its period. For 2024/25 Q2 and Q3 both hold the quarter end; each event is read from the
later one where its period holds the event, else from the earlier one (p7's request of June is only in load 40).
Cambridge unless said; quarter end 2024-12-31 (2024/25 Q3):
    p1  asked 2024-11-01, no assessment yet, no service ever                 waiting 60 days, hours estimated
    p2  asked 2024-10-02, assessed 10-10 to 10-17, 12 h/week from 2025-01-20  waiting 90 days, 12 hours (known)
    p3  no postcode (placed nowhere): asked 2024-12-01, assessment open       waiting 30 days (county only)
    p4  Fenland, in support since 2023: asked 2024-09-01, 6 h day support from 2024-12-15: answered in Q3
    p5  asked 2024-10-15, assessment ended 10-25 with 'NFA: information and advice': not waiting
    p6  in support since 2023 (10 h/week): asked 2024-12-21, nothing since    waiting 10 days, hours estimated
    p7  Fenland: asked 2024-06-20 (load 40 only), nothing since               waiting 194 days, hours estimated
Hours estimated at the mean planned hours of the hourly services that started in the quarter: Q3 only p4's 6.
  Cambridge: p1, p2, p6 -> 3 people; days 10, 60, 90: median 60, 90th centile (0.9 x 2 = 1.8 places up)
             60 + 0.8 x 30 = 84; hours 6 + 12 + 6 = 24, 2 estimated.
  Fenland:   p7 -> 1 person, 194 days, 6 hours (estimated).
  County:    p1, p2, p3, p6, p7 -> 5 people; days 10, 30, 60, 90, 194: median 60, 90th centile
             (0.9 x 4 = 3.6 places up) 90 + 0.6 x 104 = 152.4; hours 24 + 6 + 6 = 36, 4 estimated.
2024/25 Q2 (2024-09-30): Fenland p4 (29 days; 6 hours, the day support that later answered it) and p7 (102
days; no hourly service started in Q2, so an estimate of 0): median 65.5. Nobody else had asked yet.
The council's referrals file holds one Cambridge referral of 2023-12-01 still waiting (8 hours): quarters before
CLD (2023/24 Q3 and Q4) read it, so the waiting list's people and hours change source at 2024/25 Q1.
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
from pipelines.schemas import SOURCES
from tests.cld_fixtures import cld_row, insert_cld, submission

COUNTY, CAMBRIDGE, FENLAND = "E10000003", "E07000008", "E07000010"
EARLY, LATE = submission(40, date(2024, 4, 1), date(2025, 3, 31)), submission(41, date(2024, 7, 1), date(2025, 6, 30))
FENLAND_POSTCODE = {"postcode_district": "PE13", "postcode_sector": "PE13 1"}
NOWHERE = {"postcode_district": None, "postcode_sector": None}
NOT_A_SERVICE = {"service_type": None, "service_component": None, "delivery_mechanism": None}
HOURLY = {"cost_frequency_unit_type": "Hourly", "unit_cost": 25.0}


def request(person: str, on: date, **where) -> dict:
    return {"person": person, "event_type": "Request", "event_start_date": on, "event_end_date": on,
            "event_outcome": "Progress to assessment, review or reassessment", **NOT_A_SERVICE, **where}  # fmt: skip


def assessment(person: str, on: date, until: date | None, outcome: str, **where) -> dict:
    return {"person": person, "event_type": "Assessment", "event_start_date": on, "event_end_date": until,
            "event_outcome": outcome, "assessment_type": "Long term assessment", **NOT_A_SERVICE, **where}  # fmt: skip


def service(person: str, on: date, hours: float, **where) -> dict:
    return {"person": person, "event_start_date": on, "planned_units_per_week": hours, **HOURLY, **where}


EVENTS = [
    request("p1", date(2024, 11, 1)),
    request("p2", date(2024, 10, 2)),
    assessment("p2", date(2024, 10, 10), date(2024, 10, 17), "Progress to support planning or services"),
    service("p2", date(2025, 1, 20), 12.0),
    request("p3", date(2024, 12, 1), **NOWHERE),
    assessment("p3", date(2024, 12, 10), None, "Progress to support planning or services", **NOWHERE),
    {"person": "p4", **FENLAND_POSTCODE},  # long-term home care open since 2023-06-01
    request("p4", date(2024, 9, 1), **FENLAND_POSTCODE),
    service("p4", date(2024, 12, 15), 6.0, service_component="Day support", **FENLAND_POSTCODE),
    request("p5", date(2024, 10, 15)),
    assessment("p5", date(2024, 10, 20), date(2024, 10, 25), "NFA: Information and advice or signposting"),
    service("p6", date(2023, 6, 1), 10.0),
    request("p6", date(2024, 12, 21)),
    request("p7", date(2024, 6, 20), **FENLAND_POSTCODE),
]


def rows() -> list[dict]:
    out = []
    for sub in (EARLY, LATE):
        start, end = sub["reporting_period_start_date"], sub["reporting_period_end_date"]
        for event in EVENTS:
            values = {k: v for k, v in event.items() if k != "person"}
            begins, ends = values.get("event_start_date", date(2023, 6, 1)), values.get("event_end_date")
            if begins <= end and (ends is None or ends >= start):
                out.append(cld_row(sub, event["person"], **values))
    return out


REFERRAL = ("R1", "ref1", date(2023, 12, 1), CAMBRIDGE, "home_care", 8.0, "waiting", None)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    path = tmp_path_factory.mktemp("waiting_list") / "w.duckdb"
    con = duckdb.connect(str(path))
    settings = Settings()
    ensure_store(con)
    load_public_data(con, settings.path("public_data"))
    insert_cld(con, rows())
    columns = SOURCES["referrals"].column_names
    con.execute(
        f"insert into raw_referrals (load_id, source_row, {', '.join(columns)}) values (1, 1, ?, ?, ?, ?, ?, ?, ?, ?)",
        list(REFERRAL),
    )
    write_reference_tables(con, settings)
    run_models(con)
    con.close()
    yield duckdb.connect(str(path), read_only=True)


def waiting(con, period: str) -> dict[str, tuple]:
    got = con.sql(
        "select locality_code, people_waiting, hours_waiting, median_wait_days, p90_wait_days, people_hours_estimated "
        "from mart_waiting_list where period = ? and locality_code in (?, ?, ?)",
        params=[period, CAMBRIDGE, FENLAND, COUNTY],
    ).fetchall()
    return {row[0]: row[1:] for row in got}


def test_people_waiting_at_the_quarter_end_per_area_with_the_unplaced_in_the_county(warehouse):
    got = waiting(warehouse, "2024/25 Q3")
    assert got[CAMBRIDGE] == (3, 24.0, 60.0, pytest.approx(84.0), 2)
    assert got[FENLAND] == (1, 6.0, 194.0, 194.0, 1)
    assert got[COUNTY] == (5, 36.0, 60.0, pytest.approx(152.4), 4)


def test_a_request_answered_after_the_quarter_still_waits_at_its_end(warehouse):
    got = waiting(warehouse, "2024/25 Q2")
    assert got[FENLAND] == (2, 6.0, 65.5, pytest.approx(94.7), 1)  # 29 + 0.9 x 73 = 94.7
    assert got[CAMBRIDGE] == (0, 0.0, None, None, 0)


def test_who_waits_and_since_when(warehouse):
    got = warehouse.sql(
        "select person_id, locality_code, waiting_since, hours_known from int_cld_waiting_list "
        "where period = '2024/25 Q3' order by person_id"
    ).fetchall()
    assert got == [
        ("N:p1", CAMBRIDGE, date(2024, 11, 1), False),
        ("N:p2", CAMBRIDGE, date(2024, 10, 2), True),
        ("N:p3", None, date(2024, 12, 1), False),
        ("N:p6", CAMBRIDGE, date(2024, 12, 21), False),
        ("N:p7", FENLAND, date(2024, 6, 20), False),
    ]


def test_quarters_before_cld_read_the_referrals_file_and_the_switch_is_a_series_break(warehouse):
    sources = warehouse.sql(
        "select period, source, people_waiting, hours_waiting, median_wait_days from mart_waiting_list "
        "where locality_code = ? and period in ('2023/24 Q3', '2023/24 Q4', '2024/25 Q1') order by period",
        params=[CAMBRIDGE],
    ).fetchall()
    assert sources == [
        ("2023/24 Q3", "Referrals file", 1, 8.0, 30.0),
        ("2023/24 Q4", "Referrals file", 1, 8.0, 121.0),
        ("2024/25 Q1", "Client Level Data", 0, 0.0, None),
    ]
    changes = warehouse.sql(
        "select measure_key, period, label from mart_source_changes where measure_key like '%waiting'"
    ).fetchall()
    label = "Source changed: Client Level Data from here, the referrals file before"
    assert sorted(changes) == [("hours_waiting", "2024/25 Q1", label), ("people_waiting", "2024/25 Q1", label)]
