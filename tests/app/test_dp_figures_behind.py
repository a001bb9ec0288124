"""A quarter the picker offers can have no direct payment figures: the provider KPI returns for it came in before
the Client Level Data return, or a partial return replaced the one that had them. Every surface then shows the
latest quarter that has them and says so, in the same words; a quarter before any figures says there are none.
Neither may stop a page ("could not be shown in full"), and no rating is given for a quarter with no figure."""

from __future__ import annotations

import csv

import duckdb
import pytest

from dashboard.queries import Warehouse
from pipelines.build import build_warehouse
from pipelines.config import load_settings
from pipelines.ingest import ingest_paths
from tests.app.surfaces import TABS
from tests.app.test_cld_only import PAGES, run_page
from tests.conftest import app_config, write_test_config
from tests.unit.test_cld_ingest import R2_ROWS, SPACED, write_csv

BEHIND = (
    "No direct payment figures for 2025/26 Q1 are loaded yet: no file loaded has anyone in long-term community "
    "support at its end. The figures shown are for 2024/25 Q4, the latest quarter that has them."
)
NONE_YET = "No direct payment figures are loaded for 2023/24 Q4 or any quarter before it."
DEMAND_BEHIND = (
    "No demand figures for 2025/26 Q1 are loaded yet: no file loaded has anyone in long-term community support at "
    "its end. The figures shown are for 2024/25 Q4, the latest quarter that has them."
)
DP_TABS = ("Over time", "Districts", "Comparators", "Support and ISFs", "By group")


@pytest.fixture(scope="module")
def kpis_ahead(tmp_path_factory):
    """The CLD return for 2024/25 (people on a direct payment at the end of each of its quarters) and a provider's
    KPI return for 2025/26 Q1, a quarter the CLD has not reached."""
    folder = tmp_path_factory.mktemp("kpis_ahead")
    config = write_test_config(folder)
    settings = load_settings(config)
    inbox = settings.path("inbox")
    inbox.mkdir(parents=True)
    write_csv(inbox / "cld_2024_25_q4.csv", SPACED, R2_ROWS)  # two of its rows are rejected
    with open(inbox / "kpi_catalogue.csv", "w", newline="") as fh:
        csv.writer(fh).writerows([
            ["kpi_code", "name", "contract_type", "unit", "higher_is_better", "target", "amber_tolerance",
             "calculation", "effective_from"],
            ["dpss_active_cases", "People with an open support case at the quarter end", "dpss", "count", "true",
             "450.0", "45.0", "reported", ""],
        ])  # fmt: skip
    with open(inbox / "kpi_returns.csv", "w", newline="") as fh:
        csv.writer(fh).writerows([
            ["contract_id", "provider", "period", "kpi_code", "numerator", "denominator", "value", "comment"],
            ["DPSS-01", "Fenside Direct Payment Support CIC", "2025/26 Q1", "dpss_active_cases", "", "", "40", ""],
        ])  # fmt: skip
    write_pa_register(inbox / "pa_register.csv")
    results = ingest_paths([inbox], settings)
    assert [r.rows_loaded for r in results if r.source != "cld"] == [1, 1, 40]
    with duckdb.connect(str(settings.path("ingest_store"))) as store:  # as a council would: early in the next quarter
        store.sql("update load_log set loaded_at = timestamptz '2025-04-10 09:00:00+00' where source = 'pa_register'")
    build_warehouse(settings)
    with app_config(config):
        yield settings


def write_pa_register(path) -> None:
    """40 Personal Assistants, 37 of them on the register on 31 March 2025: 20 in Cambridge from 2023, 20 in Fenland
    from June 2024 (the last joining on 31 March 2025), of whom 3 left in February 2025."""
    rows = [[f"PA{i:02}", "E07000008", "2023-01-01", "", "true"] for i in range(20)]
    rows += [[f"PA{i:02}", "E07000010", "2024-06-01", "2025-02-01" if i < 23 else "", "true"] for i in range(20, 39)]
    rows.append(["PA39", "E07000010", "2025-03-31", "", "false"])
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows([["pa_id", "locality_code", "registered_date", "left_date", "on_payroll"], *rows])


def infos(at) -> list[str]:
    return [i.value for i in at.info]


def test_the_sidebar_and_the_picker_agree_on_the_latest_quarter(kpis_ahead):
    at = run_page("overview.py")
    assert at.sidebar.selectbox[1].value == "2025/26 Q1"
    assert at.sidebar.caption[-1].value.startswith("Data to 2025/26 Q1;")


def test_the_overview_shows_the_latest_quarter_with_figures_and_says_so(kpis_ahead):
    at = run_page("overview.py")
    assert BEHIND in infos(at)
    assert at.metric[0].label == "DP uptake, 2024/25 Q4"
    # The headline tile for the chosen quarter has no figure: no rating and no SPC signal are given for it.
    tiles = " ".join(m.value for m in at.markdown)
    assert "Not rated (no figure)" in tiles
    assert "No figure for this quarter" in " ".join(h.body for h in at.get("html"))


@pytest.mark.parametrize("tab", DP_TABS)
def test_every_direct_payments_tab_shows_the_latest_quarter_with_figures_and_says_so(kpis_ahead, tab):
    at = run_page("direct_payments.py", tab=tab)
    assert BEHIND in infos(at)
    assert at.caption[0].value.startswith("Cambridgeshire (all), 2024/25 Q4.")
    assert at.metric[0].label == "DP uptake, 2024/25 Q4"


