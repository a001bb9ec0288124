"""Size up an Excel workbook from its zip directory and sheet XML before anything parses it.

A workbook is a zip of XML parts. Its real size is only known unzipped, and a sheet's row count only from
its ``<dimension ref="A1:F1000001"/>`` tag, which some writers leave out. Reading such a sheet to find out
took 605 s and 1.37 GB for one of a million rows (issue 16), so the checks here use only what is cheap:

- the zip directory: every part's unzipped size (the total within ``max_workbook_mb``) and how much it
  shrank (within ``max_compression_ratio``, or it is refused as a zip bomb);
- the sheet's ``<dimension>`` in its first few kilobytes; without one, the ``<row`` tags counted while
  unzipping in chunks, stopping as soon as the limit is passed (a million-row sheet is refused in a
  fraction of a second, having unzipped only the rows up to the limit).

Everything raises ``FileRejected`` with the file's name, the figure found and the setting that bounds it.
"""

from __future__ import annotations

import functools
import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from pipelines.errors import FileRejected

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]*\d*:?[A-Z]*(\d+)\"")
_ROOT = re.compile(rb"<(\w+:)?worksheet[\s>]")
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData[\s>/]")
_HEAD = 1 << 14  # the dimension tag comes before the sheet data, within the first few kilobytes
_CHUNK = 1 << 20


def check_archive(path: Path, max_mb: int, max_ratio: int) -> None:
    """Refuse a workbook whose parts unzip to more than ``max_mb`` MB, or any part that shrank more than
    ``max_ratio`` times when zipped (the mark of a zip bomb). Reads the zip directory only."""
    try:
        with zipfile.ZipFile(path) as book:
            parts = book.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileRejected(f"{path.name}: cannot be read as XLSX ({exc})") from exc
    total = sum(p.file_size for p in parts)
    if total > max_mb * 1024 * 1024:
        raise FileRejected(
            f"{path.name}: the workbook unzips to {total / 1024 / 1024:,.0f} MB, more than the {max_mb:,} MB "
            "allowed (setting limits.max_workbook_mb). Save the data as CSV, or split it into smaller workbooks"
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > 1024 * 1024 and ratio > max_ratio:
            raise FileRejected(
                f"{path.name}: part {part.filename} unzips to {ratio:,.0f} times its zipped size, more than the "
                f"{max_ratio:,} times allowed (setting limits.max_compression_ratio); no real workbook shrinks "
                "so much, so it is not read"
            )


def sheet_parts(book: zipfile.ZipFile) -> dict[str, str]:
    """Each worksheet's name and the path of its XML part inside the zip, in workbook order."""
    workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL}Relationship")}
    parts = {}
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_REL}id"), "")
        # Targets are relative to xl/ ("worksheets/sheet1.xml") or absolute ("/xl/worksheets/sheet1.xml").
        parts[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    return parts


def count_rows(path: Path, sheet: str, limit: int) -> int:
    """The rows of ``sheet``: the last row its ``<dimension>`` names, or else its ``<row`` tags counted,
    stopping once past ``limit`` (so the count is exact up to ``limit`` and some number above it after)."""
    stat = path.stat()
    # Remembered for the same file unchanged: ingest sizes a workbook up when it sorts files and again to read it.
    return _count_rows(str(path), stat.st_size, stat.st_mtime_ns, sheet, limit)


@functools.lru_cache(maxsize=32)
def _count_rows(path: str, _size: int, _mtime: int, sheet: str, limit: int) -> int:
    with zipfile.ZipFile(path) as book:
        part = sheet_parts(book).get(sheet)
        if part is None or part not in book.namelist():
            return 0
        with book.open(part) as fh:
            head = fh.read(_HEAD)
            before_data = head[: m.start()] if (m := _SHEET_DATA.search(head)) else head
            found = _DIMENSION.search(before_data)
            # "A1" alone is what some writers put when they did not work the size out: count instead.
            if found and int(found.group(1)) > 1:
                return int(found.group(1))
            # bytes.count, not a regular expression: 45 MB of sheet counted in 0.02 s instead of 0.45 s.
            root = _ROOT.search(head)
            tag = b"<" + (root.group(1) or b"" if root else b"") + b"row"
            rows, data = 0, head
            while True:
                following = fh.read(_CHUNK)
                # Cut before the last "<": a tag is never split between two counts (a tag holds one "<").
                end = data.rfind(b"<") if following else len(data)
                end = len(data) if end < 0 else end
                rows += data.count(tag, 0, end)
                if rows > limit or not following:
                    break
                data = data[end:] + following
            return rows


def check_sheet_rows(path: Path, limit: int, setting: str) -> None:
    """Refuse a workbook any of whose sheets has more than ``limit`` data rows, naming the setting that says so.

    Every sheet, not only the one to be read: openpyxl works out each sheet's size as it opens the workbook,
    reading to the end of any sheet without a <dimension> tag.
    """
    with zipfile.ZipFile(path) as book:
        try:
            names = list(sheet_parts(book))
        except (KeyError, ElementTree.ParseError):  # not a workbook's layout: the reader will say so
            return
    for sheet in names:
        rows = count_rows(path, sheet, limit + 1)  # + 1: the header row
        if rows > limit + 1:
            raise FileRejected(
                f"{path.name}: sheet '{sheet}' has {rows - 1:,} rows or more, more than the {limit:,} allowed "
                f"(setting {setting}). Save the data as CSV and load it with `asc ingest`, or split it into "
                "smaller files"
            )
