"""Satisfaction and outcomes: survey shares with their uncertainty, and what reviews say people achieved."""

import polars as pl
import streamlit as st

from dashboard import charts
from dashboard.formatting import count, pct
from dashboard.shell import warehouse
from dashboard.shell.components import SpcSeries, chart_with_table, suppress_small_counts
from dashboard.shell.filters import locality, locality_name, period
from models.survey import add_wilson, flag_changes

wh = warehouse()

cfg = wh.settings
code, quarter = locality(), period()
area = locality_name(code)
threshold = cfg.suppression_threshold
MIN_SAMPLE = 30  # below this a quarter's share is too uncertain to show by locality

st.title("Satisfaction and outcomes")
st.caption(f"{area}, {quarter}. Higher is better for every measure on this page.")

# --- DPSS customer survey -------------------------------------------------------------------------------
dpss = wh.satisfaction("dpss_customer", "overall_rating", code)
dpss = flag_changes(add_wilson(dpss, "top_box", "responses"), "top_box", "responses").with_columns(
    (pl.col("ci_lower") * 100).alias("ci_lower_pct"), (pl.col("ci_upper") * 100).alias("ci_upper_pct")
)
quarter_end = wh.dp_uptake_at(quarter)["quarter_end"][0]
shown = dpss.filter(pl.col("quarter_end") <= quarter_end)
st.header("Direct Payment Support Service customer survey")
if shown.is_empty() or shown["period"][-1] != quarter:
    st.info(f"No DPSS survey responses for {area} in {quarter}.")
else:
    now = shown.row(-1, named=True)
    small = now["responses"] < MIN_SAMPLE
    cols = st.columns(3)
    cols[0].metric(
        f"Rated the service very good, {quarter}",
        pct(now["top_box_pct"]),
        help=f"{count(now['top_box'])} of {count(now['responses'])} respondents. "
        f"Target {pct(cfg.targets.satisfaction_pct)}, higher is better.",
    )
    cols[1].metric(
        "95% interval",
        f"{pct(now['ci_lower_pct'])} to {pct(now['ci_upper_pct'])}",
        help="Wilson score interval: the range the true share probably lies in, given the sample size.",
    )
    if now["change_points"] is None:
        verdict = "no earlier quarter to compare"
    else:
        verdict = "a real change" if now["significant_change"] else "within what chance would give"
    cols[2].metric(
        "Change on the quarter before",
        "–" if now["change_points"] is None else f"{now['change_points']:+.1f} points".replace("-", "−"),
        help=verdict,
    )
    sentence = (
        f"In {quarter}, {pct(now['top_box_pct'])} of {count(now['responses'])} respondents in {area} rated "
        f"the service very good (95% interval {pct(now['ci_lower_pct'])} to {pct(now['ci_upper_pct'])})."
    )
    if now["change_points"] is not None:
        sentence += (
            f" The change of {abs(now['change_points']):.1f} points on the quarter before is "
            + ("statistically significant" if now["significant_change"] else "not statistically significant")
            + f" (two-proportion test, p = {now['p_value']:.3f})."
        )
    if small:
        sentence += f" Fewer than {MIN_SAMPLE} people answered, so treat the share with caution."
    st.markdown(sentence)
    fig = charts.interval_chart(
        shown,
        "period",
        "top_box_pct",
        "ci_lower_pct",
        "ci_upper_pct",
        f"DPSS customers rating the service very good, {area}",
        "Very good",
        flagged="significant_change",
        target=cfg.targets.satisfaction_pct,
        target_label=f"Target {pct(cfg.targets.satisfaction_pct)} (higher is better)",
    )
    chart_with_table(
        fig,
        shown.select(
            "period",
            "responses",
            "top_box",
            "top_box_pct",
            "ci_lower_pct",
            "ci_upper_pct",
            "change_points",
            "p_value",
            "significant_change",
        ),
        "dpss_survey",
        "Dots are the share each quarter; the bars show the 95% interval. A ring marks a change from "
        "the quarter before that is too big to be chance (two-proportion test, p < 0.05).",
        ["responses", "top_box"],
        spc=SpcSeries(
            shown["period"].to_list(),
            shown["top_box_pct"].to_list(),
            True,
            f"DPSS customers rating the service very good, {area}: SPC view",
            "Very good",
            "%",
            cfg.targets.satisfaction_pct,
            "Target (higher is better)",
        ),
    )

