"""Provider KPIs and Demand and scenarios when the app-state folder cannot be created: the page says so, the rest
works (issue 16: both crashed on view)."""

from __future__ import annotations

import os

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from pipelines.config import PROJECT_ROOT
from tests.unit.test_unwritable import unwritable_folder

APP = str(PROJECT_ROOT / "dashboard" / "app.py")


@pytest.fixture()
def unwritable_app_state(demo_env, tmp_path, monkeypatch):
    """The demo warehouse, with the app-state database in a folder that cannot be made."""
    shipped = os.environ["ASC_CONFIG"]
    text = open(shipped).read()
    config = tmp_path / "asc.toml"
    bad = unwritable_folder(tmp_path) / "app_state.sqlite3"
    config.write_text(
        "\n".join(f'app_state = "{bad}"' if line.startswith("app_state =") else line for line in text.splitlines())
    )
    monkeypatch.setenv("ASC_CONFIG", str(config))
    st.cache_resource.clear()  # the shell keeps its settings for the process
    yield bad
    monkeypatch.setenv("ASC_CONFIG", shipped)
    st.cache_resource.clear()


# The Demand page builds only its open tab: saved scenarios are listed (or said to be unavailable) on their own tab.
@pytest.mark.parametrize(
    ("page", "tab"), [("views/provider_kpis.py", None), ("views/demand_scenarios.py", "Compare scenarios")]
)
def test_the_page_says_notes_cannot_be_kept_and_shows_the_rest(unwritable_app_state, page, tab):
    at = AppTest.from_file(APP, default_timeout=90)
    if tab:
        at.query_params["tab"] = tab
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    warnings = [w.value for w in at.warning]
    assert any("Review notes and saved scenarios cannot be read or kept just now" in w for w in warnings), warnings
    assert len(at.get("plotly_chart")) >= 1  # the page's charts are still there
