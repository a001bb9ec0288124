"""Waiting times by group: small groups hidden, and the next smallest where the total would give one away."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dashboard.present.waiting_breakdowns import waiting_breakdowns
from pipelines.config import Settings

TO_ASSESSMENT, TO_SERVICE = "request to assessment", "assessment to service"


@dataclass
class FakeWarehouse:
    """The one query the presenter makes, answered from a hand-made frame of the mart's columns."""

    frame: pl.DataFrame
    settings: Settings

    def cld_waiting_breakdown(self, code: str, period: str) -> pl.DataFrame:
        return self.frame


def rows() -> pl.DataFrame:
    # Age band, request to assessment: 18-64 has 3 waits (small: '<5'), 65+ 6, Unknown 11; all 20.
    # Hiding 18-64 alone would leave it as 20 - 6 - 11, so 65+ (the next smallest) is hidden too, and the
    # centiles resting on either. Assessment to service: 8 and 9 waits, nothing hidden.
    data = [
        ("18-64", TO_ASSESSMENT, 3, 4.0, 9.0), ("65+", TO_ASSESSMENT, 6, 12.0, 30.0),
        ("Unknown", TO_ASSESSMENT, 11, 8.0, 21.5), ("All people", TO_ASSESSMENT, 20, 9.0, 25.0),
        ("18-64", TO_SERVICE, 8, 14.0, 33.2), ("65+", TO_SERVICE, 9, 20.0, 41.0),
        ("All people", TO_SERVICE, 17, 16.0, 40.0),
    ]  # fmt: skip
    return pl.DataFrame(
        [("Age band", *row) for row in data],
        schema=["breakdown", "category", "step", "waits", "median_days", "p90_days"],
        orient="row",
    )


def test_small_groups_and_the_one_that_would_give_them_away_are_hidden():
    shown = waiting_breakdowns(FakeWarehouse(rows(), Settings()), "E10000003", "2024/25 Q3", "Cambridgeshire")
    assert shown is not None and len(shown.tables) == 1
    table = shown.tables[0]
    assert table.caption == "Waits that ended in 2024/25 Q3 by age band, Cambridgeshire"
    assert table.columns == [
        "Age band",
        "Request to assessment: waits", "Request to assessment: median (days)",
        "Request to assessment: 90th centile (days)",
        "Assessment to service: waits", "Assessment to service: median (days)",
        "Assessment to service: 90th centile (days)",
    ]  # fmt: skip
    assert table.rows == [
        ["18-64", "<5", "–", "–", "8", "14", "33"],
        ["65+", "–", "–", "–", "9", "20", "41"],
        ["Unknown", "11", "8", "22", "–", "–", "–"],
        ["All people", "20", "9", "25", "17", "16", "40"],
    ]
    assert "shown as <5" in shown.intro.text
