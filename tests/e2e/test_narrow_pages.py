"""Every page readable in an 800 px window and a 1400 px one: nothing cut, the verdicts in view, links that
reproduce the view. Widths are compared in the browser (an element's scrollWidth against its clientWidth, a chart
title's box against its chart), as a person would see them."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, wait_until_idle

PAGES = [
    "",
    "direct_payments",
    "workforce",
    "satisfaction_outcomes",
    "benchmarking",
    "provider_kpis",
    "demand_scenarios",
    "data",
    "glossary",
]

# Elements whose text must never be cut: headings, buttons (and their labels), tabs, metric labels.
CUT_TEXT = """() => {
  const cut = [];
  const selectors = 'h1, h2, h3, button, button p, [data-testid="stTab"], [data-testid="stMetricLabel"] p';
  for (const el of document.querySelectorAll(selectors)) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || el.closest('[data-testid="stSidebar"]')) continue;
    if (el.scrollWidth > el.clientWidth + 1 || box.right > window.innerWidth + 1)
      cut.push(`${el.tagName} "${el.innerText.trim().slice(0, 50)}": ${el.scrollWidth} > ${el.clientWidth}`);
  }
  return cut;
}"""
# A Plotly title is SVG text, which never wraps: its box must lie inside its chart.
CUT_CHART_TITLES = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"] .main-svg')].flatMap(svg => {
  const title = svg.querySelector('.gtitle');
  if (!title) return [];
  const box = title.getBoundingClientRect(), chart = svg.getBoundingClientRect();
  return box.left >= chart.left - 1 && box.right <= chart.right + 1 ? [] : [title.textContent.slice(0, 60)];
})"""


def open_page(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=90_000)
    wait_until_idle(page, 90_000)
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stSkeleton"]') &&
                 [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                 .every(c => c.querySelector('.main-svg'))""",
        timeout=60_000,
    )


@pytest.mark.parametrize("width", [800, 1400])
@pytest.mark.parametrize("name", PAGES)
def test_no_title_button_or_heading_is_cut(page, app_url, name, width):
    page.set_viewport_size({"width": width, "height": 1600})
    open_page(page, f"{app_url}/{name}")
    if name == "demand_scenarios":  # the tab with the most buttons and charts side by side
        page.get_by_role("tab", name="Scenario", exact=True).click()
        wait_until_idle(page)
        expect(page.get_by_role("button", name="Save scenario")).to_be_visible()
    assert page.evaluate(CUT_TEXT) == []
    assert page.evaluate(CUT_CHART_TITLES) == []
    sidebar = page.locator('[data-testid="stSidebar"]')
    # The sidebar leaves the page most of the window, and folds away with its own button.
    assert sidebar.bounding_box()["width"] <= 0.31 * width
    screenshot(page, f"narrow_{name or 'overview'}_{width}px")


@pytest.mark.parametrize("width", [800, 1400])
def test_the_scorecard_shows_its_verdicts_without_scrolling_sideways(page, app_url, width):
    page.set_viewport_size({"width": width, "height": 1600})
    open_page(page, f"{app_url}/provider_kpis")
    grid = page.locator('[data-testid="stDataFrame"]').first
    # The grid draws only the columns in view; its accessible header row lists them in order.
    grid.locator('[role="columnheader"]').first.wait_for(state="attached", timeout=30_000)
    shown = grid.locator('[role="columnheader"]').all_inner_texts()
    assert shown[:3] == ["KPI", "RAG", "Variation (SPC)"]
    if width == 1400:
        assert shown[3:6] == ["Assurance (SPC)", "Value", "Target"]


def test_the_sidebar_folds_away_and_comes_back(page, app_url):
    page.set_viewport_size({"width": 800, "height": 1200})
    open_page(page, f"{app_url}/direct_payments")
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar).to_have_attribute("data-collapsed", "false")
    sidebar.hover()  # the fold button shows on hover
    page.locator('[data-testid="stSidebarCollapseButton"] button').click()
    expect(sidebar).to_have_attribute("data-collapsed", "true")
    # The page then has the whole window (once the sidebar has slid away).
    page.wait_for_function(
        "document.querySelector('[data-testid=\"stMainBlockContainer\"]').getBoundingClientRect().width > 700"
    )
    page.locator('[data-testid="stExpandSidebarButton"]').click()
    expect(sidebar).to_have_attribute("data-collapsed", "false")


def test_the_scenario_link_restores_area_quarter_tab_year_and_levers_in_a_fresh_browser(browser, page, app_url):
    open_page(page, f"{app_url}/demand_scenarios?locality=E07000010&period=2023%2F24+Q2")
    page.get_by_role("tab", name="Scenario", exact=True).click()
    wait_until_idle(page)
    slider = page.locator('[data-testid="stSlider"]', has_text="Population adjustment").get_by_role("slider")
    slider.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    expect(slider).to_have_value("0.5")
    wait_until_idle(page)
    year = page.locator('[data-testid="stSlider"]', has_text="Show figures for").get_by_role("slider")
    year.focus()
    page.keyboard.press("ArrowRight")
    wait_until_idle(page)
    link = page.locator('[data-testid="stCode"]').filter(has_text="population_adjustment_pct=0.5")
    expect(link).to_contain_text("tab=Scenario")
    expect(link).to_contain_text("locality=E07000010")
    expected_year = year.get_attribute("aria-valuetext") or year.inner_text()
    # The link is redrawn when the year's rerun lands: on a busy machine that can be after the key press returns.
    expect(link).to_contain_text(urlencode({"scenario_year": expected_year}))
    people = page.locator('[data-testid="stMetric"]', has_text="People supported")
    expected_people = people.locator('[data-testid="stMetricValue"]').inner_text()
    url = link.inner_text().strip()

    fresh = browser.new_context(viewport={"width": 1400, "height": 1600})  # no cookies, no session: a colleague
    other = fresh.new_page()
    other.goto(url)
    other.wait_for_selector('[data-testid="stMetric"]', timeout=90_000)
    wait_until_idle(other, 90_000)
    sidebar = other.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_role("combobox", name="Locality")).to_match_aria_snapshot('- combobox "Locality": Fenland')
    expect(sidebar.get_by_role("combobox", name="Quarter")).to_match_aria_snapshot('- combobox "Quarter": 2023/24 Q2')
    expect(other.get_by_role("tab", name="Scenario", exact=True)).to_have_attribute("aria-selected", "true")
    restored = other.locator('[data-testid="stSlider"]', has_text="Show figures for").get_by_role("slider")
    assert (restored.get_attribute("aria-valuetext") or restored.inner_text()) == expected_year
    expect(
        other.locator('[data-testid="stSlider"]', has_text="Population adjustment").get_by_role("slider")
    ).to_have_value("0.5")
    expect(other.locator('[data-testid="stMetric"]', has_text="People supported")).to_contain_text(expected_people)
    fresh.close()
