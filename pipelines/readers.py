"""Read inbox files as councils send them, as text, and work out which source they are.

Everything is read as text: typing is the validator's job, so that a bad value becomes a reject with
its row number rather than an unreadable file. A file is opened as a SQL fragment over DuckDB (CSV and
Parquet are read straight from disk, so a ten-million-row extract never sits in Python memory) whose
columns are the file's normalised column names plus ``_row``, the row number as a spreadsheet user
counts it (the header is row 1 unless title rows sit above it).

- CSV: UTF-8 with or without a byte-order mark, Windows-1252 (Excel's "CSV" on Windows, where ``£`` is
  one byte) and UTF-16 are accepted; the last two are converted to UTF-8 in a temporary file first. The
  delimiter may be a comma, semicolon, tab or bar, and title lines above the header are skipped.
- XLSX: the named sheet, or else the first sheet with a recognisable header row, found even below title rows.
- Parquet: any column types; values are turned into text the way they would print.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pipelines.schemas import ALL_SOURCES, Source, canonical_names, is_year_column, normalise_column_name

if TYPE_CHECKING:
    import polars as pl

SUPPORTED_SUFFIXES = (".csv", ".xlsx", ".parquet")
HEADER_SEARCH_ROWS = 30  # title rows a header may sit under
_CHUNK = 1 << 22
_DELIMITERS = (",", ";", "\t", "|")
_KNOWN_NAMES = {name for source in ALL_SOURCES.values() for name in canonical_names(source)}
_counter = itertools.count()


class FileRejected(ValueError):
    """The whole file cannot be loaded (unreadable, unknown source, missing required columns)."""


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Fingerprint:
    sha256: str
    encoding: str  # utf-8, utf-16 or windows-1252 for text; "binary" for xlsx and parquet


def fingerprint(path: Path) -> Fingerprint:
    """SHA-256 of the file and, for a CSV, its text encoding, in one pass over the bytes."""
    digest = hashlib.sha256()
    text = path.suffix.lower() == ".csv"
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, first = True, b""
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            first = first or chunk[:4]
            # ASCII chunks are valid UTF-8; only decode (slow) the others, or when a sequence is split.
            if text and utf8 and (not chunk.isascii() or decoder.getstate()[0]):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    if not text:
        encoding = "binary"
    elif first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8" if utf8 else "windows-1252"
    return Fingerprint(digest.hexdigest(), encoding)


@dataclass
class InputFile:
    """An opened inbox file: a SQL fragment giving its rows as text, and what was learnt reading it."""

    name: str
    kind: str
    encoding: str
    columns: list[str]  # normalised column names, in file order
    header_row: int  # spreadsheet row number of the header
    fragment: str  # SQL: select <columns as text>, _row from ...
    params: dict = field(default_factory=dict)
    # CSV: the same rows without _row, in file order (row number = position + row_offset), which DuckDB
    # can read in parallel.
    fast_fragment: str | None = None
    row_offset: int | None = None
    sheet: str | None = None
    _registered: str | None = None
    _tmp: tempfile.TemporaryDirectory | None = None

    def close(self, con: duckdb.DuckDBPyConnection) -> None:
        if self._registered:
            con.unregister(self._registered)
            self._registered = None
        if self._tmp:
            self._tmp.cleanup()
            self._tmp = None


def open_input(
    con: duckdb.DuckDBPyConnection, path: Path, encoding: str | None = None, sheet: str | None = None
) -> InputFile:
    """Open ``path`` for reading through ``con``; raises FileRejected when it cannot be read at all."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise FileRejected(
            f"{path.name}: unsupported file type '{suffix or 'none'}'; use one of {', '.join(SUPPORTED_SUFFIXES)}"
        )
    if path.stat().st_size == 0:
        raise FileRejected(f"{path.name}: the file is empty")
    try:
        if suffix == ".csv":
            return _open_csv(con, path, encoding or fingerprint(path).encoding)
        if suffix == ".xlsx":
            return _open_xlsx(con, path, sheet)
        return _open_parquet(con, path)
    except FileRejected:
        raise
    except Exception as exc:  # corrupt xlsx, binary data named .csv, a malformed parquet footer, ...
        raise FileRejected(f"{path.name}: cannot be read as {suffix[1:].upper()} ({_first_line(exc)})") from exc


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _header_score(cells: list) -> int:
    names = {normalise_column_name(c) for c in cells if c is not None and str(c).strip()}
    return len(names & _KNOWN_NAMES) + (sum(map(is_year_column, names)) > 3)


def find_header(rows: list[list]) -> int:
    """Index of the header among the first rows: the first with most recognised column names."""
    scores = [_header_score(row) for row in rows[:HEADER_SEARCH_ROWS]]
    best = max(scores, default=0)
    if best >= 2:
        return scores.index(best)
    # Nothing recognisable (the file will be refused by name): the first non-empty row is the header.
    return next((i for i, row in enumerate(rows) if any(c not in (None, "") for c in row)), 0)


