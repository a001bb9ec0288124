"""`asc purge`: remove one person's, or one file's, data on request (UK GDPR subject rights), keeping the audit trail.

A person is named by the identifier the council holds (NHS Number or the council's own person ID). The store
and warehouse hold only its pseudonyms (keyed hashes, ``validate.Plan.pseudonym_sql`` and the CLD reader's
``nhs:``/``la:`` forms), so the key turns the identifier into every pseudonym it could have been given, and:

- the raw-file archive: each archived file's rows holding the identifier in a person column are removed and the
  file rewritten in place (a purged copy keeps its name, the hash of the file as received, so ``load_log`` still
  names it; its content no longer hashes to that name);
- the ingest store: every row of every table with a text value holding one of those pseudonyms (or the raw
  identifier) is deleted (loaded rows, rejects, withdrawals);
- the warehouse: rebuilt from the purged store.

A file (``--file``, by the name it was loaded under or its SHA-256) loses its archived copy, its loaded rows and
rejects; its ``load_log`` row stays, marked ``purged``, so the history says it existed, and sending it again
loads it afresh. Either way a ``purge`` row goes into the audit trail with who ran it and what went: for a
person a purge reference (another keyed hash, which matches none of the pseudonyms) rather than the identifier.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from pipelines.config import Settings
from pipelines.schemas import ALL_SOURCES, normalise_column_name
from pipelines.store_lock import store_lock

# Every accepted name of a person column, in any source (``Person ID``, ``NHS Number``, their aliases).
PERSON_COLUMNS = frozenset(
    name
    for source in ALL_SOURCES.values()
    for column in source.columns
    if column.name in source.person_columns
    for name in (column.name, *column.aliases)
)


class PurgeError(RuntimeError):
    """The purge cannot run (no key, no such file); nothing was changed."""


@dataclass
class PurgeResult:
    what: str  # "person" or "file"
    reference: str  # the person's purge reference, or the file's name
    archive_files: list[str] = field(default_factory=list)  # rewritten (person) or deleted (file)
    archive_rows: int = 0
    store_rows: dict[str, int] = field(default_factory=dict)  # table -> rows deleted
    loads: list[int] = field(default_factory=list)
    rebuilt: bool = False
    build_error: str = ""

    @property
    def summary(self) -> dict:
        return {
            "archive_files": self.archive_files,
            "archive_rows": self.archive_rows,
            "store_rows": self.store_rows,
            "loads": self.loads,
            "warehouse": "rebuilt" if self.rebuilt else f"not rebuilt: {self.build_error}",
        }


# The person's forms ---------------------------------------------------------------------------------------


def _key(settings: Settings) -> bytes:
    path = settings.path("pseudonymisation_key")
    try:
        return bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError) as exc:
        raise PurgeError(
            f"the pseudonymisation key {path} cannot be read ({exc}); without it a person's rows cannot be found. "
            "Restore it from the backup (README, 'Deploying for a council')."
        ) from exc


def _compact(identifier: str) -> str:
    return re.sub(r"[\s-]", "", identifier)


def pseudonyms(key: bytes, identifier: str) -> set[str]:
    """Every pseudonym ingest could have given this identifier: as a person ID, and as CLD's NHS Number or LA ID."""
    plain, compact = identifier.strip(), _compact(identifier.strip())
    raw = {plain, f"la:{plain}", f"nhs:{compact}"}
    return {"ph_" + hashlib.sha256(key + r.encode()).hexdigest()[:20] for r in raw}


def purge_reference(key: bytes, identifier: str) -> str:
    """What the audit trail keeps: with the key, 'was this person purged?' can be answered; without, nothing."""
    digest = hashlib.sha256(b"asc purge reference\0" + key + _compact(identifier.strip()).encode()).hexdigest()
    return "purge_" + digest[:20]


def _matches(value: object, identifier: str) -> bool:
    text = str(value).strip() if value is not None else ""
    if text.endswith(".0") and text[:-2].isdigit():  # a number Excel stored as 9434765919.0
        text = text[:-2]
    return bool(text) and (text == identifier.strip() or _compact(text) == _compact(identifier.strip()))


# The archive ----------------------------------------------------------------------------------------------


def _without_person(rows: list[list], identifier: str) -> tuple[list[list], int]:
    """Rows minus those holding ``identifier`` in a person column, below the first row naming one."""
    for index, row in enumerate(rows):
        columns = [i for i, cell in enumerate(row) if normalise_column_name(str(cell or "")) in PERSON_COLUMNS]
        if columns:
            kept = rows[: index + 1]
            for row_below in rows[index + 1 :]:
                if not any(i < len(row_below) and _matches(row_below[i], identifier) for i in columns):
                    kept.append(row_below)
            return kept, len(rows) - len(kept)
    return rows, 0


