"""Direct payment uptake by age band, primary support reason and ethnicity (``mart_dp_uptake_breakdown``).

A section of the Direct payments page; each chart carries its table, so the page's CSV holds the same suppressed
figures. The groups of a breakdown add up to the area's total, which the page shows, so besides hiding small
counts the next smallest is hidden where one hidden group could be worked out from the total and the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dashboard import charts
from dashboard.formatting import pct
from dashboard.present.blocks import Chart, Heading, Paragraph, Table
from dashboard.present.disclosure import HIDDEN, Disclosure
from dashboard.queries import Warehouse

BREAKDOWNS = ["Age band", "Primary support reason", "Ethnicity"]
ALL = "All people"
COUNTS = ["dp_recipients", "community_clients"]


@dataclass
class Breakdowns:
    heading: Heading
    intro: Paragraph
    charts: list[Chart]


def _suppressed(disclosure: Disclosure, part: pl.DataFrame) -> pl.DataFrame:
    """One breakdown's groups and their total, with hidden counts (and uptakes resting on them) set to null."""
    total = pl.DataFrame(
        {"category": [ALL], "dp_recipients": [part["dp_recipients"].sum()],
         "community_clients": [part["community_clients"].sum()]},
    )  # fmt: skip
    frame = pl.concat([part.select("category", *COUNTS), total], how="vertical_relaxed").with_columns(
        uptake_pct=100.0 * pl.col("dp_recipients") / pl.col("community_clients"),
        is_total=pl.col("category") == ALL,
    )
    shown = disclosure.table(frame, COUNTS, {"uptake_pct": COUNTS}, total_row="is_total")
    return shown.with_columns(
        pl.Series(f"{c}_text", disclosure.count_texts(shown, frame, c), dtype=pl.String) for c in COUNTS
    )


def dp_breakdowns(wh: Warehouse, code: str, period: str, area: str) -> Breakdowns | None:
    """Uptake within each group of each breakdown in ``area`` at ``period``; None without Client Level Data."""
    frame = wh.dp_uptake_breakdown(code, period)
    if frame.is_empty():
        return None
    disclosure = Disclosure(wh.settings.suppression_threshold)
    out = []
    for breakdown in BREAKDOWNS:
        part = frame.filter(pl.col("breakdown") == breakdown).sort("category")
        if part.is_empty():
            continue
        shown = _suppressed(disclosure, part)
        groups = shown.filter(~pl.col("is_total"))
        words = breakdown.lower()
        title = f"Direct payment uptake by {words}, {area}, {period}"
        out.append(
            Chart(
                charts.bars(groups, "category", "uptake_pct", title, "Uptake", y_suffix="%"),
                f"Bar chart of direct payment uptake by {words} in {area} at the end of {period}; groups with "
                "too few people to show have no bar.",
                name=f"dp_by_{breakdown.lower().replace(' ', '_')}_{code}",
                how_to_read=f"Of the people aged 18+ in long-term community support in each {words} group, the "
                "share taking a direct payment (ASCOF 3D(2a) within the group).",
                table=Table(
                    title,
                    [breakdown, "DP recipients", "People in community support", "Uptake"],
                    [
                        [
                            r["category"],
                            r["dp_recipients_text"],
                            r["community_clients_text"],
                            HIDDEN if r["uptake_pct"] is None else pct(r["uptake_pct"]),
                        ]
                        for r in shown.iter_rows(named=True)
                    ],  # fmt: skip
                    numeric=[False, True, True, True],
                    bold_rows=[shown.height - 1],
                ),
            )
        )
    intro = Paragraph(
        f"Who takes a direct payment in {area} at the end of {period}, from Client Level Data: by age band, by "
        "the broad group of the primary support reason and by broad ethnic group. " + disclosure.note
    )
    return Breakdowns(Heading("Uptake by age, support reason and ethnicity"), intro, out)
