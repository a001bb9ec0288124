"""Chart builders: pure functions from Polars frames to Plotly figures (unit-testable, no Streamlit).

Colours come from the Okabe-Ito palette, which stays distinguishable with the common forms of colour
blindness; lines also differ by dash and marker so colour is never the only signal.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
MARKERS = ["circle", "square", "diamond", "triangle-up", "x", "cross"]
TARGET_COLOUR = "#444444"


def _layout(fig: go.Figure, title: str, y_title: str, y_suffix: str = "") -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        template="plotly_white",
        height=380,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0},
        yaxis={"title": y_title, "ticksuffix": y_suffix, "rangemode": "tozero"},
        xaxis={"title": None, "type": "category"},
        hovermode="x unified",
        font={"family": "Source Sans Pro, Arial, sans-serif"},
    )
    return fig


def trend_lines(
    frame: pl.DataFrame,
    x: str,
    y: str,
    group: str,
    title: str,
    y_title: str,
    target: float | None = None,
    target_label: str = "",
    y_suffix: str = "",
    highlight: str | None = None,
) -> go.Figure:
    """One line per group over quarters, an optional dashed target line, the highlighted group bold."""
    fig = go.Figure()
    for i, (name, part) in enumerate(frame.group_by(group, maintain_order=True)):
        label = name[0]
        bold = highlight is None or label == highlight
        fig.add_trace(
            go.Scatter(
                x=part[x].to_list(),
                y=part[y].to_list(),
                name=str(label),
                mode="lines+markers",
                line={
                    "color": OKABE_ITO[i % len(OKABE_ITO)],
                    "dash": DASHES[i % len(DASHES)],
                    "width": 3 if bold else 1.5,
                },
                marker={"symbol": MARKERS[i % len(MARKERS)], "size": 7 if bold else 5},
                opacity=1 if bold else 0.7,
                hovertemplate=f"%{{y:,.1f}}{y_suffix}",
            )
        )
    if target is not None:
        fig.add_hline(
            y=target,
            line={"color": TARGET_COLOUR, "dash": "dash", "width": 2},
            annotation_text=target_label,
            annotation_position="top left",
        )
    return _layout(fig, title, y_title, y_suffix)


def bars(
    frame: pl.DataFrame,
    x: str,
    y: str,
    title: str,
    y_title: str,
    y_suffix: str = "",
    target: float | None = None,
    target_label: str = "",
    text_format: str = ",.1f",
) -> go.Figure:
    """Vertical bars with their values written on them (so the value never depends on colour)."""
    values = frame[y].to_list()
    fig = go.Figure(
        go.Bar(
            x=frame[x].to_list(),
            y=values,
            marker_color=OKABE_ITO[0],
            text=[f"{v:{text_format}}{y_suffix}" if v is not None else "–" for v in values],
            textposition="outside",
            hovertemplate=f"%{{y:{text_format}}}{y_suffix}<extra></extra>",
        )
    )
    if target is not None:
        fig.add_hline(
            y=target,
            line={"color": TARGET_COLOUR, "dash": "dash", "width": 2},
            annotation_text=target_label,
            annotation_position="top left",
        )
    fig = _layout(fig, title, y_title, y_suffix)
    fig.update_yaxes(range=[0, max([v for v in values if v is not None] + [target or 0]) * 1.2 or 1])
    return fig
