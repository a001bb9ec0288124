"""Reusable page pieces: a chart with its table and CSV download, and a short 'how to read this' note."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import queries


def suppress_small_counts(frame: pl.DataFrame, count_columns: list[str]) -> pl.DataFrame:
    """Blank counts below the configured threshold (zero stays), in tables and downloads alike."""
    threshold = queries.settings().suppression_threshold
    return frame.with_columns(
        pl.when((pl.col(c) > 0) & (pl.col(c) < threshold)).then(None).otherwise(pl.col(c)).alias(c)
        for c in count_columns
        if c in frame.columns
    )


def chart_with_table(
    fig: go.Figure, table: pl.DataFrame, name: str, how_to_read: str, count_columns: list[str] | None = None
) -> None:
    """Draw a chart, a plain-words note on reading it, and the same data as a table and a CSV file."""
    st.plotly_chart(fig, width="stretch", config={"displaylogo": False})
    st.caption(how_to_read)
    safe = suppress_small_counts(table, count_columns or [])
    with st.expander("Show as table"):
        st.dataframe(safe, hide_index=True, width="stretch")
        st.download_button(
            "Download CSV", safe.write_csv(), file_name=f"{name}.csv", mime="text/csv", key=f"download-{name}"
        )
