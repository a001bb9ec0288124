"""Direct payments: uptake against the target by locality, the trajectory, comparators, DPSS use and ISFs."""

import polars as pl
import streamlit as st

from dashboard import charts
from dashboard.formatting import count, pct, points
from dashboard.shell import warehouse
from dashboard.shell.components import SpcSeries, chart_with_table
from dashboard.shell.filters import locality, locality_name, period
from models.funnel import funnel_curve, funnel_table
from models.measures import net_new_needed
from models.periods import parse_quarter

wh = warehouse()

cfg = wh.settings
code, quarter = locality(), period()
area = locality_name(code)
target_by = cfg.targets.dp_uptake_by

st.title("Direct payments")
st.caption(f"{area}, {quarter}. Target: {pct(cfg.targets.dp_uptake_pct)} by {target_by} (higher is better).")

history = wh.dp_uptake()
latest = history.filter(pl.col("period") == quarter)
here = history.filter(pl.col("locality_code") == code)
now = here.filter(pl.col("period") == quarter).row(0, named=True)
upto = here.filter(pl.col("quarter_end") <= now["quarter_end"])

# Trajectory: net new DPs needed each quarter to reach the target by its date, against the recent rate.
quarters_left = parse_quarter(target_by).minus(parse_quarter(quarter))
needed, per_quarter = net_new_needed(
    now["dp_recipients"], now["community_clients"], now["target_pct"], max(quarters_left, 0)
)
recent = upto.tail(5)["dp_recipients"].to_list()
recent_rate = (recent[-1] - recent[0]) / (len(recent) - 1) if len(recent) > 1 else None

cols = st.columns(4)
gap = now["uptake_pct"] - now["target_pct"]
cols[0].metric(
    f"DP uptake, {quarter}",
    pct(now["uptake_pct"]),
    help=f"{count(now['dp_recipients'])} of {count(now['community_clients'])} people in long-term community support.",
)
cols[1].metric(
    "Below the target by" if gap < 0 else "Above the target by",
    points(gap),
    help=f"Target {pct(now['target_pct'])} by {target_by}; higher is better.",
)
cols[2].metric(
    "More DP recipients needed",
    count(needed),
    help="Assuming the number of people in long-term community support stays as it is.",
)
cols[3].metric(
    "Net change a quarter (last year)",
    "–" if recent_rate is None else f"{recent_rate:+.1f}".replace("-", "−"),
)
if needed == 0:
    st.success(f"{area} meets the {pct(now['target_pct'])} target in {quarter}.")
elif per_quarter is not None:
    verdict = "on course" if recent_rate is not None and recent_rate >= per_quarter else "not on course"
    st.markdown(
        f"To reach {pct(now['target_pct'])} by {target_by}, {area} needs about **{per_quarter:,.1f} more people a "
        f"quarter** on a direct payment (net of those leaving) over the next {quarters_left} quarter(s); over the "
        f"last year the net change was {recent_rate:+.1f} a quarter, so it is **{verdict}**."
    )
else:
    st.markdown(
        f"The target date ({target_by}) has passed: **{count(needed)} more people** would need a direct payment "
        f"for {area} to meet {pct(now['target_pct'])} now. Over the last year the net change was "
        f"{recent_rate:+.1f} a quarter."
    )

fig = charts.trend_lines(
    history.filter(pl.col("quarter_end") <= now["quarter_end"]),
    "period",
    "uptake_pct",
    "locality_name",
    f"DP uptake by area against the {pct(cfg.targets.dp_uptake_pct)} target",
    "Uptake",
    y_suffix="%",
    target=cfg.targets.dp_uptake_pct,
    target_label=f"Target {pct(cfg.targets.dp_uptake_pct)} (higher is better)",
    highlight=area,
)
chart_with_table(
    fig,
    history.select("period", "locality_name", "dp_recipients", "community_clients", "uptake_pct", "target_pct"),
    "dp_uptake_history",
    "Each line is an area, measured at the end of each quarter; the selected area is drawn bold. "
    "Above the dashed target line is better.",
    ["dp_recipients", "community_clients"],
    spc=SpcSeries(
        upto["period"].to_list(),
        upto["uptake_pct"].to_list(),
        True,
        f"DP uptake in {area}: SPC view",
        "Uptake",
        "%",
        cfg.targets.dp_uptake_pct,
        "Target (higher is better)",
    ),
)

