"""Review actions that can be followed up: owner, due date and status; carried into later quarters until done;
overdue worked out from the due date and the day; only the assigned contract manager (or an administrator) may
write them, refused where the write happens; notes from before actions existed are migrated."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime

import pytest

from dashboard import review_actions as actions
from dashboard import review_notes as notes
from dashboard.present.provider_kpis import actions_table
from pipelines import audit
from pipelines.access import AccessRefused, Person
from pipelines.config import load_settings
from tests.conftest import write_test_config

MAY = datetime(2024, 5, 6, 13, 5, tzinfo=UTC)
SAM = Person("sam@council.example", "Sam Lee", frozenset({"contract_manager"}), frozenset({"HC-01"}))
ADMIN = Person("ann@council.example", "Ann Admin", frozenset({"administrator"}))
COMMITTEE = Person("cllr@council.example", "Cllr Jones", frozenset({"committee_member"}), all_contracts=True)
NAMES = {"hc_missed": "Visits missed"}


@pytest.fixture()
def settings(tmp_path):
    return load_settings(write_test_config(tmp_path))


def listed(settings, period, contract="HC-01"):
    return actions.actions_for_quarter(settings, contract, period)["action"].to_list()


def shown(settings, period, today, contract="HC-01"):
    return actions_table(actions.actions_for_quarter(settings, contract, period), NAMES, period, today).rows


def test_the_life_cycle_of_an_action(settings):
    _, action_id = actions.save_note_with_action(
        settings,
        SAM,
        "HC-01",
        "2024/25 Q1",
        "hc_missed",
        "Missed visits up",
        "Recovery plan",
        "Sam Lee",
        owner="Priya Shah",
        due=date(2024, 9, 30),
        now=MAY,
    )
    actions.save_note_with_action(settings, SAM, "HC-01", "2024/25 Q1", "hc_missed", "Only a comment", "", "Sam Lee")
    assert listed(settings, "2023/24 Q4") == []  # not before it was agreed
    assert listed(settings, "2024/25 Q1") == ["Recovery plan"]
    # Open until the due date, overdue the day after: worked out from the day, nothing stored changes.
    assert shown(settings, "2024/25 Q1", date(2024, 9, 30)) == [
        ["Visits missed", "Recovery plan", "Priya Shah", "30 Sep 2024", "Open", "2024/25 Q1 (this review)"]
    ]
    assert shown(settings, "2024/25 Q2", date(2024, 10, 1)) == [
        ["Visits missed", "Recovery plan", "Priya Shah", "30 Sep 2024", "Overdue (due 30 Sep 2024)", "2024/25 Q1"]
    ]
    # Carried into every later review while open.
    assert listed(settings, "2024/25 Q3") == ["Recovery plan"]
    assert listed(settings, "2025/26 Q2") == ["Recovery plan"]

    # Marked done at the 2024/25 Q3 review: shown done there, gone from later reviews, still open in earlier ones.
    actions.update_action(
        settings,
        SAM,
        action_id,
        "Recovery plan",
        "Priya Shah",
        date(2024, 9, 30),
        True,
        "2024/25 Q3",
        today=date(2025, 1, 20),
    )
    assert shown(settings, "2024/25 Q3", date(2025, 2, 1))[0][4] == "Done 20 Jan 2025"
    assert listed(settings, "2024/25 Q4") == []
    assert listed(settings, "2024/25 Q2") == ["Recovery plan"]
    # Opened again: carried forward once more.
    actions.update_action(
        settings, SAM, action_id, "Recovery plan v2", "Sam Lee", date(2025, 3, 31), False, "2024/25 Q4"
    )
    assert actions.action(settings, action_id)["done_on"] is None
    assert listed(settings, "2024/25 Q4") == ["Recovery plan v2"]


def test_an_action_without_owner_or_due_date_gets_the_author_and_the_next_quarter_end(settings):
    _, action_id = actions.save_note_with_action(
        settings, SAM, "HC-01", "2024/25 Q4", "hc_missed", "", "Weekly calls", "Sam Lee"
    )
    got = actions.action(settings, action_id)
    assert (got["owner"], got["due_date"], got["raised_period"]) == ("Sam Lee", "2025-06-30", "2024/25 Q4")


@pytest.mark.parametrize(
    ("text", "owner", "due", "message"),
    [
        ("  ", "Sam", date(2025, 1, 1), "Write what was agreed"),
        ("Plan", " ", date(2025, 1, 1), "who owns"),
        ("Plan", "Sam", None, "due date"),
        ("x" * 5001, "Sam", date(2025, 1, 1), "limited to 5,000"),
    ],
)
def test_bad_edits_are_refused_and_change_nothing(settings, text, owner, due, message):
    _, action_id = actions.save_note_with_action(settings, SAM, "HC-01", "2024/25 Q1", "hc_missed", "", "Plan", "Sam")
    with pytest.raises(actions.ActionRejected, match=message):
        actions.update_action(settings, SAM, action_id, text, owner, due, False, "2024/25 Q1")
    assert actions.action(settings, action_id)["action"] == "Plan"


def test_who_may_write_and_edit_actions(settings):
    # The contract manager assigned to HC-01 writes there, not on HC-02; a committee member nowhere.
    _, mine = actions.save_note_with_action(settings, SAM, "HC-01", "2024/25 Q1", "hc_missed", "", "Plan", "Sam")
    for person, contract in ((SAM, "HC-02"), (COMMITTEE, "HC-01")):
        with pytest.raises(AccessRefused, match="Only the contract manager assigned"):
            actions.save_note_with_action(settings, person, contract, "2024/25 Q1", "hc_missed", "x", "Other", "X")
    assert listed(settings, "2024/25 Q1", "HC-02") == []
    assert notes.notes_for_quarter(settings, "HC-02", "2024/25 Q1").is_empty()

    # An administrator writes anywhere; the HC-01 manager cannot edit HC-02's action, nor a committee member HC-01's.
    _, theirs = actions.save_note_with_action(settings, ADMIN, "HC-02", "2024/25 Q1", "hc_missed", "", "Audit", "Ann")
    with pytest.raises(AccessRefused):
        actions.update_action(settings, SAM, theirs, "Changed", "Sam", date(2025, 1, 1), True, "2024/25 Q1")
    with pytest.raises(AccessRefused):
        actions.update_action(settings, COMMITTEE, mine, "Changed", "Sam", date(2025, 1, 1), True, "2024/25 Q1")
    assert (actions.action(settings, theirs)["action"], actions.action(settings, mine)["action"]) == ("Audit", "Plan")
    actions.update_action(settings, ADMIN, mine, "Plan agreed with Ann", "Sam", date(2025, 1, 1), False, "2024/25 Q1")
    assert actions.action(settings, mine)["updated_by"] == "Ann Admin"


def test_writes_and_edits_leave_an_audit_row_with_the_previous_text(settings):
    _, action_id = actions.save_note_with_action(
        settings, SAM, "HC-01", "2024/25 Q1", "hc_missed", "Comment", "Plan", "Sam Lee", due=date(2024, 9, 30)
    )
    actions.update_action(
        settings,
        SAM,
        action_id,
        "Better plan",
        "Sam Lee",
        date(2024, 12, 31),
        True,
        "2024/25 Q2",
        today=date(2024, 11, 1),
    )
    trail = audit.read(settings)
    assert trail["action"].to_list() == ["action_edit", "action_write"]  # the page records the note itself
    edit = trail.row(0, named=True)
    assert (edit["actor"], edit["subject"]) == ("Sam Lee", f"HC-01 action {action_id}")
    detail = json.loads(edit["detail"])
    assert detail["previous"] == {"action": "Plan", "owner": "Sam Lee", "due_date": "2024-09-30", "done_on": None}
    assert detail["now"]["action"] == "Better plan" and detail["now"]["done_on"] == "2024-11-01"


def test_notes_written_before_actions_existed_are_migrated_once(settings):
    # A database as it was: notes only, no review_actions table.
    notes.save_note(settings, "HC-01", "2023/24 Q4", "hc_missed", "", "Old action", "Sam Lee", MAY)
    notes.save_note(settings, "HC-01", "2024/25 Q1", "hc_missed", "Comment only", "", "Sam Lee", MAY)
    with sqlite3.connect(settings.path("app_state")) as con:
        assert con.execute("select count(*) from sqlite_master where name = 'review_actions'").fetchone()[0] == 0
    assert listed(settings, "2024/25 Q1") == ["Old action"]
    assert listed(settings, "2024/25 Q2") == ["Old action"]  # read again: still one, not migrated twice
    migrated = actions.actions_for_quarter(settings, "HC-01", "2024/25 Q1").row(0, named=True)
    assert (migrated["owner"], migrated["due_date"], migrated["raised_period"]) == (
        "Sam Lee",
        "2024-06-30",
        "2023/24 Q4",
    )
    assert shown(settings, "2024/25 Q1", date(2024, 7, 1))[0][4] == "Overdue (due 30 Jun 2024)"
