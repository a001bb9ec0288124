"""A data folder that cannot be written: a plain message and exit 6, never a traceback (issue 16)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from dashboard import app_state, review_notes, scenario_store
from pipelines.cli import EXIT_UNWRITABLE, main
from pipelines.config import child_environment, load_settings
from tests.conftest import write_test_config
from tests.unit.test_ingest import GOOD, HEADER, write


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder this process cannot create files in: read-only for an ordinary user; for root (whom file
    modes do not stop) a path in sysfs, where nobody may make folders."""
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o555)
        return folder / "data"
    return Path("/sys/asc-commissioning-test") / tmp_path.name


def config_with_data_in(
    tmp_path: Path, data: Path, names=("ingest_store", "warehouse", "archive", "app_state")
) -> Path:
    config = write_test_config(tmp_path)
    text = config.read_text()
    for name in names:
        text = re.sub(rf'^{name} = ".*"$', f'{name} = "{data / name}"', text, flags=re.MULTILINE)
    config.write_text(text)
    return config


@pytest.fixture()
def unwritable_config(tmp_path) -> Path:
    return config_with_data_in(tmp_path, unwritable_folder(tmp_path))


def test_ingest_into_an_unwritable_folder_exits_6_with_a_plain_message(unwritable_config, tmp_path, capsys):
    path = write(tmp_path, "activity.csv", [HEADER, GOOD])
    assert main(["--config", str(unwritable_config), "ingest", str(path)]) == EXIT_UNWRITABLE == 6
    captured = capsys.readouterr()
    assert "Nothing was loaded: cannot open the ingest store" in captured.err + captured.out
    assert "Traceback" not in captured.err + captured.out


def test_build_into_an_unwritable_folder_exits_6_with_a_plain_message(unwritable_config, capsys):
    assert main(["--config", str(unwritable_config), "build"]) == 6
    out = capsys.readouterr()
    text = out.out + out.err
    assert "Build failed; the previous warehouse is unchanged. The data folder cannot be written" in text
    assert "Traceback" not in text


def test_notes_and_scenarios_read_as_none_and_saving_says_why(unwritable_config):
    settings = load_settings(unwritable_config)
    problem = app_state.problem(settings)
    assert problem and problem.startswith("Review notes and saved scenarios cannot be read or kept just now")
    assert review_notes.notes_for_quarter(settings, "C1", "2024/25 Q1").height == 0
    assert scenario_store.saved(None, settings) == {}
    with pytest.raises(app_state.AppStateUnavailable, match="cannot be opened for writing"):
        review_notes.save_note(settings, "C1", "2024/25 Q1", "hc_missed", "note", "", "Sam")


def test_a_writable_folder_has_no_problem(tmp_path):
    assert app_state.problem(load_settings(write_test_config(tmp_path))) is None


def test_child_processes_get_the_same_settings_file(tmp_path, monkeypatch):
    config = write_test_config(tmp_path)
    monkeypatch.delenv("ASC_CONFIG", raising=False)
    assert child_environment(config)["ASC_CONFIG"] == str(config.resolve())
    monkeypatch.setenv("ASC_CONFIG", str(config))
    assert child_environment()["ASC_CONFIG"] == str(config.resolve())
    # The key path the children read is the parent's.
    assert load_settings(child_environment()["ASC_CONFIG"]).path("pseudonymisation_key") == load_settings(config).path(
        "pseudonymisation_key"
    )
