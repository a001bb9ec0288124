"""Benchmarking: rank, quartile, spine chart, funnel and trend against every English council and the peers.

Layout only: every figure, sentence and table comes from ``dashboard.present.benchmarking``.
"""

import streamlit as st

from dashboard.present.benchmarking import benchmarking
from dashboard.shell import per_build
from dashboard.shell.components import show, show_chart, show_verdict_table

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
show_chart(overview.spine)
if overview.measures:
    names = list(overview.measures)
    chosen = st.selectbox(
        "Measure for the funnel and the trend",
        names,
        index=names.index("dp_users") if "dp_users" in names else 0,
        format_func=overview.measures.get,
    )
    page = per_build(benchmarking, chosen)
    show([page.years_note])
    if page.funnel:
        show_chart(page.funnel)
    else:
        st.caption("No funnel for this measure: it is not a proportion with a published numerator and denominator.")
    show_chart(page.trend)
    if page.map:
        show_chart(page.map)