by_locality = add_wilson(
    wh.satisfaction_by_locality("dpss_customer", "overall_rating").filter(
        (pl.col("period") == quarter) & (pl.col("locality_code") != cfg.council.code)
    ),
    "top_box",
    "responses",
)
with st.expander(f"By district, {quarter}"):
    table = by_locality.with_columns(
        pl.when(pl.col("responses") >= MIN_SAMPLE).then(pl.col("top_box_pct")).otherwise(None).alias("very_good_pct"),
        (pl.col("ci_lower") * 100).alias("ci_lower_pct"),
        (pl.col("ci_upper") * 100).alias("ci_upper_pct"),
    ).select("locality_name", "responses", "top_box", "very_good_pct", "ci_lower_pct", "ci_upper_pct")
    st.caption(
        f"Shares are shown only where at least {MIN_SAMPLE} people answered; counts below {threshold} are suppressed."
    )
    st.dataframe(suppress_small_counts(table, ["responses", "top_box"]), hide_index=True, width="stretch")

# --- Adult Social Care Survey ---------------------------------------------------------------------------
st.header("Adult Social Care Survey: overall satisfaction")
ascs = add_wilson(wh.satisfaction("ascs", "q1_overall_satisfaction", code), "top_box", "responses").filter(
    pl.col("quarter_end") <= quarter_end
)
published = wh.ascof("satisfaction_users").filter(
    pl.col("area_code").is_in([cfg.council.code, cfg.council.region_code, "E92000001"])
)
if not ascs.is_empty():
    last = ascs.row(-1, named=True)
    st.markdown(
        f"In the {last['period']} survey, **{pct(last['top_box_pct'])}** of {count(last['responses'])} "
        f"respondents in {area} were extremely or very satisfied with their care and support. "
        f"Published ASCOF values (real) for comparison: "
        + ", ".join(
            f"{r['area_name']} {pct(r['value'])} ({r['year']})"
            for r in published.filter(pl.col("year") == published["year"].max()).iter_rows(named=True)
        )
        + "."
    )
fig = charts.trend_lines(
    published,
    "year",
    "value",
    "area_name",
    "Overall satisfaction of people who use services (ASCOF 3A, 1D from 2023-24)",
    "Extremely or very satisfied",
    y_suffix="%",
    highlight=cfg.council.short_name,
)
chart_with_table(
    fig,
    published.select("year", "area_name", "published_code", "value"),
    "ascof_satisfaction",
    "Published yearly by NHS England (real data). The measure was 3A until 2022-23 and 1D from 2023-24.",
)

# --- Outcome reviews -----------------------------------------------------------------------------------
st.header("Outcomes reviewed")
outcomes = wh.outcomes(code).filter(pl.col("quarter_end") <= quarter_end)
now = outcomes.row(-1, named=True)
hours_change = (now["hours_after"] - now["hours_before"]) if now["hours_before"] else None
cols = st.columns(3)
cols[0].metric(
    f"Outcomes fully achieved, {quarter}",
    pct(now["achieved_pct"]),
    help=f"{count(now['achieved'])} of {count(now['outcomes_reviewed'])} outcomes reviewed. "
    f"Target {pct(cfg.targets.outcomes_achieved_pct)}, higher is better.",
)
cols[1].metric("Partly achieved", pct(100 * now["partly_achieved"] / now["outcomes_reviewed"]))
cols[2].metric(
    "Change in weekly package hours after review",
    "–" if hours_change is None else f"{100 * hours_change / now['hours_before']:+.1f}%".replace("-", "−"),
    help="Across the people reviewed in the quarter; a fall means more independence.",
)
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
    outcomes.select(
        "period",
        "outcomes_reviewed",
        "achieved",
        "partly_achieved",
        "not_achieved",
        "achieved_pct",
        "hours_before",
        "hours_after",
    ),
    "outcomes",
    "Share of outcomes reviewed in each quarter that the person and reviewer agreed were fully achieved.",
    ["outcomes_reviewed", "achieved", "partly_achieved", "not_achieved"],
    spc=SpcSeries(
        outcomes["period"].to_list(),
        outcomes["achieved_pct"].to_list(),
        True,
        f"Reviewed outcomes fully achieved, {area}: SPC view",
        "Achieved",
        "%",
        cfg.targets.outcomes_achieved_pct,
        "Target (higher is better)",
    ),
)

domains = wh.outcomes_all_localities(quarter).filter(pl.col("outcome_domain") != "all")
grid = domains.pivot(on="locality_name", index="outcome_domain", values="achieved_pct", aggregate_function="first")
with st.expander(f"Share achieved by outcome domain and district, {quarter}"):
    st.caption("Percentages of outcomes fully achieved; each cell rests on the reviews in that domain and district.")
    st.dataframe(
        grid.with_columns(pl.col(c).round(1) for c in grid.columns if c != "outcome_domain"),
        hide_index=True,
        width="stretch",
    )
    st.download_button(
        "Download CSV",
        domains.select("locality_name", "outcome_domain", "outcomes_reviewed", "achieved", "achieved_pct").write_csv(),
        file_name="outcomes_by_domain.csv",
        mime="text/csv",
        key="download-outcome-domains",
    )
