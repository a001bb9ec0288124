"""Glossary: the words and abbreviations the pages use, and every headline measure's definition and target.

Both tables are HTML (dashboard/shell/html_tables.py): on a phone each measure is a block of labelled lines
instead of seven columns scrolling sideways, and the page loads no table JavaScript beyond the router's own.
"""

import streamlit as st

from dashboard.present.about import PAGE_MEASURES, glossary_table, measure_panel
from dashboard.shell import warehouse
from dashboard.shell.html_tables import show_html_table

wh = warehouse()

st.title("Glossary")
st.markdown("What the abbreviations and statistical words on these pages mean, and what each measure counts.")
show_html_table(glossary_table(), blocks=False)  # two columns read well even on a phone
st.header("The measures")
every = [key for keys in PAGE_MEASURES.values() for key in keys]
show_html_table(measure_panel(wh.settings, every, wh.meta().latest_period, "Every measure"))
