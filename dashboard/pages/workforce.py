"""Workforce: Personal Assistants on the register, growth against the target, and the rural gap."""

import polars as pl
import streamlit as st

from dashboard import charts, queries
from dashboard.components import chart_with_table
from dashboard.filters import locality, locality_name, period
from dashboard.formatting import count, pct, signed

code, quarter = locality(), period()
area = locality_name(code)

st.title("Workforce")

pas = queries.pa_workforce()
here = pas.filter(pl.col("locality_code") == code)
now = here.filter(pl.col("period") == quarter).row(0, named=True)

cols = st.columns(3)
cols[0].metric(f"Active Personal Assistants, {area}, {quarter}", count(now["active_pas"]))
cols[1].metric(
    "Growth on a year before (target: higher is better)",
    pct(now["growth_pct"]) if now["growth_pct"] is not None else "–",
    delta=f"target {pct(now['target_growth_pct'])} a year",
    delta_color="off",
)
cols[2].metric("PAs on the DPSS payroll", count(now["pas_on_payroll"]))

fig = charts.trend_lines(
    here.with_columns(pl.lit("Active PAs").alias("series")),
    "period",
    "active_pas",
    "series",
    f"Active Personal Assistants in {area}",
    "PAs",
)
chart_with_table(
    fig,
    here.select("period", "active_pas", "pas_on_payroll", "growth_pct", "target_growth_pct"),
    "active_pas",
    "PAs on the register at the end of each quarter.",
    ["active_pas", "pas_on_payroll"],
)

districts = pas.filter((pl.col("period") == quarter) & (pl.col("locality_code") != queries.settings().council.code))
districts = districts.join(queries.localities().select("locality_code", "is_rural"), on="locality_code")
districts = districts.with_columns(
    (pl.col("locality_name") + pl.when(pl.col("is_rural")).then(pl.lit(" (rural)")).otherwise(pl.lit(""))).alias(
        "district"
    )
).sort("pas_per_100_dp", descending=True)
fig = charts.bars(
    districts,
    "district",
    "pas_per_100_dp",
    f"PAs per 100 DP recipients by district, {quarter}",
    "PAs per 100 DP recipients",
)
chart_with_table(
    fig,
    districts.select("district", "active_pas", "dp_recipients", "pas_per_100_dp"),
    "pas_per_100_dp",
    "Fewer PAs per 100 people on a direct payment means people find it harder "
    "to employ one. Rural districts are labelled.",
    ["active_pas", "dp_recipients"],
)
st.caption(f"Change in active PAs on the same quarter a year before: {signed(now['growth_pct'], suffix='%')}.")
