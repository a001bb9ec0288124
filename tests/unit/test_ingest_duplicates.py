"""One row per key in a file, and no raw person identifier in ``rejects`` even in the wrong column (issue 16)."""

from __future__ import annotations

import time

from pipelines.ingest import ingest_paths
from tests.unit.test_ingest import GOOD, HEADER, settings, store_rows, write  # noqa: F401 (fixture)
from tests.unit.test_ingest_history import CATALOGUE


def test_a_second_row_with_the_same_key_is_rejected_naming_the_first(settings, tmp_path):  # noqa: F811
    other = GOOD.replace("P1,", "P2,")
    again = GOOD.replace(",10,", ",12,")  # same person, service and start date: a second version of row 2
    path = write(tmp_path, "activity.csv", [HEADER, GOOD, other, again, again])
    [result] = ingest_paths([path], settings)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == (
        "loaded_with_rejects",
        4,
        2,
        2,
    )
    rows = [(r, c, reason) for r, c, _value, reason in result.reject_rows]
    assert rows == [
        (4, "person_id", "same person_id, service_type and start_date as row 2"),
        (5, "person_id", "same person_id, service_type and start_date as row 2"),
    ]
    # The value shown is the row's key as stored: the person pseudonymised, never as sent.
    assert all(value.startswith("ph_") for _r, _c, value, _reason in result.reject_rows)
    assert store_rows(settings, "select source_row, weekly_hours from raw_activity order by 1") == [
        (2, 10.0),
        (3, 10.0),
    ]


def test_a_bad_first_row_leaves_the_next_with_its_key_as_the_one_loaded(settings, tmp_path):  # noqa: F811
    bad = GOOD.replace(",70,", ",700,")
    path = write(tmp_path, "activity.csv", [HEADER, bad, GOOD])
    [result] = ingest_paths([path], settings)
    assert [(r, c) for r, c, _v, _reason in result.reject_rows] == [(2, "age")]
    assert store_rows(settings, "select source_row from raw_activity") == [(3,)]


def test_a_million_identical_rows_load_one_and_reject_the_rest_quickly(settings, tmp_path):  # noqa: F811
    path = tmp_path / "activity.csv"
    path.write_text(HEADER + "\n" + (GOOD + "\n") * 1_000_000)
    started = time.perf_counter()
    [result] = ingest_paths([path], settings)
    elapsed = time.perf_counter() - started
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (1_000_000, 1, 999_999)
    assert result.reject_rows[0][3] == "same person_id, service_type and start_date as row 2"
    assert elapsed < 120  # generous for a shared machine; about 6 s alone (see the closing note)


def test_kpi_returns_with_the_same_contract_period_and_kpi_twice(tmp_path):
    from pipelines.config import load_settings
    from tests.conftest import write_test_config

    config = load_settings(write_test_config(tmp_path))
    header = "contract_id,provider,period,kpi_code,numerator,denominator,value,comment"
    path = write(
        tmp_path,
        "returns.csv",
        [header, "C1,Acme,2024/25 Q1,hc_missed,1,100,1.0,", "C1,Acme,2024/25 Q1,hc_missed,2,100,2.0,typo fixed"],
    )
    catalogue = write(tmp_path, "catalogue.csv", CATALOGUE)
    [_, result] = ingest_paths([catalogue, path], config)
    assert [(r, c, v, reason) for r, c, v, reason in result.reject_rows] == [
        (3, "contract_id", "C1", "same contract_id, period and kpi_code as row 2")
    ]


def test_identifiers_in_the_wrong_column_are_pseudonymised_in_rejects(settings, tmp_path):  # noqa: F811
    nhs_in_age = GOOD.replace("P1,70,", "P3,943 476 5919,")  # an NHS number typed into age
    person_in_locality = GOOD.replace("P1,", "P4,").replace("E07000008", "P1")  # a person ID in locality_code
    path = write(tmp_path, "activity.csv", [HEADER, GOOD, nhs_in_age, person_in_locality])
    [result] = ingest_paths([path], settings)
    values = {(row, column): value for row, column, value, _reason in result.reject_rows}
    assert set(values) == {(3, "age"), (4, "locality_code")}
    # Check for the whole number: a random hex pseudonym may contain a short run of its digits.
    assert values[(3, "age")].startswith("ph_") and not _holds_nhs_number(values[(3, "age")])
    [(stored,)] = store_rows(settings, "select person_id from raw_activity")  # P1's pseudonym
    assert values[(4, "locality_code")] == stored
    kept = store_rows(settings, "select value from rejects")
    assert not any(v and (_holds_nhs_number(v) or v == "P1") for (v,) in kept)


def _holds_nhs_number(value):
    return "9434765919" in value.replace(" ", "")


def test_without_person_columns_an_nhs_number_shaped_value_is_masked(tmp_path):
    from pipelines.config import load_settings
    from tests.conftest import write_test_config

    config = load_settings(write_test_config(tmp_path))
    header = "contract_id,provider,period,kpi_code,numerator,denominator,value,comment"
    path = write(tmp_path, "returns.csv", [header, "C1,Acme,2024/25 Q1,hc_missed,1,100,9434765919,"])
    catalogue = write(tmp_path, "catalogue.csv", CATALOGUE)
    [_, result] = ingest_paths([catalogue, path], config)
    shown = {(row, column): value for row, column, value, _reason in result.reject_rows}
    assert shown[(2, "value")] == "(looks like an NHS number: not kept)"
