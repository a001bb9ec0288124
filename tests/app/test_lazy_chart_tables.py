"""A chart's "Show as table" (and every other table kept in a closed expander) is built only once it is opened: a
closed one sends the browser no grid (whose JavaScript costs 0.4-0.6 s on a first view) and writes no CSV. Opened,
it shows the rows the chart draws, and its CSV holds the same rows."""

from __future__ import annotations

import csv
import io
import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.surfaces import TABS, download_bytes, expander_key, open_expanders, recording_downloads
from tests.app.test_pages import run_page

DP = "direct_payments.py"
SATISFACTION = "satisfaction_outcomes.py"
UPTAKE_TABLE = "expander-table-dp_uptake_history"


def lazy_expanders(at: AppTest) -> dict[str, object]:
    return {key: e for e in at.expander if (key := expander_key(e))}


def chart_downloads(at: AppTest) -> list[str]:
    return [b.key for b in at.download_button if (b.key or "").startswith("download-")]


def run(page: str, **query) -> AppTest:
    with recording_downloads():
        return run_page(page, **query)


# Every page with a chart, on each of its tabs (Demand and scenarios is laid out by another module).
CHART_VIEWS = [(page, tab) for page in (DP, "workforce.py", SATISFACTION) for tab in TABS[page]] + [
    ("benchmarking.py", None),
    ("provider_kpis.py", None),
]


@pytest.mark.parametrize(("page", "tab"), CHART_VIEWS)
def test_a_closed_table_sends_no_grid_and_no_csv(demo_env, page, tab):
    at = run(page, **({"tab": tab} if tab else {}))
    charts = at.get("plotly_chart")
    closed = lazy_expanders(at)
    tables = [key for key in closed if key.startswith("expander-table-")]
    assert len(tables) == len(charts) > 0 or not charts, (page, tab, tables, len(charts))
    for key, expander in closed.items():
        assert at.session_state[key] is False
        assert expander.children == {}, f"{page} {tab}: {expander.label!r} holds elements while closed"
    assert chart_downloads(at) == []  # no chart's CSV written


def test_opening_a_charts_table_shows_the_rows_it_draws_and_its_csv(demo_env):
    at = run(DP)
    assert len(at.dataframe) == 0
    at.session_state[UPTAKE_TABLE] = True
    with recording_downloads():
        at.run()
    assert not at.exception
    expander = lazy_expanders(at)[UPTAKE_TABLE]
    assert expander.label == "Show as table"
    assert len(expander.dataframe) == 1 and len(expander.get("download_button")) == 1  # the table and its CSV
    table = expander.dataframe[0].value
    # Every area's line, every quarter, each uptake as the chart's point rounded to one decimal.
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    drawn = {(t["name"], x, f"{y:.1f}%") for t in spec["data"] for x, y in zip(t["x"], t["y"], strict=True)}
    assert len(drawn) == 6 * 20
    assert set(zip(table["Area"], table["Quarter"], table["Uptake"], strict=True)) == drawn
    assert chart_downloads(at) == ["download-dp_uptake_history"]
    with recording_downloads():
        rows = list(
            csv.DictReader(io.StringIO(download_bytes(at.download_button(key="download-dp_uptake_history")).decode()))
        )
    assert [(r["Area"], r["Quarter"], r["Uptake"]) for r in rows] == list(
        zip(table["Area"], table["Quarter"], table["Uptake"], strict=True)
    )


def test_an_open_table_stays_open_when_the_chart_turns_to_its_spc_view(demo_env):
    """The SPC toggle reruns the chart's fragment alone; the table opened in it is kept, and closing it drops it."""
    at = run(DP)
    at.session_state[UPTAKE_TABLE] = True
    at.run()
    rows = len(at.dataframe[0].value)
    at.toggle(key="spc-dp_uptake_history").set_value(True).run()
    assert json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["title"]["text"].endswith(": SPC view")
    assert at.session_state[UPTAKE_TABLE] is True and len(at.dataframe[0].value) == rows
    at.session_state[UPTAKE_TABLE] = False
    at.run()
    assert len(at.dataframe) == 0 and chart_downloads(at) == []


def test_the_survey_and_review_tables_are_built_once_opened(demo_env):
    at = run(SATISFACTION)
    assert [e.label for e in lazy_expanders(at).values()] == ["Show as table", "By district, 2024/25 Q4"]
    assert len(at.dataframe) == 0
    open_expanders(at)
    assert any(list(d.value.columns)[:2] == ["Area", "Respondents"] for d in at.dataframe)

    at = run(SATISFACTION, tab="Outcomes of reviews")
    assert len(at.dataframe) == 0 and at.download_button.len == 0
    with recording_downloads():
        open_expanders(at)
        reasons = download_bytes(at.download_button(key="download-outcome-reasons")).decode("utf-8-sig")
    grid = next(d.value for d in at.dataframe if "Cambridge (%)" in d.value.columns)
    assert next(csv.reader(io.StringIO(reasons))) == list(grid.columns)
    assert len(reasons.splitlines()) == len(grid) + 1