def test_a_quarter_before_any_figures_says_there_are_none(kpis_ahead):
    overview = run_page("overview.py", period="2023/24 Q4")
    assert NONE_YET in [m.value for m in overview.markdown]
    page = run_page("direct_payments.py", period="2023/24 Q4")
    assert NONE_YET in infos(page)
    assert not page.metric and not page.tabs


def test_the_pack_says_the_same_as_the_page(kpis_ahead):
    from dashboard.pack import build_pack

    pack = build_pack(Warehouse(kpis_ahead))
    assert pack.period == "2025/26 Q1"
    section = next(s for s in pack.sections if s.key == "direct-payments")
    paragraphs = [b.text for b in section.blocks if b.kind == "paragraph"]
    assert paragraphs[0] == BEHIND
    # One person is on a direct payment: the figures of the quarter shown are still suppressed.
    assert paragraphs[1] == (
        "Too few people in Cambridgeshire (all) to show direct payment uptake for 2024/25 Q4 (small numbers)."
    )
    headline_rows = next(b for s in pack.sections for b in s.blocks if b.kind == "table" and "RAG" in b.columns).rows
    uptake = next(r for r in headline_rows if r[0] == "Direct payment uptake")
    assert (uptake[1], uptake[4].rating, uptake[4].unrated) == ("–", None, "Not rated (no figure)")

    early = next(s for s in build_pack(Warehouse(kpis_ahead), "2023/24 Q4").sections if s.key == "direct-payments")
    assert [b.text for b in early.blocks] == [NONE_YET]


def test_todays_demand_is_the_latest_quarter_with_people_in_support_and_says_so(kpis_ahead):
    at = run_page("demand_scenarios.py", period="2025/26 Q1")
    assert DEMAND_BEHIND in infos(at)
    people = warehouse_rows(
        kpis_ahead,
        "select community_clients from mart_dp_uptake where period = '2024/25 Q4' and locality_code = ?",
        kpis_ahead.council.code,
    )
    assert people == [(1,)]  # one person: shown as a small number, not as 0 or a blank
    assert (at.metric[0].label, at.metric[0].value) == ("People in long-term community support, 2024/25 Q4", "<5")
    early = run_page("demand_scenarios.py", period="2023/24 Q4")
    assert "No demand figures are loaded for 2023/24 Q4 or any quarter before it." in infos(early)
    assert early.metric[0].value == "–"


def test_a_quarter_with_no_one_in_support_is_left_out_of_the_demand_history_and_the_scenario_base(kpis_ahead):
    """Not counted as nobody: a forecast fitted to a fall to zero, or a scenario starting from no one, would mislead."""
    county = kpis_ahead.council.code
    assert warehouse_rows(
        kpis_ahead, "select people_supported, weekly_hours, annual_cost_gbp from mart_service_demand "
        "where period = '2025/26 Q1' and locality_code = ?", county,
    ) == [(None, None, None)]  # fmt: skip
    history = warehouse_rows(kpis_ahead, "select distinct measure from mart_demand_history where period = '2025/26 Q1'")
    assert ("people_supported",) not in history and ("dp_recipients",) not in history
    base = warehouse_rows(kpis_ahead, "select distinct period, sum(people_supported) over () from mart_demand_base")
    assert base == [("2024/25 Q4", 1)]  # the people DP uptake counts in that quarter


PA_BEHIND = (
    "No Personal Assistant figures for 2025/26 Q1 are loaded yet: the Personal Assistant register loaded was taken "
    "before it ended. The figures shown are for 2024/25 Q4, the latest quarter that has them."
)


def test_a_register_loaded_before_a_quarter_ended_gives_no_figures_for_its_end(kpis_ahead):
    """Loaded on 10 April 2025, the register cannot say who was on it on 30 June: counted from it, all 37 PAs would
    still be there and none would have joined. The page, its headline tile and the pack show 2024/25 Q4 instead."""
    county = kpis_ahead.council.code
    assert warehouse_rows(kpis_ahead, "select count(*) from mart_pa_workforce where period = '2025/26 Q1'") == [(0,)]
    active = "select active_pas from mart_pa_workforce where period = '2024/25 Q4' and locality_code = ?"
    assert warehouse_rows(kpis_ahead, active, county) == [(37,)]
    at = run_page("workforce.py", period="2025/26 Q1")
    assert PA_BEHIND in infos(at)
    assert (at.metric[0].label, at.metric[0].value) == ("Active PAs, 2024/25 Q4", "37")
    assert at.caption[0].value.startswith("Cambridgeshire (all), 2024/25 Q4.")

    from dashboard.pack import build_pack

    section = next(s for s in build_pack(Warehouse(kpis_ahead)).sections if s.key == "workforce")
    assert section.blocks[0].text == PA_BEHIND
    # The year to 2024/25 Q4: Cambridge's 20 PAs a year before, 37 at its end.
    assert section.blocks[1].text.startswith(
        "Active Personal Assistants (PAs) in Cambridgeshire (all) grew 85.0% on a year before, from 20 to 37:"
    )


def warehouse_rows(settings, sql: str, *params) -> list[tuple]:
    with duckdb.connect(str(settings.path("warehouse")), read_only=True) as con:
        return con.sql(sql, params=list(params)).fetchall()


@pytest.mark.parametrize(("page", "tab"), [(p, None) for p in PAGES] + [(p, t) for p, ts in TABS.items() for t in ts])
def test_every_page_and_tab_renders_at_a_quarter_without_direct_payment_figures(kpis_ahead, page, tab):
    run_page(page, period="2025/26 Q1", **({"tab": tab} if tab else {}))
