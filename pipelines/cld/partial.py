"""A warning for a CLD file that may be a partial return: far fewer rows than the return it replaces.

A file sent for a reporting period already loaded becomes that period's latest return and is read whole for the
quarters it covers (``int_cld_submission_selected``). If it is a partial return or a top-up of one cohort, every
one of those quarters is counted from it alone and undercounts; NHS England's CLD methods warn of the same. It is
a warning, not a refusal: a corrected return can be smaller (duplicates removed), and only the council knows.
"""

from __future__ import annotations

from datetime import date

import duckdb

from pipelines.cld.store import table_columns
from pipelines.readers import quote_identifier as qi
from pipelines.wording import counted

# A return with fewer than this share of the rows of the one it replaces is called out.
PARTIAL_SHARE = 0.5


def partial_return_notes(con: duckdb.DuckDBPyConnection, table: str, load_id: int, file_name: str) -> list[str]:
    """A note for each reporting period of the load in ``table`` whose good rows are under ``PARTIAL_SHARE`` of
    the latest earlier load's for the same period (and LA Code); none when no earlier load sent that period."""
    new = _rows_per_period(con, [(load_id, table)])
    earlier_loads = con.sql(
        "select load_id, table_name from cld_loads where load_id < ? order by load_id", params=[load_id]
    ).fetchall()
    if not new or not earlier_loads:
        return []
    earlier: dict[tuple, tuple[int, int]] = {}  # period -> (latest earlier load, its rows)
    for (loaded, la_code, start, end), rows in _rows_per_period(con, earlier_loads).items():
        earlier[(la_code, start, end)] = max(earlier.get((la_code, start, end), (0, 0)), (loaded, rows))
    notes = []
    for (_, la_code, start, end), rows in sorted(new.items()):
        replaced, before = earlier.get((la_code, start, end), (None, 0))
        if replaced is None or rows >= PARTIAL_SHARE * before:
            continue
        ((replaced_file,),) = con.sql("select file_name from load_log where load_id = ?", params=[replaced]).fetchall()
        notes.append(
            f"possibly a partial return: {counted(rows, 'row')} for the reporting period {_day(start)} to "
            f"{_day(end)}, against {before:,} in {replaced_file} (load {replaced}), which it replaces for the "
            f"quarters it covers; if it is a top-up or part of the return, those quarters will be counted from it "
            f"alone: send the whole return again, or remove this file (asc purge --file {file_name})"
        )
    return notes


def _rows_per_period(con: duckdb.DuckDBPyConnection, loads: list[tuple[int, str]]) -> dict[tuple, int]:
    """Good rows of each load by (load, LA Code, reporting period start, end)."""
    parts = []
    for load_id, table in loads:
        blank = " and not _blank" if "_blank" in table_columns(con, "", table) else ""  # older loads have none
        parts.append(
            f"select {int(load_id):d} as load_id, la_code, reporting_period_start_date, reporting_period_end_date "
            f"from {qi(table)} where _problems is null{blank}"
        )
    rows = con.sql(f"select *, count(*) from ({' union all '.join(parts)}) group by all").fetchall()
    return {tuple(row[:4]): row[4] for row in rows}


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"
