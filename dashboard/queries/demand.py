"""Queries for commissioners: demand history, forecasts and their backtests, population-driven demand,
and the starting point of the scenarios."""

from __future__ import annotations

import polars as pl

DEMAND_TABLES = ("fct_forecasts", "fct_forecast_metrics", "fct_demand_projection", "mart_demand_base")


class DemandQueries:
    """Named queries, mixed into :class:`dashboard.queries.core.Warehouse` (which provides ``q``)."""

    def service_demand(self, locality_code: str) -> pl.DataFrame:
        return self.q("select * from mart_service_demand where locality_code = ? order by quarter_end", locality_code)

    def cld_waiting_times(self, locality_code: str) -> pl.DataFrame:
        """Requests, assessments and new services per quarter CLD covers, with the waits between them."""
        return self.q(
            "select * from mart_cld_waiting_times where locality_code = ? order by quarter_end", locality_code
        )

    def cld_waiting_breakdown(self, locality_code: str, period: str) -> pl.DataFrame:
        """Waits that ended in the quarter by age band, support reason and ethnic group (Client Level Data)."""
        return self.q(
            "select * from mart_cld_waiting_breakdown where locality_code = ? and period = ? "
            "order by breakdown, category, step",
            locality_code,
            period,
        )

    def dp_uptake_breakdown(self, locality_code: str, period: str) -> pl.DataFrame:
        """DP uptake within age bands, support reasons and ethnic groups (Client Level Data quarters only)."""
        return self.q(
            "select * from mart_dp_uptake_breakdown where locality_code = ? and period = ? "
            "order by breakdown, category",
            locality_code,
            period,
        )

    def population(self, age_band: str) -> pl.DataFrame:
        return self.q("select * from mart_population where age_band = ? order by area_code, projection_year", age_band)

    def missing_demand_tables(self) -> list[str]:
        """Forecast and scenario tables the warehouse lacks (one built before forecasting was added)."""
        present = set(self.q("select table_name from duckdb_tables()")["table_name"].to_list())
        return [table for table in DEMAND_TABLES if table not in present]

    def demand_history(self, measure: str, locality_code: str) -> pl.DataFrame:
        """The quarterly history a forecast was fitted to."""
        return self.q(
            "select h.period, h.period_start, h.value from mart_demand_history as h "
            "where h.measure = ? and h.locality_code = ? order by h.period_start",
            measure,
            locality_code,
        )

    def forecasts(self, measure: str, locality_code: str) -> pl.DataFrame:
        """The chosen model's forecast and the seasonal-naive baseline, one row per role and quarter."""
        return self.q(
            "select role, period, period_start, model, mean, lo_80, hi_80, lo_95, hi_95, note from fct_forecasts "
            "where measure = ? and locality_code = ? order by role, period_start",
            measure,
            locality_code,
        )

    def forecast_metrics(self, measure: str, locality_code: str) -> pl.DataFrame:
        """Backtest metrics of every candidate model for one series."""
        return self.q(
            "select model, mase, coverage_80, coverage_95, origins, chosen, note from fct_forecast_metrics "
            "where measure = ? and locality_code = ? order by model",
            measure,
            locality_code,
        )

    def chosen_forecasts(self) -> pl.DataFrame:
        """Every district's chosen forecast (the scenario engine's near-term path and its spread)."""
        return self.q(
            "select measure, locality_code, period_start, mean, lo_80, hi_80 from fct_forecasts "
            "where role = 'chosen' order by measure, locality_code, period_start"
        )

    def demand_base(self) -> pl.DataFrame:
        """Where each district stands at the latest quarter."""
        return self.q("select * from mart_demand_base order by locality_code")

    def demand_projection(self) -> pl.DataFrame:
        """Expected people needing support per district, age band and year (POPPI-style, to 2040)."""
        return self.q("select * from fct_demand_projection order by area_code, age_band, projection_year")

    def service_use_rates(self) -> pl.DataFrame:
        """People supported per 1,000 population and per person in need, per district and age band."""
        return self.q("select * from fct_service_use_rates order by area_code, age_band")
