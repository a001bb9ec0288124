"""The Direct payments page builds only its open tab: a first view draws the headline figures, the verdict and the
uptake chart alone; every other chart is drawn when its tab is opened (by a click or by a link, ?tab=...), with
the same figures the presenter computed."""

from __future__ import annotations

import json

import plotly.io as pio
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.present.direct_payments import FUNNEL_DEFAULT, direct_payments
from dashboard.present.dp_breakdowns import dp_breakdowns
from dashboard.present.maps import dp_uptake_map
from dashboard.queries import Warehouse
from pipelines.config import PROJECT_ROOT
from tests.app.surfaces import TABS

APP = str(PROJECT_ROOT / "dashboard" / "app.py")
COUNTY = "E10000003"
UPTAKE, DISTRICTS, COMPARATORS, SUPPORT, GROUPS = TABS["direct_payments.py"]


def run_page(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("views/direct_payments.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def drawn(at: AppTest) -> list[dict]:
    """The figures the browser is sent, as Plotly JSON."""
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def as_sent(fig) -> dict:
    return json.loads(pio.to_json(fig))


@pytest.fixture(scope="module")
def latest(warehouse) -> str:
    return warehouse.sql("select max(period) from mart_dp_uptake").fetchall()[0][0]


@pytest.fixture(scope="module")
def expected(demo_env, latest) -> dict[str, list[dict]]:
    """Each tab's figures, as the presenters compute them for the county at the latest quarter."""
    wh = Warehouse(demo_env)
    page = direct_payments(wh, COUNTY, latest, "Cambridgeshire (all)")
    district_map = dp_uptake_map(wh, latest).chart
    breakdowns = dp_breakdowns(wh, COUNTY, latest, "Cambridgeshire (all)")
    return {
        UPTAKE: [page.uptake_chart.figure],
        DISTRICTS: [page.funnels[FUNNEL_DEFAULT].chart.figure] + ([district_map.figure] if district_map else []),
        COMPARATORS: [page.comparators_chart.figure],
        SUPPORT: [page.dpss_chart.figure] + ([page.isf_chart.figure] if page.isf_chart else []),
        GROUPS: [c.figure for c in breakdowns.charts] if breakdowns else [],
    }


def test_a_first_view_draws_the_uptake_chart_alone(demo_env, expected):
    at = run_page()
    charts = drawn(at)
    assert len(charts) == 1  # of the page's nine, before any tab is opened
    assert charts[0]["data"] == as_sent(expected[UPTAKE][0])["data"]
    assert charts[0]["layout"]["title"]["text"].startswith("Direct payment uptake")
    # The headline figures and the verdict are above the tabs, on every tab.
    labels = [m.label for m in at.metric]
    assert "More DP recipients needed" in labels and any(m.startswith("DP uptake") for m in labels)
    assert [t.label for t in at.tabs] == list(TABS["direct_payments.py"])


@pytest.mark.parametrize("tab", TABS["direct_payments.py"][1:])
def test_a_link_to_a_tab_draws_its_charts_with_the_presenter_s_figures(demo_env, expected, tab):
    charts = drawn(run_page(tab=tab))
    want = [as_sent(fig) for fig in expected[tab]]
    assert want, f"the demo has a chart for {tab}"
    # Only that tab's charts: the uptake chart (first tab) is not drawn behind it.
    assert [c["data"] for c in charts] == [w["data"] for w in want]
    assert [c["layout"].get("title") for c in charts] == [w["layout"].get("title") for w in want]


def test_an_overview_tile_for_new_isfs_opens_the_tab_that_draws_them(demo_env, expected):
    charts = drawn(run_page(measure="new_isfs"))
    assert [c["data"] for c in charts] == [as_sent(fig)["data"] for fig in expected[SUPPORT]]
    # A link naming the tab still wins over the measure's own tab.
    charts = drawn(run_page(measure="new_isfs", tab=UPTAKE))
    assert [c["data"] for c in charts] == [as_sent(expected[UPTAKE][0])["data"]]


def test_the_dpss_chart_title_states_how_the_share_changed(warehouse, latest):
    rows = warehouse.sql(
        "select period, dpss_use_pct from mart_dpss_use where quarter_end <= "
        "(select max(quarter_end) from mart_dp_uptake where period = ?) order by quarter_end",
        params=[latest],
    ).fetchall()
    (p0, first), (p1, last) = rows[0], rows[-1]
    assert round(last, 1) > round(first, 1)  # the demo's support service grew
    charts = drawn(run_page(tab=SUPPORT))
    title = charts[0]["layout"]["title"]["text"].replace("<br>", " ")
    assert title == (
        f"Share of DP recipients with an open DPSS case rose: from {first:.1f}% in {p0} to {last:.1f}% in {p1}"
    )
