"""The dashboard's server process imports what every session needs before it serves (issue 14, start-up)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dashboard.shell.server import every_session_needs
from pipelines.serving.workers import worker_command

ROOT = Path(__file__).resolve().parents[2]


def test_asc_serve_starts_each_worker_through_the_dashboards_launcher():
    command = worker_command(ROOT / "dashboard" / "app.py", 8765, "dashboard.shell.server")
    assert command[1:5] == ["-m", "dashboard.shell.server", "run", str(ROOT / "dashboard" / "app.py")]
    assert command[command.index("--server.port") + 1] == "8765"
    assert worker_command(ROOT / "x.py", 1)[1:3] == ["-m", "streamlit"]  # any other app: Streamlit's own


def test_every_presenter_and_the_shell_are_imported_before_the_server_starts():
    names = every_session_needs()
    presenters = {p.stem for p in (ROOT / "dashboard" / "present").glob("*.py")} - {"__init__"}
    assert {f"dashboard.present.{p}" for p in presenters} <= set(names)
    assert {"dashboard.shell.filters", "dashboard.queries"} <= set(names)


def test_preloading_imports_scipy_and_pandas_which_pages_used_to_import_on_the_first_view():
    script = (
        "import sys; from dashboard.shell.server import preload; before = {'scipy', 'pandas'} & set(sys.modules); "
        "preload(); print(sorted(before), sorted({'scipy', 'pandas', 'polars', 'duckdb', 'plotly'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[0] == "[] ['duckdb', 'pandas', 'plotly', 'polars', 'scipy']"


def test_charts_carry_the_products_template_whichever_of_charts_and_streamlit_is_imported_first():
    # Streamlit makes its own Plotly template the default when it is imported; the shell puts the product's back.
    script = (
        "import dashboard.charts, plotly.io as pio; import streamlit; after_streamlit = pio.templates.default; "
        "import dashboard.shell; print(after_streamlit, pio.templates.default)"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["streamlit", "asc_white"]
