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
