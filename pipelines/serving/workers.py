"""Streamlit worker processes on internal ports, and the watchdog that restarts a dead or stuck one.

A worker is stuck when ``/_stcore/health`` does not answer within the timeout a number of times in a
row (issue 16: a GIL deadlock left a server at 3% CPU answering nothing, health included, for over ten
minutes). Such a worker is taken out of routing at its first failed check, killed after the last, and
started again; its sessions are lost, and their pages reconnect to a healthy worker.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from pipelines.serving.routing import WorkerState

log = logging.getLogger("asc.serve")


@dataclass(frozen=True)
class WatchdogTimes:
    """How often workers are checked, how long an answer may take, and how many misses mean stuck."""

    interval: float = 5.0
    timeout: float = 10.0
    failures: int = 3
    start_timeout: float = 90.0


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def worker_command(app: Path, port: int, launcher: str = "streamlit") -> list[str]:
    """``streamlit run`` on an internal port, reachable only from this machine (through the proxy).

    ``launcher`` is the module run as ``python -m``: Streamlit's own, or one that takes the same arguments and
    prepares the process first (the dashboard's imports what every session needs: dashboard.shell.server).
    """
    return [
        sys.executable, "-m", launcher, "run", str(app),
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


async def health(port: int, timeout: float, host: str = "127.0.0.1") -> bool:
    """True if the worker answers ``GET /_stcore/health`` with 200 within ``timeout`` seconds."""

    async def ask() -> bool:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(b"GET /_stcore/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            await writer.drain()
            status = await reader.readline()
            return status.split(b" ")[1:2] == [b"200"]
        finally:
            writer.close()

    try:
        return await asyncio.wait_for(ask(), timeout)
    except (OSError, TimeoutError, IndexError):
        return False


class Supervisor:
    """Starts N workers, keeps their ``WorkerState`` current for the router, restarts them when needed."""

    def __init__(
        self, app: Path, count: int, times: WatchdogTimes, env: dict[str, str], cwd: Path, launcher: str = "streamlit"
    ):
        self.app, self.times, self.env, self.cwd, self.launcher = app, times, env, cwd, launcher
        self.workers = [WorkerState(index=i, port=free_port()) for i in range(count)]
        self.processes: dict[int, subprocess.Popen] = {}
        self.started_at: dict[int, float] = {}
        self.answered: set[int] = set()  # workers that have answered a health check since they were started
        self.stopping = False

    def start(self, worker: WorkerState) -> None:
        worker.healthy, worker.failed_checks = False, 0
        self.answered.discard(worker.index)
        worker.port = free_port()  # a fresh port: the old one may still be held by the killed process
        self.processes[worker.index] = subprocess.Popen(
            worker_command(self.app, worker.port, self.launcher), cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,  # only Streamlit's "You can now view" banner, naming an internal port
            start_new_session=True,  # its own process group, so a kill reaches any children too
        )  # fmt: skip
        self.started_at[worker.index] = time.monotonic()
        log.info("worker %d starting on port %d (pid %d)", worker.index, worker.port, self.pid(worker))

    def pid(self, worker: WorkerState) -> int:
        return self.processes[worker.index].pid

    def kill(self, worker: WorkerState) -> None:
        process = self.processes.get(worker.index)
        if process is None or process.poll() is not None:
            return
        try:  # a stuck worker may ignore SIGTERM (its threads wait on the GIL): SIGKILL after 3 s
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        except ProcessLookupError:
            pass

    async def restart(self, worker: WorkerState, why: str) -> None:
        log.warning("worker %d (pid %d) %s: restarting it", worker.index, self.pid(worker), why)
        worker.healthy = False
        await asyncio.to_thread(self.kill, worker)  # may wait seconds: never on the loop that serves the others
        worker.restarts += 1
        self.start(worker)

    async def check(self, worker: WorkerState) -> None:
        """One watchdog round for one worker: route to it only while it answers; restart it when it cannot."""
        process = self.processes[worker.index]
        if process.poll() is not None:
            await self.restart(worker, f"exited with code {process.returncode}")
            return
        if await health(worker.port, self.times.timeout):
            if worker.index not in self.answered:
                log.info("worker %d ready on port %d", worker.index, worker.port)
                self.answered.add(worker.index)
            worker.healthy, worker.failed_checks = True, 0
            return
        worker.healthy = False
        if worker.index not in self.answered:  # still importing and warming up: only a start-up limit applies
            if time.monotonic() - self.started_at[worker.index] > self.times.start_timeout:
                await self.restart(worker, f"did not start within {self.times.start_timeout:.0f} s")
            return
        worker.failed_checks += 1
        if worker.failed_checks >= self.times.failures:
            await self.restart(worker, f"did not answer its health check {worker.failed_checks} times in a row")

    async def watch(self) -> None:
        while not self.stopping:
            await asyncio.gather(*(self.check(w) for w in self.workers))
            await asyncio.sleep(self.times.interval if all(w.healthy for w in self.workers) else 0.5)

    def stop(self) -> None:
        self.stopping = True
        for worker in self.workers:
            self.kill(worker)
