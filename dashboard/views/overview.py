"""Overview: every headline measure a committee member reads first, with its target and signals. Layout only."""

from html import escape

import streamlit as st

from dashboard.formatting import metric_delta
from dashboard.mdc_icons import as_img
from dashboard.present.about import PAGE_OF_MEASURE
from dashboard.present.ascof_cld import ascof_from_cld
from dashboard.present.direct_payments import uptake_summary
from dashboard.present.headlines import RAG_EXPLAINED, headlines
from dashboard.present.missing_sources import missing_sources
from dashboard.shell import per_build, warehouse
from dashboard.shell.about import about_measures
from dashboard.shell.access import allowed, person
from dashboard.shell.audit import on_download
from dashboard.shell.components import plain, show, show_metrics, show_missing
from dashboard.shell.filters import locality, locality_name, period
from dashboard.shell.html_tables import show_html_table
from dashboard.signals import rag_label

wh = warehouse()
code, quarter = locality(), period()
area = locality_name(code)

st.title("Overview")
show_missing(per_build(missing_sources, "overview"), "overview")
st.caption(f"{area}, {quarter}. Local targets are the council's (ASCOF sets no national targets).")

uptake = per_build(uptake_summary, code, quarter, area)  # its history filter cost 0.13 s a view
st.header("Direct payment uptake")
if uptake.lag:
    st.info(plain(uptake.lag))
st.markdown(plain(uptake.sentence))
st.markdown(plain(uptake.comparators))
show_metrics(uptake.metrics)
show_metrics(uptake.people_metrics)

st.header("Headline measures")
st.caption(RAG_EXPLAINED)
# Tiles of a fixed width in a wrapping row: four or five across on a wide screen, two in an 800 px window.
tiles = st.container(horizontal=True, wrap=True, gap="small")
for h in headlines(wh, code, quarter, area):
    with tiles.container(border=True, width=250):
        page = PAGE_OF_MEASURE.get(h.key)
        if page:  # drill-through: the tile's name opens its page at this measure, for this area and quarter
            st.page_link(
                f"views/{page}.py",
                label=f"**{plain(h.name)}** →",
                query_params={"measure": h.key, "locality": code, "period": quarter},
                help=f"Open {h.name} on its page",
            )
        else:
            st.markdown(f"**{plain(h.name)}**")
        st.metric(
            h.name,
            h.value,
            label_visibility="collapsed",
            delta=metric_delta(f"{h.change} on a year before") if h.change and h.change[0] in "+−±" else h.change,
            delta_color=h.delta_color,
        )
        rag = f"  \n{rag_label(h.rag)}" if h.rag else ("  \n" + h.rag_text if h.rag_text != "No target" else "")
        target = h.target if h.target.startswith("No target") else f"Target {h.target}"
        st.markdown(f"{plain(target)}{rag}")
        # Making Data Count icons (our own SVGs, as in the pack), each with its words.
        st.html(
            "".join(f'<div class="mdc-signal">{as_img(c.svg)}<span>{escape(c.text)}</span></div>' for c in h.signals)
        )
        st.caption(plain(h.sentence))

# --- ASCOF computed from the council's own Client Level Data, beside the published values ----------------
ascof = per_build(ascof_from_cld, code, quarter, area)
st.header(ascof.heading)
show_metrics(ascof.metrics, columns=2)
show(ascof.paragraphs)
if ascof.reconciliation:
    with st.expander("Year-end values beside the published ASCOF"):
        st.markdown(f"**{plain(ascof.reconciliation.caption)}**")
        show_html_table(ascof.reconciliation)  # each year's row a block where the column is narrow (800 px)
show(ascof.notes)
about_measures("overview", code, quarter, area)

# --- Committee pack: generated only on request (10-15 s), then offered as a download ----------------------
st.header("Committee pack")
st.caption(
    f"Every headline measure and theme for {area}, {quarter}, as a PDF with page numbers and an annex of "
    "definitions and data sources, ready to go with the committee papers. It takes 10 to 15 seconds to prepare."
)
pack_key = (code, quarter, str(wh.meta().built_at))
if st.button("Prepare the committee pack (PDF)", key="prepare-pack") and allowed(person(), "download_pack"):
    from dashboard.pack import PackError, build_pack, render_pack  # imported on demand: it is heavy

    with st.spinner(f"Preparing the committee pack for {area}, {quarter}…"):
        try:
            pack = build_pack(wh, quarter, code)
            st.session_state["committee-pack"] = (pack_key, f"{pack.file_stem()}.pdf", render_pack(pack)["pdf"])
        except PackError as exc:
            st.error(f"The pack could not be made: {plain(str(exc))}")
ready = st.session_state.get("committee-pack")
if ready and ready[0] == pack_key:
    st.download_button(
        "Download the committee pack (PDF)",
        ready[2],
        file_name=ready[1],
        mime="application/pdf",
        key="download-pack",
        on_click=on_download(ready[1], "pack_download", area=code, quarter=quarter),
    )
