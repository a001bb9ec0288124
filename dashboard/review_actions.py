"""Review actions that can be followed up: an owner, a due date and a status, carried from quarter to quarter.

An action is agreed at a contract's quarterly review (in a review note's "agreed actions") and stays on the
contract's review, quarter after quarter, until someone marks it done. Its status is ``open`` or ``done`` as
stored; ``overdue`` is never stored but worked out from the due date and today, so it is right on any day.

Kept in the application-state database beside the notes (``dashboard.review_notes``). Notes written before
actions existed are migrated on first use: each note's agreed actions become one open action, owned by the
note's author and due at the end of the next quarter (when the next review would look at it). Only the contract
manager assigned to the contract (or an administrator) may add or change an action; the rule is checked here,
where the write happens, not only by the page. Every write and edit leaves an audit row with the previous text.
No Streamlit here.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime

import polars as pl

from dashboard import review_notes
from dashboard.app_state import AppStateUnavailable, connect, ensure_table
from models.periods import parse_quarter
from pipelines import audit
from pipelines.access import Person, require
from pipelines.config import Settings, load_settings

MAX_ACTION_CHARS = review_notes.MAX_NOTE_CHARS
MAX_OWNER_CHARS = review_notes.MAX_AUTHOR_CHARS
STATUSES = ("open", "done", "overdue")
_log = logging.getLogger("asc.audit")

DDL = """
create table if not exists review_actions (
    action_id integer primary key autoincrement,
    contract_id text not null,
    kpi_code text not null,
    raised_period text not null,
    action text not null,
    owner text not null,
    due_date text not null,
    done_on text,
    done_period text,
    source_note_id integer unique,
    created_by text not null,
    created_at text not null,
    updated_by text not null default '',
    updated_at text not null default ''
)"""
INDEX = "create index if not exists review_actions_contract on review_actions (contract_id)"
COLUMNS = (
    "action_id",
    "contract_id",
    "kpi_code",
    "raised_period",
    "action",
    "owner",
    "due_date",
    "done_on",
    "done_period",
    "source_note_id",
    "created_by",
    "created_at",
    "updated_by",
    "updated_at",
)
SCHEMA = {c: (pl.Int64 if c in ("action_id", "source_note_id") else pl.String) for c in COLUMNS}


class ActionRejected(ValueError):
    """An action that cannot be saved: no text, no owner, a due date that is not a date, or too long."""


def default_due(period: str) -> date:
    """The end of the quarter after ``period``: the next review is when an action agreed now is looked at."""
    return parse_quarter(period).next().end


def status(due_date: str | date, done_on: str | None, today: date) -> str:
    """'done' once marked done; otherwise 'overdue' after its due date and 'open' until then."""
    if done_on:
        return "done"
    due = due_date if isinstance(due_date, date) else date.fromisoformat(due_date)
    return "overdue" if due < today else "open"


def _migrate(con) -> None:
    """Every note's agreed actions become one followed-up action (once: the note's id is kept and unique)."""
    notes = con.execute(
        "select note_id, contract_id, period, kpi_code, agreed_actions, author, created_at from kpi_review_notes n "
        "where agreed_actions <> '' and not exists (select 1 from review_actions a where a.source_note_id = n.note_id)"
    ).fetchall()
    for note_id, contract, period, kpi, text, author, created in notes:
        _insert(con, contract, kpi, period, text, author, default_due(period), author, created, note_id)


def _prepare(con) -> None:
    review_notes._prepare(con)
    ensure_table(con, DDL)
    ensure_table(con, INDEX)
    _migrate(con)


def _insert(con, contract, kpi, period, text, owner, due: date, by, at, note_id=None) -> int:
    cursor = con.execute(
        "insert or ignore into review_actions (contract_id, kpi_code, raised_period, action, owner, due_date, "
        "source_note_id, created_by, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (contract, kpi, period, text, owner, due.isoformat(), note_id, by, at),
    )
    return int(cursor.lastrowid)


def _clean(text: str, owner: str, due: date | None) -> tuple[str, str]:
    text, owner = (text or "").strip(), (owner or "").strip()
    if not text:
        raise ActionRejected("Write what was agreed before saving the action.")
    if not owner:
        raise ActionRejected("Say who owns the action.")
    if not isinstance(due, date):
        raise ActionRejected("Give the action a due date.")
    if len(text) > MAX_ACTION_CHARS or len(owner) > MAX_OWNER_CHARS:
        raise ActionRejected(
            f"Actions are limited to {MAX_ACTION_CHARS:,} characters and owners' names to {MAX_OWNER_CHARS}."
        )
    return text, owner


def _audit(settings: Settings | None, actor: str, action: str, subject: str, **detail) -> None:
    """One audit row (the note itself is recorded by the page, beside the note it follows). The write has been
    committed by then, so a trail that cannot be written goes to the error log rather than undoing it."""
    try:
        audit.record(settings or load_settings(), actor, action, subject, **detail)
    except (sqlite3.Error, OSError) as exc:
        _log.error("The audit trail could not be written (%s %s by %s): %s", action, subject, actor, exc)


def save_note_with_action(
    settings: Settings | None,
    person: Person,
    contract_id: str,
    period: str,
    kpi_code: str,
    commentary: str,
    agreed_action: str,
    author: str,
    owner: str = "",
    due: date | None = None,
    now: datetime | None = None,
) -> tuple[int, int | None]:
    """Save a review note and, when it agrees an action, that action (owner defaults to the author, due date to the
    end of the next quarter), in one transaction. Returns (note id, action id or None).

    Raises AccessRefused unless ``person`` may write this contract's notes; NoteRejected / ActionRejected for
    text that cannot be saved (nothing is written then).
    """
    require(person, "write_note", contract_id)
    commentary, agreed_action, author = review_notes.clean_note(period, commentary, agreed_action, author)
    at = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    due = due or default_due(period)
    if agreed_action:
        _, owner = _clean(agreed_action, owner or author, due)
    with connect(settings) as con:
        _prepare(con)
        note_id = review_notes.insert_note(con, contract_id, period, kpi_code, commentary, agreed_action, author, now)
        action_id = None
        if agreed_action:
            action_id = _insert(con, contract_id, kpi_code, period, agreed_action, owner, due, author, at, note_id)
    if action_id is not None:
        _audit(
            settings,
            author,
            "action_write",
            f"{contract_id} action {action_id}",
            text=agreed_action,
            owner=owner,
            due=due.isoformat(),
        )
    return note_id, action_id


def action(settings: Settings | None, action_id: int) -> dict | None:
    """One action as stored, or None."""
    found = _query(settings, "action_id = ?", (action_id,))
    return found.row(0, named=True) if found.height else None


def update_action(
    settings: Settings | None,
    person: Person,
    action_id: int,
    text: str,
    owner: str,
    due: date | None,
    done: bool,
    period: str,
    today: date | None = None,
    now: datetime | None = None,
) -> dict:
    """Change an action's text, owner or due date, or mark it done (in ``period``, the quarter being reviewed) or
    open again. Returns the action as it was before. Raises AccessRefused unless ``person`` may write notes on the
    action's contract; ActionRejected for an unknown action or text that cannot be saved."""
    before = action(settings, action_id)
    if before is None:
        raise ActionRejected(f"There is no action number {action_id}.")
    require(person, "write_note", before["contract_id"])
    text, owner = _clean(text, owner, due)
    parse_quarter(period)
    today = today or uk_today()
    at = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    done_on, done_period = before["done_on"], before["done_period"]
    if done and not done_on:
        # Done in the quarter being reviewed (never before the one it was raised in), so it leaves later reviews.
        done_on = today.isoformat()
        done_period = max(period, before["raised_period"], key=parse_quarter)
    elif not done:
        done_on = done_period = None
    by = person.author or "demo user"
    with connect(settings) as con:
        _prepare(con)
        con.execute(
            "update review_actions set action = ?, owner = ?, due_date = ?, done_on = ?, done_period = ?, "
            "updated_by = ?, updated_at = ? where action_id = ?",
            (text, owner, due.isoformat(), done_on, done_period, by, at, action_id),
        )
    _audit(
        settings,
        by,
        "action_edit",
        f"{before['contract_id']} action {action_id}",
        previous={k: before[k] for k in ("action", "owner", "due_date", "done_on")},
        now={"action": text, "owner": owner, "due_date": due.isoformat(), "done_on": done_on},
    )
    return before


