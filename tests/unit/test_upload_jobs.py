"""Background uploads (pipelines/upload_jobs.py): a process of their own, progress and outcome in the app state."""

from __future__ import annotations

import sqlite3
import time

import pytest

from pipelines.config import load_settings
from pipelines.upload import UploadRefused
from pipelines.upload_jobs import STALE_SECONDS, job_status, start_upload
from tests.conftest import write_test_config
from tests.unit.test_ingest import GOOD, HEADER


@pytest.fixture()
def settings(tmp_path):
    return load_settings(write_test_config(tmp_path))


def wait(settings, job: str, seconds: float = 120):
    deadline = time.monotonic() + seconds
    while not (status := job_status(settings, job)).finished and time.monotonic() < deadline:
        time.sleep(0.3)
    return status


def test_a_job_loads_the_file_in_another_process_and_keeps_its_outcome(settings):
    data = "\n".join([HEADER, GOOD, GOOD.replace(",70,", ",700,")]).encode()
    job = start_upload(settings, "extract.csv", data, "tester", "activity", dry_run=True)
    assert job_status(settings, job).status in ("queued", "running", "done")
    status = wait(settings, job)
    assert (status.status, status.file_name) == ("done", "extract.csv")
    [result] = status.outcome.results
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("dry_run", 1, 1)
    assert result.rejects.rows() == [(3, "age", "700", "age must not be above 120")]


def test_an_upload_refused_on_arrival_starts_no_job(settings):
    with pytest.raises(UploadRefused, match="only .csv"):
        start_upload(settings, "notes.txt", b"hello", "tester")
    assert not settings.path("app_state").exists()  # no job recorded, no process started


def test_a_job_whose_process_died_is_said_to_have_failed(settings):
    job = start_upload(settings, "extract.csv", "\n".join([HEADER, GOOD]).encode(), "tester", dry_run=True)
    wait(settings, job)
    with sqlite3.connect(settings.path("app_state")) as con:  # as if its process were killed while running
        con.execute(
            "update upload_jobs set status = 'running', updated_at = ? where job_id = ?",
            [time.time() - STALE_SECONDS - 1, job],
        )
    status = job_status(settings, job)
    assert status.status == "failed" and "stopped without finishing" in status.stage
    assert job_status(settings, "no-such-job") is None
