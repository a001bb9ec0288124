"""The quarter's KPI review for one contract as an Excel workbook: scorecard, data, notes, about.

Every sheet writes the presenter's tables (``dashboard.present.provider_kpis``), so the workbook says what
the page says, suppressed the same way. In the columns the presenter marks numeric, a figure shown as a
plain number ('1,161', '3.7%', '28.2 days', '£154,072') is written as that number with a matching display
format, so people can work with it; everything else (``<5``, '–', words) is text, written through
``write_string`` after :func:`neutralise` so no cell can become a formula. RAG cells carry the word as
well as the colour.
"""

from __future__ import annotations

import io
import re

import xlsxwriter

from dashboard.exports.safe_cells import neutralise
from dashboard.present.blocks import RagCell, Table
from dashboard.present.provider_kpis import RAG_EXPLAINED, RAG_FILLS, KpiReview

# A number as the presenter prints it: optional £, digits with thousands separators, optional decimals and unit.
_NUMBER = re.compile(r"^(?P<gbp>£)?(?P<digits>\d{1,3}(?:,\d{3})+|\d+)(?P<decimals>\.\d+)?(?P<unit>%| days| hours)?$")
WIDTHS = {
    "KPI": 44,
    "Target": 30,
    "Target in force": 30,
    "RAG": 18,
    "Variation (SPC)": 30,
    "Assurance (SPC)": 32,
    "Checks": 40,
    "Provider's comment": 50,
    "Commentary": 60,
    "Agreed actions": 60,
    "How the value is worked out": 30,
    "KPI code": 22,
    "Author": 22,
    "Written": 18,
}


def as_number(text: str) -> tuple[float, str] | None:
    """'3.7%' -> (3.7, '0.0"%"'), '1,161' -> (1161, '#,##0'); None for anything that is not a plain figure."""
    match = _NUMBER.match(text)
    if not match:
        return None
    decimals = len(match["decimals"] or "") - 1 if match["decimals"] else 0
    value = float(match["digits"].replace(",", "") + (match["decimals"] or ""))
    base = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    if match["gbp"]:
        return value, f'"£"{base}'
    unit = match["unit"]
    return value, base + (f'"{unit}"' if unit else "")


class _Writer:
    """Cell writing with the workbook's formats: neutralised text, numbers with their display format."""

    def __init__(self, book: xlsxwriter.Workbook):
        self.book = book
        self.formats: dict[tuple, object] = {}
        self.bold = book.add_format({"bold": True})
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "top"})

    def format(self, num_format: str | None = None, fill: str | None = None):
        key = (num_format, fill)
        if key not in self.formats:
            spec = {"valign": "top", "text_wrap": num_format is None}
            if num_format:
                spec["num_format"] = num_format
            if fill:
                spec["bg_color"] = fill
            self.formats[key] = self.book.add_format(spec)
        return self.formats[key]

    def text(self, sheet, row: int, col: int, value, cell_format=None) -> None:
        if value is None or value == "":
            sheet.write_blank(row, col, None, cell_format)
        else:
            sheet.write_string(row, col, str(neutralise(str(value))), cell_format or self.format())

    def cell(self, sheet, row: int, col: int, value, numeric: bool) -> None:
        if isinstance(value, RagCell):
            self.text(sheet, row, col, value.text, self.format(fill=RAG_FILLS.get(value.rating or "")))
            return
        number = as_number(str(value)) if numeric else None
        if number is None:
            self.text(sheet, row, col, value)
        else:
            sheet.write_number(row, col, number[0], self.format(number[1]))

    def table(self, sheet, top: int, table: Table, freeze_columns: int = 1) -> int:
        """Write ``table``'s headings at row ``top`` and its rows below; returns the next free row."""
        for col, name in enumerate(table.columns):
            self.text(sheet, top, col, name, self.header)
            sheet.set_column(col, col, WIDTHS.get(name, 14))
        for i, row in enumerate(table.rows, start=top + 1):
            for col, value in enumerate(row):
                self.cell(sheet, i, col, value, table.is_numeric(col))
        sheet.freeze_panes(top + 1, freeze_columns)
        sheet.autofilter(top, 0, top + max(len(table.rows), 1), len(table.columns) - 1)
        return top + len(table.rows) + 1


