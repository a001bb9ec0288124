"""Read inbox files as councils send them into frames of strings, and work out which source they are.

Everything is read as text: typing is the validator's job, so that a bad value becomes a reject with
its row number rather than an unreadable file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.schemas import SOURCES, Source, normalise_column_name

SUPPORTED_SUFFIXES = (".csv", ".xlsx", ".parquet")


class FileRejected(ValueError):
    """The whole file cannot be loaded (unreadable, unknown source, missing required columns)."""


@dataclass
class ReadFile:
    frame: pl.DataFrame  # string columns, names normalised
    first_row: int  # spreadsheet row number of the first data row
    encoding: str


def read_any(path: Path) -> ReadFile:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix == ".xlsx":
        frame = pl.read_excel(path, infer_schema_length=0)
        return ReadFile(_normalise(frame), first_row=2, encoding="xlsx")
    if suffix == ".parquet":
        frame = pl.read_parquet(path)
        return ReadFile(_normalise(frame.select(pl.all().cast(pl.String))), first_row=2, encoding="parquet")
    raise FileRejected(f"{path.name}: unsupported file type '{suffix}'; use one of {', '.join(SUPPORTED_SUFFIXES)}")


def _read_csv(path: Path) -> ReadFile:
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
        encoding = "utf-8"
    except pl.exceptions.ComputeError:
        # Excel on Windows saves "CSV" as Windows-1252, where £ is a single byte that is not UTF-8.
        text = path.read_bytes().decode("cp1252")
        frame = pl.read_csv(text.encode("utf-8"), infer_schema=False)
        encoding = "windows-1252"
    except pl.exceptions.NoDataError as exc:
        raise FileRejected(f"{path.name}: the file is empty") from exc
    return ReadFile(_normalise(frame), first_row=2, encoding=encoding)


def _normalise(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.rename({c: normalise_column_name(c.lstrip("\ufeff")) for c in frame.columns})


def detect_source(columns: list[str], file_name: str) -> Source:
    """The source whose required columns the file has; the closest match is named if none fits."""
    present = set(columns)
    fits = [s for s in SOURCES.values() if set(s.required) <= present]
    if fits:
        return max(fits, key=lambda s: len(present & set(s.column_names)))
    closest = max(SOURCES.values(), key=lambda s: len(present & set(s.column_names)))
    missing = [c for c in closest.required if c not in present]
    raise FileRejected(
        f"{file_name}: cannot tell which source this is. Closest is '{closest.name}', "
        f"which needs column(s) {', '.join(missing)}. Columns found: {', '.join(columns)}"
    )


def check_columns(columns: list[str], source: Source, file_name: str) -> None:
    """Reject a file that lacks required columns, naming them and any unexpected ones."""
    missing = [c for c in source.required if c not in columns]
    unexpected = [c for c in columns if c not in source.column_names]
    if missing:
        extra = f"; unexpected column(s): {', '.join(unexpected)}" if unexpected else ""
        raise FileRejected(f"{file_name}: missing required column(s) for '{source.name}': {', '.join(missing)}{extra}")
