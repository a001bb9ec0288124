"""Pages that build only their open tab: the first view draws the first tab's chart alone, and a tab opened by its
link (or by an Overview tile's measure) shows the same figures, sentences and charts the presenter gives the pack."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.present.satisfaction import satisfaction_outcomes
from dashboard.present.workforce import workforce
from dashboard.queries import Warehouse
from tests.app.surfaces import TABS
from tests.app.test_pages import COUNTY, FENLAND, run_page

SATISFACTION = "satisfaction_outcomes.py"


def chart_titles(at: AppTest) -> list[str]:
    """Titles as a person reads them (line breaks as spaces)."""
    return [json.loads(c.proto.spec)["layout"]["title"]["text"].replace("<br>", " ") for c in at.get("plotly_chart")]


def chart_values(at: AppTest) -> list[list]:
    """Each chart's first trace's values, as the browser receives them."""
    return [json.loads(c.proto.spec)["data"][0]["y"] for c in at.get("plotly_chart")]


def shown(at: AppTest) -> dict:
    return {
        "headings": [h.value for h in at.header],
        "metrics": [(m.label, m.value) for m in at.metric],
        # The About panel's table lists the measure a tile was clicked for first (by design), so it is left out.
        "text": [m.value for m in at.markdown if not m.value.startswith("| Measure | Definition |")],
        "charts": chart_titles(at),
    }


def test_the_first_view_builds_the_first_tab_alone(demo_env):
    at = run_page(SATISFACTION)
    assert at.session_state["tab"] == "DPSS customer survey"
    assert [h.value for h in at.header] == ["Direct Payment Support Service customer survey"]
    titles = chart_titles(at)
    assert len(titles) == 1 and "DPSS customers rating the service very good" in titles[0]
    # Neither the survey's published comparators nor the reviews' outcomes are built.
    text = " ".join(m.value for m in at.markdown)
    assert "Latest published ASCOF values" not in text and "Outcomes fully achieved in" not in text


@pytest.mark.parametrize(("code", "area"), [(COUNTY, "Cambridgeshire (all)"), (FENLAND, "Fenland")])
def test_each_tab_opened_by_its_link_shows_what_the_presenter_gives(demo_env, code, area):
    period = "2023/24 Q3"
    whole = satisfaction_outcomes(Warehouse(demo_env), code, period, area)
    parts = dict(zip(TABS[SATISFACTION], (whole.dpss, whole.ascs, whole.outcomes), strict=True))
    for tab, part in parts.items():
        at = run_page(SATISFACTION, locality=code, period=period, tab=tab)
        assert at.session_state["tab"] == tab
        assert [h.value for h in at.header] == [part.heading]
        assert [(m.label, m.value) for m in at.metric] == [(m.label, m.value) for m in getattr(part, "metrics", [])]
        text = [m.value for m in at.markdown]
        for paragraph in part.paragraphs:
            assert any(paragraph.text.replace("$", "\\$") in t for t in text), (tab, paragraph.text)
        assert chart_titles(at) == [part.chart.figure.layout.title.text.replace("<br>", " ")]
        assert chart_values(at) == [list(part.chart.figure.data[0].y)]


@pytest.mark.parametrize(
    ("measure", "tab"),
    [
        ("dpss_very_good_pct", "DPSS customer survey"),
        ("ascs_satisfaction_pct", "Adult Social Care Survey"),
        ("outcomes_achieved_pct", "Outcomes of reviews"),
    ],
)
def test_an_overview_tile_opens_the_tab_of_its_measure(demo_env, measure, tab):
    at = run_page(SATISFACTION, measure=measure)
    assert at.session_state["tab"] == tab
    assert shown(at) == shown(run_page(SATISFACTION, tab=tab))


WORKFORCE = "workforce.py"


def test_the_workforce_page_draws_the_growth_chart_alone_under_its_headline_figures(demo_env):
    at = run_page(WORKFORCE)
    assert at.session_state["tab"] == "Growth in Personal Assistants"
    assert chart_titles(at) == ["Personal Assistants in Cambridgeshire (all) against the growth path"]
    assert [m.label for m in at.metric][:2] == ["Active PAs, 2024/25 Q4", "Growth on a year before"]


@pytest.mark.parametrize(("code", "area"), [(COUNTY, "Cambridgeshire (all)"), (FENLAND, "Fenland")])
def test_each_workforce_tab_opened_by_its_link_shows_what_the_presenter_gives(demo_env, code, area):
    period = "2023/24 Q2"
    whole = workforce(Warehouse(demo_env), code, period, area)
    charts = dict(zip(TABS[WORKFORCE], (whole.pa_chart, whole.rural_chart, whole.cme_chart), strict=True))
    for tab, chart in charts.items():
        at = run_page(WORKFORCE, locality=code, period=period, tab=tab)
        assert at.session_state["tab"] == tab
        # The headline figures and the verdict on every tab, as the pack states them.
        assert [(m.label, m.value) for m in at.metric] == [(m.label, m.value) for m in whole.metrics]
        assert whole.verdict.text in " ".join(m.value for m in at.markdown)
        assert chart_titles(at) == [chart.figure.layout.title.text.replace("<br>", " ")]
        assert chart_values(at) == [list(chart.figure.data[0].y)]


@pytest.mark.parametrize(
    ("measure", "tab"),
    [("active_pas", "Growth in Personal Assistants"), ("active_cmes", "Care micro-enterprises")],
)
def test_a_workforce_tile_opens_the_tab_of_its_measure(demo_env, measure, tab):
    at = run_page(WORKFORCE, measure=measure)
    assert at.session_state["tab"] == tab
    assert shown(at) == shown(run_page(WORKFORCE, tab=tab))
