"""Benchmarking: rank, quartile, spine chart, funnel and trend against every English council and the peers.

Layout only: every figure, sentence and table comes from ``dashboard.present.benchmarking``.
"""

import streamlit as st

from dashboard.present.benchmarking import benchmarking
from dashboard.shell import per_build
from dashboard.shell.components import show, show_chart

overview = per_build(benchmarking, None)
st.title("Benchmarking against England's councils")
st.caption(overview.scope)
show([overview.peers_sentence])
show([overview.summary], key="benchmark-summary")
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