def _decode(data: bytes) -> tuple[str, str]:
    for encoding in ("utf-8-sig", "utf-16", "cp1252"):
        try:
            text = data.decode(encoding)
            if encoding != "utf-16" or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
                return text, encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _purge_csv(path: Path, identifier: str) -> int:
    text, encoding = _decode(path.read_bytes())
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:  # one column, or nothing to go on: the ordinary comma-separated form
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text, newline=""), dialect))
    kept, removed = _without_person(rows, identifier)
    if removed:
        out = io.StringIO(newline="")
        csv.writer(out, dialect, lineterminator="\r\n" if "\r\n" in text[:4096] else "\n").writerows(kept)
        _replace(path, out.getvalue().encode("utf-8-sig" if encoding == "utf-8-sig" else encoding))
    return removed


def _purge_parquet(path: Path, identifier: str) -> int:
    import polars as pl

    frame = pl.read_parquet(path)
    person = [c for c in frame.columns if normalise_column_name(c) in PERSON_COLUMNS]
    if not person:
        return 0
    values = frame.select(pl.col(c).cast(pl.String) for c in person).rows()
    keep = [not any(_matches(v, identifier) for v in row) for row in values]
    removed = keep.count(False)
    if removed:
        buffer = io.BytesIO()
        frame.filter(pl.Series(keep)).write_parquet(buffer)
        _replace(path, buffer.getvalue())
    return removed


def _purge_xlsx(path: Path, identifier: str) -> int:
    """Every sheet read as text and written back without the person's rows (formatting is not kept)."""
    import polars as pl
    import xlsxwriter

    sheets = pl.read_excel(path, sheet_id=0, has_header=False, infer_schema_length=0)
    purged, removed = {}, 0
    for name, frame in sheets.items():
        kept, gone = _without_person([list(r) for r in frame.rows()], identifier)
        purged[name], removed = kept, removed + gone
    if removed:
        buffer = io.BytesIO()
        with xlsxwriter.Workbook(buffer, {"in_memory": True}) as book:
            for name, rows in purged.items():
                sheet = book.add_worksheet(name)
                for r, row in enumerate(rows):
                    for c, value in enumerate(row):
                        if value is not None:
                            sheet.write_string(r, c, str(value))
        _replace(path, buffer.getvalue())
    return removed


PURGERS = {".csv": _purge_csv, ".parquet": _purge_parquet, ".xlsx": _purge_xlsx}


def _replace(path: Path, data: bytes) -> None:
    """Write beside, then rename over: a purge interrupted half-way leaves the old file or the new, never half."""
    temporary = path.with_name(path.name + ".purge.tmp")
    temporary.write_bytes(data)
    temporary.chmod(0o600)
    temporary.replace(path)


def _archive_files(settings: Settings) -> list[Path]:
    archive = settings.path("archive")
    if not archive.exists():
        return []
    return sorted(p for p in archive.glob("*") if p.is_file() and p.suffix.lower() in PURGERS)


# The store ------------------------------------------------------------------------------------------------


def _text_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    tables: dict[str, list[str]] = {}
    for table, column in con.sql(
        "select table_name, column_name from duckdb_columns() where database_name = current_database() "
        "and data_type = 'VARCHAR' and not internal"
    ).fetchall():
        tables.setdefault(table, []).append(column)
    return tables


def _delete_everywhere(con: duckdb.DuckDBPyConnection, forms: set[str], raw: str) -> dict[str, int]:
    """Delete every row of every table whose text holds a pseudonym (also inside a record key) or is the raw ID."""
    deleted = {}
    for table, columns in _text_columns(con).items():
        conditions, params = [], []
        for column in columns:
            q = '"' + column.replace('"', '""') + '"'
            conditions += [f"contains({q}, ?)" for _ in forms] + [f"trim({q}) = ?"]
            params += sorted(forms) + [raw.strip()]
        where = " or ".join(conditions)
        qt = '"' + table.replace('"', '""') + '"'
        (count,) = con.sql(f"select count(*) from {qt} where {where}", params=params).fetchall()[0]
        if count:
            con.sql(f"delete from {qt} where {where}", params=params)
            deleted[table] = count
    return deleted


