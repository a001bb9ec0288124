"""Lay presenter blocks out with Streamlit: metrics, paragraphs, notes, tables and charts with their data.

Nothing here computes a figure: every number arrives formatted and suppressed from ``dashboard/present``.
A chart is drawn with its "how to read this" note, an optional SPC view, and its table and CSV download.
"""

from __future__ import annotations

import re
import textwrap

import plotly.graph_objects as go
import streamlit as st

from dashboard.exports.safe_cells import neutralise_frame
from dashboard.present.blocks import Chart, Heading, Metric, Note, Paragraph, Table
from dashboard.present.missing_sources import MissingSources
from dashboard.present.spc import spc_figure
from dashboard.shell.audit import on_download
from pipelines.templates import template_csv

SPC_NOTE = (
    "SPC view (NHS 'Making Data Count'): the dotted process limits show the range the measure usually "
    "varies within, around its mean. Marked points are unusual (beyond the limits, a run of 7 on one side "
    "of the mean, 7 rising or falling, or 2 of 3 near a limit): blue for improvement, orange for concern. "
    "Where the process is known to have changed, the limits are recalculated and the periods drawn apart."
)
_MARKDOWN = re.compile(r"([\\`*_\[\]<>#|~$])")
# GitHub-flavoured Markdown makes links of bare addresses too (www.x.org, https://x, mailto:a, a@x.org): a word
# joiner (U+2060, invisible) inside each such marker stops that; the text still reads the same.
_AUTOLINK = re.compile(r"(?i)(www\.|:(?=//)|\b(?:mailto|xmpp):|@(?=\w))")
WORD_JOINER = "\u2060"


def plain(text: str) -> str:
    """Text for st.markdown with the characters that make links, emphasis, HTML, headings, tables and maths
    escaped and bare addresses broken, so data never becomes markup or a link (`[` also stops Streamlit's
    `:red[...]` colour directives)."""
    return _AUTOLINK.sub(lambda m: m.group(0) + WORD_JOINER, _MARKDOWN.sub(r"\\\1", str(text)))


def show_metrics(metrics: list[Metric], columns: int = 4) -> None:
    """Metrics in rows of ``columns``: a fifth metric starts a second row instead of being dropped."""
    for start in range(0, len(metrics), columns):
        for column, m in zip(st.columns(columns), metrics[start : start + columns], strict=False):
            column.metric(m.label, m.value, delta=m.delta, delta_color=m.delta_color, help=m.help)


def show_table(table: Table, key: str) -> None:
    st.dataframe(table.arrow(), hide_index=True, width="stretch", key=f"table-{key}")


def show_static_table(table: Table) -> None:
    """A short table nobody sorts or scrolls (a glossary, a metadata panel, a few year-end values) as a Markdown
    table: Streamlit draws st.dataframe and st.table with 0.7-1.2 MB of JavaScript (DataFrame.js,
    arrowFormatUtils.js) loaded and evaluated on the page's first view, 0.4-0.6 s on a 2-core laptop, where the
    Markdown renderer is already loaded. Cells wrap; numeric columns are right-aligned."""
    st.markdown(markdown_table(table))


def markdown_table(table: Table) -> str:
    """The table as GitHub-flavoured Markdown, every cell escaped as ``plain`` text (a "|" cannot end a cell)."""

    def cell(value) -> str:
        return plain(" ".join(str(value).split())) or "\u00a0"  # an empty cell keeps the row's shape

    heading = "| " + " | ".join(cell(c) for c in table.columns) + " |"
    rule = "|" + "|".join("---:" if table.is_numeric(i) else "---" for i in range(len(table.columns))) + "|"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.rows]
    return "\n".join([heading, rule, *rows])


# Streamlit's grid wraps a cell's text only when its rows are taller than 4rem; this height holds three lines.
WRAPPED_ROW_PX = 72
# One wrapped line of the grid's 14 px text, and a cell's padding above and below (3 lines: WRAPPED_ROW_PX).
GRID_LINE_PX, GRID_CELL_PADDING_PX = 20, 12
# The grid's text runs about this many pixels a character (Source Sans, mixed case; measured on the scorecard at
# 800 px) and its cells pad 16 px; a hyphenated word is not broken.
GRID_CHAR_PX, GRID_CELL_SIDES_PX = 6.0, 16


