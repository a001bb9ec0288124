# ruff: noqa: F811 (the fixtures imported from other test modules are redefined as arguments)
"""The audit trail as the pages and commands write it: each action leaves exactly one row naming who did it.

Sign-in, notes, scenarios, refusals and downloads run the whole app with sign-in on (``tests/app/test_roles.py``'s
grants); uploads run the Data page on a small warehouse of its own (an upload rebuilds the warehouse), and
``asc ingest`` / ``asc build`` run through the command's own entry point.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os

from streamlit.testing.v1 import AppTest

from pipelines import audit
from pipelines.access import Person
from pipelines.cli import main
from pipelines.config import PROJECT_ROOT
from tests.app.surfaces import open_expanders
from tests.app.test_data_page import data_env  # noqa: F401 (a fixture)
from tests.app.test_roles import APP, AUTH, app, contracts, granted  # noqa: F401 (fixtures)
from tests.unit.test_ingest import GOOD, HEADER, write

DATA_PAGE = str(PROJECT_ROOT / "dashboard" / "views" / "data.py")


def newest_id(settings) -> int:
    trail = audit.read(settings, limit=1)
    return trail["audit_id"][0] if trail.height else 0


def rows_since(settings, since: int, action: str | None = None) -> list[dict]:
    """Rows written after ``since``, oldest first, with their detail read back from JSON."""
    trail = audit.read(settings).filter(audit.read(settings)["audit_id"] > since).reverse()
    found = [r | {"detail": json.loads(r["detail"]) if r["detail"] else {}} for r in trail.iter_rows(named=True)]
    return [r for r in found if action is None or r["action"] == action]


def test_a_sign_in_is_one_row_per_session_with_the_roles_found(granted):
    settings = granted[0]
    since = newest_id(settings)
    at = app("admin@council.example")
    at.run()
    at.switch_page("views/workforce.py").run()
    signed = rows_since(settings, since, "sign_in")
    assert [(r["actor"], r["subject"]) for r in signed] == [("Admin", "admin@council.example")]
    assert signed[0]["detail"]["roles"] == ["administrator"]


def test_a_new_tab_on_the_same_sign_in_is_not_another_sign_in(granted):
    """Each tab or reload is a new session; the identity provider's token issue time tells a new sign-in."""
    settings = granted[0]
    since = newest_id(settings)
    for issued_at in (1_765_000_000, 1_765_000_000, 1_765_003_600):  # two tabs on one sign-in, then a new one
        at = AppTest.from_file(APP, default_timeout=60)
        at.secrets["auth"] = AUTH
        at.user = {"is_logged_in": True, "email": "data@council.example", "name": "Dana", "iat": issued_at}
        at.run()
        assert not at.exception
    signed = rows_since(settings, since, "sign_in")
    assert [(r["actor"], r["detail"]["token_issued_at"]) for r in signed] == [
        ("Dana", 1_765_000_000),
        ("Dana", 1_765_003_600),
    ]


def test_the_demo_has_no_sign_in_and_nobody_signed_in_leaves_no_row(granted, demo_env):
    settings = granted[0]
    since = newest_id(settings)
    app(None)
    AppTest.from_file(APP, default_timeout=60).run()
    assert rows_since(settings, since, "sign_in") == []


def test_a_note_names_its_writer_and_keeps_the_text_it_follows(granted):
    settings, first, _ = granted
    since = newest_id(settings)
    for text in ("Returns late again", "Provider has sent the missing return"):
        at = app("manager@council.example", "provider_kpis", contract=first, period="2024/25 Q3")
        at.text_area(key="note_commentary").set_value(text)
        at.form_submit_button[0].click().run()
    notes = rows_since(settings, since, "note_write")
    assert [r["actor"] for r in notes] == ["Manager", "Manager"]
    assert notes[0]["subject"].startswith(f"{first} 2024/25 Q3 ")
    assert notes[1]["detail"]["commentary"] == "Provider has sent the missing return"
    assert notes[1]["detail"]["previous"]["commentary"] == "Returns late again"
    assert notes[1]["detail"]["previous"]["note_id"] == notes[0]["detail"]["note_id"]


