"""Headline measures for the committee: assess each measure's quarterly series up to the chosen quarter."""

from __future__ import annotations

import polars as pl

from models.measures import Assessment, MeasureSpec, assess


def assess_headlines(frame: pl.DataFrame, period: str) -> list[Assessment]:
    """One assessment per measure in ``mart_headline_measures`` rows (one area), up to ``period``."""
    end = frame.filter(pl.col("period") == period)["quarter_end"]
    if end.is_empty():
        return []
    upto = frame.filter(pl.col("quarter_end") <= end[0])
    results = []
    for (_key,), rows in upto.group_by("measure_key", maintain_order=True):
        first = rows.row(0, named=True)
        spec = MeasureSpec(
            key=first["measure_key"],
            name=first["measure_name"],
            unit=first["unit"],
            higher_is_better=first["higher_is_better"],
            target=first["target"],
            amber_tolerance=first["amber_tolerance"],
            target_by=first["target_by"],
        )
        results.append(assess(spec, rows["period"].to_list(), rows["value"].to_list()))
    return results
