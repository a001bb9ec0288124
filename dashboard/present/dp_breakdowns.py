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
from dashboard.present.disclosure import HIDDEN, Disclosure, left_out_words
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
        finding = breakdown_finding(groups["category"].to_list(), groups["uptake_pct"].to_list())
        out.append(
            Chart(
                charts.bars(groups, "category", "uptake_pct", f"{title}: {finding}", "Uptake", y_suffix="%"),
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


def breakdown_finding(groups: list[str], uptakes: list[float | None]) -> str:
    """A breakdown chart's finding, from the groups it draws (a hidden group's uptake is None: neither named nor
    ranked): "highest for 65+ (20.7%), lowest for 18-64 (19.6%)"."""
    shown = sorted(((u, g) for g, u in zip(groups, uptakes, strict=True) if u is not None), reverse=True)
    hidden = len(groups) - len(shown)
    left_out = left_out_words(hidden)
    if not shown:
        return f"no group can be shown{left_out}" if hidden else "no data"
    if len(shown) == 1:
        return f"{pct(shown[0][0])} for {shown[0][1]}, the only group shown{left_out}"
    (high, top), (low, bottom) = shown[0], shown[-1]
    if pct(high) == pct(low):  # as the bars are labelled
        return f"{pct(high)} in every group shown{left_out}"
    return f"highest for {top} ({pct(high)}), lowest for {bottom} ({pct(low)}){left_out}"
