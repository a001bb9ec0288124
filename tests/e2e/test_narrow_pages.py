"""Every page readable in an 800 px window and a 1400 px one: nothing cut, the verdicts in view, links that
reproduce the view. Widths are compared in the browser (an element's scrollWidth against its clientWidth, a chart
title's box against its chart), as a person would see them."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, wait_until_idle
from tests.support.pages import PAGE_PATHS

PAGES = PAGE_PATHS

# Elements whose text must never be cut: headings, buttons (and their labels), tabs, metric labels.
CUT_TEXT = """() => {
  const cut = [];
  const selectors = 'h1, h2, h3, button, button p, [data-testid="stTab"], [data-testid="stMetricLabel"] p';
  for (const el of document.querySelectorAll(selectors)) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || el.closest('[data-testid="stSidebar"]')) continue;
    if (el.scrollWidth > el.clientWidth + 1 || box.right > window.innerWidth + 1)
      cut.push(`${el.tagName} "${el.innerText.trim().slice(0, 50)}": ${el.scrollWidth} > ${el.clientWidth}`);
  }
  return cut;
}"""
# A Plotly title is SVG text, which never wraps: its box must lie inside its chart.
CUT_CHART_TITLES = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"] .main-svg')].flatMap(svg => {
  const title = svg.querySelector('.gtitle');
  if (!title) return [];
  const box = title.getBoundingClientRect(), chart = svg.getBoundingClientRect();
  return box.left >= chart.left - 1 && box.right <= chart.right + 1 ? [] : [title.textContent.slice(0, 60)];
})"""


