"""The audit trail as the administrator reads it: when (UK time), who, what, on what, and the detail in words.

The page and its CSV download both start from ``pipelines.audit.read`` with the same filters; the page shows the
newest rows in words, the download every matching row as stored (UTC times, the detail as JSON), so it can be
checked against the database itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import polars as pl

from dashboard.exports.safe_cells import neutralise_frame
from pipelines.audit import ACTIONS
from pipelines.wording import counted

LOCAL_TIME = ZoneInfo("Europe/London")
SHOWN_ROWS = 500  # a page of the newest rows; the download has every row the filters match
VIEW_COLUMNS = ["When (UK time)", "Who", "Action", "Subject", "Detail"]  # sentence case, as every heading


@dataclass(frozen=True)
class TrailView:
    table: pl.DataFrame  # the newest SHOWN_ROWS rows, in words
    caption: str
    csv: str  # every matching row as stored, cells made safe for a spreadsheet


def day_window(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """From the start of ``first`` to the end of ``last``, as days in the UK (BST or GMT), for the filter."""
    start = datetime.combine(first, time(), LOCAL_TIME) if first else None
    end = datetime.combine(last + timedelta(days=1), time(), LOCAL_TIME) if last else None
    return start, end


def _in_words(detail: str) -> str:
    """'{"rows_loaded": 10, "sha256": "ab"}' -> 'rows_loaded: 10; sha256: ab' (nested values stay JSON)."""
    if not detail:
        return ""
    try:
        parsed = json.loads(detail)
    except json.JSONDecodeError:
        return detail
    if not isinstance(parsed, dict):
        return detail
    scalar = str | int | float
    return "; ".join(f"{k}: {v if isinstance(v, scalar) else json.dumps(v)}" for k, v in parsed.items())


def trail_view(rows: pl.DataFrame) -> TrailView:
    """The filtered trail (``pipelines.audit.read``'s frame, newest first) as the page shows and downloads it."""
    shown = rows.head(SHOWN_ROWS)
    # Plain Python over at most SHOWN_ROWS strings: no Python callback inside a Polars expression.
    details = [_in_words(d) for d in shown["detail"].to_list()]
    table = shown.select(
        pl.col("at")
        .str.to_datetime("%Y-%m-%dT%H:%M:%S%:z", time_zone="UTC")
        .dt.convert_time_zone(str(LOCAL_TIME))
        .dt.strftime("%-d %b %Y %H:%M:%S")
        .alias("When (UK time)"),
        pl.col("actor").alias("Who"),
        pl.col("action").replace_strict(ACTIONS, default=pl.col("action")).alias("Action"),
        pl.col("subject").alias("Subject"),
        pl.Series("Detail", details, dtype=pl.String),
    )
    if rows.is_empty():
        caption = "No audit rows match these filters."
    elif rows.height > SHOWN_ROWS:
        caption = f"{rows.height:,} rows match; the newest {SHOWN_ROWS:,} are shown, the download has them all."
    else:
        caption = f"{counted(rows.height, 'row')} {'matches' if rows.height == 1 else 'match'}, newest first."
    return TrailView(table, caption, neutralise_frame(rows).write_csv())
