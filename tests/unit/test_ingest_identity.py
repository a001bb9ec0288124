"""A stable identity and a clean slate (issue 16).

If the pseudonymisation key went missing, a new one was made silently and the same person got a new
pseudonym; the store now records its key's fingerprint and ingest refuses to run without that key. Files a
killed build or ingest left behind are removed at the start of the next run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main
from pipelines.config import load_settings
from pipelines.ingest import IdentityError, ingest_paths, key_fingerprint, remove_stale_files
from pipelines.upload import UploadRefused, ingest_upload
from tests.conftest import write_test_config
from tests.unit.test_ingest import GOOD, HEADER, pseudonym, write
from tests.unit.test_ingest_robust import PA_HEADER, pa


@pytest.fixture()
def config(tmp_path) -> Path:
    return write_test_config(tmp_path)


def store(settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.path("ingest_store")), read_only=True) as con:
        return con.sql(sql).fetchall()


def test_the_store_records_the_fingerprint_of_its_key(config, tmp_path):
    settings = load_settings(config)
    ingest_paths([write(tmp_path, "a.csv", [HEADER, GOOD])], settings)
    key = bytes.fromhex(settings.path("pseudonymisation_key").read_text().strip())
    assert store(settings, "select key_fingerprint from pseudonymisation") == [(key_fingerprint(key),)]
    assert len(key_fingerprint(key)) == 16 and key.hex()[:16] not in key_fingerprint(key)


def test_a_missing_key_stops_ingest_and_says_how_to_restore_it(config, tmp_path, capsys):
    settings = load_settings(config)
    ingest_paths([write(tmp_path, "a.csv", [HEADER, GOOD])], settings)
    key_file = settings.path("pseudonymisation_key")
    backup = key_file.read_bytes()
    key_file.unlink()
    second = write(tmp_path, "b.csv", [HEADER, GOOD.replace("2024-04-01", "2024-05-01")])
    assert main(["--config", str(config), "ingest", str(second)]) == 5
    err = capsys.readouterr().err.replace("\n", " ")
    assert f"Nothing was loaded: the pseudonymisation key {key_file} is missing" in err
    assert f"Restore the key file from your backup to {key_file}" in err
    assert "Traceback" not in err
    assert not key_file.exists()  # no new key made behind the user's back
    assert store(settings, "select count(*) from load_log") == [(1,)]
    # Every way in refuses alike: a dry run, and an upload through the dashboard.
    assert main(["--config", str(config), "ingest", "--dry-run", str(second)]) == 5
    with pytest.raises(UploadRefused, match="pseudonymisation key .* is missing"):
        ingest_upload("b.csv", second.read_bytes(), settings, rebuild=False)
    # Restored, the same person has the same pseudonym.
    key_file.write_bytes(backup)
    assert main(["--config", str(config), "ingest", str(second)]) == 0
    assert store(settings, "select distinct person_id from raw_activity") == [(pseudonym(settings, "P1"),)]


def test_a_different_key_stops_ingest(config, tmp_path):
    settings = load_settings(config)
    ingest_paths([write(tmp_path, "a.csv", [HEADER, GOOD])], settings)
    settings.path("pseudonymisation_key").write_text(os.urandom(32).hex())
    with pytest.raises(IdentityError, match=r"is not the key the ingest store .* made its pseudonyms with"):
        ingest_paths([write(tmp_path, "b.csv", [HEADER, GOOD.replace("P1", "P2")])], settings)
    assert store(settings, "select count(*) from raw_activity") == [(1,)]


def test_a_store_from_before_fingerprints_adopts_its_key_or_refuses_without_it(config, tmp_path):
    settings = load_settings(config)
    ingest_paths([write(tmp_path, "a.csv", [HEADER, GOOD])], settings)
    with duckdb.connect(str(settings.path("ingest_store"))) as con:
        con.sql("drop table pseudonymisation")
    ingest_paths([write(tmp_path, "b.csv", [HEADER, GOOD.replace("P1", "P2")])], settings)
    assert len(store(settings, "select key_fingerprint from pseudonymisation")) == 1
    with duckdb.connect(str(settings.path("ingest_store"))) as con:
        con.sql("delete from pseudonymisation")
    settings.path("pseudonymisation_key").unlink()
    with pytest.raises(IdentityError, match="holds pseudonyms made with it"):
        ingest_paths([write(tmp_path, "c.csv", [HEADER, GOOD.replace("P1", "P3")])], settings)


def test_a_store_without_pseudonyms_needs_no_key_until_one_is_made(config, tmp_path):
    settings = load_settings(config)
    [result] = ingest_paths([write(tmp_path, "pa.csv", [PA_HEADER, pa(1)])], settings)
    assert result.status == "loaded" and not settings.path("pseudonymisation_key").exists()
    [result] = ingest_paths([write(tmp_path, "a.csv", [HEADER, GOOD])], settings)
    assert result.status == "loaded" and settings.path("pseudonymisation_key").exists()


def test_a_new_key_is_private_from_the_start(config, tmp_path):
    settings = load_settings(config)
    old = os.umask(0)  # the most permissive umask: nothing may depend on it
    try:
        ingest_paths([write(tmp_path, "a.csv", [HEADER, GOOD])], settings)
    finally:
        os.umask(old)
    key_file = settings.path("pseudonymisation_key")
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert key_file.parent.stat().st_mode & 0o777 == 0o700


# Clean up after failure -------------------------------------------------------------------------------------


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_files_a_killed_run_left_behind_are_removed_at_the_start_of_the_next(config, tmp_path, capsys):
    settings = load_settings(config)
    dead, live = dead_pid(), os.getpid()
    warehouse = settings.path("warehouse")
    archive = settings.path("archive")
    archive.mkdir(parents=True)
    temp = Path(tempfile.gettempdir())
    stale = [
        warehouse.with_name(f"warehouse.duckdb.building-{dead}"),
        warehouse.with_name(f"warehouse.duckdb.building-{dead}.wal"),
        archive / f"{'a' * 64}.csv.{dead}.tmp",
        archive / f"{'b' * 64}.csv.tmp",  # from before .tmp files named their process: old enough to be stale
        temp / f"asc-ingest-{dead}-x1y2",
        temp / f"asc-upload-{dead}-x1y2",
        temp / "asc-upload-job-0123456789ab-killed",  # a background upload killed mid-run (its pid inside)
        temp / "asc-upload-job-0123456789ab-never",  # one whose process never started, old
    ]
    kept = [
        warehouse.with_name(f"warehouse.duckdb.building-{live}"),  # a build running now
        archive / f"{'c' * 64}.csv.{live}.tmp",
        archive / f"{'d' * 64}.csv.tmp",  # recent: perhaps being written by an older version now
        temp / f"asc-ingest-{live}-x1y2",
        temp / "asc-upload-job-0123456789ab-running",
        temp / "asc-upload-job-0123456789ab-starting",  # new, its process not yet begun
    ]
    for path in stale + kept:
        if path.name.startswith("asc-"):
            path.mkdir()
            (path / "converted.csv").write_text("x")
        else:
            path.write_text("x")
    (stale[6] / "pid").write_text(str(dead))
    (kept[4] / "pid").write_text(str(live))
    old = time.time() - 2 * 3600
    os.utime(stale[3], (old, old))
    os.utime(stale[7], (old, old))
    try:
        assert main(["--config", str(config), "ingest", str(write(tmp_path, "pa.csv", [PA_HEADER, pa(1)]))]) == 0
        assert [p for p in stale if p.exists()] == []
        assert [p for p in kept if not p.exists()] == []
        assert "Removed what an interrupted run left behind" in capsys.readouterr().err
        assert remove_stale_files(settings) == []
    finally:
        for path in kept:
            if path.is_dir():
                shutil.rmtree(path)
