"""Every valid CSV is read, row numbers are the file's own, and what cannot be read is named for what it is.

Issue 16: a quoted line break rejected the whole file, a lone CR inside quotes split a row, a `;` file under
a `,` header gave six "required but blank" reasons a row, UTF-16 without a byte-order mark and header-only
files were misreported.
"""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.cli import main
from pipelines.ingest import ingest_paths
from tests.conftest import write_test_config
from tests.unit import test_ingest as base
from tests.unit.test_ingest import GOOD, HEADER, store_rows

settings = base.settings  # the shared fixture: each test runs as a usual and as a large file

PA_HEADER = "pa_id,locality_code,registered_date,left_date,on_payroll,dbs_checked,qualifications"


def pa(i: int, qualifications: str = "NVQ 2", locality: str = "E07000008") -> str:
    return f"PA-{i:03d},{locality},2023-04-01,,yes,yes,{qualifications}"


def write_bytes(folder, name: str, text: str, encoding: str = "utf-8"):
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def pa_rows(settings) -> list[tuple]:
    return store_rows(settings, "select source_row, pa_id, qualifications from raw_pa_register order by source_row")


def rejects(settings) -> list[tuple]:
    return store_rows(settings, "select row_number, column_name, value, reason from rejects order by row_number")


# Line breaks and line ends ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("end", "inside"),
    [
        ("\n", "\n"),  # Unix file, LF inside quotes
        ("\r\n", "\r\n"),  # Windows file, CRLF inside quotes
        ("\r\n", "\n"),  # Excel on Windows: CRLF rows, Alt+Enter is an LF inside the cell
        ("\n", "\r"),  # a lone CR inside quotes
        ("\r\n", "\r"),
        ("\r", "\n"),  # old Mac line ends
    ],
    ids=["lf-lf", "crlf-crlf", "crlf-lf", "lf-cr", "crlf-cr", "cr-lf"],
)
def test_quoted_line_breaks_of_any_kind_keep_the_row_whole(settings, tmp_path, end, inside):
    lines = [
        PA_HEADER,
        pa(1, f'"NVQ 2{inside}Care Certificate"'),
        pa(2),
        pa(3, f'"first{inside}{inside}third line"'),
        pa(4, locality="NOWHERE"),
        pa(5),
    ]
    path = write_bytes(tmp_path, "pa.csv", end.join(lines) + end)
    [result] = ingest_paths([path], settings)
    assert (result.source, result.status, result.rows_read, result.rows_loaded) == (
        "pa_register",
        "loaded_with_rejects",
        5,
        4,
    )
    assert pa_rows(settings) == [
        (2, "PA-001", f"NVQ 2{inside}Care Certificate"),
        (3, "PA-002", "NVQ 2"),
        (4, "PA-003", f"first{inside}{inside}third line"),
        (6, "PA-005", "NVQ 2"),
    ]
    # The row after the line breaks keeps its own number, as Excel shows it.
    assert [r[:3] for r in rejects(settings)] == [(5, "locality_code", "NOWHERE")]


def test_line_ends_mixed_row_by_row(settings, tmp_path):
    text = PA_HEADER + "\r\n" + pa(1) + "\n" + pa(2) + "\r" + pa(3, '"a\r\nb"') + "\r\n" + pa(4, locality="X") + "\n"
    [result] = ingest_paths([write_bytes(tmp_path, "pa.csv", text)], settings)
    assert (result.rows_read, result.rows_loaded) == (4, 3)
    assert [r[1:] for r in pa_rows(settings)] == [("PA-001", "NVQ 2"), ("PA-002", "NVQ 2"), ("PA-003", "a\r\nb")]
    assert [r[:2] for r in rejects(settings)] == [(5, "locality_code")]


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_an_empty_line_between_rows_is_a_row_as_excel_numbers_it(settings, tmp_path, end):
    lines = ["Register of PAs", "", PA_HEADER, pa(1), "", pa(2, locality="X"), "", "", pa(3), "", ""]
    [result] = ingest_paths([write_bytes(tmp_path, "pa.csv", end.join(lines))], settings)
    assert (result.rows_read, result.rows_loaded, result.message) == (3, 2, "header on row 3")
    assert [r[:2] for r in pa_rows(settings)] == [(4, "PA-001"), (9, "PA-003")]
    assert [r[:2] for r in rejects(settings)] == [(6, "locality_code")]


