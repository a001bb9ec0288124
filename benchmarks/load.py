"""Benchmark: page-ready time under concurrent sessions through `asc serve` (issue 16).

Run on demand: `nice -n 10 .venv/bin/python benchmarks/load.py --fresh` (about 3 minutes). Starts
`asc serve --workers N` on a free port (or measures a server already running with `--url`), then opens
sessions with Streamlit's websocket protocol (benchmarks/streamlit_client.py, no browser): median and worst
page-ready time at 1, 10 and 50 sessions at once on Provider KPIs and the Overview, then the same while
`asc build` swaps the warehouse mid-run. `--baseline` first measures a one-line Streamlit app served by one
plain `streamlit run` the same way (with `--workers 1` the two are like for like): what Streamlit itself costs
at 1, 10 and 50 sessions on this machine. `--users 50` adds people arriving over time: each opens the page,
reads it for a while (`--think`, 10 s on average) and opens it again, for `--for-seconds`. `--repeat 20`
instead runs 50 sessions 20 times and counts hangs (no answer within the time limit) and errors. Prints
figures, asserts nothing.
Targets: 0 hangs and 0 errors in 20 runs of 50 sessions; at 50 sessions the median within 3x single-session.
The sessions' client runs on the same machine and takes some of its CPU, as the figures include.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.streamlit_client import PageView, open_page, open_pages  # noqa: E402

PAGES = {"provider_kpis": "Provider KPIs", "": "Overview"}  # URL path ("" = the default page) -> name
COUNTS = (1, 10, 50)


def start_server(workers: int, log: Path) -> tuple[str, subprocess.Popen]:
    """`asc serve` on a free port; returns its URL once every worker has answered its health check."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "serve", "--address", "127.0.0.1", "--port", str(port),
             "--workers", str(workers)],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 120
    while len(re.findall(r"worker \d+ ready", log.read_text())) < workers:
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise SystemExit(f"asc serve did not start:\n{log.read_text()}")
        time.sleep(0.3)
    return f"http://127.0.0.1:{port}", process


def summary(views: list[PageView]) -> str:
    seconds = [v.seconds for v in views if v.ready]
    hangs = sum(1 for v in views if v.error and v.error.startswith("not ready within"))
    errors = sum(1 for v in views if not v.ready) - hangs
    if not seconds:
        return f"no page ready; {hangs} hangs, {errors} errors"
    return f"median {statistics.median(seconds):6.2f} s   worst {max(seconds):6.2f} s   {hangs} hangs, {errors} errors"


def first_errors(views: list[PageView]) -> str:
    seen = sorted({v.error for v in views if v.error})
    return "; ".join(seen[:3])


async def warm_up(url: str, workers: int) -> None:
    # Each worker's first view of a page reads the warehouse and fills its caches; a council's server pays
    # that once per build, so it is not counted. Enough sessions at once that every worker gets some.
    for page in PAGES:
        await open_pages(url, page, 2 * workers, timeout=120)


async def measure(url: str, rounds: int, timeout: float) -> dict[tuple[str, int], list[PageView]]:
    results = {}
    for page in PAGES:
        for count in COUNTS:
            views = []
            for _ in range(rounds):
                views += await open_pages(url, page, count, timeout)
            results[(page, count)] = views
    return results


async def user_visits(url: str, page: str, until: float, think: float, rng, timeout: float) -> list[PageView]:
    """One person: opens ``page`` in a new session, reads it for a while (``think`` seconds on average,
    exponentially spread), opens it again, until ``until``. Starts after a random share of one think time."""
    views = []
    await asyncio.sleep(rng.uniform(0, think))
    while time.monotonic() < until:
        views.append(await open_page(url, page, timeout))
        await asyncio.sleep(rng.expovariate(1 / think))
    return views


async def measure_arrivals(url: str, users: int, seconds: float, think: float, timeout: float) -> dict:
    """``users`` people each viewing Provider KPIs and the Overview again and again, with think time between
    views, for ``seconds``: the load as people make it, beside the burst of everyone at the same moment."""
    import random

    results = {}
    for page in PAGES:
        rng = random.Random(16)
        until = time.monotonic() + seconds
        visits = await asyncio.gather(*(user_visits(url, page, until, think, rng, timeout) for _ in range(users)))
        results[(page, users)] = [v for person in visits for v in person]
    return results