def test_a_refused_note_is_recorded_as_refused_not_written(granted):
    settings, _, second = granted
    since = newest_id(settings)
    at = app("manager@council.example", "provider_kpis", contract=second, period="2024/25 Q3")
    at.text_area(key="note_commentary").set_value("Not my contract")
    at.form_submit_button[0].click().run()
    assert rows_since(settings, since, "note_write") == []
    refused = rows_since(settings, since, "refused")
    assert [(r["actor"], r["subject"], r["detail"]) for r in refused] == [
        ("Manager", "write_note", {"contract": second})
    ]


def test_scenario_save_share_and_delete_each_leave_one_row(granted):
    settings = granted[0]
    since = newest_id(settings)
    at = app("planner@council.example", "demand_scenarios", groups=["commissioners"], tab="Scenario")
    at.text_input(key="scenario_name").set_value("Audit plan").run()
    at.button(key="save_scenario").click().run()
    at.session_state["tab"] = at.query_params["tab"] = "Compare scenarios"  # saved scenarios are managed there
    at.run()
    at.selectbox(key="manage_scenario").set_value("Audit plan").run()
    at.button(key="share").click().run()
    at.button(key="delete").click().run()
    assert not at.exception
    done = [(r["actor"], r["action"], r["subject"]) for r in rows_since(settings, since) if r["action"] != "sign_in"]
    assert done == [
        ("Planner", "scenario_save", "Audit plan"),
        ("Planner", "scenario_share", "Audit plan"),
        ("Planner", "scenario_delete", "Audit plan"),
    ]
    saved = rows_since(settings, since, "scenario_save")[0]["detail"]
    assert saved["levers"]["population_variant"] == "projection"


def test_a_committee_member_s_refused_save_is_recorded(granted):
    settings = granted[0]
    since = newest_id(settings)
    at = app("councillor@council.example", "demand_scenarios", tab="Scenario")
    at.text_input(key="scenario_name").set_value("Councillor's idea").run()
    at.button(key="save_scenario").click().run()
    assert [(r["actor"], r["subject"]) for r in rows_since(settings, since, "refused")] == [
        ("Councillor", "save_scenario")
    ]
    assert rows_since(settings, since, "scenario_save") == []


def test_each_download_taken_is_one_row_and_a_button_drawn_is_none(granted):
    settings, first, _ = granted
    since = newest_id(settings)
    at = app("councillor@council.example", "demand_scenarios", tab="Scenario")
    assert rows_since(settings, since, "export_download") == []  # drawing the buttons records nothing
    at.download_button(key="scenario_csv").click().run()
    at.session_state["tab"] = at.query_params["tab"] = "Forecasts"  # a chart with its data as a table and a CSV
    open_expanders(at.run())  # the table and its CSV are built once "Show as table" is opened
    chart_csv = next(b for b in at.download_button if (b.key or "").startswith("download-"))
    chart_csv.click().run()
    at = app("councillor@council.example", "provider_kpis", contract=first, period="2024/25 Q4")
    # The KPI files are made when the button is pressed, so the row is written by their maker (next test);
    # pressing the button sends nothing back to the page.
    at.download_button(key="download_excel").click().run()
    taken = rows_since(settings, since, "export_download")
    assert [(r["actor"], r["subject"]) for r in taken] == [
        ("Councillor", "scenario.csv"),
        ("Councillor", f"{chart_csv.key.removeprefix('download-')}.csv"),
    ]


def _made_on_click_page() -> None:
    """A page whose download is made when pressed: the maker is built while drawing and called later."""
    import streamlit as st

    from dashboard.shell.audit import made_on_click

    maker = made_on_click(lambda: b"workbook", "kpi-review.xlsx", contract="HC-01", quarter="2024/25 Q4")
    if st.session_state.get("take"):
        st.session_state["taken"] = maker()


