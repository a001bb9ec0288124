"""Chart builders: pure functions from Polars frames to Plotly figures (unit-testable, no Streamlit).

Colours come from the Okabe-Ito palette, which stays distinguishable with the common forms of colour
blindness; lines also differ by dash and marker so colour is never the only signal.
"""

from __future__ import annotations

import textwrap

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl

# plotly_white's layout without its styles for every other kind of trace (colour scales for fifty chart
# types): plotly deep-copies the template into each new figure, and the full one cost 7 ms on creation
# plus 22 ms when set again, most of a page's render time. Registered as the default for every figure
# the product draws (dashboard, exports and committee pack all import this module).
PRODUCT_TEMPLATE = "asc_white"
pio.templates[PRODUCT_TEMPLATE] = go.layout.Template(layout=pio.templates["plotly_white"].layout)


def use_product_template() -> None:
    """Make the product's template plotly's default. Streamlit makes its own the default when it is imported, so
    whichever of the two modules came last won: the dashboard's shell calls this after importing Streamlit."""
    pio.templates.default = PRODUCT_TEMPLATE


use_product_template()

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
MARKERS = ["circle", "square", "diamond", "triangle-up", "x", "cross"]
TARGET_COLOUR = "#444444"
# Characters on one line of a chart title: about 450 px at 16 px, what a chart gets in an 800 px window.
TITLE_LINE_CHARS = 56


def chart_title(text: str) -> tuple[dict, int]:
    """A chart's title, broken into lines of at most ``TITLE_LINE_CHARS``, and the top margin it needs.

    Plotly never wraps a title: on a narrow window a long one was cut off ("...direct payments (ASCOF)").
    """
    lines = textwrap.wrap(text, TITLE_LINE_CHARS, break_long_words=False) or [""]
    # Pinned to the top (plotly centres it in the top margin by default), so labels added above the plot, in
    # the margin's lower rows, never run into it.
    title = {
        "text": "<br>".join(lines),
        "x": 0,
        "xanchor": "left",
        "yref": "container",
        "y": 1,
        "yanchor": "top",
        "pad": {"t": 12},
        "font": {"size": 16},
    }
    return title, 60 + 20 * (len(lines) - 1)


def _layout(
    fig: go.Figure,
    title: str,
    y_title: str,
    y_suffix: str = "",
    *,
    lines: tuple[tuple[dict, dict | None], ...] = (),
    xaxis: dict | None = None,
    yaxis: dict | None = None,
) -> go.Figure:
    """Give ``fig`` the product's layout, with ``lines`` (from ``_reference_line``) and axis settings.

    The layout is assigned whole rather than through ``update_layout`` and ``add_hline``: on a figure
    that already has traces those re-validate it at each call, and cost 15-25 ms a call against 1 ms.
    """
    title_layout, top = chart_title(title)
    notes = _above_plot([note for _, note in lines if note])
    top += NOTE_ROW_PX * sum(_lines_of(note) for note in notes)
    return assign_layout(
        fig,
        {
            **line_chart_layout(title_layout, top),
            "yaxis": {"title": y_title, "ticksuffix": y_suffix, "rangemode": "tozero", **(yaxis or {})},
            "xaxis": {"title": None, "type": "category", "automargin": True, **(xaxis or {})},
            "shapes": [shape for shape, _ in lines],
            "annotations": notes,
        },
    )


def line_chart_layout(title_layout: dict, top: int) -> dict:
    """The layout every line chart shares (title, height for its title's lines, legend below, one hover box)."""
    return {
        "title": title_layout,
        "height": 380 + top - 60,
        "margin": {"l": 10, "r": 10, "t": top, "b": 10},
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0},
        "hovermode": "x unified",
        "font": {"family": "Source Sans Pro, Arial, sans-serif"},
    }


def assign_layout(fig: go.Figure, layout: dict) -> go.Figure:
    """Give ``fig`` the whole ``layout`` (a plain dict, without a template) on the product's template.

    Plotly validates a template afresh each time one is named in a layout, deep copies and all: 20-25 ms a
    figure, most of what a chart cost to build (a Demand lever change builds four). Left out, the figure takes
    the default ``asc_white``, which plotly applies as already valid, and sends the browser the same JSON.
    """
    fig.layout = layout
    return fig


def relayout(fig: go.Figure, **changes) -> go.Figure:
    """Change a built figure's layout (on the product's template): each change replaces the property, and a
    change given as a dict is merged one level into the property's dict (``xaxis={"tickangle": 0}`` keeps
    the axis's title). ``shapes``/``annotations`` given here are added to those the figure has.

    What ``update_layout``, ``add_shape`` and ``add_annotation`` do, without re-validating the template at
    each call (10-25 ms each on a figure with traces; this is about 1 ms).
    """
    layout = fig.layout.to_plotly_json()
    layout.pop("template", None)
    for key, value in changes.items():
        if key in ("shapes", "annotations"):
            layout[key] = [*layout.get(key, ()), *value]
        elif isinstance(value, dict) and isinstance(layout.get(key), dict):
            layout[key] = {**layout[key], **value}
        else:
            layout[key] = value
    return assign_layout(fig, layout)


