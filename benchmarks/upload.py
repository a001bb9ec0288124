"""Benchmark: other people's page times while a 200k-row upload is loaded (issue 16: 1.9 s -> 5.1 s, worst 17.7 s).

Run on demand: `nice -n 10 .venv/bin/python benchmarks/upload.py` (several minutes). Builds the demo warehouse in a
temporary folder, starts `asc serve` (one worker, as in the issue), and opens Provider KPIs in 5 sessions at once,
again and again (Streamlit's websocket protocol, benchmarks/streamlit_client.py), three ways:
1. idle: nothing else running;
2. while the upload runs as the Data page now runs a large one: handed to a background process
   (`upload_jobs.start_upload`, lower priority), checked, loaded and the warehouse rebuilt;
3. while the same upload runs at normal priority in a process of its own (`upload.ingest_upload`), for comparison.
Prints the median and worst page times of each, and the upload's own time. Asserts nothing.
Not measured here: the old way, the upload inside the dashboard process's render (the issue's 5.1 s), which needs
a browser's file upload; the figures above show what a process of its own leaves for other people's pages.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.load import start_server  # noqa: E402
from benchmarks.streamlit_client import PageView, open_pages  # noqa: E402

ROWS = 200_000
SESSIONS = 5
PAGE = "provider_kpis"


def big_activity_csv(settings, rows: int) -> tuple[str, bytes]:
    """An activity extract of ``rows`` new episodes, made from the demo's own rows (new references and people)."""
    import polars as pl

    demo = pl.read_csv(settings.path("inbox") / "demo" / "activity.csv", infer_schema=False)
    repeats = -(-rows // demo.height)
    frame = pl.concat([demo] * repeats).head(rows)
    index = pl.int_range(pl.len()).cast(pl.String)
    frame = frame.with_columns(episode_id=pl.lit("BIG") + index, person_id=pl.lit("Q") + index)
    return "activity_big_extract.csv", frame.write_csv().encode()


async def views_while(busy) -> list[PageView]:
    """Sessions opened again and again while ``busy()`` is true (at least one round)."""
    views = await open_pages(ROOT_URL, PAGE, SESSIONS, 180)
    while busy():
        views += await open_pages(ROOT_URL, PAGE, SESSIONS, 180)
    return views


def line(name: str, views: list[PageView], seconds: float | None = None) -> str:
    ready = [v.seconds for v in views if v.ready]
    errors = len(views) - len(ready)
    took = f"   the upload took {seconds:5.1f} s" if seconds is not None else ""
    if not ready:
        return f"  {name:<44} no page ready ({errors} errors){took}"
    return (
        f"  {name:<44} median {statistics.median(ready):5.2f} s   worst {max(ready):5.2f} s   "
        f"({len(views)} pages, {errors} errors){took}"
    )


def main() -> None:
    global ROOT_URL
    from benchmarks.pages import build_demo
    from pipelines.config import load_settings
    from pipelines.upload_jobs import job_status, start_upload

    with tempfile.TemporaryDirectory() as tmp:
        build_demo(Path(tmp))
        settings = load_settings()
        name, data = big_activity_csv(settings, ROWS)
        print(f"upload: {name}, {ROWS:,} rows, {len(data) / 1e6:.1f} MB; {os.cpu_count()} cores (machine shared)")
        ROOT_URL, server = start_server(1, Path(tmp) / "serve.log")
        try:
            asyncio.run(open_pages(ROOT_URL, PAGE, 2, 180))  # warm the caches, as a council's server is
            idle_until = time.monotonic() + 20
            idle = asyncio.run(views_while(lambda: time.monotonic() < idle_until))
            print(line("idle", idle))

            started = time.monotonic()
            job = start_upload(settings, name, data, "benchmark", "activity")
            finished: list[float] = []

            def job_running() -> bool:
                status = job_status(settings, job)
                if status.finished and not finished:
                    finished.append(time.monotonic() - started)
                    if status.status != "done":
                        raise SystemExit(f"the upload failed: {status.stage}")
                return not status.finished

            background = asyncio.run(views_while(job_running))
            print(line("while a background upload job runs", background, finished[0]))

            again = data.replace(b"BIG", b"AGN")  # new content, so it is not skipped as already loaded
            script = (
                "import sys; from pipelines.config import load_settings; from pipelines.upload import ingest_upload; "
                "ingest_upload('activity_again.csv', sys.stdin.buffer.read(), load_settings(), 'activity')"
            )
            started = time.monotonic()
            plain = subprocess.Popen(
                [sys.executable, "-c", script],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            plain.stdin.write(again)
            plain.stdin.close()
            normal = asyncio.run(views_while(lambda: plain.poll() is None))
            print(line("while it runs at normal priority", normal, time.monotonic() - started))
        finally:
            server.terminate()
            server.wait(timeout=30)


ROOT_URL = ""

if __name__ == "__main__":
    main()
