"""Benchmark: median server render time of every dashboard page (AppTest, warm runs), and with `--browser`
each page's time to ready in Chromium beside a one-line Streamlit app's.

Run on demand: `.venv/bin/python benchmarks/pages.py [--browser]`. Uses the warehouse named by ASC_CONFIG (or
asc.toml); with `--fresh` it builds the demo warehouse in a temporary folder first. Prints, asserts nothing.
Targets: committee pages and the scorecard under 300 ms, every page under 500 ms; with every council's published
figures loaded (they always are: `data/public/national`), the Benchmarking page and every other under 1 s. It
prints how many councils the warehouse holds, and which council the settings are for (`asc init` makes others).
In the browser, each page ready within 1.3x of the trivial page and a lever change within 1.3x of a trivial rerun
(the issue's literal aim); beside them each page's floor, the one-line app with the element kinds the page shows
(a table, a chart: each loads its own JS), the lever beside a one-chart app whose chart follows it, moves
between pages in the sidebar beside a trivial rerun, and returning visits (cache warm) beside the baselines'
(benchmarks/browser_timing.py explains each).
The printout gives the machine's load average at the start and the end: on a shared 2-core box the figures move
with it.
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
PAGES = ["overview.py"] + sorted(
    p.name for p in (ROOT / "dashboard" / "views").glob("*.py") if p.name not in ("overview.py", "__init__.py")
)


def page_render_times(runs: int = 5, pages: list[str] = PAGES, cold: bool = False) -> dict[str, float]:
    """Median milliseconds per page, each timed as a switch to it from a session already started.

    A new AppTest session's first run also pays Streamlit's own start-up (it scans every installed
    package for components, 100-200 ms here), which a served dashboard pays once, not per page view;
    ``session_start_times`` reports that separately.
    """
    from streamlit.testing.v1 import AppTest

    results = {}
    for page in pages:
        times = []
        for _ in range(runs + 1):  # the first run pays for imports and cold caches; not counted
            at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60)
            at.run()  # land on the Overview first, as a user does; time only the switch
            if cold:  # as the first view of a page after a rebuild: nothing read or computed yet
                import streamlit as st

                st.cache_resource.clear()
                st.cache_data.clear()
            at.switch_page(f"views/{page}")
            started = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - started)
            if at.exception:
                raise SystemExit(f"{page} raised: {at.exception[0].message}")
        results[page] = statistics.median(times[1:]) * 1000
    return results


def session_start_times(runs: int = 5) -> float:
    """Median milliseconds of a new session's first run (the Overview, with Streamlit's start-up)."""
    from streamlit.testing.v1 import AppTest

    times = []
    for _ in range(runs + 1):
        at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60)
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:]) * 1000


def warehouse_scale() -> str:
    """Which council the pages are drawn for, and how many councils' published values the warehouse holds."""
    import duckdb

    from pipelines.config import load_settings

    settings = load_settings()
    con = duckdb.connect(str(settings.path("warehouse")), read_only=True)
    try:
        ((councils, rows),) = con.sql(
            "select count(distinct area_code) filter (where area_level = 'Council'), count(*) from mart_ascof"
        ).fetchall()
    finally:
        con.close()
    return f"{settings.council.short_name} ({settings.council.code}); {councils} councils, {rows:,} ASCOF values loaded"


DASHBOARD_LAUNCHER = "dashboard.shell.server"  # as `asc serve` starts each worker
# Every page's address under the dashboard, as a browser asks for it.
BROWSER_PAGES = {
    "Overview": "",
    **{p.removesuffix(".py"): p.removesuffix(".py") for p in PAGES[1:]},
    "demand_scenarios, Scenario tab": "demand_scenarios?tab=Scenario",  # its heaviest tab: four charts
}


