"""A byte-level reverse proxy: one public address in front of several Streamlit workers.

It reads only the head of a connection's first request (to route by the ``asc_worker`` cookie) and
then copies bytes both ways. HTTP, keep-alive, uploads, the sign-in redirects and Streamlit's websocket
pass through untouched (headers, cookies and Host included), and no frame is decoded or re-encoded, so
the proxy costs little CPU on a machine whose cores the workers need. Every connection of one browser
goes to the same worker; a browser whose worker is down is moved to a healthy one.
"""

from __future__ import annotations

import asyncio
import logging

from pipelines.serving.routing import WorkerState, choose_worker, cookie_worker, unavailable, with_cookie

log = logging.getLogger("asc.serve")
MAX_HEAD = 64 * 1024  # request and response heads above this are refused (Streamlit's are under 4 KB)
CHUNK = 64 * 1024


async def _read_head(reader: asyncio.StreamReader) -> bytes:
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return b""


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until end of stream, then pass the end on (half-close) so the other side can finish."""
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        _close(writer)  # a side that vanished without a goodbye: let the other side know at once


async def _copy_response(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, cookie_for: int | None) -> None:
    """Copy the worker's answers, adding the routing cookie to the first response head if needed."""
    if cookie_for is not None:
        head = await _read_head(reader)
        if not head:
            return
        writer.write(with_cookie(head, cookie_for))
    await _copy(reader, writer)


def _close(writer: asyncio.StreamWriter) -> None:
    try:
        writer.close()
    except (ConnectionError, OSError, RuntimeError):
        pass


class Proxy:
    """Accepts connections on the public address and pipes each to the worker chosen for it."""

    def __init__(self, workers: list[WorkerState], host: str = "127.0.0.1"):
        self.workers = workers
        self.host = host  # where the workers listen

    async def handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            head = await _read_head(client_reader)
            if not head:
                return
            wanted = cookie_worker(head)
            worker = choose_worker(self.workers, wanted)
            if worker is None:
                client_writer.write(unavailable("no dashboard worker is ready yet."))
                await client_writer.drain()
                return
            try:
                up_reader, up_writer = await asyncio.open_connection(self.host, worker.port, limit=MAX_HEAD)
            except OSError:
                worker.healthy = False  # the watchdog confirms and restarts it
                client_writer.write(unavailable("a dashboard worker stopped answering."))
                await client_writer.drain()
                return
            worker.connections += 1
            up_writer.write(head)
            cookie_for = None if wanted == worker.index else worker.index
            to_worker = asyncio.create_task(_copy(client_reader, up_writer))
            try:
                # The connection lives as long as the worker's side of it: when the worker closes it (or dies),
                # the browser is told at once, so Streamlit's page reconnects, landing on a healthy worker.
                await _copy_response(up_reader, client_writer, cookie_for)
            finally:
                to_worker.cancel()
                worker.connections -= 1
                _close(up_writer)
        except (ConnectionError, OSError):
            pass
        finally:
            _close(client_writer)

    async def start(self, address: str, port: int) -> asyncio.Server:
        return await asyncio.start_server(self.handle, address, port, limit=MAX_HEAD, reuse_address=True)
