"""Workforce: Personal Assistants against the growth path, the rural gap, and care micro-enterprises.

Layout only: every figure, sentence and table comes from :func:`dashboard.present.workforce.workforce`,
which the committee pack lays out too.
"""

import streamlit as st

from dashboard.present.missing_sources import missing_sources
from dashboard.present.workforce import workforce
from dashboard.shell import per_build
from dashboard.shell.about import about_measures
from dashboard.shell.components import plain, show, show_metrics, show_missing
from dashboard.shell.filters import locality, locality_name, period

code, quarter = locality(), period()
page = per_build(workforce, code, quarter, locality_name(code))

st.title("Workforce")
show_missing(per_build(missing_sources, "workforce"), "workforce")
st.caption(plain(page.scope))
about_measures("workforce", code, quarter, locality_name(code))
show_metrics(page.metrics)
show([b for b in (page.verdict, page.payroll) if b is not None])
show([page.pa_chart])
show([page.rural_heading, page.rural_chart])
show([page.cme_heading] + [b for b in (page.cme_sentence, page.cme_chart) if b is not None])
st.caption(plain(page.disclosure_note.text))