def test_a_quoted_line_break_deep_in_a_file_read_in_parallel(settings, tmp_path):
    # Big enough for DuckDB to split it between threads: its parallel reader cannot pad short rows
    # across a quoted line break, so the file is read again in one thread.
    n = 150_000
    lines = [PA_HEADER] + [pa(i) for i in range(n)]  # one row per PA: a second with the same pa_id is rejected
    lines[100_000] = pa(n + 7, '"two\nlines"')
    lines[120_000] = pa(n + 8, locality="X")
    lines[140_000] = f"PA-{n + 9},E07000008,2023-04-01"  # a short row: padded, so left_date and the rest are blank
    [result] = ingest_paths([write_bytes(tmp_path, "pa.csv", "\n".join(lines) + "\n")], settings)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (n, n - 2, 2)
    assert [r[:2] for r in rejects(settings)] == [(120_001, "locality_code"), (140_001, "on_payroll")]
    assert store_rows(settings, "select qualifications from raw_pa_register where source_row = 100001") == [
        ("two\nlines",)
    ]


def test_rows_starting_with_a_hash_are_data_not_comments(settings, tmp_path):
    lines = [PA_HEADER] + [pa(i).replace("PA-", "#PA-") for i in range(60)]
    [result] = ingest_paths([base.write(tmp_path, "pa.csv", lines)], settings)
    assert (result.rows_read, result.rows_loaded) == (60, 60)


# Separators ------------------------------------------------------------------------------------------


def test_semicolon_rows_under_a_comma_header_are_named_as_a_separator_problem(settings, tmp_path):
    lines = [HEADER, GOOD.replace(",", ";"), GOOD.replace(",", ";").replace("P1", "P2")]
    [result] = ingest_paths([base.write(tmp_path, "activity.csv", lines)], settings)
    assert result.status == "rejected"
    assert result.message.startswith(
        "activity.csv: the header row is separated by commas but the rows under it by semicolons (row 2 reads as "
        "one value: 'P1;70;female;"
    )
    assert store_rows(settings, "select count(*) from rejects where reason like '%required but blank%'") == [(0,)]


def test_one_row_with_another_separator_gets_one_reason(settings, tmp_path):
    lines = [HEADER, GOOD, GOOD.replace(",", ";"), GOOD.replace("P1", "P3")]
    [result] = ingest_paths([base.write(tmp_path, "activity.csv", lines)], settings)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 2, 1)
    [(row, column, _, reason)] = rejects(settings)
    assert (row, column) == (3, "person_id")
    assert reason.startswith("the whole row reads as one value: it seems separated by another character")


def test_a_row_with_more_values_than_the_header_is_named_with_its_row(settings, tmp_path):
    # An unquoted comma inside a value: every value after it would be one column to the right.
    lines = [HEADER, GOOD, GOOD.replace("P1", "P2").replace("Physical support", "Physical, support"), GOOD]
    [result] = ingest_paths([base.write(tmp_path, "activity.csv", lines)], settings)
    assert result.status == "rejected"
    assert result.message == (
        "activity.csv: cannot be read: row 3 has 13 values but the header names 12 columns; a value holding a "
        "comma must be in double quotes"
    )


