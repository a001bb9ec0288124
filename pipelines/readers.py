"""Read inbox files as councils send them, as text, and work out which source they are.

Everything is read as text: typing is the validator's job, so that a bad value becomes a reject with
its row number rather than an unreadable file. A file is opened as a SQL fragment over DuckDB (CSV and
Parquet are read straight from disk, so a ten-million-row extract never sits in Python memory) whose
columns are the file's normalised column names plus ``_row``, the row number as a spreadsheet user
counts it (the header is row 1 unless title rows sit above it).

- CSV: UTF-8 with or without a byte-order mark, Windows-1252 (Excel's "CSV" on Windows, where ``£`` is
  one byte) and UTF-16 with or without a byte-order mark are accepted; the others are converted to UTF-8
  in a temporary file first. The separator may be a comma, semicolon, tab or bar (the one under which the
  header reads as known column names), and title lines above the header are skipped. Any valid CSV is
  read: line breaks inside quotes of any kind (LF, CRLF, a lone CR) and line ends of any kind, mixed too.
  A file DuckDB would misread as it is (mixed line ends, an empty line between rows, which it would skip
  and so shift every row number after it) is first rewritten by Python's CSV reader and writer, in C.
  A row is a record as Excel shows it: a value with a line break in it is still one row.
- What cannot be read is named for what it is: rows under another separator than the header's, an
  unclosed quote or a row with more values than the header (with its row number), binary data, a value
  longer than DuckDB's 2 MB line limit.
- XLSX: the named sheet, or else the first sheet with a recognisable header row, found even below title rows.
- Parquet: any column types; values are turned into text the way they would print.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import os
import re
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pipelines.config import Limits
from pipelines.errors import FileRejected
from pipelines.schemas import ALL_SOURCES, Source, canonical_names, is_year_column, normalise_column_name
from pipelines.workbook import check_archive, check_sheet_rows

if TYPE_CHECKING:
    import polars as pl

SUPPORTED_SUFFIXES = (".csv", ".xlsx", ".parquet")


@dataclass(frozen=True)
class ReadLimits:
    """How big a file may be, checked before it is parsed (settings ``[limits]``)."""

    rows: int = Limits().max_rows  # data rows in one file
    rows_setting: str = "limits.max_rows"  # the setting a refusal names
    workbook_rows: int = Limits().max_workbook_rows
    workbook_mb: int = Limits().max_workbook_mb
    compression_ratio: int = Limits().max_compression_ratio

    @classmethod
    def of(cls, limits: Limits, upload: bool = False) -> ReadLimits:
        """The limits for ``asc ingest``, or with ``upload`` for a file sent through the dashboard."""
        rows, name = (limits.max_upload_rows, "max_upload_rows") if upload else (limits.max_rows, "max_rows")
        return cls(
            rows, f"limits.{name}", limits.max_workbook_rows, limits.max_workbook_mb, limits.max_compression_ratio
        )

    def sheet_rows(self) -> tuple[int, str]:
        """The most rows a sheet may hold, and the setting that says so."""
        if self.workbook_rows <= self.rows:
            return self.workbook_rows, "limits.max_workbook_rows"
        return self.rows, self.rows_setting

    def check_rows(self, file_name: str, rows: int, what: str) -> None:
        if rows > self.rows:
            raise FileRejected(
                f"{file_name}: the file has {rows:,} {what}, more than the {self.rows:,} rows allowed (setting "
                f"{self.rows_setting}). Split it into smaller files"
                + (", or load it with `asc ingest`" if "upload" in self.rows_setting else "")
            )


HEADER_SEARCH_ROWS = 30  # title rows a header may sit under
_CHUNK = 1 << 22
_DELIMITERS = (",", ";", "\t", "|")
_KNOWN_NAMES = {name for source in ALL_SOURCES.values() for name in canonical_names(source)}
_counter = itertools.count()
TEMP_PREFIX = "asc-ingest-"  # temporary folders for converted CSVs: asc-ingest-<pid>-<random>


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Fingerprint:
    """What one pass over a file's bytes learns besides its SHA-256 (no per-row work: whole-chunk searches)."""

    sha256: str
    # utf-8, windows-1252, utf-16 (with a byte-order mark), utf-16-le or utf-16-be (without) for text;
    # "binary" for xlsx and parquet.
    encoding: str
    # CSV only. lf or crlf: every line ends alike. mixed: a lone CR, or CRLF beside bare LF (Excel writes a line
    # break inside a cell as LF in a CRLF file); DuckDB's reader splits such files in the wrong places.
    line_ends: str = "lf"
    # CSV: byte offset of the last empty line (-1: none). DuckDB skips empty lines, so one below the header
    # would shift the row numbers after it.
    last_blank: int = -1
    nul: bool = False  # CSV: NUL bytes, so binary data or UTF-16 text
    # CSV: line ends (LF, or CR in a file of lone CRs): about its records (a line break in quotes adds one).
    lines: int = 0


