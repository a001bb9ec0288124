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
