"""The dashboard in a real browser: the Overview's DP figure, every page rendering, a shared link."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, wait_until_idle

PAGES = ["direct_payments", "workforce", "satisfaction_outcomes", "provider_kpis", "demand_scenarios", "data"]


def test_overview_shows_the_dp_figure_from_the_warehouse(page, app_url, warehouse):
    ((uptake, latest),) = warehouse.sql(
        "select uptake_pct, period from mart_dp_uptake "
        "where locality_code = 'E10000003' order by quarter_end desc limit 1"
    ).fetchall()
    page.goto(app_url)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=30_000)
    wait_until_idle(page)
    metric = page.locator('[data-testid="stMetric"]', has_text=f"DP uptake, {latest}")
    expect(metric).to_contain_text(f"{uptake:.1f}%")
    expect(page.get_by_text("Synthetic demo data.")).to_be_visible()
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg')
    screenshot(page, "overview")


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_without_error(page, app_url, name):
    page.goto(f"{app_url}/{name}")
    page.wait_for_selector('[data-testid="stMetric"], [data-testid="stDataFrame"]', timeout=30_000)
    wait_until_idle(page)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    expect(page.get_by_text("Synthetic demo data.")).to_be_visible()
    screenshot(page, name)


def test_a_shared_link_reproduces_the_locality_view(page, app_url, warehouse):
    ((uptake,),) = warehouse.sql(
        "select uptake_pct from mart_dp_uptake where locality_code = 'E07000010' and period = '2023/24 Q2'"
    ).fetchall()
    page.goto(f"{app_url}/?locality=E07000010&period=2023%2F24+Q2")
    page.wait_for_selector('[data-testid="stMetric"]', timeout=30_000)
    wait_until_idle(page)
    expect(page.locator('[data-testid="stMetric"]', has_text="DP uptake, 2023/24 Q2")).to_contain_text(f"{uptake:.1f}%")
    expect(page.get_by_text("in Fenland took a direct payment")).to_be_visible()
    page.set_viewport_size({"width": 800, "height": 1400})
    wait_until_idle(page)
    screenshot(page, "overview_fenland_800px")
