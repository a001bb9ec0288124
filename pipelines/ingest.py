"""`asc ingest`: load inbox files into the ingest store, row by validated row, losing nothing.

Each file is hashed (SHA-256), archived under its hash and recorded in ``load_log``. Good rows go to
``raw_<source>`` (a large CSV's to a table of its own, see ``LARGE_FILE_BYTES``; ``loaded_rows_sql``
reads both); every problem goes to ``rejects`` with its file, row, column, value and reason. One
file is one transaction: if the process dies half-way, the store is exactly as it was before. Content
already loaded is skipped and said to be; a corrected file (different content) is a new load, and
staging takes the latest load for each key, so the earlier rows stay as history.

Person identifiers are replaced as they are read, inside DuckDB, by a keyed SHA-256 hash (see
``validate.Plan.pseudonym_sql``) with a key kept outside the project (``paths.pseudonymisation_key``),
so a raw identifier is never written to the store, nor even to a temporary table.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pipelines.ascof import year_from_file_name
from pipelines.cld import CLD
from pipelines.cld.store import cld_rows_sql, ensure_cld_store
from pipelines.config import Settings
from pipelines.errors import describe_os_error, record_unexpected, unexpected_message
from pipelines.readers import (
    SUPPORTED_SUFFIXES,
    FileRejected,
    InputFile,
    ReadLimits,
    check_columns,
    detect_source,
    fingerprint,
    needs_serial_read,
    open_input,
    peek_source,
    quote_identifier,
)
from pipelines.resubmission import RESUBMISSION_SCOPE, Changes, changes_of, changes_sql, is_resubmission, scope_words
from pipelines.schemas import ALL_SOURCES, LOAD_ORDER, Source, canonical_names
from pipelines.store_lock import store_lock
from pipelines.validate import REJECT_NAMES, Context, Plan, bind, keeps_file_order, period_mapping, reject_schema

if TYPE_CHECKING:
    import polars as pl

SYNTHETIC_MARKER = "SYNTHETIC_DEMO_DATA.txt"
# DuckDB's working memory while loading is the setting limits.ingest_memory_mb (1000 MB): ten million activity
# rows then load with the whole process peaking at about 1.05 GB (target 1.5 GB); 600 MB kept the peak at 0.7 GB
# but spilled, and the load took 12% longer.
# Test hook: seconds to sleep inside the load transaction, so a test can kill the process mid-load.
PAUSE_ENV = "ASC_INGEST_PAUSE_IN_TRANSACTION"
FIRST_REJECTS = 200  # rejects kept on the result for the CLI and the Data page (all go to the store)
# A CSV at least this big is validated straight into a table of its own, ``load_<id>_<source>``, in one
# pass, instead of into a temporary table whose good rows are then copied into ``raw_<source>``: for ten
# million activity rows the copy alone took 8 s, a third of the load (issue 3: within 2x a bare read).
# ``large_loads`` lists these tables and ``loaded_rows_sql`` puts their good rows beside raw_<source>'s.
LARGE_FILE_BYTES = 64 * 1024 * 1024
_SQL_TYPES = {
    "str": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "date": "DATE",
    "bool": "BOOLEAN",
    "quarter": "VARCHAR",
    "fy": "VARCHAR",
    "locality": "VARCHAR",
    "area_code": "VARCHAR",
}


@dataclass
class FileResult:
    file: str
    source: str | None
    status: str  # loaded | loaded_with_rejects | duplicate | rejected | no_data | failed | dry_run
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    message: str = ""
    reject_rows: list[tuple] = field(default_factory=list)  # the first rejects: (row, column, value, reason)
    load_id: int | None = None
    sha256: str = ""
    changes: Changes | None = None  # what a resubmission changes (added, changed, withdrawn), before or as loaded
    warnings: list[str] = field(default_factory=list)  # notes that need a person's attention (also in ``message``)

    @property
    def rejects(self) -> pl.DataFrame:
        """The first rejects as a frame (Polars is imported only when someone looks)."""
        import polars as pl

        return pl.DataFrame(self.reject_rows, schema=reject_schema(), orient="row")


class NoDataRows(FileRejected):
    """The file has a header but not one row under it: logged as such, never as loaded."""

    status = "no_data"


class StoreUnavailable(RuntimeError):
    """The ingest store cannot be opened for writing (a read-only data folder, say): nothing can be loaded."""


class _ReadSerially(Exception):  # noqa: N818 (a signal, not an error)
    """DuckDB's parallel CSV reader met a line break inside quotes: read the file again in one thread."""


class _MonthFirst(Exception):  # noqa: N818 (a signal, not an error)
    """The file's dates prove to be month first (04/30/2023) and none day first: check it again so."""

    def __init__(self, example: str) -> None:
        super().__init__(example)
        self.example = example


