"""Requests, assessments and services: the flow through the front door and its waiting times, from Client Level
Data (``mart_cld_waiting_times``).

Laid out by the Demand page's "Waiting times" tab. A centile of a handful of waits shows someone's own wait, so
centiles resting on fewer waits than the suppression threshold are hidden, and small counts with them.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dashboard import charts
from dashboard.formatting import count
from dashboard.present.blocks import Chart, Metric, Note, Paragraph, Table
from dashboard.present.disclosure import HIDDEN, Disclosure
from dashboard.queries import Warehouse

# column prefix in the mart -> what the wait is, as people say it
STEPS = {"assessment": "Request to assessment", "service": "Assessment to service"}
EXPLAINED = (
    "Request to assessment: days from a request for support to the start of the assessment that followed it, for "
    "assessments that started in the quarter. Assessment to service: days from the end of the latest assessment "
    "to the start of a new long-term service (the person had none the day before), for services that started in "
    "the quarter. The median is the middle wait; 9 in 10 waits were no longer than the 90th centile. From the "
    "council's Client Level Data, each quarter read from the return covering the twelve months to its end."
)


@dataclass
class WaitingTimes:
    """The waiting-times tab: already formatted and suppressed."""

    scope: str
    metrics: list[Metric]  # median and 90th centile of each step in the quarter
    sentence: Paragraph | None
    chart: Chart
    table: Table
    note: Note


def _days(value: float | None) -> str:
    if value is None:
        return "–"
    return "1 day" if round(value) == 1 else f"{round(value):,} days"


def _centile(disclosure: Disclosure, row: dict, step: str, which: str) -> float | None:
    """A step's median or 90th centile, or None where it rests on too few waits to show."""
    return disclosure.value_or_none(row[f"{step}_{which}_days"], [row[f"{step}_waits"]])


def waiting_times(wh: Warehouse, code: str, period: str, area: str) -> WaitingTimes | None:
    """Requests, assessments and new services in ``area`` per quarter, with the waits between them."""
    frame = wh.cld_waiting_times(code)
    if frame.is_empty():
        return None
    disclosure = Disclosure(wh.settings.suppression_threshold)
    rows = {r["period"]: r for r in frame.iter_rows(named=True)}
    now = rows.get(period)
    metrics = []
    for step, name in STEPS.items():
        for which, words in (("median", "median"), ("p90", "90th centile")):
            value = None if now is None else _centile(disclosure, now, step, which)
            shown = "–" if now is None else (HIDDEN if value is None and now[f"{step}_waits"] else _days(value))
            metrics.append(Metric(f"{name}, {words}, {period}", shown, help=f"Waits ended in {period}."))
    sentence = None
    if now is not None:
        parts = []
        for step, name in STEPS.items():
            waits, median, p90 = (now[f"{step}_waits"], _centile(disclosure, now, step, "median"),
                                  _centile(disclosure, now, step, "p90"))  # fmt: skip
            if median is None or p90 is None:
                parts.append(f"{name.lower()}: too few waits to show ({disclosure.count(waits)})")
            else:
                parts.append(
                    f"{name.lower()}: a median of {_days(median)}, 9 in 10 within {_days(p90)} ({count(waits)} waits)"
                )
        sentence = Paragraph(
            f"In {area} in {period}: {disclosure.count(now['requests'])} requests for support and "
            f"{disclosure.count(now['assessments'])} assessments started. Waits that ended in the quarter, "
            + "; ".join(parts)
            + "."
        )
    long = pl.DataFrame(
        [
            {"period": r["period"], "series": f"{name}: {words}", "days": _centile(disclosure, r, step, which)}
            for step, name in STEPS.items()
            for which, words in (("median", "median"), ("p90", "90th centile"))
            for r in frame.iter_rows(named=True)
        ],
        schema={"period": pl.String, "series": pl.String, "days": pl.Float64},
    )
    chart = Chart(
        charts.trend_lines(long, "period", "days", "series", f"Waiting times in {area}", "Days"),
        f"Line chart of the median and 90th centile waits in days from request to assessment and from assessment "
        f"to service in {area}, by quarter.",
        name=f"waiting_times_{code}",
        how_to_read=EXPLAINED,
    )
    table = Table(
        f"Requests, assessments and new services with their waits, {area}",
        [
            "Quarter",
            "Requests",
            "Assessments",
            "Request to assessment: waits",
            "Median (days)",
            "90th centile (days)",
            "Assessment to service: waits",
            "Median (days)",
            "90th centile (days)",
        ],
        [
            [
                r["period"],
                disclosure.count(r["requests"]),
                disclosure.count(r["assessments"]),
                *[
                    cell
                    for step in STEPS
                    for cell in (
                        disclosure.count(r[f"{step}_waits"]),
                        _shown(disclosure, r, step, "median"),
                        _shown(disclosure, r, step, "p90"),
                    )
                ],
            ]
            for r in reversed(list(frame.iter_rows(named=True)))
        ],
        numeric=[False] + [True] * 8,
    )
    return WaitingTimes(f"{area}, {period}", metrics, sentence, chart, table, Note(disclosure.note))


def _shown(disclosure: Disclosure, row: dict, step: str, which: str) -> str:
    value = _centile(disclosure, row, step, which)
    if value is None:
        return HIDDEN if row[f"{step}_waits"] else "–"
    return f"{round(value):,}"
