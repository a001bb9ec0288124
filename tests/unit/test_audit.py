"""The audit trail: one row per action, append-only (the table refuses updates and deletes)."""

from __future__ import annotations

import json

import pytest

from pipelines import audit
from pipelines.config import load_settings
from tests.conftest import write_test_config


@pytest.fixture
def settings(tmp_path):
    return load_settings(write_test_config(tmp_path))


def test_each_action_leaves_one_row_newest_first(settings):
    audit.record(settings, "Ann", "sign_in", "ann@council.example", roles=["administrator"])
    audit.record(settings, "Ann", "upload", "return.csv", sha256="ab12", rows_loaded=10, rows_rejected=2)
    trail = audit.read(settings)
    assert trail["action"].to_list() == ["upload", "sign_in"]
    assert trail["actor"].to_list() == ["Ann", "Ann"]
    assert json.loads(trail["detail"][0]) == {"sha256": "ab12", "rows_loaded": 10, "rows_rejected": 2}


@pytest.mark.parametrize(
    "sql", ["update audit_log set actor = 'Someone else'", "delete from audit_log", "delete from audit_log where 1"]
)
def test_the_trail_refuses_updates_and_deletes(settings, sql):
    audit.record(settings, "Ann", "build", "warehouse.duckdb")
    with pytest.raises(audit.AuditError, match="append-only"):
        audit.try_change(settings, sql)
    assert audit.read(settings)["actor"].to_list() == ["Ann"]


def test_an_unknown_action_is_refused(settings):
    with pytest.raises(KeyError):
        audit.record(settings, "Ann", "rewrite_history")


@pytest.mark.parametrize("sql", ["update audit_log set detail = ''", "delete from audit_log"])
def test_the_app_state_connection_the_pages_use_cannot_change_the_trail_either(settings, sql):
    """The notes and scenarios code's own connection (dashboard.app_state) is refused by the same triggers."""
    import sqlite3

    from dashboard.app_state import connect

    audit.record(settings, "Ann", "scenario_save", "Plan A")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"), connect(settings) as con:
        con.execute(sql)
    assert audit.read(settings).select("actor", "subject").rows() == [("Ann", "Plan A")]
