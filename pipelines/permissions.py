"""Owner-only files: the raw-file archive, the stores, the application state and the key (0600 files, 0700 folders).

The archive keeps files as they were sent, raw person identifiers included; the stores hold pseudonymised rows,
rejected values and commercially sensitive provider returns. So every process of the product starts with a
umask of 077 (what it creates is its owner's only) and checks, at start-up, that what an older version or a
copy left behind is owner-only too, tightening it and saying what it changed.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from pipelines.config import PROJECT_ROOT, Settings

FILE_MODE, FOLDER_MODE = 0o600, 0o700
# Settings naming a folder that is wholly private, and those naming a file (whose folder is private too).
PRIVATE_FOLDERS = ("archive",)
PRIVATE_FILES = ("ingest_store", "warehouse", "app_state", "pseudonymisation_key")


@dataclass(frozen=True)
class Tightened:
    path: Path
    was: int
    now: int

    def describe(self) -> str:
        return f"{self.path} was {self.was:o}, now {self.now:o}"


def owner_only() -> None:
    """From here on this process creates files and folders that only their owner can read."""
    os.umask(0o077)


def _tighten(path: Path, mode: int, changed: list[Tightened]) -> None:
    try:
        current = stat.S_IMODE(path.lstat().st_mode)
    except OSError:  # not there (yet), or a file stands where a folder should be: nothing to tighten
        return
    if path.is_symlink() or current & 0o077 == 0:
        return
    wanted = current & 0o700 or mode  # group and other bits dropped; the owner keeps what it had
    try:
        path.chmod(wanted)
    except OSError:  # another user's file: left for loose() to report rather than stopping the start
        return
    changed.append(Tightened(path, current, wanted))


def _tree(folder: Path, changed: list[Tightened]) -> None:
    _tighten(folder, FOLDER_MODE, changed)
    if not folder.is_dir():
        return
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            _tighten(Path(root) / name, FOLDER_MODE, changed)
        for name in files:
            _tighten(Path(root) / name, FILE_MODE, changed)


def private_paths(settings: Settings) -> list[Path]:
    """Every file and folder that must be its owner's only (those that exist or will)."""
    paths = [settings.path(name) for name in PRIVATE_FOLDERS]
    for name in PRIVATE_FILES:
        file = settings.path(name)
        paths += [file.parent, file]
    return paths


def tighten_all(settings: Settings) -> list[Tightened]:
    """Remove group and other permissions from the private files and folders; what was changed.

    Store files' companions (``.wal``) and the app-state folder's other files are included. The folder holding
    a store is made 0700 unless it is the project root or a home folder (never tightened behind a user's back).
    """
    changed: list[Tightened] = []
    for name in PRIVATE_FOLDERS:
        _tree(settings.path(name), changed)
    for name in PRIVATE_FILES:
        file = settings.path(name)
        if file.parent not in (Path.home(), Path("/"), PROJECT_ROOT):
            _tighten(file.parent, FOLDER_MODE, changed)
        for companion in (file, file.with_name(file.name + ".wal"), file.with_name(file.name + "-journal")):
            _tighten(companion, FILE_MODE, changed)
    if settings.path("app_state").parent.is_dir():
        _tree(settings.path("app_state").parent, changed)
    return changed


def loose(settings: Settings) -> list[Path]:
    """The private paths that group or others can still read (empty when all is well)."""
    found = []
    for path in private_paths(settings):
        if path in (Path.home(), Path("/"), PROJECT_ROOT):
            continue
        if path.exists() and stat.S_IMODE(path.stat().st_mode) & 0o077:
            found.append(path)
    return found
