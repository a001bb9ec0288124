"""The committee pages in a real browser: figures, the demo notice, filters in the URL, shared links, widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, wait_until_idle

COMMITTEE_PAGES = ["", "direct_payments", "workforce", "satisfaction_outcomes"]


def open_page(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
    wait_until_idle(page)
    # A chart still loading shows a skeleton in place of its stPlotlyChart element: wait for both to go.
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stSkeleton"]') &&
                 [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                 .every(c => c.querySelector('.main-svg'))""",
        timeout=60_000,
    )


def test_overview_shows_the_dp_figure_from_the_warehouse(page, app_url, warehouse):
    ((uptake, latest),) = warehouse.sql(
        "select uptake_pct, period from mart_dp_uptake where locality_code = 'E10000003' "
        "order by quarter_end desc limit 1"
    ).fetchall()
    open_page(page, app_url)
    expect(page.locator('[data-testid="stMetric"]', has_text=f"DP uptake, {latest}")).to_contain_text(f"{uptake:.1f}%")
    expect(page.get_by_text("Synthetic demo data.")).to_be_visible()
    screenshot(page, "overview")


@pytest.mark.parametrize("width", [1400, 800])
@pytest.mark.parametrize("name", COMMITTEE_PAGES)
def test_committee_pages_at_two_widths(page, app_url, name, width):
    page.set_viewport_size({"width": width, "height": 2600})
    open_page(page, f"{app_url}/{name}")
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    expect(page.get_by_text("Synthetic demo data.")).to_be_visible()
    screenshot(page, f"{name or 'overview'}_{width}px")


def test_changing_the_locality_filter_updates_the_figures_and_the_url(page, app_url, warehouse):
    ((uptake,),) = warehouse.sql(
        "select uptake_pct from mart_dp_uptake where locality_code = 'E07000009' order by quarter_end desc limit 1"
    ).fetchall()
    open_page(page, f"{app_url}/direct_payments")
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name="East Cambridgeshire").click()
    expect(page.locator('[data-testid="stMetric"]').first).to_contain_text(f"{uptake:.1f}%")
    wait_until_idle(page)
    assert "locality=E07000009" in page.url
    screenshot(page, "direct_payments_east_cambridgeshire")


def test_a_shared_link_reproduces_the_view(page, app_url, warehouse):
    ((uptake,),) = warehouse.sql(
        "select uptake_pct from mart_dp_uptake where locality_code = 'E07000010' and period = '2023/24 Q2'"
    ).fetchall()
    open_page(page, f"{app_url}/?locality=E07000010&period=2023%2F24+Q2")
    expect(page.locator('[data-testid="stMetric"]', has_text="DP uptake, 2023/24 Q2")).to_contain_text(f"{uptake:.1f}%")
    expect(page.get_by_text("in Fenland took a direct payment")).to_be_visible()
    open_page(page, f"{app_url}/satisfaction_outcomes?locality=E10000003&period=2023%2F24+Q3")
    expect(page.get_by_text("is statistically significant")).to_be_visible()
    screenshot(page, "satisfaction_shared_link_2023_24_q3")
