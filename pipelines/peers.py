"""Peer groups written into the warehouse at build time (``mart_peer_groups``).

The open group is computed from the shipped data by ``models.peers.nearest_neighbours``. A council that
licenses CIPFA's nearest-neighbour model (not open data, so not shipped) names its file in ``[peers]
cipfa_file``: a CSV with one row per council and neighbour (``la_code``, ``neighbour_code``: GSS codes), as
LG Inform exports it; its rows are added with method ``cipfa`` and ``[peers] method = "cipfa"`` uses them.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from models.peers import nearest_neighbours
from pipelines.config import PROJECT_ROOT, Settings
from pipelines.db import write_table


class PeerFileError(ValueError):
    """A CIPFA nearest-neighbour file that cannot be read as one."""


def read_cipfa_file(path: Path) -> pl.DataFrame:
    """``council_code``, ``peer_code``, ``rank`` from a licensed CIPFA list; a clear error when it is not one."""
    if not path.exists():
        raise PeerFileError(f"{path}: the CIPFA nearest-neighbour file named in [peers] cipfa_file does not exist")
    frame = pl.read_csv(path, infer_schema=False)
    columns = {c.strip().lower(): c for c in frame.columns}
    missing = [c for c in ("la_code", "neighbour_code") if c not in columns]
    if missing:
        raise PeerFileError(f"{path.name}: needs columns la_code and neighbour_code; missing {', '.join(missing)}")
    frame = frame.select(
        pl.col(columns["la_code"]).str.strip_chars().alias("council_code"),
        pl.col(columns["neighbour_code"]).str.strip_chars().alias("peer_code"),
    )
    bad = frame.with_row_index("row", offset=2).filter(
        ~pl.col("council_code").str.contains(r"^E\d{8}$") | ~pl.col("peer_code").str.contains(r"^E\d{8}$")
    )
    if not bad.is_empty():
        first = bad.row(0, named=True)
        raise PeerFileError(
            f"{path.name}, row {first['row']}: la_code {first['council_code']!r} / neighbour_code "
            f"{first['peer_code']!r} is not a GSS code (E followed by 8 digits)"
        )
    frame = frame.filter(pl.col("council_code") != pl.col("peer_code")).unique(maintain_order=True)
    return frame.with_columns(pl.int_range(1, pl.len() + 1).over("council_code").cast(pl.Int32).alias("rank"))


def resolve(name: str) -> Path:
    path = Path(name).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def build_peer_groups(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    councils = pl.from_arrow(
        con.sql(
            "select council_code, kind, ln(population_18_plus) as log_population_18_plus, "
            "pct_65_plus_of_adults, pct_85_plus_of_adults from dim_council where current"
        ).arrow()
    )
    groups = nearest_neighbours(councils, k=settings.peers.count).with_columns(pl.lit("open").alias("method"))
    if settings.peers.cipfa_file:
        cipfa = read_cipfa_file(resolve(settings.peers.cipfa_file)).with_columns(
            pl.lit(None, pl.Float64).alias("distance"), pl.lit("cipfa").alias("method")
        )
        groups = pl.concat([groups, cipfa.select(groups.columns)])
    write_table(con, "mart_peer_groups", groups)
