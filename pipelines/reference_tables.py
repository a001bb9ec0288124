"""Reference tables the SQL models join to: settings, localities, quarters, and the shipped lookups.

Settings reach SQL as tables (``ref_council``, ``ref_targets``) rather than being pasted into query
text, so the SQL files stay plain and every value is visible in the warehouse.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from models.periods import Quarter, parse_fy, parse_quarter, quarter_of, quarters_between
from pipelines.cld_contract import ensure_raw_cld
from pipelines.cld_reference import write_cld_reference_tables
from pipelines.config import Settings
from pipelines.db import write_table
from pipelines.registry import headline_frame
from pipelines.schemas import COMMUNITY_SERVICE_TYPES, SERVICE_TYPES

REFERENCE_DIR = Path(__file__).parent / "reference"
REPORTING_QUARTERS = 20  # five financial years of history on every chart


def reporting_quarters(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[Quarter]:
    """The last five years of quarters, ending with the latest quarter that has any data."""
    latest_dates = con.sql("""
        select max(d) from (
            select max(coalesce(end_date, start_date)) as d from raw_activity
            union all select max(received_date) from raw_referrals
            union all select max(registered_date) from raw_pa_register
            union all select max(reporting_period_end_date) from raw_cld
        )""").fetchall()[0][0]
    periods = [
        p
        for (p,) in con.sql(
            "select distinct period from raw_kpi_returns union select distinct period from raw_survey_responses"
        ).fetchall()
    ]
    candidates = [parse_quarter(p) for p in periods]
    if latest_dates:
        # A quarter counts only once it is complete: a date inside an unfinished quarter belongs to it,
        # but quarter-end snapshots are only meaningful up to the extract.
        candidates.append(quarter_of(latest_dates))
    if not candidates:
        last = Quarter(parse_fy(settings.demo.last_year), 4)
    else:
        last = max(candidates)
        if latest_dates and last.end > latest_dates and last == quarter_of(latest_dates):
            last = last.previous()
    return quarters_between(last.plus(-(REPORTING_QUARTERS - 1)), last)


# Sources whose figures are snapshots at a quarter's end (or counts over the quarter) taken from a file with no
# reporting period of its own. A file loaded before a quarter ended cannot say who was in support, on the register
# or waiting at its end: counted from it, everyone in it would still be there. int_source_quarters keeps the quarters
# that ended before the source's latest load.
SNAPSHOT_SOURCES = ("activity", "pa_register", "referrals")


def write_source_loads(con: duckdb.DuckDBPyConnection) -> None:
    """``ref_source_load``: the day each snapshot source's rows were last loaded (null: no load recorded)."""
    days = [
        con.sql(
            "select max(loaded_at)::date from load_log where source = ? "
            f"and load_id in (select load_id from raw_{source})",
            params=[source],
        ).fetchall()[0][0]
        for source in SNAPSHOT_SOURCES
    ]
    frame = pl.DataFrame(
        {"source": list(SNAPSHOT_SOURCES), "loaded_on": days}, schema={"source": pl.String, "loaded_on": pl.Date}
    )
    write_table(con, "ref_source_load", frame)


def write_reference_tables(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[Quarter]:
    ensure_raw_cld(con)  # a store from before any CLD load: the CLD models then read an empty table
    quarters = reporting_quarters(con, settings)
    ref_quarter = pl.DataFrame(
        {
            "period": [q.label for q in quarters],
            "financial_year": [q.fy for q in quarters],
            "quarter_number": [q.number for q in quarters],
            "quarter_start": [q.start for q in quarters],
            "quarter_end": [q.end for q in quarters],
            "sort_key": [q.start_year * 4 + q.number for q in quarters],
        }
    )
    write_table(con, "ref_quarter", ref_quarter)
    write_source_loads(con)

    council = settings.council
    dim_locality = pl.DataFrame(
        {
            "locality_code": [loc.code for loc in settings.localities] + [council.code],
            "locality_name": [loc.name for loc in settings.localities] + [settings.locality_name(council.code)],
            "is_rural": [loc.rural for loc in settings.localities] + [None],
            "is_county": [False] * len(settings.localities) + [True],
        }
    )
    write_table(con, "dim_locality", dim_locality)
    con.sql(
        "create or replace table ref_council as select ? as council_code, ? as council_name, "
        "? as short_name, ? as region_code, ? as region_name, ? as kpi_return_due_days",
        params=[
            council.code,
            council.name,
            council.short_name,
            council.region_code,
            council.region_name,
            settings.kpi_return_due_days,
        ],
    )
    targets = settings.targets
    con.sql(
        "create or replace table ref_targets as select ? as dp_uptake_pct, ? as dp_uptake_by, "
        "? as pa_growth_pct_per_year, ? as isf_new_per_year, ? as satisfaction_pct, "
        "? as outcomes_achieved_pct",
        params=[
            targets.dp_uptake_pct,
            targets.dp_uptake_by,
            targets.pa_growth_pct_per_year,
            targets.isf_new_per_year,
            targets.satisfaction_pct,
            targets.outcomes_achieved_pct,
        ],
    )
    ref_service_type = pl.DataFrame(
        {
            "service_type": list(SERVICE_TYPES),
            "is_long_term_community": [s in COMMUNITY_SERVICE_TYPES for s in SERVICE_TYPES],
        }
    )
    write_table(con, "ref_service_type", ref_service_type)
    write_table(con, "ref_measure", headline_frame(settings))
    write_cld_reference_tables(con, settings)
    for name in ("survey_question", "ascof_measure", "ascof_national_measure"):
        path = REFERENCE_DIR / f"{name}s.csv"
        con.sql(
            f"create or replace table ref_{name} as select * from read_csv(?, all_varchar = true)", params=[str(path)]
        )
    return quarters