def ensure_store(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ingest store's tables if they are not there yet, adding columns new schemas bring."""
    con.sql("create sequence if not exists load_id_seq")
    con.sql("""
        create table if not exists load_log (
            load_id bigint primary key, source varchar, file_name varchar, sha256 varchar,
            rows_read bigint, rows_loaded bigint, rows_rejected bigint, status varchar,
            message varchar, is_synthetic boolean, loaded_at timestamptz)""")
    con.sql("""
        create table if not exists large_loads (
            load_id bigint primary key, source varchar, table_name varchar, row_offset bigint)""")
    con.sql("create table if not exists pseudonymisation (key_fingerprint varchar, recorded_at timestamptz)")
    ensure_withdrawals(con)
    con.sql("""
        create table if not exists rejects (
            load_id bigint, source varchar, file_name varchar, row_number bigint,
            column_name varchar, value varchar, reason varchar)""")
    for source in ALL_SOURCES.values():
        if source.name == CLD:  # its own reader, its own tables (pipelines/cld/store.py)
            ensure_cld_store(con)
            continue
        table = f"raw_{source.name}"
        cols = ", ".join(
            f"{quote_identifier(c.name)} {_SQL_TYPES[c.type]}{_storage(source, c.name)}" for c in source.columns
        )
        con.sql(f"create table if not exists {table} (load_id bigint, source_row bigint, {cols})")
        existing = {name for (name,) in con.sql(f"select column_name from (describe {table})").fetchall()}
        for c in source.columns:
            if c.name not in existing:  # a store made before the schema gained this column
                con.sql(f"alter table {table} add column {quote_identifier(c.name)} {_SQL_TYPES[c.type]}")


def ensure_withdrawals(con: duckdb.DuckDBPyConnection) -> None:
    """``withdrawals``: rows a resubmission no longer holds, by record key, made by load ``load_id``.

    Staging leaves out a row whose key a later load withdrew (``withdrawn_load_id`` is the load the row came
    from); sending the key again in a still later load brings it back.
    """
    con.sql("""
        create table if not exists withdrawals (
            load_id bigint, source varchar, record_key varchar, withdrawn_load_id bigint, withdrawn_at timestamptz)""")


def loaded_rows_sql(con: duckdb.DuckDBPyConnection, source: Source, catalog: str = "") -> str:
    """SQL for every loaded row of ``source`` in a store (``catalog``: its name when attached).

    That is ``raw_<source>`` and the good rows of the source's large loads, each in its own table with
    its bad and blank rows flagged beside them. Such a table is never changed after its load, so a
    row's position (``rowid``) plus the load's offset is its spreadsheet row number. A column the
    schema gained after a table was made reads as blank.
    """
    if source.name == CLD:
        return cld_rows_sql(con, catalog)
    prefix = f"{catalog}." if catalog else ""
    tables = {}
    for table, column in con.sql(
        "select table_name, column_name from duckdb_columns() "
        "where database_name = coalesce(nullif(?, ''), current_database())",
        params=[catalog],
    ).fetchall():
        tables.setdefault(table, set()).add(column)

    def select(table: str, row: str) -> str:
        # Large loads keep allowed values as ENUMs: every column is cast to its raw_<source> type.
        values = ", ".join(
            f"cast({quote_identifier(c.name) if c.name in tables[table] else 'null'} as {_SQL_TYPES[c.type]}) "
            f"as {quote_identifier(c.name)}"
            for c in source.columns
        )
        return f"select load_id, {row} as source_row, {values} from {prefix}{quote_identifier(table)}"

    parts = [select(f"raw_{source.name}", "source_row")]
    if "large_loads" in tables:  # a store made before large loads had their own tables has no list of them
        large = con.sql(
            f"select table_name, row_offset from {prefix}large_loads where source = ? order by load_id",
            params=[source.name],
        ).fetchall()
        parts += [select(t, f"rowid + {int(offset)}") + " where _mask = 0 and not _blank" for t, offset in large]
    return "\nunion all ".join(parts)


def _storage(source: Source, column: str) -> str:
    """How a raw column is stored: pseudonymised person columns uncompressed, the others as DuckDB picks.

    Pseudonyms are random hex, which no compression shrinks, yet DuckDB would try each method on every
    row group: storing them uncompressed takes ten million activity rows' insert from 8.6 s to 6.5 s.
    """
    return " using compression uncompressed" if column in source.person_columns else ""


class IdentityError(StoreUnavailable):
    """The pseudonymisation key is missing, or is not the one the store's pseudonyms were made with."""


def key_fingerprint(key: bytes) -> str:
    """A name for the key that gives nothing of it away: 16 hex digits of a hash of it."""
    return hashlib.sha256(b"asc-commissioning pseudonymisation key fingerprint\0" + key).hexdigest()[:16]


def pseudonymisation_key(con: duckdb.DuckDBPyConnection, settings: Settings, create: bool = True) -> bytes | None:
    """The secret key for person identifiers, after checking it is the one the store's pseudonyms were made with.

    The store records the fingerprint of its key (table ``pseudonymisation``). A key that is missing or
    different would give the same person a new pseudonym, so a correction would become a second record:
    ingest then refuses to run (IdentityError) and says how to restore the key, rather than make a new one.
    Only a store holding no pseudonyms yet gets a new key (with ``create``): 32 random bytes in a file
    readable by its owner only, in a folder only they may enter, kept outside the project.
    """
    path, store = settings.path("pseudonymisation_key"), settings.path("ingest_store")
    recorded = con.sql("select key_fingerprint from pseudonymisation order by recorded_at limit 1").fetchall()
    key = _read_key(path)
    restore = (
        f"Restore the key file from your backup to {path}, or point paths.pseudonymisation_key in the settings file "
        "at it (every process that loads data must use the same key), then run again"
    )
    if recorded:
        (fingerprint,) = recorded[0]
        if key is None:
            raise IdentityError(
                f"the pseudonymisation key {path} is missing, but the ingest store {store} holds pseudonyms made "
                f"with the key whose fingerprint is {fingerprint}. A new key would give every person a new "
                f"pseudonym, so corrections would no longer match their earlier rows. {restore}"
            )
        if key_fingerprint(key) != fingerprint:
            raise IdentityError(
                f"the pseudonymisation key {path} (fingerprint {key_fingerprint(key)}) is not the key the ingest "
                f"store {store} made its pseudonyms with (fingerprint {fingerprint}): the same person would get "
                f"another pseudonym. {restore}"
            )
        return key
    if _holds_pseudonyms(con):  # a store from before fingerprints were recorded
        if key is None:
            raise IdentityError(
                f"the pseudonymisation key {path} is missing, but the ingest store {store} holds pseudonyms made "
                f"with it. A new key would give every person a new pseudonym. {restore}"
            )
    elif key is None:
        if not create:
            return None
        key = _create_key(path)
    con.sql("insert into pseudonymisation values (?, ?)", params=[key_fingerprint(key), datetime.now(UTC)])
    return key


def _holds_pseudonyms(con: duckdb.DuckDBPyConnection) -> bool:
    sources = [s.name for s in ALL_SOURCES.values() if s.person_columns]
    return bool(
        con.sql(
            "select count(*) from load_log "
            "where list_contains(?, source) and status like 'loaded%' and rows_loaded > 0",
            params=[sources],
        ).fetchall()[0][0]
    )


def _read_key(path: Path) -> bytes | None:
    if not path.exists():
        return None
    try:
        key = bytes.fromhex(path.read_text().strip())
    except ValueError:
        key = b""
    if len(key) != 32:
        raise IdentityError(f"the pseudonymisation key file {path} does not hold a key (64 hexadecimal digits)")
    return key


def _create_key(path: Path) -> bytes:
    """A new key, written 0600 from the start into a folder made 0700 (never readable by others, not even
    for a moment); if another process makes it first, theirs."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.parent.chmod(0o700)  # mkdir's mode is narrowed by the umask, never widened
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return bytes.fromhex(key)


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files named, and the supported files inside folders named, in a stable order."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.suffix.lower() in SUPPORTED_SUFFIXES))
        else:
            files.append(p)
    return files


def _context(con, source: Source, opened: InputFile, settings: Settings, year: str | None) -> Context:
    context = Context(settings.locality_codes, date.today())
    if source.person_columns:
        context.key = pseudonymisation_key(con, settings)
    if source.name == "kpi_returns":
        catalogue = loaded_rows_sql(con, ALL_SOURCES["kpi_catalogue"])
        context.kpi_codes = [c for (c,) in con.sql(f"select distinct kpi_code from ({catalogue})").fetchall()]
        units = con.sql(
            f"select kpi_code, unit from ({catalogue}) "
            "qualify row_number() over (partition by kpi_code order by load_id desc, source_row desc) = 1"
        ).fetchall()
        context.percent_kpis = [code for code, unit in units if unit == "percent"]
        context.gbp_kpis = [code for code, unit in units if unit == "gbp"]
    names = canonical_names(source)
    present = {names[c] for c in opened.columns if c in names}
    for column in source.supplied:
        if column in present:
            continue
        value = year or year_from_file_name(opened.name)
        if value is None:
            raise FileRejected(
                f"{opened.name}: cannot tell which year this file is for: it has no Year column and its name "
                "does not say (like meas-from-asc-of-eng-2022-csv-v3.csv). Give the year, for example --year 2022/23"
            )
        context.supplied[column] = value
    return context


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    settings: Settings,
    source_name: str | None = None,
    dry_run: bool = False,
    sheet: str | None = None,
    year: str | None = None,
    limits: ReadLimits | None = None,
    resubmission: bool = False,
) -> FileResult:
    """Validate one file and, unless ``dry_run``, load it in one transaction (``limits``: the most it may hold,
    by default ``asc ingest``'s)."""
    fp = fingerprint(path)
    seen = con.sql(
        "select load_id, source, file_name from load_log where sha256 = ? and status like 'loaded%' order by load_id",
        params=[fp.sha256],
    ).fetchall()
    if seen and not dry_run:
        load_id, source, first_name = seen[0]
        message = f"identical content already loaded (load {load_id}, {first_name}); nothing changed"
        return FileResult(path.name, source, "duplicate", message=message, load_id=load_id, sha256=fp.sha256)
    opened, source = None, None
    try:
        opened = open_input(con, path, fp, sheet, limits or ReadLimits.of(settings.limits))
        source = ALL_SOURCES[source_name] if source_name else detect_source(opened.columns, path.name)
        check_columns(opened.columns, source, path.name)
        context = _context(con, source, opened, settings, year)
        context.resubmission = is_resubmission(path, resubmission)
        while True:
            try:
                load = _load
                if source.name == CLD:  # CLD has a reader of its own: values kept, names and postcodes dropped
                    from pipelines.cld.reader import load_cld as load
                return load(con, path, fp.sha256, opened, source, context, settings, dry_run, seen)
            except _ReadSerially:
                if not opened.read_serially():
                    raise
            except _MonthFirst as signal:
                context.month_first = True
                opened.notes.append(f"dates read month first, as {signal.example} shows")
    except FileRejected as exc:
        status = getattr(exc, "status", "rejected")
        result = FileResult(
            path.name, source.name if source else source_name, status, message=str(exc), sha256=fp.sha256
        )
        if not dry_run:  # a dry run says the file would be rejected, and records nothing
            _record_rejected_file(con, path, fp.sha256, result, settings)
        return result
    finally:
        if opened is not None:
            opened.close(con)


def _load(con, path, digest, opened: InputFile, source: Source, context, settings, dry_run, seen) -> FileResult:
    plan = Plan(
        source,
        opened.fragment,
        opened.columns,
        context,
        opened.fast_fragment,
        opened.row_offset,
        opened.other_separators,
    )
    query = _checked_query(con, plan, opened)
    params = {**opened.params, **plan.all_params()}
    if plan.fast and not keeps_file_order(con, f"create temp table _checked as {query}", bind(query, params)):
        plan.number_rows_while_reading()
        query = _checked_query(con, plan, opened)
        params = {**opened.params, **plan.all_params()}
    large = plan.fast and path.stat().st_size >= LARGE_FILE_BYTES
    if not large:
        # The checked rows are private to this connection and made before the transaction, so their
        # rowids count from 0 in file order (inside a transaction they start at DuckDB's local base).
        try:
            _read_into(con, opened, f"create temp table _checked as {query}", params)
            _check_date_order(con, plan, "_checked", opened)
            _flag_duplicates(con, plan, "_checked")
        except (FileRejected, _ReadSerially, _MonthFirst):
            con.sql("drop table if exists _checked")
            raise
    # The archive copy (1.4 s for a 1 GB file) runs in a thread while DuckDB inserts; it is joined
    # before the commit, so a load is never committed without its archived file.
    copier = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive")
    archiving = None if dry_run else copier.submit(_archive, path, digest, settings)
    con.begin()
    try:
        load_id = con.sql("select nextval('load_id_seq')").fetchall()[0][0]
        if large:
            checked = _check_into_own_table(con, opened, plan, query, params, load_id)
            _check_date_order(con, plan, checked, opened)
            _flag_duplicates(con, plan, checked)
        else:
            checked = "_checked"
            _insert_good_rows(con, plan, load_id)
        reject_sql = (
            "insert into rejects select $load_id, $source, $file, row_number, column_name, value, reason "
            f"from ({plan.reject_sql(checked)})"
        )
        meta = {"load_id": load_id, "source": source.name, "file": path.name}
        con.sql(reject_sql, params=bind(reject_sql, {**plan.all_params(), **meta}))
        rows_read, rows_bad = con.sql(
            f"select count(*), count(*) filter (_mask <> 0) from {checked} where not _blank"
        ).fetchall()[0]
        if rows_read == 0:
            raise NoDataRows(
                f"{path.name}: no data rows: the file has a header (row {opened.header_row}) but no rows under it"
            )
        rejects = con.sql(
            f"select {', '.join(REJECT_NAMES)} from rejects where load_id = ? order by row_number, column_name limit ?",
            params=[load_id, FIRST_REJECTS],
        ).fetchall()
        notes = _notes(opened, source, context, seen)
        changes = None
        if context.resubmission:
            if source.name in RESUBMISSION_SCOPE:
                changes = _resubmit(con, source, load_id, settings, dry_run)
            note = _resubmission_note(changes, source, dry_run)
            notes = f"{notes}; {note}" if notes else note
        status = "loaded" if rows_bad == 0 else "loaded_with_rejects"
        result = FileResult(
            path.name, source.name, status, rows_read, rows_read - rows_bad, rows_bad, notes, rejects, load_id, digest
        )
        result.changes = changes
        return finish_load(con, result, path, dry_run, archiving)
    except BaseException:
        con.rollback()
        con.sql("set preserve_insertion_order = true")  # in case the insert above failed
        raise
    finally:
        copier.shutdown(wait=True)
        con.sql("drop table if exists _checked")


def _check_date_order(con, plan: Plan, checked: str, opened: InputFile) -> None:
    """Decide the order of day and month in the file's dates, from all of them.

    Day first (30/04/2023) unless the file proves otherwise: a date that can only be month first
    (04/30/2023, refused when read day first) makes the whole file month first, so that 03/04/2023 in it
    is 4 March, not 3 April. If some dates can only be month first and others only day first, the file
    contradicts itself and is refused whole, with the rows that show it.
    """
    count_sql = plan.month_first_sql(checked)
    if count_sql is None or not con.sql(count_sql).fetchall()[0][0]:
        return
    decide_date_order(con, plan, opened)


def decide_date_order(con, plan: Plan, opened: InputFile) -> None:
    """Some date reads only month first: read every date of the file to decide (see ``_check_date_order``).

    Returns if no date proves month first after all; raises ``_MonthFirst`` (load the file again, month first)
    or, if other dates prove day first, ``FileRejected`` with the rows that show the contradiction.
    """
    evidence_sql = plan.date_evidence_sql()
    try:
        found = con.sql(evidence_sql, params=bind(evidence_sql, opened.params)).fetchall()
    except duckdb.Error as exc:
        raise _reading_error(opened, exc) from exc
    kinds = {kind: (count, examples) for kind, count, examples in found}
    if "month" not in kinds:
        return

    def shown(kind: str) -> str:
        count, examples = kinds[kind]
        listed = " and ".join(f"{value} ({column}, row {row})" for row, column, value in examples)
        more = count - len(examples)
        return listed + (f" and {more:,} more" if more > 0 else "")

    if "day" in kinds:
        either = f"; so {shown('either')} could be either" if "either" in kinds else ""
        raise FileRejected(
            f"{opened.name}: the dates contradict each other, so none can be read with certainty: "
            f"{shown('month')} can only be month first (as in the US), but {shown('day')} only day first "
            f"(as in the UK){either}. Send the dates in one order throughout, best as 2023-04-30"
        )
    row, column, value = kinds["month"][1][0]
    raise _MonthFirst(f"{value} ({column}, row {row})")


def _resubmit(con, source: Source, load_id: int, settings: Settings, dry_run: bool) -> Changes:
    """What this resubmission changes (rows added, changed, withdrawn), and unless a dry run, its withdrawals.

    Earlier rows are superseded over the resubmission's scope (``resubmission.RESUBMISSION_SCOPE``): a key there
    that it does not send again is withdrawn (``withdrawals``). A dry run compares with the store's rows, read
    from the store attached read-only for the moment, so the difference can be seen before it is accepted.
    """
    store = settings.path("ingest_store")
    catalog = "store" if dry_run and store.exists() else ""
    if catalog:
        con.sql("attach ? as store (read_only)", params=[str(store)])
    try:
        earlier = loaded_rows_sql(con, source, catalog)
        withdrawals = f"{catalog}.withdrawals" if catalog and _has_table(con, catalog, "withdrawals") else "withdrawals"
        sql = changes_sql(source, loaded_rows_sql(con, source), earlier, withdrawals)
        params = {"load_id": load_id, "source": source.name}
        changes = changes_of(con, source, sql, params, resubmission=True)
        if not dry_run and changes.withdrawn:
            con.sql(
                f"insert into withdrawals select $load_id, $source, record_key, withdrawn_load_id, now() "
                f"from ({sql}) where change = 'withdrawn'",
                params=params,
            )
        return changes
    finally:
        if catalog:
            con.sql("detach store")


def _has_table(con, catalog: str, table: str) -> bool:
    return bool(
        con.sql(
            "select count(*) from duckdb_tables() where database_name = ? and table_name = ?", params=[catalog, table]
        ).fetchall()[0][0]
    )


def _resubmission_note(changes: Changes | None, source: Source, dry_run: bool) -> str:
    if changes is None:
        return f"{source.name} cannot be resubmitted: nothing withdrawn"
    verb = "would change" if dry_run else "changed"
    return f"resubmission (replacing {scope_words(source)}) {verb}: {changes.summary()}"


def _flag_duplicates(con, plan: Plan, checked: str) -> None:
    """Reject each row whose key an earlier row of the file has ("same ... as row N")."""
    sql = plan.duplicates_sql(checked)
    if sql is not None:
        con.sql(sql)


def _checked_query(con, plan: Plan, opened: InputFile) -> str:
    try:
        return plan.sql(period_mapping(con, plan, opened.params))
    except duckdb.Error as exc:
        raise _reading_error(opened, exc) from exc


def _read_into(con, opened: InputFile, sql: str, params: dict) -> None:
    """Run ``sql``, which reads the file into a table; a malformed CSV line rejects the whole file."""
    try:
        con.sql(sql, params=bind(sql, params))
    except duckdb.Error as exc:  # an unclosed quote, say
        raise _reading_error(opened, exc) from exc


def _reading_error(opened: InputFile, exc: duckdb.Error) -> Exception:
    """What a DuckDB error while reading the file means: read it again in one thread, refuse it, or neither."""
    if needs_serial_read(exc) and opened.parallel:
        return _ReadSerially()
    if isinstance(exc, duckdb.InvalidInputException) or needs_serial_read(exc):
        return FileRejected(opened.explain(exc))
    return exc  # not the file's fault (out of memory, say): an unexpected error


def _insert_good_rows(con, plan: Plan, load_id: int) -> None:
    columns = ", ".join(quote_identifier(c) for c in plan.source.column_names)
    # The raw table's physical order does not matter (each row keeps its source_row), and letting
    # DuckDB insert in parallel makes this step about a quarter faster (3M rows: 3.7 s -> 2.7 s).
    con.sql("set preserve_insertion_order = false")
    con.sql(
        f"insert into raw_{plan.source.name} (load_id, source_row, {columns}) "
        f"select $load_id, * from ({plan.good_sql('_checked')})",
        params={"load_id": load_id},
    )
    con.sql("set preserve_insertion_order = true")  # the next file's checks rely on file order


def _check_into_own_table(con, opened: InputFile, plan: Plan, query: str, params: dict, load_id: int) -> str:
    """Validate a large CSV straight into ``load_<id>_<source>``, inside the load's transaction.

    The table keeps every checked row, bad ones flagged (``_mask``), in file order; it is listed in
    ``large_loads`` with the offset that turns a row's position into its spreadsheet row number.
    """
    table = f"load_{load_id:d}_{plan.source.name}"
    shape = con.sql(f"select * from ({query}) limit 0", params=bind(query, params))
    columns = ", ".join(
        f"{quote_identifier(name)} {kind}{_storage(plan.source, name)}"
        for name, kind in zip(shape.columns, shape.types, strict=True)
    )
    con.sql(f"create table {table} (load_id bigint, {columns})")
    # Still in file order: DuckDB plans the same order-keeping insert as for _checked (keeps_file_order).
    _read_into(con, opened, f"insert into {table} select $load_id, * from ({query})", {**params, "load_id": load_id})
    con.sql("insert into large_loads values (?, ?, ?, ?)", params=[load_id, plan.source.name, table, plan.row_offset])
    # Until the commit the new rows' ids count from DuckDB's transaction-local base (from 0 after it),
    # still one apart in file order: the rejects' row numbers are counted from that base.
    first, last, rows = con.sql(f"select min(rowid), max(rowid), count(*) from {table}").fetchall()[0]
    if rows and last - first + 1 != rows:
        raise RuntimeError(f"{table}: row ids {first}-{last} are not one per row ({rows} rows)")
    plan.count_rows_from(first or 0)
    return table


def _notes(opened: InputFile, source: Source, context: Context, seen) -> str:
    notes = []
    if opened.sheet:
        notes.append(f"sheet '{opened.sheet}', header on row {opened.header_row}")
    elif opened.header_row > 1:
        notes.append(f"header on row {opened.header_row}")
    notes.extend(opened.notes)
    if context.supplied:
        notes.append(", ".join(f"{k} {v} (from the file name or --year)" for k, v in context.supplied.items()))
    names = canonical_names(source)
    ignored = [c for c in opened.columns if c not in names and not (source.year_columns and c.isdigit())]
    if ignored:
        notes.append(f"ignored {'column' if len(ignored) == 1 else 'columns'}: {', '.join(ignored)}")
    if seen:
        notes.append(f"identical content already loaded (load {seen[0][0]})")
    return "; ".join(notes)


def finish_load(con: duckdb.DuckDBPyConnection, result: FileResult, path: Path, dry_run: bool, archiving) -> FileResult:
    """Log a checked file's load and commit it, or roll it back for a dry run. The archived copy is part of the
    load: ``archiving.result()`` raises the copy's error, if any, here, and the caller then rolls the load back."""
    con.sql(
        "insert into load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        params=[
            result.load_id,
            result.source,
            path.name,
            result.sha256,
            result.rows_read,
            result.rows_loaded,
            result.rows_rejected,
            result.status,
            result.message,
            (path.parent / SYNTHETIC_MARKER).exists(),
            datetime.now(UTC),
        ],
    )
    if dry_run:
        con.rollback()
        result.status, result.load_id = "dry_run", None
        return result
    _pause_for_tests(path)
    archiving.result()
    con.commit()
    return result


def _pause_for_tests(path: Path) -> None:
    seconds = os.environ.get(PAUSE_ENV)
    if seconds:
        print(f"paused inside the load transaction of {path.name}", file=sys.stderr, flush=True)
        time.sleep(float(seconds))


def _record_rejected_file(con, path: Path, digest: str, result: FileResult, settings: Settings) -> None:
    """A file refused whole is still logged and archived, with its reason, in one transaction."""
    con.begin()
    try:
        load_id = con.sql("select nextval('load_id_seq')").fetchall()[0][0]
        con.sql(
            "insert into load_log values (?, ?, ?, ?, 0, 0, 0, ?, ?, ?, ?)",
            params=[
                load_id,
                result.source,
                path.name,
                digest,
                result.status,
                result.message,
                (path.parent / SYNTHETIC_MARKER).exists(),
                datetime.now(UTC),
            ],
        )
        con.sql(
            "insert into rejects values (?, ?, ?, null, null, null, ?)",
            params=[load_id, result.source, path.name, result.message],
        )
        _archive(path, digest, settings)
        con.commit()
        result.load_id = load_id
    except BaseException:
        con.rollback()
        raise


def _archive(path: Path, digest: str, settings: Settings) -> None:
    archive = settings.path("archive")
    archive.mkdir(parents=True, exist_ok=True)
    target = archive / f"{digest}{path.suffix.lower()}"
    if not target.exists():
        tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")  # see remove_stale_files
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)


