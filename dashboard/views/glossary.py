"""Glossary: the words and abbreviations the pages use, and every headline measure's definition and target."""

import streamlit as st

from dashboard.present.about import PAGE_MEASURES, glossary_table, measure_panel
from dashboard.shell import warehouse
from dashboard.shell.components import show_static_table

wh = warehouse()

st.title("Glossary")
st.markdown("What the abbreviations and statistical words on these pages mean, and what each measure counts.")
show_static_table(glossary_table())
st.header("The measures")
every = [key for keys in PAGE_MEASURES.values() for key in keys]
show_static_table(measure_panel(wh.settings, every, wh.meta().latest_period, "Every measure"))
