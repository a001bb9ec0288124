"""`asc serve --workers 2` end to end: many sessions at once all finish; a dead or stuck worker is replaced.

Sessions speak Streamlit's own websocket protocol (benchmarks/streamlit_client.py), as a browser does, through
the proxy on the one public address. The watchdog is set to check every half second so restarts are quick.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from benchmarks.streamlit_client import open_page, open_pages
from pipelines.config import PROJECT_ROOT

pytestmark = pytest.mark.slow
SESSIONS = 40
# A lenient watchdog: under a loaded CI machine a worker busy with 40 sessions must not be taken for stuck.
WATCHDOG = "\n[serve]\nhealth_check_seconds = 0.5\nhealth_timeout_seconds = 5.0\nfailed_checks_before_restart = 3\n"


class Served:
    def __init__(self, url: str, log: Path, process: subprocess.Popen):
        self.url, self.log, self.process = url, log, process

    def lines(self) -> list[str]:
        return self.log.read_text().splitlines()

    def pids(self) -> dict[int, int]:
        """The newest process id of each worker, from the supervisor's log."""
        found = {}
        for line in self.lines():
            if m := re.search(r"worker (\d+) starting on port \d+ \(pid (\d+)\)", line):
                found[int(m.group(1))] = int(m.group(2))
        return found

    def count(self, pattern: str) -> int:
        return sum(bool(re.search(pattern, line)) for line in self.lines())

    def wait_for(self, pattern: str, count: int, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while self.count(pattern) < count:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise AssertionError(f"{count} x '{pattern}' not seen in:\n" + "\n".join(self.lines()))
            time.sleep(0.2)


@pytest.fixture(scope="module")
def served(demo_env, tmp_path_factory):
    folder = tmp_path_factory.mktemp("serve")
    config = folder / "asc.toml"
    config.write_text(Path(os.environ["ASC_CONFIG"]).read_text() + WATCHDOG)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = folder / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "--config", str(config), "serve", "--address", "127.0.0.1",
             "--port", str(port), "--workers", "2"],
            cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = Served(f"http://127.0.0.1:{port}", log, process)
    try:
        server.wait_for(r"worker \d ready", 2)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    for pid in server.pids().values():  # the supervisor took its workers with it
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def _run(coroutine):
    """Run the client in a thread of its own: the browser tests' Playwright leaves an event loop running in
    the main thread, and asyncio.run refuses to start beside it."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_many_sessions_of_provider_kpis_at_once_all_finish_on_both_workers(served):
    started = time.monotonic()
    views = _run(open_pages(served.url, "provider_kpis", SESSIONS, timeout=150))
    assert time.monotonic() - started < 150
    assert [v.error for v in views if not v.ready] == []
    assert all("Provider KPIs: quarterly review" in v.texts for v in views)
    # every session was pinned to a worker (which one is the router's choice, unit-tested in test_serving_routing)
    assert {v.cookies.get("asc_worker") for v in views} <= {"0", "1"}
    assert all(v.cookies.get("asc_worker") for v in views)


def _replaced(served: Served, index: int, how: int) -> None:
    """Send ``how`` to a worker; the watchdog must replace it, and pages must open again."""
    old = served.pids()[index]
    ready = served.count(rf"worker {index} ready")
    os.kill(old, how)
    served.wait_for(rf"worker {index} \(pid {old}\) .*restarting it", 1, timeout=60)
    served.wait_for(rf"worker {index} ready", ready + 1, timeout=90)
    assert served.pids()[index] != old
    view = _run(open_page(served.url, "provider_kpis", timeout=60))
    assert view.ready, view.error


def test_a_killed_worker_is_started_again(served):
    _replaced(served, 0, signal.SIGKILL)
    assert any("exited with code -9" in line for line in served.lines())


def test_a_stuck_worker_that_stops_answering_its_health_check_is_killed_and_started_again(served):
    _replaced(served, 1, signal.SIGSTOP)  # a stopped process holds its port and answers nothing, like a deadlock
    assert any(re.search(r"did not answer its health check \d+ times in a row", line) for line in served.lines())