STALE_TMP_SECONDS = 3600  # an archive .tmp file without a process id (made before they had one) is stale after this


def remove_stale_files(settings: Settings) -> list[Path]:
    """Remove what killed runs left behind; the paths removed.

    A build writes ``<warehouse>.building-<pid>`` (and its ``.wal``), an archive copy ``<sha256>.<suffix>.<pid>.tmp``,
    a converted CSV a folder ``asc-ingest-<pid>-*`` and an upload ``asc-upload-<pid>-*`` in the temporary
    folder, a background upload job ``asc-upload-job-<job>-*`` with its process id inside. Each is removed once
    its process is gone; a live one (a build or upload running now) is left.
    """
    from pipelines.readers import TEMP_PREFIX
    from pipelines.upload import UPLOAD_PREFIX
    from pipelines.upload_jobs import JOB_PID_FILE, JOB_PREFIX

    removed: list[Path] = []

    def remove(path: Path) -> None:
        try:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
            removed.append(path)
        except OSError:  # gone already, or not ours to remove
            pass

    warehouse = settings.path("warehouse")
    for path in warehouse.parent.glob(f"{warehouse.name}.building-*"):
        pid = path.name.removeprefix(f"{warehouse.name}.building-").removesuffix(".wal")
        if pid.isdigit() and not _alive(int(pid)):
            remove(path)
    for path in settings.path("archive").glob("*.tmp"):
        parts = path.name.split(".")
        if parts[-2].isdigit() and len(parts) > 3:
            if not _alive(int(parts[-2])):
                remove(path)
        elif time.time() - path.stat().st_mtime > STALE_TMP_SECONDS:
            remove(path)
    temp = Path(tempfile.gettempdir())
    for prefix in (TEMP_PREFIX, UPLOAD_PREFIX):
        for path in temp.glob(f"{prefix}*"):
            pid = path.name.removeprefix(prefix).split("-")[0]
            if pid.isdigit() and not _alive(int(pid)):
                remove(path)
    for path in temp.glob(f"{JOB_PREFIX}*"):
        try:
            pid = (path / JOB_PID_FILE).read_text().strip()
        except OSError:  # its process never started (or is starting now): stale only when old
            if time.time() - path.stat().st_mtime > STALE_TMP_SECONDS:
                remove(path)
            continue
        if pid.isdigit() and not _alive(int(pid)):
            remove(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _connect(settings: Settings, dry_run: bool) -> duckdb.DuckDBPyConnection:
    """The store, or for a dry run a private in-memory copy of what checks need (log and catalogue)."""
    store = settings.path("ingest_store")
    if dry_run:
        con = duckdb.connect()
        ensure_store(con)
        if store.exists():
            con.sql("attach ? as store (read_only)", params=[str(store)])
            con.sql("insert into load_log select * from store.load_log")
            stored = {
                t for (t,) in con.sql("select table_name from duckdb_tables() where database_name = 'store'").fetchall()
            }
            if "pseudonymisation" in stored:
                con.sql("insert into pseudonymisation select * from store.pseudonymisation")
            catalogue = loaded_rows_sql(con, ALL_SOURCES["kpi_catalogue"], "store")
            con.sql(f"insert into raw_kpi_catalogue by name {catalogue}")
            con.sql("detach store")
            # Load ids in the copy continue the store's, so they cannot clash with the copied log.
            next_id = con.sql("select coalesce(max(load_id), 0) + 1 from load_log").fetchall()[0][0]
            con.sql("drop sequence load_id_seq")
            con.sql(f"create sequence load_id_seq start with {int(next_id)}")
    else:
        try:
            store.parent.mkdir(parents=True, exist_ok=True)
            con = duckdb.connect(str(store))
            ensure_store(con)
        except (OSError, duckdb.IOException, duckdb.PermissionException) as exc:
            why = describe_os_error(exc) if isinstance(exc, OSError) else _duckdb_first_line(exc)
            raise StoreUnavailable(
                f"cannot open the ingest store {store} for writing ({why}). Check that the folder exists and that "
                "this user may write to it, or set paths.ingest_store in the settings file"
            ) from exc
    con.sql(f"set memory_limit = '{int(settings.limits.ingest_memory_mb):d}MB'")
    con.sql("set enable_progress_bar = false")
    # DuckDB turns a long IN list into a join, which does not keep rows in file order; lists of allowed
    # values stay plain comparisons instead (see validate.keeps_file_order).
    con.sql("set disabled_optimizers = 'in_clause'")
    return con


def ingest_paths(
    paths: list[Path],
    settings: Settings,
    source_name: str | None = None,
    dry_run: bool = False,
    sheet: str | None = None,
    year: str | None = None,
    upload: bool = False,
    on_wait: Callable[[str], None] = lambda _: None,
    resubmission: bool = False,
) -> list[FileResult]:
    """Ingest files and folders; catalogues first, so returns sent with them are checked against them.

    Each file is sized up before it is parsed, against the ``[limits]`` settings (``upload``: those for a
    file sent through the dashboard, fewer rows).

    Each file gets its outcome whatever happens to the others: an error nobody foresaw while loading one
    is logged with its traceback (``errors.record_unexpected``) and that file reported as failed, with a
    reference, and the next is loaded on a fresh connection. Raises StoreUnavailable if the store cannot
    be opened at all. Holds the data folder's write lock (``store_lock``) throughout, waiting for another
    process's load or build to finish first (``on_wait`` is told).
    """
    files = expand_paths(paths)
    limits = ReadLimits.of(settings.limits, upload)
    if source_name is None:
        files.sort(key=lambda f: peek_source(f, sheet, limits) not in LOAD_ORDER)
    if dry_run:
        return _ingest_each(files, settings, source_name, dry_run, sheet, year, limits, resubmission)
    with ExitStack() as held:
        try:
            held.enter_context(store_lock(settings, on_wait))
        except OSError as exc:
            raise StoreUnavailable(
                f"cannot open the ingest store {settings.path('ingest_store')} for writing ({describe_os_error(exc)})."
                " Check that the folder exists and that this user may write to it, or set paths.ingest_store in "
                "the settings file"
            ) from exc
        remove_stale_files(settings)
        return _ingest_each(files, settings, source_name, dry_run, sheet, year, limits, resubmission)


def _ingest_each(files, settings, source_name, dry_run, sheet, year, limits, resubmission=False) -> list[FileResult]:
    results = []
    con = _connect(settings, dry_run)
    try:
        pseudonymisation_key(con, settings, create=False)  # refuse to run with a missing or different key
        for path in files:
            try:
                results.append(
                    ingest_file(con, path, settings, source_name, dry_run, sheet, year, limits, resubmission)
                )
            except Exception as exc:
                reference, log = record_unexpected(exc, settings, f"ingesting {path}")
                message = unexpected_message(f"{path.name}: not loaded", exc, reference, log)
                results.append(FileResult(path.name, source_name, "failed", message=message))
                con.close()  # whatever state the error left it in, the next file starts afresh
                con = _connect(settings, dry_run)
    finally:
        con.close()
    return results


def _duckdb_first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
