"""The committee pack's building blocks: paragraphs, charts, tables and sections, and the words and
numbers they are written in (British dates, £, one-decimal percentages, small counts suppressed).

Sections are lists of blocks in reading order, so the template only lays them out; every number is
formatted here, once, so the PDF and the HTML version say exactly the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

import plotly.graph_objects as go

from dashboard.exports.review_table import rag_words
from dashboard.formatting import pct, suppressed
from pipelines.config import Settings
from pipelines.periods import parse_quarter

UK_TIME = ZoneInfo("Europe/London")
ENGLAND = "E92000001"  # GSS code of England, the national comparator
SUPPRESSED_NOTE = "Counts from 1 to {below} are shown as <{threshold}, and rates resting on them as ‘–’."


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


@dataclass
class Chart:
    """A Plotly figure drawn as a static image; ``alt`` states what it shows for people who cannot see it."""

    figure: go.Figure
    alt: str
    height: int = 330  # pixels at the chart's 860-pixel width, i.e. about 70 mm on the page
    image: bytes | None = None  # PNG, filled in by the renderer
    kind: ClassVar[str] = "chart"


@dataclass(frozen=True)
class RagCell:
    """A RAG rating in a table: a coloured dot and the word, so colour is never the only signal."""

    rating: str | None

    @property
    def text(self) -> str:
        return rag_words(self.rating, symbol=False) if self.rating else "No target"

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Table:
    caption: str
    columns: list[str]
    rows: list[list[str | RagCell]]
    numeric: list[bool] = field(default_factory=list)  # right-aligned columns
    bold_rows: list[int] = field(default_factory=list)  # the selected area, the total
    widths: list[str] = field(default_factory=list)  # CSS widths per column, optional
    kind: ClassVar[str] = "table"

    def is_numeric(self, index: int) -> bool:
        return index < len(self.numeric) and self.numeric[index]


@dataclass(frozen=True)
class Scope:
    """What one pack is about: the quarter, the area and the settings it is judged by."""

    settings: Settings
    period: str
    quarter_end: date
    code: str
    area: str
    latest_period: str

    @property
    def is_county(self) -> bool:
        return self.code == self.settings.council.code

    @property
    def threshold(self) -> int:
        return self.settings.suppression_threshold

    @property
    def line(self) -> str:
        return f"{self.area}, {self.period} ({period_months(self.period)})"


Block = Paragraph | Heading | Note | Chart | Table


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


@dataclass
class Pack:
    council: str
    committee: str
    period: str
    period_months: str
    area: str
    locality_code: str
    built_at: datetime
    latest_period: str
    generated_at: datetime
    synthetic: bool
    threshold: int
    sections: list[Section]

    @property
    def title(self) -> str:
        return f"Adult social care commissioning: performance pack, {self.period}"

    @property
    def data_as_at(self) -> str:
        return long_date(self.built_at)

    @property
    def built_time(self) -> str:
        return f"{self.built_at.astimezone(UK_TIME):%H:%M} UK time"

    @property
    def charts(self) -> list[Chart]:
        return [c for s in self.sections for c in s.charts]

    def file_stem(self) -> str:
        area = "".join(ch if ch.isalnum() else "-" for ch in self.area.lower()).strip("-")
        while "--" in area:
            area = area.replace("--", "-")
        return f"committee-pack_{self.period.replace('/', '-').replace(' ', '-')}_{area}"


def long_date(moment: date | datetime) -> str:
    """22 November 2026 (in UK time for a moment with a time zone)."""
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        moment = moment.astimezone(UK_TIME)
    return f"{moment.day} {moment:%B %Y}"


def period_months(period: str) -> str:
    """'2024/25 Q4' -> 'January to March 2025'."""
    quarter = parse_quarter(period)
    return f"{quarter.start:%B} to {quarter.end:%B %Y}"


def count_cell(value: float | None, threshold: int) -> str:
    """A count of people (or things that could identify them), suppressed below the threshold."""
    return suppressed(value, threshold)


def rate_cell(rate: float | None, counts: list[float | None], threshold: int) -> str:
    """A percentage, hidden when any count it rests on is suppressed (else it would give the count away)."""
    if any(c is not None and 0 < c < threshold for c in counts):
        return "–"
    return pct(rate)


def suppression_note(threshold: int) -> Note:
    return Note(SUPPRESSED_NOTE.format(below=threshold - 1, threshold=threshold))
