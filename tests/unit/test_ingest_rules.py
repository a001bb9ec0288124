"""Every validation rule: what is refused, the reason a person reads, and what is accepted and stored."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pipelines.config import load_settings
from pipelines.ingest import ingest_paths
from tests.conftest import write_test_config
from tests.unit import test_ingest as base
from tests.unit.test_ingest import GOOD, HEADER, store_rows, write

settings = base.settings

CATALOGUE = [
    "kpi_code,name,contract_type,unit,higher_is_better,target,amber_tolerance,calculation,effective_from",
    "hc_missed,Visits missed,home_care,percent,false,1.0,0.5,proportion,",
    "hc_visits,Visits made,home_care,count,true,2000,100,reported,",
]
RETURN_HEADER = "contract_id,provider,period,kpi_code,numerator,denominator,value,comment"


def activity_rejects(settings, tmp_path, row: str) -> list[tuple]:
    ingest_paths([write(tmp_path, "activity.csv", [HEADER, row])], settings)
    return store_rows(settings, "select column_name, value, reason from rejects order by column_name")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ((",10,£220.50,", ",168.5,£220.50,"), ("weekly_hours", "168.5", "weekly_hours must not be above 168")),
        ((",10,£220.50,", ",-1,£220.50,"), ("weekly_hours", "-1", "weekly_hours must not be below 0")),
        ((",10,£220.50,", ",10,-5,"), ("weekly_cost_gbp", "-5", "weekly_cost_gbp must not be below 0")),
        (
            (",10,£220.50,", ",10,lots,"),
            ("weekly_cost_gbp", "lots", "weekly_cost_gbp should be an amount in pounds, like 220.50 or £1,220.50"),
        ),
        ((",70,", ",70.5,"), ("age", "70.5", "age should be a whole number")),
        ((",70,", ",,"), ("age", None, "age is required but blank")),
        ((",70,", ",   ,"), ("age", "   ", "age is required but blank")),
        ((",female,", ",woman,"), ("sex", "woman", "sex should be one of: female, male, other, unknown")),
        (
            ("2024-04-01,,", "1024-04-01,,"),
            ("start_date", "1024-04-01", "start_date is before 1900: check the year"),
        ),
        (
            # (04/30/2024 alone would prove the file month first: see test_ingest_dates.)
            ("2024-04-01,,", "31/02/2024,,"),
            ("start_date", "31/02/2024", "start_date should be a date like 2024-04-30 or 30/04/2024"),
        ),
    ],
)
def test_activity_rules(settings, tmp_path, change, expected):
    assert activity_rejects(settings, tmp_path, GOOD.replace(*change)) == [expected]


def test_dates_after_today_are_refused_and_today_is_not(settings, tmp_path):
    today, tomorrow = date.today().isoformat(), (date.today() + timedelta(days=1)).isoformat()
    lines = [HEADER, GOOD.replace("2024-04-01", today), GOOD.replace("P1", "P2").replace("2024-04-01", tomorrow)]
    [result] = ingest_paths([write(tmp_path, "activity.csv", lines)], settings)
    assert result.rejects.rows() == [(3, "start_date", tomorrow, "start_date is in the future")]


def test_accepted_spellings_are_stored_in_canonical_form(settings, tmp_path):
    row = (
        "  P1 ,70.0,Female,physical support: personal care support,e07000008, Home Care,Direct-Payment,"
        '1/4/2024,, 10 ,"£1,234.50",HC-01'
    )
    ingest_paths([write(tmp_path, "activity.csv", [HEADER, row])], settings)
    rows = store_rows(
        settings,
        "select age, sex, primary_support_reason, locality_code, service_type, delivery_route, start_date, "
        "weekly_hours, weekly_cost_gbp, provider_id from raw_activity",
    )
    assert rows == [
        (
            70,
            "female",
            "Physical support: personal care support",
            "E07000008",
            "home_care",
            "direct_payment",
            date(2024, 4, 1),
            10.0,
            1234.5,
            "HC-01",
        )
    ]
    assert store_rows(settings, "select count(*) from rejects") == [(0,)]


def test_locality_codes_come_from_the_council_configuration(tmp_path):
    config = write_test_config(tmp_path)
    config.write_text(
        config.read_text().replace(
            'code = "E07000008"\nname = "Cambridge"', 'code = "E06000031"\nname = "Peterborough"'
        )
    )
    other = load_settings(config)
    lines = [HEADER, GOOD.replace("E07000008", "E06000031"), GOOD.replace("P1", "P2")]
    [result] = ingest_paths([write(tmp_path, "activity.csv", lines)], other)
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    assert result.rejects.row(0)[:3] == (3, "locality_code", "E07000008")
    assert "(E06000031, E07000009, E07000010, E07000011, E07000012)" in result.rejects.row(0)[3]


def test_blank_rows_are_skipped_not_counted(settings, tmp_path):
    [result] = ingest_paths(
        [write(tmp_path, "activity.csv", [HEADER, GOOD, ",,,,,,,,,,,", GOOD.replace("P1", "P2")])], settings
    )
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 2, 0)
    assert store_rows(settings, "select source_row from raw_activity order by 1") == [(2,), (4,)]


def test_kpi_returns_are_checked_against_the_catalogue_in_the_store(settings, tmp_path):
    ingest_paths([write(tmp_path, "catalogue.csv", CATALOGUE)], settings)
    lines = [
        RETURN_HEADER,
        "HC-01,Acme,2024-25 Q1,hc_missed,20,2000,1.0,",  # row 2: good; period stored as 2024/25 Q1
        "HC-01,Acme,Q2 2024/25,hc_visits,,,2100,",  # row 3: good; a count may exceed 100
        "HC-01,Acme,2024/25 Q1,hc_mised,20,2000,1.0,",  # row 4: a typo in the code
        "HC-01,Acme,2024/25 Q1,hc_missed,20,2000,150,",  # row 5: a percentage over 100
        "HC-01,Acme,2024/25 Q1,hc_missed,2001,2000,100,",  # row 6: more missed than planned
        "HC-01,Acme,2024/25 Q5,hc_missed,1,2000,0.1,",  # row 7: no such quarter
        "HC-01,Acme,2024/26 Q1,hc_missed,1,2000,0.1,",  # row 8: not a financial year
        "HC-01,Acme,2099/00 Q1,hc_missed,1,2000,0.1,",  # row 9: a quarter not yet started
    ]
    [result] = ingest_paths([write(tmp_path, "returns.csv", lines)], settings)
    assert result.rejects.rows() == [
        (
            4,
            "kpi_code",
            "hc_mised",
            "kpi_code is not in the KPI catalogue: correct the code, or load a catalogue that has it first",
        ),
        (5, "value", "150", "value is a percentage (0 to 100) and must not be above 100"),
        (6, "numerator", "2001", "numerator must not be larger than denominator"),
        (7, "period", "2024/25 Q5", "period should be a financial quarter like 2024/25 Q1"),
        (8, "period", "2024/26 Q1", "period should be a financial quarter like 2024/25 Q1"),
        (9, "period", "2099/00 Q1", "period is a quarter that has not started yet"),
    ]
    assert store_rows(settings, "select period, kpi_code, value from raw_kpi_returns order by source_row") == [
        ("2024/25 Q1", "hc_missed", 1.0),
        ("2024/25 Q2", "hc_visits", 2100.0),
    ]


def test_catalogue_rules_and_future_target_changes_are_allowed(settings, tmp_path):
    lines = [
        CATALOGUE[0],
        "hc_missed,Visits missed,home_care,percent,false,1.0,0.5,proportion,2099/00 Q1",  # a planned change
        "hc_pct,Something,home_care,percent,true,120,1,,",  # a percentage target above 100
        "hc_x,Something,care_homes,count,yes,1,1,,",  # an unknown contract type
        "hc_y,Something,home_care,count,maybe,1,1,,",  # not true or false
    ]
    [result] = ingest_paths([write(tmp_path, "catalogue.csv", lines)], settings)
    assert result.rejects.rows() == [
        (3, "target", "120", "target is a percentage (0 to 100) and must not be above 100"),
        (4, "contract_type", "care_homes", "contract_type should be one of: dpss, home_care, isf"),
        (5, "higher_is_better", "maybe", "higher_is_better should be true or false"),
    ]
    assert store_rows(settings, "select effective_from from raw_kpi_catalogue") == [("2099/00 Q1",)]


@pytest.mark.parametrize(
    ("source", "lines", "expected"),
    [
        (
            "referrals",
            [
                "referral_id,person_id,received_date,locality_code,service_requested,hours_requested,status,start_date",
                "R1,P1,2024-02-01,E07000008,home_care,10,started,2024-01-15",
            ],
            (2, "start_date", "2024-01-15", "start_date is before received_date"),
        ),
        (
            "pa_register",
            [
                "pa_id,locality_code,registered_date,left_date,on_payroll,dbs_checked,qualifications",
                "PA1,E07000008,2024-02-01,2024-01-01,true,,",
            ],
            (2, "left_date", "2024-01-01", "left_date is before registered_date"),
        ),
    ],
)
def test_rules_of_the_other_sources(settings, tmp_path, source, lines, expected):
    [result] = ingest_paths([write(tmp_path, f"{source}.csv", lines)], settings)
    assert result.source == source
    assert expected in result.rejects.rows()


def test_every_problem_in_a_row_is_listed_but_the_row_counts_once(settings, tmp_path):
    row = "P1,-3,female,Nothing,E1,home_care,council_arranged,2024-04-01,,10,£220.50,HC-01"
    [result] = ingest_paths([write(tmp_path, "activity.csv", [HEADER, row])], settings)
    assert (result.rows_rejected, result.rejects.height) == (1, 3)
    assert result.rejects["column_name"].to_list() == ["age", "locality_code", "primary_support_reason"]
