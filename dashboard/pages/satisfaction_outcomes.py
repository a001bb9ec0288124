"""Satisfaction and outcomes: survey top-box shares and reviewed outcomes achieved."""

import polars as pl
import streamlit as st

from dashboard import charts, queries
from dashboard.components import chart_with_table
from dashboard.filters import locality, locality_name, period
from dashboard.formatting import count, pct

cfg = queries.settings()
code, quarter = locality(), period()
area = locality_name(code)

st.title("Satisfaction and outcomes")

dpss = queries.satisfaction("dpss_customer", "overall_rating", code)
dpss_now = dpss.filter(pl.col("period") == quarter)
outcomes = queries.outcomes(code)
outcomes_now = outcomes.filter(pl.col("period") == quarter)

cols = st.columns(2)
if dpss_now.height:
    row = dpss_now.row(0, named=True)
    cols[0].metric(
        f"DPSS users rating the service very good, {quarter}",
        pct(row["top_box_pct"]),
        help=f"{count(row['top_box'])} of {count(row['responses'])} respondents. Higher is better.",
    )
else:
    cols[0].metric(
        f"DPSS users rating the service very good, {quarter}",
        "–",
        help="No survey responses for this area and quarter.",
    )
if outcomes_now.height:
    row = outcomes_now.row(0, named=True)
    cols[1].metric(
        f"Reviewed outcomes achieved, {quarter}",
        pct(row["achieved_pct"]),
        help=f"{count(row['achieved'])} of {count(row['outcomes_reviewed'])} outcomes reviewed. "
        f"Target {pct(row['target_pct'])}, higher is better.",
    )

if dpss.height:
    fig = charts.trend_lines(
        dpss.with_columns(pl.lit("Very good").alias("series")),
        "period",
        "top_box_pct",
        "series",
        f"DPSS customer survey: share rating the service very good, {area}",
        "Very good",
        y_suffix="%",
    )
    chart_with_table(
        fig,
        dpss.select("period", "responses", "top_box", "top_box_pct"),
        "dpss_survey",
        "Share of respondents each quarter answering 'very good'. Small samples move a lot from quarter to quarter.",
        ["responses", "top_box"],
    )
else:
    st.info(f"No DPSS survey responses recorded for {area}.")

fig = charts.trend_lines(
    outcomes.with_columns(pl.lit("Achieved").alias("series")),
    "period",
    "achieved_pct",
    "series",
    f"Reviewed outcomes fully achieved, {area}",
    "Achieved",
    y_suffix="%",
    target=cfg.targets.outcomes_achieved_pct,
    target_label=f"Target {pct(cfg.targets.outcomes_achieved_pct)} (higher is better)",
)
chart_with_table(
    fig,
    outcomes.select("period", "outcomes_reviewed", "achieved", "partly_achieved", "not_achieved", "achieved_pct"),
    "outcomes",
    "Share of outcomes reviewed in the quarter that were fully achieved.",
    ["outcomes_reviewed", "achieved", "partly_achieved", "not_achieved"],
)
