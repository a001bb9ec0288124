"""Charts for the Demand and scenarios page and the pack's demand outlook: pure functions from frames to figures.

The words and tables around them are written by :mod:`dashboard.present.demand`, which also hides small
recorded counts before any figure is built.

Every forecast and scenario is drawn as a fan: the central line, a darker 80% band and (where one
series is shown) a lighter 95% band, so the uncertainty is never hidden. Lines differ by dash and
marker as well as colour.
"""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go
import polars as pl

from dashboard.charts import (
    DASHES,
    MARKERS,
    NOTE_ROW_PX,
    OKABE_ITO,
    assign_layout,
    chart_title,
    line_chart_layout,
    quarter_ticks,
    relayout,
    trend_lines,
)
from models.forecast import LABELS
from models.scenarios import MEASURES, ScenarioResult

UNIT_FORMAT = {"count": ("", ",.0f", ""), "hours": ("", ",.0f", ""), "pct": ("", ".1f", "%"), "gbp": ("£", ",.0f", "")}
GREY = "#6b6b6b"


def _rgba(hex_colour: str, alpha: float) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def _band(fig: go.Figure, x: list, lower: list, upper: list, colour: str, alpha: float, name: str, group: str) -> None:
    """A shaded band between two lines (upper first, then lower filled up to it)."""
    fig.add_trace(
        go.Scatter(x=x, y=upper, mode="lines", line={"width": 0}, hoverinfo="skip", showlegend=False, legendgroup=group)
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=lower,
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor=_rgba(colour, alpha),
            name=name,
            hoverinfo="skip",
            legendgroup=group,
        )
    )


def forecast_fan(
    history: pl.DataFrame, forecasts: pl.DataFrame, title: str, y_title: str, joint: str | None = None
) -> go.Figure:
    """History, the chosen forecast with its 80% and 95% intervals, and the seasonal-naive baseline.

    Parameters
    ----------
    history : polars.DataFrame
        ``period, value``.
    forecasts : polars.DataFrame
        ``role ('chosen' | 'baseline'), period, model, mean, lo_80, hi_80, lo_95, hi_95``.
    joint : str, optional
        The demand path's joint: the forecast's last quarter, population-driven after it. Marked by a vertical
        line and label, and the central line changes from dashes to dots there (not by colour alone).
    """
    fig = trend_lines(history.with_columns(series=pl.lit("Recorded")), "period", "value", "series", title, y_title)
    fig.data[0].line.color = "#333333"
    fig.data[0].marker.color = "#333333"
    fig.data[0].hovertemplate = "Recorded: %{y:,.0f}<extra></extra>"
    chosen = forecasts.filter(pl.col("role") == "chosen")
    baseline = forecasts.filter(pl.col("role") == "baseline")
    # Start the forecast lines at the last recorded quarter so they join the history.
    last = history.tail(1)
    x = last["period"].to_list() + chosen["period"].to_list()
    join = last["value"].to_list()
    colour = OKABE_ITO[0]
    _band(fig, x, join + chosen["lo_95"].to_list(), join + chosen["hi_95"].to_list(), colour, 0.15, "95% range", "95")
    _band(fig, x, join + chosen["lo_80"].to_list(), join + chosen["hi_80"].to_list(), colour, 0.35, "80% range", "80")
    model = LABELS.get(chosen["model"][0], chosen["model"][0]) if chosen.height else "forecast"
    y = join + chosen["mean"].to_list()
    cut = x.index(joint) + 1 if joint in x else len(x)
    changes = {}  # to the layout, made at once (each update_layout call re-validates the figure)
    fig.add_trace(
        go.Scatter(
            x=x[:cut],
            y=y[:cut],
            name=f"Forecast ({model})",
            mode="lines+markers",
            line={"color": colour, "dash": "dash", "width": 3},
            marker={"symbol": "diamond", "size": 7},
            hovertemplate="Forecast: %{y:,.0f}<extra></extra>",
        )
    )
    if cut < len(x):
        fig.add_trace(
            go.Scatter(
                x=x[cut - 1 :],
                y=y[cut - 1 :],
                name="Population-driven",
                mode="lines",
                line={"color": OKABE_ITO[2], "dash": "dashdot", "width": 3},
                hovertemplate="Population-driven: %{y:,.0f}<extra></extra>",
            )
        )
        changes["shapes"] = [
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": joint,
                "x1": joint,
                "y0": 0,
                "y1": 1,
                "line": {"color": GREY, "dash": "dot"},
            }
        ]
        changes["annotations"] = [
            {
                "x": joint,
                "yref": "paper",
                "y": 1,
                "text": f"Forecast ends {joint}: population-driven after",
                "showarrow": False,
                "xanchor": "right",
                "yanchor": "bottom",
                "font": {"size": 11, "color": "#333333"},
            }
        ]
        # A row of the top margin for it, below the title (pinned to the top), so the two never meet.
        changes["margin"] = {"t": fig.layout.margin.t + NOTE_ROW_PX}
        changes["height"] = fig.layout.height + NOTE_ROW_PX
    if baseline.height:
        fig.add_trace(
            go.Scatter(
                x=last["period"].to_list() + baseline["period"].to_list(),
                y=join + baseline["mean"].to_list(),
                name="Same quarter last year (baseline)",
                mode="lines",
                line={"color": GREY, "dash": "dot", "width": 2},
                hovertemplate="Baseline: %{y:,.0f}<extra></extra>",
            )
        )
    ticks = quarter_ticks(history["period"].to_list() + chosen["period"].to_list())
    # Zoomed to the series, not from zero: the forecast's range is what this chart is for.
    return relayout(fig, xaxis=ticks, yaxis={"rangemode": "normal"}, **changes)


