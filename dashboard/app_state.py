"""The application-state database: what users write (review notes, saved scenarios).

It is SQLite, separate from the warehouse, so the warehouse stays read-only to the dashboard and a
rebuild never touches what people have typed. SQLite allows several processes (the dashboard, a test,
a report job) to read and write safely; each feature creates its own tables with `ensure_table`.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager

from pipelines.config import Settings, load_settings


class AppStateUnavailable(RuntimeError):
    """The application-state database cannot be opened or written (a read-only data folder, say)."""


def _unavailable(path, exc: Exception) -> AppStateUnavailable:
    reason = (exc.strerror or str(exc)) if isinstance(exc, OSError) else str(exc)
    return AppStateUnavailable(
        f"Review notes and saved scenarios cannot be read or kept just now: the application-state database "
        f"{path} cannot be opened for writing ({reason.lower()}). The rest of the page works; ask whoever runs "
        "the dashboard to make that folder writable, or to set paths.app_state in the settings file."
    )


@contextmanager
def connect(settings: Settings | None = None):
    """A connection in a transaction: committed when the block ends, rolled back on error.

    Raises AppStateUnavailable (with a plain message) when the database or its folder cannot be made or
    written, so pages can say so and go on rather than crash.
    """
    path = (settings or load_settings()).path("app_state")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(path, timeout=10)
    except (OSError, sqlite3.OperationalError) as exc:
        raise _unavailable(path, exc) from exc
    con.row_factory = sqlite3.Row
    try:
        with con:
            yield con
    except sqlite3.OperationalError as exc:
        # "unable to open database file", "attempt to write a readonly database": the folder, not the query.
        if "readonly" in str(exc) or "unable to open" in str(exc) or "disk" in str(exc):
            raise _unavailable(path, exc) from exc
        raise
    finally:
        con.close()


def problem(settings: Settings | None = None) -> str | None:
    """Why the application-state database cannot be used, in words for the page; None when it can."""
    path = (settings or load_settings()).path("app_state")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return str(_unavailable(path, exc))
    # Asked on every render, so nothing is written: SQLite needs the folder (journal) and the file writable.
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return str(_unavailable(path, PermissionError(13, "Permission denied")))
    return None


def ensure_table(con: sqlite3.Connection, ddl: str) -> None:
    """Create a table from its `create table if not exists ...` statement."""
    con.execute(ddl)
