"""Queries for the Data page: load history and rejected rows."""

from __future__ import annotations

import polars as pl

from dashboard.queries.core import q


def load_log() -> pl.DataFrame:
    return q(
        "select load_id, loaded_at, file_name, source, status, rows_read, rows_loaded, rows_rejected, "
        "message, is_synthetic from load_log order by load_id desc"
    )


def rejects(limit: int = 1000) -> pl.DataFrame:
    return q(
        "select load_id, file_name, source, row_number, column_name, value, reason from rejects "
        "order by load_id desc, row_number limit ?",
        limit,
    )
