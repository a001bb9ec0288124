"""Review notes: the contract manager's commentary and agreed actions per contract, KPI and quarter.

Notes live in the application-state database (SQLite, ``dashboard.app_state``), never in the warehouse,
so the warehouse stays read-only to the dashboard and a rebuild cannot lose them. Notes are a log: saving
again adds an entry with its author and time rather than overwriting what was said at the meeting.
No Streamlit here, so the page, the exports and the tests share one implementation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import polars as pl

from dashboard.app_state import AppStateUnavailable, connect, ensure_table
from models.periods import parse_quarter
from pipelines.config import Settings

MAX_NOTE_CHARS = 5000
MAX_AUTHOR_CHARS = 120
LOCAL_TIME = ZoneInfo("Europe/London")

DDL = """
create table if not exists kpi_review_notes (
    note_id integer primary key autoincrement,
    contract_id text not null,
    period text not null,
    kpi_code text not null,
    commentary text not null default '',
    agreed_actions text not null default '',
    author text not null,
    created_at text not null
)"""
INDEX = "create index if not exists kpi_review_notes_contract on kpi_review_notes (contract_id, period)"
COLUMNS = ("note_id", "contract_id", "period", "kpi_code", "commentary", "agreed_actions", "author", "created_at")
SCHEMA = {c: (pl.Int64 if c == "note_id" else pl.String) for c in COLUMNS}


class NoteRejected(ValueError):
    """A note that cannot be saved: no author, nothing written, or too long."""


def _prepare(con) -> None:
    ensure_table(con, DDL)
    ensure_table(con, INDEX)


def save_note(
    settings: Settings | None,
    contract_id: str,
    period: str,
    kpi_code: str,
    commentary: str,
    agreed_actions: str,
    author: str,
    now: datetime | None = None,
) -> int:
    """Record a note; returns its id. Text is stored as typed (exports neutralise it for Excel).

    Raises
    ------
    NoteRejected
        If the author is blank, both commentary and actions are blank, or a field is too long.
    """
    commentary, agreed_actions, author = clean_note(period, commentary, agreed_actions, author)
    with connect(settings) as con:
        return insert_note(con, contract_id, period, kpi_code, commentary, agreed_actions, author, now)


def clean_note(period: str, commentary: str, agreed_actions: str, author: str) -> tuple[str, str, str]:
    """The note's text trimmed; NoteRejected when it cannot be saved."""
    commentary, agreed_actions, author = (commentary or "").strip(), (agreed_actions or "").strip(), author.strip()
    parse_quarter(period)  # refuses anything that is not a quarter such as 2024/25 Q1
    if not author:
        raise NoteRejected("Say who is writing the note.")
    if not commentary and not agreed_actions:
        raise NoteRejected("Write a commentary or an agreed action before saving.")
    if max(len(commentary), len(agreed_actions)) > MAX_NOTE_CHARS or len(author) > MAX_AUTHOR_CHARS:
        raise NoteRejected(f"Notes are limited to {MAX_NOTE_CHARS:,} characters and names to {MAX_AUTHOR_CHARS}.")
    return commentary, agreed_actions, author


def insert_note(con, contract_id, period, kpi_code, commentary, agreed_actions, author, now=None) -> int:
    """Insert an already checked note on an open connection (so an action can be added in the same transaction)."""
    created = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    _prepare(con)
    cursor = con.execute(
        "insert into kpi_review_notes (contract_id, period, kpi_code, commentary, agreed_actions, author, "
        "created_at) values (?, ?, ?, ?, ?, ?, ?)",
        (contract_id, period, kpi_code, commentary, agreed_actions, author, created),
    )
    return int(cursor.lastrowid)


def _query(settings: Settings | None, where: str, params: tuple) -> pl.DataFrame:
    """Notes matching ``where``; none when the database cannot be opened (the page says so: app_state.problem)."""
    try:
        with connect(settings) as con:
            _prepare(con)
            rows = con.execute(
                f"select {', '.join(COLUMNS)} from kpi_review_notes where {where} order by created_at, note_id", params
            ).fetchall()
    except AppStateUnavailable:
        rows = []
    return pl.DataFrame([tuple(r) for r in rows], schema=SCHEMA, orient="row")


def notes_for_quarter(settings: Settings | None, contract_id: str, period: str) -> pl.DataFrame:
    """Every note on a contract's quarter, oldest first."""
    return _query(settings, "contract_id = ? and period = ?", (contract_id, period))


def latest_note(settings: Settings | None, contract_id: str, period: str, kpi_code: str) -> dict | None:
    """The last note on one KPI of a contract's quarter (what a new note follows on from), or None: the audit
    trail keeps it beside the new one, as the text the new note replaces."""
    notes = _query(settings, "contract_id = ? and period = ? and kpi_code = ?", (contract_id, period, kpi_code))
    if notes.is_empty():
        return None
    last = notes.row(-1, named=True)
    return {k: last[k] for k in ("note_id", "commentary", "agreed_actions", "author", "created_at")}


def notes_for_kpi(settings: Settings | None, contract_id: str, kpi_code: str) -> pl.DataFrame:
    """Every note on one KPI of a contract, all quarters, oldest first."""
    return _query(settings, "contract_id = ? and kpi_code = ?", (contract_id, kpi_code))


def actions_agreed_last_time(
    settings: Settings | None, contract_id: str, period: str
) -> tuple[str | None, pl.DataFrame]:
    """The agreed actions of the contract's last review before ``period``.

    The last review is the latest earlier quarter with any agreed action (usually the quarter before,
    but a skipped meeting should not lose what was agreed). Returns that quarter (or None) and its
    notes that carry actions, oldest first.
    """
    reviewed = parse_quarter(period)
    notes = _query(settings, "contract_id = ? and agreed_actions <> ''", (contract_id,))
    # Plain Python over the few distinct quarters: no Python callback inside a Polars expression (map_elements
    # holds the GIL from Polars' thread pool and can deadlock with other sessions' queries).
    earlier = [p for p in set(notes["period"].to_list()) if parse_quarter(p) < reviewed]
    if not earlier:
        return None, notes.clear()
    last = max(earlier, key=parse_quarter)
    return last, notes.filter(pl.col("period") == last)


def local_time(created_at: str) -> str:
    """'2025-05-06T13:05:00+00:00' -> '6 May 2025 14:05' (UK time, as people read it)."""
    moment = datetime.fromisoformat(created_at).astimezone(LOCAL_TIME)
    return f"{moment.day} {moment:%b %Y %H:%M}"
