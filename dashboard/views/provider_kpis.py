"""Provider KPIs: a contract manager's quarterly review of one contract. Layout only.

Choose a contract (and the quarter in the sidebar): the return's status, the actions agreed last time,
the scorecard, one KPI's SPC chart with the targets in force, review notes, a comparison with the other
providers of the same contract type, and the review as Excel or PDF. Contract and KPI are kept in the
URL, so a copied link opens the same review.
"""

from __future__ import annotations

import math

import polars as pl
import streamlit as st

from dashboard import review_notes
from dashboard.charts import OKABE_ITO
from dashboard.charts.kpi import kpi_funnel_figure, kpi_spc_figure
from dashboard.exports.kpi_review_excel import review_workbook
from dashboard.exports.kpi_review_pdf import review_pdf
from dashboard.exports.review_table import (
    RAG_FILLS,
    STATUS_WORDS,
    TIMELINESS_SHORT,
    TIMELINESS_WORDS,
    KpiReview,
    kpi_value,
    scorecard_view,
    target_text,
)
from dashboard.formatting import pct
from dashboard.shell import warehouse
from dashboard.shell.components import chart_with_table
from dashboard.shell.filters import period
from dashboard.signals import assurance_label, variation_label
from models.funnel import estimate_overdispersion, funnel_table
from models.scorecard import kpi_history, scorecard, summary

wh = warehouse()

settings = wh.settings
threshold = settings.suppression_threshold


def _reviewed_quarter() -> str:
    # The sidebar filter holds the quarter; when the page runs without it (a deep link opened before the app's
    # router has run once), the link's own ?period= still decides which quarter is reviewed.
    if "period" in st.session_state:
        return period()
    wanted, periods = st.query_params.get("period"), wh.periods()
    return wanted if wanted in periods else periods[-1]


quarter = _reviewed_quarter()
st.title("Provider KPIs: quarterly review")

contracts = wh.contracts()
if contracts.is_empty():
    st.info("No provider KPI returns have been loaded yet. Load a `kpi_returns` file on the Data page.")
    st.stop()
labels = {
    r["contract_id"]: f"{r['contract_id']} – {r['provider']} ({r['contract_type'].replace('_', ' ')})"
    for r in contracts.iter_rows(named=True)
}
if "contract" not in st.session_state:
    wanted = st.query_params.get("contract")
    st.session_state["contract"] = wanted if wanted in labels else next(iter(labels))
contract = st.selectbox("Contract", list(labels), format_func=labels.get, key="contract")
st.query_params["contract"] = contract
info = contracts.filter(pl.col("contract_id") == contract).row(0, named=True)

status_rows = wh.return_status(contract).filter(pl.col("period") == quarter)
if status_rows.is_empty():
    first = wh.return_status(contract)["period"][0]
    st.info(f"No return is expected from {contract} for {quarter}: its first return was for {first}.")
    st.stop()
status = status_rows.row(0, named=True)
if not status["return_received"]:
    st.error(
        f"Missing return: {labels[contract]} has not submitted its {quarter} return (due "
        f"{status['due_date']:%-d %B %Y}). Its KPIs are shown as missing, not as zero."
    )
elif status["timeliness"] == "late":
    st.warning(f"Late return: received {status['days_late']} days after the due date, {status['due_date']:%-d %B %Y}.")
else:
    timeliness = status["timeliness"]
    st.caption(f"Return for {quarter}: {TIMELINESS_WORDS[timeliness]}.")
if status["return_received"] and status["kpis_reported"] < status["kpis_expected"]:
    st.warning(f"The return reports {status['kpis_reported']} of the {status['kpis_expected']} KPIs in the catalogue.")

last_period, last_actions = review_notes.actions_agreed_last_time(settings, contract, quarter)
series = wh.kpi_series(contract)
names = dict(zip(series["kpi_code"].to_list(), series["kpi_name"].to_list(), strict=False))
if last_period:
    lines = "\n".join(
        f"- **{names.get(n['kpi_code'], n['kpi_code'])}**: {n['agreed_actions']} "
        f"({n['author']}, {review_notes.local_time(n['created_at'])})"
        for n in last_actions.iter_rows(named=True)
    )
    st.info(f"**Actions agreed last time ({last_period})**\n\n{lines}")

