"""Which worker answers a connection: sticky by a cookie, otherwise the least busy healthy one.

Pure functions on the request and response heads (bytes up to the blank line), so the proxy's
decisions are unit-tested without sockets. A Streamlit session lives in one worker's memory (its
websocket, uploads, download links under /media), so every connection from one browser must reach
the same worker: the first response carries ``asc_worker=<n>`` and later connections follow it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

COOKIE = "asc_worker"
_COOKIE_RE = re.compile(rb"(?:^|;)\s*" + COOKIE.encode() + rb"=(\d+)\s*(?:;|$)")


@dataclass
class WorkerState:
    """What the router knows of one worker: its index, port, health and open connections."""

    index: int
    port: int
    healthy: bool = False
    connections: int = 0
    restarts: int = 0
    failed_checks: int = field(default=0, repr=False)


def header_values(head: bytes, name: str) -> list[bytes]:
    """Values of every header called ``name`` (case-insensitive) in an HTTP head."""
    wanted = name.lower().encode()
    values = []
    for line in head.split(b"\r\n")[1:]:
        key, sep, value = line.partition(b":")
        if sep and key.strip().lower() == wanted:
            values.append(value.strip())
    return values


def cookie_worker(head: bytes) -> int | None:
    """The worker index a browser was given earlier (``asc_worker`` cookie), or None."""
    for value in header_values(head, "cookie"):
        match = _COOKIE_RE.search(value)
        if match:
            return int(match.group(1))
    return None


def choose_worker(workers: list[WorkerState], wanted: int | None) -> WorkerState | None:
    """The browser's own worker if it is healthy, else the healthy worker with fewest connections.

    None when no worker is healthy (all starting or being restarted): the proxy answers 503.
    """
    if wanted is not None and 0 <= wanted < len(workers) and workers[wanted].healthy:
        return workers[wanted]
    healthy = [w for w in workers if w.healthy]
    if not healthy:
        return None
    return min(healthy, key=lambda w: (w.connections, w.index))


def with_cookie(response_head: bytes, index: int) -> bytes:
    """The response head with ``Set-Cookie: asc_worker=<index>`` added before its blank line."""
    if not response_head.endswith(b"\r\n\r\n"):
        raise ValueError("not a complete HTTP head")
    # Session cookie (no Max-Age): a browser restarted may land anywhere; HttpOnly as scripts never need it.
    cookie = f"Set-Cookie: {COOKIE}={index}; Path=/; HttpOnly; SameSite=Lax\r\n".encode()
    return response_head[:-2] + cookie + b"\r\n"


def unavailable(reason: str) -> bytes:
    """A complete 503 response with a plain sentence, for when no worker can take the connection."""
    body = f"The dashboard is starting or restarting: {reason} Try again in a few seconds.\n".encode()
    return (
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 5\r\n"
        b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
