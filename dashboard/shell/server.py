"""The dashboard's server process: Streamlit's own `streamlit run`, after importing once what every session needs.

Run as ``python -m dashboard.shell.server run dashboard/app.py [streamlit options]`` (``asc serve`` starts each
worker so). Streamlit imports nothing of an app until its first session runs the script, so the first person
to open a page after `make run` waited for scipy (about 0.9 s on a 2-core box), pandas and statsmodels (0.3-0.4
s), Polars, DuckDB and Plotly to be imported inside their page view. Here they are imported before the server
answers its health check: the process takes that long longer to start, and no page view pays for it.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

# What any page's script imports: the app shell's modules and every presenter (each themed page draws on one;
# between them they import scipy, statsmodels, pandas, Plotly, Polars and DuckDB). Not the committee pack (its
# PDF renderer is imported when a pack is asked for) nor the forecasting models' fitting code (imported on use).
SHELL = (
    "dashboard.queries",
    "dashboard.shell",
    "dashboard.shell.access",
    "dashboard.shell.admission",
    "dashboard.shell.audit",
    "dashboard.shell.components",
    "dashboard.shell.errors",
    "dashboard.shell.filters",
    "dashboard.shell.about",
    "dashboard.mdc_icons",
    "pipelines.access",
)


def every_session_needs() -> list[str]:
    """The modules imported before the server starts: the shell's, then every presenter in dashboard.present."""
    import dashboard.present

    presenters = sorted(f"dashboard.present.{m.name}" for m in pkgutil.iter_modules(dashboard.present.__path__))
    return [*SHELL, *presenters]


def preload() -> list[str]:
    """Import every module in ``every_session_needs``; return their names."""
    names = every_session_needs()
    for name in names:
        importlib.import_module(name)
    return names


def main() -> None:
    preload()
    from streamlit.web.cli import main as streamlit_main

    sys.argv[0] = "streamlit"
    streamlit_main(prog_name="streamlit")


if __name__ == "__main__":
    main()