# Encodings and what is not text ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "note"),
    [
        ("utf-16", "read as UTF-16 text"),
        ("utf-16-le", "read as UTF-16 text (no byte-order mark)"),
        ("utf-16-be", "read as UTF-16 text (no byte-order mark)"),
    ],
)
def test_utf16_with_or_without_a_byte_order_mark(settings, tmp_path, encoding, note):
    text = "\r\n".join([PA_HEADER, pa(1, '"Level 3 – Café\r\nsecond line"'), pa(2)]) + "\r\n"
    [result] = ingest_paths([write_bytes(tmp_path, "pa.csv", text, encoding)], settings)
    assert (result.status, result.rows_loaded, result.message) == ("loaded", 2, note)
    assert [r[2] for r in pa_rows(settings)] == ["Level 3 – Café\r\nsecond line", "NVQ 2"]


def test_binary_data_named_csv_is_named_as_such(settings, tmp_path):
    path = tmp_path / "pa.csv"
    path.write_bytes(b"pa_id,locality_code\x00\x01\x02\x00\x00\x00binary\x00")
    [result] = ingest_paths([path], settings)
    assert result.status == "rejected"
    assert result.message.startswith("pa.csv: the file holds binary data (NUL bytes)")


def test_an_unclosed_quote_is_named_with_its_row(settings, tmp_path):
    lines = [PA_HEADER, pa(1), pa(2, '"NVQ 2'), pa(3)]
    [result] = ingest_paths([base.write(tmp_path, "pa.csv", lines)], settings)
    assert result.status == "rejected"
    assert result.message == 'pa.csv: cannot be read: row 3: a double quote (") opens a value that is never closed'


def test_a_ten_megabyte_cell_is_named_as_too_long(settings, tmp_path):
    lines = [PA_HEADER, pa(1), pa(2, "x" * 10_000_000), pa(3)]
    [result] = ingest_paths([base.write(tmp_path, "pa.csv", lines)], settings)
    assert result.status == "rejected"
    assert "row 3 has a value longer than 2,000,000 characters" in result.message
    assert "xxxx" not in result.message


# Files with no rows ------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["", "\n\n", ",,,,,,\n"], ids=["header-only", "empty-lines", "empty-row"])
def test_a_header_with_no_rows_is_logged_as_no_data_rows(settings, tmp_path, body):
    path = write_bytes(tmp_path, "pa.csv", PA_HEADER + "\n" + body)
    [result] = ingest_paths([path], settings)
    assert (result.source, result.status, result.rows_read) == ("pa_register", "no_data", 0)
    assert result.message == "pa.csv: no data rows: the file has a header (row 1) but no rows under it"
    assert store_rows(settings, "select file_name, source, status, rows_loaded from load_log") == [
        ("pa.csv", "pa_register", "no_data", 0)
    ]


def test_exit_codes_report_the_worst_file(tmp_path, capsys):
    config = str(write_test_config(tmp_path))
    good = base.write(tmp_path, "activity.csv", [HEADER, GOOD])
    empty = base.write(tmp_path, "pa.csv", [PA_HEADER])
    assert main(["--config", config, "ingest", str(good), str(empty)]) == 4
    captured = capsys.readouterr()
    assert "no data rows" in captured.out
    assert "pa.csv was not loaded: pa.csv: no data rows" in captured.err
    assert store_rows_of(tmp_path, "select file_name, status from load_log order by load_id") == [
        ("activity.csv", "loaded"),
        ("pa.csv", "no_data"),
    ]


def store_rows_of(folder, sql: str) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(folder / "ingest.duckdb"), read_only=True) as con:
        return con.sql(sql).fetchall()


def test_dates_survive_the_rewrite(settings, tmp_path):
    text = "\r\n".join([PA_HEADER, 'PA-001,E07000008,30/04/2023,,yes,no,"a\nb"']) + "\r\n"
    ingest_paths([write_bytes(tmp_path, "pa.csv", text)], settings)
    assert store_rows(settings, "select registered_date, dbs_checked from raw_pa_register") == [
        (date(2023, 4, 30), False)
    ]
