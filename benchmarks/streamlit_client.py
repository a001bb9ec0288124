"""A dashboard session without a browser: Streamlit's own websocket protocol, as its front end speaks it.

A browser loads the page's HTML (which gives it the ``asc_worker`` routing cookie behind `asc serve`),
opens ``/_stcore/stream`` with the ``streamlit`` subprotocol and sends a ``rerun_script`` BackMsg naming
the page; the server answers with ForwardMsgs (deltas, one per element) and ``script_finished``. A page
is ready when its script has finished successfully. Used by ``benchmarks/load.py`` and
``tests/functional/test_serving.py``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

FINISHED = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")


@dataclass
class PageView:
    """What one session saw: whether its page became ready, how long that took, what it showed."""

    page: str
    seconds: float = 0.0
    ready: bool = False
    error: str | None = None
    elements: int = 0
    texts: list[str] = field(default_factory=list)  # headings and markdown, to check the page is the right one
    cookies: dict[str, str] = field(default_factory=dict)


async def _get(url: str, cookies: dict[str, str], timeout: float) -> tuple[int, dict[str, str]]:
    """GET a URL over a fresh connection; the status and any cookies set (a browser's first request)."""
    parts = urlsplit(url)
    reader, writer = await asyncio.wait_for(asyncio.open_connection(parts.hostname, parts.port), timeout)
    try:
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        writer.write(
            f"GET {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n"
            f"{'Cookie: ' + cookie + chr(13) + chr(10) if cookie else ''}\r\n".encode()
        )
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        await asyncio.wait_for(reader.read(), timeout)  # the body, so the server is not cut off mid-answer
    finally:
        writer.close()
    lines = head.decode("latin-1").split("\r\n")
    got: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "set-cookie":
            got.update({k: m.value for k, m in SimpleCookie(value.strip()).items()})
    return int(lines[0].split()[1]), got


def _note(view: PageView, msg: ForwardMsg) -> None:
    element = msg.delta.new_element
    kind = element.WhichOneof("type")
    if kind is None:
        return
    view.elements += 1
    if kind == "exception":
        view.error = view.error or f"exception on the page: {element.exception.type}: {element.exception.message}"
    elif kind in ("heading", "markdown"):
        view.texts.append(getattr(element, kind).body)


async def open_page(base_url: str, page: str, timeout: float = 120.0, query: str = "") -> PageView:
    """Open ``page`` (its URL path, e.g. ``provider_kpis``) as a new session; never raises."""
    view = PageView(page)
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            status, view.cookies = await _get(f"{base_url}/{page}", {}, timeout)
            if status != 200:
                raise RuntimeError(f"GET /{page} answered {status}")
            ws_url = base_url.replace("http", "ws", 1) + "/_stcore/stream"
            cookie = "; ".join(f"{k}={v}" for k, v in view.cookies.items())
            async with connect(
                ws_url,
                subprotocols=["streamlit"],
                origin=base_url,
                additional_headers={"Cookie": cookie} if cookie else None,
                max_size=None,
                open_timeout=timeout,
                ping_interval=None,
                compression=None,
            ) as ws:
                back = BackMsg()
                back.rerun_script.query_string = query
                back.rerun_script.page_name = page
                back.rerun_script.context_info.timezone = "Europe/London"
                back.rerun_script.context_info.locale = "en-GB"
                back.rerun_script.context_info.url = f"{base_url}/{page}"
                await ws.send(back.SerializeToString())
                async for data in ws:
                    msg = ForwardMsg()
                    msg.ParseFromString(data)
                    kind = msg.WhichOneof("type")
                    if kind == "delta":
                        _note(view, msg)
                    elif kind == "page_not_found":
                        raise RuntimeError(f"page not found: {page}")
                    elif kind == "script_finished":
                        if msg.script_finished == FINISHED:
                            view.ready = view.error is None
                            break
        view.seconds = time.perf_counter() - started
        if not view.ready and view.error is None:
            view.error = "the connection closed before the page finished"
    except TimeoutError:
        view.seconds = time.perf_counter() - started
        view.error = f"not ready within {timeout:.0f} s"
    except Exception as exc:  # every failure is a result to count, never a crash of the benchmark
        view.seconds = time.perf_counter() - started
        view.error = f"{type(exc).__name__}: {exc}"
    return view


async def open_pages(base_url: str, page: str, sessions: int, timeout: float = 120.0) -> list[PageView]:
    """``sessions`` new sessions opening ``page`` at the same moment."""
    return list(await asyncio.gather(*(open_page(base_url, page, timeout) for _ in range(sessions))))
