"""The warehouse and its named queries: the only place the dashboard touches SQL.

``Warehouse(settings)`` owns a read-only connection to the warehouse file the settings name (or the path
given). ``asc build`` replaces that file atomically, so each query checks the file's identity (inode and
modification time) and opens the new file after a rebuild; results are kept per build, so reading the
same figures twice costs a dictionary look-up. No Streamlit here: the dashboard's shell keeps one
``Warehouse`` per process, and the CLI's report makes its own.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import duckdb
import polars as pl

from dashboard.queries.committee import CommitteeQueries
from dashboard.queries.data import DataQueries
from dashboard.queries.demand import DemandQueries
from dashboard.queries.kpis import KpiQueries
from pipelines.config import Settings
from pipelines.registry import change_points

T = TypeVar("T")
RESULTS_KEPT = 512  # query results kept per build (small frames: a few MB in all)


class WarehouseMissing(RuntimeError):
    """No warehouse has been built yet."""


@dataclass(frozen=True)
class Meta:
    built_at: datetime
    council_name: str
    contains_synthetic_data: bool
    latest_period: str


class Warehouse(CommitteeQueries, DataQueries, DemandQueries, KpiQueries):
    """Read-only access to one warehouse file, with named queries returning Polars frames."""

    def __init__(self, settings: Settings, path: Path | str | None = None) -> None:
        self.settings = settings
        self.path = Path(path) if path is not None else settings.path("warehouse")
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._results: OrderedDict[tuple, object] = OrderedDict()

    def _current(self) -> tuple[duckdb.DuckDBPyConnection, tuple[int, int]]:
        """The connection to the file as it is now (reopened after a rebuild swapped it)."""
        try:
            stat = os.stat(self.path)
        except FileNotFoundError as exc:
            raise WarehouseMissing(
                f"No warehouse at {self.path}. Run `make run` (or `asc demo`, `asc ingest data/inbox`, `asc build`)."
            ) from exc
        stamp = (stat.st_ino, stat.st_mtime_ns)
        with self._lock:
            if stamp != self._stamp or self._connection is None:
                # DuckDB hands a new connection the database already open at that path, i.e. the replaced
                # file, while any connection to it is open: close the old one (and its cursors) first.
                if self._connection is not None:
                    self._connection.close()
                self._connection = duckdb.connect(str(self.path), read_only=True)
                self._stamp = stamp
                self._results.clear()
            return self._connection, stamp

    def q(self, sql: str, *params) -> pl.DataFrame:
        """Run a read-only query with bound parameters; the result is kept until the warehouse is rebuilt."""
        try:
            return self._query(sql, params)
        except duckdb.ConnectionException:
            # A rebuild was swapped in while this query ran, and its connection was closed: ask the new file.
            return self._query(sql, params)

    def _query(self, sql: str, params: tuple) -> pl.DataFrame:
        connection, stamp = self._current()
        key = (stamp, sql, repr(params))  # parameters may be lists (bound as DuckDB lists)
        with self._lock:
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]
        # A cursor per call: sessions run in threads and a DuckDB connection is not shared safely.
        cursor = connection.cursor()
        try:
            frame = cursor.sql(sql, params=list(params)).pl()
        finally:
            cursor.close()
        with self._lock:
            if self._stamp == stamp:
                self._results[key] = frame
                while len(self._results) > RESULTS_KEPT:
                    self._results.popitem(last=False)
        return frame

    def memo(self, key: tuple, compute: Callable[[], T]) -> T:
        """A value derived from this build's rows (suppressed tables, judged measures), computed once per build.

        Only for values nobody changes afterwards (Polars frames, frozen dataclasses): every session shares them.
        """
        _, stamp = self._current()
        cache_key = (stamp, "memo", repr(key))
        with self._lock:
            if cache_key in self._results:
                self._results.move_to_end(cache_key)
                return self._results[cache_key]
        value = compute()
        with self._lock:
            if self._stamp == stamp:
                self._results[cache_key] = value
                while len(self._results) > RESULTS_KEPT:
                    self._results.popitem(last=False)
        return value

    def meta(self) -> Meta:
        row = self.q("select built_at, council_name, contains_synthetic_data, latest_period from warehouse_meta").row(0)
        return Meta(*row)

    def periods(self) -> list[str]:
        """Reporting quarters, oldest first."""
        return self.q("select period from ref_quarter order by sort_key")["period"].to_list()

    def change_points(self, measure_key: str) -> tuple[tuple[str, str], ...]:
        """A measure's change points, (first period, label): the registry's, the settings' and the data's."""
        present = self.q("select 1 from duckdb_tables() where table_name = 'mart_source_changes'").height
        found = (
            self.q("select period, label from mart_source_changes where measure_key = ?", measure_key).rows()
            if present
            else []
        )
        return tuple(change_points(self.settings, measure_key, found))

    def localities(self) -> pl.DataFrame:
        """Localities with the county first."""
        return self.q(
            "select locality_code, locality_name, is_rural, is_county from dim_locality "
            "order by is_county desc, locality_name"
        )
