"""Queries for contract managers: provider KPI returns and return status."""

from __future__ import annotations

import polars as pl

from dashboard.queries.core import q


def contracts() -> pl.DataFrame:
    return q(
        "select contract_id, any_value(provider) as provider, any_value(contract_type) as contract_type "
        "from fct_kpi_returns group by contract_id order by contract_id"
    )


def kpi_returns(contract_id: str) -> pl.DataFrame:
    return q("select * from fct_kpi_returns where contract_id = ? order by quarter_end, kpi_code", contract_id)


def return_status(contract_id: str) -> pl.DataFrame:
    return q("select * from mart_kpi_return_status where contract_id = ? order by quarter_end", contract_id)


def missing_returns() -> pl.DataFrame:
    return q("select * from mart_kpi_return_status where not return_received order by quarter_end, contract_id")