card = scorecard(series, quarter)
if card.is_empty():
    st.info(f"No KPI in the catalogue applies to {info['contract_type'].replace('_', ' ')} contracts in {quarter}.")
    st.stop()
counts = summary(card)
st.header(f"Scorecard, {quarter}")
cols = st.columns(4)
on_target = f"{counts['green']} of {counts['with_target']}" if counts["with_value"] else "No return"
cols[0].metric("KPIs on target", on_target, help="Green KPIs out of those with a target.")
cols[1].metric("Amber", counts["amber"], help="Short of target by no more than the agreed tolerance.")
cols[2].metric("Red", counts["red"], help="Further from target than the tolerance.")
cols[3].metric("SPC concerns", counts["concern"], help="Special-cause variation in the bad direction.")
view = scorecard_view(card, threshold)
codes = view["kpi_code"].to_list()


def _open_selected_row() -> None:
    rows = st.session_state["scorecard_table"].selection.rows
    if rows:
        st.session_state["kpi"] = codes[rows[0]]


# Pale RAG fills behind the words (the word carries the meaning; the colour helps scanning).
fills = [f"background-color: {RAG_FILLS[r]}" if r else "" for r in card["rag"].to_list()]
styled = view.drop("kpi_code").to_pandas().style.apply(lambda _: fills, subset=["RAG"], axis=0)
st.dataframe(
    styled,
    hide_index=True,
    width="stretch",
    key="scorecard_table",
    on_select=_open_selected_row,
    selection_mode="single-row",
    column_config={
        "KPI": st.column_config.TextColumn(width=280, pinned=True),
        "Last 8 quarters": st.column_config.LineChartColumn(
            width="small", color=OKABE_ITO[0], help="Quarters without a value (or below the threshold) are left out."
        ),
        "Checks": st.column_config.TextColumn(width="medium"),
        "Provider's comment": st.column_config.TextColumn(width="large"),
    },
)
st.caption(
    "RAG compares the value with the target in force this quarter: green meets it, amber is within the "
    "agreed tolerance, red is further off. SPC (statistical process control) says whether a change is more "
    f"than everyday variation. Counts below {threshold} are shown as <{threshold}. Select a row to open its chart."
)

if "kpi" not in st.session_state or st.session_state["kpi"] not in codes:
    wanted = st.query_params.get("kpi")
    st.session_state["kpi"] = wanted if wanted in codes else codes[0]
kpi = st.selectbox("KPI to examine", codes, format_func=names.get, key="kpi")
st.query_params["kpi"] = kpi
history = kpi_history(series, kpi, quarter)
now = history.current

st.header(now["kpi_name"])
variation = variation_label(history.table["variation"][-1], history.table["side"][-1])
shown_value = STATUS_WORDS.get(now["value_status"]) or kpi_value(now["value"], now["unit"], threshold)
target_words = target_text(now["target"], now["unit"], now["higher_is_better"])
st.markdown(
    f"**{shown_value}** in {quarter} · target {target_words} · {variation} · {assurance_label(history.spc.assurance)}"
)
chart_table = history.table.select(
    pl.col("period").alias("Quarter"),
    pl.col("value").alias("Value"),
    pl.col("target").alias("Target in force"),
    pl.col("centre").alias("Mean"),
    pl.col("lower").alias("Lower process limit"),
    pl.col("upper").alias("Upper process limit"),
    pl.col("variation").alias("Variation"),
)
chart_with_table(
    kpi_spc_figure(history, threshold),
    chart_table,
    f"spc-{contract}-{kpi}",
    "Points outside the dotted process limits, runs of 7 on one side of the mean and trends of 7 are special "
    "causes: blue circles are improvements, orange diamonds concerns. The dashed step line is the target in force "
    "each quarter; quarters without a return are marked, never drawn as zero.",
    count_columns=["Value"] if now["unit"] == "count" else [],
)


