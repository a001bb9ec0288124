"""The warehouse connection shared by every query module.

The connection is read-only. `asc build` replaces the warehouse file atomically, so each query checks
the file's identity (inode and modification time) and opens the new file after a rebuild; results are
cached per build, so a page render costs a dictionary look-up once the data has been read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl
import streamlit as st

from pipelines.config import Settings, load_settings


class WarehouseMissing(RuntimeError):
    """No warehouse has been built yet."""


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    return load_settings()


def _stamp() -> tuple[str, int, int]:
    path = settings().path("warehouse")
    try:
        stat = os.stat(path)
    except FileNotFoundError as exc:
        raise WarehouseMissing(
            f"No warehouse at {path}. Run `make run` (or `asc demo`, `asc ingest data/inbox`, `asc build`)."
        ) from exc
    return str(path), stat.st_ino, stat.st_mtime_ns


@st.cache_resource(show_spinner=False, max_entries=2)
def _connect(path: str, inode: int, mtime_ns: int) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(path, read_only=True)


def _run(sql: str, params: tuple, stamp: tuple) -> pl.DataFrame:
    # A cursor per call: Streamlit runs sessions in threads and a DuckDB connection is not shared safely.
    cursor = _connect(*stamp).cursor()
    try:
        return cursor.sql(sql, params=list(params)).pl()
    finally:
        cursor.close()


_cached = st.cache_data(show_spinner=False, max_entries=256)(_run)


def q(sql: str, *params) -> pl.DataFrame:
    """Run a read-only query with bound parameters; cached until the warehouse is rebuilt.

    Outside a running dashboard (the committee pack, a notebook) the same queries run uncached.
    """
    if st.runtime.exists():
        return _cached(sql, tuple(params), _stamp())
    return _run(sql, tuple(params), _stamp())


@dataclass(frozen=True)
class Meta:
    built_at: datetime
    council_name: str
    contains_synthetic_data: bool
    latest_period: str


def meta() -> Meta:
    row = q("select built_at, council_name, contains_synthetic_data, latest_period from warehouse_meta").row(0)
    return Meta(*row)


def periods() -> list[str]:
    """Reporting quarters, oldest first."""
    return q("select period from ref_quarter order by sort_key")["period"].to_list()


def localities() -> pl.DataFrame:
    """Localities with the county first."""
    return q(
        "select locality_code, locality_name, is_rural, is_county from dim_locality "
        "order by is_county desc, locality_name"
    )
