"""A CLD file with under half the rows of the return it replaces for the same reporting period is loaded with a
warning that it may be a partial return; a full resubmission, and a later rolling period, are not."""

from __future__ import annotations

import pytest

from pipelines.config import load_settings
from pipelines.ingest import ingest_paths
from tests.conftest import write_test_config
from tests.unit.test_cld_ingest import write_csv

HEADER = ["LA Code", "Reporting Period Start Date", "Reporting Period End Date", "LA Person Unique Identifier",
          "Client Type", "Event Type", "Event Start Date", "Service Type"]  # fmt: skip


def rows(count: int, start: str = "2023-04-01", end: str = "2024-03-31") -> list[list[str]]:
    return [["E10000003", start, end, f"LA{i:03d}", "Service user", "Service", "2023-05-01",
             "Long term support: Community"] for i in range(count)]  # fmt: skip


@pytest.fixture
def settings(tmp_path):
    (tmp_path / "inbox").mkdir()
    return load_settings(write_test_config(tmp_path))


def ingest(settings, name: str, body: list[list[str]]):
    (result,) = ingest_paths([write_csv(settings.path("inbox") / name, HEADER, body)], settings)
    return result


def test_a_resubmission_with_under_half_the_rows_is_loaded_with_a_warning(settings):
    first = ingest(settings, "cld_2023_24_q4.csv", rows(10))
    partial = ingest(settings, "cld_2023_24_q4_top_up.csv", rows(4))
    assert (partial.status, partial.rows_loaded) == ("loaded", 4)
    assert partial.warnings == [
        "possibly a partial return: 4 rows for the reporting period 1 April 2023 to 31 March 2024, against 10 in "
        f"cld_2023_24_q4.csv (load {first.load_id}), the fullest return loaded for the same period; if it is a "
        "top-up or part of the return, the quarters it covers will be counted from it alone: send the whole "
        "return again, or remove this file (asc purge --file cld_2023_24_q4_top_up.csv)"
    ]
    assert partial.message == partial.warnings[0]  # and in the load history


def test_a_full_resubmission_and_a_full_next_rolling_period_carry_no_warning(settings):
    ingest(settings, "cld_2023_24_q4.csv", rows(10))
    assert ingest(settings, "cld_2023_24_q4_resubmission.csv", rows(5)).message == ""  # half: duplicates removed
    assert ingest(settings, "cld_2024_25_q1.csv", rows(6, "2023-07-01", "2024-06-30")).message == ""


def test_a_next_rolling_period_with_under_half_the_rows_of_the_one_before_is_called_out(settings):
    q4 = ingest(settings, "cld_2023_24_q4.csv", rows(10))
    q1 = ingest(settings, "cld_2024_25_q1.csv", rows(4, "2023-07-01", "2024-06-30"))
    assert q1.warnings == [
        "possibly a partial return: 4 rows for the reporting period 1 July 2023 to 30 June 2024, against 10 in "
        f"cld_2023_24_q4.csv (load {q4.load_id}), the return for 1 April 2023 to 31 March 2024, whose twelve "
        "months it mostly shares; if it is a top-up or part of the return, the quarters it covers will be counted "
        "from it alone: send the whole return again, or remove this file (asc purge --file cld_2024_25_q1.csv)"
    ]
    # A year on is not the quarter before: nothing to compare with.
    assert ingest(settings, "cld_2025_26_q1.csv", rows(1, "2024-07-01", "2025-06-30")).warnings == []


def test_a_second_partial_return_is_compared_with_the_whole_one_not_the_first_partial(settings):
    whole = ingest(settings, "cld_a.csv", rows(10))
    assert ingest(settings, "cld_b.csv", rows(4)).warnings  # 4 of 10
    third = ingest(settings, "cld_c.csv", rows(3))  # 3 of 4, but of 10
    assert (
        "3 rows for the reporting period 1 April 2023 to 31 March 2024, against 10 in cld_a.csv "
        f"(load {whole.load_id}), the fullest return loaded for the same period" in third.message
    )


def test_the_command_line_prints_the_warning_below_the_summary(tmp_path, capsys):
    from pipelines.cli import main

    config = str(write_test_config(tmp_path))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    assert main(["--config", config, "ingest", str(write_csv(inbox / "cld_full.csv", HEADER, rows(10)))]) == 0
    capsys.readouterr()
    assert main(["--config", config, "ingest", str(write_csv(inbox / "cld_part.csv", HEADER, rows(1)))]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert (
        "cld_part.csv: Possibly a partial return: 1 row for the reporting period 1 April 2023 to 31 March 2024, " in err
    )
    assert "send the whole return again, or remove this file (asc purge --file cld_part.csv)." in err
