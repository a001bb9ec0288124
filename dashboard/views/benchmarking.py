"""Benchmarking: rank, quartile, spine chart, funnel and trend against every English council and the peers.

Layout only: every figure, sentence and table comes from ``dashboard.present.benchmarking``.
"""

import streamlit as st

from dashboard.present.benchmarking import benchmarking
from dashboard.shell import per_build
from dashboard.shell.components import show, show_chart, show_verdict_table

SPINE, FUNNEL, TREND, MAP = "All measures", "Funnel", "Trend", "Map"

overview = per_build(benchmarking, None)
st.title("Benchmarking against England's councils")
st.caption(overview.scope)
show([overview.peers_sentence])
# The verdicts beside each measure's name; the figures they rest on follow (scroll sideways on a narrow window).
show_verdict_table(
    overview.summary,
    "benchmark-summary-0",
    first=["Measure", "Compared with England (95% interval)", "Quartile", "Rank among peers"],
    widths={"Measure": 180, "Compared with England (95% interval)": 125, "Quartile": 110, "Rank among peers": 85},
    labels={"Compared with England (95% interval)": "Against England", "Rank among peers": "Peer rank"},
)

# The open tab is kept in the URL (?tab=Trend), and the measure's name too (?ascof=People+who+use...), so a shared
# link opens what its sender was reading. Only the open tab is built: every chart drawn costs the browser a second
# or more.
spine_tab, funnel_tab, trend_tab, map_tab = st.tabs([SPINE, FUNNEL, TREND, MAP], key="tab", bind="query-params")

if spine_tab.open:
    with spine_tab:
        show_chart(overview.spine)


# Choosing a measure re-runs its tab alone: the table and the spine above do not change with it.
@st.fragment
def _one_measure(tab: str) -> None:
    if not overview.measures:
        st.info("No published ASCOF measure is loaded for this council.")
        return
    names = list(overview.measures)
    chosen = st.selectbox(
        "Measure",
        names,
        index=names.index("dp_users") if "dp_users" in names else 0,
        format_func=overview.measures.get,
        key="ascof",
        bind="query-params",
    )
    page = per_build(benchmarking, chosen)
    show([page.years_note])
    if tab == FUNNEL:
        if page.funnel:
            show_chart(page.funnel)
        else:
            st.caption("No funnel for this measure: it is not a proportion with a published numerator and denominator.")
    elif tab == TREND:
        show_chart(page.trend)
    elif page.map:
        show_chart(page.map)
    else:
        st.caption("No map for this measure: no council has a published value to shade.")


for tab, container in ((FUNNEL, funnel_tab), (TREND, trend_tab), (MAP, map_tab)):
    if container.open:
        with container:
            _one_measure(tab)