def _normalised_names(raw: list, file_name: str) -> list[str]:
    names = [normalise_column_name(c) if c not in (None, "") else f"column_{i + 1}" for i, c in enumerate(raw)]
    seen = {n for n in names if names.count(n) > 1}
    if seen:
        raise FileRejected(f"{file_name}: column(s) named more than once: {', '.join(sorted(seen))}")
    return names


def _open_csv(con, path: Path, encoding: str) -> InputFile:
    tmp = None
    if encoding != "utf-8":
        # DuckDB reads UTF-8 only: convert, streaming, into a private temporary folder.
        tmp = tempfile.TemporaryDirectory(prefix="asc-ingest-")
        converted = Path(tmp.name) / "converted.csv"
        codec = "utf-16" if encoding == "utf-16" else "cp1252"
        try:
            with path.open("r", encoding=codec, newline="") as src, converted.open("w", encoding="utf-8") as dst:
                shutil.copyfileobj(src, dst, _CHUNK)
        except UnicodeDecodeError as exc:
            tmp.cleanup()
            raise FileRejected(
                f"{path.name}: the text is neither UTF-8 nor Windows-1252 (byte {exc.start} cannot be read); "
                "save it from Excel as 'CSV UTF-8'"
            ) from exc
        read_path = converted
    else:
        read_path = path
    with read_path.open("r", encoding="utf-8-sig", newline="") as fh:
        head = fh.read(1 << 16)
    lines = head.splitlines()[: HEADER_SEARCH_ROWS + 1]
    delimiter = max(_DELIMITERS, key=lambda d: max((line.count(d) for line in lines[:HEADER_SEARCH_ROWS]), default=0))
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    skip = find_header(rows)
    if not rows or not any(rows[skip]):
        raise FileRejected(f"{path.name}: the file has no header row")
    source = f"read_csv($path, all_varchar = true, header = true, skip = {skip:d}, delim = $delim, quote = '\"', escape = '\"', null_padding = true)"  # noqa: E501
    params = {"path": str(read_path), "delim": delimiter}
    duck_columns = con.sql(f"select * from {source} limit 0", params=params).columns
    names = _normalised_names(rows[skip] if len(rows[skip]) == len(duck_columns) else duck_columns, path.name)
    positional = [f"c{i}" for i in range(len(names))]
    select = ", ".join(f"{p} as {quote_identifier(n)}" for p, n in zip(positional, names, strict=True))
    fragment = (
        f"select {select}, _ordinal + {skip + 1:d} as _row "
        f"from {source} with ordinality as _file({', '.join(positional)}, _ordinal)"
    )
    fast = f"select {select} from {source} as _file({', '.join(positional)})"
    return InputFile(path.name, "csv", encoding, names, skip + 1, fragment, params, fast, skip + 2, _tmp=tmp)


def _open_parquet(con, path: Path) -> InputFile:
    params = {"path": str(path)}
    raw = con.sql("select * from read_parquet($path) limit 0", params=params).columns
    names = _normalised_names(raw, path.name)
    select = ", ".join(
        f"cast({quote_identifier(r)} as varchar) as {quote_identifier(n)}" for r, n in zip(raw, names, strict=True)
    )
    fragment = f"select {select}, file_row_number + 2 as _row from read_parquet($path, file_row_number = true)"
    return InputFile(path.name, "parquet", "binary", names, 1, fragment, params)


