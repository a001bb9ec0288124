"""Waiting times by age band, primary support reason and ethnicity (``mart_cld_waiting_breakdown``).

Laid out under the Demand page's "Waiting times" tab, each as a table (its CSV holds the same suppressed figures).
A group's waits add up to the area's, shown on the same tab, so besides hiding small counts the next smallest is
hidden where one hidden group could be worked out from the total and the rest; a median or 90th centile is shown
only where its count of waits is.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dashboard.present.blocks import Heading, Paragraph, Table
from dashboard.present.disclosure import HIDDEN, Disclosure
from dashboard.present.waiting import STEPS
from dashboard.queries import Warehouse

BREAKDOWNS = ["Age band", "Primary support reason", "Ethnicity"]
ALL = "All people"
STEP_KEYS = {"assessment": "request to assessment", "service": "assessment to service"}


@dataclass
class WaitingBreakdowns:
    heading: Heading
    intro: Paragraph
    tables: list[Table]


def _days(value: float | None, waits_text: str) -> str:
    if value is None:
        return "–" if waits_text == "–" else HIDDEN
    return f"{round(value):,}"


def _step(disclosure: Disclosure, part: pl.DataFrame, step: str, groups: list[str]) -> dict[str, list[str]]:
    """One step's cells per group (ALL last): waits, median and 90th centile, suppressed."""
    rows = {r["category"]: r for r in part.filter(pl.col("step") == step).iter_rows(named=True)}
    frame = pl.DataFrame(
        {
            "category": groups,
            "waits": [rows[g]["waits"] if g in rows else None for g in groups],
            "median_days": [rows[g]["median_days"] if g in rows else None for g in groups],
            "p90_days": [rows[g]["p90_days"] if g in rows else None for g in groups],
            "is_total": [g == ALL for g in groups],
        },
        schema={"category": pl.String, "waits": pl.Int64, "median_days": pl.Float64, "p90_days": pl.Float64,
                "is_total": pl.Boolean},
    )  # fmt: skip
    shown = disclosure.table(frame, ["waits"], {"median_days": ["waits"], "p90_days": ["waits"]}, total_row="is_total")
    texts = disclosure.count_texts(shown, frame, "waits")
    return {
        "waits": texts,
        "median": [_days(v, t) for v, t in zip(shown["median_days"].to_list(), texts, strict=True)],
        "p90": [_days(v, t) for v, t in zip(shown["p90_days"].to_list(), texts, strict=True)],
    }


def waiting_breakdowns(wh: Warehouse, code: str, period: str, area: str) -> WaitingBreakdowns | None:
    """The waits that ended in ``period`` in ``area`` by group; None without Client Level Data for the quarter."""
    frame = wh.cld_waiting_breakdown(code, period)
    if frame.is_empty():
        return None
    disclosure = Disclosure(wh.settings.suppression_threshold)
    tables = []
    for breakdown in BREAKDOWNS:
        part = frame.filter(pl.col("breakdown") == breakdown)
        if part.is_empty():
            continue
        groups = sorted(set(part["category"].to_list()) - {ALL}) + [ALL]
        cells = {step: _step(disclosure, part, STEP_KEYS[step], groups) for step in STEPS}
        columns = [breakdown]
        for name in STEPS.values():
            columns += [f"{name}: waits", f"{name}: median (days)", f"{name}: 90th centile (days)"]
        rows = [
            [group] + [cells[step][key][i] for step in STEPS for key in ("waits", "median", "p90")]
            for i, group in enumerate(groups)
        ]
        tables.append(
            Table(
                f"Waits that ended in {period} by {breakdown.lower()}, {area}",
                columns,
                rows,
                numeric=[False] + [True] * 6,
                bold_rows=[len(rows) - 1],
            )
        )
    intro = Paragraph(
        f"Who waited how long in {area} in {period}, from Client Level Data: the waits that ended in the quarter by "
        "age band (on the quarter's end), by the broad group of the primary support reason and by broad ethnic "
        "group. " + disclosure.note
    )
    return WaitingBreakdowns(Heading("Waits by age, support reason and ethnicity"), intro, tables)
