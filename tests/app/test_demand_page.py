"""The Demand and scenarios page in AppTest: every figure checked against the warehouse, computed here.

The scenario checks re-derive the baseline by hand from the warehouse tables (forecasts for the first
two years, then the POPPI-style projection's growth; hours x rate x 52 for cost), so they test the
page, the queries and the engine's wiring together rather than the engine against itself.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import re
from urllib.parse import urlencode

import numpy as np
import openpyxl
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import scenario_store
from dashboard.formatting import count, gbp, pct
from dashboard.present import demand
from dashboard.present.disclosure import Disclosure
from dashboard.queries import Warehouse
from dashboard.shell.components import EXPANDER_KEY
from models.population_projection import demand_index
from models.scenarios import Z_80, base_state, run_scenario
from pipelines.config import PROJECT_ROOT
from tests.app.surfaces import markdown_table

APP = str(PROJECT_ROOT / "dashboard" / "app.py")
PAGE = "views/demand_scenarios.py"
COUNTY, FENLAND = "E10000003", "E07000010"
YEAR, YEAR_START = "2029/30", 2029  # the year the page shows by default: five years on


def open_page(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def open_tab(at: AppTest, tab: str) -> AppTest:
    """Open another tab, as a click on it does (the address follows it): only the open tab is built."""
    at.session_state["tab"] = tab
    at.query_params["tab"] = tab
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def metric(at: AppTest, label_start: str):
    found = [m for m in at.metric if m.label.startswith(label_start)]
    assert found, f"no metric starting {label_start!r}; have {[m.label for m in at.metric]}"
    return found[0]


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def static_table(at: AppTest, column: str) -> list[dict[str, str]]:
    """The rows of the Markdown table (show_static_table) with ``column`` in its heading, as a person reads them."""
    for m in at.markdown:
        if (table := markdown_table(m.value)) and column in table[0]:
            return [dict(zip(table[0], row, strict=True)) for row in table[1]]
    raise AssertionError(f"no table with a column {column!r}")


@pytest.fixture(scope="module")
def frames(warehouse):
    def pl_(sql, *params):
        return warehouse.sql(sql, params=list(params)).pl()

    return {
        "base": pl_("select * from mart_demand_base order by locality_code"),
        "forecasts": pl_(
            "select * from fct_forecasts where role = 'chosen' order by measure, locality_code, period_start"
        ),
        "projection": pl_("select * from fct_demand_projection"),
    }


def by_hand(frames, year_start: int) -> dict[str, float]:
    """The baseline's central county figures and 80% people range in one year, derived step by step."""
    base, forecasts, projection = frames["base"], frames["forecasts"], frames["projection"]
    totals = projection.group_by("area_code", "projection_year").agg(pl.col("expected_people").sum())
    home_rate = round(base["home_care_cost_gbp"].sum() / base["home_care_hours"].sum(), 2)
    dp_rate = round(base["dp_route_cost_gbp"].sum() / base["dp_route_hours"].sum(), 2)
    k = year_start - 2024
    people = cost = low = high = 0.0
    for row in base.iter_rows(named=True):
        code = row["locality_code"]

        def path(measure: str, code: str = code) -> list[dict]:
            return forecasts.filter((pl.col("measure") == measure) & (pl.col("locality_code") == code)).to_dicts()

        people_fc, dp_fc = path("people_supported"), path("dp_recipients")

        def expected(year: int, code: str = code) -> float:
            rows = totals.filter((pl.col("area_code") == code) & (pl.col("projection_year") == year))
            return rows["expected_people"][0]

        dp_per = row["dp_weekly_hours"] / row["dp_recipients"]
        other_per = row["other_weekly_hours"] / (row["people_supported"] - row["dp_recipients"])
        if not people_fc:
            # People CLD cannot place in a district have no series of their own: today's count grown with the
            # projection (the county's bands), today's DP share held, a 2% a year drift for the range.
            here = row["people_supported"] * expected(year_start) / expected(2024)
            dp = here * row["dp_recipients"] / row["people_supported"]
            cost += 52 * ((here - dp) * other_per * home_rate + dp * dp_per * dp_rate)
            people += here
            sigma = 0.02 * math.sqrt(k)
            low += here * math.exp(-Z_80 * sigma)
            high += here * math.exp(Z_80 * sigma)
            continue
        at_two_years = people_fc[7]["mean"]
        here = at_two_years * expected(year_start) / expected(2026) if k > 2 else people_fc[4 * k - 1]["mean"]
        share = (
            dp_fc[7]["mean"] / people_fc[7]["mean"]
            if k > 2
            else dp_fc[4 * k - 1]["mean"] / people_fc[4 * k - 1]["mean"]
        )
        dp = here * share
        cost += 52 * ((here - dp) * other_per * home_rate + dp * dp_per * dp_rate)
        people += here
        sigma_8 = (people_fc[7]["hi_80"] - people_fc[7]["lo_80"]) / (2 * Z_80 * people_fc[7]["mean"])
        sigma = math.sqrt(sigma_8**2 * (4 * k) / 8 + 0.02**2 * max(k - 2, 0))
        low += here * math.exp(-Z_80 * sigma)
        high += here * math.exp(Z_80 * sigma)
    return {"people": people, "cost": cost, "people_lo_80": low, "people_hi_80": high}


