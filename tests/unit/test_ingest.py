"""Ingest: bad input gets a clear reason with file, row, column and value; nothing is lost or doubled.

Helpers here (``settings``, ``write``, ``store_rows``, ``build``) are shared by the other
``test_ingest_*`` modules.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from pipelines import ingest
from pipelines.config import load_settings
from pipelines.ingest import ingest_paths, loaded_rows_sql
from pipelines.schemas import ALL_SOURCES
from tests.conftest import write_test_config

DATA = Path(__file__).parent.parent / "data"
HEADER = (
    "person_id,age,sex,primary_support_reason,locality_code,service_type,delivery_route,"
    "start_date,end_date,weekly_hours,weekly_cost_gbp,provider_id"
)
PSR = "Physical support: personal care support"
GOOD = f"P1,70,female,{PSR},E07000008,home_care,council_arranged,2024-04-01,,10,£220.50,HC-01"


@pytest.fixture(params=["usual", "large"])
def settings(request, tmp_path, monkeypatch):
    """Settings for a store under ``tmp_path``; each test runs twice, once as if every file were large.

    A large CSV is validated straight into a table of its own (``ingest.LARGE_FILE_BYTES``), the usual
    file through a temporary table into ``raw_<source>``; both must load and reject exactly alike.
    """
    if request.param == "large":
        monkeypatch.setattr(ingest, "LARGE_FILE_BYTES", 0)
    return load_settings(write_test_config(tmp_path))


def write(folder: Path, name: str, lines: list[str], encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def store_rows(settings, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of ``sql`` over the ingest store, where ``raw_<source>`` means every row loaded for the source."""
    with duckdb.connect(str(settings.path("ingest_store")), read_only=True) as con:
        store = con.sql("select current_database()").fetchall()[0][0]
        for source in ALL_SOURCES.values():  # the raw table and the good rows of large loads' own tables
            con.sql(f"create temp view raw_{source.name} as {loaded_rows_sql(con, source, store)}")
        return con.sql(sql, params=params).fetchall()


def warehouse_rows(settings, sql: str, params: list | None = None) -> list[tuple]:
    # attach, not connect: a fresh instance, never one cached for an earlier build of the same path
    with duckdb.connect() as con:
        con.sql("attach ? as wh (read_only)", params=[str(settings.path("warehouse"))])
        con.sql("use wh")
        return con.sql(sql, params=params).fetchall()


def build(settings, monkeypatch) -> None:
    """Build the warehouse without the forecasts step (seconds of model fitting, nothing to test here)."""
    from pipelines import build as build_module

    monkeypatch.setattr(build_module, "PYTHON_STEPS", ())
    build_module.build_warehouse(settings)


def pseudonym(settings, raw: str) -> str:
    key = bytes.fromhex(settings.path("pseudonymisation_key").read_text().strip())
    return "ph_" + hashlib.sha256(key + raw.encode()).hexdigest()[:20]