def _scorecard_sheet(writer: _Writer, review: KpiReview) -> None:
    sheet = writer.book.add_worksheet("Scorecard")
    writer.text(sheet, 0, 0, review.title, writer.title)
    writer.text(sheet, 1, 0, f"{review.about}. {review.scorecard.summary}")
    writer.text(sheet, 2, 0, f"Return: {review.status_text}")
    if review.synthetic:
        writer.text(sheet, 3, 0, "Synthetic demo data: made-up figures, not for decisions.", writer.bold)
    writer.table(sheet, 5, review.scorecard.table)


def _data_sheet(writer: _Writer, review: KpiReview) -> None:
    writer.table(writer.book.add_worksheet("Data"), 0, review.data, freeze_columns=3)


def _notes_sheet(writer: _Writer, review: KpiReview) -> None:
    sheet = writer.book.add_worksheet("Notes")
    writer.text(sheet, 0, 0, review.notes.caption, writer.title)
    for col, name in enumerate(review.notes.columns):
        writer.text(sheet, 1, col, name, writer.header)
        sheet.set_column(col, col, WIDTHS.get(name, 14))
    row = 2
    for values in review.notes.rows:
        for col, value in enumerate(values):
            writer.text(sheet, row, col, value)
        row += 1
    if not review.notes.rows:
        writer.text(sheet, row, 0, "No notes were written for this quarter.")
        row += 1
    row += 1
    last = review.last_time
    writer.text(sheet, row, 0, last.heading if last.period else last.empty, writer.bold)
    for values in last.table.rows:
        row += 1
        for col, value in enumerate(values):
            writer.text(sheet, row, col, value)
    row += 2
    if review.actions is not None:
        writer.text(sheet, row, 0, review.actions.caption, writer.bold)
        for col, name in enumerate(review.actions.columns):
            writer.text(sheet, row + 1, col, name, writer.header)
        row += 2
        for values in review.actions.rows:
            for col, value in enumerate(values):
                writer.text(sheet, row, col, value)
            row += 1
        if not review.actions.rows:
            writer.text(sheet, row, 0, "No actions are open for this contract.")
            row += 1


def _about_sheet(writer: _Writer, review: KpiReview) -> None:
    sheet = writer.book.add_worksheet("About")
    sheet.set_column(0, 0, 110)
    lines = [
        review.title,
        f"Generated {review.generated_at:%d %B %Y %H:%M} UTC from the commissioning dashboard.",
        RAG_EXPLAINED,
        "SPC: Making Data Count XmR chart over every quarter to this one (mean +/- 2.66 x mean moving range); "
        "special causes are points beyond the limits, runs of 7 on one side of the mean, trends of 7, and 2 of 3 "
        "points beyond 2 sigma. Assurance compares the process limits with the target.",
        "Changes are in the KPI's unit (percentage points for percentages).",
        review.disclosure_note,
        "Text that a spreadsheet could read as a formula starts with an apostrophe.",
    ]
    if review.synthetic:
        lines.insert(1, "SYNTHETIC DEMO DATA: the figures are made up and must not be used for decisions.")
    for i, line in enumerate(lines):
        writer.text(sheet, i, 0, line, writer.title if i == 0 else writer.format())


def review_workbook(review: KpiReview) -> bytes:
    """The review as ``.xlsx`` bytes with sheets Scorecard, Data, Notes and About."""
    buffer = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with xlsxwriter.Workbook(buffer, options) as book:
        writer = _Writer(book)
        _scorecard_sheet(writer, review)
        _data_sheet(writer, review)
        _notes_sheet(writer, review)
        _about_sheet(writer, review)
    return buffer.getvalue()