class _Layout:
    """How a CSV's lines end and whether an empty line sits between rows, fed chunk by chunk."""

    def __init__(self) -> None:
        self.cr = self.lf = self.crlf = self.offset = 0
        self.last_blank = -1
        self.bare_lf = self.prev_cr = self.prev_lf = False

    def feed(self, chunk: bytes, last: bool) -> None:
        has_cr = b"\r" in chunk
        if has_cr or self.prev_cr:
            self.cr += chunk.count(b"\r")
            self.lf += chunk.count(b"\n")
            self.crlf += chunk.count(b"\r\n") + (self.prev_cr and chunk.startswith(b"\n"))
        elif b"\n" in chunk:
            self.bare_lf = True
        body = chunk.rstrip(b"\r\n") if last else chunk  # empty lines at the very end shift nothing
        if self.prev_lf and body.startswith((b"\n", b"\r\n")):
            self.last_blank = self.offset - 1
        found = _last_empty_line(body)
        if found >= 0:
            self.last_blank = self.offset + found
        self.prev_cr, self.prev_lf = chunk.endswith(b"\r"), chunk.endswith(b"\n")
        self.offset += len(chunk)

    @property
    def line_ends(self) -> str:
        if not self.cr:
            return "lf"
        return "crlf" if not self.bare_lf and self.cr == self.crlf == self.lf else "mixed"


# An empty line: LF LF, or LF CR in a CRLF file. (A regular expression on one character class finds it as fast
# as numpy would, several times faster than bytes.find for a pair of such common bytes.)
_EMPTY_LINE = re.compile(rb"\n[\r\n]")


def _last_empty_line(data: bytes) -> int:
    """Where the last empty line in ``data`` starts (-1: none)."""
    if not _EMPTY_LINE.search(data):
        return -1
    return max(m.start() for m in _EMPTY_LINE.finditer(data))


def utf16_without_bom(head: bytes) -> str | None:
    """utf-16-le or utf-16-be when the first bytes look like UTF-16 text without a byte-order mark."""
    sample = head[: 4096 & ~1]
    sample = sample[: len(sample) & ~1]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) * 2 >= len(odd) and even.count(0) * 20 <= len(even):
        return "utf-16-le"
    if even.count(0) * 2 >= len(even) and odd.count(0) * 20 <= len(odd):
        return "utf-16-be"
    return None


def _text_encoding(first: bytes, utf8: bool, nul: bool) -> str:
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if nul and (utf16 := utf16_without_bom(first)):
        return utf16
    return "utf-8" if utf8 else "windows-1252"


