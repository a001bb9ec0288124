"""Benchmark: the first page view after the dashboard's server starts, in Chromium, with and without the start-up
imports (dashboard/shell/server.py).

Run on demand: `.venv/bin/python benchmarks/first_view.py [--fresh] [--runs 3] [--page PATH]`. Each run starts a
server under plain `python -m streamlit run` and one under `python -m dashboard.shell.server run` (as `asc serve`
starts its workers), alternately, and prints for each: seconds until it answers its health check, the first view
of the page (a fresh browser context: imports and cold caches are paid here), and a second view (warm). Medians,
and the machine's load average at the start and the end. Prints, asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LAUNCHERS = {"streamlit run": "streamlit", "dashboard.shell.server": "dashboard.shell.server"}


def first_views(runs: int, path: str) -> dict[str, list[tuple[float, float, float]]]:
    """{launcher: [(seconds to health, first view, second view), ...]}, launchers alternating run by run."""
    from playwright.sync_api import sync_playwright

    from benchmarks.browser_timing import ARGS, CHROMIUM, _ready_seconds, serve

    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in LAUNCHERS}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(runs):
            for name, launcher in LAUNCHERS.items():
                started = time.perf_counter()
                with serve(ROOT / "dashboard" / "app.py", launcher) as url:
                    up = time.perf_counter() - started
                    first = _ready_seconds(browser, f"{url}/{path}", 1400)
                    second = _ready_seconds(browser, f"{url}/{path}", 1400)
                results[name].append((up, first, second))
                print(f"  {name:<24} health {up:5.2f}s  first view {first:5.2f}s  second {second:5.2f}s", flush=True)
        browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="build the demo warehouse in a temporary folder")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--page", default="", help="the page's address under the dashboard (default: Overview)")
    args = parser.parse_args()
    from benchmarks.pages import build_demo, load_average

    with tempfile.TemporaryDirectory() as tmp:
        if args.fresh:
            build_demo(Path(tmp))
        started = load_average()
        print(f"First view of /{args.page} after the server starts, in Chromium (1400 px), {args.runs} runs:")
        results = first_views(args.runs, args.page)
        cores = os.cpu_count()
        print(f"Machine load (1-minute average, {cores} cores): {started} at the start, {load_average()} at the end.")
        print(f"  {'median':<24}{'health':>7}{'first view':>12}{'second':>8}")
        for name, rows in results.items():
            up, first, second = (statistics.median(r[i] for r in rows) for i in range(3))
            print(f"  {name:<24}{up:>6.2f}s{first:>11.2f}s{second:>7.2f}s")


if __name__ == "__main__":
    main()
