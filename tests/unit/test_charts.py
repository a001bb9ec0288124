"""Chart builders (dashboard.charts): what a reader sees on each figure, checked on small frames."""

from __future__ import annotations

import plotly.io as pio
import polars as pl

from dashboard import charts

QUARTERS = [f"{2020 + y}/{21 + y} Q{q}" for y in range(3) for q in range(1, 5)]  # 2020/21 Q1 .. 2022/23 Q4


def uptake_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "period": QUARTERS * 2,
            "area": ["Fenland"] * 12 + ["Cambridge"] * 12,
            "uptake": [15.0 + i / 10 for i in range(12)] + [23.0 + i / 10 for i in range(12)],
        }
    )


def test_trend_lines_draw_the_target_with_its_direction_and_tell_lines_apart_without_colour():
    fig = charts.trend_lines(
        uptake_frame(), "period", "uptake", "area", "DP uptake", "Uptake", 25.0, "Target 25% (higher is better)", "%"
    )
    assert [t.name for t in fig.data] == ["Fenland", "Cambridge"]
    assert fig.data[0].y[-1] == 16.1 and fig.data[1].y[0] == 23.0
    # Colour is never the only signal: each line has its own dash and marker too.
    assert fig.data[0].line.dash != fig.data[1].line.dash and fig.data[0].marker.symbol != fig.data[1].marker.symbol
    (line,) = fig.layout.shapes
    assert (line.y0, line.y1, line.xref, line.x0, line.x1) == (25.0, 25.0, "x domain", 0, 1)
    (note,) = fig.layout.annotations
    # Its label sits above the plot, where no line of data can run through it, and the margin makes room.
    assert (note.text, note.yref, note.y, note.xanchor, note.yanchor) == (
        "Target 25% (higher is better)",
        "paper",
        1,
        "left",
        "bottom",
    )
    assert fig.layout.margin.t == 60 + charts.NOTE_ROW_PX
    assert fig.layout.title.text == "DP uptake" and fig.layout.yaxis.ticksuffix == "%"
    # Twelve quarters: only each year's first quarter is labelled.
    assert list(fig.layout.xaxis.tickvals) == ["2020/21 Q1", "2021/22 Q1", "2022/23 Q1"]


def test_every_figure_gets_the_slim_white_template():
    fig = charts.trend_lines(uptake_frame(), "period", "uptake", "area", "T", "Y")
    assert fig.layout.template.layout.plot_bgcolor == pio.templates["plotly_white"].layout.plot_bgcolor == "white"
    assert not fig.layout.template.data.to_plotly_json()  # no per-trace-type styles copied into each figure
    assert fig.layout.shapes == () and fig.layout.annotations == ()  # no target, no line


def test_bars_leave_room_above_the_tallest_bar_or_the_target():
    frame = pl.DataFrame({"period": QUARTERS[:4], "isfs": [5.0, 8.0, None, 19.0]})
    fig = charts.bars(
        frame, "period", "isfs", "New ISFs", "ISFs", target=18.75, target_label="Plan", text_format=",.0f"
    )
    assert list(fig.data[0].text) == ["5", "8", "–", "19"]
    assert list(fig.layout.yaxis.range) == [0, 19.0 * 1.2]
    assert fig.layout.shapes[0].y0 == 18.75 and fig.layout.annotations[0].text == "Plan"


def test_funnel_plot_has_a_linear_size_axis_and_the_average_line():
    curve = pl.DataFrame(
        {
            "n": [100, 1000],
            "lower_998": [0.1, 0.17],
            "upper_998": [0.3, 0.23],
            "lower_95": [0.12, 0.18],
            "upper_95": [0.28, 0.22],
        }
    )
    table = pl.DataFrame(
        {
            "unit": ["Fenland", "Cambridge"],
            "denominator": [639, 723],
            "proportion": [0.16, 0.239],
            "position": ["below 95% limits", "within limits"],
        }
    )
    fig = charts.funnel_chart(table, curve, "Funnel", "People in long-term community support", "DP uptake", 0.2)
    assert fig.layout.xaxis.type == "linear" and fig.layout.xaxis.title.text == "People in long-term community support"
    assert fig.layout.shapes[0].y0 == 20.0 and fig.layout.annotations[0].text == "Average 20.0%"
    areas = fig.data[-1]
    assert list(areas.y) == [16.0, 23.9]
    assert list(areas.marker.symbol) == ["diamond", "circle"]  # outside the limits: a different shape, not only colour


def test_a_long_title_is_broken_into_lines_and_the_chart_grows_to_keep_its_plot():
    title = "Proportion of people who use services receiving direct payments (ASCOF)"
    fig = charts.trend_lines(uptake_frame(), "period", "uptake", "area", title, "Uptake")
    lines = fig.layout.title.text.split("<br>")
    assert lines == ["Proportion of people who use services receiving direct", "payments (ASCOF)"]
    assert (fig.layout.margin.t, fig.layout.height) == (80, 400)
    short = charts.trend_lines(uptake_frame(), "period", "uptake", "area", "DP uptake", "Uptake")
    assert (short.layout.title.text, short.layout.margin.t, short.layout.height) == ("DP uptake", 60, 380)


def test_funnel_labels_are_placed_where_they_cover_no_other_label_or_point():
    """South Cambridgeshire (1,050 people, 20.4%) and Huntingdonshire (1,250, 20.9%) wrote their names over each
    other at 800 px, both above their points."""
    xs, ys = [1050.0, 1250.0, 520.0], [20.4, 20.9, 18.8]
    names = ["South Cambridgeshire", "Huntingdonshire", "East Cambridgeshire"]
    places = charts.label_positions(xs, ys, names, (300.0, 1800.0), (12.0, 27.0))
    # Above its point, South Cambridgeshire's name would run over Huntingdonshire's point: it goes below instead.
    assert places == ["bottom center", "top center", "top center"]
    # A point with nothing near keeps its name above it.
    assert charts.label_positions([500.0], [20.0], ["Fenland"], (300.0, 1800.0), (12.0, 27.0)) == ["top center"]
