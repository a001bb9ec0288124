"""Load the shipped published statistics (ASCOF, ONS population projections) into a new warehouse.

The files in ``data/public`` are real open data (Open Government Licence v3.0, see its README). They go
through the same reader and validator as files given to ``asc ingest``, into ``public_ascof_published``
and ``public_population_projection``, typed exactly like ``raw_ascof_published`` and
``raw_population_projection``. Staging puts the two together: a year, area and measure loaded with
``asc ingest`` wins over the shipped extract, so a council can bring the comparators up to date by
loading NHS Digital's next annual file.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from pipelines.ingest import ensure_store
from pipelines.readers import open_input, quote_identifier
from pipelines.schemas import PUBLISHED_SOURCES
from pipelines.validate import Context, Plan, bind, period_mapping

ASCOF_FILE = "ascof_trend_2017_2023.csv"
POPULATION_FILE = "snpp2022_migcat_cambs_districts_65plus.csv"
SHIPPED = {"ascof_published": ASCOF_FILE, "population_projection": POPULATION_FILE}
# Every council's published figures (data/public/national/README.md): compact Parquet made by
# scripts/national_data.py, read as they are into public_national_<name>.
NATIONAL_DIR = "national"
NATIONAL_FILES = ("ascof", "population", "population_single_years", "areas", "districts", "district_history")


class PublicDataError(ValueError):
    """A shipped public file does not read cleanly: the product's own data is broken."""


def load_published_file(con: duckdb.DuckDBPyConnection, path: Path, source_name: str, table: str) -> int:
    """Validate ``path`` as ``source_name`` and write its rows to ``table``; every row must be good."""
    source = PUBLISHED_SOURCES[source_name]
    opened = open_input(con, path)
    try:
        plan = Plan(source, opened.fragment, opened.columns, Context([], date.today()))
        checked = f"create temp table _public_checked as {plan.sql(period_mapping(con, plan, opened.params))}"
        con.sql(checked, params=bind(checked, {**opened.params, **plan.all_params()}))
        reject_sql = f"select * from ({plan.reject_sql('_public_checked')}) order by row_number limit 5"
        bad = con.sql(reject_sql, params=bind(reject_sql, plan.all_params())).fetchall()
        if bad:
            raise PublicDataError(f"{path.name} does not read as {source_name}: first problems {bad}")
        columns = ", ".join(quote_identifier(c) for c in source.column_names)
        con.sql(
            f"create or replace table {table} as select null::bigint as load_id, source_row, {columns} "
            f"from ({plan.good_sql('_public_checked')})"
        )
        return con.sql(f"select count(*) from {table}").fetchall()[0][0]
    finally:
        con.sql("drop table if exists _public_checked")
        opened.close(con)


def load_public_data(con: duckdb.DuckDBPyConnection, public_dir: Path) -> None:
    """Write ``public_<source>`` for each shipped file, and make sure the ingested tables exist beside them."""
    # A store made before the published sources existed has no raw_ascof_published: make it, empty.
    ensure_store(con)
    for source_name, file_name in SHIPPED.items():
        load_published_file(con, public_dir / file_name, source_name, f"public_{source_name}")
    load_national(con, public_dir / NATIONAL_DIR)


def load_national(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Copy the national Parquet files into ``public_national_<name>`` tables (DuckDB reads Parquet itself)."""
    for name in NATIONAL_FILES:
        path = folder / f"{name}.parquet"
        if not path.exists():
            raise PublicDataError(f"{path} is missing: the national comparators ship with the product")
        con.sql(f"create or replace table public_national_{name} as select * from read_parquet(?)", params=[str(path)])