# Height of one line of labels above the plot (an 12-13 px font with its leading).
NOTE_ROW_PX = 18


def _above_plot(notes: list[dict]) -> list[dict]:
    """Reference lines' labels moved above the plot, one row each, where no point or line of data can lie
    under them: drawn beside their line they sat on the data ("Target 25.0%" across Cambridge's line,
    "County 72.8" across a bar). Each keeps its horizontal place (a change point's label stays over its line)."""
    placed, row = [], 0
    for note in notes:
        placed.append({**note, "yref": "paper", "y": 1, "yanchor": "bottom", "yshift": NOTE_ROW_PX * row})
        row += _lines_of(note)
    return placed


def _lines_of(note: dict) -> int:
    return str(note.get("text", "")).count("<br>") + 1


# Characters on one line of a label above the plot (11 px text in the 430 px a chart has in an 800 px window).
NOTE_LINE_CHARS = 70


def _reference_line(
    y: float, label: str, colour: str = TARGET_COLOUR, dash: str = "dash", width: float = 2
) -> tuple[dict, dict | None]:
    """A horizontal line across the plot with its label above its left end (what ``add_hline`` draws)."""
    shape = {
        "type": "line",
        "xref": "x domain",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": y,
        "y1": y,
        "line": {"color": colour, "dash": dash, "width": width},
    }
    note = {
        "text": label,
        "xref": "x domain",
        "x": 0,
        "xanchor": "left",
        "yref": "y",
        "y": y,
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"color": colour},  # as dark as its line (the template's grey was faint over data lines)
    }
    return shape, (note if label else None)


# Labels on a quarterly axis: "2020/21 Q1" is about 65 px wide, and a chart in an 800 px window has about
# 430 px of axis, so six labels fit side by side with room between them.
MOST_X_LABELS = 6


