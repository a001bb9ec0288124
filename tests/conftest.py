"""Shared fixtures: one test warehouse built once per session from the deterministic demo data.

Everything is written under a temporary folder through a settings file of its own (ASC_CONFIG), so
tests never touch data/ in the working copy nor the user's pseudonymisation key.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from pipelines.config import PROJECT_ROOT, Settings, load_settings

TEST_ROOT = PROJECT_ROOT / "tests"
# A page that raises fails its AppTest (at.exception) instead of showing the router's plain sentence with a
# reference; tests of that sentence remove this for themselves.
os.environ.setdefault("ASC_RAISE_PAGE_ERRORS", "1")


def write_test_config(folder: Path) -> Path:
    """A settings file like the shipped one, with every path inside ``folder``."""
    shipped = (PROJECT_ROOT / "asc.toml").read_text()
    paths = {
        "inbox": folder / "inbox",
        "archive": folder / "archive",
        "ingest_store": folder / "ingest.duckdb",
        "warehouse": folder / "warehouse.duckdb",
        "public_data": PROJECT_ROOT / "data" / "public",
        "app_state": folder / "app_state.sqlite3",
        "pseudonymisation_key": folder / "secrets" / "pseudonymisation.key",
    }
    lines = "\n".join(f'{name} = "{value}"' for name, value in paths.items())
    config = folder / "asc.toml"
    config.write_text(f"{shipped}\n[paths]\n{lines}\n")
    return config


# Which settings file the dashboard under test reads (AppTest reads ASC_CONFIG): the demo's for the session, or
# another council's while a fixture has switched to it (``app_config``). Leaving a switch goes back to the switch
# around it, else to the demo's, else to what the process started with. Saving "the value before" instead was wrong
# when the demo was first built inside a switch (a module's last test the session's first to ask for the demo): the
# switch then put back "unset", and every later page test read the shipped settings instead of the demo's.
_SWITCHES: list[str] = []
_DEMO_CONFIG: dict[str, str | None] = {"config": os.environ.get("ASC_CONFIG")}


def _point_app_at(config: str | None) -> None:
    import streamlit as st

    if config is None:
        os.environ.pop("ASC_CONFIG", None)
    else:
        os.environ["ASC_CONFIG"] = config
    # The app shell keeps the settings and the warehouse in Streamlit's process-wide caches: one council's must
    # never serve another's pages.
    st.cache_resource.clear()
    st.cache_data.clear()


@contextmanager
def app_config(config: Path | str) -> Iterator[None]:
    """Point the dashboard under test at ``config`` for a fixture's or a test's span, then back (see above)."""
    _SWITCHES.append(str(config))
    _point_app_at(str(config))
    try:
        yield
    finally:
        _SWITCHES.pop()
        _point_app_at(_SWITCHES[-1] if _SWITCHES else _DEMO_CONFIG["config"])


@pytest.fixture(scope="session")
def demo_env(tmp_path_factory) -> Settings:
    """Demo inbox written, ingested and built into a warehouse under a temporary folder."""
    from pipelines.build import build_warehouse
    from pipelines.demo import write_demo_inbox
    from pipelines.ingest import ingest_paths

    folder = tmp_path_factory.mktemp("demo_env")
    config = write_test_config(folder)
    # The dashboard (AppTest) reads the same settings, unless a fixture has pointed it at another council's for now:
    # then from the moment that switch ends.
    _DEMO_CONFIG["config"] = str(config)
    if not _SWITCHES:
        os.environ["ASC_CONFIG"] = str(config)
    settings = load_settings(config)
    inbox = settings.path("inbox") / "demo"
    write_demo_inbox(inbox, settings)
    results = ingest_paths([inbox], settings)
    assert all(r.status == "loaded" for r in results), [(r.file, r.status, r.message) for r in results]
    build_warehouse(settings)
    return settings


@pytest.fixture(scope="session")
def warehouse(demo_env) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(demo_env.path("warehouse")), read_only=True)
    yield con
    con.close()
