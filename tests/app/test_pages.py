"""AppTest per committee page: the figures shown are the warehouse's own values, computed here independently."""

from __future__ import annotations

import json
import math

import pytest
from streamlit.testing.v1 import AppTest

from pipelines.config import PROJECT_ROOT

APP = str(PROJECT_ROOT / "dashboard" / "app.py")
COUNTY, FENLAND = "E10000003", "E07000010"
PAGES = sorted(p.name for p in (PROJECT_ROOT / "dashboard" / "views").glob("*.py"))


def run_page(page: str | None = None, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(f"views/{page}").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def metric(at: AppTest, label_start: str) -> str:
    found = [m.value for m in at.metric if m.label.startswith(label_start)]
    assert found, f"no metric starting {label_start!r}; have {[m.label for m in at.metric]}"
    return found[0]


def text_of(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [w.value for w in at.warning] + [c.value for c in at.caption])


def one(warehouse, sql, *params):
    rows = warehouse.sql(sql, params=list(params)).fetchall()
    assert len(rows) == 1, rows
    return rows[0] if len(rows[0]) > 1 else rows[0][0]


@pytest.fixture(scope="module")
def latest(warehouse):
    return one(warehouse, "select max(period) from mart_dp_uptake")


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_error(demo_env, page):
    run_page(None if page == "overview.py" else page)


def test_overview_shows_county_dp_uptake_against_target_and_comparators(warehouse, latest):
    uptake, dp, clients = one(
        warehouse,
        "select uptake_pct, dp_recipients, community_clients from mart_dp_uptake "
        "where locality_code = ? and period = ?",
        COUNTY,
        latest,
    )
    at = run_page()
    assert metric(at, f"DP uptake, {latest}") == f"{uptake:.1f}%"
    assert metric(at, "People taking a direct payment") == f"{dp:,}"
    assert metric(at, "People in long-term community support") == f"{clients:,}"
    assert metric(at, "England, ASCOF 2022/23") == "26.2%"
    assert metric(at, "East of England, ASCOF 2022/23") == "24.3%"
    text = text_of(at)
    assert f"{uptake:.1f}% of people in long-term community support in Cambridgeshire (all)" in text
    assert f"{25 - uptake:.1f} points below the 25.0% target for 2024/25 Q4 (higher is better)" in text
    assert "Synthetic demo data" in text


def test_overview_tiles_carry_value_target_rag_word_and_signals(warehouse, latest):
    pas_now = one(
        warehouse, "select active_pas from mart_pa_workforce where locality_code = ? and period = ?", COUNTY, latest
    )
    pas_year_before = one(
        warehouse, "select active_pas from mart_pa_workforce where locality_code = ? and period = '2023/24 Q4'", COUNTY
    )
    waiting = one(
        warehouse, "select people_waiting from mart_waiting_list where locality_code = ? and period = ?", COUNTY, latest
    )
    at = run_page()
    values = {m.label: m.value for m in at.metric}
    assert values["Active Personal Assistants"] == f"{pas_now:,}"
    assert values["People waiting for care"] == f"{waiting:,}"
    deltas = {m.label: m.delta for m in at.metric}
    assert deltas["Active Personal Assistants"] == f"+{pas_now - pas_year_before:,} on a year before"
    text = text_of(at)
    # DP uptake is below its target by more than the 2-point amber band: red, in words.
    assert ":red[●] Red: off target" in text
    assert "Direct payment uptake in Cambridgeshire (all) is 20.3% in 2024/25 Q4" in text
    # Every target with its date, direction and amber tolerance; the DPSS survey share is the contract's KPI.
    assert "Target 25.0% by 2024/25 Q4 (higher is better; amber within 2.0 points)" in text
    assert "Target 75.0% (the contract's target; higher is better; amber within 5.0 points)" in text
    assert "65.0%" not in text
    assert any(word in text for word in ("Common cause", "Improvement", "Concern"))


def test_overview_for_one_locality_from_the_url(warehouse):
    uptake = one(
        warehouse, "select uptake_pct from mart_dp_uptake where locality_code = ? and period = '2023/24 Q2'", FENLAND
    )
    at = run_page(locality=FENLAND, period="2023/24 Q2")
    assert metric(at, "DP uptake, 2023/24 Q2") == f"{uptake:.1f}%"
    assert "in Fenland took a direct payment" in text_of(at)


def test_direct_payments_trajectory_and_funnel(warehouse, latest):
    uptake, dp, clients = one(
        warehouse,
        "select uptake_pct, dp_recipients, community_clients from mart_dp_uptake "
        "where locality_code = ? and period = ?",
        COUNTY,
        latest,
    )
    at = run_page("direct_payments.py")
    assert metric(at, f"DP uptake, {latest}") == f"{uptake:.1f}%"
    needed = math.ceil(0.25 * clients - dp)
    assert metric(at, "More DP recipients needed") == f"{needed:,}"
    assert f"**{needed} more people**" in text_of(at)  # the target date has passed in the latest quarter
    funnel = next(
        json.loads(c.proto.spec)
        for c in at.get("plotly_chart")
        if "against the county average" in json.loads(c.proto.spec)["layout"]["title"]["text"]
    )
    points = next(t for t in funnel["data"] if t.get("name") == "Areas")
    districts = dict(
        warehouse.sql(
            "select locality_name, uptake_pct from mart_dp_uptake where period = ? and locality_code <> ?",
            params=[latest, COUNTY],
        ).fetchall()
    )
    assert dict(zip(points["text"], points["y"], strict=True)) == pytest.approx(districts)


def test_direct_payments_for_a_locality_mid_period(warehouse):
    dp, clients = one(
        warehouse,
        "select dp_recipients, community_clients from mart_dp_uptake where locality_code = ? and period = '2023/24 Q2'",
        FENLAND,
    )
    at = run_page("direct_payments.py", locality=FENLAND, period="2023/24 Q2")
    needed = math.ceil(0.25 * clients - dp)
    assert metric(at, "More DP recipients needed") == f"{needed:,}"
    per_quarter = needed / 6  # 2023/24 Q2 to 2024/25 Q4
    assert f"**{per_quarter:,.1f} more people a quarter**" in text_of(at)


def test_workforce_page_for_county_and_locality(warehouse, latest):
    pas, payroll, growth = one(
        warehouse,
        "select active_pas, pas_on_payroll, growth_pct from mart_pa_workforce where locality_code = ? and period = ?",
        COUNTY,
        latest,
    )
    at = run_page("workforce.py")
    assert metric(at, f"Active PAs, {latest}") == f"{pas:,}"
    assert metric(at, "PAs on the DPSS payroll") == f"{payroll:,}"
    assert metric(at, "Growth on a year before") == f"{growth:.1f}%"
    ratio = one(
        warehouse,
        "select pas_per_100_dp from mart_pa_workforce where locality_code = ? and period = '2023/24 Q4'",
        FENLAND,
    )
    at = run_page("workforce.py", locality=FENLAND, period="2023/24 Q4")
    assert metric(at, "PAs per 100 DP recipients") == f"{ratio:.1f}"


def test_satisfaction_page_flags_the_dpss_drop_as_significant(warehouse):
    share, n = one(
        warehouse,
        "select top_box_pct, responses from mart_satisfaction where survey = 'dpss_customer' "
        "and question_code = 'overall_rating' and locality_code = ? and period = '2023/24 Q3'",
        COUNTY,
    )
    at = run_page("satisfaction_outcomes.py", period="2023/24 Q3")
    assert metric(at, "Rated the service very good, 2023/24 Q3") == f"{share:.1f}%"
    assert metric(at, "Change on the quarter before") == "−30.0 points"
    assert "is statistically significant (two-proportion test, p = 0.006)" in text_of(at)


def test_satisfaction_page_does_not_flag_noise(warehouse):
    at = run_page("satisfaction_outcomes.py", period="2022/23 Q2")
    assert "is not statistically significant" in text_of(at)


def test_spc_view_of_a_measure(demo_env):
    at = run_page("workforce.py")
    at.toggle(key="spc-pa_growth").set_value(True).run()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [t.get("name") for t in spec["data"]]
    assert {"Upper process limit", "Lower process limit", "Mean"} <= set(names)
