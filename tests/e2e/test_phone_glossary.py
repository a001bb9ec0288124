"""The Glossary on a phone (400 px): each measure is a block of labelled lines, nothing scrolls sideways; on a wide
screen the same measures are a seven-column table."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.test_narrow_pages import open_page

MEASURES = "table.asc-blocks"
# How wide each measure row and the page's scrolling area are, and where the row's right edge lies.
ROW_BOXES = """table => [...table.querySelectorAll('tbody tr')].map(r => {
  const box = r.getBoundingClientRect();
  return [Math.round(box.right), r.scrollWidth, r.clientWidth, getComputedStyle(r).display];
})"""


def test_on_a_phone_each_measure_is_a_block_with_labelled_lines_and_nothing_scrolls_sideways(page, app_url):
    page.set_viewport_size({"width": 400, "height": 1600})
    open_page(page, f"{app_url}/glossary")
    measures = page.locator(MEASURES)
    expect(measures).to_be_visible()
    uptake = measures.locator("tbody tr", has_text="Direct payment uptake").first
    lines = uptake.locator("td")
    assert lines.nth(0).inner_text() == "Direct payment uptake"  # the block's heading, no label
    # Each other line is read with its column's name before it (drawn by the stylesheet, from data-label).
    label = lines.nth(5).evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"Direction: "' and lines.nth(5).inner_text() == "Higher is better"
    # The column headings are kept for screen readers only: no height on the page.
    assert measures.locator("thead").evaluate("h => h.getBoundingClientRect().height") <= 1
    rows = measures.evaluate(ROW_BOXES)
    assert len(rows) >= 10
    assert all(display == "block" and right <= 400 and scroll <= client + 1 for right, scroll, client, display in rows)
    main = page.locator('[data-testid="stMain"]')
    assert main.evaluate("m => m.scrollWidth <= m.clientWidth + 1"), "the page scrolls sideways"


def test_on_a_wide_screen_the_measures_are_a_seven_column_table(page, app_url):
    page.set_viewport_size({"width": 1400, "height": 1600})
    open_page(page, f"{app_url}/glossary")
    measures = page.locator(MEASURES)
    expect(measures.locator("thead th")).to_have_text(
        ["Measure", "Definition", "Source", "Frequency", "Next update", "Direction", "Target"]
    )
    assert measures.locator("thead").evaluate("h => h.getBoundingClientRect().height") > 20
    assert {display for *_, display in measures.evaluate(ROW_BOXES)} == {"table-row"}
