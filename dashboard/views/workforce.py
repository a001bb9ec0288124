"""Workforce: Personal Assistants against the growth path, the rural gap, and care micro-enterprises."""

import polars as pl
import streamlit as st

from dashboard import charts
from dashboard.formatting import count, pct
from dashboard.shell import warehouse
from dashboard.shell.components import SpcSeries, chart_with_table
from dashboard.shell.filters import locality, locality_name, period

wh = warehouse()

cfg = wh.settings
code, quarter = locality(), period()
area = locality_name(code)
growth_target = cfg.targets.pa_growth_pct_per_year

st.title("Workforce")
st.caption(
    f"{area}, {quarter}. Target: active Personal Assistants growing {pct(growth_target)} a year (higher is better)."
)

pas = wh.pa_workforce()
here = pas.filter(pl.col("locality_code") == code)
now = here.filter(pl.col("period") == quarter).row(0, named=True)
upto = here.filter(pl.col("quarter_end") <= now["quarter_end"])

cols = st.columns(4)
cols[0].metric(
    f"Active PAs, {quarter}",
    count(now["active_pas"]),
    help="PAs on the register at the end of the quarter.",
)
growth = now["growth_pct"]
cols[1].metric("Growth on a year before", pct(growth), help=f"Target {pct(growth_target)} a year; higher is better.")
cols[2].metric("PAs on the DPSS payroll", count(now["pas_on_payroll"]))
cols[3].metric("PAs per 100 DP recipients", "–" if now["pas_per_100_dp"] is None else f"{now['pas_per_100_dp']:.1f}")
if growth is not None:
    verdict = "meeting" if growth >= growth_target else "short of"
    st.markdown(
        f"Active PAs in {area} grew **{pct(growth)}** on a year before, **{verdict}** the "
        f"{pct(growth_target)}-a-year target ({count(now['active_pas_year_before'])} to "
        f"{count(now['active_pas'])})."
    )

# The path: the first quarter shown, compounding at the target rate (25% a year is 5.7% a quarter).
base = upto.row(0, named=True)
quarterly = (1 + growth_target / 100) ** 0.25
path = upto.with_row_index("step").with_columns((base["active_pas"] * quarterly ** pl.col("step")).alias("target_path"))
long = pl.concat(
    [
        path.select(
            "period", pl.lit("Active PAs").alias("series"), pl.col("active_pas").cast(pl.Float64).alias("value")
        ),
        path.select(
            "period",
            pl.lit("On the DPSS payroll").alias("series"),
            pl.col("pas_on_payroll").cast(pl.Float64).alias("value"),
        ),
        path.select(
            "period",
            pl.lit(f"Path at {pct(growth_target, 0)} a year from {base['period']}").alias("series"),
            pl.col("target_path").alias("value"),
        ),
    ]
)
fig = charts.trend_lines(
    long,
    "period",
    "value",
    "series",
    f"Personal Assistants in {area} against the {pct(growth_target, 0)}-a-year path",
    "PAs",
)
chart_with_table(
    fig,
    path.select("period", "active_pas", "pas_on_payroll", "growth_pct", "target_path"),
    "pa_growth",
    "Solid line: PAs on the register at each quarter end. The path shows where the "
    "number would be had it grown by the target rate every year since the first quarter shown.",
    ["active_pas", "pas_on_payroll"],
    spc=SpcSeries(
        upto["period"].to_list(),
        upto["active_pas"].to_list(),
        True,
        f"Active Personal Assistants in {area}: SPC view",
        "PAs",
    ),
)

st.header("The rural gap")
districts = (
    pas.filter((pl.col("period") == quarter) & (pl.col("locality_code") != cfg.council.code))
    .join(wh.localities().select("locality_code", "is_rural"), on="locality_code")
    .with_columns(
        (pl.col("locality_name") + pl.when(pl.col("is_rural")).then(pl.lit(" (rural)")).otherwise(pl.lit(""))).alias(
            "district"
        )
    )
    .sort("pas_per_100_dp", descending=True)
)
county = pas.filter((pl.col("period") == quarter) & (pl.col("locality_code") == cfg.council.code)).row(0, named=True)
fig = charts.bars(
    districts,
    "district",
    "pas_per_100_dp",
    f"PAs per 100 DP recipients by district, {quarter}",
    "PAs per 100 DP recipients",
    target=county["pas_per_100_dp"],
    target_label=f"County {county['pas_per_100_dp']:.1f}",
)
chart_with_table(
    fig,
    districts.select("district", "active_pas", "dp_recipients", "pas_per_100_dp"),
    "pas_per_100_dp",
    "Fewer PAs per 100 people on a direct payment means it is harder to find one to "
    "employ. Rural districts are labelled; the dashed line is the county figure.",
    ["active_pas", "dp_recipients"],
)

st.header("Care micro-enterprises")
cme = wh.cme_capacity(code).filter(pl.col("quarter_end") <= now["quarter_end"])
latest_cme = cme.row(-1, named=True)
st.markdown(
    f"**{count(latest_cme['active_cmes'])}** care micro-enterprises were supporting people in {area} at "
    f"the end of {quarter}, giving **{count(latest_cme['weekly_hours'])} hours** of care a week."
)
long = pl.concat(
    [
        cme.select(
            "period", pl.lit("Micro-enterprises").alias("series"), pl.col("active_cmes").cast(pl.Float64).alias("v")
        ),
    ]
)
fig = charts.trend_lines(
    long, "period", "v", "series", f"Care micro-enterprises supporting people, {area}", "Micro-enterprises"
)
chart_with_table(
    fig,
    cme.select("period", "active_cmes", "weekly_hours"),
    "cme_capacity",
    "Micro-enterprises with at least one person using them at the quarter end, and the weekly hours "
    "of care they provide.",
    ["active_cmes"],
)
