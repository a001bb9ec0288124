"""Accessibility: an axe-core scan of every page (WCAG 2.2 AA rules) and keyboard use of the filters.

axe-core comes from the npm registry (installed by `make test` into tests/e2e/.axe) and is injected into the
page with Playwright. Serious and critical violations fail the test. Anything that cannot be fixed from this
project (inside Streamlit's own widgets) goes in KNOWN_STREAMLIT_ISSUES with its reason.
"""

from __future__ import annotations

import os
import time
from itertools import pairwise
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import wait_until_idle

AXE = Path(__file__).parent / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
PAGES = ["", "direct_payments", "workforce", "satisfaction_outcomes", "provider_kpis", "demand_scenarios", "data"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# rule id -> why it is accepted. Empty: every serious or critical finding so far was fixable here.
KNOWN_STREAMLIT_ISSUES: dict[str, str] = {}


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("axe-core is missing: `make test` installs it with npm")
        pytest.skip("axe-core not installed (make test installs it with npm)")
    return AXE.read_text()


def scan(page, axe_source: str) -> list[dict]:
    page.add_script_tag(content=axe_source)
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    return [
        v
        for v in result["violations"]
        if v["impact"] in ("serious", "critical") and v["id"] not in KNOWN_STREAMLIT_ISSUES
    ]


@pytest.mark.parametrize("name", PAGES)
def test_no_serious_or_critical_violations(page, app_url, axe_source, name):
    page.goto(f"{app_url}/{name}")
    page.wait_for_selector('[data-testid="stMetric"], [data-testid="stDataFrame"]', timeout=60_000)
    wait_until_idle(page)
    violations = scan(page, axe_source)
    described = [f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:3]]}" for v in violations]
    assert described == []
    # Headings go down one level at a time (h1 title, h2 sections), so a screen reader's outline has no gaps.
    levels = page.evaluate("() => [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1])")
    assert levels[0] == 1 and all(b <= a + 1 for a, b in pairwise(levels)), levels


DP_TABS = ["Over time", "Districts", "Comparators", "Support and ISFs", "By group"]


def test_charts_have_text_alternatives(page, app_url):
    """Every chart states its finding in a title and offers the same data as a table (the page builds only its
    open tab, so each tab is opened in turn)."""
    page.goto(f"{app_url}/direct_payments")
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=60_000)
    wait_until_idle(page)
    seen = 0
    for tab in DP_TABS:
        page.get_by_role("tab", name=tab, exact=True).click()
        expect(page.get_by_role("tab", name=tab, exact=True)).to_have_attribute("aria-selected", "true")
        wait_until_idle(page)
        charts = page.locator('[data-testid="stPlotlyChart"]')
        expect(charts.first.locator(".main-svg").first).to_be_attached(timeout=60_000)
        titled = charts.filter(has=page.locator(".gtitle"))  # a map's heading is the page's, not its own
        for i in range(titled.count()):
            assert (titled.nth(i).locator(".gtitle").text_content() or "").strip(), tab
        # A tab's elements arrive one by one after its charts are attached: give its table toggles time to come.
        deadline = time.monotonic() + 30
        while page.get_by_text("Show as table").count() < charts.count() and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        assert page.get_by_text("Show as table").count() >= charts.count(), tab
        seen += charts.count()
    assert seen >= 8


def test_filters_work_from_the_keyboard(page, app_url):
    page.goto(app_url)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
    wait_until_idle(page)
    locality = page.get_by_role("combobox").first
    locality.focus()
    page.keyboard.press("Enter")
    page.keyboard.type("Fenland")
    page.keyboard.press("Enter")
    expect(page.get_by_text("in Fenland took a direct payment")).to_be_visible(timeout=20_000)
    wait_until_idle(page)
    assert "locality=E07000010" in page.url
