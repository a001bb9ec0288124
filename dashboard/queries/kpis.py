"""Queries for contract managers: provider KPI series, return status and comparisons across providers."""

from __future__ import annotations

import polars as pl

SERIES_COLUMNS = (
    "contract_id, provider, contract_type, period, sort_key, kpi_code, kpi_name, unit, higher_is_better, "
    "calculation, catalogue_order, target, amber_tolerance, target_from, numerator, denominator, reported_value, "
    "value, value_status, value_differs_from_calculation, comment, submissions, received_at, "
    "previous_submission_value"
)


class KpiQueries:
    """Named queries, mixed into :class:`dashboard.queries.core.Warehouse` (which provides ``q``)."""

    def contracts(self) -> pl.DataFrame:
        """Contracts with a KPI return, their provider (latest name) and contract type."""
        return self.q(
            "select contract_id, arg_max(provider, sort_key) as provider, any_value(contract_type) as contract_type "
            "from mart_kpi_return_status group by contract_id order by contract_id"
        )

    def kpi_codes(self) -> list[str]:
        """Every KPI code of the catalogue (to check the KPIs ``[[change_points]]`` names)."""
        return self.q("select distinct kpi_code from mart_kpi_catalogue order by kpi_code")["kpi_code"].to_list()

    def kpi_series(self, contract_id: str) -> pl.DataFrame:
        """Every KPI in force for the contract, every quarter from its first return (nulls where none came)."""
        return self.q(
            f"select {SERIES_COLUMNS} from mart_kpi_series where contract_id = ? order by kpi_code, sort_key",
            contract_id,
        )

    def return_status(self, contract_id: str) -> pl.DataFrame:
        return self.q("select * from mart_kpi_return_status where contract_id = ? order by sort_key", contract_id)

    def late_or_missing_returns(self) -> pl.DataFrame:
        """Every contract's quarters whose return is missing or arrived late, newest first."""
        return self.q(
            "select contract_id, provider, period, timeliness, days_late, due_date from mart_kpi_return_status "
            "where timeliness in ('missing', 'late') order by sort_key desc, contract_id"
        )

    def kpi_across_providers(self, contract_type: str, period: str, kpi_code: str) -> pl.DataFrame:
        """One KPI in one quarter for every contract of a type, for funnel plots and outlier tables."""
        return self.q(
            "select contract_id, provider, numerator, denominator, value, value_status, calculation, unit, "
            "higher_is_better, target from mart_kpi_series "
            "where contract_type = ? and period = ? and kpi_code = ? order by contract_id",
            contract_type,
            period,
            kpi_code,
        )