st.header("Are the differences between districts real?")
districts = latest.filter(pl.col("locality_code") != cfg.council.code)
table = funnel_table(
    districts["locality_name"].to_list(), districts["dp_recipients"].to_list(), districts["community_clients"].to_list()
)
p0 = table["p0"][0]
curve = funnel_curve(p0, max(10, table["denominator"].min() * 0.5), table["denominator"].max() * 1.5)
fig = charts.funnel_chart(
    table,
    curve,
    f"DP uptake by district against the county average, {quarter}",
    "People in long-term community support",
    "DP uptake",
    p0,
)
chart_with_table(
    fig,
    table.select("unit", "numerator", "denominator", pl.col("proportion") * 100, "position").rename(
        {
            "unit": "district",
            "numerator": "dp_recipients",
            "denominator": "community_clients",
            "proportion": "uptake_pct",
        }
    ),
    "dp_funnel",
    "Each point is a district. Inside the funnel, a district's difference from the county average is within "
    "what chance alone would give for its size; outside the 99.8% lines it very probably is not chance.",
    ["dp_recipients", "community_clients"],
)

st.header("Published ASCOF comparators")
ascof = wh.ascof("dp_users").filter(pl.col("area_code").is_in([cfg.council.code, cfg.council.region_code, "E92000001"]))
fig = charts.trend_lines(
    ascof,
    "year",
    "value",
    "area_name",
    "Proportion of people who use services receiving direct payments (ASCOF)",
    "Published value",
    y_suffix="%",
    target=cfg.targets.dp_uptake_pct,
    target_label="Local target (higher is better)",
    highlight=cfg.council.short_name,
)
if (ascof["year"] >= "2024/25").any():
    fig.add_vline(
        x="2024/25", line={"dash": "dot", "color": "#444"}, annotation_text="Series break: from Client Level Data"
    )
chart_with_table(
    fig,
    ascof.select("year", "area_name", "area_code", "published_code", "value"),
    "ascof_dp",
    "Published yearly by NHS England: 1C(2a) until 2022-23, renumbered 3D(2a) from 2023-24 (the same "
    "measure). From 2024-25 it is computed from Client Level Data, a break in the series. Real data, "
    "Open Government Licence v3.0.",
)

left, right = st.columns(2)
with left:
    st.header("Direct Payment Support Service use")
    dpss = wh.dpss_use().filter(pl.col("quarter_end") <= now["quarter_end"])
    fig = charts.trend_lines(
        dpss.with_columns(pl.lit("Supported by the DPSS").alias("series")),
        "period",
        "dpss_use_pct",
        "series",
        "Share of DP recipients with an open DPSS case",
        "Share",
        y_suffix="%",
    )
    chart_with_table(
        fig,
        dpss.select("period", "dpss_active_cases", "dp_recipients", "dpss_use_pct"),
        "dpss_use",
        "The support service's open cases at quarter end (from its KPI return) over county DP recipients.",
        ["dpss_active_cases"],
    )
with right:
    st.header("Individual Service Funds set up")
    isf = wh.isf_starts(code).filter(pl.col("quarter_end") <= now["quarter_end"])
    year = isf.filter(pl.col("period") == quarter).row(0, named=True)
    plan_to_date = cfg.targets.isf_new_per_year * year["quarter_number"] / 4
    st.markdown(
        f"**{count(year['new_isfs_year_to_date'])}** new ISFs in {year['financial_year']} to {quarter}, "
        f"against a plan of {count(plan_to_date)} by now ({cfg.targets.isf_new_per_year} a year, "
        "higher is better)." + (" The plan is county-wide." if code != cfg.council.code else "")
    )
    fig = charts.bars(
        isf,
        "period",
        "new_isfs",
        f"New ISFs set up each quarter, {area}",
        "New ISFs",
        target=cfg.targets.isf_new_per_year / 4 if code == cfg.council.code else None,
        target_label="Plan: 75 a year",
        text_format=",.0f",
    )
    chart_with_table(
        fig,
        isf.select("period", "new_isfs", "new_isfs_year_to_date", "plan_per_year"),
        "isf_starts",
        "ISF arrangements starting in each quarter; the dashed line is the plan's quarterly share.",
        ["new_isfs", "new_isfs_year_to_date"],
    )
