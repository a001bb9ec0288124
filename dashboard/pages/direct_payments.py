"""Direct payments: uptake by locality against the target, and published ASCOF comparators."""

import polars as pl
import streamlit as st

from dashboard import charts, queries
from dashboard.components import chart_with_table
from dashboard.filters import locality, locality_name, period
from dashboard.formatting import pct, points

cfg = queries.settings()
code, quarter = locality(), period()

st.title("Direct payments")

latest = queries.dp_uptake_at(quarter)
county = latest.filter(pl.col("locality_code") == cfg.council.code).row(0, named=True)
selected = latest.filter(pl.col("locality_code") == code).row(0, named=True)
gap = selected["uptake_pct"] - selected["target_pct"]
st.metric(
    f"DP uptake in {locality_name(code)}, {quarter}",
    pct(selected["uptake_pct"]),
    delta=f"{points(gap)} {'below' if gap < 0 else 'above'} the {pct(selected['target_pct'])} target "
    "(higher is better)",
    delta_color="normal" if gap >= 0 else "inverse",
)

districts = latest.filter(pl.col("locality_code") != cfg.council.code).sort("uptake_pct", descending=True)
fig = charts.bars(
    districts,
    "locality_name",
    "uptake_pct",
    f"DP uptake by district, {quarter}",
    "Uptake",
    y_suffix="%",
    target=county["target_pct"],
    target_label=f"Target {pct(county['target_pct'])} (higher is better)",
)
chart_with_table(
    fig,
    districts.select("locality_name", "dp_recipients", "community_clients", "uptake_pct"),
    "dp_uptake_by_district",
    "Bars show each district's share at the end of the quarter; the dashed line is the county target.",
    ["dp_recipients", "community_clients"],
)

history = queries.dp_uptake()
fig = charts.trend_lines(
    history,
    "period",
    "uptake_pct",
    "locality_name",
    "DP uptake over time by area",
    "Uptake",
    target=county["target_pct"],
    target_label="Target (higher is better)",
    y_suffix="%",
    highlight=locality_name(code),
)
chart_with_table(
    fig,
    history.select("period", "locality_name", "dp_recipients", "community_clients", "uptake_pct"),
    "dp_uptake_history",
    "Each line is an area; the selected area is drawn bold.",
    ["dp_recipients", "community_clients"],
)

st.subheader("Published ASCOF comparators")
ascof = queries.ascof("dp_users").filter(
    pl.col("area_code").is_in([cfg.council.code, cfg.council.region_code, "E92000001"])
)
fig = charts.trend_lines(
    ascof,
    "year",
    "value",
    "area_name",
    "Proportion of people who use services receiving direct payments (ASCOF 1C(2a))",
    "Published value",
    y_suffix="%",
    highlight=cfg.council.short_name,
)
chart_with_table(
    fig,
    ascof.select("year", "area_name", "area_code", "published_code", "value"),
    "ascof_dp",
    "Published yearly by NHS England (1C(2a), renumbered 3D(2a) from 2023-24). Real data, "
    "Open Government Licence v3.0.",
)
