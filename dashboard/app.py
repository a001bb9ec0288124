"""Dashboard entry point: page set-up, the demo notice, shared filters, and routing. Layout only."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from dashboard.queries import WarehouseMissing
from dashboard.shell import settings, warehouse
from dashboard.shell.access import current_person, refuse, sign_in_on, sign_in_page
from dashboard.shell.admission import page_turns
from dashboard.shell.audit import sign_in_once
from dashboard.shell.components import plain
from dashboard.shell.errors import show_unexpected
from dashboard.shell.filters import draw_filters
from pipelines.access import may_open_page, no_role_message, refusal

wh = warehouse()

PAGES = Path(__file__).parent / "views"  # not "pages/": Streamlit would run those files without this router
NARROW_CSS = (Path(__file__).parent / "shell" / "narrow.css").read_text()
SIDEBAR_PX = 240

# The sidebar starts narrower than Streamlit's 300 px (it holds two filters), hides itself on a phone, and folds
# away with its own button; the page's styles let rows, buttons and tabs wrap rather than be cut (narrow.css).
st.set_page_config(page_title="Adult social care commissioning", layout="wide", initial_sidebar_state=SIDEBAR_PX)
st.html(f"<style>{NARROW_CSS}</style>")

# Nobody sees anything, not even whether a warehouse exists, before signing in (when sign-in is configured).
who = current_person()
if who is None:
    sign_in_page()
st.session_state["_person"] = who
if sign_in_on():
    sign_in_once(who)  # the audit trail's sign-in row: this session's first render, whatever page it opens

try:
    meta = wh.meta()
except WarehouseMissing as exc:
    st.title("Adult social care commissioning")
    st.error(f"The warehouse has not been built yet. {exc}")
    st.stop()

# One flat list: Streamlit's grouped navigation puts section headings inside the list markup, which screen
# readers (and axe-core's "list" rule) reject. Committee pages first, then contracts and planning.
# Every page stays in the menu for every role: each is refused (below, and again where each action happens)
# rather than hidden, so a provider who follows a colleague's link is told why instead of being redirected.
# A provider starts on its own contracts.
TITLES = {
    "overview": "Overview",
    "direct_payments": "Direct payments",
    "workforce": "Workforce",
    "satisfaction_outcomes": "Satisfaction and outcomes",
    "benchmarking": "Benchmarking",
    "provider_kpis": "Provider KPIs",
    "demand_scenarios": "Demand and scenarios",
    "data": "Data",
    "glossary": "Glossary",
    "audit": "Audit trail",
}
# The Overview is the default page for everyone, so every other page keeps its own address (/provider_kpis?...)
# for every role: a provider following a contract manager's link is not told "page not found". A provider's
# session starts on its own contracts instead, by moving there on its first render.
pages = {st.Page(PAGES / f"{name}.py", title=title, default=name == "overview"): name for name, title in TITLES.items()}
navigation = st.navigation(list(pages))
if who.only_provider and not st.session_state.get("_provider_landed"):
    st.session_state["_provider_landed"] = True
    if pages[navigation] == "overview":
        target = next(p for p, name in pages.items() if name == "provider_kpis")
        st.switch_page(target, query_params=st.query_params.to_dict())  # a ?contract= in the link still counts

st.sidebar.markdown(f"**{meta.council_name}**")
if sign_in_on():
    st.sidebar.caption(f"Signed in: {plain(who.label)}")
    st.sidebar.button("Sign out", on_click=st.logout, key="sign-out")
else:
    st.info(
        "🔓 **Demo mode: no sign-in.** Anyone who can open this address can use every feature. A council's "
        "deployment turns sign-in on (README, 'Deploying for a council')."
    )
draw_filters()
st.sidebar.caption(f"Data to {meta.latest_period}; warehouse built {meta.built_at:%d %b %Y %H:%M}.")

if meta.contains_synthetic_data:
    # Drawn by the router, above every page, so no page can forget it.
    st.warning(
        "**Synthetic demo data.** The figures on this page come from made-up people, calibrated to "
        f"published {settings().council.short_name} figures. They are not real and must not be used for decisions. "
        "Published ASCOF and ONS comparators are real."
    )

page = pages.get(navigation, "overview")
if not who.roles:
    refuse(no_role_message(who))
if not may_open_page(who, page):
    refuse(refusal("see_audit" if page == "audit" else "read_pages"))
serve = settings().serve
try:
    with page_turns(serve.pages_at_once).turn(serve.turn_wait_seconds, navigation.title):
        navigation.run()
except Exception as exc:  # st.stop and st.rerun are not Exceptions, so they pass through
    if os.environ.get("ASC_RAISE_PAGE_ERRORS"):
        raise  # the test suite wants a failing page to fail its test, not to show the sentence
    show_unexpected(exc, settings(), f"showing {navigation.title} ({navigation.url_path or 'overview'})")
