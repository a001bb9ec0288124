"""Queries for commissioners: demand history and population projections."""

from __future__ import annotations

import polars as pl

from dashboard.queries.core import q


def service_demand(locality_code: str) -> pl.DataFrame:
    return q("select * from mart_service_demand where locality_code = ? order by quarter_end", locality_code)


def population(age_band: str) -> pl.DataFrame:
    return q("select * from mart_population where age_band = ? order by area_code, projection_year", age_band)