def _author() -> str:
    if st.user.get("is_logged_in"):
        return str(st.user.get("name") or st.user.get("email") or "")
    return ""


with st.form("review_note", clear_on_submit=True, border=True):
    st.markdown(f"**Review note: {now['kpi_name']}, {quarter}**")
    commentary = st.text_area("Commentary", key="note_commentary", max_chars=review_notes.MAX_NOTE_CHARS)
    actions = st.text_area("Agreed actions", key="note_actions", max_chars=review_notes.MAX_NOTE_CHARS)
    signed_in = _author()
    author = signed_in or st.text_input("Your name", key="note_author", max_chars=review_notes.MAX_AUTHOR_CHARS)
    if st.form_submit_button("Save note"):
        try:
            review_notes.save_note(settings, contract, quarter, kpi, commentary, actions, author)
            st.success(f"Note saved for {now['kpi_name']}, {quarter}.")
        except review_notes.NoteRejected as exc:
            st.error(str(exc))

notes = review_notes.notes_for_quarter(settings, contract, quarter)
st.markdown(f"**Review notes, {quarter}**")
if notes.is_empty():
    st.caption("No notes yet for this quarter.")
else:
    st.dataframe(review_notes.for_display(notes, names), hide_index=True, width="stretch", key="notes_table")

st.header("Compared with other providers")
peers = wh.kpi_across_providers(info["contract_type"], quarter, kpi)
usable = peers.filter(
    pl.col("numerator").is_not_null() & (pl.col("denominator") > 0) & (pl.col("numerator") <= pl.col("denominator"))
)
if now["calculation"] != "proportion":
    st.caption(
        "A funnel plot needs a proportion (people or visits out of a total); this KPI is not one, so the "
        "providers' values are listed instead."
    )
    st.dataframe(
        peers.select(
            pl.col("contract_id").alias("Contract"),
            pl.col("provider").alias("Provider"),
            pl.struct("value", "unit")
            .map_elements(lambda r: kpi_value(r["value"], r["unit"], threshold), return_dtype=pl.String)
            .alias(f"Value, {quarter}"),
        ),
        hide_index=True,
    )
elif usable.filter(pl.col("numerator") >= threshold).height < 2:
    st.caption(
        f"Fewer than two {info['contract_type'].replace('_', ' ')} providers reported this KPI in {quarter} with "
        f"at least {threshold} in the numerator, so there is nothing to compare."
    )
else:
    small = usable.filter(pl.col("numerator") < threshold)
    shown = usable.filter(pl.col("numerator") >= threshold)
    pooled = shown["numerator"].sum() / shown["denominator"].sum()
    spread = estimate_overdispersion(shown["numerator"], shown["denominator"], pooled)
    widen = st.checkbox(
        "Allow for overdispersion",
        key="funnel_overdispersion",
        help="Widen the limits by the real differences between providers (Spiegelhalter 2005). Unreliable with "
        "fewer than about ten providers.",
    )
    table = funnel_table(shown["contract_id"].to_list(), shown["numerator"], shown["denominator"], overdispersion=widen)
    tau2 = spread.tau2 if widen and not math.isnan(spread.tau2) else 0.0
    fig = kpi_funnel_figure(table, now["kpi_name"], quarter, "Denominator (people, visits or runs)", tau2)
    if not widen and spread.phi > 2:
        st.caption(
            f"The providers differ far more than chance allows (overdispersion ratio {spread.phi:,.0f}; 1 means "
            "none), so with totals this large most fall outside the plain limits. Allowing for overdispersion "
            "widens them."
        )
    good = "above" if now["higher_is_better"] else "below"
    outliers = table.filter(pl.col("position") != "within").with_columns(
        pl.when(pl.col("position").str.starts_with(good))
        .then(pl.lit("better than peers"))
        .otherwise(pl.lit("worse than peers"))
        .alias("meaning")
    )
    chart_with_table(
        fig,
        table.select(
            pl.col("unit").alias("Contract"),
            (pl.col("proportion") * 100).round(1).alias("Per cent"),
            pl.col("numerator").alias("Numerator"),
            pl.col("denominator").alias("Denominator"),
            pl.col("position").alias("Position"),
        ),
        f"funnel-{kpi}-{quarter}",
        "Each point is a provider; the funnel shows how far from the providers' average a result can fall by "
        "chance, for its size. Points outside the 99.8% lines are very unlikely to be chance.",
        count_columns=["Numerator", "Denominator"],
    )
    if small.height:
        st.caption(f"{small.height} provider(s) with fewer than {threshold} left off the plot to protect privacy.")
    st.markdown("**Outliers**")
    if outliers.is_empty():
        st.caption("No provider lies outside the 95% limits.")
    else:
        st.dataframe(
            outliers.select(
                pl.col("unit").alias("Contract"),
                (pl.col("proportion") * 100).map_elements(pct, return_dtype=pl.String).alias("Value"),
                pl.col("position").alias("Position"),
                pl.col("meaning").alias("Meaning"),
            ),
            hide_index=True,
        )

