"""`asc purge` (subject rights): no trace of a person, or of a file, in the archive, the store or the warehouse.

A small council's worth of files (an activity extract, a CLD CSV and a CLD workbook) is loaded and built; the
purge runs through the command itself; every text column of every table and every archived file is then searched
for the person's identifiers, their pseudonyms and their name. The audit trail keeps its rows and gains one.
"""

from __future__ import annotations

import dataclasses
import getpass
import json
from datetime import UTC, datetime, timedelta

import duckdb
import polars as pl
import pytest

from pipelines import audit, purge
from pipelines.cli import main
from pipelines.config import load_settings
from pipelines.ingest import ingest_paths, loaded_rows_sql
from pipelines.schemas import ALL_SOURCES
from tests.conftest import write_test_config
from tests.unit.test_cld_ingest import R1_ROWS, R2_ROWS, SPACED, UNDERSCORE, write_csv, write_xlsx
from tests.unit.test_ingest import GOOD, HEADER, build, write

ALICIA_NHS = "943 476 5919"  # in the CLD CSV as typed, in the workbook as 9434765919


@pytest.fixture
def loaded(tmp_path, monkeypatch):
    config = write_test_config(tmp_path)
    settings = load_settings(config)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write(inbox, "activity.csv", [HEADER, GOOD.replace("P1", "PX-501"), GOOD.replace("P1", "PX-502")])
    write_csv(inbox / "cld_2024_25_q4.csv", SPACED, R2_ROWS)
    write_xlsx(inbox / "cld_2025_26_q1.xlsx", UNDERSCORE, R1_ROWS)
    ingest_paths([inbox], settings)
    build(settings, monkeypatch)  # also used by the purge's own rebuild: no forecasts, nothing to test there
    audit.record(settings, "Ann", "sign_in", "ann@council.example")  # a row the purge must keep
    return settings, str(config)


def key_of(settings) -> bytes:
    return bytes.fromhex(settings.path("pseudonymisation_key").read_text().strip())


def traces(path, needles: set[str]) -> list[tuple[str, str, str]]:
    """(table, column, value) for every text value in a DuckDB file holding one of ``needles``."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        found = []
        columns = con.sql(
            "select table_name, column_name from duckdb_columns() where data_type = 'VARCHAR' and not internal"
        ).fetchall()
        for table, column in columns:
            for (value,) in con.sql(f'select "{column}" from "{table}" where "{column}" is not null').fetchall():
                if any(n in value for n in needles):
                    found.append((table, column, value))
        return found
    finally:
        con.close()


def archive_text(settings) -> str:
    """Every archived file's cells as text (workbooks read sheet by sheet)."""
    parts = []
    for path in sorted(settings.path("archive").iterdir()):
        if path.suffix == ".xlsx":
            for frame in pl.read_excel(path, sheet_id=0, has_header=False, infer_schema_length=0).values():
                parts += [str(v) for row in frame.rows() for v in row if v is not None]
        else:
            parts.append(path.read_text(encoding="utf-8-sig"))
    return "\n".join(parts)


def test_a_person_purged_by_nhs_number_leaves_no_trace_but_the_audit_row(loaded):
    settings, config = loaded
    forms = purge.pseudonyms(key_of(settings), ALICIA_NHS)
    # Before: she is in the archive (both files), the store and the warehouse, so the searches below can fail.
    assert "Featherstone" in archive_text(settings) and "9434765919" in archive_text(settings)
    assert traces(settings.path("ingest_store"), forms) and traces(settings.path("warehouse"), forms)
    kept_before = audit.read(settings)

    assert main(["--config", config, "purge", "--person", ALICIA_NHS]) == 0

    archived = archive_text(settings)
    for trace in ("Featherstone", "Alicia", "9434765919", ALICIA_NHS, "LA001"):
        assert trace not in archived, trace
    assert "Quenby" in archived and "Whitlock" in archived  # everyone else's rows are still there
    assert traces(settings.path("ingest_store"), forms | {ALICIA_NHS, "9434765919"}) == []
    assert traces(settings.path("warehouse"), forms | {ALICIA_NHS, "9434765919"}) == []
    con = duckdb.connect(str(settings.path("ingest_store")), read_only=True)
    loaded_cld = loaded_rows_sql(con, ALL_SOURCES["cld"])
    assert con.sql(f"select count(*) from ({loaded_cld})").fetchall() == [(2,)]  # Beatrix and Evelyn
    con.close()

    trail = audit.read(settings)
    assert trail.tail(kept_before.height).equals(kept_before)  # every earlier row kept as it was
    row = trail.row(0, named=True)
    assert (row["actor"], row["action"]) == (f"asc CLI ({getpass.getuser()})", "purge")
    assert row["subject"] == purge.purge_reference(key_of(settings), ALICIA_NHS)
    detail = json.loads(row["detail"])
    assert detail["archive_rows"] == 2 and len(detail["archive_files"]) == 2 and detail["warehouse"] == "rebuilt"
    assert not any(t in row["detail"] + row["subject"] for t in forms | {"9434765919", ALICIA_NHS})


