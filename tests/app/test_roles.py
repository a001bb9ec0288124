"""Roles as each person meets them, with sign-in on (an [auth] section) and grants in the settings file.

AppTest stands in for the identity provider here (``at.user`` is what ``st.user`` reads); every refusal is
checked where the action happens: the page, the upload, the note, the scenario save and the contract link.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import review_actions, review_notes, scenario_store
from pipelines.config import PROJECT_ROOT, load_settings
from tests.support.grants import one_person_per_role

APP = str(PROJECT_ROOT / "dashboard" / "app.py")
AUTH = {
    "client_id": "x",
    "client_secret": "y",
    "redirect_uri": "http://localhost/oauth2callback",
    "cookie_secret": "z",
    "server_metadata_url": "http://localhost/.well-known/openid-configuration",
}
PAGES = [
    "overview",
    "direct_payments",
    "workforce",
    "satisfaction_outcomes",
    "benchmarking",
    "provider_kpis",
    "demand_scenarios",
    "data",
]


@pytest.fixture(scope="module")
def contracts(warehouse):
    return warehouse.sql(
        "select contract_id, arg_max(provider, sort_key) from mart_kpi_return_status group by 1 order by 1"
    ).fetchall()


@pytest.fixture
def granted(demo_env, contracts, tmp_path, monkeypatch):
    """The demo's settings plus grants: one person per role, the first contract's provider as 'provider'."""
    from dashboard import shell

    (first, provider), (second, _) = contracts[0], contracts[-1]
    config = tmp_path / "asc.toml"
    config.write_text(Path(os.environ["ASC_CONFIG"]).read_text() + one_person_per_role(first, provider))
    monkeypatch.setenv("ASC_CONFIG", str(config))
    shell.settings.clear()
    yield load_settings(config), first, second
    shell.settings.clear()


def app(email: str | None, page: str | None = None, groups=(), **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = AUTH
    at.user = (
        {"is_logged_in": False}
        if email is None
        else {"is_logged_in": True, "email": email, "name": email.split("@")[0].title(), "groups": list(groups)}
    )
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(f"views/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def refusals(at: AppTest) -> list[str]:
    return [e.value.replace("\\", "").replace("\u2060", "") for e in at.error if e.icon == "🔒"]


@pytest.mark.parametrize("page", PAGES)
def test_nobody_signed_in_sees_only_the_sign_in_button_on_every_page(granted, page):
    at = app(None, page)
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric and not at.dataframe and not at.sidebar.selectbox
    assert not any("Demo mode" in i.value for i in at.info)


def test_the_demo_says_it_has_no_sign_in_on_every_page(demo_env):
    for page in PAGES:
        at = AppTest.from_file(APP, default_timeout=60).run()
        at.switch_page(f"views/{page}.py").run()
        assert any("Demo mode: no sign-in" in i.value for i in at.info), page


def test_someone_signed_in_without_a_grant_is_refused(granted):
    at = app("stranger@elsewhere.example")
    assert any("no role in this dashboard" in r for r in refusals(at)), [e.value for e in at.error]
    assert not at.metric


@pytest.mark.parametrize("page", PAGES)
def test_a_committee_member_reads_every_page(granted, page):
    at = app("councillor@council.example", page)
    assert not refusals(at)
    assert any("Signed in: Councillor (committee member)" in c.value for c in at.sidebar.caption)


def test_a_provider_starts_on_its_own_contract_and_is_refused_other_pages(granted, contracts):
    settings, first, second = granted
    at = app("returns@provider.example")
    assert at.selectbox(key="contract").value == first
    own = {c for c, p in contracts if p == contracts[0][1]}
    assert {o.split(" – ")[0] for o in at.selectbox(key="contract").options} == own
    for page in ("overview", "demand_scenarios", "workforce"):
        assert refusals(app("returns@provider.example", page)) == [
            "This page is for council staff. Providers see their own contracts on the Provider KPIs page and "
            "load their returns on the Data page."
        ]


def test_a_provider_following_a_link_to_another_providers_contract_is_refused(granted, contracts):
    _, first, second = granted
    assert contracts[-1][1] != contracts[0][1]
    at = app("returns@provider.example", "provider_kpis", contract=second)
    assert refusals(at) == ["You can see your own contracts' scorecards only, and this contract is not one of them."]
    assert not at.dataframe and not at.metric


def test_a_provider_cannot_load_another_providers_return(granted):
    _, first, second = granted
    at = app("returns@provider.example", "data")
    csv = f"contract_id,provider,period,kpi_code,numerator,denominator,value,comment\n{second},X,2024/25 Q1,K1,1,2,,\n"
    at.file_uploader[0].set_value(("return.csv", csv.encode(), "text/csv"))
    at.form_submit_button[0].click().run()
    assert any(f"rows for contract(s) {second}, which are not yours; nothing was loaded" in e.value for e in at.error)
    assert "upload_outcome" not in at.session_state
    assert any("not shown to providers" in c.value for c in at.caption)  # no load history of others' files


@pytest.mark.parametrize("email", ["councillor@council.example", "manager@council.example"])
def test_only_data_officers_and_administrators_load_files(granted, email):
    at = app(email, "data")
    at.file_uploader[0].set_value(("x.csv", b"pa_id,locality_code\nP1,E07000008\n", "text/csv"))
    at.form_submit_button[0].click().run()
    assert refusals(at) == ["Only data officers, administrators and providers (their own KPI returns) can load files."]
    assert "upload_outcome" not in at.session_state


def test_a_contract_manager_writes_notes_for_assigned_contracts_only(granted):
    settings, first, second = granted
    before = review_notes.notes_for_quarter(settings, second, "2024/25 Q4").height
    at = app("manager@council.example", "provider_kpis", contract=second, period="2024/25 Q4")
    at.text_area(key="note_commentary").set_value("Looked at it")
    at.form_submit_button[0].click().run()
    assert any("Only the contract manager assigned to this contract" in r for r in refusals(at))
    assert review_notes.notes_for_quarter(settings, second, "2024/25 Q4").height == before

    at = app("manager@council.example", "provider_kpis", contract=first, period="2024/25 Q4")
    at.text_area(key="note_commentary").set_value("Agreed with the provider")
    at.form_submit_button[0].click().run()
    notes = review_notes.notes_for_quarter(settings, first, "2024/25 Q4")
    assert notes.filter(notes["commentary"] == "Agreed with the provider")["author"].to_list() == ["Manager"]


def _actions_shown(at: AppTest):
    return next(d.value for d in at.dataframe if "Owner" in d.value.columns)


def test_a_contract_manager_agrees_and_closes_an_action_and_a_committee_member_cannot(granted):
    settings, first, _ = granted
    at = app("manager@council.example", "provider_kpis", contract=first, period="2024/25 Q3")
    at.text_area(key="note_actions").set_value("Rota review with the provider")
    at.text_input(key="note_owner").set_value("Priya Shah")
    at.date_input(key="note_due").set_value(date(2024, 12, 31))
    at.form_submit_button[0].click().run()
    assert not at.exception
    mine = [
        a
        for a in review_actions.actions_for_quarter(settings, first, "2024/25 Q3").iter_rows(named=True)
        if a["action"] == "Rota review with the provider"
    ]
    assert [(a["owner"], a["due_date"], a["created_by"]) for a in mine] == [("Priya Shah", "2024-12-31", "Manager")]
    action_id = mine[0]["action_id"]

    # Carried into the next quarter's review (overdue by now: due 31 Dec 2024), where the committee member sees it
    # and is refused when trying to mark it done.
    at = app("councillor@council.example", "provider_kpis", contract=first, period="2024/25 Q4")
    shown = _actions_shown(at)
    row = shown[shown["Action"] == "Rota review with the provider"].iloc[0]
    assert row[["Owner", "Due", "Status", "Agreed"]].tolist() == [
        "Priya Shah",
        "31 Dec 2024",
        "Overdue (due 31 Dec 2024)",
        "2024/25 Q3",
    ]
    at.selectbox(key="action_chosen").set_value(action_id).run()
    at.checkbox(key=f"action_done_{action_id}").check()
    at.form_submit_button[1].click().run()
    assert any("Only the contract manager assigned to this contract" in r for r in refusals(at))
    assert review_actions.action(settings, action_id)["done_on"] is None

    # The assigned contract manager marks it done at the 2024/25 Q4 review: it then leaves later quarters.
    at = app("manager@council.example", "provider_kpis", contract=first, period="2024/25 Q4")
    at.selectbox(key="action_chosen").set_value(action_id).run()
    at.checkbox(key=f"action_done_{action_id}").check()
    at.form_submit_button[1].click().run()
    assert not at.exception
    assert any("Action updated" in s.value for s in at.success)
    shown = _actions_shown(at)
    assert shown[shown["Action"] == "Rota review with the provider"]["Status"].iloc[0].startswith("Done ")
    later = review_actions.actions_for_quarter(settings, first, "2025/26 Q1")
    assert action_id not in later["action_id"].to_list()


def test_a_committee_member_cannot_save_a_scenario_and_a_commissioner_saves_a_private_one(granted):
    settings = granted[0]
    at = app("councillor@council.example", "demand_scenarios", tab="Scenario")
    at.text_input(key="scenario_name").set_value("Councillor's idea").run()
    at.button(key="save_scenario").click().run()
    assert any("Only commissioners" in e.value for e in at.error)
    assert "Councillor's idea" not in scenario_store.saved(scenario_store.Levers(), settings, "")

    at = app("planner@council.example", "demand_scenarios", groups=["commissioners"], tab="Scenario")
    at.text_input(key="scenario_name").set_value("Planner's private plan").run()
    at.button(key="save_scenario").click().run()
    assert any("private to you until you share it" in s.value for s in at.success)
    visible_to_others = scenario_store.saved(scenario_store.Levers(), settings, "someone@council.example")
    assert "Planner's private plan" not in visible_to_others
    with pytest.raises(scenario_store.NotYours):
        scenario_store.save("Planner's private plan", scenario_store.Levers(), "2024/25 Q4", settings, "other@x")
    with pytest.raises(scenario_store.NotYours):
        scenario_store.delete("Planner's private plan", settings, "other@x")
    scenario_store.share("Planner's private plan", True, settings, "planner@council.example")
    assert "Planner's private plan" in scenario_store.saved(scenario_store.Levers(), settings, "someone@x")
