"""The quarterly KPI scorecard of one contract: value, target, RAG, changes, SPC signals and a sparkline.

Input is the contract's KPI series (``mart_kpi_series``): one row per KPI and quarter with the value
worked out from numerator and denominator (null when the return is missing, never zero), the target in
force that quarter and the KPI's direction. The scorecard for a quarter looks only at that quarter and
the ones before it, so reviewing an old quarter shows what the contract manager could have known then.

Conventions (tested in ``tests/unit/test_scorecard.py``):

- RAG compares the quarter's value with the target in force that quarter (``models.measures.rag_rating``):
  green when met, amber when short by no more than the amber tolerance, red otherwise; none without a
  value or a target.
- Changes are this quarter's value minus the previous quarter's, and minus the same quarter a year
  earlier; null when either value is missing. For percentages the change is in percentage points.
- SPC (Making Data Count XmR, ``models.spc``) runs over every observed quarter up to this one, missing
  quarters skipped. The variation shown is this quarter's point (null if its value is missing);
  assurance compares the process limits with the target in force this quarter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from models.measures import rag_rating as rag
from models.spc import SpcResult, change_positions, spc_chart

SPARKLINE_QUARTERS = 8
QUARTERS_IN_YEAR = 4

# Columns of mart_kpi_series the scorecard needs; the rest are carried through where present.
REQUIRED_COLUMNS = ("kpi_code", "kpi_name", "unit", "higher_is_better", "period", "sort_key", "value", "target")
CARRIED_COLUMNS = (
    "calculation",
    "value_status",
    "numerator",
    "denominator",
    "reported_value",
    "value_differs_from_calculation",
    "amber_tolerance",
    "target_from",
    "comment",
    "submissions",
    "previous_submission_value",
)
SCORECARD_SCHEMA = {
    "kpi_code": pl.String,
    "kpi_name": pl.String,
    "unit": pl.String,
    "higher_is_better": pl.Boolean,
    "calculation": pl.String,
    "value_status": pl.String,
    "value": pl.Float64,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "reported_value": pl.Float64,
    "value_differs_from_calculation": pl.Boolean,
    "target": pl.Float64,
    "amber_tolerance": pl.Float64,
    "target_from": pl.String,
    "rag": pl.String,
    "previous_quarter_value": pl.Float64,
    "change_on_quarter": pl.Float64,
    "last_year_value": pl.Float64,
    "change_on_year": pl.Float64,
    "variation": pl.String,
    "side": pl.String,
    "special_cause_rules": pl.String,
    "assurance": pl.String,
    "observed_quarters": pl.Int64,
    "sparkline": pl.List(pl.Float64),
    "comment": pl.String,
    "submissions": pl.Int64,
    "previous_submission_value": pl.Float64,
}


@dataclass(frozen=True)
class KpiHistory:
    """One KPI's quarters up to the reviewed one, with its XmR chart assessed over them."""

    kpi_code: str
    period: str
    table: pl.DataFrame  # the series rows, oldest first, plus the SPC columns
    spc: SpcResult

    @property
    def current(self) -> dict:
        """The reviewed quarter's row."""
        return self.table.row(self.table.height - 1, named=True)


def _check_columns(series: pl.DataFrame) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in series.columns]
    if missing:
        raise ValueError(f"KPI series lacks column(s): {', '.join(missing)}")


def _sort_key(series: pl.DataFrame, period: str) -> int:
    keys = series.filter(pl.col("period") == period)["sort_key"].unique()
    if keys.is_empty():
        raise ValueError(f"no KPI rows for {period}")
    return int(keys[0])


def kpi_history(
    series: pl.DataFrame, kpi_code: str, period: str, run_length: int = 7, change_points: Sequence[str] = ()
) -> KpiHistory:
    """Assess one KPI on an XmR chart over every quarter up to and including ``period``.

    Parameters
    ----------
    series : polars.DataFrame
        One contract's rows of ``mart_kpi_series`` (at least the ``REQUIRED_COLUMNS``).
    kpi_code : str
        The KPI to assess.
    period : str
        The reviewed quarter, such as ``"2024/25 Q1"``; later quarters are ignored.
    run_length : int, default 7
        Points in a run or trend that count as a special cause.
    change_points : sequence of str, default ()
        First quarters of new periods (a contract start, a new provider): the limits are recalculated from each.

    Returns
    -------
    KpiHistory
        ``table`` holds the series rows oldest first with ``centre``, ``lower``, ``upper``,
        ``variation``, ``side`` and ``rule`` from the SPC assessment, and ``limits_period`` (0 before the first
        change point, 1 after it, ...); ``spc`` is the assessment,
        with assurance judged against the target in force in ``period``.

    Raises
    ------
    ValueError
        If the series lacks a required column or has no row for the KPI in ``period``.
    """
    _check_columns(series)
    rows = series.filter((pl.col("kpi_code") == kpi_code) & (pl.col("sort_key") <= _sort_key(series, period)))
    rows = rows.sort("sort_key")
    if rows.is_empty() or rows["period"][-1] != period:
        raise ValueError(f"KPI {kpi_code} has no row for {period}")
    last = rows.row(rows.height - 1, named=True)
    result = spc_chart(
        rows["value"],
        higher_is_better=last["higher_is_better"],
        target=last["target"],
        run_length=run_length,
        trend_length=run_length,
        change_points=change_positions(rows["period"].to_list(), list(change_points)),
    )
    spc_columns = result.table.select(
        "centre", "lower", "upper", "variation", "side", "rule", pl.col("period").alias("limits_period")
    )
    return KpiHistory(kpi_code, period, pl.concat([rows, spc_columns], how="horizontal"), result)


