"""No Python callback inside a Polars or PyArrow thread pool on a render path (issue 16).

A ``map_elements`` lambda runs on Polars' worker threads and needs the GIL; with another session's thread in
``to_pandas`` (PyArrow's pool) each waited for the other and the server hung for good. Vectorised expressions
only, in everything a page runs: the dashboard and the models it calls.
"""

from __future__ import annotations

import re

from pipelines.config import PROJECT_ROOT

CALLBACKS = re.compile(r"\.(map_elements|map_batches|map_rows|map_groups|apply)\(")


def test_no_polars_callbacks_in_code_a_page_runs():
    found = []
    for folder in ("dashboard", "models"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                code = line.split("#", 1)[0]
                # pandas' Styler.apply runs in the page's own thread, over a finished frame: no pool involved.
                if CALLBACKS.search(code) and ".style.apply(" not in code:
                    found.append(f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}")
    assert found == []
