"""Reference tables the Client Level Data models join to: where a postcode lies, and the setting hierarchy.

- ``ref_postcode_district``: outward code -> area, from each locality's ``postcode_districts`` setting; an
  outward code listed under two areas has ``is_split`` and is placed only through the postcode lookup.
- ``ref_postcode_sector``: postcode sector (``CB6 1``) -> area, from the optional ONS postcode lookup
  (NSPL layout: ``pcds``, ``laua``). CLD rows keep the sector, never the full postcode, so the lookup is
  reduced to sectors: each sector goes to the area holding most of its postcodes.
- ``ref_cld_ltc_hierarchy``: ASCOF 3D's order for placing a person with several long-term services once.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from pipelines.config import PROJECT_ROOT, Settings
from pipelines.db import write_table

REFERENCE_DIR = Path(__file__).parent / "reference"


class PostcodeLookupError(ValueError):
    """The postcode lookup file named in the settings cannot be read as an ONS postcode lookup."""


def normalise_district(code: str) -> str:
    return "".join(code.split()).upper()


def postcode_districts_frame(settings: Settings) -> pl.DataFrame:
    pairs = [(normalise_district(d), loc.code) for loc in settings.localities for d in loc.postcode_districts]
    frame = pl.DataFrame(pairs, schema={"postcode_district": pl.String, "locality_code": pl.String}, orient="row")
    frame = frame.unique(maintain_order=True)
    split = frame.group_by("postcode_district").len().filter(pl.col("len") > 1)["postcode_district"]
    return frame.with_columns(is_split=pl.col("postcode_district").is_in(split.implode()))


def lookup_path(settings: Settings) -> Path | None:
    raw = settings.paths.postcode_lookup.strip()
    if not raw:
        return None
    path = Path(raw).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def write_postcode_sectors(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    con.sql("create or replace table ref_postcode_sector (postcode_sector varchar, locality_code varchar)")
    path = lookup_path(settings)
    if path is None:
        return
    if not path.is_file():
        raise PostcodeLookupError(f"postcode lookup {path} (paths.postcode_lookup) does not exist")
    try:
        columns = {
            c.lower() for c in con.sql("select * from read_csv(?, all_varchar = true)", params=[str(path)]).columns
        }
    except duckdb.Error as exc:
        raise PostcodeLookupError(f"postcode lookup {path} cannot be read as CSV: {exc}") from exc
    missing = {"pcds", "laua"} - columns
    if missing:
        raise PostcodeLookupError(
            f"postcode lookup {path} lacks column(s) {', '.join(sorted(missing))}: "
            "the ONS NSPL layout has pcds and laua"
        )
    con.sql(
        """
        insert into ref_postcode_sector
        with postcodes as (
            select upper(trim(pcds)) as pcds, laua
            from read_csv(?, all_varchar = true, normalize_names = true)
            where laua in (select unnest(?::varchar[]))
        ),
        sectors as (
            -- 'CB6 1AB' -> 'CB6 1': the outward code and the first character of the inward code
            select regexp_replace(pcds, '\\s+', '', 'g') as compact, laua from postcodes
        )
        select left(compact, length(compact) - 3) || ' ' || left(right(compact, 3), 1) as postcode_sector,
            mode(laua) as locality_code
        from sectors
        where length(compact) between 5 and 7
        group by all
        """,
        params=[str(path), settings.locality_codes],
    )


def write_cld_reference_tables(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    write_table(con, "ref_postcode_district", postcode_districts_frame(settings))
    write_postcode_sectors(con, settings)
    con.sql(
        "create or replace table ref_cld_ltc_hierarchy as select * from read_csv(?, header = true, "
        "columns = {'service_type': 'varchar', 'delivery_mechanism': 'varchar', 'setting_rank': 'integer', "
        "'setting': 'varchar'})",
        params=[str(REFERENCE_DIR / "cld_ltc_hierarchy.csv")],
    )