st.header("Returns")
history_rows = wh.return_status(contract).filter(pl.col("sort_key") <= status["sort_key"])
st.dataframe(
    history_rows.sort("sort_key", descending=True).select(
        pl.col("period").alias("Quarter"),
        pl.col("timeliness").replace_strict(TIMELINESS_SHORT, default="").alias("Status"),
        pl.col("due_date").alias("Due"),
        pl.col("first_received_at").dt.date().alias("First received"),
        pl.format("{} of {}", "kpis_reported", "kpis_expected").alias("KPIs reported"),
        pl.col("resubmitted").replace_strict({True: "Yes", False: "No"}, default="").alias("Resubmitted"),
    ),
    hide_index=True,
    height=250,
    column_config={
        "Due": st.column_config.DateColumn(format="D MMM YYYY"),
        "First received": st.column_config.DateColumn(format="D MMM YYYY"),
    },
)
st.caption(
    f"Returns are due {settings.kpi_return_due_days} days after the quarter ends. 'Received' means the return "
    "was loaded together with earlier quarters, so when the provider sent it is not known."
)
problems = wh.late_or_missing_returns()
if problems.height:
    st.markdown("**Missing and late returns, all contracts**")
    st.dataframe(
        problems.select(
            pl.col("contract_id").alias("Contract"),
            pl.col("provider").alias("Provider"),
            pl.col("period").alias("Quarter"),
            pl.col("timeliness").replace_strict(TIMELINESS_SHORT, default="").alias("Status"),
            pl.col("days_late").cast(pl.String).fill_null("–").alias("Days late"),
        ),
        hide_index=True,
    )

st.header("Export this review")
shown_series = series.filter(pl.col("sort_key") <= status["sort_key"])
synthetic = wh.meta().contains_synthetic_data


def _review() -> KpiReview:
    # Runs when a button is pressed (on another thread): read the notes then, so the file has the latest.
    last, actions_then = review_notes.actions_agreed_last_time(settings, contract, quarter)
    return KpiReview(
        council_name=settings.council.name,
        contract_id=contract,
        provider=info["provider"],
        contract_type=info["contract_type"],
        period=quarter,
        status=status,
        card=card,
        series=shown_series,
        notes=review_notes.notes_for_quarter(settings, contract, quarter),
        last_time_period=last,
        last_time=actions_then,
        threshold=threshold,
        synthetic=synthetic,
        kpi_names=names,
    )


stem = f"kpi-review-{contract}-{quarter.replace('/', '-').replace(' ', '-')}"
left, right = st.columns(2)
left.download_button(
    "Download Excel workbook",
    lambda: review_workbook(_review()),
    file_name=f"{stem}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="download_excel",
    on_click="ignore",
)
right.download_button(
    "Download PDF with charts",
    lambda: review_pdf(_review()),
    file_name=f"{stem}.pdf",
    mime="application/pdf",
    key="download_pdf",
    on_click="ignore",
)
st.caption(
    f"The scorecard, every quarter's figures and this quarter's review notes. Counts below {threshold} are "
    f"suppressed in the files as on the screen."
)
