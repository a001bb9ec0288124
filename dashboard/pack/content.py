"""The committee pack's building blocks: paragraphs, charts, tables and sections, and the words and
numbers they are written in (British dates, £, one-decimal percentages, small counts suppressed).

Sections are lists of blocks in reading order, so the template only lays them out; every number is
formatted here, once, so the PDF and the HTML version say exactly the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from dashboard.present.blocks import (  # noqa: F401  (the pack's blocks are the presenters' blocks)
    Block,
    Chart,
    Heading,
    Metric,
    Note,
    Paragraph,
    RagCell,
    Section,
    Table,
)
from models.periods import parse_quarter
from pipelines.config import Settings

if TYPE_CHECKING:
    from dashboard.queries import Warehouse

UK_TIME = ZoneInfo("Europe/London")
ENGLAND = "E92000001"  # GSS code of England, the national comparator


@dataclass(frozen=True)
class Scope:
    """What one pack is about: the warehouse it reads, the quarter and the area."""

    wh: Warehouse
    period: str
    code: str
    area: str

    @property
    def settings(self) -> Settings:
        return self.wh.settings

    @property
    def is_county(self) -> bool:
        return self.code == self.settings.council.code

    @property
    def threshold(self) -> int:
        return self.settings.suppression_threshold

    @property
    def line(self) -> str:
        return f"{self.area}, {self.period} ({period_months(self.period)})"


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