def print_browser_timings(runs: int) -> None:
    from benchmarks.browser_timing import browser_timings, serve

    started = load_average()
    with serve(ROOT / "dashboard" / "app.py", DASHBOARD_LAUNCHER) as url:
        rows = browser_timings(url, BROWSER_PAGES, runs)
    print(f"\nIn Chromium (1400 px), median of {runs}, each beside two baselines measured alternately in the same run")
    print("(benchmarks/browser_timing.py says why): trivial = the one-line app (a page: its first view; a lever or")
    print("a move: its rerun); floor = the one-line app with the element kinds the page shows (a page: first view),")
    print("or one chart that follows the lever. Pages: fresh context per view. Moves: a click in the sidebar,")
    print("after every page was seen once in that context. Returning: a new tab in a context that showed the page")
    print("twice before (cache warm), each app in its own. Flags: over 1.3x of the trivial app, of the floor.")
    cores = os.cpu_count()
    print(f"Machine load (1-minute average, {cores} cores): {started} at the start, {load_average()} at the end.")
    wide = max(map(len, rows)) + 2
    print(f"  {'':<{wide}}{'dashboard':>10}{'trivial':>9}{'ratio':>7}  {'floor':<20}{'':>7}{'ratio':>7}")
    for name, (ours, trivial, floor, floor_kinds) in rows.items():
        flags = [f"{base} {ours / seconds:.1f}x" for base, seconds in (("trivial", trivial), ("floor", floor))
                 if seconds == seconds and ours > 1.3 * seconds]  # fmt: skip
        floor_cells = f"{floor_kinds:<20}{floor:>6.2f}s{ours / floor:>6.2f}x" if floor == floor else f"{'':<34}"
        print(
            f"  {name:<{wide}}{ours:>9.2f}s{trivial:>8.2f}s{ours / trivial:>6.2f}x  {floor_cells}"
            + (f"  over 1.3x: {', '.join(flags)}" if flags else "")
        )


def load_average() -> str:
    """The machine's 1-minute load average, as `uptime` shows it: the benchmark's figures depend on it."""
    return f"{os.getloadavg()[0]:.1f}"


def build_demo(folder: Path) -> None:
    from pipelines.build import build_warehouse
    from pipelines.config import load_settings
    from pipelines.demo import write_demo_inbox
    from pipelines.ingest import ingest_paths
    from tests.conftest import write_test_config

    os.environ["ASC_CONFIG"] = str(write_test_config(folder))
    settings = load_settings()
    write_demo_inbox(settings.path("inbox") / "demo", settings)
    ingest_paths([settings.path("inbox") / "demo"], settings)
    build_warehouse(settings)


def quiet_bare_mode_warnings() -> None:
    """Streamlit warns, once a page, that code runs outside a served script ("missing ScriptRunContext", "No runtime
    found"): true of AppTest and harmless (its own words), it buried the figures among a hundred lines. A filter,
    since Streamlit sets its loggers' levels again when an AppTest starts."""
    import logging

    for name in ("streamlit.runtime.scriptrunner_utils.script_run_context", "streamlit.runtime.caching.cache_data_api"):
        logging.getLogger(name).addFilter(lambda record: record.levelno >= logging.ERROR)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="build the demo warehouse in a temporary folder")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cold", action="store_true", help="time each page as the first view after a rebuild")
    parser.add_argument("--browser", action="store_true", help="also time every page and a lever in Chromium")
    parser.add_argument("--browser-only", action="store_true", help="only the Chromium timings")
    args = parser.parse_args()
    quiet_bare_mode_warnings()
    with tempfile.TemporaryDirectory() as tmp:
        if args.fresh:
            build_demo(Path(tmp))
        print(f"Warehouse: {warehouse_scale()}")
        print(f"Machine load at the start (1-minute average, {os.cpu_count()} cores): {load_average()}")
        if args.browser_only:
            print_browser_timings(args.runs)
            return
        print(f"Page render, AppTest, median of {args.runs} {'cold' if args.cold else 'warm'} runs:")
        for page, ms in page_render_times(args.runs, cold=args.cold).items():
            print(f"  {page:<28}{ms:>8.0f} ms")
        print(f"  {'(new session, first run)':<28}{session_start_times(args.runs):>8.0f} ms")
        if args.browser:
            print_browser_timings(args.runs)


if __name__ == "__main__":
    main()