def open_page(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=90_000)
    wait_until_idle(page, 90_000)
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stSkeleton"]') &&
                 [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                 .every(c => c.querySelector('.main-svg'))""",
        timeout=60_000,
    )


@pytest.mark.parametrize("width", [800, 1400])
@pytest.mark.parametrize("name", PAGES)
def test_no_title_button_or_heading_is_cut(page, app_url, name, width):
    page.set_viewport_size({"width": width, "height": 1600})
    open_page(page, f"{app_url}/{name}")
    if name == "demand_scenarios":  # the tab with the most buttons and charts side by side
        page.get_by_role("tab", name="Scenario", exact=True).click()
        wait_until_idle(page)
        expect(page.get_by_role("button", name="Save scenario")).to_be_visible()
    assert page.evaluate(CUT_TEXT) == []
    assert page.evaluate(CUT_CHART_TITLES) == []
    sidebar = page.locator('[data-testid="stSidebar"]')
    # The sidebar leaves the page most of the window, and folds away with its own button.
    assert sidebar.bounding_box()["width"] <= 0.31 * width
    screenshot(page, f"narrow_{name or 'overview'}_{width}px")


@pytest.mark.parametrize("width", [800, 1400])
def test_the_scorecard_shows_its_verdicts_without_scrolling_sideways(page, app_url, width):
    page.set_viewport_size({"width": width, "height": 1600})
    open_page(page, f"{app_url}/provider_kpis")
    grid = page.locator('[data-testid="stDataFrame"]').first
    # The grid draws only the columns in view; its accessible header row lists them in order.
    grid.locator('[role="columnheader"]').first.wait_for(state="attached", timeout=30_000)
    shown = grid.locator('[role="columnheader"]').all_inner_texts()
    assert shown[:3] == ["KPI", "RAG", "Variation (SPC)"]
    if width == 1400:
        assert shown[3:6] == ["Assurance (SPC)", "Value", "Target"]


@pytest.mark.parametrize("width", [800, 1400])
def test_the_year_end_ascof_values_show_every_difference_without_scrolling_sideways(page, app_url, width):
    page.set_viewport_size({"width": width, "height": 1600})
    open_page(page, app_url)
    page.get_by_text("Year-end values beside the published ASCOF").click()
    table = page.locator("table.asc-table", has_text="ASCOF measure")
    table.wait_for(timeout=30_000)
    box = page.locator(".asc-table-box", has=table)
    assert table.evaluate("t => t.scrollWidth") <= box.evaluate("b => b.clientWidth") + 1
    differences = table.locator('td[data-label="Difference"]')
    # At 800 px (the sidebar open) each year's row is a block of labelled lines; at 1400 px a table row.
    assert differences.count() >= 6
    assert all(d.is_visible() for d in differences.all())
    label = differences.first.evaluate("d => getComputedStyle(d, '::before').content")
    assert (label == '"Difference: "') == (width == 800), label


def test_the_sidebar_folds_away_and_comes_back(page, app_url):
    page.set_viewport_size({"width": 800, "height": 1200})
    open_page(page, f"{app_url}/direct_payments")
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar).to_have_attribute("data-collapsed", "false")
    sidebar.hover()  # the fold button shows on hover
    page.locator('[data-testid="stSidebarCollapseButton"] button').click()
    expect(sidebar).to_have_attribute("data-collapsed", "true")
    # The page then has the whole window (once the sidebar has slid away).
    page.wait_for_function(
        "document.querySelector('[data-testid=\"stMainBlockContainer\"]').getBoundingClientRect().width > 700"
    )
    page.locator('[data-testid="stExpandSidebarButton"]').click()
    expect(sidebar).to_have_attribute("data-collapsed", "false")


def test_the_scenario_link_restores_area_quarter_tab_year_and_levers_in_a_fresh_browser(browser, page, app_url):
    open_page(page, f"{app_url}/demand_scenarios?locality=E07000010&period=2023%2F24+Q2")
    page.get_by_role("tab", name="Scenario", exact=True).click()
    wait_until_idle(page)
    slider = page.locator('[data-testid="stSlider"]', has_text="Population adjustment").get_by_role("slider")
    slider.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    expect(slider).to_have_value("0.5")
    wait_until_idle(page)
    year = page.locator('[data-testid="stSlider"]', has_text="Show figures for").get_by_role("slider")
    year.focus()
    page.keyboard.press("ArrowRight")
    wait_until_idle(page)
    link = page.locator('[data-testid="stCode"]').filter(has_text="population_adjustment_pct=0.5")
    expect(link).to_contain_text("tab=Scenario")
    expect(link).to_contain_text("locality=E07000010")
    expected_year = year.get_attribute("aria-valuetext") or year.inner_text()
    # The link is redrawn when the year's rerun lands: on a busy machine that can be after the key press returns.
    expect(link).to_contain_text(urlencode({"scenario_year": expected_year}))
    people = page.locator('[data-testid="stMetric"]', has_text="People supported")
    expected_people = people.locator('[data-testid="stMetricValue"]').inner_text()
    url = link.inner_text().strip()

    fresh = browser.new_context(viewport={"width": 1400, "height": 1600})  # no cookies, no session: a colleague
    other = fresh.new_page()
    other.goto(url)
    other.wait_for_selector('[data-testid="stMetric"]', timeout=90_000)
    wait_until_idle(other, 90_000)
    sidebar = other.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_role("combobox", name="Locality")).to_match_aria_snapshot('- combobox "Locality": Fenland')
    expect(sidebar.get_by_role("combobox", name="Quarter")).to_match_aria_snapshot('- combobox "Quarter": 2023/24 Q2')
    expect(other.get_by_role("tab", name="Scenario", exact=True)).to_have_attribute("aria-selected", "true")
    restored = other.locator('[data-testid="stSlider"]', has_text="Show figures for").get_by_role("slider")
    assert (restored.get_attribute("aria-valuetext") or restored.inner_text()) == expected_year
    expect(
        other.locator('[data-testid="stSlider"]', has_text="Population adjustment").get_by_role("slider")
    ).to_have_value("0.5")
    expect(other.locator('[data-testid="stMetric"]', has_text="People supported")).to_contain_text(expected_people)
    fresh.close()


# A grid (Streamlit's dataframe) is drawn on a canvas: it draws only the columns in view, and its accessible header
# row lists them in order. A verdict column is wholly in view when the column after it is drawn too.
def drawn_columns(grid) -> list[str]:
    grid.locator('[role="columnheader"]').first.wait_for(state="attached", timeout=30_000)
    return grid.locator('[role="columnheader"]').all_inner_texts()


def grid_with(page, column: str):
    # The header row is hidden from the accessibility tree (the canvas is what people see): found by its role attribute.
    heading = page.locator('[role="columnheader"]', has_text=re.compile(f"^{re.escape(column)}$"))
    return page.locator('[data-testid="stDataFrame"]', has=heading)


@pytest.mark.parametrize("width", [800, 1400])
def test_benchmarking_shows_each_measure_with_its_verdicts_without_scrolling_sideways(page, app_url, width):
    page.set_viewport_size({"width": width, "height": 1600})
    open_page(page, f"{app_url}/benchmarking")
    shown = drawn_columns(grid_with(page, "Against England"))
    # Comparison with England, quartile and rank among peers beside the measure; the year after them is drawn,
    # so the last verdict is not cut at the grid's edge.
    assert shown[:5] == ["Measure", "Against England", "Quartile", "Peer rank", "Year"]


# Chart labels that must never sit on the data or be cut: every annotation except the missing-return notes drawn
# upright along their own dotted line lies above the plot area, inside its chart, clear of the title and of others.
CHART_LABELS = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')].flatMap(gd => {
  // Plotly draws a chart in two SVG layers: the plot (and its drag cover) in one, titles and notes in the other.
  const plot = gd.querySelector('.nsewdrag'), title = gd.querySelector('.gtitle');
  if (!plot || !gd.checkVisibility()) return [];
  const area = plot.getBoundingClientRect(), chart = gd.getBoundingClientRect();
  const head = title ? title.getBoundingClientRect() : null;
  const notes = [...gd.querySelectorAll('.annotation')]
    .filter(n => !/^(No return|Not reported)$/.test(n.textContent));
  const boxes = notes.map(n => [n.textContent.slice(0, 40),
                                n.querySelector('.annotation-text-g').getBoundingClientRect()]);
  const overlap = (a, b) =>
    a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  const problems = [];
  boxes.forEach(([text, box], i) => {
    if (box.bottom > area.top + 1) problems.push(`on the plot: ${text}`);
    if (box.left < chart.left - 1 || box.right > chart.right + 1) problems.push(`cut: ${text}`);
    if (head && overlap(box, head)) problems.push(`on the title: ${text}`);
    boxes.slice(i + 1).forEach(([other, b]) => { if (overlap(box, b)) problems.push(`${text} on ${other}`); });
  });
  return problems;
})"""


@pytest.mark.parametrize("width", [800, 1400])
@pytest.mark.parametrize(
    "name",
    [
        "direct_payments",
        "workforce?tab=The+rural+gap",  # each tab is built when opened: its address opens it
        "satisfaction_outcomes",
        "satisfaction_outcomes?tab=Adult+Social+Care+Survey",
        "satisfaction_outcomes?tab=Outcomes+of+reviews",
        "demand_scenarios",
    ],
)
def test_chart_labels_sit_above_the_data_uncut_and_apart(page, app_url, name, width):
    """'Target 25.0%' drawn across Cambridge's line and 'County 72.0' across a bar were unreadable at 800 px."""
    page.set_viewport_size({"width": width, "height": 1600})
    open_page(page, f"{app_url}/{name}")
    charts = page.locator('[data-testid="stPlotlyChart"] .main-svg')
    expect(charts.first).to_be_attached()
    labels = page.locator('[data-testid="stPlotlyChart"] .annotation')
    expect(labels.first).to_be_attached()  # each of these pages draws a target or county line with its label
    assert page.evaluate(CHART_LABELS) == []


# A spine chart's measure names: inside the chart (not cut at its left edge) and apart from one another.
SPINE_NAMES = """() => {
  const gd = [...document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')]
    .find(g => [...g.querySelectorAll('.legendtext')].some(t => t.textContent === 'Peer median'));
  const chart = gd.getBoundingClientRect();
  const boxes = [...gd.querySelectorAll('.ytick')].map(t => [t.textContent, t.getBoundingClientRect()]);
  const problems = boxes.filter(([, b]) => b.left < chart.left - 1).map(([t]) => `cut: ${t.slice(0, 50)}`);
  boxes.sort((a, b) => a[1].top - b[1].top).slice(1).forEach(([t, b], i) => {
    if (b.top < boxes[i][1].bottom - 1) problems.push(`overlaps: ${t.slice(0, 50)}`);
  });
  return [boxes.length, problems];
}"""


@pytest.mark.parametrize("width", [800, 1400])
def test_the_spine_chart_names_every_measure_in_full(page, app_url, width):
    page.set_viewport_size({"width": width, "height": 1600})
    open_page(page, f"{app_url}/benchmarking")
    count, problems = page.evaluate(SPINE_NAMES)
    assert count >= 20 and problems == []


def test_the_actions_show_their_status_first_at_800px(page, app_url):
    page.set_viewport_size({"width": 800, "height": 2400})
    open_page(page, f"{app_url}/provider_kpis?period=2022%2F23+Q2")
    owner = "Narrow-window tester"  # names of its own: other tests share the same store of notes and actions
    page.get_by_label("Agreed actions").fill("Check the status column is in view at 800 px")
    page.get_by_role("textbox", name="Action owner").fill(owner)
    page.get_by_label("Your name").fill(owner)
    page.get_by_role("button", name="Save note").click()
    wait_until_idle(page)
    actions = grid_with(page, "Action")
    expect(actions).to_be_visible(timeout=30_000)
    # Whether each action is overdue, due or done comes first, its due date beside it, then what and whose.
    assert drawn_columns(actions)[:4] == ["Status", "Due", "KPI", "Action"]
    assert page.evaluate(CUT_TEXT) == []


def test_the_provider_kpis_link_restores_contract_kpi_and_quarter_in_a_fresh_browser(browser, page, app_url):
    open_page(page, f"{app_url}/provider_kpis")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("combobox", name="Quarter").click()
    page.get_by_role("option", name="2023/24 Q2", exact=True).click()
    wait_until_idle(page)
    contract = page.get_by_role("combobox", name="Contract")
    contract.click()
    options = page.get_by_role("option")
    expect(options.first).to_be_visible()
    chosen_contract = options.nth(options.count() - 1).inner_text().strip()  # the last: not the default
    options.nth(options.count() - 1).click()
    wait_until_idle(page)
    page.get_by_role("combobox", name="KPI to examine").click()
    kpis = page.get_by_role("option")
    expect(kpis.first).to_be_visible()
    chosen_kpi = kpis.nth(1).inner_text().strip()  # the second: not the default either
    kpis.nth(1).click()
    wait_until_idle(page)
    expect(page.get_by_role("heading", name=chosen_kpi, exact=True)).to_be_visible()
    page.wait_for_url(lambda url: {"contract", "kpi", "period"} <= set(parse_qs(urlsplit(url).query)))
    address = page.url

    fresh = browser.new_context(viewport={"width": 800, "height": 1600})  # no cookies, no session: a colleague
    other = fresh.new_page()
    open_page(other, address)
    expect(other.get_by_role("combobox", name="Contract")).to_match_aria_snapshot(
        f'- combobox "Contract": {chosen_contract}'
    )
    expect(other.get_by_role("combobox", name="KPI to examine")).to_match_aria_snapshot(
        f'- combobox "KPI to examine": {chosen_kpi}'
    )
    expect(other.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Quarter")).to_match_aria_snapshot(
        '- combobox "Quarter": 2023/24 Q2'
    )
    expect(other.get_by_role("heading", name=chosen_kpi, exact=True)).to_be_visible()
    expect(other.get_by_role("heading", name="Scorecard, 2023/24 Q2")).to_be_visible()
    fresh.close()


@pytest.mark.parametrize(
    ("path", "title"),
    [("direct_payments", "Direct payment uptake in"), ("satisfaction_outcomes", "DPSS customers rating the service")],
)
def test_the_spc_views_draw_each_period_apart_with_its_change_point_labelled(page, app_url, path, title):
    page.set_viewport_size({"width": 800, "height": 1600})
    open_page(page, f"{app_url}/{path}")
    page.get_by_text("Show as SPC chart").first.click()
    chart = page.locator('[data-testid="stPlotlyChart"]', has_text=f"{title}").filter(has_text="SPC view")
    expect(chart).to_be_visible(timeout=60_000)
    wait_until_idle(page)
    figure = chart.locator(".js-plotly-plot")
    # Limits recalculated at each change point: the mean is drawn once a period, and each new period begins at a
    # dash-dotted line whose label says from when and what changed.
    means = figure.evaluate("gd => gd.data.filter(t => t.legendgroup === 'centre').length")
    starts = [n for n in chart.locator(".annotation").all_text_contents() if n.startswith("From ")]
    assert means == len(starts) + 1 >= 2
    assert all(re.match(r"From \d{4}/\d{2} Q[1-4]: \S", text) for text in starts), starts
    assert page.evaluate(CHART_LABELS) == []
