"""The shape of ``raw_cld``: the cleaned Client Level Data event rows the SQL models read.

The CLD reader (ingest) writes this table; the CLD models after it (``pipelines/sql``) read only these
columns, with values already cleaned to Release 2 labels (``Invalid and not mapped`` for values outside the
lists, NULL for blanks). This list is the contract between the two halves. No name, NHS number, full
postcode or date of birth is a column.

A warehouse built before any CLD was loaded (or before the reader existed) still gets an empty ``raw_cld``,
so every CLD model runs and gives empty marts instead of failing.
"""

from __future__ import annotations

import duckdb

RAW_CLD_COLUMNS: dict[str, str] = {
    "load_id": "bigint",
    "source_row": "bigint",
    "submission_id": "varchar",
    "la_code": "varchar",
    "reporting_period_start_date": "date",
    "reporting_period_end_date": "date",
    "person_id": "varchar",
    "person_id_source": "varchar",
    "birth_year": "integer",
    "birth_month": "integer",
    "postcode_district": "varchar",
    "postcode_sector": "varchar",
    "gender": "varchar",
    "ethnicity": "varchar",
    "date_of_death": "date",
    "client_type": "varchar",
    "primary_support_reason": "varchar",
    "accommodation_status": "varchar",
    "employment_status": "varchar",
    "has_unpaid_carer": "varchar",
    "client_funding_status": "varchar",
    "event_type": "varchar",
    "event_reference": "varchar",
    "event_start_date": "date",
    "event_end_date": "date",
    "event_description": "varchar",
    "event_outcome": "varchar",
    "request_route_of_access": "varchar",
    "assessment_type": "varchar",
    "eligible_needs_identified": "varchar",
    "method_of_assessment": "varchar",
    "total_hrs_caring_per_week": "double",
    "service_type": "varchar",
    "service_component": "varchar",
    "delivery_mechanism": "varchar",
    "provider_cqc_location_id": "varchar",
    "provider_cqc_location_name": "varchar",
    "review_reason": "varchar",
    "review_outcomes_achieved": "varchar",
    "method_of_review": "varchar",
    "unit_cost": "double",
    "cost_frequency_unit_type": "varchar",
    "planned_units_per_week": "double",
    "gp_practice_code": "varchar",
}


def ensure_raw_cld(con: duckdb.DuckDBPyConnection) -> None:
    """Create an empty ``raw_cld`` of the contract's shape where the database has none yet."""
    cols = ", ".join(f"{name} {sql_type}" for name, sql_type in RAW_CLD_COLUMNS.items())
    con.sql(f"create table if not exists raw_cld ({cols})")