def fingerprint(path: Path) -> Fingerprint:
    """SHA-256 of the file and, for a CSV, its text encoding and line layout, in one pass over the bytes."""
    digest = hashlib.sha256()
    text = path.suffix.lower() == ".csv"
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, nul, first, lfs = True, False, b"", 0
    layout = _Layout()
    # SHA-256 runs in a thread (hashlib lets go of the GIL), so the text checks below cost no time.
    with path.open("rb") as fh, ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256") as hasher:
        chunk, hashing = fh.read(_CHUNK), None
        while chunk:
            if hashing is not None:
                hashing.result()
            hashing = hasher.submit(digest.update, chunk)
            following = fh.read(_CHUNK)
            if text:
                first = first or chunk[:4096]
                # ASCII chunks are valid UTF-8; only decode (slow) the others, or when a sequence is split.
                if utf8 and (not chunk.isascii() or decoder.getstate()[0]):
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError:
                        utf8 = False
                nul = nul or b"\x00" in chunk
                lfs += chunk.count(b"\n")  # bytes.count runs at memory speed: 1 GB in about 0.1 s
                layout.feed(chunk, last=not following)
            chunk = following
        if hashing is not None:
            hashing.result()
    if not text:
        return Fingerprint(digest.hexdigest(), "binary")
    lines = max(lfs, layout.cr)  # a file of lone CRs counts its CRs
    return Fingerprint(
        digest.hexdigest(), _text_encoding(first, utf8, nul), layout.line_ends, layout.last_blank, nul, lines
    )


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
    notes: list[str] = field(default_factory=list)  # what was done to read it (converted, rewritten)
    _csv: _CsvRead | None = None
    _registered: str | None = None
    _tmp: tempfile.TemporaryDirectory | None = None

    def close(self, con: duckdb.DuckDBPyConnection) -> None:
        if self._registered:
            con.unregister(self._registered)
            self._registered = None
        if self._tmp:
            self._tmp.cleanup()
            self._tmp = None

    @property
    def parallel(self) -> bool:
        """A CSV DuckDB reads in several threads (see read_serially)."""
        return self._csv is not None and self._csv.parallel

    @property
    def other_separators(self) -> str | None:
        """CSV: a regular expression for the separators other than the file's own (see validate's row check)."""
        if self._csv is None or self._csv.width < 2:
            return None
        return "[" + "".join(d for d in _DELIMITERS if d != self._csv.delimiter) + "]"

    def read_serially(self) -> bool:
        """Read the CSV in one thread from now on; False if it already is (or is not a CSV).

        DuckDB's parallel reader cannot pad short rows (``null_padding``) once a quoted value holds a line
        break, and says so (see ``needs_serial_read``); read in one thread, the same file reads correctly.
        """
        if self._csv is None or not self._csv.parallel:
            return False
        self._csv.parallel = False
        self.fragment, self.fast_fragment = self._csv.fragments()
        return True

    def explain(self, exc: Exception) -> str:
        """A reading error in words: for a CSV, the first row that breaks the rules and how."""
        if self._csv is not None:
            found = _diagnose(self._csv.path, "utf-8-sig", self._csv.delimiter, self._csv.width)
            if found:
                return f"{self.name}: cannot be read: {found}"
        return f"{self.name}: cannot be read ({_duckdb_reason(exc)})"


def needs_serial_read(exc: Exception) -> bool:
    """Whether DuckDB failed only because its parallel CSV reader met a quoted line break (see read_serially)."""
    return "quoted new lines" in str(exc)


def _duckdb_reason(exc: Exception) -> str:
    """DuckDB's reason without the line it quotes (which may hold personal data, or megabytes of it)."""
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    size = next((line for line in lines if "Maximum line size" in line), None)
    if size:
        return size.strip()
    return lines[0] if lines else type(exc).__name__


def open_input(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    fp: Fingerprint | None = None,
    sheet: str | None = None,
    limits: ReadLimits | None = None,
) -> InputFile:
    """Open ``path`` for reading through ``con``; raises FileRejected when it cannot be read at all, or when it
    is larger than ``limits`` allow (found out before it is parsed)."""
    limits = limits or ReadLimits()
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise FileRejected(
            f"{path.name}: unsupported file type '{suffix or 'none'}'; use one of {', '.join(SUPPORTED_SUFFIXES)}"
        )
    if path.stat().st_size == 0:
        raise FileRejected(f"{path.name}: the file is empty")
    try:
        if suffix == ".csv":
            fp = fp or fingerprint(path)
            limits.check_rows(path.name, fp.lines - 1, "lines under its header")
            return _open_csv(con, path, fp)
        if suffix == ".xlsx":
            return _open_xlsx(con, path, sheet, limits)
        return _open_parquet(con, path, limits)
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


# CSV ----------------------------------------------------------------------------------------------
# Python codec for each text encoding fingerprint() tells apart.
_CODECS = {
    "utf-8": "utf-8-sig",
    "windows-1252": "cp1252",
    "utf-16": "utf-16",
    "utf-16-le": "utf-16-le",
    "utf-16-be": "utf-16-be",
}
_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "bars (|)"}
_DELIMITER_ONE = {",": "a comma", ";": "a semicolon", "\t": "a tab", "|": "a bar (|)"}
# The longest line DuckDB reads (its max_line_size), and so the longest value read here.
LINE_LIMIT = 2_000_000
_HEAD_BYTES = 1 << 16


