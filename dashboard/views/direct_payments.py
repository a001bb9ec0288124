"""Direct payments: uptake against the target by locality, the trajectory, comparators, DPSS use and ISFs.

Layout only: every figure, sentence and table comes from :func:`dashboard.present.direct_payments.direct_payments`,
which the committee pack lays out too.
"""

import streamlit as st

from dashboard.present.direct_payments import FUNNEL_DEFAULT, FUNNEL_OPTIONS, direct_payments, dp_quarter
from dashboard.present.dp_breakdowns import dp_breakdowns
from dashboard.present.maps import dp_uptake_map
from dashboard.present.missing_sources import missing_sources
from dashboard.shell import per_build
from dashboard.shell.about import about_measures, wanted_measure
from dashboard.shell.components import plain, show, show_chart, show_metrics, show_missing
from dashboard.shell.filters import area_codes, locality, locality_name, period

UPTAKE, DISTRICTS, COMPARATORS, SUPPORT, GROUPS = (
    "Over time",
    "Districts",
    "Comparators",
    "Support and ISFs",
    "By group",
)
TAB_OF_MEASURE = {"new_isfs": SUPPORT}  # an Overview tile's measure drawn on a tab other than the first

code, quarter = locality(), period()
area = locality_name(code)
page = per_build(direct_payments, code, quarter, area)

st.title("Direct payments")
show_missing(per_build(missing_sources, "direct_payments"), "direct_payments")
if page is None:
    st.info(plain(per_build(dp_quarter, quarter).note))
    st.stop()
st.caption(plain(page.scope))
if page.summary.lag:
    st.info(plain(page.summary.lag))
about_measures("direct_payments", code, quarter, area)
show_metrics(page.metrics)
show([page.trajectory] if page.trajectory else [])
show([page.furthest] if page.furthest else [])

# The open tab is kept in the URL (?tab=Districts), so a shared link opens the tab its sender was on; an Overview
# tile's link opens the tab that draws its measure. Only the open tab is built: every chart drawn costs the browser
# a second or more on a first view, hidden or not (demand_scenarios.py does the same).
uptake_tab, districts_tab, comparators_tab, support_tab, groups_tab = st.tabs(
    [UPTAKE, DISTRICTS, COMPARATORS, SUPPORT, GROUPS],
    default=TAB_OF_MEASURE.get(wanted_measure("direct_payments") or "", UPTAKE),
    key="tab",
    bind="query-params",
)

if uptake_tab.open:
    with uptake_tab:
        # Clicking an area's line shows the page for that area (and the URL says so).
        show_chart(page.uptake_chart, area_codes())


# The funnel's limits re-run this tab alone. Both funnels come from the presenter; the choice is kept in the URL
# (?funnel=Allowing+for+overdispersion), so a link shared opens the funnel its sender was reading. The committee
# pack prints the default.
@st.fragment
def _districts() -> None:
    show([page.districts_heading])
    funnel = (
        st.segmented_control(
            "Funnel limits",
            list(FUNNEL_OPTIONS),
            default=FUNNEL_DEFAULT,
            format_func=FUNNEL_OPTIONS.get,
            key="funnel",
            bind="query-params",
            help="Chance alone: binomial limits for each district's size. Allowing for overdispersion: limits widened "
            "by how much more the districts differ than chance alone would make them (Spiegelhalter's method, as "
            "FunnelPlotR does).",
        )
        or FUNNEL_DEFAULT
    )
    show([page.funnels[funnel].sentence])
    show_chart(page.funnels[funnel].chart, area_codes())
    if locality() != code:
        st.rerun(scope="app")  # a district clicked on the funnel re-ran this tab alone: the new area changes it all
    district_map = per_build(dp_uptake_map, page.quarter)
    if district_map.chart:
        show_chart(district_map.chart)
    show([district_map.reason] if district_map.reason else [])


if districts_tab.open:
    with districts_tab:
        _districts()

if comparators_tab.open:
    with comparators_tab:
        show([page.comparators_heading, page.comparators_chart])

if support_tab.open:
    with support_tab:
        show([page.dpss_heading, page.dpss_chart])
        show([page.isf_heading] + [b for b in (page.isf_sentence, page.isf_chart) if b is not None])

if groups_tab.open:
    with groups_tab:
        breakdowns = per_build(dp_breakdowns, code, page.quarter, area)
        if breakdowns is None:
            st.info("No breakdown of direct payment uptake by age, need or ethnicity is loaded.")
        else:
            show([breakdowns.heading, breakdowns.intro, *breakdowns.charts])

st.caption(plain(page.disclosure_note.text))
