"""`asc ingest`: load inbox files into the ingest store, row by validated row, losing nothing.

Each file is hashed (SHA-256), archived under its hash and recorded in ``load_log``. Good rows go to
``raw_<source>``; every problem goes to ``rejects`` with its file, row, column, value and reason. One
file is one transaction: if the process dies half-way, the store is exactly as it was before.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.config import Settings
from pipelines.db import write_table
from pipelines.readers import SUPPORTED_SUFFIXES, FileRejected, check_columns, detect_source, read_any
from pipelines.schemas import SOURCES, Source
from pipelines.validate import ROW, validate

SYNTHETIC_MARKER = "SYNTHETIC_DEMO_DATA.txt"
_SQL_TYPES = {
    "str": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "date": "DATE",
    "bool": "BOOLEAN",
    "quarter": "VARCHAR",
    "locality": "VARCHAR",
}


@dataclass
class FileResult:
    file: str
    source: str | None
    status: str  # loaded | loaded_with_rejects | duplicate | rejected | dry_run
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    message: str = ""
    rejects: pl.DataFrame = field(default_factory=pl.DataFrame)


def ensure_store(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ingest store's tables if they are not there yet."""
    con.sql("create sequence if not exists load_id_seq")
    con.sql("""
        create table if not exists load_log (
            load_id bigint primary key, source varchar, file_name varchar, sha256 varchar,
            rows_read bigint, rows_loaded bigint, rows_rejected bigint, status varchar,
            message varchar, is_synthetic boolean, loaded_at timestamptz)""")
    con.sql("""
        create table if not exists rejects (
            load_id bigint, source varchar, file_name varchar, row_number bigint,
            column_name varchar, value varchar, reason varchar)""")
    for source in SOURCES.values():
        cols = ", ".join(f"{c.name} {_SQL_TYPES[c.type]}" for c in source.columns)
        con.sql(f"create table if not exists raw_{source.name} (load_id bigint, source_row bigint, {cols})")


def pseudonymiser(settings: Settings):
    """Keyed hash for person identifiers; the key is made on first use, outside the project."""
    key_path = settings.path("pseudonymisation_key")
    if not key_path.exists():
        key_path.parent.mkdir(parents=True, exist_ok=True)
        key_path.write_text(secrets.token_hex(32))
        key_path.chmod(0o600)
    key = bytes.fromhex(key_path.read_text().strip())

    def hash_id(value: str | None) -> str | None:
        if value is None:
            return None
        return "ph_" + hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:20]

    return hash_id


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files named, and the supported files inside folders named, in a stable order."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.suffix.lower() in SUPPORTED_SUFFIXES))
        else:
            files.append(p)
    return files


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    settings: Settings,
    source_name: str | None = None,
    dry_run: bool = False,
) -> FileResult:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    seen = con.sql(
        "select load_id from load_log where sha256 = ? and status like 'loaded%'", params=[digest]
    ).fetchall()
    if seen and not dry_run:
        return FileResult(
            path.name,
            None,
            "duplicate",
            message=f"identical content already loaded (load {seen[0][0]}); nothing changed",
        )
    try:
        read = read_any(path)
        columns = read.frame.columns
        source = SOURCES[source_name] if source_name else detect_source(columns, path.name)
        check_columns(columns, source, path.name)
    except FileRejected as exc:
        result = FileResult(path.name, source_name, "rejected", message=str(exc))
        if not dry_run:
            _record(con, path, digest, result, settings)
        return result
    except Exception as exc:  # unreadable file: corrupt xlsx, binary data named .csv, ...
        result = FileResult(path.name, source_name, "rejected", message=f"{path.name}: cannot be read ({exc})")
        if not dry_run:
            _record(con, path, digest, result, settings)
        return result

    checked = validate(read.frame, source, settings.locality_codes, first_row=read.first_row)
    good = _pseudonymise(checked.good, source, settings)
    status = "loaded" if checked.rejects.is_empty() else "loaded_with_rejects"
    result = FileResult(
        path.name,
        source.name,
        "dry_run" if dry_run else status,
        checked.rows_read,
        good.height,
        checked.rejects.select("row_number").n_unique() if checked.rejects.height else 0,
        rejects=checked.rejects,
    )
    if not dry_run:
        _record(con, path, digest, result, settings, good=good, source=source)
    return result


def _pseudonymise(good: pl.DataFrame, source: Source, settings: Settings) -> pl.DataFrame:
    if not source.person_columns or good.is_empty():
        return good
    hash_id = pseudonymiser(settings)
    return good.with_columns(pl.col(c).map_elements(hash_id, return_dtype=pl.String) for c in source.person_columns)


def _record(
    con,
    path: Path,
    digest: str,
    result: FileResult,
    settings: Settings,
    good: pl.DataFrame | None = None,
    source: Source | None = None,
) -> None:
    """Write the file's outcome in one transaction: log, rows and rejects, or nothing at all."""
    synthetic = (path.parent / SYNTHETIC_MARKER).exists()
    con.begin()
    try:
        load_id = con.sql("select nextval('load_id_seq')").fetchall()[0][0]
        con.sql(
            "insert into load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            params=[
                load_id,
                result.source,
                path.name,
                digest,
                result.rows_read,
                result.rows_loaded,
                result.rows_rejected,
                result.status,
                result.message,
                synthetic,
                datetime.now(UTC),
            ],
        )
        if good is not None and source is not None and good.height:
            rows = good.rename({ROW: "source_row"}).with_columns(pl.lit(load_id).alias("load_id"))
            write_table(con, f"raw_{source.name}", rows.select("load_id", "source_row", *source.column_names), "append")
        if result.rejects.height:
            reject_rows = result.rejects.select(
                pl.lit(load_id).alias("load_id"),
                pl.lit(result.source).alias("source"),
                pl.lit(path.name).alias("file_name"),
                "row_number",
                "column_name",
                "value",
                "reason",
            )
            write_table(con, "rejects", reject_rows, "append")
        elif result.status == "rejected":
            con.sql(
                "insert into rejects values (?, ?, ?, null, null, null, ?)",
                params=[load_id, result.source, path.name, result.message],
            )
        _archive(path, digest, settings)
        con.commit()
    except BaseException:
        con.rollback()
        raise


def _archive(path: Path, digest: str, settings: Settings) -> None:
    archive = settings.path("archive")
    archive.mkdir(parents=True, exist_ok=True)
    target = archive / f"{digest}{path.suffix.lower()}"
    if not target.exists():
        tmp = target.with_suffix(target.suffix + ".tmp")
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)


def ingest_paths(
    paths: list[Path], settings: Settings, source_name: str | None = None, dry_run: bool = False
) -> list[FileResult]:
    store = settings.path("ingest_store")
    store.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(store)) as con:
        ensure_store(con)
        return [ingest_file(con, p, settings, source_name, dry_run) for p in expand_paths(paths)]
