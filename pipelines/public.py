"""Load the shipped published statistics (ASCOF, ONS population projections) into a new warehouse.

The files in ``data/public`` are real open data (Open Government Licence v3.0, see its README). They
are read as text with their published column names normalised, so the staging SQL does the typing.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from pipelines.db import write_table
from pipelines.schemas import normalise_column_name

ASCOF_FILE = "ascof_trend_2017_2023.csv"
POPULATION_FILE = "snpp2022_migcat_cambs_districts_65plus.csv"

# Column names vary between NHS Digital's yearly files; map the variants to one spelling.
ASCOF_COLUMN_VARIANTS = {"ons_area_code": "ons_code", "measure_value": "measure_value"}


def _read_text_csv(path: Path) -> pl.DataFrame:
    frame = pl.read_csv(path, infer_schema=False)
    return frame.rename({c: normalise_column_name(c.lstrip("\ufeff")) for c in frame.columns})


def load_public_data(con: duckdb.DuckDBPyConnection, public_dir: Path) -> None:
    ascof = _read_text_csv(public_dir / ASCOF_FILE)
    raw_ascof_published = ascof.rename(
        {c: ASCOF_COLUMN_VARIANTS[c] for c in ascof.columns if c in ASCOF_COLUMN_VARIANTS}
    )
    write_table(con, "raw_ascof_published", raw_ascof_published)

    # The ONS Z1 layout keeps its upper-case names; only the year columns matter to the unpivot.
    population = pl.read_csv(public_dir / POPULATION_FILE, infer_schema=False)
    raw_population_projection = population.rename({c: c.lower() for c in population.columns if not c.isdigit()})
    write_table(con, "raw_population_projection", raw_population_projection)
