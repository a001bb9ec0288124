"""Small DuckDB helpers shared by the pipelines."""

from __future__ import annotations

import duckdb
import polars as pl


def write_table(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame, mode: str = "replace") -> None:
    """Create (``replace``) or append to (``append``) table ``name`` from a Polars frame."""
    con.register("_incoming_frame", frame)
    try:
        if mode == "replace":
            con.sql(f"create or replace table {name} as select * from _incoming_frame")
        else:
            con.sql(f"insert into {name} select * from _incoming_frame")
    finally:
        con.unregister("_incoming_frame")
