"""Uploads (checked before reading, then the same ingest path) and the blank templates for every source."""

from __future__ import annotations

import io

import polars as pl
import pytest

from dashboard.exports.safe_cells import neutralise_frame
from pipelines.ingest import ingest_paths
from pipelines.readers import read_any
from pipelines.schemas import ALL_SOURCES
from pipelines.templates import column_guide, template_csv, template_header, template_xlsx
from pipelines.upload import UploadRefused, check_upload, ingest_upload, safe_file_name
from tests.unit import test_ingest as base
from tests.unit.test_ingest import DATA, GOOD, HEADER, store_rows, warehouse_rows

settings = base.settings


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "big.csv",
            b"a" * (2 * 1024 * 1024 + 1),
            "big.csv is 2.0 MB; the largest upload is 2 MB (setting max_upload_mb)",
        ),
        ("empty.csv", b"", "empty.csv is empty"),
        ("macro.xlsm", b"PK\x03\x04", "macro.xlsm: only .csv, .xlsx, .parquet files can be loaded"),
        ("fake.xlsx", b"person_id,age\n", "fake.xlsx is not an Excel workbook (.xlsx)"),
        ("fake.parquet", b"person_id,age\n", "fake.parquet is not a Parquet file"),
        ("zip.csv", b"PK\x03\x04\x00\x00", "zip.csv is not a text (CSV) file"),
        ("binary.csv", b"a,b\n\x00\x01\x02", "binary.csv is not a text (CSV) file"),
    ],
)
def test_uploads_are_refused_before_reading(name, data, message):
    with pytest.raises(UploadRefused) as caught:
        check_upload(name, data, max_mb=2)
    assert str(caught.value).startswith(message)


def test_uploaded_names_lose_folders_and_odd_characters():
    assert safe_file_name("..\\..\\windows\\evil<name>.csv") == "evil_name_.csv"
    assert safe_file_name("/etc/passwd") == "passwd"
    assert safe_file_name("meas-from-asc-of-eng-2022-csv-v3.csv") == "meas-from-asc-of-eng-2022-csv-v3.csv"


def test_an_upload_takes_the_ingest_path_and_rebuilds_the_warehouse(settings, monkeypatch):
    from pipelines import build

    monkeypatch.setattr(build, "PYTHON_STEPS", ())
    data = "\n".join([HEADER, GOOD, GOOD.replace(",70,", ",700,")]).encode("cp1252")
    outcome = ingest_upload("My extract.csv", data, settings)
    [result] = outcome.results
    assert (result.file, result.source, result.status, result.rows_loaded, result.rows_rejected) == (
        "My extract.csv",
        "activity",
        "loaded_with_rejects",
        1,
        1,
    )
    assert outcome.rebuilt and outcome.build_error is None
    assert warehouse_rows(settings, "select file_name, rows_loaded from load_log") == [("My extract.csv", 1)]
    assert warehouse_rows(settings, "select row_number, column_name from rejects") == [(3, "age")]
    # Archived by hash like any other file; the temporary copy is gone.
    assert [p.suffix for p in settings.path("archive").iterdir()] == [".csv"]


def test_a_dry_run_upload_loads_and_rebuilds_nothing(settings):
    outcome = ingest_upload("a.csv", "\n".join([HEADER, GOOD]).encode(), settings, dry_run=True)
    assert [r.status for r in outcome.results] == ["dry_run"]
    assert not outcome.rebuilt and not settings.path("warehouse").exists()


def test_an_upload_with_an_ascof_year_and_a_sheet(settings, monkeypatch):
    from pipelines import build

    monkeypatch.setattr(build, "PYTHON_STEPS", ())
    data = (DATA / "meas-from-asc-of-eng-2324-open-data-csv.csv").read_bytes()
    outcome = ingest_upload("comparators.csv", data, settings, year="2023/24")
    assert [r.status for r in outcome.results] == ["loaded"] and outcome.rebuilt
    xlsx = (DATA / "kpi_return_hc01_2024-25_q1.xlsx").read_bytes()
    [result] = ingest_upload("return.xlsx", xlsx, settings, sheet="Return", rebuild=False).results
    assert (result.source, result.message) == ("kpi_returns", "sheet 'Return', header on row 4")


@pytest.mark.parametrize("name", list(ALL_SOURCES))
def test_every_template_is_recognised_as_its_source_and_guides_every_column(settings, tmp_path, name):
    source = ALL_SOURCES[name]
    csv = tmp_path / f"{name}_template.csv"
    csv.write_bytes(template_csv(name))
    assert csv.read_text(encoding="utf-8-sig").strip() == ",".join(template_header(source))
    xlsx = tmp_path / f"{name}_template.xlsx"
    xlsx.write_bytes(template_xlsx(name, settings.locality_codes))
    read = read_any(xlsx)
    assert read.frame.columns == template_header(source) and read.frame.height == 0
    guide = pl.read_excel(io.BytesIO(template_xlsx(name)), sheet_name="column guide").filter(
        pl.col("required").is_not_null()  # below the table, a note on the grain
    )
    assert guide.height == len(source.columns)
    assert guide["description"].to_list() == [c.description for c in source.columns]
    # An empty template is read as its source and found to hold no rows (the ASCOF year comes from the name).
    year = "2023/24" if name == "ascof_published" else None
    [result] = ingest_paths([csv], settings, year=year)
    assert (result.source, result.status, result.rows_read) == (name, "no_data", 0)


def test_the_column_guide_says_what_is_allowed():
    guide = {r["column"]: r for r in column_guide(ALL_SOURCES["activity"], ["E07000008"]).iter_rows(named=True)}
    assert guide["weekly_hours"]["allowed values"] == "from 0 to 168"
    assert guide["locality_code"]["allowed values"] == "one of: E07000008"
    assert guide["start_date"]["type"] == "date, as 2024-04-30 or 30/04/2024"
    assert guide["start_date"]["allowed values"] == "not in the future"
    assert guide["person_id"]["required"] == "yes"
    ascof = {r["column"]: r for r in column_guide(ALL_SOURCES["ascof_published"]).iter_rows(named=True)}
    assert ascof["ons_area_code"]["also accepted as"] == "ons_code"
    assert ascof["year"]["required"] == "yes, unless the file name or --year gives it"


def test_rejected_rows_download_cannot_run_formulas(settings, tmp_path):
    lines = [HEADER, GOOD.replace(",HC-01", ',=HYPERLINK("http://x")').replace(",10,", ",@SUM(1),")]
    ingest_paths([base.write(tmp_path, "activity.csv", lines)], settings)
    frame = pl.DataFrame(
        store_rows(settings, "select row_number, column_name, value, reason from rejects"),
        schema=["row_number", "column_name", "value", "reason"],
        orient="row",
    )
    safe = neutralise_frame(frame)
    assert safe["value"].to_list() == ["'@SUM(1)"]
    assert safe.write_csv().splitlines()[1] == (
        '2,weekly_hours,\'@SUM(1),"weekly_hours should be a number of hours, like 7.5"'
    )