def test_good_rows_load_and_bad_rows_are_kept_with_reasons(settings, tmp_path):
    path = write(
        tmp_path,
        "activity.csv",
        [
            HEADER,
            GOOD,
            f"P2,200,female,{PSR},E07000008,home_care,council_arranged,2024-04-01,,10,100,",  # row 3: age
            f"P3,70,female,{PSR},E99999999,home_care,council_arranged,2024-04-01,,10,100,",  # row 4: locality
            f"P4,70,female,{PSR},E07000008,home_care,council_arranged,2024-04-01,2024-03-01,10,100,",  # row 5
            f"P5,70,female,{PSR},E07000008,home_care,council_arranged,01/04/2024,,200,100,",  # row 6: hours
            f"P6,70,female,{PSR},E07000008,helicopter,council_arranged,2024-04-01,,10,100,",  # row 7: service
            f"P7,70,female,{PSR},E07000008,home_care,council_arranged,2099-01-01,,10,100,",  # row 8: future
            f",70,female,{PSR},E07000008,home_care,council_arranged,2024-04-01,,10,100,",  # row 9: blank id
            f"P9,70,female,{PSR},E07000008,Home_Care,COUNCIL_ARRANGED,2024-13-01,,10,100,",  # row 10: date
        ],
    )
    [result] = ingest_paths([path], settings)
    assert (result.source, result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == (
        "activity",
        "loaded_with_rejects",
        9,
        1,
        8,
    )
    rejects = store_rows(
        settings, "select file_name, row_number, column_name, value, reason from rejects order by row_number"
    )
    assert rejects == [
        ("activity.csv", 3, "age", "200", "age must not be above 120"),
        (
            "activity.csv",
            4,
            "locality_code",
            "E99999999",
            "locality_code should be one of the configured locality codes (E07000008, E07000009, E07000010, "
            "E07000011, E07000012)",
        ),
        ("activity.csv", 5, "end_date", "2024-03-01", "end_date is before start_date"),
        ("activity.csv", 6, "weekly_hours", "200", "weekly_hours must not be above 168"),
        (
            "activity.csv",
            7,
            "service_type",
            "helicopter",
            "service_type should be one of: home_care, direct_payment, isf, residential, nursing, day_care, cme, "
            "reablement, shared_lives",
        ),
        ("activity.csv", 8, "start_date", "2099-01-01", "start_date is in the future"),
        ("activity.csv", 9, "person_id", None, "person_id is required but blank"),
        ("activity.csv", 10, "start_date", "2024-13-01", "start_date should be a date like 2024-04-30 or 30/04/2024"),
    ]
    loaded = store_rows(settings, "select age, service_type, weekly_cost_gbp, start_date::varchar from raw_activity")
    assert loaded == [(70, "home_care", 220.5, "2024-04-01")]
    # The result carries the first rejects for the CLI and the Data page.
    assert result.rejects["row_number"].to_list() == [3, 4, 5, 6, 7, 8, 9, 10]


def test_person_ids_are_pseudonymised_with_a_keyed_hash_made_outside_the_store(settings, tmp_path):
    ingest_paths([write(tmp_path, "a.csv", [HEADER, GOOD])], settings)
    [(person,)] = store_rows(settings, "select person_id from raw_activity")
    # The keyed hash computed inside DuckDB equals SHA-256(key + identifier) computed here.
    assert person == pseudonym(settings, "P1")
    key_file = settings.path("pseudonymisation_key")
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert not key_file.is_relative_to(settings.path("ingest_store").parent / "archive")


def test_the_same_person_gets_the_same_pseudonym_in_every_file_and_source(settings, tmp_path):
    ingest_paths([write(tmp_path, "a.csv", [HEADER, GOOD])], settings)
    second = GOOD.replace("2024-04-01", "2024-05-01").replace("home_care", "day_care")
    ingest_paths([write(tmp_path, "b.csv", [HEADER, second])], settings)
    assert store_rows(settings, "select count(distinct person_id), count(*) from raw_activity") == [(1, 2)]


def test_identical_file_twice_changes_nothing_and_says_so(settings, tmp_path):
    path = write(tmp_path, "activity.csv", [HEADER, GOOD])
    [first] = ingest_paths([path], settings)
    before = store_rows(settings, "select count(*), max(load_id) from raw_activity")
    renamed = write(tmp_path, "activity_copy.csv", [HEADER, GOOD])
    [again] = ingest_paths([renamed], settings)
    assert again.status == "duplicate"
    assert again.message == f"identical content already loaded (load {first.load_id}, activity.csv); nothing changed"
    assert store_rows(settings, "select count(*), max(load_id) from raw_activity") == before
    assert store_rows(settings, "select count(*) from load_log") == [(1,)]


def test_missing_required_columns_reject_the_whole_file_naming_them(settings, tmp_path):
    path = write(
        tmp_path,
        "activity.csv",
        [
            "person_id,age,locality_code,service_type,delivery_route,start_date,colour",
            "P1,70,E07000008,home_care,council_arranged,2024-04-01,blue",
        ],
    )
    [result] = ingest_paths([path], settings, source_name="activity")
    assert result.status == "rejected"
    assert result.message == (
        "activity.csv: missing required column(s) for 'activity': primary_support_reason; unexpected column(s): colour"
    )
    assert store_rows(settings, "select count(*) from raw_activity") == [(0,)]
    assert store_rows(settings, "select status, rows_loaded, message from load_log") == [
        ("rejected", 0, result.message)
    ]
    assert store_rows(settings, "select row_number, reason from rejects") == [(None, result.message)]
    # The refused file is archived by its hash like any other.
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert (settings.path("archive") / f"{digest}.csv").read_bytes() == path.read_bytes()


def test_windows_1252_csv_with_pound_sign_and_spaced_headers(settings, tmp_path):
    header = HEADER.replace("person_id", "Person ID").replace("weekly_cost_gbp", "Weekly Cost GBP")
    path = write(tmp_path, "export.csv", [header, GOOD], encoding="cp1252")
    [result] = ingest_paths([path], settings)
    assert (result.status, result.rows_loaded) == ("loaded", 1)
    assert "read as Windows-1252 text" in result.message
    assert store_rows(settings, "select weekly_cost_gbp from raw_activity") == [(220.5,)]


def test_dry_run_validates_without_loading(settings, tmp_path):
    path = write(tmp_path, "activity.csv", [HEADER, GOOD, GOOD.replace(",70,", ",700,")])
    [result] = ingest_paths([path], settings, dry_run=True)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == ("dry_run", 2, 1, 1)
    assert result.rejects.row(0) == (3, "age", "700", "age must not be above 120")
    assert not settings.path("ingest_store").exists()
    assert not settings.path("archive").exists()


def test_dry_run_against_an_existing_store_changes_nothing(settings, tmp_path):
    ingest_paths([write(tmp_path, "activity.csv", [HEADER, GOOD])], settings)
    store = settings.path("ingest_store")
    before = store.read_bytes()
    [result] = ingest_paths([write(tmp_path, "more.csv", [HEADER, GOOD.replace("P1", "P2")])], settings, dry_run=True)
    assert (result.status, result.rows_loaded) == ("dry_run", 1)
    assert store.read_bytes() == before


def test_a_large_csv_is_checked_in_one_pass_into_a_table_of_its_own(tmp_path, monkeypatch):
    from pipelines.build import copy_ingest_store

    monkeypatch.setattr(ingest, "LARGE_FILE_BYTES", 400)  # bytes: the first file is over, the second under
    settings = load_settings(write_test_config(tmp_path))
    large = write(
        tmp_path,
        "large.csv",
        [
            "Activity extract, April 2024",
            HEADER,
            GOOD,
            GOOD.replace(",70,", ",700,"),
            ",,,,,,,,,,,",
            GOOD.replace("P1", "P2"),
        ],
    )
    small = write(tmp_path, "small.csv", [HEADER, GOOD.replace("P1", "P3")])
    first, second = ingest_paths([large, small], settings)
    assert (first.rows_read, first.rows_loaded, first.rows_rejected) == (3, 2, 1)
    assert first.rejects.rows() == [(4, "age", "700", "age must not be above 120")]  # title row 1, header row 2
    # The large file's rows, bad and blank ones flagged, sit in its own table; the small file's in raw_activity.
    assert store_rows(settings, "select * from large_loads") == [(first.load_id, "activity", "load_1_activity", 3)]
    assert store_rows(
        settings, "select count(*), count(*) filter (_mask <> 0 and not _blank) from load_1_activity"
    ) == [(4, 1)]
    assert store_rows(settings, "select load_id, source_row from ingest.main.raw_activity") == [(second.load_id, 2)]
    loaded = [(first.load_id, 3), (first.load_id, 6), (second.load_id, 2)]
    assert store_rows(settings, "select load_id, source_row from raw_activity order by all") == loaded
    # The build puts them together, typed as raw_activity is (allowed values as text, not ENUMs).
    with duckdb.connect() as con:
        copy_ingest_store(con, settings.path("ingest_store"))
        assert con.sql("select load_id, source_row from raw_activity order by all").fetchall() == loaded
        assert con.sql("select distinct typeof(service_type), service_type from raw_activity").fetchall() == [
            ("VARCHAR", "home_care")
        ]
