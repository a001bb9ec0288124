"""Saved scenarios say who saved them and when; a scenario's link holds the view as well as the levers."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from dashboard import scenario_store
from models.scenarios import Levers
from pipelines.config import load_settings
from tests.conftest import write_test_config

DEFAULTS = Levers(dp_target_year="2027/28", home_care_rate_gbp=20.0, dp_rate_gbp=16.5)


@pytest.fixture()
def settings(tmp_path):
    return load_settings(write_test_config(tmp_path))


def test_the_share_link_holds_the_area_quarter_tab_and_year_before_the_levers():
    view = {"locality": "E07000010", "period": "2023/24 Q2", "tab": "Scenario", "scenario_year": "2030/31"}
    query = scenario_store.share_query(DEFAULTS.replace(population_adjustment_pct=1.0), DEFAULTS, 25.0, view)
    assert parse_qs(query) == {
        "locality": ["E07000010"],
        "period": ["2023/24 Q2"],
        "tab": ["Scenario"],
        "scenario_year": ["2030/31"],
        "population_adjustment_pct": ["1.0"],
    }
    assert scenario_store.share_query(DEFAULTS, DEFAULTS, 25.0) == ""  # the baseline's levers add nothing


def test_a_saved_scenario_records_who_saved_it_and_when(settings):
    scenario_store.save("Demo plan", DEFAULTS, "2024/25 Q4", settings, owner="", saved_by=scenario_store.DEMO_USER)
    scenario_store.save("Ann's plan", DEFAULTS, "2024/25 Q4", settings, owner="ann@council.gov.uk")
    seen = scenario_store.saved(DEFAULTS, settings, viewer="ann@council.gov.uk")
    assert seen["Demo plan"].saved_by == "demo user"
    assert seen["Ann's plan"].saved_by == "ann@council.gov.uk"  # the signed-in email when no other name is given
    words = seen["Demo plan"].provenance
    assert words.startswith("saved by demo user on ")
    assert words.endswith(" UTC") and " at " in words


def test_provenance_in_words_for_a_known_time_and_for_an_older_row():
    saved_at = "2026-12-06T21:30:05+00:00"
    known = scenario_store.SavedScenario("A", DEFAULTS, "2024/25 Q4", saved_at, "", True, "demo user")
    assert known.provenance == "saved by demo user on 6 December 2026 at 21:30 UTC"
    older = scenario_store.SavedScenario("B", DEFAULTS, "2024/25 Q4", "not a time", owner="bob@council.gov.uk")
    assert older.provenance == "saved by bob@council.gov.uk"  # rows saved before saved_by existed: their owner


def _hidden_row_by_row(table, threshold: int) -> list[dict]:
    """The rule of hide_small_counts written plainly, one row at a time (as it was before it became column
    expressions): a small count hidden, a hidden central value taking its ranges, an area resting on a small
    base-year count of people or DP recipients hidden whole."""
    import math

    from models.scenarios import MEASURES

    def small(v) -> bool:
        return v is not None and not (isinstance(v, float) and math.isnan(v)) and 0 < v < threshold

    rows = table.to_dicts()
    first = min(r["year"] for r in rows)
    anchored = {
        r["locality_code"]
        for r in rows
        if r["year"] == first and r["measure"] in scenario_store.ANCHORS and small(r["central"])
    }
    out = []
    for r in rows:
        is_count = MEASURES[r["measure"]][1] == "count"
        whole = r["locality_code"] in anchored or (is_count and small(abs(r["central"])))
        out.append(
            {
                **r,
                **{c: None if whole or (is_count and small(abs(r[c]))) else r[c] for c in scenario_store.VALUES},
            }
        )
    return out


def test_small_counts_are_hidden_exactly_as_the_row_by_row_rule_says():
    import polars as pl

    from dashboard.present.disclosure import Disclosure

    # Areas: A large; B with a small base-year count of people (hidden whole); C with small and negative PA gaps,
    # a zero, a NaN and values at the threshold. Hours and shares are never hidden, whatever their size.
    rows = [
        ("A", "2025/26", "people_supported", 400.0, 380.0, 420.0, 370.0, 430.0),
        ("A", "2026/27", "weekly_hours", 3.0, 2.0, 4.0, 1.0, 5.0),
        ("B", "2025/26", "people_supported", 4.0, 3.0, 5.0, 2.0, 6.0),
        ("B", "2026/27", "cost_gbp", 9000.0, 8000.0, 10000.0, 7000.0, 11000.0),
        ("C", "2025/26", "people_supported", 50.0, 48.0, 52.0, 46.0, 54.0),
        ("C", "2025/26", "dp_recipients", 5.0, 4.9, 5.1, 0.0, 6.0),
        ("C", "2026/27", "pa_gap", -3.0, -6.0, -1.0, -8.0, 2.0),
        ("C", "2026/27", "isf_people", 12.0, 4.99, 20.0, float("nan"), 30.0),
        ("C", "2027/28", "dp_share_pct", 2.0, 1.0, 3.0, 0.5, 4.0),
    ]
    table = pl.DataFrame(
        rows, schema=["locality_code", "year", "measure", *scenario_store.VALUES], orient="row"
    ).with_columns(locality_name=pl.col("locality_code"))
    shown = scenario_store.hide_small_counts(table, Disclosure(5))
    assert shown.columns == table.columns
    got = shown.to_dicts()
    expected = _hidden_row_by_row(table, 5)
    for mine, theirs in zip(got, expected, strict=True):
        assert {k: v for k, v in mine.items() if not (isinstance(v, float) and v != v)} == {
            k: v for k, v in theirs.items() if not (isinstance(v, float) and v != v)
        }
    by = {(r["locality_code"], r["measure"]): r for r in got}
    assert by[("B", "cost_gbp")]["central"] is None  # B rests on 4 people: all its figures go
    assert by[("A", "weekly_hours")]["central"] == 3.0  # hours are not people
    assert [by[("C", "pa_gap")][c] for c in scenario_store.VALUES] == [None] * 5  # |-3| is small: ranges go too
    assert [by[("C", "dp_recipients")][c] for c in scenario_store.VALUES] == [5.0, None, 5.1, 0.0, 6.0]
    isf = by[("C", "isf_people")]
    assert (isf["central"], isf["lo_80"], isf["hi_80"]) == (12.0, None, 20.0) and isf["lo_95"] != isf["lo_95"]
