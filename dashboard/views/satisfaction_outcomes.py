"""Satisfaction and outcomes: survey shares with their base and uncertainty, and what reviews say people achieved.

Layout only: every figure, sentence, rating and table comes from ``dashboard.present.satisfaction``.
"""

import streamlit as st

from dashboard.exports.safe_cells import neutralise_frame
from dashboard.present.missing_sources import missing_sources
from dashboard.present.satisfaction import disclosure_note, page_scope, section
from dashboard.shell import per_build, warehouse
from dashboard.shell.about import about_measures, wanted_measure
from dashboard.shell.audit import on_download
from dashboard.shell.components import lazy_expander, show, show_chart, show_metrics, show_missing
from dashboard.shell.filters import locality, locality_name, period

# One tab per source, each with the measure an Overview tile may have been clicked for.
DPSS_TAB, ASCS_TAB, OUTCOMES_TAB = "DPSS customer survey", "Adult Social Care Survey", "Outcomes of reviews"
TAB_OF_MEASURE = {
    "dpss_very_good_pct": DPSS_TAB,
    "ascs_satisfaction_pct": ASCS_TAB,
    "outcomes_achieved_pct": OUTCOMES_TAB,
}

wh = warehouse()
code, quarter = locality(), period()
area = locality_name(code)

st.title("Satisfaction and outcomes")
show_missing(per_build(missing_sources, "satisfaction_outcomes"), "satisfaction_outcomes")
st.caption(page_scope(area, quarter))
about_measures("satisfaction_outcomes", code, quarter, area)


def _dpss() -> None:
    dpss = per_build(section, "dpss", code, quarter, area)
    st.header(dpss.heading)
    show_metrics(dpss.metrics)
    show(dpss.paragraphs)
    if dpss.chart:
        show_chart(dpss.chart)
    if dpss.by_district and (box := lazy_expander(f"By district, {quarter}", "dpss-district")).open:
        with box:
            show([dpss.by_district, dpss.by_district_note, disclosure_note(wh)], key="dpss-district")


def _ascs() -> None:
    ascs = per_build(section, "ascs", code, quarter, area)
    st.header(ascs.heading)
    show(ascs.paragraphs)
    if ascs.chart:
        show_chart(ascs.chart)


def _outcomes() -> None:
    outcomes = per_build(section, "outcomes", code, quarter, area)
    st.header(outcomes.heading)
    show_metrics(outcomes.metrics)
    show(outcomes.paragraphs)
    if outcomes.chart:
        show_chart(outcomes.chart)
    box = lazy_expander(f"By area and review reason, {quarter}", "outcome-tables")
    if not box.open:
        return
    with box:
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
        show([disclosure_note(wh)])


# The open tab is kept in the URL (?tab=...), so a copied link opens the part its sender was reading, and a tile on
# the Overview opens the tab of its measure. Only the open tab is built and drawn: a hidden tab's chart costs the
# browser its drawing all the same.
dpss_tab, ascs_tab, outcomes_tab = st.tabs(
    [DPSS_TAB, ASCS_TAB, OUTCOMES_TAB],
    default=TAB_OF_MEASURE.get(wanted_measure("satisfaction_outcomes"), DPSS_TAB),
    key="tab",
    bind="query-params",
)
for tab, draw in ((dpss_tab, _dpss), (ascs_tab, _ascs), (outcomes_tab, _outcomes)):
    if tab.open:
        with tab:
            draw()
