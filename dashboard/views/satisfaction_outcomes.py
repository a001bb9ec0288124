"""Satisfaction and outcomes: survey shares with their base and uncertainty, and what reviews say people achieved.

Layout only: every figure, sentence, rating and table comes from ``dashboard.present.satisfaction``.
"""

import streamlit as st

from dashboard.exports.safe_cells import neutralise_frame
from dashboard.present.missing_sources import missing_sources
from dashboard.present.satisfaction import satisfaction_outcomes
from dashboard.shell import per_build, warehouse
from dashboard.shell.about import about_measures
from dashboard.shell.audit import on_download
from dashboard.shell.components import show, show_chart, show_metrics, show_missing
from dashboard.shell.filters import locality, locality_name, period

wh = warehouse()
code, quarter = locality(), period()
page = per_build(satisfaction_outcomes, code, quarter, locality_name(code))

st.title("Satisfaction and outcomes")
show_missing(per_build(missing_sources, "satisfaction_outcomes"), "satisfaction_outcomes")
st.caption(page.scope)
about_measures("satisfaction_outcomes", code, quarter, locality_name(code))

# --- DPSS customer survey -------------------------------------------------------------------------------
dpss = page.dpss
st.header(dpss.heading)
show_metrics(dpss.metrics)
show(dpss.paragraphs)
if dpss.chart:
    show_chart(dpss.chart)
if dpss.by_district:
    with st.expander(f"By district, {quarter}"):
        show([dpss.by_district, dpss.by_district_note, page.disclosure_note], key="dpss-district")

# --- Adult Social Care Survey ---------------------------------------------------------------------------
st.header(page.ascs.heading)
show(page.ascs.paragraphs)
if page.ascs.chart:
    show_chart(page.ascs.chart)

# --- Outcome reviews -----------------------------------------------------------------------------------
outcomes = page.outcomes
st.header(outcomes.heading)
show_metrics(outcomes.metrics)
show(outcomes.paragraphs)
if outcomes.chart:
    show_chart(outcomes.chart)
with st.expander(f"By area and review reason, {quarter}"):
    show([t for t in (outcomes.by_area, outcomes.by_reason) if t], key="outcome-tables")
    if outcomes.grid:
        show([outcomes.grid], key="outcome-grid")
        st.download_button(
            "Download CSV",
            neutralise_frame(outcomes.grid.frame()).write_csv(),
            file_name="outcomes_by_review_reason.csv",
            mime="text/csv",
            key="download-outcome-reasons",
            on_click=on_download("outcomes_by_review_reason.csv"),
        )
    show([page.disclosure_note])