async def measure_during_rebuild(url: str, timeout: float) -> dict[tuple[str, int], list[PageView]]:
    """Each count's sessions opened again and again while `asc build` runs and swaps the warehouse in."""
    results = {}
    for page in PAGES:
        for count in COUNTS:
            build = subprocess.Popen(
                [sys.executable, "-m", "pipelines.cli", "build"], cwd=ROOT,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            views = []
            while build.poll() is None:
                views += await open_pages(url, page, count, timeout)
            views += await open_pages(url, page, count, timeout)  # the first view of the new build
            if build.returncode != 0:
                raise SystemExit(f"asc build failed during the benchmark (exit {build.returncode})")
            results[(page, count)] = views
    return results


TRIVIAL_APP = 'import streamlit as st; st.write("Value", st.slider("Lever", 0, 100, 50))\n'


def start_trivial_server(folder: Path) -> tuple[str, subprocess.Popen]:
    """The one-line app under plain `streamlit run`, with the dashboard's own Streamlit settings (run from ROOT)."""
    from pipelines.serving import worker_env
    from pipelines.serving.workers import free_port, worker_command

    app = folder / "trivial_app.py"
    app.write_text(TRIVIAL_APP)
    port = free_port()
    log = folder / "trivial.log"
    with log.open("w") as out:
        process = subprocess.Popen(  # the environment `asc serve` gives its workers, for like-for-like figures
            worker_command(app, port), cwd=ROOT, env=worker_env(dict(os.environ)), stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 120
    while "URL:" not in log.read_text():
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise SystemExit(f"the one-line app did not start:\n{log.read_text()}")
        time.sleep(0.3)
    return f"http://127.0.0.1:{port}", process


async def measure_trivial(url: str, rounds: int, timeout: float) -> dict[tuple[str, int], list[PageView]]:
    await open_pages(url, "", 2, timeout)  # warm, as the dashboard's pages are
    results = {}
    for count in COUNTS:
        views = []
        for _ in range(rounds):
            views += await open_pages(url, "", count, timeout)
        results[("", count)] = views
    return results


def report(
    title: str, results: dict[tuple[str, int], list[PageView]], unit: str = "at once", names: dict | None = None
) -> None:
    names = names or PAGES
    print(title, flush=True)
    for (page, count), views in results.items():
        print(f"  {names[page]:<14}{count:>3} {unit} ({len(views):>3} sessions)   {summary(views)}")
        if first_errors(views):
            print(f"      errors: {first_errors(views)}")
    for page in names:
        if (page, 1) not in results or (page, 50) not in results:
            continue
        one = [v.seconds for v in results[(page, 1)] if v.ready]
        many = [v.seconds for v in results[(page, 50)] if v.ready]
        if one and many:
            ratio = statistics.median(many) / statistics.median(one)
            print(f"  {names[page]}: median at 50 sessions is {ratio:.1f}x the single-session median (target 3x)")


async def repeat(url: str, runs: int, sessions: int, timeout: float) -> None:
    hangs = errors = 0
    medians = []
    for run in range(1, runs + 1):
        views = await open_pages(url, "provider_kpis", sessions, timeout)
        run_hangs = sum(1 for v in views if v.error and v.error.startswith("not ready within"))
        hangs += run_hangs
        errors += sum(1 for v in views if not v.ready) - run_hangs
        medians.append(statistics.median(v.seconds for v in views))
        print(f"  run {run:>2}: {summary(views)}", flush=True)
        if first_errors(views):
            print(f"      errors: {first_errors(views)}")
    print(
        f"{runs} runs of {sessions} sessions on Provider KPIs: {hangs} hangs, {errors} errors; "
        f"median of the runs' medians {statistics.median(medians):.2f} s, worst run median {max(medians):.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="build the demo warehouse in a temporary folder")
    parser.add_argument("--workers", type=int, default=0, help="worker processes (default: one per core, max 4)")
    parser.add_argument("--url", help="measure a server already running there instead of starting one")
    parser.add_argument("--rounds", type=int, default=3, help="times each count of sessions is repeated")
    parser.add_argument("--repeat", type=int, help="only the hang test: this many runs of --sessions at once")
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--no-rebuild", action="store_true", help="skip the runs with a rebuild mid-run")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a session counts as hung")
    parser.add_argument("--users", type=int, default=0, help="also: this many people viewing pages with think time")
    parser.add_argument("--think", type=float, default=10.0, help="their mean seconds between views")
    parser.add_argument("--for-seconds", type=float, default=60.0, help="how long they keep viewing, per page")
    parser.add_argument("--baseline", action="store_true", help="also the one-line Streamlit app, for comparison")
    parser.add_argument("--burst", action=argparse.BooleanOptionalAction, default=True, help="the 1/10/50 bursts")
    args = parser.parse_args()

    from benchmarks.pages import build_demo
    from pipelines.serving import default_workers

    workers = args.workers or default_workers()
    with tempfile.TemporaryDirectory() as tmp:
        if args.fresh:
            build_demo(Path(tmp))  # sets ASC_CONFIG, which `asc serve` and `asc build` below then read
        process = None
        url = args.url
        if url is None:
            url, process = start_server(workers, Path(tmp) / "serve.log")
        try:
            print(f"{url}: {workers} workers, {os.cpu_count()} cores", flush=True)
            asyncio.run(warm_up(url, workers))
            if args.repeat:
                asyncio.run(repeat(url, args.repeat, args.sessions, args.timeout))
                return
            if args.baseline:
                trivial_url, trivial = start_trivial_server(Path(tmp))
                try:
                    report(f"One-line Streamlit app, one process (median and worst over {args.rounds} rounds):",
                           asyncio.run(measure_trivial(trivial_url, args.rounds, args.timeout)),
                           names={"": "One-line app"})  # fmt: skip
                finally:
                    trivial.send_signal(signal.SIGTERM)
                    trivial.wait(timeout=30)
            if args.burst:
                report(f"Page ready (median and worst over {args.rounds} rounds):", asyncio.run(
                    measure(url, args.rounds, args.timeout)))  # fmt: skip
            if args.users:
                report(
                    f"People arriving over time, {args.think:.0f} s mean think time between views, "
                    f"{args.for_seconds:.0f} s per page:",
                    asyncio.run(measure_arrivals(url, args.users, args.for_seconds, args.think, args.timeout)),
                    unit="people",
                )
            if not args.no_rebuild:
                report("While `asc build` swaps the warehouse in (rounds until the build ends):", asyncio.run(
                    measure_during_rebuild(url, args.timeout)))  # fmt: skip
        finally:
            if process is not None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)


if __name__ == "__main__":
    main()