def test_a_file_made_when_pressed_is_one_row_once_made(granted):
    settings = granted[0]
    since = newest_id(settings)
    at = AppTest.from_function(_made_on_click_page, default_timeout=60)
    at.session_state["_person"] = Person("councillor@council.example", "Councillor", frozenset({"committee_member"}))
    at.run()
    assert rows_since(settings, since, "export_download") == []  # drawn, not taken
    at.session_state["take"] = True
    at.run()
    assert at.session_state["taken"] == b"workbook"
    taken = rows_since(settings, since, "export_download")
    assert [(r["actor"], r["subject"], r["detail"]) for r in taken] == [
        ("Councillor", "kpi-review.xlsx", {"contract": "HC-01", "quarter": "2024/25 Q4"})
    ]


# Uploads, on a warehouse of their own --------------------------------------------------------------------


def data_officer_page() -> AppTest:
    at = AppTest.from_file(DATA_PAGE, default_timeout=60)
    at.session_state["_person"] = Person("dana@council.example", "Dana", frozenset({"data_officer"}))
    return at.run()


def test_an_upload_is_one_row_with_its_hash_and_rows_and_its_rebuild_another(data_env):  # noqa: F811
    since = newest_id(data_env)
    body = ("\n".join([HEADER, GOOD.replace("P1", "P9"), GOOD.replace("2024-04-01", "2099-01-01")]) + "\n").encode()
    at = data_officer_page()
    at.file_uploader[0].set_value(("march extract.csv", body, "text/csv"))
    at.form_submit_button[0].click().run()
    assert not at.exception
    trail = rows_since(data_env, since)
    assert [(r["actor"], r["action"], r["subject"]) for r in trail] == [
        ("Dana", "upload", "march extract.csv"),
        ("Dana", "build", "warehouse"),
    ]
    detail = trail[0]["detail"]
    assert detail["sha256"] == hashlib.sha256(body).hexdigest()
    assert (detail["rows_loaded"], detail["rows_rejected"], detail["source"]) == (1, 1, "activity")
    assert trail[1]["detail"]["outcome"] == "rebuilt"


def test_a_refused_upload_is_one_row_with_the_reason(data_env):  # noqa: F811
    since = newest_id(data_env)
    at = data_officer_page()
    at.file_uploader[0].set_value(("report.csv", b"PK\x03\x04 a zip really", "text/csv"))
    at.form_submit_button[0].click().run()
    trail = rows_since(data_env, since)
    assert [(r["actor"], r["action"], r["subject"]) for r in trail] == [("Dana", "upload_refused", "report.csv")]
    assert "not a text (CSV) file" in trail[0]["detail"]["reason"]


def test_asc_ingest_and_asc_build_each_leave_rows_naming_the_account(data_env, tmp_path, monkeypatch):  # noqa: F811
    from pipelines import build as build_module

    monkeypatch.setattr(build_module, "PYTHON_STEPS", ())  # the forecasts take seconds and are not audited apart
    config = os.environ["ASC_CONFIG"]  # the fixture's settings file
    since = newest_id(data_env)
    path = write(tmp_path, "april.csv", [HEADER, GOOD.replace("P1", "P77")])
    assert main(["--config", config, "ingest", str(path)]) == 0
    assert main(["--config", config, "build"]) == 0
    trail = rows_since(data_env, since)
    who = f"asc CLI ({getpass.getuser()})"
    assert [(r["actor"], r["action"], r["subject"]) for r in trail] == [
        (who, "upload", "april.csv"),
        (who, "build", "warehouse"),
    ]
    assert trail[0]["detail"]["rows_loaded"] == 1 and trail[0]["detail"]["via"] == "asc ingest"
    assert trail[1]["detail"]["outcome"] == "rebuilt"