def purge_person(settings: Settings, identifier: str) -> PurgeResult:
    """Remove a person's rows from the archive and the store; the caller rebuilds the warehouse."""
    if not identifier.strip():
        raise PurgeError("give the person's NHS Number or the council's person ID")
    key = _key(settings)
    result = PurgeResult("person", purge_reference(key, identifier))
    forms = pseudonyms(key, identifier)
    with store_lock(settings):
        for path in _archive_files(settings):
            removed = PURGERS[path.suffix.lower()](path, identifier)
            if removed:
                result.archive_files.append(path.name)
                result.archive_rows += removed
        store = settings.path("ingest_store")
        if store.exists():
            con = duckdb.connect(str(store))
            try:
                con.begin()
                result.store_rows = _delete_everywhere(con, forms, identifier)
                con.commit()
                con.sql("checkpoint")
            finally:
                con.close()
    return result


def purge_file(settings: Settings, name: str) -> PurgeResult:
    """Remove one file's archived copy, loaded rows and rejects; its load_log rows stay, marked purged."""
    result = PurgeResult("file", name)
    store = settings.path("ingest_store")
    if not store.exists():
        raise PurgeError(f"there is no ingest store at {store}, so no file has been loaded")
    with store_lock(settings):
        con = duckdb.connect(str(store))
        try:
            loads = con.sql(
                "select load_id, sha256 from load_log where file_name = ? or sha256 = ? order by load_id",
                params=[name, name.lower()],
            ).fetchall()
            if not loads:
                raise PurgeError(f"no file named {name} (or with that SHA-256) is in the load history")
            ids = [load_id for load_id, _ in loads]
            result.loads = ids
            con.begin()
            result.store_rows = _delete_loads(con, ids)
            marks = ", ".join("?" * len(ids))
            con.sql(
                f"update load_log set status = 'purged', message = 'raw data purged (asc purge)' "
                f"where load_id in ({marks})",
                params=ids,
            )
            con.commit()
            con.sql("checkpoint")
        finally:
            con.close()
        for _, digest in loads:
            for path in settings.path("archive").glob(f"{digest}.*"):
                path.unlink()
                result.archive_files.append(path.name)
    return result


def purge_expired(settings: Settings, now: datetime | None = None) -> PurgeResult:
    """Delete archived raw files whose last load is older than ``archive_retention_days`` (their loaded rows,
    already pseudonymised, stay: the measures need them; what goes is the raw copy with its identifiers)."""
    days = settings.archive_retention_days
    if days <= 0:
        raise PurgeError("archive_retention_days is 0 (keep until purged): set it in the settings file first")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    result = PurgeResult("expired", f"archive copies last loaded before {cutoff:%Y-%m-%d}")
    store = settings.path("ingest_store")
    with store_lock(settings):
        last_loaded = {}
        if store.exists():
            con = duckdb.connect(str(store), read_only=True)
            try:
                last_loaded = dict(con.sql("select sha256, max(loaded_at) from load_log group by 1").fetchall())
            finally:
                con.close()
        for path in _archive_files(settings):
            loaded = last_loaded.get(path.name.split(".")[0])
            when = loaded or datetime.fromtimestamp(path.stat().st_mtime, UTC)
            if when < cutoff:
                path.unlink()
                result.archive_files.append(path.name)
    result.rebuilt = True  # the warehouse holds nothing from the archive: nothing to rebuild
    return result


def _delete_loads(con: duckdb.DuckDBPyConnection, ids: list[int]) -> dict[str, int]:
    marks = ", ".join("?" * len(ids))
    deleted = {}
    for (table,) in con.sql(
        "select table_name from duckdb_columns() where database_name = current_database() and not internal "
        "and column_name = 'load_id' and table_name not in ('load_log') group by 1"
    ).fetchall():
        qt = '"' + table.replace('"', '""') + '"'
        (count,) = con.sql(f"select count(*) from {qt} where load_id in ({marks})", params=ids).fetchall()[0]
        if count:
            con.sql(f"delete from {qt} where load_id in ({marks})", params=ids)
            deleted[table] = count
    for (table,) in con.sql(f"select table_name from large_loads where load_id in ({marks})", params=ids).fetchall():
        (count,) = con.sql(f'select count(*) from "{table}"').fetchall()[0]
        con.sql(f'drop table if exists "{table}"')
        deleted[table] = count
    sql = f"select count(*) from withdrawals where withdrawn_load_id in ({marks})"
    withdrawn = con.sql(sql, params=ids).fetchall()[0]
    if withdrawn[0]:
        con.sql(f"delete from withdrawals where withdrawn_load_id in ({marks})", params=ids)
        deleted["withdrawals"] = deleted.get("withdrawals", 0) + withdrawn[0]
    return deleted


def rebuild(settings: Settings, result: PurgeResult) -> PurgeResult:
    """Rebuild the warehouse from the purged store, so no page, pack or export still holds what went."""
    from pipelines.build import BuildError, build_warehouse

    try:
        build_warehouse(settings)
        result.rebuilt = True
    except BuildError as exc:
        result.build_error = str(exc)
    return result
