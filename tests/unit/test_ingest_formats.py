"""Files as they arrive: encodings, delimiters, title rows, Excel sheets, Parquet types, broken files."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
import xlsxwriter

from pipelines.ingest import ingest_paths
from pipelines.readers import FileRejected, detect_source, read_any
from tests.unit import test_ingest as base
from tests.unit.test_ingest import DATA, GOOD, HEADER, PSR, pseudonym, store_rows, write

settings = base.settings  # the shared fixture: settings with every path under tmp_path


def test_utf8_with_byte_order_mark_and_period_spellings_stored_canonically(settings):
    [result] = ingest_paths([DATA / "survey_responses_utf8_bom.csv"], settings)
    assert (result.source, result.status, result.rows_loaded) == ("survey_responses", "loaded", 3)
    rows = store_rows(settings, "select response_id, period, locality_code from raw_survey_responses order by 1")
    assert rows == [("R1", "2023/24 Q2", "E07000008"), ("R2", "2023/24 Q2", "E07000009"), ("R3", "2023/24 Q2", None)]


def test_windows_1252_semicolons_uk_dates_and_yes_no(settings):
    [result] = ingest_paths([DATA / "pa_register_windows1252.csv"], settings)
    assert (result.source, result.status, result.rows_loaded) == ("pa_register", "loaded", 2)
    rows = store_rows(
        settings,
        "select pa_id, registered_date::varchar, left_date::varchar, on_payroll, dbs_checked, qualifications "
        "from raw_pa_register order by pa_id",
    )
    assert rows == [
        ("PA-001", "2023-04-01", None, True, True, "Care Certificate, O\u2019Neill moving and handling"),
        ("PA-002", "2023-06-15", "2024-01-31", False, False, None),
    ]


def test_utf16_text_as_excel_saves_unicode_text(settings, tmp_path):
    path = tmp_path / "activity.csv"
    path.write_bytes(("\n".join([HEADER, GOOD]) + "\n").encode("utf-16"))
    [result] = ingest_paths([path], settings)
    assert (result.status, result.rows_loaded) == ("loaded", 1)
    assert store_rows(settings, "select weekly_cost_gbp from raw_activity") == [(220.5,)]


def test_csv_title_rows_above_the_header_count_in_row_numbers(settings, tmp_path):
    path = write(
        tmp_path,
        "extract.csv",
        ["Adult social care extract,,", "Run on 1 May 2024,,", "", HEADER, GOOD, GOOD.replace(",70,", ",x,")],
    )
    [result] = ingest_paths([path], settings)
    assert result.message == "header on row 4"
    assert result.rejects.select("row_number", "column_name", "value").row(0) == (6, "age", "x")


def test_xlsx_with_cover_sheet_title_rows_and_blank_spacer_row(settings):
    ingest_paths([DATA / "kpi_return_hc01_2024-25_q1.xlsx"], settings, source_name="kpi_returns")
    rows = store_rows(
        settings, "select source_row, period, kpi_code, value, comment from raw_kpi_returns order by source_row"
    )
    # No catalogue is loaded yet, so every KPI code is refused, and the rows are named as in Excel.
    assert rows == []
    rejects = store_rows(settings, "select row_number, column_name, value from rejects order by row_number")
    assert rejects == [(5, "kpi_code", "hc_missed"), (6, "kpi_code", "hc_hours"), (8, "kpi_code", "hc_late")]


def test_xlsx_loads_after_its_catalogue_and_numbers_read_from_cells(settings, tmp_path):
    catalogue = write(
        tmp_path,
        "catalogue.csv",
        [
            "kpi_code,name,contract_type,unit,higher_is_better,target,amber_tolerance",
            "hc_missed,Visits missed,home_care,percent,false,1,0.5",
            "hc_hours,Hours delivered,home_care,percent,true,97,3",
            "hc_late,Late visits,home_care,percent,false,1,0.5",
        ],
    )
    results = ingest_paths([DATA / "kpi_return_hc01_2024-25_q1.xlsx", catalogue], settings)
    # The catalogue is loaded first whatever the order given, so the return is checked against it.
    assert [(r.source, r.status) for r in results] == [("kpi_catalogue", "loaded"), ("kpi_returns", "loaded")]
    assert results[1].message == (
        "sheet 'Return', header on row 4; other sheet(s) not read: 'Cover' (name one with --sheet to load it)"
    )
    rows = store_rows(settings, "select source_row, period, kpi_code, numerator, value, comment from raw_kpi_returns")
    assert sorted(rows) == [
        (5, "2024/25 Q1", "hc_missed", 30.0, 1.5, "Staff sickness"),
        (6, "2024/25 Q1", "hc_hours", 9750.0, 97.5, None),
        (8, "2024/25 Q1", "hc_late", 5.0, 0.25, '=HYPERLINK("x")'),
    ]


def test_xlsx_named_or_numbered_sheet_and_excel_dates(settings, tmp_path):
    path = tmp_path / "activity.xlsx"
    book = xlsxwriter.Workbook(path)
    fmt = book.add_format({"num_format": "dd/mm/yyyy"})
    book.add_worksheet("Old").write_row(0, 0, ["person_id", "age"])
    sheet = book.add_worksheet("Current")
    sheet.write_row(0, 0, HEADER.split(","))
    from datetime import datetime

    sheet.write_row(1, 0, ["P1", 70, "female", PSR, "E07000008", "home_care", "council_arranged"])
    sheet.write_datetime(1, 7, datetime(2024, 4, 1), fmt)
    sheet.write_row(1, 9, [10, 220.5, "HC-01"])
    book.close()
    [by_name] = ingest_paths([path], settings, sheet="Current")
    assert (by_name.status, by_name.rows_loaded) == ("loaded", 1)
    assert store_rows(settings, "select start_date, age, weekly_hours from raw_activity") == [
        (date(2024, 4, 1), 70, 10.0)
    ]
    [missing] = ingest_paths([path], settings, sheet="Nope", dry_run=True)
    assert (
        missing.status == "rejected" and missing.message == "activity.xlsx: no sheet named 'Nope'; sheets: Old, Current"
    )
    [by_number] = ingest_paths([path], settings, sheet="2", dry_run=True)
    assert (by_number.status, by_number.rows_loaded) == ("dry_run", 1)


def test_parquet_with_typed_columns(settings):
    [result] = ingest_paths([DATA / "referrals.parquet"], settings)
    assert (result.source, result.status, result.rows_loaded) == ("referrals", "loaded", 2)
    rows = store_rows(
        settings, "select referral_id, received_date, hours_requested, start_date from raw_referrals order by 1"
    )
    assert rows == [("RF1", date(2024, 1, 5), 10.5, None), ("RF2", date(2024, 2, 9), None, date(2024, 3, 1))]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.txt", b"hello", "notes.txt: unsupported file type '.txt'; use one of .csv, .xlsx, .parquet"),
        ("empty.csv", b"", "empty.csv: the file is empty"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "broken.xlsx: cannot be read as XLSX"),
        ("broken.parquet", b"PAR1 nonsense", "broken.parquet: cannot be read as PARQUET"),
        ("twice.csv", b"person_id,Person ID\nP1,P2\n", "twice.csv: column(s) named more than once: person_id"),
        ("other.csv", b"colour,size\nblue,3\n", "other.csv: cannot tell which source this is."),
    ],
)
def test_unreadable_files_are_rejected_whole_with_the_reason(settings, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    [result] = ingest_paths([path], settings)
    assert result.status == "rejected"
    assert result.message.startswith(message)
    assert store_rows(settings, "select file_name, status from load_log") == [(name, "rejected")]


def test_a_malformed_csv_line_rejects_the_file_and_leaves_nothing_half_loaded(settings, tmp_path):
    path = write(tmp_path, "activity.csv", [HEADER, GOOD, GOOD + ",extra,fields"])
    [result] = ingest_paths([path], settings)
    assert result.status == "rejected" and result.message.startswith("activity.csv: cannot be read")
    assert store_rows(settings, "select count(*) from raw_activity") == [(0,)]


def test_source_detection_names_the_closest_source_and_what_it_lacks():
    with pytest.raises(FileRejected) as caught:
        detect_source(["person_id", "age", "locality_code", "service_type"], "x.csv")
    assert "Closest is 'activity', which needs column(s) primary_support_reason, delivery_route, start_date" in str(
        caught.value
    )
    assert (
        detect_source(
            ["ons_code", "geographical_description", "measure_group", "measure_type", "disaggregation_level"], "x.csv"
        ).name
        == "ascof_published"
    )


def test_row_numbers_stay_right_across_a_file_read_in_parallel(settings, tmp_path):
    # Large enough for DuckDB to split the CSV between threads; bad rows at known places.
    n = 300_000
    frame = pl.DataFrame({"i": range(n)}).select(
        pl.format("P{}", pl.col("i")).alias("person_id"),
        pl.when(pl.col("i").is_in([0, 123_456, n - 1])).then(pl.lit("999")).otherwise(pl.lit("70")).alias("age"),
        pl.lit("female").alias("sex"),
        pl.lit(PSR).alias("primary_support_reason"),
        pl.lit("E07000008").alias("locality_code"),
        pl.lit("home_care").alias("service_type"),
        pl.lit("council_arranged").alias("delivery_route"),
        pl.lit("2024-04-01").alias("start_date"),
    )
    path = tmp_path / "big.csv"
    frame.write_csv(path)
    [result] = ingest_paths([path], settings)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (n, n - 3, 3)
    assert result.rejects["row_number"].to_list() == [2, 123_458, n + 1]
    # source_row of a good row is its spreadsheet row: person P<i> sits on row i + 2.
    rows = store_rows(settings, "select source_row, person_id from raw_activity where source_row in (3, 200002)")
    assert len(rows) == 2
    assert dict(rows) == {3: pseudonym(settings, "P1"), 200_002: pseudonym(settings, "P200000")}


def test_row_numbers_come_from_the_reader_when_duckdb_would_reorder_rows(settings, tmp_path, monkeypatch):
    from pipelines import ingest

    monkeypatch.setattr(ingest, "keeps_file_order", lambda *args: False)
    lines = [HEADER] + [GOOD.replace("P1", f"P{i}") for i in range(1000)] + [GOOD.replace(",70,", ",-1,")]
    [result] = ingest_paths([write(tmp_path, "activity.csv", lines)], settings)
    assert result.rejects.select("row_number", "value").rows() == [(1002, "-1")]
    assert store_rows(
        settings, "select source_row from raw_activity where person_id = ?", [pseudonym(settings, "P7")]
    ) == [(9,)]


def test_duckdb_plans_an_order_keeping_insert_only_without_the_in_list_rewrite(tmp_path):
    import duckdb

    from pipelines.readers import open_input
    from pipelines.schemas import SOURCES
    from pipelines.validate import Context, Plan, bind, keeps_file_order, period_mapping

    path = write(tmp_path, "activity.csv", [HEADER, GOOD])
    with duckdb.connect() as con:
        opened = open_input(con, path)
        plan = Plan(
            SOURCES["activity"],
            opened.fragment,
            opened.columns,
            Context(["E07000008"]),
            opened.fast_fragment,
            opened.row_offset,
        )
        sql = f"create temp table c as {plan.sql(period_mapping(con, plan, opened.params))}"
        params = bind(sql, {**opened.params, **plan.all_params()})
        assert not keeps_file_order(con, sql, params)
        con.sql("set disabled_optimizers = 'in_clause'")
        assert keeps_file_order(con, sql, params)


def test_read_any_gives_the_whole_file_as_text():
    read = read_any(DATA / "pa_register_windows1252.csv")
    assert (read.encoding, read.first_row, read.frame.height) == ("windows-1252", 2, 2)
    assert read.frame["registered_date"].to_list() == ["01/04/2023", "15/06/2023"]
