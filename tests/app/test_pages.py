"""AppTest per page: the figures shown are the warehouse's own values, computed here independently."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from pipelines.config import PROJECT_ROOT

APP = str(PROJECT_ROOT / "dashboard" / "app.py")
COUNTY, FENLAND = "E10000003", "E07000010"


def run_page(page: str | None = None, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(f"pages/{page}").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def metric(at: AppTest, label_start: str) -> str:
    found = [m.value for m in at.metric if m.label.startswith(label_start)]
    assert found, f"no metric starting {label_start!r}; have {[m.label for m in at.metric]}"
    return found[0]


def text_of(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(w.value for w in at.warning)


@pytest.fixture(scope="module")
def latest(warehouse):
    return warehouse.sql("select max(period) from mart_dp_uptake").fetchall()[0][0]


def test_overview_shows_county_dp_uptake_against_target_and_comparators(warehouse, latest):
    ((uptake, dp, clients),) = warehouse.sql(
        "select uptake_pct, dp_recipients, community_clients from mart_dp_uptake "
        "where locality_code = ? and period = ?",
        params=[COUNTY, latest],
    ).fetchall()
    at = run_page()
    assert metric(at, f"DP uptake, {latest}") == f"{uptake:.1f}%"
    assert metric(at, "People taking a direct payment") == f"{dp:,}"
    assert metric(at, "People in long-term community support") == f"{clients:,}"
    assert metric(at, "England, ASCOF 2022/23") == "26.2%"
    assert metric(at, "East of England, ASCOF 2022/23") == "24.3%"
    sentence = f"{uptake:.1f}% of people in long-term community support in Cambridgeshire (all)"
    assert sentence in text_of(at)
    assert f"{25 - uptake:.1f} points below the 25.0% target for 2024/25 Q4 (higher is better)" in text_of(at)
    assert "Synthetic demo data" in text_of(at)


def test_overview_for_one_locality_from_the_url(warehouse):
    ((uptake,),) = warehouse.sql(
        "select uptake_pct from mart_dp_uptake where locality_code = ? and period = '2023/24 Q2'", params=[FENLAND]
    ).fetchall()
    at = run_page(locality=FENLAND, period="2023/24 Q2")
    assert metric(at, "DP uptake, 2023/24 Q2") == f"{uptake:.1f}%"
    assert "in Fenland took a direct payment" in text_of(at)


def test_direct_payments_page(warehouse, latest):
    ((uptake,),) = warehouse.sql(
        "select uptake_pct from mart_dp_uptake where locality_code = ? and period = ?", params=[COUNTY, latest]
    ).fetchall()
    at = run_page("direct_payments.py")
    assert metric(at, "DP uptake in Cambridgeshire (all)") == f"{uptake:.1f}%"
    # The demo notice above every page is checked in the browser (tests/e2e): AppTest drops elements the
    # router draws before the page after switch_page.


def test_workforce_page(warehouse, latest):
    ((pas, payroll),) = warehouse.sql(
        "select active_pas, pas_on_payroll from mart_pa_workforce where locality_code = ? and period = ?",
        params=[COUNTY, latest],
    ).fetchall()
    at = run_page("workforce.py")
    assert metric(at, "Active Personal Assistants") == f"{pas:,}"
    assert metric(at, "PAs on the DPSS payroll") == f"{payroll:,}"


def test_satisfaction_page(warehouse):
    ((share,),) = warehouse.sql(
        "select top_box_pct from mart_satisfaction where survey = 'dpss_customer' and "
        "question_code = 'overall_rating' and locality_code = ? and period = '2023/24 Q3'",
        params=[COUNTY],
    ).fetchall()
    at = run_page("satisfaction_outcomes.py", period="2023/24 Q3")
    assert metric(at, "DPSS users rating the service very good, 2023/24 Q3") == f"{share:.1f}%"


def test_provider_kpis_page_flags_missing_return(warehouse):
    missing = warehouse.sql(
        "select contract_id, period from mart_kpi_return_status where not return_received"
    ).fetchall()
    assert ("HC-03", "2023/24 Q2") in missing
    at = run_page("provider_kpis.py", period="2023/24 Q2")
    at.selectbox(key="contract").set_value("HC-03").run()
    assert any("Missing return" in e.value and "HC-03" in e.value for e in at.error)


def test_demand_page(warehouse, latest):
    ((people,),) = warehouse.sql(
        "select people_supported from mart_service_demand where locality_code = ? and period = ?",
        params=[COUNTY, latest],
    ).fetchall()
    ((growth,),) = warehouse.sql("""
        select 100 * (sum(population) filter (where projection_year = 2031)
                      / sum(population) filter (where projection_year = 2024) - 1)
        from mart_population where age_band = '65+' and area_code like 'E07%'""").fetchall()
    at = run_page("demand_scenarios.py")
    assert metric(at, "People in long-term community support") == f"{people:,}"
    assert metric(at, "Growth in people aged 65+, 2024 to 2031") == f"{growth:.1f}%"


def test_data_page_shows_load_history(warehouse):
    ((files, rows),) = warehouse.sql(
        "select count(*), sum(rows_loaded) from load_log where status like 'loaded%'"
    ).fetchall()
    at = run_page("data.py")
    assert metric(at, "Files loaded") == f"{files:,}"
    assert metric(at, "Rows loaded") == f"{rows:,}"