def _value_at(table: pl.DataFrame, sort_key: int) -> float | None:
    found = table.filter(pl.col("sort_key") == sort_key)["value"]
    return None if found.is_empty() else found[0]


def _difference(now: float | None, then: float | None) -> float | None:
    return None if now is None or then is None else now - then


def scorecard_row(history: KpiHistory, sparkline_quarters: int = SPARKLINE_QUARTERS) -> dict:
    """The scorecard's row for one KPI (see :func:`scorecard` for the columns)."""
    table = history.table
    now = history.current
    value, key = now["value"], now["sort_key"]
    previous = _value_at(table, key - 1)
    last_year = _value_at(table, key - QUARTERS_IN_YEAR)
    recent = table.filter(pl.col("sort_key") > key - sparkline_quarters)
    row = {column: now.get(column) for column in CARRIED_COLUMNS}
    row.update(
        kpi_code=now["kpi_code"],
        kpi_name=now["kpi_name"],
        unit=now["unit"],
        higher_is_better=now["higher_is_better"],
        value=value,
        target=now["target"],
        rag=rag(value, now["target"], now["higher_is_better"], now.get("amber_tolerance")),
        previous_quarter_value=previous,
        change_on_quarter=_difference(value, previous),
        last_year_value=last_year,
        change_on_year=_difference(value, last_year),
        variation=now["variation"],
        side=now["side"],
        special_cause_rules=now["rule"] or None,
        assurance=history.spc.assurance,
        observed_quarters=table["value"].is_not_null().sum(),
        sparkline=recent["value"].to_list(),
    )
    return row


def scorecard(
    series: pl.DataFrame,
    period: str,
    sparkline_quarters: int = SPARKLINE_QUARTERS,
    run_length: int = 7,
    change_points: Mapping[str, Sequence[str]] | None = None,
) -> pl.DataFrame:
    """One row per KPI in force in ``period``: value, target, RAG, changes, SPC signals, sparkline.

    Parameters
    ----------
    series : polars.DataFrame
        One contract's rows of ``mart_kpi_series``.
    period : str
        The reviewed quarter.
    sparkline_quarters : int, default 8
        Quarters shown in the sparkline, ending with ``period`` (nulls where a value is missing).
    run_length : int, default 7
        Run and trend length for the SPC rules.

    Returns
    -------
    polars.DataFrame
        Columns as ``SCORECARD_SCHEMA``, in catalogue order if the series has ``catalogue_order``,
        else by KPI code (no rows if no KPI is in force in
        ``period`` for this contract): ``rag`` is ``"green"``, ``"amber"``,
        ``"red"`` or null; ``variation`` is ``"improvement"``, ``"concern"``, ``"neutral"``,
        ``"common_cause"`` or null (no value, or fewer than two observed quarters); ``assurance``
        is ``"pass"``, ``"fail"``, ``"hit_and_miss"`` or null (no target).
    """
    _check_columns(series)
    in_force = series.filter(pl.col("period") == period)
    order = ["catalogue_order", "kpi_code"] if "catalogue_order" in series.columns else ["kpi_code"]
    codes = in_force.sort(order)["kpi_code"].to_list()
    points = change_points or {}
    rows = [
        scorecard_row(kpi_history(series, code, period, run_length, points.get(code, ())), sparkline_quarters)
        for code in codes
    ]
    return pl.DataFrame(rows, schema=SCORECARD_SCHEMA)


def summary(card: pl.DataFrame) -> dict[str, int]:
    """Counts for the headline: KPIs with a value, and how many are green, amber, red or a concern."""
    return {
        "kpis": card.height,
        "with_value": card["value"].is_not_null().sum(),
        "with_target": card["rag"].is_not_null().sum(),
        "green": (card["rag"] == "green").sum(),
        "amber": (card["rag"] == "amber").sum(),
        "red": (card["rag"] == "red").sum(),
        "concern": (card["variation"] == "concern").sum(),
        "improvement": (card["variation"] == "improvement").sum(),
    }


def provider_changes(series: pl.DataFrame) -> list[tuple[str, str]]:
    """Quarters where a contract's returns come from a new provider: (first quarter, 'New provider: name').

    A contract re-let to another provider is a known change in the process, so SPC limits start afresh there.
    """
    if "provider" not in series.columns or series.is_empty():
        return []
    by_quarter = series.select("sort_key", "period", "provider").unique("sort_key").sort("sort_key")
    changes, before = [], None
    for row in by_quarter.iter_rows(named=True):
        if before is not None and row["provider"] and row["provider"] != before:
            changes.append((row["period"], f"New provider: {row['provider']}"))
        before = row["provider"] or before
    return changes
