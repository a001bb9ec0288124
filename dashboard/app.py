"""Dashboard entry point: page set-up, the demo notice, shared filters, and routing. Layout only."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from dashboard.queries import WarehouseMissing
from dashboard.shell import settings, warehouse
from dashboard.shell.errors import show_unexpected
from dashboard.shell.filters import draw_filters

wh = warehouse()

PAGES = Path(__file__).parent / "views"  # not "pages/": Streamlit would run those files without this router

st.set_page_config(page_title="Adult social care commissioning", layout="wide")
# Streamlit cuts a metric's label and value to one line ("DP uptake, ...", "4.7 ..." in an 800 px window):
# let them wrap instead.
st.html(
    "<style>[data-testid='stMetricLabel'], [data-testid='stMetricLabel'] *, [data-testid='stMetricValue'], "
    "[data-testid='stMetricValue'] * "
    "{white-space: normal !important; overflow: visible !important; text-overflow: clip !important;}</style>"
)

try:
    meta = wh.meta()
except WarehouseMissing as exc:
    st.title("Adult social care commissioning")
    st.error(f"The warehouse has not been built yet. {exc}")
    st.stop()

# One flat list: Streamlit's grouped navigation puts section headings inside the list markup, which screen
# readers (and axe-core's "list" rule) reject. Committee pages first, then contracts and planning.
pages = [
    st.Page(PAGES / "overview.py", title="Overview", default=True),
    st.Page(PAGES / "direct_payments.py", title="Direct payments"),
    st.Page(PAGES / "workforce.py", title="Workforce"),
    st.Page(PAGES / "satisfaction_outcomes.py", title="Satisfaction and outcomes"),
    st.Page(PAGES / "benchmarking.py", title="Benchmarking"),
    st.Page(PAGES / "provider_kpis.py", title="Provider KPIs"),
    st.Page(PAGES / "demand_scenarios.py", title="Demand and scenarios"),
    st.Page(PAGES / "data.py", title="Data"),
]
navigation = st.navigation(pages)

st.sidebar.markdown(f"**{meta.council_name}**")
draw_filters()
st.sidebar.caption(f"Data to {meta.latest_period}; warehouse built {meta.built_at:%d %b %Y %H:%M}.")

if meta.contains_synthetic_data:
    # Drawn by the router, above every page, so no page can forget it.
    st.warning(
        "**Synthetic demo data.** The figures on this page come from made-up people, calibrated to "
        "published Cambridgeshire figures. They are not real and must not be used for decisions. "
        "Published ASCOF and ONS comparators are real."
    )

try:
    navigation.run()
except Exception as exc:  # st.stop and st.rerun are not Exceptions, so they pass through
    if os.environ.get("ASC_RAISE_PAGE_ERRORS"):
        raise  # the test suite wants a failing page to fail its test, not to show the sentence
    show_unexpected(exc, settings(), f"showing {navigation.title} ({navigation.url_path or 'overview'})")