def wrapped_row_height(rows: list[list], columns: list[str], widths: dict[str, int]) -> int:
    """A row height in pixels that holds the longest cell of every column held at a width (three lines at least):
    a grid draws its cells on a canvas, so a fourth line of a long KPI name would be cut, not wrapped."""
    lines = 3
    for name, width in widths.items():
        if name not in columns:
            continue
        chars = max(int((width - GRID_CELL_SIDES_PX) / GRID_CHAR_PX), 1)
        at = columns.index(name)
        lines = max(lines, *(len(textwrap.wrap(str(row[at]), chars, break_on_hyphens=False)) for row in rows))
    return lines * GRID_LINE_PX + GRID_CELL_PADDING_PX


def wrapped_columns(widths: dict[str, int], labels: dict[str, str] | None = None) -> dict:
    """Column settings for a grid whose cells wrap: each named column held at its width in pixels, under a
    shorter heading where ``labels`` gives one (a grid's headings never wrap), the full name as its tooltip."""
    labels = labels or {}
    return {
        name: st.column_config.TextColumn(labels.get(name), width=width, help=name if name in labels else None)
        for name, width in widths.items()
    }


def show_verdict_table(
    table: Table,
    key: str,
    first: list[str],
    widths: dict[str, int],
    *,
    labels: dict[str, str] | None = None,
    caption: bool = True,
    every_row: bool = False,
) -> None:
    """A table with its verdict columns ``first`` (after the row's name), at ``widths`` that fit together in an
    800 px window, and cells that wrap rather than cut: a narrow window or a phone shows every verdict without
    scrolling sideways. Its download and the exports keep the presenter's order."""
    if caption:  # False where the page's heading already says it
        st.markdown(f"**{plain(table.caption)}**")
    row_px = wrapped_row_height(table.rows, table.columns, widths)
    st.dataframe(
        table.frame(),
        hide_index=True,
        width="stretch",
        key=f"table-{key}",
        column_order=[*first, *(column for column in table.columns if column not in first)],
        column_config=wrapped_columns(widths, labels),
        row_height=row_px,
        height=rows_height(len(table.rows), row_px=row_px) if every_row else "auto",
    )


def rows_height(rows: int, most: int = 12, row_px: int = WRAPPED_ROW_PX) -> int:
    """A wrapped grid's height showing ``rows`` rows (up to ``most``; more scroll inside it) and its heading."""
    return row_px * max(1, min(rows, most)) + 38


def show_chart(chart: Chart, areas: dict[str, str] | None = None) -> None:
    """Draw a chart (or its SPC view), a plain-words note on reading it, and its data as a table and CSV.

    A chart with an SPC view is a fragment: its toggle redraws this chart alone, not the whole page. With
    ``areas`` (each area's name to its code), clicking an area's point or line filters the page to that area.
    """
    if chart.spc is None:
        _draw_chart(chart, spc=False, areas=areas)
        st.session_state.pop(AREA_PICKED, None)  # the click's rerun was the whole page already
    else:
        _chart_with_spc_toggle(chart, areas)


AREA_PICKED = "_area_picked_on_chart"


@st.fragment
def _chart_with_spc_toggle(chart: Chart, areas: dict[str, str] | None) -> None:
    spc = st.toggle("Show as SPC chart", key=f"spc-{chart.name}", help=SPC_NOTE)
    _draw_chart(chart, spc, areas)
    if st.session_state.pop(AREA_PICKED, None):
        st.rerun(scope="app")  # a click inside this fragment re-ran it alone; the new area changes the whole page


def area_clicked(fig, points: list, areas: dict[str, str]) -> str | None:
    """The code of the area a chart click selected: the point's label (a funnel's districts) or its line's name."""
    for point in points:
        trace = fig.data[point["curve_number"]]
        index = point.get("point_index", point.get("point_number"))
        label = trace.text[index] if isinstance(trace.text, list | tuple) and index is not None else None
        for name in (label, trace.name):
            if name in areas:
                return areas[name]
    return None


