"""Named, parameterised queries over the warehouse: the only place the dashboard touches SQL.

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


@st.cache_data(show_spinner=False, max_entries=256)
def _cached(sql: str, params: tuple, stamp: tuple) -> pl.DataFrame:
    # A cursor per call: Streamlit runs sessions in threads and a DuckDB connection is not shared safely.
    cursor = _connect(*stamp).cursor()
    try:
        return cursor.sql(sql, params=list(params)).pl()
    finally:
        cursor.close()


def _q(sql: str, *params) -> pl.DataFrame:
    return _cached(sql, tuple(params), _stamp())


@dataclass(frozen=True)
class Meta:
    built_at: datetime
    council_name: str
    contains_synthetic_data: bool
    latest_period: str


def meta() -> Meta:
    row = _q("select built_at, council_name, contains_synthetic_data, latest_period from warehouse_meta").row(0)
    return Meta(*row)


def periods() -> list[str]:
    """Reporting quarters, oldest first."""
    return _q("select period from ref_quarter order by sort_key")["period"].to_list()


def localities() -> pl.DataFrame:
    """Localities with the county first."""
    return _q("select locality_code, locality_name, is_rural, is_county from dim_locality "
              "order by is_county desc, locality_name")


def dp_uptake(locality_code: str | None = None) -> pl.DataFrame:
    """DP uptake per quarter (all localities and the county, or one)."""
    return _q("select * from mart_dp_uptake where ? is null or locality_code = ? order by quarter_end, "
              "locality_code", locality_code, locality_code)


def dp_uptake_at(period: str) -> pl.DataFrame:
    return _q("select * from mart_dp_uptake where period = ? order by locality_code", period)


def ascof(measure: str) -> pl.DataFrame:
    """Published ASCOF values of one stable measure for every area, by year."""
    return _q("select * from mart_ascof where measure = ? order by area_code, year", measure)


def pa_workforce(locality_code: str | None = None) -> pl.DataFrame:
    return _q("select * from mart_pa_workforce where ? is null or locality_code = ? order by quarter_end, "
              "locality_code", locality_code, locality_code)


def satisfaction(survey: str, question_code: str, locality_code: str) -> pl.DataFrame:
    return _q("select * from mart_satisfaction where survey = ? and question_code = ? and locality_code = ? "
              "order by quarter_end", survey, question_code, locality_code)


def outcomes(locality_code: str, outcome_domain: str = "all") -> pl.DataFrame:
    return _q("select * from mart_outcomes where locality_code = ? and outcome_domain = ? order by quarter_end",
              locality_code, outcome_domain)


def outcomes_by_domain(locality_code: str, period: str) -> pl.DataFrame:
    return _q("select * from mart_outcomes where locality_code = ? and period = ? and outcome_domain <> 'all' "
              "order by outcome_domain", locality_code, period)


def waiting_list(locality_code: str) -> pl.DataFrame:
    return _q("select * from mart_waiting_list where locality_code = ? order by quarter_end", locality_code)


def contracts() -> pl.DataFrame:
    return _q("select contract_id, any_value(provider) as provider, any_value(contract_type) as contract_type "
              "from fct_kpi_returns group by contract_id order by contract_id")


def kpi_returns(contract_id: str) -> pl.DataFrame:
    return _q("select * from fct_kpi_returns where contract_id = ? order by quarter_end, kpi_code", contract_id)


def return_status(contract_id: str) -> pl.DataFrame:
    return _q("select * from mart_kpi_return_status where contract_id = ? order by quarter_end", contract_id)


def missing_returns() -> pl.DataFrame:
    return _q("select * from mart_kpi_return_status where not return_received order by quarter_end, contract_id")


def service_demand(locality_code: str) -> pl.DataFrame:
    return _q("select * from mart_service_demand where locality_code = ? order by quarter_end", locality_code)


def population(age_band: str) -> pl.DataFrame:
    return _q("select * from mart_population where age_band = ? order by area_code, projection_year", age_band)


def load_log() -> pl.DataFrame:
    return _q("select load_id, loaded_at, file_name, source, status, rows_read, rows_loaded, rows_rejected, "
              "message, is_synthetic from load_log order by load_id desc")


def rejects(limit: int = 1000) -> pl.DataFrame:
    return _q("select load_id, file_name, source, row_number, column_name, value, reason from rejects "
              "order by load_id desc, row_number limit ?", limit)