def _query(settings: Settings | None, where: str, params: tuple) -> pl.DataFrame:
    """Actions matching ``where``, oldest first; none when the database cannot be opened (the page says why)."""
    try:
        with connect(settings) as con:
            _prepare(con)
            rows = con.execute(
                f"select {', '.join(COLUMNS)} from review_actions where {where} order by due_date, action_id", params
            ).fetchall()
    except AppStateUnavailable:
        rows = []
    return pl.DataFrame([tuple(r) for r in rows], schema=SCHEMA, orient="row")


def actions_for_quarter(settings: Settings | None, contract_id: str, period: str) -> pl.DataFrame:
    """The contract's actions on its ``period`` review: those raised then or earlier that were still open in it
    (still open now, or marked done in this quarter's review or a later one). Earliest due first."""
    reviewed = parse_quarter(period)
    every = _query(settings, "contract_id = ?", (contract_id,))
    # Plain Python over a contract's few actions (quarters compare as Quarter, not as text).
    keep = [
        parse_quarter(r["raised_period"]) <= reviewed
        and (r["done_period"] is None or parse_quarter(r["done_period"]) >= reviewed)
        for r in every.iter_rows(named=True)
    ]
    return every.filter(pl.Series(keep, dtype=pl.Boolean)) if every.height else every


@dataclass(frozen=True)
class ActionStatus:
    """An action's status on a given day, in words."""

    code: str
    words: str


def status_words(row: dict, today: date) -> ActionStatus:
    """'Open', 'Overdue (due 30 Sep 2024)' or 'Done 12 Mar 2025', text so colour is never the only signal."""
    code = status(row["due_date"], row["done_on"], today)
    if code == "done":
        return ActionStatus(code, f"Done {_day(row['done_on'])}")
    if code == "overdue":
        return ActionStatus(code, f"Overdue (due {_day(row['due_date'])})")
    return ActionStatus(code, "Open")


def uk_today() -> date:
    """Today in the UK, the day overdue is judged by."""
    return datetime.now(review_notes.LOCAL_TIME).date()


def day_words(iso: str) -> str:
    """'2024-09-30' -> '30 Sep 2024'."""
    return _day(iso)


def _day(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.day} {day:%b %Y}"
