"""One writer at a time across processes: a load waits for another process's load or build (issue 16)."""

from __future__ import annotations

import subprocess
import sys
import time

from pipelines.config import PROJECT_ROOT, load_settings
from pipelines.ingest import ingest_paths
from pipelines.store_lock import lock_path
from tests.conftest import write_test_config
from tests.unit.test_ingest import GOOD, HEADER, store_rows, write

HOLD = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


def test_an_ingest_waits_for_another_process_holding_the_lock_then_loads(tmp_path):
    settings = load_settings(write_test_config(tmp_path))
    path = write(tmp_path, "activity.csv", [HEADER, GOOD])
    lock = lock_path(settings)
    lock.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(lock), "2"], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        told = []
        started = time.monotonic()
        [result] = ingest_paths([path], settings, on_wait=told.append)
        waited = time.monotonic() - started
    finally:
        holder.wait(timeout=30)
    assert told == ["another load or build is writing the data folder; waiting for it to finish"]
    assert waited > 1.0  # it waited for the other process rather than failing on DuckDB's lock
    assert (result.status, result.rows_loaded) == ("loaded", 1)
    assert store_rows(settings, "select count(*) from raw_activity") == [(1,)]


def test_without_another_writer_nobody_is_told_to_wait(tmp_path):
    settings = load_settings(write_test_config(tmp_path))
    told = []
    [result] = ingest_paths([write(tmp_path, "activity.csv", [HEADER, GOOD])], settings, on_wait=told.append)
    assert result.status == "loaded" and told == []