def quarter_ticks(labels: list[str], most: int = MOST_X_LABELS) -> dict:
    """Label each financial year's first quarter, or every other (every third...) year so that no more than
    ``most`` labels share the axis: twenty "2024/25 Q1" labels do not fit side by side."""
    labels = list(dict.fromkeys(labels))
    if len(labels) > 8 and all(str(label)[-3:-1] == " Q" for label in labels):
        firsts = [label for label in labels if str(label).endswith("Q1")] or labels[::4]
        ticks = firsts[:: -(-len(firsts) // most)]
        return {"tickvals": ticks, "ticktext": ticks, "tickangle": 0}
    return {}


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
    lines = (_reference_line(target, target_label),) if target is not None else ()
    return _layout(fig, title, y_title, y_suffix, lines=lines, xaxis=quarter_ticks(frame[x].to_list()))


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
    lines = (_reference_line(target, target_label),) if target is not None else ()
    top = max([v for v in values if v is not None] + [target or 0]) * 1.2 or 1
    return _layout(
        fig, title, y_title, y_suffix, lines=lines, xaxis=quarter_ticks(frame[x].to_list()), yaxis={"range": [0, top]}
    )


SIGNAL_STYLE = {
    # Making Data Count colours (blue improvement, orange concern, purple neutral) with distinct shapes.
    "improvement": ("#0072B2", "circle", "Improvement"),
    "concern": ("#E69F00", "diamond", "Concern"),
    "neutral": ("#CC79A7", "square", "Special cause"),
}


def spc_chart(
    periods: list[str],
    table: pl.DataFrame,
    title: str,
    y_title: str,
    y_suffix: str = "",
    target: float | None = None,
    target_label: str = "",
    breaks: tuple[tuple[str, str], ...] | list[tuple[str, str]] = (),
) -> go.Figure:
    """An XmR chart: values, mean, process limits, and special-cause points marked by colour and shape.

    Where the table has several periods (limits recalculated at change points), each period's mean and limits
    are drawn as their own segments, with a dotted vertical line and the ``breaks`` label where one begins.
    """
    fig = go.Figure()
    grey = "#6b6b6b"
    period_of = table["period"].to_list() if "period" in table.columns else [0] * table.height
    segments = [[i for i, p in enumerate(period_of) if p == number] for number in dict.fromkeys(period_of)]
    line_styles = (
        ("upper", "Upper process limit", {"color": grey, "dash": "dot", "width": 1.5}),
        ("lower", "Lower process limit", {"color": grey, "dash": "dot", "width": 1.5}),
        ("centre", "Mean", {"color": grey, "width": 1.5}),
    )
    for column, name, style in line_styles:
        values = table[column].to_list()
        for k, rows in enumerate(segments):
            fig.add_trace(
                go.Scatter(
                    x=[periods[i] for i in rows],
                    y=[values[i] for i in rows],
                    name=name,
                    legendgroup=column,
                    showlegend=k == 0,
                    mode="lines",
                    line=style,
                    hoverinfo="skip",
                )
            )
    shapes, notes = [], []
    labels = dict(breaks)
    for rows in segments[1:]:
        start = rows[0]
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "x0": start - 0.5,
                "x1": start - 0.5,
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "line": {"color": "#000000", "dash": "dashdot", "width": 1.5},
            }
        )
        label = labels.get(periods[start], "Change")
        text = f"From {periods[start]}: {label}"
        notes.append(
            {
                # Each on its own row(s) above the plot from its left edge, broken to fit an 800 px window: beside
                # its line a long one ran off the chart. "From 2024/25 Q1" ties it to its dash-dotted line.
                "text": "<br>".join(textwrap.wrap(text, NOTE_LINE_CHARS, break_long_words=False)),
                "xref": "x domain",
                "x": 0,
                "xanchor": "left",
                "align": "left",
                "yref": "paper",
                "y": 1,
                "yanchor": "top",
                "showarrow": False,
                "bgcolor": "rgba(255,255,255,0.8)",
                "font": {"size": 11},
            }
        )
    fig.add_trace(
        go.Scatter(
            x=periods,
            y=table["value"].to_list(),
            name="Value",
            mode="lines+markers",
            line={"color": "#333333", "width": 2},
            marker={"size": 6, "color": "#333333"},
            hovertemplate=f"%{{y:,.1f}}{y_suffix}<extra></extra>",
        )
    )
    for variation, (colour, symbol, label) in SIGNAL_STYLE.items():
        points = [
            (p, v)
            for p, v, var in zip(periods, table["value"].to_list(), table["variation"].to_list(), strict=True)
            if var == variation
        ]
        if points:
            fig.add_trace(
                go.Scatter(
                    x=[p for p, _ in points],
                    y=[v for _, v in points],
                    name=label,
                    mode="markers",
                    marker={"size": 11, "color": colour, "symbol": symbol, "line": {"width": 1, "color": "#000"}},
                    hovertemplate=f"{label}: %{{y:,.1f}}{y_suffix}<extra></extra>",
                )
            )
    lines = (_reference_line(target, target_label or "Target", colour="#D55E00"),) if target is not None else ()
    lines += tuple(zip(shapes, notes, strict=True))
    return _layout(
        fig, title, y_title, y_suffix, lines=lines, xaxis=quarter_ticks(periods), yaxis={"rangemode": "normal"}
    )


def interval_chart(
    frame: pl.DataFrame,
    x: str,
    y: str,
    lower: str,
    upper: str,
    title: str,
    y_title: str,
    y_suffix: str = "%",
    flagged: str | None = None,
    target: float | None = None,
    target_label: str = "",
) -> go.Figure:
    """Estimates with 95% intervals as error bars; points flagged (e.g. a significant change) ringed."""
    values = frame[y].to_list()
    fig = go.Figure(
        go.Scatter(
            x=frame[x].to_list(),
            y=values,
            mode="lines+markers",
            name="Estimate",
            line={"color": OKABE_ITO[0], "width": 2},
            marker={"size": 8, "color": OKABE_ITO[0]},
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [
                    (u - v) if u is not None and v is not None else None
                    for u, v in zip(frame[upper].to_list(), values, strict=True)
                ],
                "arrayminus": [
                    (v - lo) if lo is not None and v is not None else None
                    for lo, v in zip(frame[lower].to_list(), values, strict=True)
                ],
                "color": "#888888",
                "thickness": 1.5,
            },
            hovertemplate=f"%{{y:.1f}}{y_suffix}<extra></extra>",
        )
    )
    if flagged and frame[flagged].any():
        marked = frame.filter(pl.col(flagged))
        fig.add_trace(
            go.Scatter(
                x=marked[x].to_list(),
                y=marked[y].to_list(),
                mode="markers",
                name="Significant change from the quarter before",
                marker={"size": 16, "symbol": "circle-open", "color": "#D55E00", "line": {"width": 3}},
            )
        )
    lines = (_reference_line(target, target_label),) if target is not None else ()
    return _layout(
        fig,
        title,
        y_title,
        y_suffix,
        lines=lines,
        xaxis=quarter_ticks(frame[x].to_list()),
        yaxis={"range": [0, 100] if y_suffix == "%" else None},
    )