@dataclass
class _CsvRead:
    """How DuckDB reads one CSV: the file (perhaps a rewritten copy), separator, header position, names."""

    path: Path
    delimiter: str
    skip: int  # records above the header
    width: int  # columns in the header
    names: list[str]
    parallel: bool = True

    def source(self) -> str:
        return (
            f"read_csv($path, all_varchar = true, header = true, skip = {self.skip:d}, delim = $delim, quote = '\"', "
            "escape = '\"', null_padding = true, comment = '', "  # comment: DuckDB may guess '#' and drop rows
            f"parallel = {str(self.parallel).lower()})"
        )

    def fragments(self) -> tuple[str, str]:
        positional = [f"c{i}" for i in range(len(self.names))]
        select = ", ".join(f"{p} as {quote_identifier(n)}" for p, n in zip(positional, self.names, strict=True))
        fragment = (
            f"select {select}, _ordinal + {self.skip + 1:d} as _row "
            f"from {self.source()} with ordinality as _file({', '.join(positional)}, _ordinal)"
        )
        fast = f"select {select} from {self.source()} as _file({', '.join(positional)})"
        return fragment, fast


def _head_text(path: Path, codec: str) -> tuple[str, bool]:
    """The first 64 KB as text, and whether the file goes on beyond it."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(_HEAD_BYTES)
    text = head.decode(codec, errors="replace")
    return text, size > len(head)


def _parse_head(text: str, truncated: bool, delimiter: str) -> list[list[str]]:
    """The first records of ``text`` split on ``delimiter`` (a record cut off at the end is dropped)."""
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row)
            if len(rows) > HEADER_SEARCH_ROWS * 2:
                return rows
    except csv.Error:
        pass
    if truncated and rows:
        rows.pop()
    return rows


def _sniff(text: str, truncated: bool) -> tuple[str, list[list[str]], int]:
    """The separator, the first records and the header's index among them.

    The separator is the one under which a row reads as a recognised header (the most names known), not
    the commonest character, so a file whose rows use another separator than its header is still found
    out (see _check_separators); with nothing recognised, the one that splits a row the most.
    """
    best = None
    for delimiter in _DELIMITERS:
        rows = _parse_head(text, truncated, delimiter)
        if not rows:
            continue
        header = find_header(rows)
        score = _header_score(rows[header])
        key = (score if score >= 2 else 0, len(rows[header]))
        if best is None or key > best[0]:
            best = (key, delimiter, rows, header)
    if best is None:
        return ",", [], 0
    return best[1], best[2], best[3]


def _check_separators(rows: list[list[str]], header: int, delimiter: str, file_name: str) -> None:
    """Refuse a file whose rows are separated by another character than its header (each row one value)."""
    width = len(rows[header])
    data = [(i + 1, r) for i, r in enumerate(rows) if i > header and any(c.strip() for c in r)][:20]
    if width < 2 or not data or any(len(r) > 1 for _, r in data):
        return
    for other in _DELIMITERS:
        if other != delimiter and all(len(r[0].split(other)) > 1 for _, r in data):
            number, row = data[0]
            raise FileRejected(
                f"{file_name}: the header row is separated by {_DELIMITER_NAMES[delimiter]} but the rows under it "
                f"by {_DELIMITER_NAMES[other]} (row {number} reads as one value: {row[0][:80]!r}). Save the file "
                "again with one separator throughout"
            )


def _csv_problem(exc: csv.Error, row: int) -> str:
    text = str(exc)
    if "unexpected end of data" in text:
        return f'row {row}: a double quote (") opens a value that is never closed'
    if "expected after" in text:
        return (
            f"row {row}: a value in double quotes is followed by more text; a double quote inside a value is "
            'written twice ("")'
        )
    if "field larger than field limit" in text:
        return f"row {row} has a value longer than {LINE_LIMIT:,} characters, more than any column takes"
    if "NUL" in text:
        return f"row {row} holds a NUL byte, so the file is not plain text"
    return f"row {row}: {text}"


def _diagnose(path: Path, codec: str, delimiter: str, width: int) -> str | None:
    """The first row breaking the CSV rules, in words (Python's reader, row by row: only after a failure)."""
    limit = csv.field_size_limit(LINE_LIMIT)
    number = 0
    try:
        with path.open("r", encoding=codec, errors="replace", newline="") as fh:
            reader = csv.reader(fh, delimiter=delimiter, strict=True)
            for number, record in enumerate(reader, start=1):  # noqa: B007 (number is used after the loop)
                if width and len(record) > width and number > 1:
                    return (
                        f"row {number} has {len(record)} values but the header names {width} columns; a value "
                        f"holding {_DELIMITER_ONE[delimiter]} must be in double quotes"
                    )
                if sum(map(len, record)) > LINE_LIMIT:
                    return f"row {number} is longer than {LINE_LIMIT:,} characters, more than a row may take"
    except csv.Error as exc:
        return _csv_problem(exc, number + 1)
    finally:
        csv.field_size_limit(limit)
    return None


def _transcode(src: Path, codec: str, dst: Path) -> None:
    """Copy ``src`` to UTF-8, streaming, as it is otherwise (DuckDB reads UTF-8 only)."""
    with src.open("r", encoding=codec, newline="") as fh, dst.open("w", encoding="utf-8", newline="") as out:
        shutil.copyfileobj(fh, out, _CHUNK)


def _rewrite(src: Path, codec: str, dst: Path, delimiter: str, width: int) -> None:
    """Rewrite ``src`` as UTF-8 with CRLF line ends and an empty row (separators only) for each empty line.

    Python's CSV reader and writer do the work in C, a record at a time: line breaks inside quotes are kept
    whatever they are (a lone CR too), every row ends alike, and each record stays one row, so row
    numbers are the file's own. Only files DuckDB cannot read as they are come here (``Fingerprint.regular``).
    """
    empty = [""] * max(width, 2)
    limit = csv.field_size_limit(LINE_LIMIT)
    try:
        with src.open("r", encoding=codec, newline="") as fh, dst.open("w", encoding="utf-8", newline="") as out:
            reader = csv.reader(fh, delimiter=delimiter, strict=True)
            # CRLF line ends: the writer then quotes any value holding a CR or an LF.
            csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(row or empty for row in reader)
    except csv.Error as exc:
        found = _diagnose(src, codec, delimiter, width)
        raise FileRejected(f"{src.name}: cannot be read: {found or exc}") from exc
    finally:
        csv.field_size_limit(limit)


def _header_end(path: Path, skip: int) -> int:
    """Byte offset of the line end after the header (which is record ``skip``), counting lines in the head."""
    with path.open("rb") as fh:
        head = fh.read(_HEAD_BYTES)
    end = -1
    for _ in range(skip + 1):
        end = head.find(b"\n", end + 1)
        if end < 0:
            return len(head)
    return end


def _open_csv(con, path: Path, fp: Fingerprint) -> InputFile:
    if fp.nul and not fp.encoding.startswith("utf-16"):
        raise FileRejected(
            f"{path.name}: the file holds binary data (NUL bytes), so it is not a CSV text file; if it is a "
            "spreadsheet, save it as .xlsx or as 'CSV UTF-8'"
        )
    codec = _CODECS[fp.encoding]
    text, truncated = _head_text(path, codec)
    delimiter, rows, skip = _sniff(text, truncated)
    if not rows or not any(rows[skip]):
        raise FileRejected(f"{path.name}: the file has no header row")
    _check_separators(rows, skip, delimiter, path.name)
    width = len(rows[skip])
    tmp, read_path, notes = None, path, []
    # Rewritten first: files DuckDB would misread (mixed line ends) or misnumber (an empty line under the header).
    rewrite = fp.line_ends == "mixed" or fp.last_blank >= _header_end(path, skip) or fp.encoding.startswith("utf-16")
    if rewrite or fp.encoding != "utf-8":
        # DuckDB reads UTF-8 only: convert, streaming, into a private temporary folder.
        # Named with the process id, so that a killed run's folder is known for stale and removed by the next.
        tmp = tempfile.TemporaryDirectory(prefix=f"{TEMP_PREFIX}{os.getpid()}-")
        read_path = Path(tmp.name) / "converted.csv"
        try:
            if rewrite:
                _rewrite(path, codec, read_path, delimiter, width)
            else:
                _transcode(path, codec, read_path)
        except UnicodeDecodeError as exc:
            tmp.cleanup()
            raise FileRejected(
                f"{path.name}: the text is neither UTF-8 nor Windows-1252 (byte {exc.start} cannot be read); "
                "save it from Excel as 'CSV UTF-8'"
            ) from exc
        except BaseException:
            tmp.cleanup()
            raise
        if fp.encoding.startswith("utf-16"):
            notes.append("read as UTF-16 text" + ("" if fp.encoding == "utf-16" else " (no byte-order mark)"))
        elif fp.encoding == "windows-1252":
            notes.append("read as Windows-1252 text")
    read = _CsvRead(read_path, delimiter, skip, width, [], parallel=not rewrite)
    params = {"path": str(read_path), "delim": delimiter}
    try:
        duck_columns = con.sql(f"select * from {read.source()} limit 0", params=params).columns
    except duckdb.Error as exc:
        if tmp:
            tmp.cleanup()
        found = _diagnose(read_path, "utf-8-sig", delimiter, width)
        raise FileRejected(f"{path.name}: cannot be read: {found or _duckdb_reason(exc)}") from exc
    read.names = _normalised_names(rows[skip] if len(duck_columns) == width else duck_columns, path.name)
    fragment, fast = read.fragments()
    return InputFile(
        path.name,
        "csv",
        fp.encoding,
        read.names,
        skip + 1,
        fragment,
        params,
        fast,
        skip + 2,
        notes=notes,
        _csv=read,
        _tmp=tmp,
    )


def _open_parquet(con, path: Path, limits: ReadLimits) -> InputFile:
    params = {"path": str(path)}
    # The row count is in the file's footer: nothing is read to learn it.
    [(rows,)] = con.sql("select coalesce(sum(num_rows), 0) from parquet_file_metadata($path)", params=params).fetchall()
    limits.check_rows(path.name, int(rows), "rows")
    raw = con.sql("select * from read_parquet($path) limit 0", params=params).columns
    names = _normalised_names(raw, path.name)
    select = ", ".join(
        f"cast({quote_identifier(r)} as varchar) as {quote_identifier(n)}" for r, n in zip(raw, names, strict=True)
    )
    fragment = f"select {select}, file_row_number + 2 as _row from read_parquet($path, file_row_number = true)"
    return InputFile(path.name, "parquet", "binary", names, 1, fragment, params)


def _sheet_top_rows(path: Path, sheet: str | None, limits: ReadLimits) -> tuple[str, list[list], list[int], list[str]]:
    """The sheet to read, its first rows with their spreadsheet row numbers (openpyxl knows them exactly) and
    the workbook's sheet names. The workbook is first sized up (``workbook``): openpyxl reads every sheet without
    a <dimension> tag to its end as it opens the workbook (25 s for a million rows)."""
    check_archive(path, limits.workbook_mb, limits.compression_ratio)
    check_sheet_rows(path, *limits.sheet_rows())
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
            first = first or (name, rows, numbers, names)
            if max((_header_score(r) for r in rows[:HEADER_SEARCH_ROWS]), default=0) >= 2:
                return name, rows, numbers, names
        return first
    finally:
        book.close()


def _open_xlsx(con, path: Path, sheet: str | None, limits: ReadLimits) -> InputFile:
    import fastexcel
    import polars as pl

    sheet_name, top_rows, top_numbers, sheet_names = _sheet_top_rows(path, sheet, limits)
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
    # A sheet named by the user is what they want; one picked here may not be, so the others are named.
    others = [f"'{n}'" for n in sheet_names if n != sheet_name and sheet is None]
    notes = [f"other sheet(s) not read: {', '.join(others)} (name one with --sheet to load it)"] if others else []
    return InputFile(
        path.name, "xlsx", "xlsx", names, header_row, fragment, sheet=sheet_name, notes=notes, _registered=registered
    )


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


def peek_source(path: Path, sheet: str | None = None, limits: ReadLimits | None = None) -> str | None:
    """The source a file looks like from its header alone (None if it cannot be told), without reading it."""
    try:
        suffix = path.suffix.lower()
        if suffix == ".csv":
            with path.open("rb") as fh:
                head = fh.read(_HEAD_BYTES)
            try:
                head.decode("utf-8")
                utf8 = True
            except UnicodeDecodeError as exc:  # a character cut off at the end of the head is still UTF-8
                utf8 = exc.start >= len(head) - 3
            encoding = _text_encoding(head[:4096], utf8, b"\x00" in head)
            _, rows, header_index = _sniff(*_head_text(path, _CODECS[encoding]))
            header = rows[header_index]
        elif suffix == ".xlsx":
            _, rows, _, _ = _sheet_top_rows(path, sheet, limits or ReadLimits())
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
