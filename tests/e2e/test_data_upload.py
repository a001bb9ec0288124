"""Loading a file through the Data page in a real browser: the file goes up, every row is checked, the
problems are listed with their row numbers, and the load history and rejected rows show the file.

The file's rows are all refused, so the shared demo warehouse keeps the same figures for the other
browser tests; the upload still rebuilds the warehouse, as any upload that changes the store does.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, wait_until_idle

BAD_REGISTER = "pa_id,locality_code,registered_date,on_payroll\nPA9001,E07000099,2024-02-30,yes\n"


def test_an_upload_shows_its_rejected_rows_with_row_numbers(page, app_url, tmp_path):
    upload = tmp_path / "pa_register_bad.csv"
    upload.write_text(BAD_REGISTER)
    page.goto(f"{app_url}/data")
    expect(page.get_by_role("heading", name="Load a file")).to_be_visible(timeout=60_000)
    wait_until_idle(page)

    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload))
    expect(page.get_by_text("pa_register_bad.csv").first).to_be_visible()
    page.get_by_role("button", name="Check and load").click()
    expect(
        page.get_by_text("Nothing was loaded; the load history and rejected rows below include this file.")
    ).to_be_visible(timeout=90_000)
    wait_until_idle(page)

    result = page.locator('[data-testid="stAlert"]', has_text="pa_register_bad.csv")
    expect(result).to_have_text("pa_register_bad.csv as pa_register: Nothing loaded: every row was rejected.")
    figures = {
        label: page.locator('[data-testid="stMetric"]', has_text=label).first.locator('[data-testid="stMetricValue"]')
        for label in ("Rows read", "Rows loaded", "Rows rejected")
    }
    assert {label: value.inner_text() for label, value in figures.items()} == {
        "Rows read": "1",
        "Rows loaded": "0",
        "Rows rejected": "1",
    }
    # The tables (problems, load history, rejected rows) are drawn on a canvas; AppTest checks their cells.
    expect(page.get_by_text("First problems in pa_register_bad.csv")).to_be_visible()
    screenshot(page, "data_upload_rejected_rows")
