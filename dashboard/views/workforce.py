"""Workforce: Personal Assistants against the growth path, the rural gap, and care micro-enterprises.

Layout only: every figure, sentence and table comes from :func:`dashboard.present.workforce.workforce`,
which the committee pack lays out too.
"""

import streamlit as st

from dashboard.present.missing_sources import missing_sources
from dashboard.present.workforce import pa_quarter, workforce
from dashboard.shell import per_build
from dashboard.shell.about import about_measures, wanted_measure
from dashboard.shell.components import plain, show, show_metrics, show_missing
from dashboard.shell.filters import locality, locality_name, period

PA_TAB, RURAL_TAB, CME_TAB = "Growth in Personal Assistants", "The rural gap", "Care micro-enterprises"
TAB_OF_MEASURE = {"active_pas": PA_TAB, "pa_growth_pct": PA_TAB, "active_cmes": CME_TAB}

code, quarter = locality(), period()
page = per_build(workforce, code, quarter, locality_name(code))

st.title("Workforce")
show_missing(per_build(missing_sources, "workforce"), "workforce")
if page is None:  # no quarter up to the one chosen has Personal Assistant figures
    st.info(plain(per_build(pa_quarter, quarter).note))
    st.stop()
if page.lag:
    st.info(plain(page.lag))
st.caption(plain(page.scope))
about_measures("workforce", code, quarter, locality_name(code))
# The headline figures and the verdict above the tabs: every tab reads against them.
show_metrics(page.metrics)
show([b for b in (page.verdict, page.payroll) if b is not None])

# The open tab is kept in the URL (?tab=...), so a copied link opens the chart its sender was reading, and an
# Overview tile opens the tab of its measure. Only the open tab's chart is drawn: hidden charts cost the browser
# their drawing all the same.
pa_tab, rural_tab, cme_tab = st.tabs(
    [PA_TAB, RURAL_TAB, CME_TAB],
    default=TAB_OF_MEASURE.get(wanted_measure("workforce"), PA_TAB),
    key="tab",
    bind="query-params",
)
if pa_tab.open:
    with pa_tab:
        show([page.pa_chart])
if rural_tab.open:
    with rural_tab:
        show([page.rural_heading, page.rural_chart])
if cme_tab.open:
    with cme_tab:
        show([page.cme_heading] + [b for b in (page.cme_sentence, page.cme_chart) if b is not None])
st.caption(plain(page.disclosure_note.text))
