"""Data: what was loaded, when, and which rows were rejected and why."""

import streamlit as st

from dashboard import queries

st.title("Data")
meta = queries.meta()
log = queries.load_log()
rejects = queries.rejects()

cols = st.columns(3)
cols[0].metric("Files loaded", f"{log.filter(log['status'].str.starts_with('loaded')).height:,}")
cols[1].metric("Rows loaded", f"{int(log['rows_loaded'].sum() or 0):,}")
cols[2].metric("Rows rejected", f"{int(log['rows_rejected'].sum() or 0):,}")
st.caption(f"Warehouse built {meta.built_at:%d %B %Y at %H:%M} UTC; data to {meta.latest_period}.")

st.subheader("Load history")
st.dataframe(log, hide_index=True, width="stretch")
st.subheader("Rejected rows")
if rejects.is_empty():
    st.success("No rows have been rejected.")
else:
    st.dataframe(rejects, hide_index=True, width="stretch")
