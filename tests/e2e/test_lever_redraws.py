"""A lever change redraws only what it changes (issue 14). The Scenario tab draws one chart at a time, the one the
reader picks; a lever that leaves its figure the same (same JSON) leaves its drawing alone, so a key press costs the
browser at most one chart's drawing, and none where the chart shown does not depend on the lever.
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
    panel.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=60_000)
    wait_until_idle(page)
    panel.evaluate(MARK)
    change()
    wait_until_idle(page)
    return {title.split(",")[0]: kept for title, kept in panel.evaluate(STATE)}


def pick_chart(page, panel, name: str, attempts: int = 3) -> None:
    """Click ``name`` in the Chart choice until its chart is drawn: on a loaded machine a click can land while the
    last rerun's widgets are being replaced, and be lost."""
    for attempt in range(attempts):
        wait_until_idle(page)
        panel.get_by_role("radiogroup", name="Chart").get_by_text(name, exact=True).click()
        try:
            expect(panel.locator('[data-testid="stPlotlyChart"] .gtitle')).to_contain_text(name, timeout=30_000)
            return
        except AssertionError:
            if attempt == attempts - 1:
                raise


def test_a_lever_redraws_the_one_chart_shown_and_only_when_its_figure_changes(page, app_url):
    page.goto(f"{app_url}/demand_scenarios?tab=Scenario&population_adjustment_pct=1.0")
    panel = page.get_by_role("tabpanel", name="Scenario")
    rate = page.locator('[data-testid="stNumberInput"]', has_text="Home care hourly rate")
    slider = page.locator('[data-testid="stSlider"]', has_text="Population adjustment").get_by_role("slider")

    def more_per_hour():
        before = rate.get_by_role("spinbutton").input_value()
        rate.get_by_role("button").last.click()  # the + step
        expect(rate.get_by_role("spinbutton")).not_to_have_value(before, timeout=60_000)
        value = rate.get_by_role("spinbutton").input_value()
        expect(page.locator('[data-testid="stCode"]').filter(has_text=f"home_care_rate_gbp={value}")).to_be_visible(
            timeout=60_000
        )

    def faster_growth():
        slider.focus()
        page.keyboard.press("ArrowRight")
        expect(slider).to_have_value("1.1")
        expect(page.locator('[data-testid="stCode"]').filter(has_text="population_adjustment_pct=1.1")).to_be_visible(
            timeout=60_000
        )

    # The people chart alone is drawn; the hourly rate changes costs, not people: its drawing stays.
    assert _kept_after(page, panel, more_per_hour) == {"People in long-term community support": True}
    # More people: the chart is drawn anew.
    assert _kept_after(page, panel, faster_growth) == {"People in long-term community support": False}

    # The cost chart picked, in the people chart's place; the hourly rate now redraws it.
    pick_chart(page, panel, "Cost a year")
    expect(panel.locator('[data-testid="stPlotlyChart"]')).to_have_count(1)
    assert _kept_after(page, panel, more_per_hour) == {"Cost a year (today's prices)": False}
