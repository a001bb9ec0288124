"""Stable record keys (issue 16): a record is known by its reference (an episode's, a review's), not by values a
correction may change, so a corrected start date replaces the episode instead of giving the person a second one."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.config import load_settings
from pipelines.ingest import ingest_paths
from pipelines.schemas import ALL_SOURCES
from tests.conftest import write_test_config
from tests.unit.test_ingest import HEADER, PSR, build, write

EPISODE_HEADER = f"episode_id,{HEADER}"


def episode(episode_id: str, person: str, start: str, hours: int = 10) -> str:
    return f"{episode_id},{person},70,female,{PSR},E07000008,home_care,council_arranged,{start},,{hours},220,HC-01"


def staged(settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.path("warehouse")), read_only=True) as con:
        return con.sql(sql).fetchall()


@pytest.fixture()
def settings(tmp_path):
    return load_settings(write_test_config(tmp_path))


def test_a_corrected_start_date_replaces_the_episode(settings, tmp_path, monkeypatch):
    first = write(
        tmp_path,
        "episodes.csv",
        [EPISODE_HEADER, episode("EP-1", "P1", "2024-04-01"), episode("EP-2", "P2", "2024-05-01")],
    )
    # The case system corrects P1's start date: the same episode, EP-1, sent again.
    fix = write(tmp_path, "episodes_fix.csv", [EPISODE_HEADER, episode("EP-1", "P1", "2024-03-18", hours=12)])
    assert [r.status for r in ingest_paths([first, fix], settings)] == ["loaded", "loaded"]
    build(settings, monkeypatch)
    rows = staged(settings, "select episode_id, start_date::varchar, weekly_hours from stg_activity order by 1")
    assert rows == [("EP-1", "2024-03-18", 12.0), ("EP-2", "2024-05-01", 10.0)]
    # One person, one episode: not two open home care episodes for P1.
    assert staged(settings, "select count(distinct person_id), count(*) from stg_activity") == [(2, 2)]


def test_without_episode_id_the_fallback_key_keeps_the_old_behaviour(settings, tmp_path, monkeypatch):
    """A layout without episode_id is keyed by person, service and start date (documented in the schema):
    a resend of the same values replaces, a corrected start date is a new episode."""
    plain = f"P1,70,female,{PSR},E07000008,home_care,council_arranged,2024-04-01,,10,220,HC-01"
    first = write(tmp_path, "a.csv", [HEADER, plain])
    again = write(tmp_path, "b.csv", [HEADER, plain.replace(",10,220,", ",11,220,")])
    moved = write(tmp_path, "c.csv", [HEADER, plain.replace("2024-04-01", "2024-03-18")])
    ingest_paths([first, again, moved], settings)
    build(settings, monkeypatch)
    assert staged(settings, "select start_date::varchar, weekly_hours from stg_activity order by 1") == [
        ("2024-03-18", 10.0),
        ("2024-04-01", 11.0),
    ]
    assert "episode_id" in ALL_SOURCES["activity"].column("episode_id").name  # declared, with its fallback
    assert "person, service and start date" in ALL_SOURCES["activity"].column("episode_id").description


def test_two_rows_of_one_episode_in_a_file_are_a_duplicate_whatever_their_dates(settings, tmp_path):
    path = write(
        tmp_path,
        "episodes.csv",
        [EPISODE_HEADER, episode("EP-1", "P1", "2024-04-01"), episode("EP-1", "P1", "2024-03-18")],
    )
    [result] = ingest_paths([path], settings)
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded_with_rejects", 1, 1)
    [(row, column, value, reason)] = result.rejects.rows()
    assert (row, column, value, reason) == (3, "episode_id", "EP-1", "same episode_id as row 2")


def test_rows_without_a_reference_are_duplicates_by_the_fallback_values(settings, tmp_path):
    plain = f",P1,70,female,{PSR},E07000008,home_care,council_arranged,2024-04-01,,10,220,HC-01"
    [result] = ingest_paths([write(tmp_path, "e.csv", [EPISODE_HEADER, plain, plain])], settings)
    [(row, column, _value, reason)] = result.rejects.rows()
    assert (row, column, reason) == (3, "person_id", "same person_id, service_type and start_date as row 2")
