"""Glossary: the words and abbreviations the pages use, and every headline measure's definition and target."""

import streamlit as st

from dashboard.present.about import PAGE_MEASURES, glossary_table, measure_panel
from dashboard.shell import warehouse

wh = warehouse()

st.title("Glossary")
st.markdown("What the abbreviations and statistical words on these pages mean, and what each measure counts.")
st.table(glossary_table().frame(), hide_index=True)
st.header("The measures")
every = [key for keys in PAGE_MEASURES.values() for key in keys]
st.table(measure_panel(wh.settings, every, wh.meta().latest_period, "Every measure").frame(), hide_index=True)
