"""Load one CLD file: cleaned, minimised and pseudonymised in one pass into its own table, in one transaction.

Called by ``ingest.ingest_file`` once the file is recognised as CLD by its columns (or named with ``--source
cld``). Every row loads unless it has a structural fault (a required date blank or unreadable, no person
identifier at all, another council's LA Code); those go to ``rejects`` with their reason, as for every source.
A file whose every row carries another council's LA Code is refused whole. Values outside the lists are kept
(``mapping``) and counted in ``cld_quality``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

from pipelines.cld import CLD
from pipelines.cld.fields import Cleaning
from pipelines.cld.partial import partial_return_notes
from pipelines.cld.quality import record_quality
from pipelines.cld.store import load_table
from pipelines.config import Settings
from pipelines.errors import FileRejected
from pipelines.ingest import (
    FIRST_REJECTS,
    FileResult,
    NoDataRows,
    _archive,
    _notes,
    _reading_error,
    decide_date_order,
    finish_load,
    pseudonymisation_key,
)
from pipelines.readers import InputFile
from pipelines.schemas import Source, canonical_names
from pipelines.validate import REJECT_NAMES, Context, Plan, bind, keeps_file_order
from pipelines.wording import counted


class AnotherCouncilsFile(FileRejected):
    """Every row of the file carries another council's LA Code: another council's return, or the settings name the
    wrong council. Refused whole, so nobody has to purge thousands of rejected rows."""


def _refuse_another_councils_file(
    con: duckdb.DuckDBPyConnection, table: str, row: str, rows_read: int, path: Path, settings: Settings
) -> None:
    """Raise ``AnotherCouncilsFile`` if no row of the loaded ``table`` carries this council's LA Code."""
    other = "list_contains(list_transform(_problems, lambda p: p.column), 'la_code')"
    counts = con.sql(
        f"select la_code, count(*), min({row}) from {table} where {other} group by la_code order by 2 desc, 1"
    ).fetchall()
    if not counts or sum(n for _, n, _ in counts) < rows_read:
        return
    codes = ", ".join(f"{code} ({counted(n, 'row')})" for code, n, _ in counts[:3])
    more = f" and {counted(len(counts) - 3, 'other code')}" if len(counts) > 3 else ""
    first = min(first_row for _, _, first_row in counts)
    council = settings.council
    raise AnotherCouncilsFile(
        f"{path.name}: no row is this council's: the LA Code column reads {codes}{more} from row {first}, but this "
        f"warehouse is for {council.name} ({council.code}). Is this another council's return? Nothing was loaded. "
        "If the council's code is wrong, correct it in the settings file (code, in the council section of asc.toml)."
    )


def file_columns(opened: InputFile, source: Source) -> dict[str, str]:
    """CLD name -> the file's column (an exact name wins over an alias)."""
    names = canonical_names(source)
    found: dict[str, str] = {}
    for column in opened.columns:
        target = names.get(column)
        if target and (target not in found or column == target):
            found[target] = column
    return found


def load_cld(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    digest: str,
    opened: InputFile,
    source: Source,
    context: Context,
    settings: Settings,
    dry_run: bool,
    seen: list,
) -> FileResult:
    params: dict = {"pseudonym_key": context.key or pseudonymisation_key(con, settings)}
    cleaning = Cleaning(
        file_columns(opened, source), settings.council.code, digest, params, month_first=context.month_first
    )
    # A CSV is read in parallel and its rows numbered by position (see store), if DuckDB keeps the file's order.
    numbered = opened.fast_fragment is None or opened.row_offset is None
    query = cleaning.sql(opened.fragment if numbered else opened.fast_fragment, numbered=numbered)
    if not numbered and not keeps_file_order(
        con, f"create table _order_check as {query}", bind(query, {**opened.params, **params})
    ):
        numbered = True
        query = cleaning.sql(opened.fragment)
    copier = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive")
    archiving = None if dry_run else copier.submit(_archive, path, digest, settings)
    con.begin()
    try:
        load_id = con.sql("select nextval('load_id_seq')").fetchall()[0][0]
        table = load_table(load_id)
        sql = f"create table {table} as select $load_id::bigint as load_id, * from ({query})"
        try:
            con.sql(sql, params=bind(sql, {**opened.params, **params, "load_id": load_id}))
        except duckdb.Error as exc:
            raise _reading_error(opened, exc) from exc
        if not context.month_first and con.sql(f"select count(*) from {table} where _month_first").fetchall()[0][0]:
            # Raises (read again month first, or the file contradicts itself) unless every date reads day first.
            decide_date_order(con, Plan(source, opened.fragment, opened.columns, context), opened)
        rows_read, rows_bad, first_rowid = con.sql(
            f"select count(*) filter (not _blank), count(_problems), min(rowid) from {table}"
        ).fetchall()[0]
        # Inside the transaction row ids count from DuckDB's local base; after the commit, from 0.
        row = "source_row" if numbered else f"(rowid - {first_rowid or 0:d} + {opened.row_offset:d})"
        if rows_read == 0:
            raise NoDataRows(
                f"{path.name}: no data rows: the file has a header (row {opened.header_row}) but no rows under it"
            )
        _refuse_another_councils_file(con, table, row, rows_read, path, settings)
        con.sql(
            "insert into rejects select load_id, $source, $file, source_row, p.column, p.value, p.reason "
            f"from (select load_id, {row} as source_row, unnest(_problems) as p from {table} "
            "where _problems is not null)",
            params={"source": CLD, "file": path.name},
        )
        con.sql(
            "insert into cld_loads (load_id, table_name, row_offset) values (?, ?, ?)",
            params=[load_id, table, None if numbered else opened.row_offset],
        )
        record_quality(con, table, load_id)
        rejects = con.sql(
            f"select {', '.join(REJECT_NAMES)} from rejects where load_id = ? order by row_number, column_name limit ?",
            params=[load_id, FIRST_REJECTS],
        ).fetchall()
        warnings = partial_return_notes(con, load_id, path.name)
        notes = "; ".join(filter(None, [_notes(opened, source, context, seen), *warnings]))
        status = "loaded" if rows_bad == 0 else "loaded_with_rejects"
        result = FileResult(
            path.name,
            CLD,
            status,
            rows_read,
            rows_read - rows_bad,
            rows_bad,
            notes,
            rejects,
            load_id,
            digest,
            warnings=warnings,
        )
        return finish_load(con, result, path, dry_run, archiving)
    except BaseException:
        con.rollback()
        raise
    finally:
        copier.shutdown(wait=True)
