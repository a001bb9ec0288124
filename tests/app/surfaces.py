"""What a person can see or download, gathered from a rendered page (AppTest) or the committee pack.

A ``Surface`` holds, as text exactly as shown: the text blocks (markdown, captions, alerts, headings), the
metrics, the tables (on-screen dataframes, the pack's tables, CSV and Excel downloads) and the chart specs
(Plotly JSON, as the browser receives it). The consistency and disclosure tests read pages and the pack
through this one shape, so a check written once applies to every surface.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from unittest import mock

from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from dashboard.present.demand import SCENARIO_CHARTS
from dashboard.shell.components import EXPANDER_KEY
from pipelines.config import PROJECT_ROOT

APP = str(PROJECT_ROOT / "dashboard" / "app.py")
PAGES = {
    "overview.py": "Overview",
    "direct_payments.py": "Direct payments",
    "workforce.py": "Workforce",
    "satisfaction_outcomes.py": "Satisfaction and outcomes",
    "provider_kpis.py": "Provider KPIs",
    "demand_scenarios.py": "Demand and scenarios",
    "data.py": "Data",
    "glossary.py": "Glossary",
}

# Pages that build only their open tab (?tab=...): each tab is rendered in turn, so a check sees them all.
TABS = {
    "demand_scenarios.py": ("Forecasts", "Population-driven demand", "Waiting times", "Scenario", "Compare scenarios"),
    "satisfaction_outcomes.py": ("DPSS customer survey", "Adult Social Care Survey", "Outcomes of reviews"),
    "workforce.py": ("Growth in Personal Assistants", "The rural gap", "Care micro-enterprises"),
    "direct_payments.py": (
        "Over time",
        "Districts",
        "Comparators",
        "Support and ISFs",
        "By group",
    ),
}

# Tabs that show one of several views at a time, the reader's pick (a query parameter): the views beyond the first.
TAB_VIEWS = {
    ("demand_scenarios.py", "Scenario"): [{"scenario_chart": chart} for chart in list(SCENARIO_CHARTS)[1:]],
}


@dataclass(frozen=True)
class Text:
    where: str  # "markdown", "caption", "metric 'DP uptake, 2024/25 Q4'", "pack headlines paragraph"...
    text: str


@dataclass(frozen=True)
class MetricShown:
    where: str
    label: str
    value: str
    help: str
    delta: str

    @property
    def text(self) -> str:
        return " · ".join(part for part in (f"{self.label}: {self.value}", self.delta, self.help) if part)


@dataclass
class TableShown:
    where: str  # "dataframe 2", "download dp_uptake_history.csv", "pack headlines table 'Headline measures...'"
    columns: list[str]
    rows: list[list[str]]

    def row_texts(self) -> list[str]:
        return [" | ".join(row) for row in self.rows]


@dataclass
class ChartShown:
    where: str
    spec: dict  # Plotly figure JSON: {"data": [...], "layout": {...}}

    @property
    def title(self) -> str:
        title = self.spec.get("layout", {}).get("title", {})
        return (title.get("text") if isinstance(title, dict) else str(title or "")) or ""


@dataclass
class Surface:
    name: str
    texts: list[Text] = field(default_factory=list)
    metrics: list[MetricShown] = field(default_factory=list)
    tables: list[TableShown] = field(default_factory=list)
    charts: list[ChartShown] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)  # file names read
    error: str = ""  # why the surface could not be rendered, if it could not

    def units(self) -> list[Text]:
        """Every self-contained piece of text: text blocks, metrics, and each table row with its columns' names."""
        units = list(self.texts)
        units += [Text(m.where, m.text) for m in self.metrics]
        for table in self.tables:
            for i, row in enumerate(table.rows):
                cells = " | ".join(f"{c}: {v}" for c, v in zip(table.columns, row, strict=False))
                units.append(Text(f"{table.where} row {i + 1}", cells))
        return units

    def all_text(self) -> str:
        return "\n".join(u.text for u in self.units())

    def add(self, other: Surface) -> Surface:
        """This surface with what ``other`` shows added (another tab of the same page)."""
        self.texts += other.texts
        self.metrics += other.metrics
        self.tables += other.tables
        self.charts += other.charts
        self.downloads += other.downloads
        return self


# --- Cells as text ----------------------------------------------------------------------------------------