# Forecasts ---------------------------------------------------------------------------------------


def county_path(frames, quarter: int) -> dict[str, float]:
    """The county's demand path ``quarter`` quarters ahead (within the forecast), by hand: each district's chosen
    forecast, its range rebuilt from the 80% interval's relative spread, added up over the districts."""
    total = {"mean": 0.0, "lo_80": 0.0, "hi_80": 0.0, "lo_95": 0.0, "hi_95": 0.0}
    z_95 = 1.959963984540054
    people = frames["forecasts"].filter(pl.col("measure") == "people_supported")
    totals = frames["projection"].group_by("area_code", "projection_year").agg(pl.col("expected_people").sum())
    for base in frames["base"].iter_rows(named=True):
        code = base["locality_code"]
        own = people.filter(pl.col("locality_code") == code)
        if own.is_empty():
            # No series of its own (people CLD cannot place in a district): today's count grown with the projection
            # to the quarter's year end, its range the 2% a year drift alone.
            grown = totals.filter(pl.col("area_code") == code).sort("projection_year")["expected_people"]
            row = {"mean": base["people_supported"] * grown[quarter // 4] / grown[0]}
            sigma = 0.02 * math.sqrt(quarter / 4)
        else:
            row = own.row(quarter - 1, named=True)
            sigma = (row["hi_80"] - row["lo_80"]) / (2 * Z_80 * row["mean"])
        total["mean"] += row["mean"]
        total["lo_80"] += row["mean"] * math.exp(-Z_80 * sigma)
        total["hi_80"] += row["mean"] * math.exp(Z_80 * sigma)
        total["lo_95"] += row["mean"] * math.exp(-z_95 * sigma)
        total["hi_95"] += row["mean"] * math.exp(z_95 * sigma)
    return total


def test_forecast_a_year_ahead_with_its_ranges_and_tested_accuracy(warehouse, frames):
    """The county's people forecast is the demand path: the sum of its districts' forecasts (so that it matches the
    scenarios), with what a model of the county total alone says beside it."""
    ((period, own),) = warehouse.sql(
        "select period, mean from fct_forecasts where measure = 'people_supported' "
        "and locality_code = ? and role = 'chosen' order by period_start limit 1 offset 3",
        params=[COUNTY],
    ).fetchall()
    ahead = county_path(frames, 4)
    metrics = warehouse.sql(
        "select model, mase, coverage_80, coverage_95, origins, chosen from fct_forecast_metrics "
        "where measure = 'people_supported' and locality_code = ?",
        params=[COUNTY],
    ).pl()
    chosen = metrics.filter(pl.col("chosen")).row(0, named=True)
    naive = metrics.filter(pl.col("model") == "seasonal_naive").row(0, named=True)
    ((last_period, last),) = warehouse.sql(
        "select period, value from mart_demand_history where measure = 'people_supported' and locality_code = ? "
        "order by period_start desc limit 1",
        params=[COUNTY],
    ).fetchall()
    at = open_page()
    assert metric(at, f"People in long-term community support, forecast for {period}").value == count(ahead["mean"])
    text = markdown(at)
    assert (
        f"The forecast for {period} is about {count(ahead['mean'])} people in long-term community support in "
        f"Cambridgeshire (all) (80% range {count(ahead['lo_80'])} to {count(ahead['hi_80'])}; 95% range "
        f"{count(ahead['lo_95'])} to {count(ahead['hi_95'])}), against {count(last)} in {last_period}."
    ) in text
    captions = " ".join(c.value for c in at.caption)
    assert f"a model of the county total alone gives {count(own)} for {period}" in captions
    assert (
        f"Tested on the last {chosen['origins']} quarters the model was not chosen on (forecasting up to a year ahead "
        "from each), the forecast of "
        f"people in long-term community support was within its 80% range {100 * chosen['coverage_80']:.0f}% of the time"
    ) in text
    assert f"within its 95% range {100 * chosen['coverage_95']:.0f}%." in text
    if chosen["model"] != "seasonal_naive":
        gain = 100 * (1 - chosen["mase"] / naive["mase"])
        assert f"On average its error was {gain:.0f}% smaller than a same-quarter-last-year guess." in text


def test_every_demand_tab_gives_the_same_baseline(frames):
    """One answer: the path's sentence (forecast to the joint, population-driven after) is on the Forecasts,
    Population-driven and Scenario tabs alike, and its figures are the scenario baseline's."""
    joint = county_path(frames, 8)["mean"]
    at = open_page()
    sentences = []
    for tab in ("Forecasts", "Population-driven demand", "Scenario"):
        open_tab(at, tab)
        sentences += [m.value for m in at.markdown if m.value.startswith("Demand path for Cambridgeshire (all)")]
    assert len(sentences) == 3 and len(set(sentences)) == 1, sentences
    assert f"the forecast to 2026/27 Q4 (about {count(joint)} people in long-term community support)" in sentences[0]
    expected = by_hand(frames, 2031)
    assert f"about {count(expected['people'])} by the end of 2031/32" in sentences[0]
    open_tab(at, "Population-driven demand")
    assert metric(at, "Expected at the end of 2031/32").value == count(expected["people"])


def test_forecast_for_another_measure_and_district(warehouse):
    ((period, mean),) = warehouse.sql(
        "select period, mean from fct_forecasts where measure = 'referrals_received' and locality_code = ? "
        "and role = 'chosen' order by period_start limit 1 offset 3",
        params=[FENLAND],
    ).fetchall()
    at = open_page(locality=FENLAND)
    # AppTest drops the sidebar's widgets from its tree after switch_page, so a rerun would forget the
    # locality taken from the URL; a browser keeps it. Hold it in session state as the sidebar would.
    at.session_state["locality"] = FENLAND
    at.selectbox(key="forecast_measure").set_value("referrals_received").run()
    assert metric(at, f"Referrals received in the quarter, forecast for {period}").value == count(mean)


# Population-driven demand ------------------------------------------------------------------------


def test_population_driven_demand_to_2040(warehouse, frames):
    """Population-driven demand follows the demand path: the districts' forecasts to 2026/27 Q4, then each district
    grows with its expected people in need (people CLD cannot place in a district with the county's bands)."""
    # The path starts from the people the Overview counts: the county's row of mart_dp_uptake at the latest
    # quarter, people CLD cannot place in a district included (they are a row of mart_demand_base).
    ((people_now,),) = warehouse.sql(
        "select community_clients from mart_dp_uptake where locality_code = ? order by quarter_end desc limit 1",
        params=[COUNTY],
    ).fetchall()
    ((base,),) = warehouse.sql("select sum(people_supported) from mart_demand_base").fetchall()
    assert base == people_now
    expected = {year: by_hand(frames, year)["people"] for year in (2031, 2040)}
    at = open_page(tab="Population-driven demand")
    assert metric(at, "Where the path starts, 2024/25 Q4").value == count(people_now)
    assert metric(at, "Expected at the end of 2031/32").value == count(expected[2031])
    assert metric(at, "Expected at the end of 2040/41").value == count(expected[2040])
    assert metric(at, "Expected at the end of 2040/41").delta == pct(100 * (expected[2040] / people_now - 1))
    assert (
        "Following the forecast to 2026/27 Q4 and then supporting the same share of people in need, Cambridgeshire "
        f"(all) would have about {count(expected[2031])} people in long-term community support at the end of "
        f"2031/32 and about {count(expected[2040])} at the end of 2040/41, against {count(people_now)} in 2024/25 Q4."
    ) in markdown(at)


# Waiting times and cost -------------------------------------------------------------------------


def test_waiting_times_and_annual_cost_shown_as_the_marts_hold_them(warehouse):
    ((median, p90, waits, requests),) = warehouse.sql(
        "select assessment_median_days, assessment_p90_days, assessment_waits, requests from mart_cld_waiting_times "
        "where locality_code = ? and period = '2024/25 Q4'",
        params=[COUNTY],
    ).fetchall()
    ((cost,),) = warehouse.sql(
        "select annual_cost_gbp from mart_service_demand where locality_code = ? and period = '2024/25 Q4'",
        params=[COUNTY],
    ).fetchall()
    at = open_page(tab="Waiting times")
    assert metric(at, "Request to assessment, median, 2024/25 Q4").value == f"{round(median):,} days"
    assert metric(at, "Request to assessment, 90th centile, 2024/25 Q4").value == f"{round(p90):,} days"
    assert f"{count(requests)} requests for support" in markdown(at)
    assert f"a median of {round(median):,} days, 9 in 10 within {round(p90):,} days ({count(waits)} waits)" in (
        markdown(at)
    )
    assert metric(at, "Planned cost of that support a year").value == gbp(cost)


def test_waits_by_age_band_shown_as_the_mart_holds_them(warehouse):
    ((waits, median),) = warehouse.sql(
        "select waits, median_days from mart_cld_waiting_breakdown where locality_code = ? and period = '2024/25 Q4' "
        "and breakdown = 'Age band' and category = '65+' and step = 'request to assessment'",
        params=[COUNTY],
    ).fetchall()
    at = open_page(tab="Waiting times")
    tables = [t.value for t in at.dataframe]
    by_age = [t for t in tables if "Age band" in t.columns and "Request to assessment: waits" in t.columns]
    assert by_age, [list(t.columns) for t in tables]
    older = by_age[0][by_age[0]["Age band"] == "65+"].iloc[0]
    assert older["Request to assessment: waits"] == count(waits)
    assert older["Request to assessment: median (days)"] == f"{round(median):,}"


# Scenarios ---------------------------------------------------------------------------------------


def test_baseline_scenario_matches_a_derivation_by_hand(frames):
    expected = by_hand(frames, YEAR_START)
    at = open_page(tab="Scenario")
    assert metric(at, "People supported").value == count(expected["people"])
    assert metric(at, "Cost a year").value == gbp(expected["cost"])
    sentence = re.search(
        r"would support about ([\d,]+) people in the community \(80% range ([\d,]+) to ([\d,]+)\)", markdown(at)
    )
    assert sentence, markdown(at)
    central, low, high = (float(value.replace(",", "")) for value in sentence.groups())
    assert central == round(expected["people"])
    assert low == pytest.approx(expected["people_lo_80"], rel=0.005)
    assert high == pytest.approx(expected["people_hi_80"], rel=0.005)
    assert "this is the baseline" in markdown(at)


def test_moving_a_lever_changes_the_figures_by_the_expected_amount(frames):
    baseline = by_hand(frames, YEAR_START)["people"]
    at = open_page(tab="Scenario")
    at.slider(key="population_adjustment_pct").set_value(1.0).run()
    assert not at.exception
    people = metric(at, "People supported")
    assert people.value == count(baseline * 1.01**5)
    assert people.delta == f"+{count(baseline * 1.01**5 - baseline)}"
    assert "under each figure, its change on the baseline" in markdown(at)
    assert "population_adjustment_pct=1.0" in at.code[0].value


def test_a_dp_target_is_met_on_its_date():
    at = open_page(tab="Scenario")
    at.checkbox(key="dp_target_on").check().run()
    at.slider(key="dp_target_pct").set_value(30.0).run()
    at.select_slider(key="dp_target_year").set_value("2027/28").run()
    assert metric(at, "DP uptake").value == "30.0%"  # 2029/30, after the date
    at.select_slider(key="scenario_year").set_value("2027/28").run()
    assert "**Cambridgeshire (all), 2027/28**" in markdown(at)
    assert metric(at, "DP uptake").value == "30.0%"
    at.select_slider(key="scenario_year").set_value("2026/27").run()
    uptake_now = float(metric(at, "DP uptake").value.rstrip("%"))
    assert 20.0 < uptake_now < 30.0  # on its way: a straight line from today's uptake


def test_the_scenario_tab_draws_the_chart_picked_as_the_presenter_builds_it(demo_env):
    """One chart at a time (a lever's key press redraws one, not four): each is the presenter's figure, and the
    share link keeps the one shown."""
    levers = scenario_store.current_base(Warehouse(demo_env)).defaults.replace(population_adjustment_pct=0.5)
    at = open_page(tab="Scenario", locality=FENLAND, population_adjustment_pct="0.5")
    assert at.radio(key="scenario_chart").value == "People supported"
    for picked in demand.SCENARIO_CHARTS:
        at.radio(key="scenario_chart").set_value(picked).run()
        assert not at.exception, [e.message for e in at.exception]
        specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
        built = demand.scenario(Warehouse(demo_env), FENLAND, "Fenland", levers, YEAR, picked).chart.figure
        assert len(specs) == 1 and specs[0]["data"] == json.loads(built.to_json())["data"], picked
        assert specs[0]["layout"]["title"]["text"] == built.layout.title.text
        assert built.layout.title.text.count("today's prices") == (picked == "Cost a year"), built.layout.title.text
        assert urlencode({"scenario_chart": picked}) in at.code[0].value
    # Its link opens the same chart.
    again = open_page(tab="Scenario", locality=FENLAND, scenario_chart="Personal Assistants")
    title = json.loads(again.get("plotly_chart")[0].proto.spec)["layout"]["title"]["text"]
    assert title.replace("<br>", " ").startswith("Personal Assistants needed and expected, Fenland")


def test_the_scenario_table_is_built_when_opened_as_the_presenter_builds_it(demo_env):
    """No grid on the Scenario tab's first view (its JavaScript is the first view's heaviest after the chart's):
    "Show as table" builds the year-by-year table once opened."""
    at = open_page(tab="Scenario")
    assert not at.dataframe and not at.table
    at.session_state[f"{EXPANDER_KEY}scenario-table"] = True
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    wh = Warehouse(demo_env)
    levers = scenario_store.current_base(wh).defaults
    table = demand.scenario(wh, COUNTY, "Cambridgeshire (all)", levers, YEAR).table
    (shown,) = [d.value for d in at.dataframe]
    assert list(shown.columns) == table.columns and shown.values.tolist() == table.rows


def test_a_shared_link_reproduces_the_scenario_for_a_district(frames):
    at = open_page(
        locality=FENLAND, tab="Scenario", dp_target_on="true", dp_target_pct="35.0", home_care_rate_gbp="25.0"
    )
    assert at.slider(key="dp_target_pct").value == 35.0 and at.number_input(key="home_care_rate_gbp").value == 25.0
    assert metric(at, "DP uptake").value == "35.0%"
    assert "Fenland would support about" in markdown(at)
    assert "dp_target_on=true" in at.code[0].value and "home_care_rate_gbp=25.0" in at.code[0].value


def test_save_two_scenarios_and_compare_them_with_the_baseline(frames):
    baseline = by_hand(frames, YEAR_START)["people"]
    at = open_page(tab="Scenario")
    at.slider(key="population_adjustment_pct").set_value(1.0).run()
    at.text_input(key="scenario_name").input("Faster growth (AppTest)").run()
    at.button(key="save_scenario").click().run()
    assert any("Saved “Faster growth (AppTest)”" in s.value for s in at.success)
    at.button(key="reset_levers").click().run()
    at.checkbox(key="dp_target_on").check().run()
    at.text_input(key="scenario_name").input("DP target (AppTest)").run()
    at.button(key="save_scenario").click().run()
    open_tab(at, "Compare scenarios")
    at.multiselect(key="compare").select("Faster growth (AppTest)").select("DP target (AppTest)").run()
    assert not at.exception
    # The comparison and the levers are Markdown tables, no grid (st.table or st.dataframe) on the tab.
    assert not at.table and not at.dataframe
    table = {row["Measure"]: row for row in static_table(at, "Faster growth (AppTest) vs Baseline")}
    people = table["People in long-term community support"]
    assert people["Baseline"] == count(baseline)
    assert people["Faster growth (AppTest)"] == count(baseline * 1.01**5)
    assert people["Faster growth (AppTest) vs Baseline"] == f"+{count(baseline * 1.01**5 - baseline)}"
    assert table["DP uptake"]["DP target (AppTest)"] == "25.0%"
    levers = {row["Lever"]: row for row in static_table(at, "Lever")}
    assert levers["Population adjustment"]["Faster growth (AppTest)"] == "1% a year"
    # A year to reach a DP target is said only for a scenario with a target.
    reach = levers["Reach the DP target by"]
    assert reach["Faster growth (AppTest)"] == "–" and reach["DP target (AppTest)"] != "–"


def test_scenario_names_are_checked():
    at = open_page(tab="Scenario")
    at.text_input(key="scenario_name").input("baseline").run()
    at.button(key="save_scenario").click().run()
    assert any("'Baseline' is always shown" in e.value for e in at.error)


# Downloads ---------------------------------------------------------------------------------------


def test_downloads_hold_every_figure_rounded_and_safe(frames, demo_env):
    state = base_state(
        frames["base"],
        frames["forecasts"],
        demand_index(frames["projection"]),
        county_code=COUNTY,
        county_name="Cambridgeshire (all)",
    )
    # Cambridge has 3 people with an ISF in this copy: a count small enough to identify someone.
    few = np.where(np.array(state.codes) == "E07000008", 3.0, state.isf_people)
    small = dataclasses.replace(state, isf_people=few)
    results = {
        "Baseline": run_scenario(state),
        "=HYPERLINK(1)": run_scenario(small, small.defaults.replace(isf_new_per_year=0)),
    }
    threshold = demo_env.suppression_threshold
    disclosure = Disclosure(threshold)
    csv = pl.read_csv(io.BytesIO(scenario_store.to_csv(results, disclosure)))
    assert csv.columns[:4] == ["Scenario", "Area code (ONS)", "Area", "Year"]  # headings for people
    csv = csv.rename({human: name for name, human in scenario_store.CSV_HEADINGS.items()})
    assert csv.height == 2 * results["Baseline"].table.height
    assert set(csv["scenario"]) == {"Baseline", "'=HYPERLINK(1)"}
    people = results["Baseline"].value(COUNTY, YEAR, "people_supported")
    here = (pl.col("scenario") == "Baseline") & (pl.col("locality_code") == COUNTY) & (pl.col("year") == YEAR)
    assert csv.filter(here & (pl.col("measure") == "people_supported"))["central"][0] == round(people)
    for column in ("central", "lo_80", "hi_80", "lo_95", "hi_95"):
        counts = csv.filter(pl.col("unit") == "count")[column].drop_nulls().abs()
        assert ((counts == 0) | (counts >= threshold)).all(), column
    hidden = csv.filter(
        (pl.col("measure") == "isf_people")
        & (pl.col("locality_code") == "E07000008")
        & (pl.col("scenario") != "Baseline")
    )
    assert hidden.height == 11 and hidden["central"].is_null().all()
    book = openpyxl.load_workbook(io.BytesIO(scenario_store.to_excel(results, disclosure, "About\n=1+1")))
    assert book.sheetnames == ["Levers", "Figures", "About"]
    assert book["Levers"]["D1"].value == "'=HYPERLINK(1)"
    assert book["About"]["A2"].value == "'=1+1"
    figures = list(book["Figures"].iter_rows(min_row=2, values_only=True))
    match = [
        r
        for r in figures
        if r[:4] == ("Baseline", COUNTY, "Cambridgeshire (all)", YEAR) and r[4].startswith("People in")
    ]
    assert match[0][5] == round(people)
    isf = [r for r in figures if r[0] == "'=HYPERLINK(1)" and r[1] == "E07000008" and r[4].startswith("People with an")]
    assert len(isf) == 11 and {r[5] for r in isf} == {f"<{threshold}"}


def test_the_saved_list_shows_who_saved_a_scenario_as_text_not_a_mail_link(demo_env):
    """An email address in the list is plain text: Markdown would make a mailto link of a bare address, so a word
    joiner (invisible) follows its "@" and the cell reads as the address."""
    name = "Emailed saver (AppTest)"
    base = scenario_store.current_base(Warehouse(demo_env))
    levers = base.defaults.replace(service_use_change_pct=-0.5)
    scenario_store.save(name, levers, base.base_period, demo_env, "", "planner@council.example")
    try:
        at = open_tab(open_page(), "Compare scenarios")
        row = next(row for row in static_table(at, "Saved scenario") if row["Saved scenario"] == name)
        assert row["Saved"].replace("\u2060", "").startswith("Saved by planner@council.example on ")
        listed = next(m.value for m in at.markdown if markdown_table(m.value) and name in m.value)
        assert "planner@\u2060council.example" in listed and "planner@council.example" not in listed
        assert not at.table
    finally:
        scenario_store.delete(name, demo_env)


def test_load_and_delete_a_saved_scenario():
    at = open_page(tab="Scenario")
    at.slider(key="service_use_change_pct").set_value(-1.5).run()
    at.text_input(key="scenario_name").input("Prevention (AppTest)").run()
    at.button(key="save_scenario").click().run()
    at.button(key="reset_levers").click().run()
    assert at.slider(key="service_use_change_pct").value == 0.0
    open_tab(at, "Compare scenarios")
    at.selectbox(key="manage_scenario").set_value("Prevention (AppTest)").run()
    # The saved-scenario list says who saved it (no sign-in here: the demo user) and when.
    row = next(row for row in static_table(at, "Saved scenario") if row["Saved scenario"] == "Prevention (AppTest)")
    assert re.fullmatch(r"Saved by demo user on \d{1,2} \w+ 20\d\d at \d\d:\d\d UTC", row["Saved"])
    at.button(key="load").click().run()  # opens the Scenario tab with the levers loaded
    assert at.slider(key="service_use_change_pct").value == -1.5
    assert "service_use_change_pct=-1.5" in at.code[0].value
    # The levers (as a link to them restores them) are named as the saved scenario, with who saved it and when.
    said = " ".join(c.value for c in at.caption)
    assert "These levers are the saved scenario “Prevention (AppTest)”, saved by demo user on " in said
    open_tab(at, "Compare scenarios")
    at.selectbox(key="manage_scenario").set_value("Prevention (AppTest)").run()
    at.button(key="delete").click().run()
    assert "Prevention (AppTest)" not in at.multiselect(key="compare").options


# Words -------------------------------------------------------------------------------------------


def metrics_frame(
    chosen: str, origins: int = 4, note: str = "accuracy on the last 4 origins, held out"
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "note": [note] * 3,
            "model": ["ets", "sarimax", "seasonal_naive"],
            "mase": [0.5, 0.8, 1.0],
            "coverage_80": [0.75, 0.7, 0.8],
            "coverage_95": [0.95, 0.9, 1.0],
            "origins": [origins] * 3,
            "chosen": [m == chosen for m in ("ets", "sarimax", "seasonal_naive")],
        }
    )


def test_accuracy_in_plain_words():
    text = demand.accuracy_sentence(metrics_frame("ets"), "referrals")
    assert text == (
        "Tested on the last 4 quarters the model was not chosen on (forecasting up to a year ahead from each), the "
        "forecast of referrals was within its 80% range 75% of the time and within its 95% range 95%. On average "
        "its error was 50% smaller than a same-quarter-last-year guess."
    )
    same = demand.accuracy_sentence(metrics_frame("ets", 12, "optimistic: chosen and scored alike"), "referrals")
    assert same.startswith("Tested on the last 12 quarters that also chose the model, so these figures flatter it")
    naive = demand.accuracy_sentence(metrics_frame("seasonal_naive"), "referrals")
    assert naive.endswith("No model beat a same-quarter-last-year guess, so that guess is the forecast.")
    short = demand.accuracy_sentence(metrics_frame("seasonal_naive", origins=0), "referrals")
    assert short.startswith("There is too little history to test the forecast of referrals")


def test_the_pa_gap_reads_short_or_spare_and_small_counts_are_hidden_with_their_differences():
    five = Disclosure(5)
    assert demand.figure("pa_gap", 120.4, five) == "120 short"
    assert demand.figure("pa_gap", -80.0, five) == "80 spare"
    assert demand.figure("pa_gap", -3.0, five) == "<5 spare"
    assert demand.figure("cost_gbp", 21_500_000, five) == "£21.5m"
    assert demand.figure("weekly_hours", 3.0, five) == "3"  # hours are not people
    table = pl.DataFrame(
        {
            "measure": ["isf_people", "pa_gap", "weekly_hours"],
            "label": ["ISFs", "Gap", "Hours"],
            "A": [3.0, -40.0, 3.0],
            "B": [9.0, 10.0, 9.0],
        }
    ).with_columns((pl.col("B") - pl.col("A")).alias("B vs A"))
    shown = demand.comparison_table(table, ["A", "B"], "Fenland", "2029/30", five)
    assert shown.columns == ["Measure", "A", "B", "B vs A"]
    # 9 less a difference of 6 would give the hidden 3 away: the difference is hidden too.
    assert shown.rows == [["ISFs", "<5", "9", "–"], ["Gap", "40 spare", "10 short", "+50"], ["Hours", "3", "9", "+6"]]


def test_a_small_scenario_count_is_not_printed_nor_its_range():
    from models.scenarios import Levers, ScenarioResult

    table = pl.DataFrame(
        {
            "locality_code": ["A"] * 3,
            "year": [YEAR] * 3,
            "measure": ["people_supported", "cost_gbp", "pa_gap"],
            "central": [3.0, 50_000.0, 2.0],
            "lo_80": [1.0, 40_000.0, -1.0],
            "hi_80": [6.0, 60_000.0, 5.0],
        }
    )
    result = ScenarioResult(Levers(), table)
    five = Disclosure(5)
    assert demand.with_range(result, "A", YEAR, "people_supported", five) == ("<5", "–")
    assert demand.with_range(result, "A", YEAR, "cost_gbp", five) == ("£50,000", "£40,000 to £60,000")
    assert demand.scenario_sentence(result, result, "A", YEAR, "Area A", five) == (
        f"By {YEAR}, Area A would support fewer than 5 people in the community, at a cost of £50,000 a year in "
        "today's prices (80% range £40,000 to £60,000): this is the baseline. The PA register would hold within 5 "
        "of as many Personal Assistants as DP recipients would employ (small numbers)."
    )


# Disclosure: a district whose recorded history is small ---------------------------------------------


def test_no_forecast_is_shown_for_an_area_whose_recent_counts_are_small(demo_env, monkeypatch):
    """Fenland's recorded PAs made small: a forecast starting from them would be the small count give or take, so
    no figure, chart or table of it is shown, only a sentence saying why."""
    from dashboard.queries import Warehouse

    wh = Warehouse(demo_env)
    history = wh.demand_history("active_pas", FENLAND)
    small = history.with_columns(pl.Series("value", [2.0 + i % 3 for i in range(history.height)]))
    monkeypatch.setattr(wh, "demand_history", lambda measure, code: small)
    fc = demand.forecast(wh, FENLAND, "2024/25 Q4", "Fenland", "active_pas")
    assert fc.sentence.text == (
        "Too few active Personal Assistants on the register in Fenland to show a forecast without giving small "
        "numbers away."
    )
    assert fc.chart is None and fc.metric is None and fc.next_year is None
    # An area whose counts are not small keeps its forecast.
    assert demand.forecast(Warehouse(demo_env), FENLAND, "2024/25 Q4", "Fenland", "active_pas").chart is not None


def test_small_counts_by_age_band_are_hidden_with_what_rests_on_them(demo_env, monkeypatch):
    """Fenland's 65-74 band made 3 people: its rates and its projected line are hidden, and (so that the district's
    total less the other bands cannot give it away) the next smallest band too, in that district and in that band."""
    from dashboard.queries import Warehouse

    wh = Warehouse(demo_env)
    rates = wh.service_use_rates()
    cell = (pl.col("area_code") == FENLAND) & (pl.col("age_band") == "65-74")
    small = rates.with_columns(pl.when(cell).then(3.0).otherwise(pl.col("people")).alias("people"))
    monkeypatch.setattr(wh, "service_use_rates", lambda: small)
    page = demand.projection(wh, FENLAND, "Fenland")
    rows = {row[1]: row for row in page.rates.rows}
    assert rows["65-74"][2:] == ["<5", rows["65-74"][3], "–", "–"]
    hidden = [band for band, row in rows.items() if row[2] in ("<5", "–")]
    assert len(hidden) == 2, rows
    projected = {row[1]: row[3] for row in page.chart.table.rows}
    for band in hidden:
        assert projected[band] == "–"
    drawn = {t["name"]: t["y"] for t in page.chart.figure.to_plotly_json()["data"]}
    assert all(y is None for y in drawn["65-74"])
    # The county's rates table hides the same cells, and one more district in the band.
    county = demand.projection(wh, COUNTY, "Cambridgeshire (all)")
    band = [row for row in county.rates.rows if row[1] == "65-74"]
    assert sum(row[2] in ("<5", "–") for row in band) == 2


# The committee pack's demand outlook ------------------------------------------------------------------


def test_pack_demand_outlook_lays_out_the_pages_words_and_tables(demo_env):
    from dashboard.pack import outlook
    from dashboard.pack.content import Scope
    from dashboard.queries import Warehouse

    wh = Warehouse(demo_env)
    section = outlook.demand_outlook(Scope(wh, "2024/25 Q3", FENLAND, "Fenland"))
    fc = demand.forecast(wh, FENLAND, "2024/25 Q3", "Fenland", "people_supported")
    projection = demand.projection(wh, FENLAND, "Fenland")
    words = [b.text for b in section.blocks if b.kind in ("paragraph", "note")]
    for block in (fc.sentence, fc.accuracy, fc.start_note, projection.sentence):
        assert block.text in words
    assert "Forecasts start from the latest quarter loaded, 2024/25 Q4, not from 2024/25 Q3." in words
    tables = [b for b in section.blocks if b.kind == "table"]
    assert tables == [fc.next_year]
    assert [row[0] for row in fc.next_year.rows] == ["2025/26 Q4", "2025/26 Q3", "2025/26 Q2", "2025/26 Q1"]
    assert [c.name for c in section.charts] == ["forecast_people_supported_E07000010", "demand_projection_E07000010"]
