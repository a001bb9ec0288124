"""Hand-made ``raw_cld`` rows for SQL tests: the cleaned shape the CLD reader writes (pipelines/cld_contract.py).

Each row is a dict of the contract's columns; ``cld_row`` fills the ones a test does not care about with
plain values (a Cambridge service user born in 1950, Release 2 labels) and ``insert_cld`` writes them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from pipelines.build import run_models
from pipelines.cld_contract import RAW_CLD_COLUMNS, ensure_raw_cld
from pipelines.config import Settings
from pipelines.ingest import ensure_store
from pipelines.public import load_public_data
from pipelines.reference_tables import write_reference_tables

LA_CODE = "E10000003"
COMMUNITY = "Long term support: Community"
NURSING = "Long term support: Nursing care"
RESIDENTIAL = "Long term support: Residential care"
DIRECT_TO_CARER = "Unpaid carer support: Direct to unpaid carer"
DP = "Direct payment"
MANAGED = "CASSR managed personal budget"
COMMISSIONED = "CASSR commissioned support"
INVALID = "Invalid and not mapped"


def submission(load_id: int, start: date, end: date) -> dict[str, Any]:
    """The columns every row of one submission file shares."""
    return {
        "load_id": load_id,
        "submission_id": f"{LA_CODE}_{start:%Y%m%d}_{end:%Y%m%d}_{load_id:08x}",
        "la_code": LA_CODE,
        "reporting_period_start_date": start,
        "reporting_period_end_date": end,
    }


def cld_row(sub: dict[str, Any], person: str, **values: Any) -> dict[str, Any]:
    """One event row of submission ``sub`` for ``person``; a long-term community service unless told."""
    row: dict[str, Any] = dict.fromkeys(RAW_CLD_COLUMNS)
    row.update(sub)
    row.update(
        person_id=f"N:{person}",
        person_id_source="nhs_number",
        birth_year=1950,
        birth_month=6,
        postcode_district="CB1",
        postcode_sector="CB1 2",
        gender="Female",
        client_type="Service user",
        primary_support_reason="Physical support: Personal care support",
        event_type="Service",
        event_start_date=date(2023, 6, 1),
        service_type=COMMUNITY,
        service_component="Home care",
        delivery_mechanism=COMMISSIONED,
    )
    row.update(values)
    unknown = set(row) - set(RAW_CLD_COLUMNS)
    assert not unknown, f"not raw_cld columns: {unknown}"
    return row


def insert_cld(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
    """Write rows into ``raw_cld`` (created if missing), numbering source rows per load as a file would."""
    ensure_raw_cld(con)
    per_load: dict[int, int] = {}
    values = []
    for row in rows:
        per_load[row["load_id"]] = per_load.get(row["load_id"], 1) + 1
        row = {**row, "source_row": row["source_row"] or per_load[row["load_id"]]}
        values.append([row[c] for c in RAW_CLD_COLUMNS])
    placeholders = ", ".join("?" * len(RAW_CLD_COLUMNS))
    con.executemany(f"insert into raw_cld ({', '.join(RAW_CLD_COLUMNS)}) values ({placeholders})", values)


def warehouse_of(rows: list[dict[str, Any]]) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse built from these rows alone, with the shipped public data and the default settings'
    reference tables."""
    con = duckdb.connect()
    ensure_store(con)
    load_public_data(con, Settings().path("public_data"))
    insert_cld(con, rows)
    write_reference_tables(con, Settings())
    run_models(con)
    return con
