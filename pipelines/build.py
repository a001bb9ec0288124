"""`asc build`: make a new warehouse from the ingest store and the shipped public data, then swap it in.

The new warehouse is written to a temporary file next to the old one; only when every model has run
and every data check has passed is it moved over ``data/warehouse.duckdb`` with an atomic rename. A
dashboard that has the old file open keeps reading it undisturbed, and a failed build changes nothing.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.cld.store import QUALITY_COLUMNS
from pipelines.cld_reference import PostcodeLookupError
from pipelines.config import Settings
from pipelines.ingest import ensure_store, ensure_withdrawals, loaded_rows_sql, remove_stale_files
from pipelines.public import load_public_data
from pipelines.reference_tables import write_reference_tables
from pipelines.schemas import ALL_SOURCES
from pipelines.store_lock import store_lock

SQL_DIR = Path(__file__).parent / "sql"
LAYERS = ("staging", "intermediate", "marts")
# Tables copied from the ingest store so the warehouse is complete on its own.
STORE_TABLES = ("load_log", "rejects", "cld_quality", "withdrawals")
# Python models run after the SQL marts and before the checks: (step name, "module:function"), each called
# as function(con, settings) to write its own tables (forecasts, for example) into the new warehouse.
PYTHON_STEPS: tuple[tuple[str, str], ...] = (
    ("forecasts", "pipelines.forecasting:build_forecasts"),
    ("peer groups", "pipelines.peers:build_peer_groups"),
)


class BuildError(RuntimeError):
    """A model failed or a data check found rows that break a rule; the old warehouse is kept."""


@dataclass
class BuildResult:
    path: Path
    models: list[str]
    checks: list[str]
    seconds: float


def model_files() -> list[Path]:
    """SQL models in run order: by layer, and within a layer after the models each one reads from.

    Dependencies are found by name, as dbt's ref() would give them: a model that mentions another
    model's name (a whole word) runs after it.
    """
    ordered: list[Path] = []
    for layer in LAYERS:
        files = {f.stem: f for f in sorted((SQL_DIR / layer).glob("*.sql"))}
        needs = {
            name: {other for other in files if other != name and re.search(rf"\b{other}\b", path.read_text())}
            for name, path in files.items()
        }
        done: set[str] = set()
        while len(done) < len(files):
            ready = sorted(name for name in files if name not in done and needs[name] <= done)
            if not ready:
                raise BuildError(f"circular references between {layer} models: {sorted(set(files) - done)}")
            for name in ready:
                ordered.append(files[name])
                done.add(name)
    return ordered


def check_files() -> list[Path]:
    return sorted((SQL_DIR / "checks").glob("*.sql"))


def define_record_keys(con: duckdb.DuckDBPyConnection) -> None:
    """A macro ``<source>_record_key(<key columns>)`` per keyed source, from its schema (``Source.record_key_sql``):
    staging keeps the latest row of each record key and leaves out the keys a resubmission withdrew, comparing
    rows exactly as ingest did (the duplicate check, ``withdrawals``)."""
    for source in ALL_SOURCES.values():
        if source.key and not source.year_columns:
            params = ", ".join(dict.fromkeys(source.key + source.fallback_key))
            con.sql(f"create or replace macro {source.name}_record_key({params}) as {source.record_key_sql()}")


def run_models(con: duckdb.DuckDBPyConnection, on_step: Callable[[str], None] = lambda _: None) -> list[str]:
    define_record_keys(con)
    names = []
    for path in model_files():
        on_step(path.stem)
        try:
            con.sql(f"create or replace table {path.stem} as {path.read_text()}")
        except duckdb.Error as exc:
            raise BuildError(f"model {path.parent.name}/{path.name} failed: {exc}") from exc
        names.append(path.stem)
    return names


def run_python_steps(con: duckdb.DuckDBPyConnection, settings: Settings, on_step: Callable[[str], None]) -> list[str]:
    names = []
    for name, target in PYTHON_STEPS:
        on_step(name)
        module, function = target.split(":")
        getattr(importlib.import_module(module), function)(con, settings)
        names.append(name)
    return names


def run_checks(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Run every data check; raise with the first failing rows of each check that finds any."""
    failures = []
    for path in check_files():
        rows = con.sql(path.read_text())
        bad = rows.limit(5).fetchall()
        if bad:
            rule = path.read_text().splitlines()[0].removeprefix("--").strip()
            failures.append(f"{path.stem}: {rule}\n    columns {rows.columns}\n    first rows: {bad}")
    if failures:
        raise BuildError("data checks failed:\n  " + "\n  ".join(failures))
    return [p.stem for p in check_files()]


