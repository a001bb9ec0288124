"""Overview: every headline measure a committee member reads first, with its target and signals."""

import polars as pl
import streamlit as st

from dashboard import queries
from dashboard.filters import locality, locality_name, period
from dashboard.formatting import by_unit, change_by_unit, metric_delta, pct, suppressed
from dashboard.headlines import assess_headlines
from dashboard.narrative import comparator_sentence, dp_uptake_sentence, measure_sentence
from dashboard.signals import assurance_label, rag_label, variation_label

cfg = queries.settings()
code, quarter = locality(), period()
area = locality_name(code)

st.title("Overview")
st.caption(f"{area}, {quarter}. Targets are local: ASCOF sets no national targets.")

uptake = queries.dp_uptake(code).filter(pl.col("period") == quarter).row(0, named=True)
dp_ascof = queries.ascof("dp_users")
latest_year = dp_ascof["year"].max()
comparators = {
    row["area_name"]: row["value"]
    for row in dp_ascof.filter(
        (pl.col("year") == latest_year) & pl.col("area_code").is_in(["E92000001", cfg.council.region_code])
    )
    .sort("area_code", descending=True)
    .iter_rows(named=True)
}

st.header("Direct payment uptake")
st.markdown(dp_uptake_sentence(area, quarter, uptake["uptake_pct"], uptake["target_pct"], cfg.targets.dp_uptake_by))
st.markdown(comparator_sentence(latest_year, comparators))
cols = st.columns(4)
gap = uptake["uptake_pct"] - uptake["target_pct"]
cols[0].metric(
    f"DP uptake, {quarter}",
    pct(uptake["uptake_pct"]),
    help="People aged 18+ in long-term community support taking a direct payment (or part), at quarter end.",
)
cols[1].metric(
    f"Target by {cfg.targets.dp_uptake_by} (higher is better)",
    pct(uptake["target_pct"]),
    help=f"{abs(gap):.1f} points {'below' if gap < 0 else 'above'} the target in {quarter}.",
)
for col, (name, value) in zip(cols[2:], comparators.items(), strict=False):
    col.metric(f"{name}, ASCOF {latest_year}", pct(value), help="Published ASCOF 1C(2a) value (real data).")
people = st.columns(4)
people[0].metric("People taking a direct payment", f"{uptake['dp_recipients']:,}")
people[1].metric("People in long-term community support", f"{uptake['community_clients']:,}")

st.header("Headline measures")
st.caption(
    "RAG compares the latest quarter with the local target. The SPC signal says whether the latest value is "
    "unusual against the past five years (NHS 'Making Data Count'); assurance says whether the target can be "
    "met reliably as things are."
)
assessments = assess_headlines(queries.headline_measures(code), quarter)
# Tiles of a fixed width in a wrapping row: four across on a wide screen, two on a narrow one.
tiles = st.container(horizontal=True, wrap=True, gap="small")
for a in assessments:
    with tiles.container(border=True, width=300):
        st.markdown(f"**{a.spec.name}**")
        st.metric(
            a.spec.name,
            # Counts of people small enough to identify someone are suppressed, as everywhere.
            suppressed(a.value, cfg.suppression_threshold) if a.spec.unit == "count" else by_unit(a.value, a.spec.unit),
            label_visibility="collapsed",
            delta=metric_delta(f"{change_by_unit(a.change_on_year, a.spec.unit)} on a year before")
            if a.change_on_year is not None
            else None,
            delta_color="off"
            if a.spec.higher_is_better is None
            else ("normal" if a.spec.higher_is_better else "inverse"),
        )
        if a.spec.target is not None:
            direction = "higher is better" if a.spec.higher_is_better else "lower is better"
            st.markdown(f"Target {by_unit(a.spec.target, a.spec.unit)} ({direction})  \n{rag_label(a.rag)}")
        elif a.spec.higher_is_better is not None:
            st.markdown(f"No target ({'higher' if a.spec.higher_is_better else 'lower'} is better)")
        else:
            st.markdown("No target (context measure)")
        st.markdown(
            f"{variation_label(a.spc.variation, a.spc.side)}  \n"
            + (f"{assurance_label(a.spc.assurance)}" if a.spec.target is not None else "")
        )
        st.caption(measure_sentence(a, area, cfg.suppression_threshold))

# --- Committee pack: generated only on request (10-15 s), then offered as a download ----------------------
st.header("Committee pack")
st.caption(
    f"Every headline measure and theme for {area}, {quarter}, as a PDF with page numbers and an annex of "
    "definitions and data sources, ready to go with the committee papers. It takes 10 to 15 seconds to prepare."
)
pack_key = (code, quarter, str(queries.meta().built_at))
if st.button("Prepare the committee pack (PDF)", key="prepare-pack"):
    from pipelines.report import PackError, build_pack, render_pack  # imported on demand: it is heavy

    with st.spinner(f"Preparing the committee pack for {area}, {quarter}…"):
        try:
            pack = build_pack(quarter, code)
            st.session_state["committee-pack"] = (pack_key, f"{pack.file_stem()}.pdf", render_pack(pack)["pdf"])
        except PackError as exc:
            st.error(f"The pack could not be made: {exc}")
ready = st.session_state.get("committee-pack")
if ready and ready[0] == pack_key:
    st.download_button(
        "Download the committee pack (PDF)",
        ready[2],
        file_name=ready[1],
        mime="application/pdf",
        key="download-pack",
    )
