"""A contract manager's quarterly review in a real browser, from choosing the contract to the PDF.

Walks the path a contract manager takes: open the dashboard, go to Provider KPIs, choose the quarter and
the contract, open a KPI's SPC chart, save a review note, download the Excel workbook (opened and read
here) and the PDF (read, and every page rendered to PNG in tests/e2e/screenshots for a person to look at).
"""

from __future__ import annotations

import io
import re

import openpyxl
import pypdfium2 as pdfium
import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.conftest import SCREENSHOTS, screenshot, wait_until_idle

CONTRACT, QUARTER, KPI = "HC-02", "2024/25 Q3", "Visits missed"


def choose(page, selectbox, option: str) -> None:
    selectbox.click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_until_idle(page)


def open_provider_kpis(page, app_url: str) -> None:
    page.goto(app_url)  # land on the Overview, as a user does, then follow the sidebar link
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
    wait_until_idle(page)
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Provider KPIs").click()
    expect(page.get_by_role("heading", name="Provider KPIs: quarterly review")).to_be_visible(timeout=60_000)
    wait_until_idle(page)


def test_contract_manager_reviews_a_quarter_and_exports_it(page, app_url, warehouse):
    ((provider,),) = warehouse.sql(
        "select any_value(provider) from raw_kpi_returns where contract_id = ?", params=[CONTRACT]
    ).fetchall()
    ((missed, visits),) = warehouse.sql(
        "select numerator, denominator from raw_kpi_returns "
        "where contract_id = ? and period = ? and kpi_code = 'hc_missed_visits'",
        params=[CONTRACT, QUARTER],
    ).fetchall()
    value = 100 * missed / visits

    page.set_viewport_size({"width": 1400, "height": 4200})
    open_provider_kpis(page, app_url)
    choose(page, page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').nth(1), QUARTER)
    choose(
        page, page.locator('[data-testid="stSelectbox"]', has_text="Contract"), f"{CONTRACT} – {provider} (home care)"
    )
    # The scorecard heading is already there for the previous contract: wait for the URL to change instead.
    expect(page).to_have_url(re.compile(f"contract={CONTRACT}"), timeout=20_000)
    expect(page.get_by_role("heading", name=f"Scorecard, {QUARTER}")).to_be_visible()
    wait_until_idle(page)
    assert "period=2024%2F25+Q3" in page.url

    choose(page, page.locator('[data-testid="stSelectbox"]', has_text="KPI to examine"), KPI)
    title = page.locator('[data-testid="stPlotlyChart"] .gtitle', has_text=f"{KPI}: every quarter to {QUARTER}")
    expect(title).to_be_visible(timeout=20_000)
    expect(page.get_by_text(f"{value:.1f}% in {QUARTER}")).to_be_visible()
    screenshot(page, "kpi_review_1400px")

    page.get_by_label("Commentary").fill("Missed visits still rising on the rural rounds.")
    page.get_by_label("Agreed actions").fill("Recovery plan with weekly figures until March")
    page.get_by_label("Your name").fill("Sam Lee")
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_text(f"Note saved for {KPI}, {QUARTER}.")).to_be_visible(timeout=20_000)
    wait_until_idle(page)

    with page.expect_download(timeout=60_000) as excel:
        page.get_by_role("button", name="Download Excel workbook").click()
    assert excel.value.suggested_filename == f"kpi-review-{CONTRACT}-2024-25-Q3.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(excel.value.path().read_bytes()))  # the saved file has no suffix
    scorecard = book["Scorecard"]
    assert scorecard["A1"].value == f"{CONTRACT} {provider}: KPI review {QUARTER}"
    row = next(r for r in scorecard.iter_rows(min_row=7) if r[0].value == KPI)
    # The workbook holds the figure as the page shows it (one decimal), as a number Excel can sum.
    assert row[1].value == pytest.approx(round(value, 1))
    assert row[2].value == "1.0% (lower is better; amber within 0.5 points)"  # as on the page
    notes = [[c.value for c in r] for r in book["Notes"].iter_rows(min_row=3, max_row=3)]
    assert notes[0][:5] == [
        QUARTER,
        KPI,
        "Missed visits still rising on the rural rounds.",
        "Recovery plan with weekly figures until March",
        "Sam Lee",
    ]

    with page.expect_download(timeout=120_000) as pdf:  # kaleido draws every chart on first use
        page.get_by_role("button", name="Download PDF with charts").click()
    data = pdf.value.path().read_bytes()
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)
    for expected in (f"KPI review {QUARTER}", KPI, f"{value:.1f}%", "Recovery plan with weekly figures", "Sam Lee"):
        assert expected in text, expected
    for stale in SCREENSHOTS.glob("kpi_review_pdf_page*.png"):
        stale.unlink()
    document = pdfium.PdfDocument(data)
    for number in range(len(document)):
        document[number].render(scale=1.6).to_pil().save(SCREENSHOTS / f"kpi_review_pdf_page{number + 1}.png")
    document.close()

    page.set_viewport_size({"width": 800, "height": 4200})
    wait_until_idle(page)
    screenshot(page, "kpi_review_800px")


def test_a_missing_return_in_the_browser(page, app_url):
    page.set_viewport_size({"width": 1400, "height": 2400})
    open_provider_kpis(page, app_url)
    choose(page, page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').nth(1), "2023/24 Q2")
    contract = page.locator('[data-testid="stSelectbox"]', has_text="Contract")
    contract.click()
    page.get_by_role("option").filter(has_text="HC-03").click()
    wait_until_idle(page)
    expect(page.get_by_text("Missing return: HC-03")).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    screenshot(page, "kpi_review_missing_return")
