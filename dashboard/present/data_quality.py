"""CLD data quality, as DHSC's dashboard shows it to councils: per submission and field, blank, invalid, mapped.

Disclosure: these are counts of values in the council's own return (how many rows of a submission had, say,
Delivery Mechanism blank), not counts of people with a characteristic in an area, and they are read by the people
who send that return. A count of 3 invalid ethnicity codes says nothing about who those three people are, nor
anything a reader could combine with a published total to learn it. So, like the rejected-rows table on the same
page, they are shown in full: suppressing them (``disclosure.py``) would hide exactly the small faults a council
most needs to find and correct.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

from dashboard.present.blocks import Note, Paragraph, Table
from pipelines.cld.fields import QUALITY_FIELDS
from pipelines.cld.mapping import INVALID

CSV_COLUMNS = ["file_name", "submission", "field", "rows", "blank", "invalid", "mapped"]


@dataclass(frozen=True)
class QualityReport:
    submissions: dict[str, str]  # submission id -> its label, newest load first
    chosen: str
    summary: Paragraph
    table: Table
    note: Note
    download: pl.DataFrame  # every submission, for the CSV


def field_label(field: str) -> str:
    label = field.replace("_", " ").capitalize()
    return label.replace("Nhs", "NHS").replace("Gp ", "GP ").replace("cqc", "CQC").replace("La ", "LA ")


def submission_label(submission_id: str, file_name: str) -> str:
    """``E10000003_20240401_20250331_<sha>`` -> ``E10000003, 1 April 2024 to 31 March 2025 (file.csv)``."""
    parts = submission_id.split("_")
    if len(parts) == 4:
        start, end = (datetime.strptime(p, "%Y%m%d") for p in parts[1:3])
        return f"{parts[0]}, {start:%-d %B %Y} to {end:%-d %B %Y} ({file_name})"
    return f"{submission_id} ({file_name})"


def _rows(n: int) -> str:
    return f"{n:,} row" if n == 1 else f"{n:,} rows"


def _values(n: int, verb: str = "") -> str:
    """``1 value was`` / ``3 values were`` (with ``verb``: ``1 value written`` / ``3 values written``)."""
    noun = "value" if n == 1 else "values"
    return f"{n:,} {noun} {verb or ('was' if n == 1 else 'were')}"


def _share(count: int, rows: int) -> str:
    return f"{count:,} ({count / rows:.1%})" if rows and count else f"{count:,}"


def cld_quality(frame: pl.DataFrame, submission: str | None = None) -> QualityReport | None:
    """The report for one submission (the newest unless ``submission`` names another); None when no CLD is loaded.

    ``frame`` is ``Warehouse.cld_quality()``.
    """
    if frame.is_empty():
        return None
    order = {f: i for i, f in enumerate(QUALITY_FIELDS)}
    # Labels in plain Python over the few distinct submissions, joined on: no Python callback inside a Polars
    # expression (map_elements runs on Polars' threads and can deadlock on the GIL under load, issue 16).
    pairs = frame.select("submission_id", "file_name").unique()
    labels = pairs.with_columns(
        pl.Series("submission", [submission_label(i, f) for i, f in pairs.iter_rows()], dtype=pl.String)
    )
    frame = (
        frame.join(labels, on=["submission_id", "file_name"], how="left", nulls_equal=True)
        .with_columns(pl.col("field").replace_strict(order, default=len(order), return_dtype=pl.Int64).alias("_order"))
        .sort(["load_id", "submission_id", "_order"], descending=[True, False, False])
    )
    submissions = dict(frame.select("submission_id", "submission").unique(maintain_order=True).iter_rows())
    chosen = submission if submission in submissions else next(iter(submissions))
    one = frame.filter(pl.col("submission_id") == chosen)
    rows = int(one["rows"].max())
    rows_table = [
        [field_label(r["field"]), _share(r["blank"], rows), _share(r["invalid"], rows), _share(r["mapped"], rows)]
        for r in one.iter_rows(named=True)
    ]
    invalid, mapped, blank = (int(one[c].sum()) for c in ("invalid", "mapped", "blank"))
    worst = one.sort(["invalid", "_order"], descending=[True, False]).row(0, named=True)
    worst_words = f", most of them in {field_label(worst['field'])} ({worst['invalid']:,})" if worst["invalid"] else ""
    summary = Paragraph(
        f"{submissions[chosen]}: {_rows(rows)}. {_values(invalid)} outside the specification's lists and kept "
        f"as \u201c{INVALID}\u201d{worst_words}; {_values(mapped, 'written')} in Release 1 or other wording, mapped "
        f"to their Release 2 labels; {_values(blank)} blank."
    )
    table = Table(
        f"Data quality by field: {submissions[chosen]}",
        ["Field", "Blank", "Invalid", "Mapped"],
        rows_table,
        numeric=[False, True, True, True],
    )
    note = Note(
        "Blank: no value sent (many fields apply only to some events, so blanks are expected there). Invalid: a "
        "value outside the lists (kept as \u201cInvalid and not mapped\u201d, so the row still counts), or a date "
        "or number that could not be read. Mapped: a Release 1 or differently written value turned into its "
        "Release 2 label. Percentages are of the submission's rows. Counts of values, not people, so not suppressed."
    )
    download = frame.select(CSV_COLUMNS)
    return QualityReport(submissions, chosen, summary, table, note, download)
