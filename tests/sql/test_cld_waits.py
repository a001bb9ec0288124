"""Requests -> assessments -> services and the waits between them, on a hand-made return worked out below.

One submission (load 30, 2024-04-01 to 2025-03-31). Quarter 2024/25 Q3 (October to December 2024).
Cambridge, five people new to long-term support, each asked on 1 October 2024:
    person  assessment starts (ends a week later)  request->assessment  new service starts  assessment->service
    w1      2024-10-03 (-10-10)                    2                    2024-10-15          5
    w2      2024-10-06 (-10-13)                    5                    2024-10-23          10
    w3      2024-10-11 (-10-18)                    10                   2024-11-07          20
    w4      2024-10-21 (-10-28)                    20                   2024-11-27          30
    w5      2024-11-10 (-11-17)                    40                   2024-12-27          40
  medians 10 and 20 days; 90th centiles (interpolated: 0.9 x 4 = 3.6 places up) 20 + 0.6 x 20 = 32 and
  30 + 0.6 x 10 = 36 days.
Fenland: f1 has had long-term support since June 2023; asked 2024-10-13, assessed from 2024-10-20 (7 days), a
second service from 2024-11-01 is not new support (no wait to service). f2 asked 2024-06-01, was assessed from
2024-06-10 (9 days, in Q1) and again from 2024-11-01 with no new request: no request->assessment wait in Q3.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest

from dashboard.present.waiting import waiting_times
from dashboard.queries import Warehouse
from pipelines.build import run_models
from pipelines.config import Settings
from pipelines.ingest import ensure_store
from pipelines.public import load_public_data
from pipelines.reference_tables import write_reference_tables
from tests.cld_fixtures import cld_row, insert_cld, submission

COUNTY, CAMBRIDGE, FENLAND = "E10000003", "E07000008", "E07000010"
S = submission(30, date(2024, 4, 1), date(2025, 3, 31))
FENLAND_POSTCODE = {"postcode_district": "PE13", "postcode_sector": "PE13 1"}
NOT_A_SERVICE = {"service_type": None, "service_component": None, "delivery_mechanism": None}


def request(person: str, on: date, **where) -> dict:
    return cld_row(S, person, event_type="Request", event_start_date=on, event_end_date=on, **NOT_A_SERVICE, **where)


def assessment(person: str, on: date, **where) -> dict:
    return cld_row(
        S, person, event_type="Assessment", event_start_date=on, event_end_date=on + timedelta(days=7),
        **NOT_A_SERVICE, **where,
    )  # fmt: skip


def rows() -> list[dict]:
    out = []
    asked = date(2024, 10, 1)
    for person, to_assessment, to_service in [("w1", 2, 5), ("w2", 5, 10), ("w3", 10, 20), ("w4", 20, 30),
                                              ("w5", 40, 40)]:  # fmt: skip
        assessed = asked + timedelta(days=to_assessment)
        out += [
            request(person, asked),
            assessment(person, assessed),
            cld_row(S, person, event_start_date=assessed + timedelta(days=7 + to_service)),
        ]
    out += [
        cld_row(S, "f1", **FENLAND_POSTCODE),  # open since 2023-06-01
        request("f1", date(2024, 10, 13), **FENLAND_POSTCODE),
        assessment("f1", date(2024, 10, 20), **FENLAND_POSTCODE),
        cld_row(S, "f1", event_start_date=date(2024, 11, 1), service_component="Day care", **FENLAND_POSTCODE),
        request("f2", date(2024, 6, 1), **FENLAND_POSTCODE),
        assessment("f2", date(2024, 6, 10), **FENLAND_POSTCODE),
        assessment("f2", date(2024, 11, 1), **FENLAND_POSTCODE),
    ]
    return out


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("waits") / "w.duckdb"
    con = duckdb.connect(str(path))
    settings = Settings()
    ensure_store(con)
    load_public_data(con, settings.path("public_data"))
    insert_cld(con, rows())
    write_reference_tables(con, settings)
    run_models(con)
    con.close()
    return path


def waits(path, period: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql(
            "select locality_code, requests, assessments, assessment_waits, assessment_median_days, "
            "assessment_p90_days, service_waits, service_median_days, service_p90_days from mart_cld_waiting_times "
            "where period = ? and locality_code in (?, ?, ?) order by locality_code",
            params=[period, CAMBRIDGE, FENLAND, COUNTY],
        ).fetchall()


def test_median_and_90th_centile_waits_per_area_in_the_quarter(warehouse):
    cambridge, fenland, county = waits(warehouse, "2024/25 Q3")
    assert cambridge == (CAMBRIDGE, 5, 5, 5, 10.0, pytest.approx(32.0), 5, 20.0, pytest.approx(36.0))
    # f1's 7 days; f2's second assessment answers no new request; f1's day care is not new support.
    assert fenland == (FENLAND, 1, 2, 1, 7.0, 7.0, 0, None, None)
    # The county: 2, 5, 7, 10, 20, 40 -> median 8.5; 90th centile 0.9 x 5 = 4.5 places up: 20 + 0.5 x 20 = 30.
    assert county == (COUNTY, 6, 7, 6, 8.5, pytest.approx(30.0), 5, 20.0, pytest.approx(36.0))


def test_a_wait_counts_in_the_quarter_it_ends(warehouse):
    fenland = [row for row in waits(warehouse, "2024/25 Q1") if row[0] == FENLAND][0]
    assert fenland == (FENLAND, 1, 1, 1, 9.0, 9.0, 0, None, None)  # f2's first assessment, 9 days after asking


def test_the_page_hides_centiles_resting_on_fewer_waits_than_the_threshold(warehouse):
    wh = Warehouse(Settings(), warehouse)
    shown = waiting_times(wh, CAMBRIDGE, "2024/25 Q3", "Cambridge")
    assert [(m.label, m.value) for m in shown.metrics] == [
        ("Request to assessment, median, 2024/25 Q3", "10 days"),
        ("Request to assessment, 90th centile, 2024/25 Q3", "32 days"),
        ("Assessment to service, median, 2024/25 Q3", "20 days"),
        ("Assessment to service, 90th centile, 2024/25 Q3", "36 days"),
    ]
    assert "request to assessment: a median of 10 days, 9 in 10 within 32 days (5 waits)" in shown.sentence.text
    fenland = waiting_times(wh, FENLAND, "2024/25 Q3", "Fenland")
    assert [m.value for m in fenland.metrics] == ["–"] * 4  # one wait to assessment (hidden), none to service
    assert "request to assessment: too few waits to show (<5)" in fenland.sentence.text
    row = [r for r in fenland.table.rows if r[0] == "2024/25 Q3"][0]
    assert row == ["2024/25 Q3", "<5", "<5", "<5", "–", "–", "0", "–", "–"]


def test_waits_by_group_in_the_quarter(warehouse):
    # Every Cambridge person is 74 at the quarter end (born June 1950), support reason 'Physical support: ...',
    # ethnicity blank: one group per breakdown holding all five waits of each step, as the area's figures.
    with duckdb.connect(str(warehouse), read_only=True) as con:
        got = con.sql(
            "select breakdown, category, step, waits, median_days, p90_days from mart_cld_waiting_breakdown "
            "where period = '2024/25 Q3' and locality_code = ? and step = 'request to assessment' "
            "order by breakdown, category",
            params=[CAMBRIDGE],
        ).fetchall()
    step = "request to assessment"
    assert got == [
        ("Age band", "65+", step, 5, 10.0, pytest.approx(32.0)),
        ("Age band", "All people", step, 5, 10.0, pytest.approx(32.0)),
        ("Ethnicity", "All people", step, 5, 10.0, pytest.approx(32.0)),
        ("Ethnicity", "Not recorded", step, 5, 10.0, pytest.approx(32.0)),
        ("Primary support reason", "All people", step, 5, 10.0, pytest.approx(32.0)),
        ("Primary support reason", "Physical support", step, 5, 10.0, pytest.approx(32.0)),
    ]
