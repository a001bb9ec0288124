"""The quarter's KPI review for one contract as an Excel workbook: scorecard, data, notes, about.

Numbers are written as numbers with a display format (so people can work with them), text through
``write_string`` after :func:`neutralise` (so no cell can become a formula), and counts below the
suppression threshold as the text ``<5``. RAG cells carry the word as well as the colour.
"""

from __future__ import annotations

import io
import math

import polars as pl
import xlsxwriter

from dashboard.charts.kpi import direction_words
from dashboard.exports.review_table import (
    CALCULATION_WORDS,
    RAG_FILLS,
    STATUS_WORDS,
    KpiReview,
    checks_text,
    rag_words,
)
from dashboard.exports.safe_cells import neutralise
from dashboard.review_notes import local_time
from dashboard.signals import assurance_label, variation_label

NUMBER_FORMATS = {
    "percent": '0.0"%"',
    "count": "#,##0",
    "days": '0.0" days"',
    "hours": '#,##0" hours"',
    "gbp": '"£"#,##0',
}
CHANGE_FORMATS = {
    "percent": '+0.0" points";-0.0" points";0.0" points"',
    "count": "+#,##0;-#,##0;0",
    "days": '+0.0" days";-0.0" days";0.0" days"',
    "hours": '+#,##0" hours";-#,##0" hours";0" hours"',
    "gbp": '+"£"#,##0;-"£"#,##0;"£"0',
}
SCORECARD_HEADERS = (
    ("KPI", 46),
    ("Value", 14),
    ("Target", 12),
    ("Direction", 17),
    ("RAG", 22),
    ("Change on last quarter", 16),
    ("Change on same quarter last year", 16),
    ("Variation (SPC)", 30),
    ("Assurance (SPC)", 32),
    ("Checks", 40),
    ("Provider's comment", 50),
)


class _Writer:
    """Cell writing with the workbook's formats: neutralised text, formatted numbers, suppressed counts."""

    def __init__(self, book: xlsxwriter.Workbook, threshold: int):
        self.book, self.threshold = book, threshold
        self.formats: dict[str, object] = {}
        self.bold = book.add_format({"bold": True})
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "top"})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})

    def number_format(self, num_format: str, fill: str | None = None):
        key = f"{num_format}|{fill}"
        if key not in self.formats:
            spec = {"num_format": num_format, "valign": "top"}
            if fill:
                spec["bg_color"] = fill
            self.formats[key] = self.book.add_format(spec)
        return self.formats[key]

    def text(self, sheet, row: int, col: int, value, cell_format=None) -> None:
        if value is None or value == "":
            sheet.write_blank(row, col, None, cell_format)
        else:
            sheet.write_string(row, col, str(neutralise(str(value))), cell_format or self.wrap)

    def number(self, sheet, row: int, col: int, value, num_format: str, is_count: bool = False) -> None:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            sheet.write_blank(row, col, None)
        elif is_count and 0 < value < self.threshold:
            sheet.write_string(row, col, f"<{self.threshold}")
        else:
            sheet.write_number(row, col, value, self.number_format(num_format))


def _headers(writer: _Writer, sheet, row: int, headers) -> None:
    for col, (name, width) in enumerate(headers):
        writer.text(sheet, row, col, name, writer.header)
        sheet.set_column(col, col, width)


def _scorecard_sheet(writer: _Writer, review: KpiReview) -> None:
    sheet = writer.book.add_worksheet("Scorecard")
    writer.text(sheet, 0, 0, review.title, writer.title)
    writer.text(sheet, 1, 0, f"{review.council_name}. Contract type: {review.contract_type.replace('_', ' ')}.")
    writer.text(sheet, 2, 0, f"Return: {review.status_text()}")
    if review.synthetic:
        writer.text(sheet, 3, 0, "Synthetic demo data: made-up figures, not for decisions.", writer.bold)
    top = 5
    _headers(writer, sheet, top, SCORECARD_HEADERS)
    for i, r in enumerate(review.card.iter_rows(named=True), start=top + 1):
        unit, status = r["unit"], r.get("value_status") or "reported"
        fmt, change_fmt = NUMBER_FORMATS.get(unit, "0.0"), CHANGE_FORMATS.get(unit, "+0.0;-0.0;0.0")
        is_count = unit == "count"
        writer.text(sheet, i, 0, r["kpi_name"])
        if status == "reported":
            writer.number(sheet, i, 1, r["value"], fmt, is_count)
        else:
            writer.text(sheet, i, 1, STATUS_WORDS[status])
        writer.number(sheet, i, 2, r["target"], fmt)
        writer.text(sheet, i, 3, direction_words(r["higher_is_better"]))
        rag = r["rag"]
        words = rag_words(rag, symbol=False) if status == "reported" else "No value to rate"
        writer.text(sheet, i, 4, words, writer.number_format("@", RAG_FILLS.get(rag)))
        small = is_count and any(
            v is not None and 0 < v < writer.threshold
            for v in (r["value"], r["previous_quarter_value"], r["last_year_value"])
        )
        for col, change in ((5, r["change_on_quarter"]), (6, r["change_on_year"])):
            if small and change is not None:
                writer.text(sheet, i, col, "suppressed")
            else:
                writer.number(sheet, i, col, change, change_fmt)
        writer.text(sheet, i, 7, variation_label(r["variation"], r["side"]).text)
        writer.text(sheet, i, 8, assurance_label(r["assurance"]).text)
        writer.text(sheet, i, 9, checks_text(r, writer.threshold))
        writer.text(sheet, i, 10, r.get("comment"))
    sheet.freeze_panes(top + 1, 1)
    sheet.autofilter(top, 0, top + review.card.height, len(SCORECARD_HEADERS) - 1)


