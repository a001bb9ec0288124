"""Demand and scenarios: demand history and the population growth that drives future demand."""

import polars as pl
import streamlit as st

from dashboard import charts, queries
from dashboard.components import chart_with_table
from dashboard.filters import locality, locality_name, period
from dashboard.formatting import count, pct

cfg = queries.settings()
code, quarter = locality(), period()
area = locality_name(code)

st.title("Demand and scenarios")

demand = queries.service_demand(code)
now = demand.filter(pl.col("period") == quarter).row(0, named=True)
population = queries.population("65+")
district_codes = [loc.code for loc in cfg.localities]
areas = district_codes if code == cfg.council.code else [code]
by_year = (
    population.filter(pl.col("area_code").is_in(areas))
    .group_by("projection_year")
    .agg(pl.col("population").sum())
    .sort("projection_year")
)
pop = dict(zip(by_year["projection_year"].to_list(), by_year["population"].to_list(), strict=True))
growth_2031 = 100 * (pop[2031] / pop[2024] - 1)

cols = st.columns(3)
cols[0].metric(f"People in long-term community support, {quarter}", count(now["people_supported"]))
cols[1].metric("Planned hours of care a week", count(now["weekly_hours"]))
cols[2].metric(
    "Growth in people aged 65+, 2024 to 2031",
    pct(growth_2031),
    help="ONS 2022-based subnational population projections (real data).",
)

fig = charts.trend_lines(
    demand.with_columns(pl.lit("People supported").alias("series")),
    "period",
    "people_supported",
    "series",
    f"People in long-term community support, {area}",
    "People",
)
chart_with_table(
    fig,
    demand.select("period", "people_supported", "weekly_hours", "referrals_received"),
    "demand_history",
    "People with active long-term community services at each quarter end.",
    ["people_supported", "referrals_received"],
)

proj = by_year.with_columns(pl.col("projection_year").cast(pl.String), pl.lit("Aged 65+").alias("series"))
fig = charts.trend_lines(
    proj, "projection_year", "population", "series", f"Projected population aged 65 and over, {area}", "People"
)
chart_with_table(
    fig,
    proj.select("projection_year", "population"),
    "population_65plus",
    "ONS 2022-based projections (migration-category variant). Real published data.",
)
