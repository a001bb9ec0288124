"""Issue 16's done-when cases through `asc ingest` itself: the exit code beside the rows and reasons (the other
tests of these cases call ingest_paths; see test_ingest_cells.py, test_ingest_robust.py)."""

from __future__ import annotations

import duckdb

from pipelines.cli import EXIT_OK, EXIT_ROWS_REJECTED, main
from pipelines.config import load_settings
from pipelines.schemas import MAX_WEEKLY_COST_GBP
from tests.conftest import write_test_config
from tests.unit.test_ingest import GOOD, HEADER, write


def rows(config, sql: str) -> list[tuple]:
    with duckdb.connect(str(load_settings(config).path("ingest_store")), read_only=True) as con:
        return con.sql(sql).fetchall()


def test_an_overflowing_integer_then_a_good_file_in_one_call_exits_3_and_loads_the_good_one(tmp_path):
    config = write_test_config(tmp_path)
    folder = tmp_path / "inbox"
    folder.mkdir()
    write(folder, "a_huge.csv", [HEADER, GOOD.replace(",70,", ",9999999999999999999999,")])
    write(folder, "b_good.csv", [HEADER, GOOD.replace("P1", "P2")])
    assert main(["--config", str(config), "ingest", str(folder)]) == EXIT_ROWS_REJECTED
    assert rows(config, "select file_name, status, rows_loaded, rows_rejected from load_log order by 1") == [
        ("a_huge.csv", "loaded_with_rejects", 0, 1),
        ("b_good.csv", "loaded", 1, 0),
    ]
    assert rows(config, "select row_number, column_name, value, reason from rejects") == [
        (2, "age", "9999999999999999999999", "age must not be above 120")
    ]


def test_a_cost_of_1e308_exits_3_with_the_row_refused(tmp_path):
    config = write_test_config(tmp_path)
    path = write(tmp_path, "activity.csv", [HEADER, GOOD.replace(",£220.50,", ",1e308,"), GOOD.replace("P1", "P2")])
    assert main(["--config", str(config), "ingest", str(path)]) == EXIT_ROWS_REJECTED
    assert rows(config, "select row_number, column_name, value, reason from rejects") == [
        (2, "weekly_cost_gbp", "1e308", f"weekly_cost_gbp must not be above {MAX_WEEKLY_COST_GBP:,}")
    ]
    assert rows(config, "select count(*), max(weekly_cost_gbp) from raw_activity") == [(1, 220.5)]


def test_a_lone_cr_inside_quotes_exits_0_with_the_comment_whole(tmp_path):
    config = write_test_config(tmp_path)
    header = "pa_id,locality_code,registered_date,on_payroll,qualifications"
    body = f'{header}\nPA1,E07000008,2024-01-01,true,"NVQ 2\rCare Certificate"\nPA2,E07000008,2024-01-01,true,NVQ 3\n'
    (tmp_path / "pa.csv").write_bytes(body.encode())
    assert main(["--config", str(config), "ingest", str(tmp_path / "pa.csv")]) == EXIT_OK
    assert rows(config, "select source_row, pa_id, qualifications from raw_pa_register order by 1") == [
        (2, "PA1", "NVQ 2\rCare Certificate"),
        (3, "PA2", "NVQ 3"),
    ]
