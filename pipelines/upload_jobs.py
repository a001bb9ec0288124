"""Uploads processed in the background: a process of their own, never inside anyone's page render.

The Data page hands an upload over (``start_upload``) and returns at once; a separate Python process, started at
a lower priority (``nice``), checks and loads the file and rebuilds the warehouse with exactly the code ``asc
ingest`` runs (``upload.ingest_upload``). Its progress (queued, running and at which step, done or failed) and at
the end its outcome are kept in the application-state database (table ``upload_jobs``), so the page polls them,
whichever dashboard process serves it, and other people's pages keep their own processes' time: an upload of 200k
rows once slowed every other page from 1.9 s to 5.1 s when it ran inside the dashboard (issue 16).
"""

from __future__ import annotations

import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from pipelines.config import Settings
from pipelines.upload import UploadOutcome, UploadRefused, check_upload

JOB_PREFIX = "asc-upload-job-"  # the job's folder (the file and what to do with it), removed when it ends
JOB_PID_FILE = "pid"  # the job process's id, written as it starts (ingest.remove_stale_files reads it)
STALE_SECONDS = 6 * 3600  # a job that has not moved for this long died with its process: said as failed
NICENESS = 10  # below the dashboard's renders in the scheduler's eyes
SCHEMA = """
    create table if not exists upload_jobs (
        job_id text primary key, file_name text, actor text, status text, stage text,
        started_at real, updated_at real, outcome blob)"""


@dataclass
class JobStatus:
    job_id: str
    file_name: str
    status: str  # queued | running | done | failed
    stage: str
    seconds: float
    outcome: UploadOutcome | None = None

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")


def _connect(settings: Settings) -> sqlite3.Connection:
    path = settings.path("app_state")
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10)
    con.execute(SCHEMA)
    return con


def _update(settings: Settings, job_id: str, **values) -> None:
    values["updated_at"] = time.time()
    names = ", ".join(f"{k} = ?" for k in values)
    con = _connect(settings)
    try:
        with con:
            con.execute(f"update upload_jobs set {names} where job_id = ?", [*values.values(), job_id])
    finally:
        con.close()


def start_upload(
    settings: Settings,
    name: str,
    data: bytes,
    actor: str = "",
    source_name: str | None = None,
    sheet: str | None = None,
    year: str | None = None,
    dry_run: bool = False,
    resubmission: bool = False,
) -> str:
    """Check the upload as it arrives (UploadRefused), hand it to a background process; the job's id."""
    file_name = check_upload(name, data, settings.max_upload_mb)
    job_id = uuid.uuid4().hex[:12]
    folder = Path(tempfile.mkdtemp(prefix=f"{JOB_PREFIX}{job_id}-"))
    os.chmod(folder, 0o700)
    (folder / file_name).write_bytes(data)
    task = {
        "settings": settings,
        "job_id": job_id,
        "file_name": file_name,
        "source_name": source_name,
        "sheet": sheet,
        "year": year,
        "dry_run": dry_run,
        "resubmission": resubmission,
    }
    (folder / "task.pickle").write_bytes(pickle.dumps(task))
    now = time.time()
    con = _connect(settings)
    try:
        with con:
            con.execute(
                "insert into upload_jobs values (?, ?, ?, 'queued', 'waiting to start', ?, ?, null)",
                [job_id, file_name, actor, now, now],
            )
    finally:
        con.close()
    subprocess.Popen(  # noqa: S603 (our own module, with a folder we made)
        [sys.executable, "-m", "pipelines.upload_jobs", str(folder)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # not stopped with a page's rerun; the job ends on its own
        cwd=Path(__file__).resolve().parent.parent,  # this checkout's pipelines, whatever the page's folder
    )
    return job_id


def job_status(settings: Settings, job_id: str) -> JobStatus | None:
    con = _connect(settings)
    try:
        row = con.execute(
            "select file_name, status, stage, started_at, updated_at, outcome from upload_jobs where job_id = ?",
            [job_id],
        ).fetchone()
    finally:
        con.close()
    if row is None:
        return None
    file_name, status, stage, started, updated, blob = row
    if status in ("queued", "running") and time.time() - updated > STALE_SECONDS:
        status, stage = "failed", "the background process stopped without finishing; nothing was half loaded"
    outcome = pickle.loads(blob) if blob else None  # noqa: S301 (written by our own job process)
    seconds = (updated if status in ("done", "failed") else time.time()) - started
    return JobStatus(job_id, file_name, status, stage, seconds, outcome)


def run_job(folder: Path) -> None:
    """The background process: load the file, keep the progress and the outcome, remove the folder."""
    from pipelines.errors import record_unexpected, unexpected_message
    from pipelines.upload import ingest_upload

    (folder / JOB_PID_FILE).write_text(str(os.getpid()))  # a killed job's folder is known for stale by this
    task = pickle.loads((folder / "task.pickle").read_bytes())  # noqa: S301 (written by start_upload)
    settings, job_id = task["settings"], task["job_id"]
    try:
        os.nice(NICENESS)
    except OSError:
        pass

    def step(words: str) -> None:
        _update(settings, job_id, status="running", stage=words)

    try:
        step(f"checking {task['file_name']}")
        outcome = ingest_upload(
            task["file_name"],
            (folder / task["file_name"]).read_bytes(),
            settings,
            task["source_name"],
            task["sheet"],
            task["year"],
            task["dry_run"],
            resubmission=task["resubmission"],
            on_step=step,
        )
        _update(settings, job_id, status="done", stage="finished", outcome=pickle.dumps(outcome))
    except UploadRefused as exc:
        _update(settings, job_id, status="failed", stage=str(exc))
    except Exception as exc:  # said plainly, with a reference to the log
        reference, log = record_unexpected(exc, settings, f"uploading {task['file_name']} in the background")
        _update(settings, job_id, status="failed", stage=unexpected_message("Not loaded", exc, reference, log))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    run_job(Path(sys.argv[1]))
