"""Validate every row of an inbox file against its source schema.

Input is a frame of strings exactly as read from the file; output is the typed frame of good rows
and a frame of rejects, one row per problem found, with the spreadsheet row number a person would
look for, the column, the value and a reason in plain words. A row with any problem is rejected
whole, so a report never counts half a record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from pipelines.periods import PeriodError, canonical_quarter
from pipelines.schemas import Column, Source

ROW = "_source_row"
REJECT_COLUMNS = {"row_number": pl.Int64, "column_name": pl.String, "value": pl.String, "reason": pl.String}

_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


@dataclass
class Validated:
    good: pl.DataFrame
    rejects: pl.DataFrame
    rows_read: int


def _date(raw: pl.Expr) -> pl.Expr:
    # ISO first; then the UK day-first form spreadsheets produce. Never month-first.
    return pl.coalesce(
        raw.str.to_date("%Y-%m-%d", strict=False),
        raw.str.to_date("%d/%m/%Y", strict=False),
    )


def _number(raw: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    # Spreadsheets write money as "£1,234.50"; accept that, reject anything else that is not a number.
    cleaned = raw.str.replace_all(r"[£,\s]", "")
    return cleaned.cast(dtype, strict=False)


def _typed(column: Column, raw: pl.Expr, localities: list[str]) -> tuple[pl.Expr, str]:
    """Expression giving the typed value (null where it cannot be read) and the reason if so."""
    match column.type:
        case "int":
            return _number(raw, pl.Int64), "should be a whole number"
        case "float":
            return _number(raw, pl.Float64), "should be a number"
        case "date":
            return _date(raw), "should be a date like 2024-04-30 or 30/04/2024"
        case "bool":
            lower = raw.str.to_lowercase()
            expr = pl.when(lower.is_in(list(_TRUE))).then(True).when(lower.is_in(list(_FALSE))).then(False)
            return expr, "should be true or false"
        case "quarter":
            expr = raw.map_elements(_quarter_or_none, return_dtype=pl.String)
            return expr, "should be a financial quarter like 2024/25 Q1"
        case "locality":
            expr = pl.when(raw.str.to_uppercase().is_in(localities)).then(raw.str.to_uppercase())
            return expr, f"should be one of the configured locality codes ({', '.join(localities)})"
        case _:
            return raw, ""


def _quarter_or_none(text: str) -> str | None:
    try:
        return canonical_quarter(text)
    except PeriodError:
        return None


def _allowed(column: Column, typed: pl.Expr) -> pl.Expr:
    # Accept any capitalisation but store the canonical spelling.
    mapping = {value.lower(): value for value in column.allowed or ()}
    return typed.str.to_lowercase().replace_strict(mapping, default=None)


def validate(
    frame: pl.DataFrame, source: Source, localities: list[str], first_row: int = 2, today: date | None = None
) -> Validated:
    """Check ``frame`` (string columns named as the schema) and split it into good rows and rejects.

    ``first_row`` is the spreadsheet row number of the first data row (2 under a one-line header).
    """
    today = today or date.today()
    frame = frame.with_row_index(ROW, offset=first_row).with_columns(pl.col(ROW).cast(pl.Int64))
    blank_to_null = [
        pl.col(c.name).str.strip_chars().replace("", None).alias(c.name)
        for c in source.columns
        if c.name in frame.columns
    ]
    frame = frame.with_columns(blank_to_null)
    for c in source.columns:
        if c.name not in frame.columns:  # optional column absent from the file
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(c.name))

    typed_exprs, problems = [], []
    for c in source.columns:
        raw = pl.col(c.name)
        typed, type_reason = _typed(c, raw, localities)
        if c.allowed:
            typed = _allowed(c, typed)
            type_reason = f"should be one of: {', '.join(c.allowed)}"
        typed_exprs.append(typed.alias(c.name))
        if c.required:
            problems.append((c.name, raw.is_null(), f"{c.name} is required but blank"))
        if type_reason:
            problems.append((c.name, raw.is_not_null() & typed.is_null(), f"{c.name} {type_reason}"))
        if c.minimum is not None:
            problems.append((c.name, typed < c.minimum, f"{c.name} must not be below {c.minimum:g}"))
        if c.maximum is not None:
            problems.append((c.name, typed > c.maximum, f"{c.name} must not be above {c.maximum:g}"))
        if c.type == "date":
            problems.append((c.name, typed > pl.lit(today), f"{c.name} is in the future"))

    names = source.column_names
    if "start_date" in names and "end_date" in names:
        start, end = typed_exprs[names.index("start_date")], typed_exprs[names.index("end_date")]
        problems.append(("end_date", end < start, "end_date is before start_date"))
    if "registered_date" in names and "left_date" in names:
        start, end = typed_exprs[names.index("registered_date")], typed_exprs[names.index("left_date")]
        problems.append(("left_date", end < start, "left_date is before registered_date"))

    flags = frame.select(
        pl.col(ROW),
        *[cond.fill_null(False).alias(f"_p{i}") for i, (_, cond, _) in enumerate(problems)],
    )
    reject_parts = []
    for i, (column, _, reason) in enumerate(problems):
        bad = flags.filter(pl.col(f"_p{i}")).select(ROW)
        if bad.height:
            reject_parts.append(
                bad.join(frame.select(ROW, pl.col(column).alias("value")), on=ROW).select(
                    pl.col(ROW).alias("row_number"),
                    pl.lit(column).alias("column_name"),
                    pl.col("value"),
                    pl.lit(reason).alias("reason"),
                )
            )
    rejects = (
        pl.concat(reject_parts).sort("row_number", "column_name")
        if reject_parts
        else pl.DataFrame(schema=REJECT_COLUMNS)
    )
    good = frame.select(pl.col(ROW), *typed_exprs).join(
        rejects.select(pl.col("row_number").alias(ROW)).unique(), on=ROW, how="anti"
    )
    return Validated(good=good, rejects=rejects, rows_read=frame.height)
