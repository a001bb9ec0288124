"""The application-state database: what users write (review notes, saved scenarios).

It is SQLite, separate from the warehouse, so the warehouse stays read-only to the dashboard and a
rebuild never touches what people have typed. SQLite allows several processes (the dashboard, a test,
a report job) to read and write safely; each feature creates its own tables with `ensure_table`.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

from pipelines.config import Settings, load_settings


@contextmanager
def connect(settings: Settings | None = None):
    """A connection in a transaction: committed when the block ends, rolled back on error."""
    path = (settings or load_settings()).path("app_state")
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10)
    con.row_factory = sqlite3.Row
    try:
        with con:
            yield con
    finally:
        con.close()


def ensure_table(con: sqlite3.Connection, ddl: str) -> None:
    """Create a table from its `create table if not exists ...` statement."""
    con.execute(ddl)
