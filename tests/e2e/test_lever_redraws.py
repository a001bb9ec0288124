"""A lever change redraws only the charts whose figures it changes: a chart whose figure is the same (same JSON)
keeps its drawing, so a key press on a cost lever costs the browser one chart's drawing, not four (issue 14).
Figures are built deterministically from their inputs (tests/unit/test_chart_json.py), which this relies on."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import wait_until_idle

MARK = """root => root.querySelectorAll('[data-testid="stPlotlyChart"] .main-svg')
  .forEach(s => s.dataset.drawn = 'before')"""
# Each chart's title, and whether the drawing it shows is the one marked before the change.
STATE = """root => [...root.querySelectorAll('[data-testid="stPlotlyChart"]')].map(c => [
  c.querySelector('.gtitle')?.textContent ?? '', c.querySelector('.main-svg')?.dataset.drawn === 'before'])"""


def _kept_after(page, panel, change) -> dict[str, bool]:
    panel.locator('[data-testid="stPlotlyChart"] .main-svg').nth(3).wait_for(timeout=60_000)
    wait_until_idle(page)
    panel.evaluate(MARK)
    change()
    wait_until_idle(page)
    return {title.split(",")[0]: kept for title, kept in panel.evaluate(STATE)}


def test_a_cost_lever_redraws_the_cost_chart_alone_and_population_redraws_all_four(page, app_url):
    page.goto(f"{app_url}/demand_scenarios?tab=Scenario&population_adjustment_pct=1.0")
    panel = page.get_by_role("tabpanel", name="Scenario")
    rate = page.locator('[data-testid="stNumberInput"]', has_text="Home care hourly rate")
    before = rate.get_by_role("spinbutton").input_value()

    def more_per_hour():
        rate.get_by_role("button").last.click()  # the + step
        expect(rate.get_by_role("spinbutton")).not_to_have_value(before, timeout=60_000)
        expect(page.locator('[data-testid="stCode"]').filter(has_text="home_care_rate_gbp=")).to_be_visible(
            timeout=60_000
        )

    kept = _kept_after(page, panel, more_per_hour)
    assert kept == {
        "People in long-term community support": True,
        "Cost a year (today's prices)": False,
        "DP uptake": True,
        "Personal Assistants needed and expected": True,
    }, kept

    slider = page.locator('[data-testid="stSlider"]', has_text="Population adjustment").get_by_role("slider")

    def faster_growth():
        slider.focus()
        page.keyboard.press("ArrowRight")
        expect(slider).to_have_value("1.1")
        expect(page.locator('[data-testid="stCode"]').filter(has_text="population_adjustment_pct=1.1")).to_be_visible(
            timeout=60_000
        )

    kept = _kept_after(page, panel, faster_growth)
    assert kept and not any(kept.values()), kept  # more people change every measure: all four drawn anew
