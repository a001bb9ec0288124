"""Pages that draw only what the first screen needs: the first view of a page draws its first tab's chart alone, and
a tab opened by a click shows the same figures and charts as its address opened in a fresh browser (a colleague
given the link)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_drill_and_links import query_of
from tests.e2e.test_fragment_reruns import shown
from tests.e2e.test_narrow_pages import open_page

CHARTS = '[data-testid="stPlotlyChart"]'


@pytest.mark.parametrize(
    ("path", "first_chart", "tab", "tab_chart"),
    [
        (
            "satisfaction_outcomes",
            "customers rating the service very good",
            "Adult Social Care Survey",
            "Overall satisfaction of people who use services",
        ),
        (
            "satisfaction_outcomes",
            "customers rating the service very good",
            "Outcomes of reviews",
            "Reviews with outcomes fully achieved",
        ),
        (
            "workforce",
            "Personal Assistants in Cambridgeshire (all)",
            "The rural gap",
            "Rural districts have",
        ),
        (
            "workforce",
            "Personal Assistants in Cambridgeshire (all)",
            "Care micro-enterprises",
            "Care micro-enterprises supporting people",
        ),
    ],
)
def test_the_first_view_draws_one_tab_and_a_tab_s_link_shows_what_its_click_did(
    browser, page, app_url, path, first_chart, tab, tab_chart
):
    open_page(page, f"{app_url}/{path}")
    charts = page.locator(CHARTS)
    expect(charts).to_have_count(1)  # the open tab's chart alone; the other tabs' are not even sent
    expect(charts.first).to_contain_text(first_chart)

    page.get_by_role("tab", name=tab, exact=True).click()
    panel = page.get_by_role("tabpanel", name=tab)
    expect(panel.locator(CHARTS).filter(has_text=tab_chart)).to_be_visible(timeout=60_000)
    page.wait_for_url(lambda url: query_of(url).get("tab") == tab)
    after_click = shown(panel)
    expect(charts).to_have_count(1)  # the tab left is not drawn any more

    context = browser.new_context(viewport={"width": 1400, "height": 1200})  # no cookies, no session
    try:
        other = context.new_page()
        open_page(other, page.url)
        expect(other.get_by_role("tab", name=tab, exact=True)).to_have_attribute("aria-selected", "true")
        assert shown(other.get_by_role("tabpanel", name=tab)) == after_click
    finally:
        context.close()
