"""Direct payments: uptake against the target by locality, the trajectory, comparators, DPSS use and ISFs.

Layout only: every figure, sentence and table comes from :func:`dashboard.present.direct_payments.direct_payments`,
which the committee pack lays out too.
"""

import streamlit as st

from dashboard.present.direct_payments import FUNNEL_DEFAULT, FUNNEL_OPTIONS, direct_payments
from dashboard.present.dp_breakdowns import dp_breakdowns
from dashboard.present.maps import dp_uptake_map
from dashboard.present.missing_sources import missing_sources
from dashboard.shell import per_build
from dashboard.shell.about import about_measures
from dashboard.shell.components import plain, show, show_chart, show_metrics, show_missing
from dashboard.shell.filters import area_codes, locality, locality_name, period

code, quarter = locality(), period()
page = per_build(direct_payments, code, quarter, locality_name(code))

st.title("Direct payments")
show_missing(per_build(missing_sources, "direct_payments"), "direct_payments")
st.caption(plain(page.scope))
about_measures("direct_payments", code, quarter, locality_name(code))
show_metrics(page.metrics)
show([page.trajectory] if page.trajectory else [])
show([page.furthest] if page.furthest else [])
# Clicking an area's line or point on these two charts shows the page for that area (and the URL says so).
show_chart(page.uptake_chart, area_codes())
show([page.districts_heading])
# Both funnels come from the presenter; the choice is kept in the URL (?funnel=Allowing+for+overdispersion), so a link
# shared opens the funnel its sender was reading. The committee pack prints the default.
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
district_map = per_build(dp_uptake_map, quarter)
if district_map.chart:
    show_chart(district_map.chart)
show([district_map.reason] if district_map.reason else [])
show([page.comparators_heading, page.comparators_chart])
show([page.dpss_heading, page.dpss_chart])
show([page.isf_heading] + [b for b in (page.isf_sentence, page.isf_chart) if b is not None])
breakdowns = per_build(dp_breakdowns, code, quarter, locality_name(code))
if breakdowns is not None:
    show([breakdowns.heading, breakdowns.intro, *breakdowns.charts])
st.caption(plain(page.disclosure_note.text))
