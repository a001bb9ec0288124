"""Reusable page pieces: a chart with its SPC view, a 'how to read this' note, its table and a CSV download."""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import charts, queries
from dashboard.exports.safe_cells import neutralise_frame
from models.spc import spc_chart

SPC_NOTE = (
    "SPC view (NHS 'Making Data Count'): the dotted process limits show the range the measure usually "
    "varies within, around its mean. Marked points are unusual (beyond the limits, a run of 7 on one side "
    "of the mean, 7 rising or falling, or 2 of 3 near a limit): blue for improvement, orange for concern."
)


@dataclass(frozen=True)
class SpcSeries:
    """One quarterly series that can be redrawn as an SPC chart."""

    periods: list[str]
    values: list[float | None]
    higher_is_better: bool | None
    title: str
    y_title: str
    y_suffix: str = ""
    target: float | None = None
    target_label: str = ""


def suppress_small_counts(frame: pl.DataFrame, count_columns: list[str]) -> pl.DataFrame:
    """Blank counts below the configured threshold (zero stays), in tables and downloads alike."""
    threshold = queries.settings().suppression_threshold
    return frame.with_columns(
        pl.when((pl.col(c) > 0) & (pl.col(c) < threshold)).then(None).otherwise(pl.col(c)).alias(c)
        for c in count_columns
        if c in frame.columns
    )


def chart_with_table(
    fig: go.Figure,
    table: pl.DataFrame,
    name: str,
    how_to_read: str,
    count_columns: list[str] | None = None,
    spc: SpcSeries | None = None,
) -> None:
    """Draw a chart (or its SPC view), a plain-words note on reading it, and the data as a table and CSV."""
    if spc is not None and st.toggle("Show as SPC chart", key=f"spc-{name}", help=SPC_NOTE):
        result = spc_chart(spc.values, spc.higher_is_better, target=spc.target)
        fig = charts.spc_chart(
            spc.periods, result.table, spc.title, spc.y_title, spc.y_suffix, spc.target, spc.target_label
        )
        how_to_read = SPC_NOTE
    st.plotly_chart(fig, width="stretch", config={"displaylogo": False}, key=f"chart-{name}")
    st.caption(how_to_read)
    safe = neutralise_frame(suppress_small_counts(table, count_columns or []))
    with st.expander("Show as table"):
        st.dataframe(safe, hide_index=True, width="stretch")
        st.download_button(
            "Download CSV", safe.write_csv(), file_name=f"{name}.csv", mime="text/csv", key=f"download-{name}"
        )
