"""Saved scenarios say who saved them and when; a scenario's link holds the view as well as the levers."""

from __future__ import annotations

import sqlite3
from urllib.parse import parse_qs

import pytest

from dashboard import scenario_store
from models.scenarios import LeverError, Levers
from pipelines.config import load_settings
from tests.conftest import write_test_config

DEFAULTS = Levers(dp_target_year="2027/28", home_care_rate_gbp=20.0, dp_rate_gbp=16.5)


@pytest.fixture()
def settings(tmp_path):
    return load_settings(write_test_config(tmp_path))


def test_a_saved_scenario_records_who_saved_it_and_when(settings):
    scenario_store.save("Faster growth", DEFAULTS.replace(population_adjustment_pct=1.0), "2024/25 Q4", settings,
                        "  Sam   Patel ")  # fmt: skip
    saved = scenario_store.saved(DEFAULTS, settings)["Faster growth"]
    assert saved.saved_by == "Sam Patel"
    assert saved.levers.population_adjustment_pct == 1.0
    assert saved.saved_words.startswith("Saved by Sam Patel on ") and saved.saved_words.endswith(" UTC")
    assert saved.saved_at.endswith("+00:00")


@pytest.mark.parametrize("saver", ["", "   ", "x" * 81])
def test_a_scenario_is_not_saved_without_a_name_for_who_saved_it(settings, saver):
    with pytest.raises(LeverError, match="name|characters"):
        scenario_store.save("Faster growth", DEFAULTS, "2024/25 Q4", settings, saver)
    assert scenario_store.saved(DEFAULTS, settings) == {}


def test_scenarios_saved_before_names_were_recorded_still_load(settings):
    path = settings.path("app_state")
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as con:
        con.execute("create table saved_scenarios (name text primary key, levers text not null, "
                    "base_period text not null, saved_at text not null)")  # fmt: skip
        con.execute("insert into saved_scenarios values ('Old one', '{}', '2023/24 Q4', '2025-01-02T09:05:00+00:00')")
    old = scenario_store.saved(DEFAULTS, settings)["Old one"]
    assert old.saved_by == "" and old.saved_words == "Saved on 2 Jan 2025 at 09:05 UTC"
    scenario_store.save("New one", DEFAULTS, "2024/25 Q4", settings, "Ana")
    assert scenario_store.saved(DEFAULTS, settings)["New one"].saved_by == "Ana"


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
