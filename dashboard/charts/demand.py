"""Charts and sentences for the Demand and scenarios page: pure functions from frames to figures and words.

Every forecast and scenario is drawn as a fan: the central line, a darker 80% band and (where one
series is shown) a lighter 95% band, so the uncertainty is never hidden. Lines differ by dash and
marker as well as colour.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl

from dashboard.charts import DASHES, MARKERS, OKABE_ITO, chart_title, trend_lines
from dashboard.formatting import by_unit, change_by_unit, pct
from models.forecast import LABELS
from models.scenarios import MEASURES, Levers, ScenarioResult

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


def _year_ticks(fig: go.Figure, labels: list[str]) -> None:
    """On a quarterly axis, label only each financial year's first quarter."""
    ticks = [label for label in labels if label.endswith("Q1")]
    if len(labels) > 8 and ticks:
        fig.update_xaxes(tickvals=ticks, ticktext=ticks, tickangle=0)


def forecast_fan(history: pl.DataFrame, forecasts: pl.DataFrame, title: str, y_title: str) -> go.Figure:
    """History, the chosen forecast with its 80% and 95% intervals, and the seasonal-naive baseline.

    Parameters
    ----------
    history : polars.DataFrame
        ``period, value``.
    forecasts : polars.DataFrame
        ``role ('chosen' | 'baseline'), period, model, mean, lo_80, hi_80, lo_95, hi_95``.
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
    fig.add_trace(
        go.Scatter(
            x=x,
            y=join + chosen["mean"].to_list(),
            name=f"Forecast ({model})",
            mode="lines+markers",
            line={"color": colour, "dash": "dash", "width": 3},
            marker={"symbol": "diamond", "size": 7},
            hovertemplate="Forecast: %{y:,.0f}<extra></extra>",
        )
    )
    if baseline.height:
        fig.add_trace(
            go.Scatter(
                x=x,
                y=join + baseline["mean"].to_list(),
                name="Same quarter last year (baseline)",
                mode="lines",
                line={"color": GREY, "dash": "dot", "width": 2},
                hovertemplate="Baseline: %{y:,.0f}<extra></extra>",
            )
        )
    _year_ticks(fig, history["period"].to_list() + chosen["period"].to_list())
    # Zoomed to the series, not from zero: the forecast's range is what this chart is for.
    fig.update_yaxes(rangemode="normal")
    return fig


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
    """The look of :mod:`dashboard.charts`, assigned whole (``update_layout`` re-validates the traces)."""
    years = list(dict.fromkeys(x for trace in fig.data for x in (trace.x or ())))
    # Every other financial year is labelled, so eleven labels never collide on a narrow screen.
    ticks = {"tickvals": years[::2], "ticktext": years[::2], "tickangle": 0} if len(years) > 6 else {}
    title_layout, top = chart_title(title)
    fig.layout = go.Layout(
        template=pio.templates["asc_white"],
        title=title_layout,
        height=380 + top - 60,
        margin={"l": 10, "r": 10, "t": top, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0},
        yaxis={"title": y_title, "tickprefix": prefix, "ticksuffix": suffix, "rangemode": "tozero"},
        xaxis={"title": None, "type": "category", **ticks},
        hovermode="x unified",
        font={"family": "Source Sans Pro, Arial, sans-serif"},
    )
    return fig


def projection_chart(projection: pl.DataFrame, title: str) -> go.Figure:
    """Expected people needing support by age band and in total, per year (one area or several summed)."""
    by_band = (
        projection.group_by("age_band", "projection_year")
        .agg(pl.col("expected_people").sum())
        .sort("age_band", "projection_year")
    )
    total = (
        by_band.group_by("projection_year")
        .agg(pl.col("expected_people").sum())
        .sort("projection_year")
        .with_columns(age_band=pl.lit("All adults"))
    )
    frame = pl.concat([total.select(by_band.columns), by_band]).with_columns(
        year=pl.col("projection_year").cast(pl.String), age_band=pl.col("age_band").replace({"18-64": "Aged 18-64"})
    )
    fig = trend_lines(frame, "year", "expected_people", "age_band", title, "People", highlight="All adults")
    fig.update_traces(hovertemplate="%{y:,.0f}")
    return fig


def accuracy_sentence(metrics: pl.DataFrame, what: str) -> str:
    """The backtest in plain words: interval hit rate and the gain over a same-quarter-last-year guess.

    Parameters
    ----------
    metrics : polars.DataFrame
        ``fct_forecast_metrics`` rows of one series (``model, mase, coverage_80, coverage_95, origins, chosen``).
    what : str
        What is forecast, for example "people in long-term community support".
    """
    chosen = metrics.filter(pl.col("chosen"))
    if chosen.is_empty() or not chosen["origins"][0]:
        return f"There is too little history to test the forecast of {what}; treat it as a rough guide."
    row = chosen.row(0, named=True)
    baseline = metrics.filter(pl.col("model") == "seasonal_naive").row(0, named=True)
    tested = (
        f"Tested on the last {row['origins']} quarters (forecasting up to a year ahead from each), the "
        f"forecast of {what} was within its 80% range {pct(100 * row['coverage_80'], 0)} of the time and within "
        f"its 95% range {pct(100 * row['coverage_95'], 0)}."
    )
    if row["model"] == "seasonal_naive":
        return f"{tested} No model beat a same-quarter-last-year guess, so that guess is the forecast."
    if not (math.isfinite(baseline["mase"]) and baseline["mase"] > 0 and math.isfinite(row["mase"])):
        return tested
    gain = 100 * (1 - row["mase"] / baseline["mase"])
    return f"{tested} On average its error was {pct(gain, 0)} smaller than a same-quarter-last-year guess."


def scenario_sentence(
    result: ScenarioResult, baseline: ScenarioResult, locality_code: str, year: str, area: str
) -> str:
    """People, cost and PA gap in one year, with the 80% range, and the difference from the baseline."""

    def fmt(measure: str, column: str = "central", source: ScenarioResult = result) -> str:
        return by_unit(source.value(locality_code, year, measure, column), _unit(measure))

    cost_change = result.value(locality_code, year, "cost_gbp") - baseline.value(locality_code, year, "cost_gbp")
    direction = "more" if cost_change > 0 else "less"
    if result.levers == baseline.levers:
        against = "this is the baseline"
    elif abs(cost_change) >= 500:
        against = f"{by_unit(abs(cost_change), 'gbp')} a year {direction} than the baseline"
    else:
        against = "about the same as the baseline"
    gap = result.value(locality_code, year, "pa_gap")
    pa_words = (
        f"{by_unit(abs(gap), 'count')} fewer Personal Assistants than DP recipients would employ"
        if gap > 0
        else f"{by_unit(abs(gap), 'count')} more Personal Assistants than DP recipients would employ"
    )
    return (
        f"By {year}, {area} would support about {fmt('people_supported')} people in the community "
        f"(80% range {fmt('people_supported', 'lo_80')} to {fmt('people_supported', 'hi_80')}), at a cost of "
        f"{fmt('cost_gbp')} a year in today's prices (80% range {fmt('cost_gbp', 'lo_80')} to "
        f"{fmt('cost_gbp', 'hi_80')}): {against}. The PA register would hold about {pa_words}."
    )


def headline_value(measure: str, value: float) -> str:
    """A scenario figure as shown on the page; the PA gap reads '120 short' or '80 spare'."""
    if measure == "pa_gap":
        return f"{by_unit(abs(value), 'count')} {'short' if value > 0 else 'spare'}"
    unit = _unit(measure)
    return by_unit(value, "count" if unit == "hours" else unit)


def _unit(measure: str) -> str:
    return {"pct": "percent"}.get(MEASURES[measure][1], MEASURES[measure][1])


def comparison_table(table: pl.DataFrame, names: list[str], threshold: int = 5) -> pl.DataFrame:
    """:func:`models.scenarios.compare` output as the text people read: units, £, signs; small counts hidden."""
    rows = []
    for record in table.iter_rows(named=True):
        unit = _unit(record["measure"])
        row = {"Measure": record["label"]}
        for name in names:
            value = record[name]
            if unit == "count" and 0 < abs(value) < threshold:
                row[name] = f"<{threshold}"
            elif record["measure"] == "pa_gap":
                row[name] = headline_value("pa_gap", value)
            else:  # hours without the word: the measure's name says it, and the columns stay narrow
                row[name] = by_unit(value, "count" if unit == "hours" else unit)
        for name in names[1:]:
            row[f"{name} vs {names[0]}"] = change_by_unit(record[f"{name} vs {names[0]}"], unit)
        rows.append(row)
    return pl.DataFrame(rows)


def lever_table(results: Mapping[str, ScenarioResult]) -> pl.DataFrame:
    """Each scenario's lever values side by side, in words."""
    rows = []
    for name in Levers.names():
        spec = Levers.spec(name)
        row = {"Lever": spec["label"]}
        for scenario, result in results.items():
            value = getattr(result.levers, name)
            if value is None:
                text = "none: trend continues"
            elif name == "population_variant":
                text = {"projection": "ONS 2022-based projection", "no_growth": "no growth"}[value]
            elif spec["unit"] == "£":
                text = f"£{value:,.2f}"
            elif isinstance(value, str):
                text = value
            else:
                text = f"{value:,g} {spec['unit']}".strip()
            row[scenario] = text
        rows.append(row)
    return pl.DataFrame(rows)
