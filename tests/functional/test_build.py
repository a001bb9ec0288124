"""Building the warehouse: atomic swap, a failed build changes nothing, readers keep working, the CLI."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys

import duckdb
import pytest

from pipelines import build
from pipelines.build import BuildError, build_warehouse
from pipelines.config import load_settings
from tests.conftest import write_test_config


@pytest.fixture()
def env(tmp_path, demo_env):
    """A private copy of the demo ingest store, so builds here cannot disturb the session warehouse."""
    settings = load_settings(write_test_config(tmp_path))
    shutil.copyfile(demo_env.path("ingest_store"), settings.path("ingest_store"))
    build_warehouse(settings)
    return settings


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_failing_check_leaves_the_previous_warehouse_untouched(env, tmp_path, monkeypatch):
    before = digest(env.path("warehouse"))
    bad_check = tmp_path / "checks"
    bad_check.mkdir()
    (bad_check / "always_fails.sql").write_text("-- A check that always finds a row.\nselect 1 as problem\n")
    monkeypatch.setattr(build, "check_files", lambda: sorted(bad_check.glob("*.sql")))
    with pytest.raises(BuildError, match="always_fails: A check that always finds a row"):
        build_warehouse(env)
    assert digest(env.path("warehouse")) == before
    assert not list(env.path("warehouse").parent.glob("*.building-*"))  # no half-built file left behind


def test_an_open_reader_keeps_working_through_a_rebuild(env):
    reader = duckdb.connect(str(env.path("warehouse")), read_only=True)
    before = reader.sql("select count(*) from mart_dp_uptake").fetchall()
    build_warehouse(env)  # swaps a new file in under the open connection
    assert reader.sql("select count(*) from mart_dp_uptake").fetchall() == before
    reader.close()
    with duckdb.connect(str(env.path("warehouse")), read_only=True) as fresh:
        assert fresh.sql("select count(*) from mart_dp_uptake").fetchall() == before


def test_warehouse_records_that_it_holds_synthetic_data(env):
    with duckdb.connect(str(env.path("warehouse")), read_only=True) as con:
        assert con.sql("select contains_synthetic_data, latest_period from warehouse_meta").fetchall() == [
            (True, "2024/25 Q4")
        ]


def asc(*args, config=None):
    command = [sys.executable, "-m", "pipelines.cli"]
    if config:
        command += ["--config", str(config)]
    # A wide terminal, so rich does not wrap the messages the assertions look for.
    return subprocess.run(
        command + list(args), capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "250"}
    )


@pytest.mark.parametrize("sub", ["demo", "ingest", "build", "serve"])
def test_every_subcommand_has_help(sub):
    result = asc(sub, "--help")
    assert result.returncode == 0 and "usage: asc" in result.stdout


def test_cli_exit_codes(tmp_path):
    config = write_test_config(tmp_path)
    assert asc("ingest", str(tmp_path / "nowhere.csv"), config=config).returncode == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("colour,shape\nblue,round\n")
    result = asc("ingest", str(bad), config=config)
    assert result.returncode == 4 and "cannot tell which source" in result.stdout + result.stderr
    partly = tmp_path / "pa.csv"
    partly.write_text(
        "pa_id,locality_code,registered_date,left_date,on_payroll\n"
        "PA1,E07000008,2024-01-01,,true\nPA2,E07000008,2024-01-01,,maybe\n"
    )
    result = asc("ingest", str(partly), config=config)
    assert result.returncode == 3 and "row 3, column on_payroll" in result.stdout + result.stderr
    assert asc("build", config=config).returncode == 0
