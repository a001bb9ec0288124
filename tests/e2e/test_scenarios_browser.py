"""Scenarios in a real browser: move a lever, save two scenarios, compare them, and screenshot the comparison."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, wait_until_idle

FIRST, SECOND = "Faster population growth", "DP target of 25%"


def open_tab(page, name: str) -> None:
    """Click a tab and wait until it is built: the Demand page builds only its open tab, on a rerun."""
    page.get_by_role("tab", name=name, exact=True).click()
    page.get_by_role("tabpanel", name=name).locator('[data-testid="stElementContainer"]').first.wait_for()
    wait_until_idle(page)


def save_scenario(page, name: str) -> None:
    for label, value in (("Scenario name", name),):
        field = page.get_by_label(label)
        field.fill(value)
        field.press("Enter")
        wait_until_idle(page)
    page.get_by_role("button", name="Save scenario").click()
    expect(page.get_by_text(f"Saved “{name}”")).to_be_visible(timeout=60_000)
    wait_until_idle(page)


def pick(page, label: str, option: str) -> None:
    """Choose an option in a Streamlit multiselect by typing it and pressing Enter."""
    box = page.locator('[data-testid="stMultiSelect"]', has_text=label)
    box.locator("input").click()
    box.locator("input").fill(option)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    wait_until_idle(page)


def test_move_a_lever_save_two_scenarios_and_compare_them(page, app_url):
    # Start where a user starts and follow the navigation: a fresh server sent straight to a page's
    # address before the entry page has run serves the bare page from dashboard/pages (see the report).
    page.goto(app_url)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
    wait_until_idle(page)
    page.get_by_role("link", name="Demand and scenarios").click()
    expect(page.get_by_role("heading", name="Demand and scenarios")).to_be_visible(timeout=60_000)
    wait_until_idle(page)
    expect(page.get_by_text("Synthetic demo data.")).to_be_visible()
    open_tab(page, "Scenario")

    # Move the population lever up by one point with the keyboard, as a user without a mouse would.
    slider = page.locator('[data-testid="stSlider"]', has_text="Population adjustment").get_by_role("slider")
    slider.focus()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    expect(slider).to_have_value("1")
    wait_until_idle(page)
    people = page.locator('[data-testid="stMetric"]', has_text="People supported")
    expect(people).to_contain_text(re.compile(r"\+[\d,]+"))
    expect(page.get_by_text("under each figure, its change on the baseline")).to_be_visible()
    # The share box holds the link; a fresh tab opened on it shows the same scenario. (The address bar
    # itself can lag behind a burst of key presses: Streamlit updates it as each rerun lands.)
    link = page.locator('[data-testid="stCode"]').filter(has_text="population_adjustment_pct=1.0")
    expect(link).to_be_visible()
    shared = page.context.new_page()
    shared.goto(link.inner_text().strip())
    shared.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
    wait_until_idle(shared)
    shared.get_by_role("tab", name="Scenario", exact=True).click()
    wait_until_idle(shared)
    expected = people.locator('[data-testid="stMetricValue"]').inner_text()
    expect(shared.locator('[data-testid="stMetric"]', has_text="People supported")).to_contain_text(expected)
    shared.close()
    save_scenario(page, FIRST)

    page.get_by_role("button", name="Reset to baseline").click()
    wait_until_idle(page)
    page.get_by_text("Set a target", exact=True).click()
    wait_until_idle(page)
    expect(page.locator('[data-testid="stMetric"]', has_text="DP uptake")).to_contain_text("25.0%")
    save_scenario(page, SECOND)

    open_tab(page, "Compare scenarios")
    pick(page, "Saved scenarios to compare", FIRST)
    pick(page, "Saved scenarios to compare", SECOND)
    panel = page.get_by_role("tabpanel", name="Compare scenarios")
    # The tab lists the saved scenarios (who saved each, when) above the comparison: the comparison is the table
    # with the baseline in it (Markdown tables: no grid on the tab).
    table = panel.locator('[data-testid="stMarkdown"] table').filter(has_text=f"{FIRST} vs Baseline").first
    expect(table).to_contain_text(f"{FIRST} vs Baseline")
    expect(table).to_contain_text(f"{SECOND} vs Baseline")
    expect(table).to_contain_text("25.0%")
    expect(panel.locator(".legendtext", has_text=FIRST).first).to_be_visible()
    expect(panel.locator('[data-testid="stTable"]')).to_have_count(0)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    panel.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for()
    panel.locator('[data-testid="stPlotlyChart"]').scroll_into_view_if_needed()
    screenshot(page, "scenario_comparison")
    page.set_viewport_size({"width": 800, "height": 1600})
    wait_until_idle(page)
    # At 800 px the baseline and two scenarios fit side by side: no column past the page's edge, nor cut.
    expect(table).to_contain_text(f"{SECOND} vs Baseline")
    fits = "t => t.getBoundingClientRect().width <= t.parentElement.clientWidth + 1"
    page.wait_for_function(fits, arg=table.element_handle(), timeout=30_000)
    panel.locator('[data-testid="stPlotlyChart"]').scroll_into_view_if_needed()
    screenshot(page, "scenario_comparison_800px")