def _pick_area(key: str, fig, areas: dict[str, str]) -> None:
    state = st.session_state.get(key)
    code = area_clicked(fig, list(state.selection.points) if state else [], areas)
    if code and code != st.session_state.get("locality"):
        st.session_state["locality"] = code  # the sidebar's filter, which the URL follows
        st.session_state[AREA_PICKED] = True


def _draw_chart(chart: Chart, spc: bool, areas: dict[str, str] | None = None) -> None:
    fig, how_to_read = chart.figure, chart.how_to_read
    if spc:
        fig, reading = spc_figure(chart.spc)
        how_to_read = f"{reading} {SPC_NOTE}"
    key = f"chart-{chart.name}"
    if areas and not spc:  # an SPC view is one area's series: nothing to pick
        # A unified hover (every line's value at a quarter) makes a click select every line at once: here the
        # hover, and so the click, is the nearest area's point alone.
        st.plotly_chart(
            go.Figure(fig).update_layout(hovermode="closest"),
            width="stretch",
            config={"displaylogo": False},
            key=key,
            on_select=lambda: _pick_area(key, fig, areas),
            selection_mode="points",
        )
        how_to_read = f"{how_to_read} Click an area's point or line to show the page for that area.".strip()
    else:
        st.plotly_chart(fig, width="stretch", config={"displaylogo": False}, key=key)
    if how_to_read:
        st.caption(how_to_read)
    if chart.table is not None:
        _chart_table(chart)


EXPANDER_KEY = "expander-"


def lazy_expander(label: str, key: str, expanded: bool = False):
    """An expander whose content the caller builds only while it is open (``if box.open: with box: ...``).

    A closed expander's content is sent to the browser all the same: a table in it loads and evaluates the grid's
    0.7-1.2 MB of JavaScript on the page's first view (0.4-0.6 s on a 2-core laptop), and its CSV is written, though
    nobody opened it. Opening or closing it reruns the script (or the fragment it sits in). ``key`` (unique within a
    page run) keeps it open across reruns; it is stored as ``expander-<key>``.
    """
    return st.expander(label, expanded=expanded, key=f"{EXPANDER_KEY}{key}", on_change="rerun")


@st.fragment
def _chart_table(chart: Chart) -> None:
    """A chart's data as a table and CSV, built only once its "Show as table" is opened; opening it reruns this
    fragment alone, not the page."""
    box = lazy_expander("Show as table", f"table-{chart.name}")
    if not box.open:
        return
    with box:
        st.dataframe(chart.table.arrow(), hide_index=True, width="stretch")
        st.download_button(
            "Download CSV",
            neutralise_frame(chart.table.frame()).write_csv(),  # cells made safe for Excel in the file only
            file_name=f"{chart.name}.csv",
            mime="text/csv",
            key=f"download-{chart.name}",
            on_click=on_download(f"{chart.name}.csv"),
        )


def show(blocks: list, key: str = "") -> None:
    """Lay out a presenter's blocks in order."""
    for i, block in enumerate(blocks):
        if isinstance(block, Paragraph):
            st.markdown(f"**{plain(block.text)}**" if block.emphasis else plain(block.text))
        elif isinstance(block, Heading):
            st.header(block.text)
        elif isinstance(block, Note):
            st.caption(plain(block.text))
        elif isinstance(block, Metric):
            show_metrics([block], 1)
        elif isinstance(block, Chart):
            show_chart(block)
        elif isinstance(block, Table):
            st.markdown(f"**{plain(block.caption)}**")
            show_table(block, f"{key}-{i}")


def show_missing(missing: MissingSources | None, page: str) -> None:
    """Say which files the page still needs, with a download of each one's blank template."""
    if missing is None:
        return
    st.info(plain(missing.sentence.text))
    for column, m in zip(st.columns(max(len(missing.sources), 1)), missing.sources, strict=False):
        label, key = f"Template: {m.label}", f"template-{page}-{m.source}"
        column.download_button(label, template_csv(m.source), m.template_file, "text/csv", key=key)
