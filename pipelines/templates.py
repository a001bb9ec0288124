"""Blank templates for every inbox source, with a guide to each column, for the Data page to offer.

A CSV template is the header row alone (a second row of descriptions would be loaded as data if left
in); the XLSX template has the header on its first sheet and the column guide on a second. Both are
written from the schemas, so they cannot drift from what the validator checks.
"""

from __future__ import annotations

import io

import polars as pl

from pipelines.schemas import ALL_SOURCES, Column, Source

_TYPE_WORDS = {
    "str": "text",
    "int": "whole number",
    "float": "number",
    "date": "date, as 2024-04-30 or 30/04/2024",
    "bool": "true or false",
    "quarter": "financial quarter, as 2024/25 Q1 (2024-25 Q1 and Q1 2024/25 are accepted)",
    "fy": "financial year, as 2022/23",
    "locality": "locality code",
    "area_code": "ONS area code, as E10000003",
}
# Example year columns for the wide ONS layout's template.
EXAMPLE_YEARS = ("2022", "2023", "2024", "2025", "2026")


def template_header(source: Source) -> list[str]:
    """The template's column names, in order; a wide layout shows example year columns."""
    if source.year_columns:
        return source.file_columns + list(EXAMPLE_YEARS)
    return source.column_names


def _allowed(column: Column, localities: list[str]) -> str:
    parts = []
    if column.allowed:
        parts.append("one of: " + ", ".join(column.allowed))
    if column.type == "locality" and localities:
        parts.append("one of: " + ", ".join(localities))
    if column.minimum is not None and column.maximum is not None:
        parts.append(f"from {column.minimum:g} to {column.maximum:g}")
    elif column.minimum is not None:
        parts.append(f"{column.minimum:g} or more")
    elif column.maximum is not None:
        parts.append(f"{column.maximum:g} or less")
    if column.type in ("date", "quarter", "fy") and not column.future_ok:
        parts.append("not in the future")
    if column.null_markers:
        parts.append("blank or " + ", ".join(column.null_markers) + " for no value")
    return "; ".join(parts)


def column_guide(source: Source, localities: list[str] | None = None) -> pl.DataFrame:
    """One row per column: name, whether required, type, allowed values, description, other names accepted."""
    localities = localities or []
    rows = []
    for c in source.columns:
        name = c.name
        if source.year_columns and c.name == source.year_columns[0]:
            name = f"{c.name} (a column per year: {', '.join(EXAMPLE_YEARS[:2])}, ...)"
        elif source.year_columns and c.name == source.year_columns[1]:
            name = f"{c.name} (the values under each year column)"
        required = "yes" if c.required else "no"
        if c.name in source.supplied:
            required = "yes, unless the file name or --year gives it"
        rows.append(
            {
                "column": name,
                "required": required,
                "type": _TYPE_WORDS[c.type],
                "allowed values": _allowed(c, localities),
                "description": c.description,
                "also accepted as": ", ".join(c.aliases),
            }
        )
    return pl.DataFrame(rows)


def template_csv(source_name: str) -> bytes:
    """The header row as a CSV, UTF-8 with a byte-order mark so that Excel shows £ correctly."""
    header = ",".join(template_header(ALL_SOURCES[source_name]))
    return ("\ufeff" + header + "\r\n").encode("utf-8")


def guide_csv(source_name: str, localities: list[str] | None = None) -> bytes:
    return ("\ufeff" + column_guide(ALL_SOURCES[source_name], localities).write_csv()).encode("utf-8")


def template_xlsx(source_name: str, localities: list[str] | None = None) -> bytes:
    """A workbook: sheet ``data`` with the header row, sheet ``column guide`` describing each column."""
    import xlsxwriter

    source = ALL_SOURCES[source_name]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    data = book.add_worksheet("data")
    for i, name in enumerate(template_header(source)):
        data.write_string(0, i, name, bold)
        data.set_column(i, i, max(12, len(name) + 2))
    data.freeze_panes(1, 0)
    guide = book.add_worksheet("column guide")
    frame = column_guide(source, localities)
    widths = {"column": 28, "required": 14, "type": 30, "allowed values": 45, "description": 70, "also accepted as": 20}
    for i, name in enumerate(frame.columns):
        guide.write_string(0, i, name, bold)
        guide.set_column(i, i, widths[name], wrap)
        for j, value in enumerate(frame[name].to_list(), start=1):
            guide.write_string(j, i, value)
    guide.write_string(
        frame.height + 2,
        0,
        f"{source.name}: {source.grain}. Column names are matched ignoring case and spaces.",
    )
    book.close()
    return buffer.getvalue()
