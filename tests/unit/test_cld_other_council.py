"""CLD rows under another council's LA Code: rejected with their reason, or the whole file refused when no row is
the council's. The test settings are Cambridgeshire's (E10000003); Norfolk is E10000020."""

from __future__ import annotations

import pytest

from pipelines.config import load_settings
from pipelines.ingest import ingest_paths
from tests.conftest import write_test_config
from tests.unit.test_cld_ingest import write_csv
from tests.unit.test_ingest import store_rows

HEADER = ["LA Code", "Reporting Period Start Date", "Reporting Period End Date", "LA Person Unique Identifier",
          "Client Type", "Event Type", "Event Start Date", "Service Type"]  # fmt: skip


def row(la_code: str, person: str) -> list[str]:
    return [la_code, "2024-04-01", "2025-03-31", person, "Service user", "Service", "2024-05-01",
            "Long term support: Community"]  # fmt: skip


@pytest.fixture
def settings(tmp_path):
    (tmp_path / "inbox").mkdir()
    return load_settings(write_test_config(tmp_path))


def test_rows_under_another_or_a_mistyped_la_code_are_rejected_with_their_value(settings):
    rows = [row("E10000003", "LA001"), row("Cambs", "LA002"), row(" e10000003 ", "LA003"), row("", "LA004"),
            row("E10000020", "LA005")]  # fmt: skip
    path = write_csv(settings.path("inbox") / "cld_q4.csv", HEADER, rows)
    (result,) = ingest_paths([path], settings)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == (
        "loaded_with_rejects",
        5,
        3,
        2,
    )
    reason = "LA Code is not this council's (E10000003): another council's row, or a mistyped code"
    assert store_rows(settings, "select row_number, column_name, value, reason from rejects order by 1") == [
        (3, "la_code", "Cambs", reason),
        (6, "la_code", "E10000020", reason),
    ]
    # Spacing and case are forgiven, and a blank LA Code is the council's own, as before.
    assert store_rows(settings, "select source_row, la_code from raw_cld order by 1") == [
        (2, "E10000003"), (4, "E10000003"), (5, "E10000003"),
    ]  # fmt: skip


def test_a_file_with_no_row_of_the_council_is_refused_whole_and_the_next_file_still_loads(settings):
    inbox = settings.path("inbox")
    norfolk = write_csv(inbox / "cld_norfolk.csv", HEADER, [row("E10000020", f"LA{i:03d}") for i in range(4)])
    ours = write_csv(inbox / "cld_ours.csv", HEADER, [row("E10000003", "LA100")])
    refused, loaded = ingest_paths([norfolk, ours], settings)
    assert refused.status == "rejected" and refused.rows_loaded == 0
    assert refused.message == (
        "cld_norfolk.csv: no row is this council's: the LA Code column reads E10000020 (4 rows) from row 2, but this "
        "warehouse is for Cambridgeshire County Council (E10000003). Is this another council's return? Nothing was "
        "loaded. If the council's code is wrong, correct it in the settings file (code, in the council section of "
        "asc.toml)."
    )
    assert (loaded.status, loaded.rows_loaded) == ("loaded", 1)
    # Nothing of the refused file is in the store but its line in the log and its one reason.
    assert store_rows(settings, "select la_code, count(*) from raw_cld group by 1") == [("E10000003", 1)]
    assert store_rows(settings, "select file_name, status from load_log order by load_id") == [
        ("cld_norfolk.csv", "rejected"), ("cld_ours.csv", "loaded"),
    ]  # fmt: skip


def test_a_file_mixing_other_councils_codes_names_the_commonest_first(settings):
    rows = [row("E10000020", "LA001"), row("Cambs", "LA002"), row("E10000020", "LA003")]
    path = write_csv(settings.path("inbox") / "cld_mixed.csv", HEADER, rows)
    (result,) = ingest_paths([path], settings)
    assert result.status == "rejected"
    assert "the LA Code column reads E10000020 (2 rows), CAMBS (1 row) from row 2" in result.message
