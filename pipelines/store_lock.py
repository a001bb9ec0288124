"""One writer at a time for the data folder, across processes: ``asc ingest``, ``asc build`` and uploads.

The dashboard may run as several worker processes, each of which can take an upload, while a scheduled
``asc ingest`` or ``asc build`` runs beside them. DuckDB lets one process at a time open the ingest store for
writing, and a build reads it, so without a common lock the second one fails with a lock error. An advisory
lock (``flock``) on a file beside the ingest store serialises them: the second waits, saying so, and goes on.
The operating system releases the lock when its process ends, however it ends, so a killed run never leaves
it held.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pipelines.config import Settings


def lock_path(settings: Settings):
    store = settings.path("ingest_store")
    return store.with_name(store.name + ".lock")


@contextmanager
def store_lock(
    settings: Settings, on_wait: Callable[[str], None] = lambda _: None, timeout: float | None = None
) -> Iterator[float]:
    """Hold the data folder's write lock for the block; yields the seconds spent waiting for it.

    ``on_wait`` is told once, in words, when another process holds it. Raises OSError if the lock file cannot
    be made (an unwritable folder), TimeoutError after ``timeout`` seconds of waiting.
    """
    path = lock_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    started = time.monotonic()
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait("another load or build is writing the data folder; waiting for it to finish")
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if timeout is not None and time.monotonic() - started > timeout:
                        raise TimeoutError(
                            f"another load or build has held {path} for over {timeout:.0f} s; try again later"
                        ) from None
                    time.sleep(0.1)
        yield time.monotonic() - started
    finally:
        os.close(fd)  # closing the descriptor releases the lock
