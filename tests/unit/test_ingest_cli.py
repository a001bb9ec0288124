"""`asc ingest` for scheduled jobs: the per-file summary, the first rejects, exit codes and --dry-run."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pipelines.cli import main
from pipelines.config import PROJECT_ROOT
from tests.conftest import write_test_config
from tests.unit.test_ingest import DATA, GOOD, HEADER, write


@pytest.fixture()
def config(tmp_path):
    return str(write_test_config(tmp_path))


def run(config, *args) -> int:
    return main(["--config", config, "ingest", *args])


def test_all_loaded_exits_0_and_prints_a_line_per_file(config, tmp_path, capsys):
    path = write(tmp_path, "activity.csv", [HEADER, GOOD])
    assert run(config, str(path)) == 0
    out = capsys.readouterr().out
    assert "activity.csv" in out and "activity" in out and "loaded" in out


def test_some_rows_rejected_exits_3_and_prints_the_first_rejects(config, tmp_path, capsys):
    lines = [HEADER, GOOD] + [GOOD.replace(",70,", f",{200 + i},") for i in range(7)]
    assert run(config, str(write(tmp_path, "activity.csv", lines))) == 3
    captured = capsys.readouterr()
    assert "loaded, some rows rejected" in captured.out
    assert "First rejects in activity.csv (7 rows rejected in all):" in captured.err
    assert "row 3, column age, value '200': age must not be above 120" in captured.err
    assert "row 7, column age, value '204'" in captured.err
    assert "row 8, column age" not in captured.err  # only the first five


def test_a_file_rejected_whole_exits_4_even_beside_good_files(config, tmp_path, capsys):
    good = write(tmp_path, "activity.csv", [HEADER, GOOD])
    bad = write(tmp_path, "mystery.csv", ["colour,size", "blue,3"])
    assert run(config, str(good), str(bad)) == 4
    assert "mystery.csv was rejected whole: mystery.csv: cannot tell which source this is" in capsys.readouterr().err


def test_a_duplicate_is_skipped_and_still_exits_0(config, tmp_path, capsys):
    path = write(tmp_path, "activity.csv", [HEADER, GOOD])
    run(config, str(path))
    capsys.readouterr()
    assert run(config, str(path)) == 0
    assert "skipped: already loaded" in capsys.readouterr().out


def test_dry_run_reports_and_loads_nothing(config, tmp_path, capsys):
    path = write(tmp_path, "activity.csv", [HEADER, GOOD, GOOD.replace(",70,", ",700,")])
    assert run(config, "--dry-run", str(path)) == 3
    captured = capsys.readouterr()
    assert "checked (dry run)" in captured.out and "(would load)" in captured.out
    assert not (tmp_path / "ingest.duckdb").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere.csv"], "No such file or folder"),
        (["--source", "sausages", "x.csv"], "Unknown source 'sausages'"),
        (["--year", "last year", str(DATA / "referrals.parquet")], "--year:"),
    ],
)
def test_usage_errors_exit_2(config, capsys, args, message):
    assert run(config, *args) == 2
    assert message in capsys.readouterr().err


def test_sheet_year_and_source_options(config, tmp_path, capsys):
    ascof = tmp_path / "ascof.csv"
    ascof.write_bytes((DATA / "meas-from-asc-of-eng-2324-open-data-csv.csv").read_bytes())
    assert run(config, "--year", "2023-24", str(ascof)) == 0
    assert "year 2023/24" in capsys.readouterr().out
    xlsx = DATA / "ascof_compiled_2020-21.xlsx"
    assert run(config, "--sheet", "Data", "--source", "ascof_published", str(xlsx)) == 0


def test_the_installed_entry_point_and_its_help(config, tmp_path):
    path = write(tmp_path, "activity.csv", [HEADER, GOOD.replace(",70,", ",700,")])
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "--config", config, "ingest", str(path)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 3, done.stderr
    help_text = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "ingest", "--help"], cwd=PROJECT_ROOT, capture_output=True, text=True
    ).stdout
    assert "--dry-run" in help_text and "--sheet" in help_text and "--year" in help_text
    assert "population_projection" in help_text and "4 a file rejected whole" in help_text
