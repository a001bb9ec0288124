"""`asc serve`: the dashboard on one address, served by several Streamlit worker processes.

One Python process renders one page at a time (the GIL), so a single Streamlit server made 50 sessions
wait 15-26 s each (issue 16). ``serve`` starts N workers on internal ports (``workers.py``), a small
byte-level proxy on the public address that keeps each browser on its worker (``proxy.py``,
``routing.py``), and a watchdog that restarts a worker that dies or stops answering its health check.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import signal
from pathlib import Path

from pipelines.serving.proxy import Proxy
from pipelines.serving.workers import Supervisor, WatchdogTimes

__all__ = ["MAX_AUTO_WORKERS", "WatchdogTimes", "default_workers", "serve", "worker_env"]
MAX_AUTO_WORKERS = 4  # past this, on the machines councils use, workers compete for cores and memory


def default_workers() -> int:
    """One worker per core this process may use, at most ``MAX_AUTO_WORKERS``."""
    return max(1, min(MAX_AUTO_WORKERS, len(os.sched_getaffinity(0))))


def worker_env(base: dict[str, str]) -> dict[str, str]:
    """The workers' environment: one cookie secret shared by all of them.

    Streamlit signs its XSRF cookie (and sign-in cookies) with ``server.cookieSecret``; each worker would
    otherwise make its own, and a browser moved to another worker (after a restart) could not upload.
    """
    env = dict(base)
    env.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_hex(32))
    # Streamlit runs a full gc.collect(2) after every script run: with Polars, Plotly and pandas loaded that
    # was 0.13 s of the 0.21 s of CPU a Provider KPIs session cost (0.08 s without it; py-spy, issue 16), and
    # it holds the GIL while every other session waits. Python's own generational collector still runs.
    env.setdefault("STREAMLIT_RUNNER_POST_SCRIPT_GC", "false")
    return env


async def _run(supervisor: Supervisor, address: str, port: int) -> None:
    for worker in supervisor.workers:
        supervisor.start(worker)
    server = await Proxy(supervisor.workers).start(address, port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    watchdog = asyncio.create_task(supervisor.watch())
    try:
        await stop.wait()
    finally:
        watchdog.cancel()
        server.close()
        await asyncio.to_thread(supervisor.stop)


def serve(
    app: Path, address: str, port: int, workers: int, times: WatchdogTimes, cwd: Path, launcher: str = "streamlit"
) -> int:
    """Serve ``app`` on ``address:port`` with ``workers`` Streamlit processes until SIGINT or SIGTERM; each runs
    ``python -m launcher run app`` (``worker_command``)."""
    logging.basicConfig(level=logging.INFO, format="asc serve: %(message)s")
    supervisor = Supervisor(app, workers, times, worker_env(os.environ), cwd, launcher)
    try:
        asyncio.run(_run(supervisor, address, port))
    finally:
        supervisor.stop()
    return 0
