"""Where CLD rows live in the ingest store: one table per load, read together as ``raw_cld``.

Each load is cleaned in one pass straight into ``cld_load_<id>`` (its good rows, its rejected rows with their
problems, and each row's packed quality codes), listed in ``cld_loads``. Copying the good rows into one table
afterwards would read the whole file a second time (for the ingest of ten million activity rows, the copy was a
third of the load). ``raw_cld`` itself stays a table of the contract's shape (empty unless rows are written to
it directly, as test fixtures do); ``cld_rows_sql`` gives it with every load's good rows, and ``asc build``
copies that into the warehouse as ``raw_cld``.

A CSV is read in parallel, so its load table has no ``source_row``: rows are written in file order (empty lines
flagged ``_blank``, not dropped) and a row's number is its ``rowid`` plus the load's ``row_offset`` in
``cld_loads``. A load read with row numbers (a workbook, a CSV read in one thread) keeps ``source_row`` and has
no offset.
"""

from __future__ import annotations

import duckdb

from pipelines.cld.fields import STORED, STORED_NAMES
from pipelines.readers import quote_identifier as qi

QUALITY_COLUMNS = (
    "load_id bigint, submission_id varchar, field varchar, rows bigint, blank bigint, invalid bigint, mapped bigint"
)


def ensure_cld_store(con: duckdb.DuckDBPyConnection) -> None:
    columns = ", ".join(f"{qi(name)} {kind}" for name, kind in STORED)
    con.sql(f"create table if not exists raw_cld ({columns})")
    con.sql("create table if not exists cld_loads (load_id bigint primary key, table_name varchar)")
    con.sql("alter table cld_loads add column if not exists row_offset bigint")
    con.sql(f"create table if not exists cld_quality ({QUALITY_COLUMNS})")


def load_table(load_id: int) -> str:
    return f"cld_load_{int(load_id):d}"


def cld_rows_sql(con: duckdb.DuckDBPyConnection, catalog: str = "") -> str:
    """SQL for every CLD row loaded into a store (``catalog``: its name when attached): raw_cld and each load's
    good rows."""
    prefix = f"{catalog}." if catalog else ""
    names = ", ".join(qi(n) for n in STORED_NAMES)
    parts = [f"select {names} from {prefix}raw_cld"]
    tables = {
        t
        for (t,) in con.sql(
            "select table_name from duckdb_tables() where database_name = coalesce(nullif(?, ''), current_database())",
            params=[catalog],
        ).fetchall()
    }
    if "cld_loads" in tables:
        loads = con.sql(f"select table_name, row_offset from {prefix}cld_loads order by load_id").fetchall()
        for table, offset in loads:
            row = "source_row" if offset is None else f"rowid + {int(offset):d}"
            names = ", ".join(f"{row} as source_row" if n == "source_row" else qi(n) for n in STORED_NAMES)
            blank = " and not _blank" if "_blank" in _columns(con, catalog, table) else ""
            parts.append(f"select {names} from {prefix}{qi(table)} where _problems is null{blank}")
    return "\nunion all ".join(parts)


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> set[str]:
    found = con.sql(
        "select column_name from duckdb_columns() "
        "where database_name = coalesce(nullif(?, ''), current_database()) and table_name = ?",
        params=[catalog, table],
    ).fetchall()
    return {name for (name,) in found}
