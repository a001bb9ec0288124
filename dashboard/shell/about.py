"""Each themed page's "About these measures" panel, opened at the measure an Overview tile was clicked for.

An Overview tile links to its measure's page with ``?measure=<key>`` (drill-through). The page then says which
measure the reader came for, in the Overview's own sentence, and opens the panel with that measure first.
"""

from __future__ import annotations

import streamlit as st

from dashboard.present.about import PAGE_MEASURES, measure_panel
from dashboard.present.headlines import headlines
from dashboard.shell import warehouse
from dashboard.shell.components import plain, show_static_table


def wanted_measure(page: str) -> str | None:
    """The measure this page was opened for, if the link named one of its measures."""
    wanted = st.query_params.get("measure")
    return wanted if wanted in PAGE_MEASURES[page] else None


def about_measures(page: str, code: str, quarter: str, area: str) -> None:
    """The opened-for measure's sentence (as on the Overview), then the panel of the page's measures."""
    wh = warehouse()
    wanted = wanted_measure(page)
    keys = PAGE_MEASURES[page]
    if wanted:
        keys = [wanted] + [k for k in keys if k != wanted]
        chosen = next((h for h in headlines(wh, code, quarter, area) if h.key == wanted), None)
        if chosen is not None:
            st.info(f"**{plain(chosen.name)}**: {plain(chosen.sentence)}", icon="➡️")
    with st.expander("About these measures: definition, source, next update, target", expanded=bool(wanted)):
        show_static_table(measure_panel(wh.settings, keys, wh.meta().latest_period))
        st.caption("Every term is explained on the Glossary page.")
