"""Chart builders for the provider KPI review: pure functions from frames to Plotly figures or SVG.

They reuse the shared builders in ``dashboard.charts`` (XmR chart, funnel plot) and add what a KPI
review needs: the target in force each quarter as a step line, quarters without a return marked, and
the committee pack's bars of KPIs by RAG rating. Every value arrives already through disclosure control
(``dashboard.present.provider_kpis``): a builder draws what it is given. Colour is never the only signal:
lines differ by dash, points and bars by shape or pattern, and every marker has a name in the legend.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
import polars as pl

from dashboard.charts import MOST_X_LABELS, OKABE_ITO, funnel_chart, quarter_ticks, relayout, spc_chart
from models.funnel import funnel_curve

TARGET_COLOUR = "#D55E00"
UNIT_AXIS = {
    "percent": ("%", "Per cent"),
    "count": ("", "Number"),
    "days": ("", "Days"),
    "hours": ("", "Hours"),
    "gbp": ("", "£"),
}
# RAG fills as on the KPI review; patterns as well as colours, so the bars read in black and white.
RAG_BARS = (
    ("green", "On target (green)", "#1a9850", ""),
    ("amber", "Near target (amber)", "#E69F00", "/"),
    ("red", "Off target (red)", "#D55E00", "x"),
    ("none", "No value or no target", "#BBBBBB", "."),
)


def kpi_spc_figure(
    table: pl.DataFrame,
    title: str,
    unit: str,
    target_name: str,
    hidden_note: str | None = None,
    height: int = 420,
    breaks: tuple[tuple[str, str], ...] = (),
) -> go.Figure:
    """XmR chart of one KPI, with the targets in force and the quarters without a return.

    ``table`` holds, oldest first, ``period``, ``value`` and ``variation`` (blanked where the value must not
    be shown), ``centre``, ``lower``, ``upper``, ``target`` and ``value_status``; ``hidden_note`` says how
    many values were blanked.
    """
    suffix, axis_title = UNIT_AXIS.get(unit, ("", "Value"))
    periods = table["period"].to_list()
    # The chart draws each run of limits apart: its ``period`` is the limits' period number, not the quarter.
    limits = (
        table.with_columns(pl.col("limits_period").alias("period"))
        if "limits_period" in table.columns
        else table.drop("period")
    )
    fig = spc_chart(periods, limits, title=title, y_title=axis_title, y_suffix=suffix, breaks=breaks)
    targets = table["target"].to_list()
    if any(t is not None for t in targets):
        fig.add_trace(
            go.Scatter(
                x=periods,
                y=targets,
                name=target_name,
                mode="lines",
                line={"color": TARGET_COLOUR, "dash": "dash", "width": 2, "shape": "hv"},
                hovertemplate=f"Target %{{y:,.1f}}{suffix}<extra></extra>",
            )
        )
    statuses = table["value_status"].to_list() if "value_status" in table.columns else []
    shapes, notes = [], []  # added to the layout at once (add_shape, add_annotation re-validate the figure each)
    for period, status in zip(periods, statuses, strict=True):
        if status != "reported":
            # A shape and a note rather than add_vline: its annotation cannot place itself on a category axis.
            shapes.append(
                {
                    "type": "line",
                    "x0": period,
                    "x1": period,
                    "y0": 0,
                    "y1": 1,
                    "yref": "paper",
                    "line": {"color": "#6b6b6b", "dash": "dot"},
                }
            )
            notes.append(
                {
                    "x": period,
                    "y": 0.5,
                    "yref": "paper",
                    "text": "No return" if status == "missing return" else "Not reported",
                    "textangle": -90,
                    "showarrow": False,
                    "xshift": -8,
                    "font": {"size": 11, "color": "#444444"},
                }
            )
    if hidden_note:
        notes.append(
            {
                "text": hidden_note,
                "xref": "paper",
                "yref": "paper",
                "x": 1,
                "y": 1.08,
                "showarrow": False,
                "xanchor": "right",
                "font": {"size": 11},
            }
        )
    # Label years' first quarters flat, no more of them than fit an 800 px window beside the reviewed quarter's
    # label (quarter_ticks thins them to every other year on a long series), never every quarter at an angle.
    ticks = list(quarter_ticks(periods, most=MOST_X_LABELS - 1).get("tickvals", [])) or [
        p for p in periods if p.endswith("Q1")
    ]
    if periods and periods[-1] not in ticks:
        if ticks and periods.index(ticks[-1]) > len(periods) - 5:
            ticks.pop()  # too close to the reviewed quarter's label: the two would overlap
        ticks.append(periods[-1])
    return relayout(
        fig,
        shapes=shapes,
        annotations=notes,
        xaxis={"tickmode": "array", "tickvals": ticks, "ticktext": ticks, "tickangle": 0},
        height=height,
        legend={"y": -0.12},
        margin={"b": 20},
    )


def kpi_funnel_figure(
    table: pl.DataFrame, kpi_name: str, period: str, denominator_label: str, tau2: float = 0.0
) -> go.Figure:
    """Funnel plot of providers on one proportion KPI in a quarter, around their pooled proportion.

    ``tau2`` is the overdispersion variance the table's limits were widened by (0 for plain limits).
    """
    p0 = float(table["p0"][0])
    sizes = table["denominator"].to_list()
    curve = funnel_curve(p0, max(1.0, min(sizes) * 0.5), max(sizes) * 1.5, tau2=tau2)
    fig = funnel_chart(
        table,
        curve,
        title=f"{kpi_name}, {period}: providers compared",
        x_title=denominator_label,
        y_title="Per cent",
        p0=p0,
    )
    fig.update_traces(selector={"name": "Areas"}, name="Providers")
    return fig


def rag_bars_figure(contracts: list[str], counts: dict[str, list[int]], title: str) -> go.Figure:
    """Stacked bars of each contract's KPIs by RAG rating (``counts`` keyed by ``RAG_BARS``), first at the top."""
    labels = contracts[::-1]
    fig = go.Figure()
    for key, name, colour, pattern in RAG_BARS:
        values = counts[key][::-1]
        fig.add_trace(
            go.Bar(
                y=labels,
                x=values,
                name=name,
                orientation="h",
                marker={"color": colour, "pattern": {"shape": pattern, "fgcolor": "#333333", "size": 6}},
                text=[str(v) if v else "" for v in values],
                textposition="inside",
                insidetextanchor="middle",
                textangle=0,
                textfont={"color": "#000000", "size": 13},
            )
        )
    fig.update_layout(
        # The look of dashboard.charts' builders: left-aligned title, white background, legend below.
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        template="plotly_white",
        barmode="stack",
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0, "traceorder": "normal"},
        font={"family": "Source Sans Pro, Arial, sans-serif"},
    )
    fig.update_xaxes(type="linear", title=None, dtick=1)
    fig.update_yaxes(type="category", title=None, ticksuffix="  ")
    return fig


def sparkline_svg(values: list[float | None], width: int = 110, height: int = 26) -> str:
    """A small inline SVG line of recent values (gaps where missing), for the PDF's scorecard table."""
    seen = [v for v in values if v is not None and not math.isnan(v)]
    if len(seen) < 2:
        return ""
    low, high = min(seen), max(seen)
    span = (high - low) or 1.0
    step = (width - 6) / max(len(values) - 1, 1)
    segments, current = [], []
    for i, v in enumerate(values):
        if v is None or math.isnan(v):
            if current:
                segments.append(current)
            current = []
            continue
        current.append(f"{3 + i * step:.1f},{height - 3 - (v - low) / span * (height - 6):.1f}")
    if current:
        segments.append(current)
    lines = "".join(
        f'<polyline points="{" ".join(s)}" fill="none" stroke="{OKABE_ITO[0]}" stroke-width="1.5"/>' for s in segments
    )
    last_x, last_y = segments[-1][-1].split(",")
    dot = f'<circle cx="{last_x}" cy="{last_y}" r="2.2" fill="#000"/>' if values[-1] is not None else ""
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">{lines}{dot}</svg>'
