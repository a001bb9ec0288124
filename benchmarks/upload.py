"""Benchmark: other people's page times while a 200k-row upload is loaded (issue 16: 1.9 s -> 5.1 s, worst 17.7 s).

Run on demand: `nice -n 10 .venv/bin/python benchmarks/upload.py` (several minutes). Builds the demo warehouse in a
temporary folder, starts `asc serve` (one worker, as in the issue), and opens Provider KPIs in 5 sessions at once,
again and again (Streamlit's websocket protocol, benchmarks/streamlit_client.py), three ways:
1. idle: nothing else running;
2. while the upload runs as the Data page now runs a large one: handed to a background process
   (`upload_jobs.start_upload`, lower priority), checked, loaded and the warehouse rebuilt;
3. while the same upload runs the old way, inside the Data page's render in the same worker: the server is
   restarted with `background_upload_kb` above the file's size, and Chromium (Playwright) uploads the file on the
   Data page and presses "Check and load", as a person does.
Prints the median and worst page times of each, and the upload's own time. Asserts nothing. `--normal-priority`
adds the upload in a process of its own at normal priority, for comparison.
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
        return f"  {name:<50} no page ready ({errors} errors){took}"
    return (
        f"  {name:<50} median {statistics.median(ready):5.2f} s   worst {max(ready):5.2f} s   "
        f"({len(views)} pages, {errors} errors){took}"
    )


def upload_in_browser(url: str, name: str, data: bytes, done: list[float]) -> None:
    """A person on the Data page uploads ``data`` and presses "Check and load"; appends the seconds it took."""
    from playwright.sync_api import expect, sync_playwright

    from tests.e2e.conftest import ARGS, CHROMIUM, wait_until_idle

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(f"{url}/data")
        expect(page.get_by_role("heading", name="Load a file")).to_be_visible(timeout=120_000)
        wait_until_idle(page, 120_000)
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
            files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
        )
        expect(page.get_by_role("button", name=f"Remove {name}")).to_be_visible(timeout=300_000)  # sent
        started = time.monotonic()
        page.get_by_role("button", name="Check and load").click()
        expect(page.locator('[data-testid="stAlert"]', has_text=name)).to_be_visible(timeout=900_000)
        wait_until_idle(page, 900_000)
        done.append(time.monotonic() - started)
        browser.close()


def in_render_settings(folder: Path) -> Path:
    """The benchmark's settings with every upload processed inside the Data page's render (the old way)."""
    config = folder / "asc_in_render.toml"
    config.write_text("background_upload_kb = 1000000000\n" + Path(os.environ["ASC_CONFIG"]).read_text())
    return config


def main() -> None:
    global ROOT_URL
    import argparse
    import threading

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--normal-priority", action="store_true", help="also: the upload in a process of its own")
    args = parser.parse_args()
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

            if args.normal_priority:
                normal_priority(data)
        finally:
            server.terminate()
            server.wait(timeout=30)

        # The old way: the same size of upload inside the Data page's render, in the worker serving everyone.
        default_config = os.environ["ASC_CONFIG"]
        os.environ["ASC_CONFIG"] = str(in_render_settings(Path(tmp)))
        ROOT_URL, server = start_server(1, Path(tmp) / "serve_in_render.log")
        os.environ["ASC_CONFIG"] = default_config
        try:
            asyncio.run(open_pages(ROOT_URL, PAGE, 2, 180))
            inside = data.replace(b"BIG", b"INR")  # new content, so it is not skipped as already loaded
            took: list[float] = []
            browser = threading.Thread(
                target=upload_in_browser, args=(ROOT_URL, "activity_in_render.csv", inside, took)
            )
            browser.start()
            in_render = asyncio.run(views_while(browser.is_alive))
            browser.join()
            if not took:
                raise SystemExit("the in-render upload did not finish (see the worker's log)")
            print(line("while an upload runs inside a page's render", in_render, took[0]))
        finally:
            server.terminate()
            server.wait(timeout=30)
        print("Other people's Provider KPIs pages (one worker):")
        print(line("idle", idle))
        print(line("during an upload inside a page's render (before)", in_render, took[0]))
        print(line("during a background upload job (now)", background, finished[0]))


def normal_priority(data: bytes) -> None:
    """The upload in a process of its own at normal priority (not the Data page's way), for comparison."""
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


ROOT_URL = ""

if __name__ == "__main__":
    main()