def funnel_chart(
    table: pl.DataFrame, curve: pl.DataFrame, title: str, x_title: str, y_title: str, p0: float
) -> go.Figure:
    """A funnel plot: each unit's proportion against its size, with 95% and 99.8% limits around p0."""
    fig = go.Figure()
    n = curve["n"].to_list()
    for column, label, dash in (("upper_998", "99.8% limits", "dot"), ("upper_95", "95% limits", "dash")):
        fig.add_trace(
            go.Scatter(
                x=n,
                y=[v * 100 for v in curve[column].to_list()],
                name=label,
                mode="lines",
                line={"color": "#6b6b6b", "dash": dash},
                hoverinfo="skip",
                legendgroup=label,
            )
        )
        lower = column.replace("upper", "lower")
        fig.add_trace(
            go.Scatter(
                x=n,
                y=[v * 100 for v in curve[lower].to_list()],
                name=label,
                mode="lines",
                line={"color": "#6b6b6b", "dash": dash},
                hoverinfo="skip",
                legendgroup=label,
                showlegend=False,
            )
        )
    outside = table["position"].str.contains("99.8|95").to_list()
    xs, ys = table["denominator"].to_list(), [p * 100 for p in table["proportion"].to_list()]
    curve_ys = [v * 100 for column in ("lower_998", "upper_998") for v in curve[column].to_list()]
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="markers+text",
            text=table["unit"].to_list(),
            # Each name where it covers no other name or point (two districts of like size and value wrote theirs
            # over each other at 800 px).
            textposition=label_positions(
                xs, ys, table["unit"].to_list(), (min(n + xs), max(n + xs)), (min(curve_ys + ys), max(curve_ys + ys))
            ),
            name="Areas",
            marker={
                "size": 11,
                "color": [OKABE_ITO[5] if o else OKABE_ITO[0] for o in outside],
                "symbol": ["diamond" if o else "circle" for o in outside],
            },
            customdata=table["position"].to_list(),
            hovertemplate="%{text}: %{y:.1f}% of %{x:,}<br>%{customdata}<extra></extra>",
        )
    )
    average = _reference_line(p0 * 100, f"Average {p0 * 100:.1f}%", dash="solid", width=1.5)
    return _layout(
        fig,
        title,
        y_title,
        "%",
        lines=(average,),
        xaxis={"type": "linear", "title": x_title},
        yaxis={"rangemode": "normal"},
    )


# A funnel's narrowest plot (an 800 px window): about 430 by 280 px. Point labels are placed for that size; on a
# wider chart the points only move further apart.
PLOT_PX = (430, 280)
LABEL_CHAR_PX, LABEL_HEIGHT_PX, MARKER_PX = 6.5, 14, 12
# Where a point's label may go, in order of preference, as (plotly position, box offset from the point in px).
LABEL_PLACES = (
    ("top center", lambda w: (-w / 2, MARKER_PX / 2 + 2)),
    ("bottom center", lambda w: (-w / 2, -MARKER_PX / 2 - 2 - LABEL_HEIGHT_PX)),
    ("middle right", lambda w: (MARKER_PX / 2 + 2, -LABEL_HEIGHT_PX / 2)),
    ("middle left", lambda w: (-MARKER_PX / 2 - 2 - w, -LABEL_HEIGHT_PX / 2)),
    ("top right", lambda w: (MARKER_PX / 2, MARKER_PX / 2)),
    ("top left", lambda w: (-MARKER_PX / 2 - w, MARKER_PX / 2)),
    ("bottom right", lambda w: (MARKER_PX / 2, -MARKER_PX / 2 - LABEL_HEIGHT_PX)),
    ("bottom left", lambda w: (-MARKER_PX / 2 - w, -MARKER_PX / 2 - LABEL_HEIGHT_PX)),
)


def label_positions(xs: list[float], ys: list[float], labels: list[str], x_range, y_range) -> list[str]:
    """A text position for each point's label such that no label covers another label or a point, where one
    exists on the narrowest plot: two districts of similar size and value wrote their names over each other."""
    (x0, x1), (y0, y1) = x_range, y_range
    px = [(x - x0) / ((x1 - x0) or 1) * PLOT_PX[0] for x in xs]
    py = [(y - y0) / ((y1 - y0) or 1) * PLOT_PX[1] for y in ys]
    half = MARKER_PX / 2
    taken = [(x - half, y - half, x + half, y + half) for x, y in zip(px, py, strict=True)]  # the points
    chosen = []
    for x, y, label in zip(px, py, labels, strict=True):
        width = len(label) * LABEL_CHAR_PX
        options = []
        for position, offset in LABEL_PLACES:
            dx, dy = offset(width)
            box = (x + dx, y + dy, x + dx + width, y + dy + LABEL_HEIGHT_PX)
            clashes = sum(_overlaps(box, other) for other in taken)
            options.append((clashes, position, box))
        clashes, position, box = min(options, key=lambda o: o[0])  # the first place with the fewest clashes
        taken.append(box)
        chosen.append(position)
    return chosen


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
