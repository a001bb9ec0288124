"""Files uploaded through the dashboard: checked, then loaded by exactly the code ``asc ingest`` runs.

An upload is refused before it is read if it is larger than ``max_upload_mb``, empty, or not what its
name says (an ``.xlsx`` must be a zip archive, a ``.parquet`` must carry Parquet's magic bytes, a
``.csv`` must be text). It is written under its own name (so an ASCOF file's year can still be read from
it) into a private temporary folder, ingested, archived by its hash like any other file, and deleted.
When the store changed (rows loaded, or rows or the whole file refused) the warehouse is rebuilt, so the
dashboard shows the new data, the load history and the rejects straight away.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.config import Settings
from pipelines.errors import record_unexpected, unexpected_message
from pipelines.ingest import FileResult, StoreUnavailable, ingest_paths
from pipelines.readers import SUPPORTED_SUFFIXES, utf16_without_bom

UPLOAD_PREFIX = "asc-upload-"  # asc-upload-<pid>-<random>: a killed process's folder is removed by the next ingest
# One upload at a time per dashboard process: ingest and build each write one file.
_LOCK = threading.Lock()


class UploadRefused(ValueError):
    """The upload is too large, empty, of an unsupported type, or not what its name says."""


@dataclass
class UploadOutcome:
    results: list[FileResult] = field(default_factory=list)
    rebuilt: bool = False
    build_error: str | None = None


def safe_file_name(name: str) -> str:
    """The uploaded name without any folder part or characters a file name should not have."""
    base = re.split(r"[\\/]", name)[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._ ()-]", "_", base).strip(" .")
    return cleaned or "upload"


def check_upload(name: str, data: bytes, max_mb: int) -> str:
    """Refuse an upload that is too big, empty or not its stated type; returns the safe file name."""
    file_name = safe_file_name(name)
    suffix = Path(file_name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UploadRefused(f"{file_name}: only {', '.join(SUPPORTED_SUFFIXES)} files can be loaded")
    size_mb = len(data) / 1024 / 1024
    if size_mb > max_mb:
        raise UploadRefused(
            f"{file_name} is {size_mb:,.1f} MB; the largest upload is {max_mb} MB (setting max_upload_mb). "
            "Load larger files with `asc ingest`."
        )
    if not data:
        raise UploadRefused(f"{file_name} is empty")
    if suffix == ".xlsx" and not data.startswith(b"PK\x03\x04"):
        raise UploadRefused(f"{file_name} is not an Excel workbook (.xlsx); an old .xls must be saved as .xlsx")
    if suffix == ".parquet" and not (data.startswith(b"PAR1") and data.endswith(b"PAR1")):
        raise UploadRefused(f"{file_name} is not a Parquet file")
    if suffix == ".csv":
        head = data[:65536]
        utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff")) or utf16_without_bom(head) is not None
        if head.startswith((b"PK\x03\x04", b"PAR1")) or (b"\x00" in head and not utf16):
            raise UploadRefused(f"{file_name} is not a text (CSV) file")
    return file_name


def ingest_upload(
    name: str,
    data: bytes,
    settings: Settings,
    source_name: str | None = None,
    sheet: str | None = None,
    year: str | None = None,
    dry_run: bool = False,
    rebuild: bool = True,
    resubmission: bool = False,
    on_step: Callable[[str], None] = lambda _: None,
) -> UploadOutcome:
    """Check, ingest and (when rows were loaded) rebuild the warehouse; raises UploadRefused.

    This is where an upload is accepted (whether run by the page or by a background job, ``upload_jobs``);
    ``resubmission``: the file replaces what earlier ones sent (``pipelines.resubmission``); ``on_step`` is told
    each step (waiting for another load, loading, each model of the rebuild)."""
    file_name = check_upload(name, data, settings.max_upload_mb)
    outcome = UploadOutcome()
    with _LOCK, tempfile.TemporaryDirectory(prefix=f"{UPLOAD_PREFIX}{os.getpid()}-") as folder:
        path = Path(folder) / file_name
        path.write_bytes(data)
        try:
            on_step(f"checking and loading {file_name}")
            outcome.results = ingest_paths(
                [path],
                settings,
                source_name,
                dry_run,
                sheet or None,
                year or None,
                upload=True,
                on_wait=on_step,
                resubmission=resubmission,
            )
        except StoreUnavailable as exc:
            raise UploadRefused(str(exc)) from exc
        except Exception as exc:  # never a traceback on the page: a reference, and the detail in the log
            reference, log = record_unexpected(exc, settings, f"uploading {file_name}")
            raise UploadRefused(unexpected_message(f"{file_name} was not loaded", exc, reference, log)) from exc
        # Rows loaded, rows or a whole file refused: all change what the pages (history, rejects) show.
        recorded = any(r.status in ("loaded", "loaded_with_rejects", "rejected", "no_data") for r in outcome.results)
        if recorded and rebuild and not dry_run:
            from pipelines.build import BuildError, build_warehouse

            try:
                build_warehouse(settings, lambda model: on_step(f"rebuilding the warehouse: {model}"))
                outcome.rebuilt = True
            except BuildError as exc:
                outcome.build_error = str(exc)
            except Exception as exc:
                reference, log = record_unexpected(exc, settings, f"rebuilding after uploading {file_name}")
                outcome.build_error = unexpected_message("The warehouse was not rebuilt", exc, reference, log)
    return outcome