def cell_text(value) -> str:
    """A cell as a person reads it (None and NaN are empty; whole floats without '.0'; lists joined)."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list | tuple):
        return ", ".join(cell_text(v) for v in value)
    try:  # numpy scalars and arrays, pandas NA
        import numpy as np
        import pandas as pd

        if isinstance(value, np.ndarray):
            return ", ".join(cell_text(v) for v in value.tolist())
        if isinstance(value, np.generic):
            return cell_text(value.item())
        if value is pd.NA or value is pd.NaT:
            return ""
    except ImportError:  # pragma: no cover
        pass
    return str(value)


_RULE = re.compile(r"^\|(\s*:?-+:?\s*\|)+$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def markdown_table(text: str) -> tuple[list[str], list[list[str]]] | None:
    """A Markdown table (dashboard.shell.components.show_static_table) as its headings and rows of plain text."""
    lines = text.splitlines()
    if len(lines) < 2 or not lines[0].startswith("|") or not _RULE.match(lines[1]):
        return None

    def cells(line: str) -> list[str]:
        return [re.sub(r"\\(.)", r"\1", c.strip()).replace("\u00a0", "") for c in _CELL_SPLIT.split(line)[1:-1]]

    return cells(lines[0]), [cells(line) for line in lines[2:]]


class _HtmlTables(HTMLParser):
    """Collects every ``<table class="asc-table ...">`` (dashboard.shell.html_tables) as headings and rows."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[list[str], list[list[str]]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_table = False

    def handle_starttag(self, tag, attrs):
        if tag == "table" and "asc-table" in (dict(attrs).get("class") or ""):
            self._in_table = True
            self.tables.append(([], []))
        elif self._in_table and tag == "tr":
            self._row = []
        elif self._in_table and tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_table = False
        elif self._in_table and tag in ("th", "td") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif self._in_table and tag == "tr" and self._row is not None:
            headings, rows = self.tables[-1]
            if headings:
                rows.append(self._row)
            else:
                headings.extend(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def html_tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every HTML table (dashboard.shell.html_tables.show_html_table) in ``text`` as its headings and rows of the
    text a person reads (entities decoded, a blank cell empty)."""
    parser = _HtmlTables()
    parser.feed(text)
    return [(headings, [[c.replace("\u00a0", "") for c in row] for row in rows]) for headings, rows in parser.tables]


def shown_html_tables(at: AppTest) -> list[tuple[list[str], list[list[str]]]]:
    """Every HTML table a rendered page shows, in order."""
    return [t for element in at.get("html") for t in html_tables(element.proto.body)]


def frame_table(where: str, frame) -> TableShown:
    """A pandas or polars frame as a table of text cells."""
    if hasattr(frame, "to_pandas") and not hasattr(frame, "iloc"):
        frame = frame.to_pandas()
    if hasattr(frame, "data") and hasattr(frame, "to_html") and not hasattr(frame, "iloc"):  # pandas Styler
        frame = frame.data
    columns = [str(c) for c in frame.columns]
    rows = [[cell_text(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    return TableShown(where, columns, rows)


# --- Downloads ----------------------------------------------------------------------------------------------


class _RecordingMediaFileManager(MediaFileManager):
    """AppTest makes a media file manager per run and drops it after: keep the last one to read downloads from."""

    last: MediaFileManager | None = None

    def __init__(self, storage) -> None:
        super().__init__(storage)
        _RecordingMediaFileManager.last = self


@contextmanager
def recording_downloads():
    with mock.patch("streamlit.testing.v1.app_test.MediaFileManager", _RecordingMediaFileManager):
        yield


def download_bytes(button) -> bytes:
    """The file a download button would give (running a deferred download's callable, as a click does)."""
    manager = _RecordingMediaFileManager.last
    assert manager is not None, "run the page inside recording_downloads()"
    url = button.proto.url
    if not url and button.proto.deferred_file_id:
        url = manager.execute_deferred(button.proto.deferred_file_id)
    name = url.rsplit("/", 1)[-1]
    stored = manager.read_file(name)
    assert stored is not None, f"download {button.proto.label!r}: no file at {url!r}"
    content = stored.content
    return content.encode() if isinstance(content, str) else bytes(content)


def download_name(button) -> str:
    """The download's file name as offered (from the stored file), or its label."""
    manager = _RecordingMediaFileManager.last
    url = button.proto.url
    if manager is not None and url:
        stored = manager.read_file(url.rsplit("/", 1)[-1])
        if stored is not None and getattr(stored, "filename", None):
            return stored.filename
    return button.proto.label


def read_download(surface: Surface, label: str, data: bytes, filename: str = "") -> None:
    """Add a downloaded file's content to ``surface``: CSV and Excel as tables, PDF as text."""
    where = f"download {filename or label!r}"
    name = (filename or "").lower()
    if data[:4] == b"%PDF" or name.endswith(".pdf"):
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        for i, page in enumerate(reader.pages):
            surface.texts.append(Text(f"{where} page {i + 1}", page.extract_text() or ""))
    elif data[:2] == b"PK" or name.endswith(".xlsx"):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        for sheet in book.worksheets:
            rows = [[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            rows = [r for r in rows if any(r)]
            if rows:
                surface.tables.append(TableShown(f"{where} sheet {sheet.title!r}", rows[0], rows[1:]))
    else:
        text = data.decode("utf-8-sig", errors="replace")
        rows = list(csv.reader(io.StringIO(text)))
        if rows:
            surface.tables.append(TableShown(where, rows[0], rows[1:]))
    surface.downloads.append(filename or label)


# --- Pages ----------------------------------------------------------------------------------------------------


def run_app(page: str | None = None, **query) -> AppTest:
    """The app with the router's filters read from the URL, switched to ``page`` (None: the Overview)."""
    with recording_downloads():
        at = AppTest.from_file(APP, default_timeout=120)
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
        if page and page != "overview.py":
            at.switch_page(f"views/{page}").run()
        open_expanders(at)
    assert not at.exception, (page, query, [e.message for e in at.exception])
    return at


def expander_key(expander) -> str | None:
    """The session-state key of an expander drawn by ``dashboard.shell.components.lazy_expander`` (its proto's
    id ends with ``-<key>``), or None for any other expander."""
    _, found, rest = expander.proto.id.partition(f"-{EXPANDER_KEY}")
    return f"{EXPANDER_KEY}{rest}" if found else None


def open_expanders(at: AppTest) -> AppTest:
    """Open every closed expander whose content is built only when opened (every chart's "Show as table"...), as a
    person would click each one, so the tables and CSVs in them are read as well."""
    closed = [key for e in at.expander if (key := expander_key(e)) and not at.session_state[key]]
    if closed:
        for key in closed:
            at.session_state[key] = True
        at.run()
    return at


def every_tab_surface(page: str, downloads: bool = True, **query) -> Surface:
    """Everything a page shows, every tab of it opened in turn (see ``TABS``), for the filters in ``query``."""
    surface = Surface(page)
    for tab in TABS.get(page, (None,)):
        at = run_app(page, **query, **({"tab": tab} if tab else {}))
        surface.add(page_surface(at, f"{page} {tab or ''}", downloads))
    return surface


def page_surface(at: AppTest, name: str, downloads: bool = True) -> Surface:
    """Everything ``at`` shows: text, metrics, dataframes, chart specs, and (read) every download."""
    surface = Surface(name)
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "success", "error", "text"):
        for element in getattr(at, kind):
            if kind == "markdown" and markdown_table(str(element.value)):
                continue  # a table (show_static_table): checked as one, below, as an st.table was
            surface.texts.append(Text(kind, str(element.value)))
    for element in at.get("alert"):  # older Streamlit groups the alerts
        surface.texts.append(Text("alert", str(getattr(element, "value", ""))))
    for expander in at.expander:
        surface.texts.append(Text("expander", expander.label))
    for m in at.metric:
        surface.metrics.append(
            MetricShown(f"metric {m.label!r}", m.label, m.value, m.proto.help or "", m.proto.delta or "")
        )
    for i, table in enumerate(at.dataframe):
        surface.tables.append(frame_table(f"dataframe {i + 1}", table.value))
    for i, table in enumerate(at.table):
        surface.tables.append(frame_table(f"table {i + 1}", table.value))
    for i, table in enumerate(t for m in at.markdown if (t := markdown_table(str(m.value)))):
        surface.tables.append(TableShown(f"markdown table {i + 1}", *table))
    for i, table in enumerate(shown_html_tables(at)):
        surface.tables.append(TableShown(f"html table {i + 1}", *table))
    for i, chart in enumerate(at.get("plotly_chart")):
        surface.charts.append(ChartShown(f"chart {i + 1}", json.loads(chart.proto.spec)))
    if downloads:
        for button in at.get("download_button"):
            with recording_downloads():
                data = download_bytes(button)
            read_download(surface, button.proto.label, data, download_name(button))
    return surface


# --- The committee pack ------------------------------------------------------------------------------------


def pack_surfaces(pack) -> dict[str, Surface]:
    """Each section of a pack (``dashboard.pack.build_pack``) as a surface, keyed by the section's key."""
    from dashboard.present.blocks import Chart, Heading, Metric, Note, Paragraph, Table

    surfaces = {}
    for section in pack.sections:
        surface = Surface(f"pack {section.key}")
        surface.texts += [Text("pack title", section.title), Text("pack scope", section.scope)]
        for i, block in enumerate(section.blocks):
            where = f"pack {section.key} block {i + 1}"
            if isinstance(block, Paragraph | Note | Heading):
                surface.texts.append(Text(f"{where} {type(block).__name__.lower()}", block.text))
            elif isinstance(block, Metric):
                surface.metrics.append(
                    MetricShown(where, block.label, block.value, block.help or "", block.delta or "")
                )
            elif isinstance(block, Table):
                surface.tables.append(pack_table(f"{where} table {block.caption!r}", block))
            elif isinstance(block, Chart):
                surface.charts.append(ChartShown(f"{where} chart", json.loads(block.figure.to_json())))
                surface.texts += [Text(f"{where} chart alt", block.alt or "")]
                if block.how_to_read:
                    surface.texts.append(Text(f"{where} chart note", block.how_to_read))
                if block.table is not None:
                    surface.tables.append(pack_table(f"{where} chart table {block.table.caption!r}", block.table))
        surfaces[section.key] = surface
    return surfaces


def pack_table(where: str, table) -> TableShown:
    return TableShown(where, [str(c) for c in table.columns], [[str(c) for c in row] for row in table.rows])