def test_a_person_purged_by_the_council_s_id_leaves_the_others(loaded):
    settings, config = loaded
    forms = purge.pseudonyms(key_of(settings), "PX-501")
    assert traces(settings.path("ingest_store"), forms)
    assert main(["--config", config, "purge", "--person", "PX-501"]) == 0
    assert "PX-501" not in archive_text(settings) and "PX-502" in archive_text(settings)
    assert traces(settings.path("ingest_store"), forms) == [] and traces(settings.path("warehouse"), forms) == []
    con = duckdb.connect(str(settings.path("ingest_store")), read_only=True)
    assert con.sql("select count(*) from raw_activity").fetchall()[0] == (1,)
    con.close()


def test_a_file_purged_goes_from_archive_and_store_and_can_be_sent_again(loaded):
    settings, config = loaded
    con = duckdb.connect(str(settings.path("ingest_store")), read_only=True)
    (digest,) = con.sql("select sha256 from load_log where file_name = 'activity.csv'").fetchall()[0]
    con.close()
    assert list(settings.path("archive").glob(f"{digest}.*"))

    assert main(["--config", config, "purge", "--file", "activity.csv"]) == 0

    assert not list(settings.path("archive").glob(f"{digest}.*"))
    con = duckdb.connect(str(settings.path("ingest_store")), read_only=True)
    assert con.sql("select count(*) from raw_activity").fetchall()[0] == (0,)
    assert con.sql("select status from load_log where file_name = 'activity.csv'").fetchall() == [("purged",)]
    con.close()
    pseudonyms = purge.pseudonyms(key_of(settings), "PX-501") | purge.pseudonyms(key_of(settings), "PX-502")
    assert traces(settings.path("warehouse"), pseudonyms) == []
    row = audit.read(settings).row(0, named=True)
    assert (row["action"], row["subject"]) == ("purge", "activity.csv")
    # The same file sent again is a new load, not skipped as one already loaded.
    again = write(settings.path("inbox"), "activity.csv", [HEADER, GOOD.replace("P1", "PX-501")])
    assert [r.status for r in ingest_paths([again], settings)] == ["loaded"]


def test_an_unknown_file_or_a_blank_person_changes_nothing(loaded, capsys):
    settings, config = loaded
    before = audit.read(settings)
    assert main(["--config", config, "purge", "--file", "never-sent.csv"]) == 2
    assert "no file named never-sent.csv" in capsys.readouterr().err
    assert main(["--config", config, "purge", "--person", "  "]) == 2
    assert audit.read(settings).equals(before)


def test_expired_archive_copies_go_and_the_loaded_rows_stay(loaded, capsys):
    settings, config = loaded
    archived = sorted(p.name for p in settings.path("archive").iterdir())
    kept = dataclasses.replace(settings, archive_retention_days=30)
    assert purge.purge_expired(kept).archive_files == []  # loaded today: within 30 days
    later = datetime.now(UTC) + timedelta(days=31)
    assert sorted(purge.purge_expired(kept, now=later).archive_files) == archived
    assert list(settings.path("archive").iterdir()) == []
    con = duckdb.connect(str(settings.path("ingest_store")), read_only=True)
    assert con.sql("select count(*) from raw_activity").fetchall() == [(2,)]
    con.close()
    # Without a retention period the command refuses rather than deleting everything.
    assert main(["--config", config, "purge", "--expired"]) == 2
    assert "archive_retention_days is 0" in capsys.readouterr().err
