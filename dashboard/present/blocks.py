"""What presenters return and every surface lays out: paragraphs, notes, metrics, charts, tables, sections.

A presenter (``dashboard/present/<theme>.py``) computes every figure, sentence and verdict once and
returns these blocks, already formatted and already suppressed. The Streamlit views lay them out on
screen; the committee pack lays the same blocks out in HTML and PDF; downloads write the same tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import plotly.graph_objects as go
import polars as pl
import pyarrow as pa

from dashboard.signals import rag_words


@dataclass(frozen=True)
class Paragraph:
    text: str
    emphasis: bool = False  # a key finding, set in bold
    kind: ClassVar[str] = "paragraph"


@dataclass(frozen=True)
class Heading:
    text: str
    new_page: bool = False  # start a new page: keeps a long theme's second part together
    kind: ClassVar[str] = "heading"


@dataclass(frozen=True)
class Note:
    """Small print under a chart or table: how to read it, where it comes from."""

    text: str
    kind: ClassVar[str] = "note"


@dataclass(frozen=True)
class RagCell:
    """A RAG rating in a table: a coloured dot and the word, so colour is never the only signal."""

    rating: str | None
    unrated: str = "No target"  # the words when there is no rating ("Not rated (small numbers)")

    @property
    def text(self) -> str:
        return rag_words(self.rating, symbol=False) if self.rating else self.unrated

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class IconCell:
    """A Making Data Count signal in a table: our SVG icon (dashboard/mdc_icons.py) and its words beside it."""

    svg: str
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Table:
    caption: str
    columns: list[str]
    rows: list[list[str | RagCell | IconCell]]
    numeric: list[bool] = field(default_factory=list)  # right-aligned columns
    bold_rows: list[int] = field(default_factory=list)  # the selected area, the total
    widths: list[str] = field(default_factory=list)  # CSS widths per column, optional
    kind: ClassVar[str] = "table"

    def is_numeric(self, index: int) -> bool:
        return index < len(self.numeric) and self.numeric[index]

    def frame(self) -> pl.DataFrame:
        """The table as text, exactly as printed, for the screen and for CSV and Excel downloads."""
        data = {column: [str(row[i]) for row in self.rows] for i, column in enumerate(self.columns)}
        return pl.DataFrame(data, schema={column: pl.String for column in self.columns})

    def arrow(self) -> pa.Table:
        """The same text as an Arrow table, for the screen: st.dataframe sends one as it is, where it first turns a
        Polars frame into a pandas one (most of the CPU a table cost each session under load; py-spy, issue 16)."""
        columns = {c: pa.array([str(row[i]) for row in self.rows], pa.string()) for i, c in enumerate(self.columns)}
        return pa.table(columns)


@dataclass(frozen=True)
class SpcView:
    """A quarterly series that the page can redraw as an SPC chart (values already suppressed)."""

    periods: list[str]
    values: list[float | None]
    higher_is_better: bool | None
    title: str
    y_title: str
    y_suffix: str = ""
    target: float | None = None
    target_label: str = ""
    change_points: tuple[tuple[str, str], ...] = ()  # (first period, what changed): SPC limits recalculated


@dataclass
class Chart:
    """A Plotly figure with the words around it.

    ``alt`` states what it shows for people who cannot see it (the pack's image text); ``how_to_read`` is the
    note under it; ``table`` holds its data as people read them (the page's "Show as table" and CSV
    download); ``name`` keys its widgets and names its download. Every number in the figure, its hover
    text and its table has been through disclosure control.
    """

    figure: go.Figure
    alt: str
    height: int = 330  # pixels at the chart's 860-pixel width, i.e. about 70 mm on the page
    image: bytes | None = None  # PNG, filled in by the renderer
    name: str = ""
    how_to_read: str = ""
    table: Table | None = None
    spc: SpcView | None = None
    kind: ClassVar[str] = "chart"


@dataclass(frozen=True)
class Metric:
    """A headline number: its label, the value as shown, an optional change and a help text."""

    label: str
    value: str
    help: str | None = None
    delta: str | None = None  # "+0.5 points on a year before"
    delta_color: str = "off"  # "normal" (up is good), "inverse" (down is good) or "off"
    kind: ClassVar[str] = "metric"


Block = Paragraph | Heading | Note | Chart | Table | Metric


@dataclass
class Section:
    key: str  # anchor for the contents list
    title: str
    scope: str  # the area and quarter the page is about, under the title
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> Section:
        self.blocks.extend(blocks)
        return self

    @property
    def charts(self) -> list[Chart]:
        return [b for b in self.blocks if isinstance(b, Chart)]
