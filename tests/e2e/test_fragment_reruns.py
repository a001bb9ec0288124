"""Levers and pickers re-run only their part of the page (an st.fragment): what the user then sees is what a full
run of the page with the same choice shows (a fresh browser opening the address the change left)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import wait_until_idle

SHOWN = """root => ({
  metrics: [...root.querySelectorAll('[data-testid="stMetric"]')].map(m => m.innerText),
  headings: [...root.querySelectorAll('h2')].map(h => h.innerText),
  charts: [...root.querySelectorAll('[data-testid="stPlotlyChart"] .gtitle')].map(t => t.textContent),
  text: [...root.querySelectorAll('[data-testid="stMarkdownContainer"] p')].map(p => p.innerText),
})"""


def shown(locator) -> dict:
    """The figures, headings, chart titles and sentences under ``locator``, once every chart has drawn."""
    locator.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=60_000)
    wait_until_idle(locator.page)
    return locator.evaluate(SHOWN)


def fresh(browser, url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
    wait_until_idle(page)
    return context, page


def test_a_demand_lever_moved_shows_what_a_full_run_with_it_shows(browser, page, app_url):
    page.goto(f"{app_url}/demand_scenarios?tab=Scenario")
    panel = page.get_by_role("tabpanel", name="Scenario")
    panel.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=60_000)
    wait_until_idle(page)
    slider = page.locator('[data-testid="stSlider"]', has_text="Population adjustment").get_by_role("slider")
    slider.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(slider).to_have_value("0.3")
    link = page.locator('[data-testid="stCode"]').filter(has_text="population_adjustment_pct=0.3")
    expect(link).to_be_visible(timeout=60_000)
    after_lever = shown(panel)
    assert any("People supported" in m and "+" in m for m in after_lever["metrics"]), after_lever["metrics"]

    context, other = fresh(browser, link.inner_text().strip())
    try:
        full_run = shown(other.get_by_role("tabpanel", name="Scenario"))
    finally:
        context.close()
    assert after_lever == full_run


def test_a_kpi_picked_shows_what_a_full_run_with_it_shows(browser, page, app_url):
    page.goto(f"{app_url}/provider_kpis?contract=HC-02&period=2024%2F25+Q3")
    main = page.locator('[data-testid="stMain"]')
    shown(main)
    picker = page.locator('[data-testid="stSelectbox"]', has_text="KPI to examine")
    picker.click()
    others = page.locator('[role="option"]:not([aria-selected="true"])')
    expect(others.first).to_be_visible()
    other_kpi = others.first.inner_text().strip()
    page.get_by_role("option", name=other_kpi, exact=True).click()
    expect(main.locator("h2", has_text=other_kpi).first).to_be_visible(timeout=60_000)
    after_pick = shown(main)
    page.wait_for_function("() => new URLSearchParams(location.search).get('kpi')", timeout=60_000)

    context, other = fresh(browser, page.url)
    try:
        full_run = shown(other.locator('[data-testid="stMain"]'))
    finally:
        context.close()
    assert after_pick == full_run


def test_a_contract_picked_shows_what_a_full_run_with_it_shows(browser, page, app_url):
    """The contract picker re-runs the contract's part of the page alone: its scorecard, chart, returns and exports
    are those a fresh browser opening the address shows."""
    page.goto(f"{app_url}/provider_kpis?period=2024%2F25+Q3")
    main = page.locator('[data-testid="stMain"]')
    first = shown(main)
    picker = page.get_by_role("combobox", name="Contract")
    picker.click()
    others = page.locator('[role="option"]:not([aria-selected="true"])')
    expect(others.last).to_be_visible()
    other_contract = others.last.inner_text().strip()  # the last: not the default
    others.last.click()
    expect(picker).to_match_aria_snapshot(f'- combobox "Contract": {other_contract}')
    code = other_contract.split(" ")[0]
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('contract') === '{code}'", timeout=60_000)
    after_pick = shown(main)
    assert after_pick["metrics"] != first["metrics"] or after_pick["text"] != first["text"]

    context, other = fresh(browser, page.url)
    try:
        expect(other.get_by_role("combobox", name="Contract")).to_match_aria_snapshot(
            f'- combobox "Contract": {other_contract}'
        )
        full_run = shown(other.locator('[data-testid="stMain"]'))
    finally:
        context.close()
    assert after_pick == full_run
