"""A chart's "Show as table" in a real browser: the first view sends no grid (its JavaScript is the costly part);
a click opens the table under the chart with its "Download CSV", and the file holds the table's rows."""

from __future__ import annotations

import csv
import io

from playwright.sync_api import expect

from tests.e2e.test_narrow_pages import open_page

GRID = '[data-testid="stDataFrame"]'


def test_show_as_table_builds_the_table_and_its_csv_when_clicked(page, app_url):
    open_page(page, f"{app_url}/workforce")
    expander = page.get_by_test_id("stExpander").filter(has_text="Show as table")
    expect(expander).to_have_count(1)
    expect(page.locator(GRID)).to_have_count(0)  # nothing built while it is closed
    expect(page.get_by_role("button", name="Download CSV")).to_have_count(0)

    expander.get_by_text("Show as table").click()
    grid = expander.locator(GRID)
    expect(grid).to_be_visible(timeout=60_000)
    expect(grid).to_contain_text("Quarter", timeout=60_000)  # the grid's headings, drawn once its JS has run
    button = expander.get_by_role("button", name="Download CSV")
    expect(button).to_be_visible()
    with page.expect_download(timeout=60_000) as download:
        button.click()
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    assert download.value.suggested_filename.endswith(".csv")
    assert rows[0][0] == "Quarter" and len(rows) > 8  # its headings and a row per quarter drawn
