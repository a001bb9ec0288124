"""Review notes: kept with author and time in the app-state database, shown again next quarter, and
untouched by a warehouse rebuild."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from dashboard import review_notes as notes
from dashboard.present.provider_kpis import notes_table
from pipelines.config import load_settings
from tests.conftest import write_test_config
from tests.unit.test_scorecard import make_kpi_env, scorecard, warehouse_series

MAY = datetime(2025, 5, 6, 13, 5, tzinfo=UTC)


@pytest.fixture()
def settings(tmp_path):
    return load_settings(write_test_config(tmp_path))


def test_a_note_is_kept_with_author_and_time(settings):
    note_id = notes.save_note(
        settings, "HC-02", "2024/25 Q4", "hc_missed_visits", " Missed visits up again ", "Recovery plan", "Sam Lee", MAY
    )
    got = notes.notes_for_quarter(settings, "HC-02", "2024/25 Q4").row(0, named=True)
    assert got == {
        "note_id": note_id,
        "contract_id": "HC-02",
        "period": "2024/25 Q4",
        "kpi_code": "hc_missed_visits",
        "commentary": "Missed visits up again",
        "agreed_actions": "Recovery plan",
        "author": "Sam Lee",
        "created_at": "2025-05-06T13:05:00+00:00",
    }
    # Shown in UK time: 13:05 UTC is 14:05 British Summer Time.
    stored = notes.notes_for_quarter(settings, "HC-02", "2024/25 Q4")
    shown = notes_table(stored, {"hc_missed_visits": "Visits"}, "Review notes, 2024/25 Q4")
    assert shown.columns == ["Quarter", "KPI", "Commentary", "Agreed actions", "Author", "Written"]
    assert shown.rows == [
        ["2024/25 Q4", "Visits", "Missed visits up again", "Recovery plan", "Sam Lee", "6 May 2025 14:05"]
    ]
    # In winter UK time is UTC.
    assert notes.local_time("2025-01-06T09:30:00+00:00") == "6 Jan 2025 09:30"


def test_saving_again_adds_to_the_log_rather_than_overwriting(settings):
    notes.save_note(settings, "HC-01", "2024/25 Q1", "hc_late", "First view", "", "A", MAY)
    notes.save_note(settings, "HC-01", "2024/25 Q1", "hc_late", "After the call", "Weekly calls", "B", MAY)
    history = notes.notes_for_kpi(settings, "HC-01", "hc_late")
    assert history["commentary"].to_list() == ["First view", "After the call"]
    assert notes.notes_for_quarter(settings, "HC-01", "2024/25 Q2").is_empty()


@pytest.mark.parametrize(
    ("commentary", "actions", "author", "period", "message"),
    [
        ("Fine", "", "  ", "2024/25 Q1", "Say who is writing"),
        ("  ", "", "Sam", "2024/25 Q1", "Write a commentary or an agreed action"),
        ("x" * 5001, "", "Sam", "2024/25 Q1", "limited to 5,000 characters"),
        ("Fine", "", "Sam", "Q5 2024", "not a quarter"),
    ],
)
def test_bad_notes_are_refused(settings, commentary, actions, author, period, message):
    with pytest.raises(ValueError, match=message):
        notes.save_note(settings, "HC-01", period, "hc_late", commentary, actions, author)
    assert notes.notes_for_kpi(settings, "HC-01", "hc_late").is_empty()


def test_actions_agreed_last_time_come_from_the_latest_earlier_review(settings):
    notes.save_note(settings, "HC-02", "2023/24 Q4", "hc_missed", "", "Old action", "Sam", MAY)
    notes.save_note(settings, "HC-02", "2024/25 Q2", "hc_missed", "Worse", "Recovery plan by June", "Sam", MAY)
    notes.save_note(settings, "HC-02", "2024/25 Q2", "hc_late", "Only a comment", "", "Sam", MAY)
    notes.save_note(settings, "HC-01", "2024/25 Q2", "hc_missed", "", "Another contract's action", "Sam", MAY)
    notes.save_note(settings, "HC-02", "2024/25 Q4", "hc_missed", "", "Later action", "Sam", MAY)

    period, actions = notes.actions_agreed_last_time(settings, "HC-02", "2024/25 Q3")
    assert period == "2024/25 Q2"
    assert actions["agreed_actions"].to_list() == ["Recovery plan by June"]
    # No review in 2024/25 Q3: reviewing Q4 still shows what was agreed in Q2; reviewing 2025/26 Q1 shows Q4's.
    assert notes.actions_agreed_last_time(settings, "HC-02", "2024/25 Q4")[0] == "2024/25 Q2"
    assert notes.actions_agreed_last_time(settings, "HC-02", "2025/26 Q1")[0] == "2024/25 Q4"
    # Quarters compare as quarters: 2023/24 Q4 is the review before 2024/25 Q1.
    assert notes.actions_agreed_last_time(settings, "HC-02", "2024/25 Q1")[0] == "2023/24 Q4"
    period, actions = notes.actions_agreed_last_time(settings, "HC-02", "2023/24 Q4")
    assert period is None and actions.is_empty()


def test_notes_survive_a_warehouse_rebuild(tmp_path, monkeypatch):
    from pipelines import build

    settings = make_kpi_env(tmp_path, monkeypatch)
    notes.save_note(settings, "HC-01", "2024/25 Q1", "hc_missed", "1.5% missed", "Check rota cover", "Sam", MAY)
    before = os.stat(settings.path("warehouse")).st_ino
    build.build_warehouse(settings)
    assert os.stat(settings.path("warehouse")).st_ino != before  # a new warehouse file was swapped in
    assert settings.path("app_state") != settings.path("warehouse")
    kept = notes.notes_for_quarter(settings, "HC-01", "2024/25 Q1")
    assert kept.select("kpi_code", "commentary", "agreed_actions", "author").rows() == [
        ("hc_missed", "1.5% missed", "Check rota cover", "Sam")
    ]
    # Next quarter's review shows them as the actions agreed last time, beside the rebuilt scorecard.
    assert notes.actions_agreed_last_time(settings, "HC-01", "2024/25 Q2")[0] == "2024/25 Q1"
    assert scorecard(warehouse_series(settings, "HC-01"), "2024/25 Q1")["kpi_code"].to_list() == [
        "hc_missed",
        "hc_hours",
    ]
