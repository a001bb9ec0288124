"""Overview: the headline measures a committee member reads first."""

import polars as pl
import streamlit as st

from dashboard import charts, queries
from dashboard.components import chart_with_table
from dashboard.filters import locality, locality_name, period
from dashboard.formatting import count, gbp, pct, points, signed
from dashboard.narrative import comparator_sentence, dp_uptake_sentence

cfg = queries.settings()
code, quarter = locality(), period()
area = locality_name(code)

st.title("Overview")
st.caption(f"{area}, {quarter}. Targets are local; ASCOF sets no national targets.")

uptake = queries.dp_uptake(code)
now = uptake.filter(pl.col("period") == quarter).row(0, named=True)
year_before = uptake.filter(pl.col("quarter_end") < now["quarter_end"]).tail(4).head(1)

dp_ascof = queries.ascof("dp_users")
latest_year = dp_ascof["year"].max()
comparators = {
    row["area_name"]: row["value"]
    for row in dp_ascof.filter(
        (pl.col("year") == latest_year) & pl.col("area_code").is_in(["E92000001", cfg.council.region_code])
    )
    .sort("area_code", descending=True)
    .iter_rows(named=True)
}

st.subheader("Direct payment uptake")
st.markdown(dp_uptake_sentence(area, quarter, now["uptake_pct"], now["target_pct"], cfg.targets.dp_uptake_by))
st.markdown(comparator_sentence(latest_year, comparators))

gap = now["uptake_pct"] - now["target_pct"]
cols = st.columns(4)
cols[0].metric(
    f"DP uptake, {quarter}",
    pct(now["uptake_pct"]),
    delta=f"{signed(now['uptake_pct'] - year_before['uptake_pct'][0])} points on a year before"
    if year_before.height
    else None,
    help="People aged 18+ in long-term community support taking a direct payment (or part), at quarter end.",
)
cols[1].metric(
    f"Target ({cfg.targets.dp_uptake_by}), higher is better",
    pct(now["target_pct"]),
    delta=f"{points(gap)} {'below' if gap < 0 else 'above'} target",
    delta_color="normal" if gap >= 0 else "inverse",
)
for col, (name, value) in zip(cols[2:], comparators.items(), strict=False):
    col.metric(f"{name}, ASCOF {latest_year}", pct(value), help="Published ASCOF 1C(2a) value.")

people = st.columns(3)
people[0].metric("People taking a direct payment", count(now["dp_recipients"]))
people[1].metric("People in long-term community support", count(now["community_clients"]))
people[2].metric(
    "Direct payment spend (annualised)",
    gbp(now["dp_annual_spend_gbp"]),
    help="Weekly planned cost of active direct payments at quarter end, times 52.",
)

fig = charts.trend_lines(
    uptake.with_columns(pl.lit(area).alias("area")),
    "period",
    "uptake_pct",
    "area",
    title=f"Direct payment uptake in {area}, {gap < 0 and 'below' or 'at or above'} the target",
    y_title="Uptake",
    y_suffix="%",
    target=now["target_pct"],
    target_label=f"Target {pct(now['target_pct'])} (higher is better)",
)
chart_with_table(
    fig,
    uptake.select("period", "locality_name", "dp_recipients", "community_clients", "uptake_pct", "target_pct"),
    "dp_uptake",
    "Each point is the share at the end of a quarter. The dashed line is the local target; points above it are better.",
    count_columns=["dp_recipients", "community_clients"],
)