def copy_ingest_store(con: duckdb.DuckDBPyConnection, store: Path) -> None:
    """Copy raw tables, the load log and rejects from the ingest store into the new warehouse."""
    if not store.exists():
        # First build on a new machine: an empty store gives empty tables, not an error.
        store.parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(store)) as new_store:
            ensure_store(new_store)
    con.sql("attach ? as store (read_only)", params=[str(store)])
    tables = [t for (t,) in con.sql("select table_name from duckdb_tables() where database_name = 'store'").fetchall()]
    for table in STORE_TABLES:
        if table in tables:
            con.sql(f"create table {table} as select * from store.{table}")
    if "cld_quality" not in tables:  # a store from before CLD was read: the quality mart is then empty
        con.sql(f"create table cld_quality ({QUALITY_COLUMNS})")
    for source in ALL_SOURCES.values():
        if f"raw_{source.name}" in tables:  # with the good rows of the source's large loads
            con.sql(f"create table raw_{source.name} as {loaded_rows_sql(con, source, 'store')}")
    con.sql("detach store")
    ensure_withdrawals(con)  # a store from before resubmissions could withdraw rows has none


def build_warehouse(settings: Settings, on_step: Callable[[str], None] = lambda _: None) -> BuildResult:
    """Build a new warehouse and swap it in, holding the data folder's write lock (an ingest or another
    build in another process finishes first: ``store_lock``)."""
    started = datetime.now(UTC)
    settings.path("warehouse").parent.mkdir(parents=True, exist_ok=True)
    with store_lock(settings, on_step):
        return _build(settings, on_step, started)


def _build(settings: Settings, on_step: Callable[[str], None], started: datetime) -> BuildResult:
    target = settings.path("warehouse")
    remove_stale_files(settings)  # what a killed build or ingest left behind (303 MB once)
    tmp = target.with_name(f"{target.name}.building-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(tmp)) as con:
            on_step("copying the ingest store")
            copy_ingest_store(con, settings.path("ingest_store"))
            on_step("loading published ASCOF and ONS data")
            load_public_data(con, settings.path("public_data"))
            try:
                write_reference_tables(con, settings)
            except PostcodeLookupError as exc:
                raise BuildError(str(exc)) from exc
            models = run_models(con, on_step)
            models += run_python_steps(con, settings, on_step)
            on_step("running data checks")
            checks = run_checks(con)
            # The latest quarter is the quarter picker's latest, so "Data to" and the picker agree; a measure whose
            # return is behind says so on its page.
            con.sql(
                "create table warehouse_meta as select ? as built_at, ? as council_name, "
                "coalesce((select bool_or(is_synthetic) from load_log where status like 'loaded%'), false) "
                "as contains_synthetic_data, "
                "(select period from ref_quarter order by sort_key desc limit 1) as latest_period",
                params=[datetime.now(UTC), settings.council.name],
            )
            con.sql("checkpoint")
        os.replace(tmp, target)  # atomic on POSIX: readers see the old file or the new, never half
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    seconds = (datetime.now(UTC) - started).total_seconds()
    return BuildResult(target, models, checks, seconds)
