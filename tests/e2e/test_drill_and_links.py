"""Drill-through and links in a real browser: each Overview tile opens its page at its measure, clicking an area
on a chart filters the page to it (and the address says so), and every page's address, opened in a fresh browser
context (a colleague with no session), shows the same area, quarter, tab and year as its sender saw."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import wait_until_idle
from tests.e2e.test_narrow_pages import open_page

FENLAND, FENLAND_NAME = "E07000010", "Fenland"
QUARTER = "2023/24 Q2"
UPTAKE_CHART_TITLE = re.compile(r"Direct payment uptake(: | by area against)")


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def sidebar_shows(page, area: str, quarter: str) -> None:
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_role("combobox", name="Locality")).to_match_aria_snapshot(f'- combobox "Locality": {area}')
    expect(sidebar.get_by_role("combobox", name="Quarter")).to_match_aria_snapshot(f'- combobox "Quarter": {quarter}')


def choose(page, label: str, option: str) -> None:
    """Pick an option in a Streamlit selectbox (in the sidebar or the page) as a user does."""
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_until_idle(page)


def test_each_overview_tile_opens_its_page_at_its_measure(page, app_url):
    open_page(page, f"{app_url}/?locality={FENLAND}&period=2023%2F24+Q2")
    tiles = page.locator('[data-testid="stPageLink"] a', has_text="→")
    count = tiles.count()
    assert count >= 8  # every headline measure with a page of its own
    targets = [(tiles.nth(i).inner_text().strip(" →\n"), tiles.nth(i).get_attribute("href")) for i in range(count)]
    for name, href in targets:
        query = query_of(href)
        assert query["locality"] == FENLAND and query["period"] == QUARTER, href
        tile = page.locator('[data-testid="stPageLink"] a', has_text=name).first
        tile.click()
        wait_until_idle(page, 90_000)
        # The page opened says which measure the reader came for, and the area and quarter are kept.
        expect(page.locator('[data-testid="stAlert"]', has_text=name).first).to_be_visible(timeout=60_000)
        # ... and opens its "About these measures" panel (definition, source, next update, target).
        expect(page.get_by_role("columnheader", name="Definition").first).to_be_visible()
        assert query_of(page.url)["measure"] == query["measure"]
        sidebar_shows(page, FENLAND_NAME, QUARTER)
        page.go_back()
        page.wait_for_selector('[data-testid="stPageLink"]', timeout=60_000)
        wait_until_idle(page, 90_000)


def test_clicking_a_district_on_the_funnel_filters_the_page_to_it(page, app_url):
    open_page(page, f"{app_url}/direct_payments")
    page.get_by_role("tab", name="Districts", exact=True).click()  # the funnel is built when its tab opens
    funnel = page.locator('[data-testid="stPlotlyChart"]', has_text="DP uptake by district")
    expect(funnel.locator(".main-svg").first).to_be_attached(timeout=60_000)
    funnel.scroll_into_view_if_needed()
    # The districts' trace is the funnel's last: its labels name the points in the same order.
    districts = funnel.locator(".scatterlayer .trace").last
    name = districts.locator(".textpoint text").first.text_content()
    districts.locator(".points .point").first.click(force=True)
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_role("combobox", name="Locality")).to_match_aria_snapshot(f'- combobox "Locality": {name}')
    wait_until_idle(page, 90_000)
    assert query_of(page.url)["locality"] != "E10000003"
    # The whole page follows the district chosen, and stays on the tab it was chosen from.
    assert query_of(page.url)["tab"] == "Districts"
    expect(page.locator('[data-testid="stCaptionContainer"]', has_text=f"{name}, ").first).to_be_visible()


def test_clicking_an_area_line_filters_the_page_to_it(page, app_url):
    open_page(page, f"{app_url}/direct_payments?locality={FENLAND}")
    # Its title states the finding ("Direct payment uptake: Fenland is furthest from ..."), or names the target.
    chart = page.locator('[data-testid="stPlotlyChart"]', has_text=UPTAKE_CHART_TITLE).first
    chart.scroll_into_view_if_needed()
    lines = chart.locator(".scatterlayer .trace")
    # Plotly draws the traces in the order of its data: their names, read from the figure itself.
    names = chart.locator(".js-plotly-plot").evaluate("gd => gd.data.map(t => t.name || '')")
    other = next(i for i, n in enumerate(names) if n in ("Cambridge", "Huntingdonshire"))
    lines.nth(other).locator(".points .point").last.click(force=True)
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_role("combobox", name="Locality")).to_match_aria_snapshot(
        f'- combobox "Locality": {names[other]}'
    )
    wait_until_idle(page, 90_000)
    assert query_of(page.url)["locality"] != FENLAND


@pytest.mark.parametrize(
    ("path", "tab"),
    [
        ("direct_payments", None),
        ("workforce", None),
        ("satisfaction_outcomes", None),
        ("benchmarking", None),
        ("provider_kpis", None),
        ("demand_scenarios", "Population-driven demand"),
        ("demand_scenarios", "Compare scenarios"),
    ],
)
def test_the_address_restores_area_quarter_and_tab_in_a_fresh_browser(browser, page, app_url, path, tab):
    open_page(page, f"{app_url}/{path}")
    choose(page, "Locality", FENLAND_NAME)
    choose(page, "Quarter", QUARTER)
    if tab:
        page.get_by_role("tab", name=tab, exact=True).click()
        wait_until_idle(page)
    if tab == "Compare scenarios":  # and a year other than the default, on the slider of that tab
        year = page.locator('[data-testid="stSlider"]', has_text="Compare in").get_by_role("slider")
        year.focus()
        page.keyboard.press("ArrowLeft")
        wait_until_idle(page)
        expected_year = year.get_attribute("aria-valuetext") or year.inner_text()
    # The address bar follows each rerun as it lands: on a busy machine, after the choice returns.
    page.wait_for_url(lambda url: query_of(url).get("locality") == FENLAND and query_of(url).get("period") == QUARTER)
    address = page.url

    fresh = browser.new_context(viewport={"width": 1400, "height": 1600})  # no cookies, no session: a colleague
    other = fresh.new_page()
    open_page(other, address)
    sidebar_shows(other, FENLAND_NAME, QUARTER)
    if tab:
        expect(other.get_by_role("tab", name=tab, exact=True)).to_have_attribute("aria-selected", "true")
    if tab == "Compare scenarios":
        restored = other.locator('[data-testid="stSlider"]', has_text="Compare in").get_by_role("slider")
        assert (restored.get_attribute("aria-valuetext") or restored.inner_text()) == expected_year
    fresh.close()