def scenario_fan(
    results: Mapping[str, ScenarioResult], locality_code: str, measure: str, title: str, wide_band: bool = False
) -> go.Figure:
    """Each scenario's central line and 80% band over the years (and the 95% band if ``wide_band``)."""
    label, unit = MEASURES[measure]
    prefix, number, suffix = UNIT_FORMAT[unit]
    fig = go.Figure()
    for i, (name, result) in enumerate(results.items()):
        part = result.table.filter((pl.col("locality_code") == locality_code) & (pl.col("measure") == measure))
        years = part["year"].to_list()
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        if wide_band:
            _band(
                fig, years, part["lo_95"].to_list(), part["hi_95"].to_list(), colour, 0.12, f"{name}: 95% range", name
            )
        _band(fig, years, part["lo_80"].to_list(), part["hi_80"].to_list(), colour, 0.25, f"{name}: 80% range", name)
        fig.add_trace(
            go.Scatter(
                x=years,
                y=part["central"].to_list(),
                name=name,
                mode="lines+markers",
                legendgroup=name,
                line={"color": colour, "dash": DASHES[i % len(DASHES)], "width": 3},
                marker={"symbol": MARKERS[i % len(MARKERS)], "size": 7},
                hovertemplate=f"{name}: {prefix}%{{y:{number}}}{suffix}<extra></extra>",
            )
        )
    return _style(fig, title, label, prefix, suffix)


def workforce_chart(result: ScenarioResult, locality_code: str, title: str) -> go.Figure:
    """Personal Assistants needed against PAs expected, each with its 80% band."""
    fig = go.Figure()
    part = result.table.filter(pl.col("locality_code") == locality_code)
    for i, (measure, name) in enumerate((("pas_needed", "PAs needed"), ("pas_expected", "PAs expected"))):
        rows = part.filter(pl.col("measure") == measure)
        years, colour = rows["year"].to_list(), OKABE_ITO[i * 2]
        _band(fig, years, rows["lo_80"].to_list(), rows["hi_80"].to_list(), colour, 0.25, f"{name}: 80% range", name)
        fig.add_trace(
            go.Scatter(
                x=years,
                y=rows["central"].to_list(),
                name=name,
                legendgroup=name,
                mode="lines+markers",
                line={"color": colour, "dash": DASHES[i], "width": 3},
                marker={"symbol": MARKERS[i], "size": 7},
                hovertemplate=f"{name}: %{{y:,.0f}}<extra></extra>",
            )
        )
    return _style(fig, title, "Personal Assistants", "", "")


def _style(fig: go.Figure, title: str, y_title: str, prefix: str, suffix: str) -> go.Figure:
    """The look of :mod:`dashboard.charts`, assigned whole (``update_layout`` re-validates the traces and template)."""
    years = list(dict.fromkeys(x for trace in fig.data for x in (trace.x or ())))
    # Every other financial year is labelled, so eleven labels never collide on a narrow screen.
    ticks = {"tickvals": years[::2], "ticktext": years[::2], "tickangle": 0} if len(years) > 6 else {}
    title_layout, top = chart_title(title)
    return assign_layout(
        fig,
        {
            **line_chart_layout(title_layout, top),
            "yaxis": {"title": y_title, "tickprefix": prefix, "ticksuffix": suffix, "rangemode": "tozero"},
            "xaxis": {"title": None, "type": "category", **ticks},
        },
    )


def projection_chart(frame: pl.DataFrame, title: str) -> go.Figure:
    """Expected people needing support per year, one line per age band and one for all adults (drawn bold).

    Parameters
    ----------
    frame : polars.DataFrame
        ``year`` (text), ``series`` ("All adults" first, then each band) and ``expected_people`` (null where
        not shown), in year order within each series.
    """
    fig = trend_lines(frame, "year", "expected_people", "series", title, "People", highlight="All adults")
    fig.update_traces(hovertemplate="%{y:,.0f}")
    return fig
