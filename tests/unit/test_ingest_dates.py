"""The order of day and month is decided per file, from all its dates (issue 16).

03/04/2023 in a file whose other dates are US-style (04/30/2023) was stored as 3 April; now a file is day
first unless it proves otherwise, and a file whose dates contradict each other is refused with the rows
that show it.
"""

from __future__ import annotations

from datetime import date

from pipelines.cli import main
from pipelines.ingest import ingest_paths
from tests.conftest import write_test_config
from tests.unit import test_ingest as base
from tests.unit.test_ingest import store_rows, write
from tests.unit.test_ingest_robust import PA_HEADER

settings = base.settings


def pa(i: int, registered: str, left: str = "") -> str:
    return f"PA-{i:03d},E07000008,{registered},{left},yes,yes,NVQ 2"


def registered(settings) -> list[tuple]:
    return store_rows(settings, "select pa_id, registered_date, left_date from raw_pa_register order by source_row")


def test_dates_are_day_first_unless_the_file_proves_otherwise(settings, tmp_path):
    lines = [PA_HEADER, pa(1, "03/04/2023"), pa(2, "30/04/2023", "01/05/2023"), pa(3, "2023-06-01")]
    [result] = ingest_paths([write(tmp_path, "pa.csv", lines)], settings)
    assert (result.status, result.message) == ("loaded", "")
    assert registered(settings) == [
        ("PA-001", date(2023, 4, 3), None),
        ("PA-002", date(2023, 4, 30), date(2023, 5, 1)),
        ("PA-003", date(2023, 6, 1), None),
    ]


def test_an_ambiguous_date_in_a_row_refused_for_another_reason_proves_nothing(settings, tmp_path):
    lines = [PA_HEADER, pa(1, "03/04/2023").replace("E07000008", "NOWHERE"), pa(2, "30/04/2023")]
    [result] = ingest_paths([write(tmp_path, "pa.csv", lines)], settings)
    assert (result.status, result.message, result.rows_loaded) == ("loaded_with_rejects", "", 1)
    assert [r[1] for r in result.rejects.rows()] == ["locality_code"]


def test_a_file_of_us_dates_is_read_month_first_throughout(settings, tmp_path):
    lines = [
        PA_HEADER,
        pa(1, "03/04/2023"),
        pa(2, "04/30/2023", "05/01/2023"),
        pa(3, "2023-06-01"),
        pa(4, "13/13/2023"),
    ]
    [result] = ingest_paths([write(tmp_path, "pa.csv", lines)], settings)
    assert (result.status, result.rows_loaded) == ("loaded_with_rejects", 3)
    assert result.message == "dates read month first, as 04/30/2023 (registered_date, row 3) shows"
    assert registered(settings) == [
        ("PA-001", date(2023, 3, 4), None),  # 4 March, as the rest of the file writes dates
        ("PA-002", date(2023, 4, 30), date(2023, 5, 1)),
        ("PA-003", date(2023, 6, 1), None),
    ]
    assert result.rejects.rows() == [
        (
            5,
            "registered_date",
            "13/13/2023",
            "registered_date should be a date like 2024-04-30 or, as this file writes them (month first), 04/30/2024",
        )
    ]


def test_dates_that_contradict_each_other_reject_the_file_with_the_evidence(settings, tmp_path):
    lines = [PA_HEADER, pa(1, "03/04/2023"), pa(2, "04/30/2023"), pa(3, "30/04/2023"), pa(4, "2023-06-01")]
    [result] = ingest_paths([write(tmp_path, "pa.csv", lines)], settings)
    assert result.status == "rejected"
    assert result.message == (
        "pa.csv: the dates contradict each other, so none can be read with certainty: 04/30/2023 "
        "(registered_date, row 3) can only be month first (as in the US), but 30/04/2023 (registered_date, row 4) "
        "only day first (as in the UK); so 03/04/2023 (registered_date, row 2) could be either. Send the dates in "
        "one order throughout, best as 2023-04-30"
    )
    assert store_rows(settings, "select count(*) from raw_pa_register") == [(0,)]
    assert store_rows(settings, "select status from load_log") == [("rejected",)]


def test_the_evidence_spans_the_date_columns_and_counts_the_rest(settings, tmp_path):
    lines = [PA_HEADER] + [pa(i, f"01/{13 + i}/2023") for i in range(5)] + [pa(9, "01/02/2023", "25/12/2023")]
    [result] = ingest_paths([write(tmp_path, "pa.csv", lines)], settings)
    assert result.status == "rejected"
    assert (
        "01/13/2023 (registered_date, row 2) and 01/14/2023 (registered_date, row 3) and 01/15/2023 "
        "(registered_date, row 4) and 2 more can only be month first (as in the US), but 25/12/2023 (left_date, "
        "row 7) only day first" in result.message
    )


def test_a_contradiction_exits_4(tmp_path):
    config = str(write_test_config(tmp_path))
    path = write(tmp_path, "pa.csv", [PA_HEADER, pa(1, "04/30/2023"), pa(2, "30/04/2023")])
    assert main(["--config", config, "ingest", str(path)]) == 4
