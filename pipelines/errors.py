"""Errors nobody foresaw: a plain message with a reference number for the user, the detail in a log file.

No traceback reaches someone running ``asc ingest`` or uploading a file. The traceback goes, under the
reference the message gives, to ``logs/asc-errors.log`` beside the ingest store (``data/logs/`` by
default), or when that folder cannot be written (a read-only data folder) to ``asc-commissioning-<uid>/``
in the system's temporary folder. The log may quote file content, so it is readable by its owner only.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipelines.config import Settings

LOG_NAME = "asc-errors.log"


class FileRejected(ValueError):
    """The whole file cannot be loaded (unreadable, unknown source, missing required columns, too large)."""


def log_folders(settings: Settings | None) -> list[Path]:
    """Where the error log is written: the first of these that can be."""
    folders = []
    if settings is not None:
        folders.append(settings.path("ingest_store").parent / "logs")
    folders.append(Path(tempfile.gettempdir()) / f"asc-commissioning-{os.getuid()}")
    return folders


def record_unexpected(exc: BaseException, settings: Settings | None, doing: str) -> tuple[str, Path | None]:
    """Log ``exc`` with its traceback under a new reference; the reference and the log's path (None if no
    log could be written)."""
    now = datetime.now(UTC)
    reference = f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
    text = f"=== {now.isoformat(timespec='seconds')} reference {reference}: {doing}\n" + "".join(
        traceback.format_exception(exc)
    )
    for folder in log_folders(settings):
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            path = folder / LOG_NAME
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a", encoding="utf-8") as fh:
                fh.write(text + "\n")
            return reference, path
        except OSError:
            continue
    return reference, None


def unexpected_message(what: str, exc: BaseException, reference: str, log: Path | None) -> str:
    """``what`` happened because of ``exc``, in plain words, with the reference and where the detail is."""
    cause = describe_os_error(exc) if isinstance(exc, OSError) else "an unexpected error"
    detail = f"the detail is in {log}" if log else "the detail could not be written to a log file"
    return f"{what} because of {cause} (reference {reference}; {detail})"


def describe_os_error(exc: OSError) -> str:
    """A file-system error as a person would say it: what could not be done to which file, and why."""
    reason = exc.strerror or type(exc).__name__
    return f"{reason.lower()}: {exc.filename}" if exc.filename else reason.lower()
