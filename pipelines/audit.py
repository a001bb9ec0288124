"""The audit trail: who did what, append-only, in the application-state database.

One row per sign-in, upload (file, hash, rows loaded and rejected), build, note written, scenario saved, shared
or deleted, pack or export downloaded, and refused action. Triggers refuse UPDATE and DELETE on the table, so
nothing in the product (nor anyone using it through SQLite) can change or remove a row; only replacing the file
itself could, which is why backups of it matter (README, "Deploying for a council").
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime

import polars as pl

from pipelines.config import Settings

DDL = [
    """create table if not exists audit_log (
        audit_id integer primary key autoincrement,
        at text not null,
        actor text not null,
        action text not null,
        subject text not null default '',
        detail text not null default ''
    )""",
    """create trigger if not exists audit_log_no_update before update on audit_log
       begin select raise(abort, 'the audit trail is append-only: its rows cannot be changed'); end""",
    """create trigger if not exists audit_log_no_delete before delete on audit_log
       begin select raise(abort, 'the audit trail is append-only: its rows cannot be deleted'); end""",
]
COLUMNS = ("audit_id", "at", "actor", "action", "subject", "detail")
ACTIONS = {
    "sign_in": "signed in",
    "upload": "loaded a file",
    "upload_refused": "was refused an upload",
    "build": "rebuilt the warehouse",
    "note_write": "wrote a review note",
    "action_write": "agreed a review action",
    "action_edit": "updated a review action",
    "scenario_save": "saved a scenario",
    "scenario_share": "shared a scenario",
    "scenario_unshare": "made a scenario private",
    "scenario_delete": "deleted a scenario",
    "pack_download": "downloaded the committee pack",
    "export_download": "downloaded an export",
    "refused": "was refused",
    "purge": "purged raw data",
}


def _jsonable(value: object) -> object:
    """Details as a reader would want them: a dataclass (scenario levers) as its fields, anything else as text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    return str(value)


class AuditError(sqlite3.DatabaseError):
    """The audit trail refused a change."""


def _connect(settings: Settings) -> sqlite3.Connection:
    path = settings.path("app_state")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10)
    for ddl in DDL:
        con.execute(ddl)
    return con


def record(settings: Settings, actor: str, action: str, subject: str = "", **detail) -> int:
    """Append one row; its id. ``actor`` is the signed-in person ('demo user' in the demo, 'asc CLI' for jobs)."""
    if action not in ACTIONS:
        raise KeyError(f"unknown audit action {action!r}")
    at = datetime.now(UTC).isoformat(timespec="seconds")
    con = _connect(settings)
    try:
        with con:
            cursor = con.execute(
                "insert into audit_log (at, actor, action, subject, detail) values (?, ?, ?, ?, ?)",
                (at, actor or "demo user", action, subject, json.dumps(detail, default=_jsonable) if detail else ""),
            )
        return int(cursor.lastrowid)
    finally:
        con.close()


def read(
    settings: Settings,
    limit: int | None = None,
    actors: Iterable[str] = (),
    actions: Iterable[str] = (),
    start: datetime | None = None,
    end: datetime | None = None,
) -> pl.DataFrame:
    """The trail, newest first: every row, or those by ``actors``, of ``actions``, at or after ``start`` and
    before ``end`` (aware datetimes; the table holds UTC times as ISO text, which sort as they read)."""
    where, params = [], []
    for column, values in (("actor", list(actors)), ("action", list(actions))):
        if values:
            where.append(f"{column} in ({', '.join('?' * len(values))})")
            params += values
    for sign, moment in ((">=", start), ("<", end)):
        if moment is not None:
            where.append(f"at {sign} ?")
            params.append(moment.astimezone(UTC).isoformat(timespec="seconds"))
    sql = f"select {', '.join(COLUMNS)} from audit_log"
    sql += (" where " + " and ".join(where) if where else "") + " order by audit_id desc"
    if limit:
        sql += " limit ?"
        params.append(limit)
    con = _connect(settings)
    try:
        rows = con.execute(sql, params).fetchall()
    finally:
        con.close()
    schema = {c: (pl.Int64 if c == "audit_id" else pl.String) for c in COLUMNS}
    return pl.DataFrame(rows, schema=schema, orient="row")


def signed_in_before(settings: Settings, subject: str, token_issued_at: int) -> bool:
    """Whether this sign-in (the identity provider's token, by its issue time) is already in the trail: a browser
    tab opened or reloaded later is a new Streamlit session on the same sign-in, not another sign-in."""
    con = _connect(settings)
    try:
        found = con.execute(
            "select 1 from audit_log where action = 'sign_in' and subject = ? and detail like ? limit 1",
            (subject, f'%"token_issued_at": {int(token_issued_at)}%'),
        ).fetchall()
    finally:
        con.close()
    return bool(found)


def actors(settings: Settings) -> list[str]:
    """Everyone the trail names, A to Z (the audit page's filter)."""
    con = _connect(settings)
    try:
        return [r[0] for r in con.execute("select distinct actor from audit_log order by lower(actor)").fetchall()]
    finally:
        con.close()


def try_change(settings: Settings, sql: str, params: tuple = ()) -> None:
    """Run an UPDATE or DELETE on the trail (what the product never does): AuditError, as the triggers refuse."""
    con = _connect(settings)
    try:
        with con:
            con.execute(sql, params)
    except sqlite3.IntegrityError as exc:
        raise AuditError(str(exc)) from exc
    finally:
        con.close()