def _sheet_top_rows(path: Path, sheet: str | None) -> tuple[str, list[list], list[int]]:
    """The sheet to read and its first rows with their spreadsheet row numbers (openpyxl knows them exactly)."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        names = book.sheetnames
        if sheet is not None:
            chosen = names[int(sheet) - 1] if sheet.isdigit() and 0 < int(sheet) <= len(names) else sheet
            if chosen not in names:
                raise FileRejected(f"{path.name}: no sheet named '{sheet}'; sheets: {', '.join(names)}")
            candidates = [chosen]
        else:
            candidates = names
        first = None
        for name in candidates:
            rows, numbers = [], []
            for row in book[name].iter_rows(max_row=HEADER_SEARCH_ROWS * 2):
                values = [getattr(c, "value", None) for c in row]
                if any(v not in (None, "") for v in values):
                    rows.append(values)
                    numbers.append(next(c.row for c in row if getattr(c, "value", None) not in (None, "")))
            first = first or (name, rows, numbers)
            if max((_header_score(r) for r in rows[:HEADER_SEARCH_ROWS]), default=0) >= 2:
                return name, rows, numbers
        return first
    finally:
        book.close()


def _open_xlsx(con, path: Path, sheet: str | None) -> InputFile:
    import fastexcel
    import polars as pl

    sheet_name, top_rows, top_numbers = _sheet_top_rows(path, sheet)
    if not top_rows:
        raise FileRejected(f"{path.name}: sheet '{sheet_name}' is empty")
    header_index = find_header(top_rows)
    header_row = top_numbers[header_index]
    header = [normalise_column_name(c) if c not in (None, "") else "" for c in top_rows[header_index]]
    # fastexcel (calamine) is fast but drops leading empty rows, so find the header again in its frame.
    frame = fastexcel.read_excel(path).load_sheet(sheet_name, header_row=None, dtypes="string").to_polars()
    width = max(i + 1 for i, name in enumerate(header) if name) if any(header) else 0
    start = None
    for i, row in enumerate(frame.head(HEADER_SEARCH_ROWS * 2).iter_rows()):
        cells = [normalise_column_name(c) if c not in (None, "") else "" for c in row]
        if [c for c in cells if c] == [c for c in header if c]:
            start = i
            break
    if start is None or width == 0:
        raise FileRejected(f"{path.name}: cannot find the header row in sheet '{sheet_name}'")
    names = _normalised_names(list(frame.row(start)), path.name)
    data = frame.slice(start + 1).rename(dict(zip(frame.columns, names, strict=True)))
    data = data.with_row_index("_row", offset=header_row + 1).with_columns(pl.col("_row").cast(pl.Int64))
    registered = f"_xlsx_input_{next(_counter)}"
    con.register(registered, data)
    fragment = f"select {', '.join(quote_identifier(n) for n in names)}, _row from {registered}"
    return InputFile(path.name, "xlsx", "xlsx", names, header_row, fragment, sheet=sheet_name, _registered=registered)


def detect_source(columns: list[str], file_name: str) -> Source:
    """The source whose required columns the file has; the closest match is named if none fits."""
    present = set(columns)

    def matched(source: Source) -> int:
        names = canonical_names(source)
        years = sum(map(is_year_column, present)) > 0 if source.year_columns else 0
        return len({names[c] for c in present if c in names}) + years

    fits = [s for s in ALL_SOURCES.values() if not missing_columns(columns, s)]
    if fits:
        return max(fits, key=matched)
    closest = max(ALL_SOURCES.values(), key=matched)
    raise FileRejected(
        f"{file_name}: cannot tell which source this is. Closest is '{closest.name}', "
        f"which needs column(s) {', '.join(missing_columns(columns, closest))}. Columns found: {', '.join(columns)}"
    )


def missing_columns(columns: list[str], source: Source) -> list[str]:
    names = canonical_names(source)
    present = {names[c] for c in columns if c in names}
    missing = [c for c in source.file_required if c not in present]
    if source.year_columns and not any(map(is_year_column, columns)):
        missing.append("one column per projection year (2022, 2023, ...)")
    return missing


def unexpected_columns(columns: list[str], source: Source) -> list[str]:
    names = canonical_names(source)
    return [c for c in columns if c not in names and not (source.year_columns and is_year_column(c))]


def check_columns(columns: list[str], source: Source, file_name: str) -> None:
    """Reject a file that lacks required columns, naming them and any unexpected ones."""
    missing = missing_columns(columns, source)
    if missing:
        unexpected = unexpected_columns(columns, source)
        extra = f"; unexpected column(s): {', '.join(unexpected)}" if unexpected else ""
        raise FileRejected(f"{file_name}: missing required column(s) for '{source.name}': {', '.join(missing)}{extra}")


def peek_source(path: Path, sheet: str | None = None) -> str | None:
    """The source a file looks like from its header alone (None if it cannot be told), without reading it."""
    try:
        suffix = path.suffix.lower()
        if suffix == ".csv":
            head = path.open("rb").read(1 << 16)
            text = head.decode("utf-8-sig", errors="ignore") if head.isascii() else head.decode("cp1252", "ignore")
            lines = text.splitlines()[:HEADER_SEARCH_ROWS]
            delimiter = max(_DELIMITERS, key=lambda d: max((line.count(d) for line in lines), default=0))
            rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
            header = rows[find_header(rows)]
        elif suffix == ".xlsx":
            _, rows, _ = _sheet_top_rows(path, sheet)
            header = rows[find_header(rows)]
        elif suffix == ".parquet":
            with duckdb.connect() as con:
                header = con.sql("select * from read_parquet(?) limit 0", params=[str(path)]).columns
        else:
            return None
        return detect_source([normalise_column_name(c) for c in header if c not in (None, "")], path.name).name
    except Exception:  # anything unreadable is reported properly when the file is ingested
        return None


@dataclass
class ReadFile:
    frame: pl.DataFrame  # string columns, names normalised
    first_row: int  # spreadsheet row number of the first data row
    encoding: str


def read_any(path: Path, sheet: str | None = None) -> ReadFile:
    """The whole file as a frame of strings (for small files and tests; ingest reads through DuckDB)."""
    with duckdb.connect() as con:
        opened = open_input(con, path, sheet=sheet)
        try:
            frame = con.sql(opened.fragment, params=opened.params).pl().sort("_row").drop("_row")
        finally:
            opened.close(con)
    return ReadFile(frame, opened.header_row + 1, opened.encoding)