DATA_HEADERS = (
    ("Quarter", 11),
    ("KPI code", 22),
    ("KPI", 46),
    ("Unit", 9),
    ("How the value is worked out", 30),
    ("Status", 16),
    ("Numerator", 12),
    ("Denominator", 12),
    ("Provider's value", 14),
    ("Value used", 14),
    ("Target in force", 14),
    ("Direction", 17),
    ("Submissions", 12),
    ("Provider's comment", 50),
)


def _data_sheet(writer: _Writer, review: KpiReview) -> None:
    sheet = writer.book.add_worksheet("Data")
    _headers(writer, sheet, 0, DATA_HEADERS)
    rows = review.series.sort("kpi_code", "sort_key").iter_rows(named=True)
    for i, r in enumerate(rows, start=1):
        unit = r["unit"]
        fmt, is_count = NUMBER_FORMATS.get(unit, "0.0"), unit == "count"
        writer.text(sheet, i, 0, r["period"])
        writer.text(sheet, i, 1, r["kpi_code"])
        writer.text(sheet, i, 2, r["kpi_name"])
        writer.text(sheet, i, 3, unit)
        writer.text(sheet, i, 4, CALCULATION_WORDS.get(r["calculation"], r["calculation"]))
        writer.text(sheet, i, 5, STATUS_WORDS.get(r["value_status"], "Reported"))
        writer.number(sheet, i, 6, r["numerator"], "#,##0.##", is_count=True)
        writer.number(sheet, i, 7, r["denominator"], "#,##0.##", is_count=True)
        writer.number(sheet, i, 8, r["reported_value"], fmt, is_count)
        writer.number(sheet, i, 9, r["value"], fmt, is_count)
        writer.number(sheet, i, 10, r["target"], fmt)
        writer.text(sheet, i, 11, direction_words(r["higher_is_better"]))
        writer.number(sheet, i, 12, r["submissions"], "0")
        writer.text(sheet, i, 13, r["comment"])
    sheet.freeze_panes(1, 3)
    sheet.autofilter(0, 0, review.series.height, len(DATA_HEADERS) - 1)


NOTE_HEADERS = (
    ("Quarter", 11),
    ("KPI", 46),
    ("Commentary", 60),
    ("Agreed actions", 60),
    ("Author", 22),
    ("Written", 18),
)


def _notes_rows(writer: _Writer, sheet, row: int, notes: pl.DataFrame, names: dict[str, str]) -> int:
    for r in notes.iter_rows(named=True):
        values = (r["period"], names.get(r["kpi_code"], r["kpi_code"]), r["commentary"], r["agreed_actions"])
        for col, value in enumerate((*values, r["author"], local_time(r["created_at"]))):
            writer.text(sheet, row, col, value)
        row += 1
    return row


def _notes_sheet(writer: _Writer, review: KpiReview) -> None:
    sheet = writer.book.add_worksheet("Notes")
    writer.text(sheet, 0, 0, f"Review notes, {review.period}", writer.title)
    _headers(writer, sheet, 1, NOTE_HEADERS)
    row = _notes_rows(writer, sheet, 2, review.notes, review.kpi_names)
    if review.notes.is_empty():
        writer.text(sheet, row, 0, "No notes were written for this quarter.")
        row += 1
    row += 1
    last = review.last_time_period
    writer.text(
        sheet, row, 0, f"Actions agreed last time ({last})" if last else "No earlier agreed actions", writer.bold
    )
    _notes_rows(writer, sheet, row + 1, review.last_time, review.kpi_names)


def _about_sheet(writer: _Writer, review: KpiReview) -> None:
    sheet = writer.book.add_worksheet("About")
    sheet.set_column(0, 0, 110)
    lines = [
        review.title,
        f"Generated {review.generated_at:%d %B %Y %H:%M} UTC from the commissioning dashboard.",
        "RAG: green meets the target in force that quarter; amber is short of it by no more than the amber "
        "tolerance; red is further off. Each target is shown with its direction.",
        "SPC: Making Data Count XmR chart over every quarter to this one (mean +/- 2.66 x mean moving range); "
        "special causes are points beyond the limits, runs of 7 on one side of the mean, trends of 7, and 2 of 3 "
        "points beyond 2 sigma. Assurance compares the process limits with the target.",
        "Changes are in the KPI's unit (percentage points for percentages).",
        f"Counts from 1 to {review.threshold - 1} are shown as <{review.threshold} to protect privacy.",
        "Text that a spreadsheet could read as a formula starts with an apostrophe.",
    ]
    if review.synthetic:
        lines.insert(1, "SYNTHETIC DEMO DATA: the figures are made up and must not be used for decisions.")
    for i, line in enumerate(lines):
        writer.text(sheet, i, 0, line, writer.title if i == 0 else writer.wrap)


def review_workbook(review: KpiReview) -> bytes:
    """The review as ``.xlsx`` bytes with sheets Scorecard, Data, Notes and About."""
    buffer = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with xlsxwriter.Workbook(buffer, options) as book:
        writer = _Writer(book, review.threshold)
        _scorecard_sheet(writer, review)
        _data_sheet(writer, review)
        _notes_sheet(writer, review)
        _about_sheet(writer, review)
    return buffer.getvalue()
