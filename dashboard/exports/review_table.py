"""The quarter's KPI review as people read it: words and formatted numbers shared by page and exports.

One set of formatting rules for the screen, the Excel workbook and the PDF, so the three always say the
same thing: values in the KPI's unit (percentages to one decimal place, £ with separators), a target
always with its direction, RAG and SPC signals in words with an icon, and counts below the suppression
threshold shown as ``<5``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

import polars as pl

from dashboard.charts.kpi import direction_words, hide_small_counts
from dashboard.formatting import count, gbp, pct, signed, suppressed
from dashboard.signals import assurance_label, rag_words, variation_label  # noqa: F401  (rag_words re-exported)
from models.scorecard import summary

STATUS_WORDS = {"missing return": "No return", "not reported": "Not in the return"}
TIMELINESS_WORDS = {
    "on time": "Received on time",
    "late": "Received late",
    "received": "Received (loaded with earlier history, so its arrival date is not judged)",
    "missing": "Missing return",
    "not yet due": "Not yet due",
}
TIMELINESS_SHORT = {
    "on time": "On time",
    "late": "Late",
    "received": "Received",
    "missing": "Missing",
    "not yet due": "Not yet due",
}
CALCULATION_WORDS = {
    "proportion": "numerator as a percentage of the denominator",
    "ratio": "numerator divided by denominator",
    "reported": "the provider's reported value",
}


RAG_FILLS = {"green": "#C6EFCE", "amber": "#FFEB9C", "red": "#FFC7CE"}


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def kpi_value(value: float | None, unit: str, threshold: int | None = None) -> str:
    """A KPI value in its unit; counts below ``threshold`` as '<5'."""
    if _missing(value):
        return "–"
    match unit:
        case "percent":
            return pct(value)
        case "count":
            return suppressed(value, threshold) if threshold else count(value)
        case "days":
            return f"{value:,.1f} days"
        case "hours":
            return f"{value:,.0f} hours"
        case "gbp":
            return gbp(value)
    return f"{value:,.1f}"


def target_text(target: float | None, unit: str, higher_is_better: bool | None) -> str:
    """'95.0% (higher is better)': a target is never shown without its direction."""
    if _missing(target):
        return "No target"
    return f"{kpi_value(target, unit)} ({direction_words(higher_is_better)})"


def change_text(change: float | None, unit: str, higher_is_better: bool | None) -> str:
    """'+1.2 points, better': the size of a change and whether it is good news ('±0.0 points' if none shown)."""
    if _missing(change):
        return "–"
    decimals = 0 if unit in ("count", "hours", "gbp") else 1
    shown = round(change, decimals)
    change = 0.0 if shown == 0 else change  # no "−0.0 points, better" for a change too small to show
    if unit == "percent":
        amount = signed(change, 1, " point" if abs(shown) == 1 else " points")
    elif unit == "gbp":
        amount = signed(change, 0).replace("+", "+£").replace("−", "−£").replace("±", "±£")
    elif unit in ("count", "hours"):
        amount = signed(change, 0, " hours" if unit == "hours" else "")
    else:
        amount = signed(change, 1, f" {unit}")
    if change == 0 or higher_is_better is None:
        return amount
    return f"{amount}, {'better' if (change > 0) == higher_is_better else 'worse'}"


def _small(value: float | None, unit: str, threshold: int) -> bool:
    return unit == "count" and not _missing(value) and 0 < value < threshold


def checks_text(row: dict, threshold: int) -> str:
    """What a contract manager should know about where the figure came from."""
    notes = []
    unit = row["unit"]
    if row.get("value_differs_from_calculation"):
        notes.append(
            f"Provider reported {kpi_value(row['reported_value'], unit, threshold)}; worked out from "
            f"{suppressed(row['numerator'], threshold)} of {suppressed(row['denominator'], threshold)}"
        )
    if (row.get("submissions") or 0) > 1:
        was = row.get("previous_submission_value")
        notes.append(f"Resubmitted (was {kpi_value(was, unit, threshold)})" if not _missing(was) else "Resubmitted")
    return "; ".join(notes)


def scorecard_view(card: pl.DataFrame, threshold: int) -> pl.DataFrame:
    """The scorecard's rows as shown: one row per KPI, all text except the sparkline values."""
    rows = []
    for r in card.iter_rows(named=True):
        unit, hib = r["unit"], r["higher_is_better"]
        status = r.get("value_status") or "reported"
        hide_changes = _small(r["value"], unit, threshold) or _small(r["previous_quarter_value"], unit, threshold)
        hide_year = _small(r["value"], unit, threshold) or _small(r["last_year_value"], unit, threshold)
        rows.append(
            {
                "kpi_code": r["kpi_code"],
                "KPI": r["kpi_name"],
                "Value": STATUS_WORDS.get(status) or kpi_value(r["value"], unit, threshold),
                "Target": target_text(r["target"], unit, hib),
                "RAG": rag_words(r["rag"]) if status == "reported" else "No value to rate",
                # Streamlit's sparkline cannot draw a gap, so quarters without a (shown) value are left out.
                "Last 8 quarters": [v for v in hide_small_counts(r["sparkline"], unit, threshold) if v is not None],
                "On last quarter": "suppressed" if hide_changes else change_text(r["change_on_quarter"], unit, hib),
                "On same quarter last year": "suppressed" if hide_year else change_text(r["change_on_year"], unit, hib),
                "Variation (SPC)": str(variation_label(r["variation"], r["side"])),
                "Assurance (SPC)": str(assurance_label(r["assurance"])),
                "Checks": checks_text(r, threshold),
                "Provider's comment": r.get("comment") or "",
            }
        )
    schema = {"Last 8 quarters": pl.List(pl.Float64)}
    return pl.DataFrame(rows, schema_overrides=schema) if rows else pl.DataFrame()


@dataclass(frozen=True)
class KpiReview:
    """Everything one contract's quarterly review export holds."""

    council_name: str
    contract_id: str
    provider: str
    contract_type: str
    period: str
    status: dict
    card: pl.DataFrame
    series: pl.DataFrame  # the contract's mart_kpi_series rows up to the reviewed quarter
    notes: pl.DataFrame  # this quarter's review notes (dashboard.review_notes columns)
    last_time_period: str | None
    last_time: pl.DataFrame
    threshold: int
    synthetic: bool
    kpi_names: dict[str, str] = field(default_factory=dict)
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def title(self) -> str:
        return f"{self.contract_id} {self.provider}: KPI review {self.period}"

    @property
    def file_stem(self) -> str:
        return f"kpi-review-{self.contract_id}-{self.period.replace('/', '-').replace(' ', '-')}"

    def summary_text(self) -> str:
        counts = summary(self.card)
        return (
            f"KPIs on target: {counts['green']} of {counts['with_target']} with a target; amber {counts['amber']}; "
            f"red {counts['red']}; SPC concerns {counts['concern']}; improvements {counts['improvement']}."
        )

    def status_text(self) -> str:
        words = TIMELINESS_WORDS.get(self.status.get("timeliness"), "")
        if self.status.get("timeliness") == "late" and self.status.get("days_late"):
            words += f", {self.status['days_late']} days after the due date"
        if self.status.get("resubmitted"):
            words += "; corrected and resubmitted"
        return words
