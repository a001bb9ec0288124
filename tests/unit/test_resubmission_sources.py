"""Resubmissions for every source (issue 16), and what one changes shown before it is accepted (a dry run)."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.cli import main
from pipelines.config import load_settings
from pipelines.ingest import ingest_paths
from tests.conftest import write_test_config
from tests.unit.test_ingest import build, store_rows, write
from tests.unit.test_record_keys import EPISODE_HEADER, episode

PA_HEADER = "pa_id,locality_code,registered_date,left_date,on_payroll"
SURVEY_HEADER = "survey,response_id,period,question_code,answer"


@pytest.fixture()
def settings(tmp_path):
    return load_settings(write_test_config(tmp_path))


def staged(settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.path("warehouse")), read_only=True) as con:
        return con.sql(sql).fetchall()


def test_a_register_resubmission_withdraws_the_pa_it_no_longer_lists(settings, tmp_path, monkeypatch):
    first = write(
        tmp_path,
        "register.csv",
        [
            PA_HEADER,
            "PA1,E07000008,2024-01-01,,true",
            "PA2,E07000008,2024-01-01,,true",
            "PA3,E07000009,2024-02-01,,false",
        ],
    )
    # PA2 was never on the register (entered in error); PA3 moved to payroll.
    again = write(
        tmp_path,
        "register_resubmission.csv",
        [PA_HEADER, "PA1,E07000008,2024-01-01,,true", "PA3,E07000009,2024-02-01,,true"],
    )
    _, result = ingest_paths([first, again], settings)
    assert (result.changes.added, result.changes.changed, result.changes.withdrawn, result.changes.unchanged) == (
        0,
        1,
        1,
        1,
    )
    build(settings, monkeypatch)
    assert staged(settings, "select pa_id, on_payroll from stg_pa_register order by 1") == [
        ("PA1", True),
        ("PA3", True),
    ]


def test_a_survey_resubmission_replaces_only_its_own_quarter(settings, tmp_path, monkeypatch):
    q1 = [f"dpss_customer,R{i},2024/25 Q1,overall,very_good" for i in (1, 2)]
    q2 = [f"dpss_customer,R{i},2024/25 Q2,overall,good" for i in (3, 4)]
    first = write(tmp_path, "survey.csv", [SURVEY_HEADER, *q1, *q2])
    again = write(tmp_path, "survey_q2.csv", [SURVEY_HEADER, q2[0]])  # R4 withdrawn by the respondent
    ingest_paths([first], settings)
    [result] = ingest_paths([again], settings, resubmission=True)
    assert result.changes.withdrawn == 1 and result.changes.unchanged == 1
    build(settings, monkeypatch)
    assert staged(settings, "select response_id from stg_survey_responses order by 1") == [("R1",), ("R2",), ("R3",)]


def test_an_activity_resubmission_withdraws_an_episode_and_its_dry_run_shows_it_first(
    settings, tmp_path, monkeypatch, capsys
):
    first = write(
        tmp_path,
        "episodes.csv",
        [EPISODE_HEADER, episode("EP-1", "P1", "2024-04-01"), episode("EP-2", "P2", "2024-05-01")],
    )
    ingest_paths([first], settings)
    again = write(
        tmp_path,
        "episodes_may.csv",
        [EPISODE_HEADER, episode("EP-1", "P1", "2024-03-18"), episode("EP-3", "P3", "2024-06-01")],
    )
    config = str(tmp_path / "asc.toml")
    log_before = store_rows(settings, "select count(*) from load_log")

    # The dry run: the difference, and nothing recorded.
    assert main(["--config", config, "ingest", "--dry-run", "--resubmission", str(again)]) == 0
    captured = capsys.readouterr()
    out = " ".join((captured.out + captured.err).split())
    assert "would change the activity rows: 1 row added, 1 changed, 1 withdrawn, 0 unchanged" in out
    assert "changed EP-1: start_date: 2024-04-01 -> 2024-03-18" in out
    assert "added EP-3: episode_id: EP-3; person_id: ph_" in out  # the person as stored, pseudonymised
    assert "withdrawn EP-2: episode_id: EP-2" in out
    assert store_rows(settings, "select count(*) from load_log") == log_before
    assert store_rows(settings, "select count(*) from withdrawals") == [(0,)]

    # Accepted: the same difference, now made.
    [result] = ingest_paths([again], settings, resubmission=True)
    assert result.changes.summary() == "1 row added, 1 changed, 1 withdrawn, 0 unchanged"
    assert [s[:2] for s in result.changes.sample] == [("added", "EP-3"), ("changed", "EP-1"), ("withdrawn", "EP-2")]
    build(settings, monkeypatch)
    assert staged(settings, "select episode_id, start_date::varchar from stg_activity order by 1") == [
        ("EP-1", "2024-03-18"),
        ("EP-3", "2024-06-01"),
    ]


def test_a_resubmission_with_no_good_rows_withdraws_nothing(settings, tmp_path):
    first = write(tmp_path, "register.csv", [PA_HEADER, "PA1,E07000008,2024-01-01,,true"])
    bad = write(tmp_path, "register_resubmission.csv", [PA_HEADER, "PA9,NOWHERE,2024-01-01,,true"])
    _, result = ingest_paths([first, bad], settings)
    assert result.rows_loaded == 0 and result.changes.withdrawn == 0
    assert store_rows(settings, "select count(*) from withdrawals") == [(0,)]
