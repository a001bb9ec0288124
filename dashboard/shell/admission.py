"""Page renders take turns in a worker, first come first served, a few at a time.

A worker runs each session's page on its own thread, and Python runs one thread at a time: 50 sessions opened
at once all share the CPU and all finish near the end (each waits for everyone's work, so the median is the
worst). Letting ``pages_at_once`` render and queueing the rest in arrival order gives the same total time, but
the first sessions finish first: the median halves (issue 16). The page's own work runs inside a turn; the
router's few lines before it (sign-in, filters) do not, so the page frame appears at once.

A page waits at most ``turn_wait_seconds`` for its turn, then renders anyway (logged): a page stuck inside its
turn can slow the others but never stop them.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

_log = logging.getLogger("asc.dashboard")


class Turns:
    """At most ``slots`` holders at once; the others wait in arrival order (a FIFO semaphore)."""

    def __init__(self, slots: int) -> None:
        self._lock = threading.Lock()
        self._free = max(1, slots)
        self._waiting: deque[threading.Event] = deque()

    def enter(self, timeout: float) -> bool:
        """True once a turn is held; False if ``timeout`` seconds passed first (the caller goes ahead without)."""
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return True
            ticket = threading.Event()
            self._waiting.append(ticket)
        if ticket.wait(timeout):
            return True
        with self._lock:
            if ticket.is_set():  # handed a turn just as the wait ended
                return True
            self._waiting.remove(ticket)
            return False

    def leave(self) -> None:
        """End a turn: the longest-waiting page gets it, else it is free."""
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()
            else:
                self._free += 1

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    @contextmanager
    def turn(self, timeout: float, what: str = "a page") -> Iterator[None]:
        held = self.enter(timeout)
        if not held:
            _log.warning("%s waited %.0f s for its turn and renders without one", what, timeout)
        try:
            yield
        finally:
            if held:
                self.leave()


_turns: Turns | None = None
_made = threading.Lock()


def page_turns(slots: int) -> Turns:
    """The process's one queue of page renders (made with the first caller's ``slots``)."""
    global _turns
    with _made:
        if _turns is None:
            _turns = Turns(slots)
        return _turns
