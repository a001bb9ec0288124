"""Chart builders for the provider KPI review: pure functions from frames to Plotly figures or SVG.

They reuse the shared builders in ``dashboard.charts`` (XmR chart, funnel plot) and add what a KPI
review needs: the target in force each quarter as a step line, quarters without a return marked, and
small counts hidden. Colour is never the only signal: lines differ by dash, points by shape, and
every marker has a name in the legend.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
import polars as pl

from dashboard.charts import OKABE_ITO, funnel_chart, spc_chart
from models.funnel import funnel_curve
from models.scorecard import KpiHistory

TARGET_COLOUR = "#D55E00"
UNIT_AXIS = {"percent": ("%", "Per cent"), "count": ("", "Number"), "days": ("", "Days"), "hours": ("", "Hours")}


def hide_small_counts(values: list[float | None], unit: str, threshold: int) -> list[float | None]:
    """Counts from 1 to threshold - 1 become None, so a chart cannot show what a table suppresses."""
    if unit != "count":
        return list(values)
    return [None if v is not None and 0 < v < threshold else v for v in values]


def direction_words(higher_is_better: bool | None) -> str:
    if higher_is_better is None:
        return "no preferred direction"
    return "higher is better" if higher_is_better else "lower is better"


def kpi_spc_figure(history: KpiHistory, threshold: int, height: int = 420) -> go.Figure:
    """XmR chart of one KPI up to the reviewed quarter, with the targets in force and missing returns."""
    table = history.table
    now = history.current
    unit = now["unit"]
    suffix, axis_title = UNIT_AXIS.get(unit, ("", "£" if unit == "gbp" else "Value"))
    shown = hide_small_counts(table["value"].to_list(), unit, threshold)
    variation = [None if v is None else var for v, var in zip(shown, table["variation"].to_list(), strict=True)]
    chart_table = table.with_columns(
        pl.Series("value", shown, dtype=pl.Float64), pl.Series("variation", variation, dtype=pl.String)
    )
    periods = table["period"].to_list()
    fig = spc_chart(
        periods,
        chart_table,
        title=f"{now['kpi_name']}: every quarter to {history.period}",
        y_title=axis_title,
        y_suffix=suffix,
    )
    targets = table["target"].to_list()
    if any(t is not None for t in targets):
        fig.add_trace(
            go.Scatter(
                x=periods,
                y=targets,
                name=f"Target in force ({direction_words(now['higher_is_better'])})",
                mode="lines",
                line={"color": TARGET_COLOUR, "dash": "dash", "width": 2, "shape": "hv"},
                hovertemplate=f"Target %{{y:,.1f}}{suffix}<extra></extra>",
            )
        )
    statuses = table["value_status"].to_list() if "value_status" in table.columns else []
    for period, status in zip(periods, statuses, strict=True):
        if status != "reported":
            # A shape and a note rather than add_vline: its annotation cannot place itself on a category axis.
            fig.add_shape(
                type="line", x0=period, x1=period, y0=0, y1=1, yref="paper", line={"color": "#6b6b6b", "dash": "dot"}
            )
            fig.add_annotation(
                x=period,
                y=0.5,
                yref="paper",
                text="No return" if status == "missing return" else "Not reported",
                textangle=-90,
                showarrow=False,
                xshift=-8,
                font={"size": 11, "color": "#444444"},
            )
    hidden = sum(1 for v, s in zip(table["value"].to_list(), shown, strict=True) if v is not None and s is None)
    if hidden:
        fig.add_annotation(
            text=f"{hidden} value(s) below {threshold} hidden",
            xref="paper",
            yref="paper",
            x=1,
            y=1.08,
            showarrow=False,
            xanchor="right",
            font={"size": 11},
        )
    # Label each year's first quarter (and the reviewed one) flat, rather than every quarter at an angle.
    ticks = [p for p in periods if p.endswith("Q1")]
    if periods and periods[-1] not in ticks:
        if ticks and periods.index(ticks[-1]) > len(periods) - 5:
            ticks.pop()  # too close to the reviewed quarter's label: the two would overlap
        ticks.append(periods[-1])
    fig.update_xaxes(tickmode="array", tickvals=ticks, ticktext=ticks, tickangle=0)
    fig.update_layout(height=height, legend={"y": -0.12}, margin={"b": 20})
    return fig


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
