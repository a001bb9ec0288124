"""The Provider KPIs scorecard on a phone (400 px): every KPI's verdicts in view without scrolling sideways. The
grid's columns have fixed pixel widths, so a phone gets the same verdicts as a table whose cells wrap."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.test_narrow_pages import open_page

VERDICTS = ["KPI", "RAG", "Variation (SPC)", "Assurance (SPC)"]


def test_on_a_phone_the_scorecard_shows_every_verdict_without_scrolling_sideways(page, app_url):
    page.set_viewport_size({"width": 400, "height": 1600})
    open_page(page, f"{app_url}/provider_kpis")
    phone = page.locator(".st-key-scorecard-phone table")
    expect(phone).to_be_visible()
    expect(page.locator(".st-key-scorecard-grid")).to_be_hidden()
    assert phone.locator("th").all_inner_texts() == VERDICTS
    assert phone.locator("tbody tr").count() >= 5
    # Neither the table nor its box scrolls sideways, and its right edge is inside the window.
    widths = phone.evaluate("t => [t.scrollWidth, t.parentElement.scrollWidth, t.parentElement.clientWidth]")
    assert widths[1] <= widths[2] + 1, widths
    box = phone.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 400, box


def test_on_a_laptop_the_scorecard_is_the_grid_alone(page, app_url):
    page.set_viewport_size({"width": 800, "height": 1600})
    open_page(page, f"{app_url}/provider_kpis")
    expect(page.locator(".st-key-scorecard-grid [data-testid='stDataFrame']")).to_be_visible()
    expect(page.locator(".st-key-scorecard-phone")).to_be_hidden()
