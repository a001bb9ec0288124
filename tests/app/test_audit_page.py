# ruff: noqa: F811 (the fixtures imported from another test module are redefined as arguments)
"""The Audit trail page: an administrator filters, reads and downloads the trail; every other role is refused."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.present.audit import trail_view
from pipelines import audit
from pipelines.access import Person
from pipelines.config import PROJECT_ROOT
from tests.app.test_audit_trail import newest_id, rows_since
from tests.app.test_roles import app, contracts, granted, refusals  # noqa: F401 (fixtures)

PAGE = str(PROJECT_ROOT / "dashboard" / "views" / "audit.py")
REFUSED = "Only administrators can see the audit trail."


def audit_page(email: str = "admin@council.example", groups=()) -> AppTest:
    return app(email, "audit", groups=groups)


def test_an_administrator_reads_the_trail_newest_first_as_plain_text(granted):
    settings = granted[0]
    audit.record(settings, "Ann Other", "upload", "**bold** [login](https://evil.example)", rows_loaded=3)
    at = audit_page()
    assert not refusals(at)
    table = at.dataframe[0].value
    assert list(table.columns) == ["When (UK time)", "Who", "Action", "Subject", "Detail"]
    first = table.iloc[0]  # the admin's own sign-in is the newest row
    assert (first["Who"], first["Action"], first["Subject"]) == ("Admin", "signed in", "admin@council.example")
    upload = table[table["Who"] == "Ann Other"].iloc[0]
    assert upload["Subject"] == "**bold** [login](https://evil.example)"  # as typed, never a link
    assert (upload["Action"], upload["Detail"]) == ("loaded a file", "rows_loaded: 3")


def test_filters_by_who_action_and_date(granted):
    settings = granted[0]
    audit.record(settings, "Filter Person", "scenario_save", "Plan F")
    audit.record(settings, "Filter Person", "scenario_delete", "Plan F")
    at = audit_page()
    at.multiselect(key="audit_actors").set_value(["Filter Person"]).run()
    assert at.dataframe[0].value["Action"].tolist() == ["deleted a scenario", "saved a scenario"]
    at.multiselect(key="audit_actions").set_value(["scenario_save"]).run()
    assert at.dataframe[0].value["Subject"].tolist() == ["Plan F"]
    yesterday = date.today() - timedelta(days=1)
    at.date_input(key="audit_dates").set_value((yesterday - timedelta(days=7), yesterday)).run()
    assert at.dataframe[0].value.empty
    assert "No audit rows match these filters." in [c.value for c in at.caption]
    at.date_input(key="audit_dates").set_value((yesterday, date.today() + timedelta(days=1))).run()
    assert at.dataframe[0].value["Subject"].tolist() == ["Plan F"]


def test_the_download_is_every_matching_row_and_is_itself_audited(granted):
    settings = granted[0]
    audit.record(settings, "Download Person", "build", "warehouse", outcome="rebuilt")
    at = audit_page()
    at.multiselect(key="audit_actors").set_value(["Download Person"]).run()
    since = newest_id(settings)
    at.download_button(key="download-audit").click().run()
    taken = rows_since(settings, since, "export_download")
    assert [(r["actor"], r["subject"]) for r in taken] == [("Admin", "audit_trail.csv")]
    assert taken[0]["detail"]["actors"] == ["Download Person"]
    # The file the button holds: every row these filters match, as stored (the presenter the page calls).
    csv_text = trail_view(audit.read(settings, actors=["Download Person"])).csv
    downloaded = list(csv.DictReader(io.StringIO(csv_text)))
    assert [(r["actor"], r["action"], r["subject"]) for r in downloaded] == [("Download Person", "build", "warehouse")]
    assert downloaded[0]["at"].endswith("+00:00") and '"outcome": "rebuilt"' in downloaded[0]["detail"]


@pytest.mark.parametrize(
    "email, groups",
    [
        ("councillor@council.example", ()),
        ("manager@council.example", ()),
        ("planner@council.example", ("commissioners",)),
        ("data@council.example", ()),
        ("returns@provider.example", ()),
    ],
)
def test_every_other_role_is_refused_in_plain_words(granted, email, groups):
    at = audit_page(email, groups)
    assert refusals(at) == [REFUSED]
    assert not at.dataframe and not at.download_button


def test_the_page_itself_refuses_whatever_the_router_did(granted):
    """Opened without the router (a page file run on its own), the page still checks the role."""
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["_person"] = Person("data@council.example", "Dana", frozenset({"data_officer"}))
    at.run()
    assert [e.value for e in at.error] == [REFUSED]
    assert not at.dataframe and not at.download_button
