"""Where a page's time in the browser goes: the phases of a first view and of a lever change, beside the one-line
app's, measured alternately in one run (benchmarks/browser_timing.py says what ready means).

    .venv/bin/python benchmarks/browser_breakdown.py [--runs 5] [--page ""] [--lever "Population adjustment"]

A first view has four phases, each timed from the request for the address: the HTML and Streamlit's main bundle
loaded (the document's load event), the first message on the websocket (the session has started), the last
message (the script's output has reached the page), the last JavaScript chunk fetched (each element kind loads
its own on first use) and ready. The server's script takes 20-30 ms warm, so a long span between the first and
the last message is the browser's main thread busy drawing what arrived (messages are seen as the page takes them).
A lever change: the key press to its first message and its last, and to ready. Medians; prints, asserts nothing.
Uses the warehouse named by ASC_CONFIG (or asc.toml). On a shared machine the phases move with its load.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.browser_timing import ARGS, CHROMIUM, READY, TRIVIAL_APP, WATCH_RUN, serve  # noqa: E402
from benchmarks.pages import DASHBOARD_LAUNCHER, load_average  # noqa: E402

PHASES = ("loaded", "first message", "last message", "last JS chunk", "ready")
LEVER_PHASES = ("first message", "last message", "ready")


def _first_view(browser, url: str, width: int) -> dict[str, float]:
    """Seconds from the request to each phase of a first view in a fresh context, with counts of messages
    and JavaScript files."""
    context = browser.new_context(viewport={"width": width, "height": 1200})
    page = context.new_page()
    frames: list[tuple[float, int]] = []
    scripts: list[float] = []
    started = time.perf_counter()
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append((time.perf_counter(), len(f)))))
    page.on("response", lambda r: scripts.append(time.perf_counter()) if r.url.endswith(".js") else None)
    try:
        page.goto(url, timeout=120_000)
        loaded = time.perf_counter()
        page.wait_for_function(READY, timeout=120_000, polling=20)
        ready = time.perf_counter()
    finally:
        context.close()
    times = (loaded, frames[0][0], frames[-1][0], max(scripts), ready)
    return {
        **{phase: t - started for phase, t in zip(PHASES, times, strict=True)},
        "messages": len(frames),
        "kB": sum(n for _, n in frames) / 1000,
        "JS files": len(scripts),
    }


def _lever_change(browser, url: str, slider_text: str, width: int) -> dict[str, float] | None:
    """Seconds from a key press on a slider to the rerun's first and last message and to ready; None if the key
    press started no rerun within 30 s (it landed before the slider listened)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport={"width": width, "height": 1200})
    page = context.new_page()
    frames: list[tuple[float, int]] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append((time.perf_counter(), len(f)))))
    try:
        page.goto(url, timeout=120_000)
        page.wait_for_function(READY, timeout=120_000, polling=50)
        page.locator('[data-testid="stSlider"]', has_text=slider_text).get_by_role("slider").focus()
        page.evaluate(WATCH_RUN)
        frames.clear()
        started = time.perf_counter()
        page.keyboard.press("ArrowRight")
        try:
            page.wait_for_function("() => window.__ran", timeout=30_000, polling=20)
        except PlaywrightTimeout:
            return None
        page.wait_for_function(f"() => window.__ran && ({READY})()", timeout=120_000, polling=20)
        ready = time.perf_counter()
    finally:
        context.close()
    times = (frames[0][0], frames[-1][0], ready)
    return {
        **{phase: t - started for phase, t in zip(LEVER_PHASES, times, strict=True)},
        "messages": len(frames),
        "kB": sum(n for _, n in frames) / 1000,
    }


def _medians(rows: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(row[key] for row in rows) for key in rows[0]}


def _print(title: str, results: dict[str, list[dict[str, float]]]) -> None:
    print(title)
    medians = {name: _medians(rows) for name, rows in results.items() if rows}
    keys = list(next(iter(medians.values())))
    print(f"  {'':<28}" + "".join(f"{key:>15}" for key in keys))
    for name, row in medians.items():
        cells = "".join(f"{row[k]:>14.3f}s" if k in PHASES else f"{row[k]:>15.0f}" for k in keys)
        print(f"  {name:<44}{cells}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--page", default="", help="the page's address under the dashboard ('' is the Overview)")
    parser.add_argument("--lever-page", default="demand_scenarios?tab=Scenario")
    parser.add_argument("--lever", default="Population adjustment", help="the slider's label ('' for none)")
    parser.add_argument("--width", type=int, default=1400)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"Machine load at the start (1-minute average): {load_average()}")
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        (Path(tmp) / "trivial_app.py").write_text(TRIVIAL_APP)
        trivial = stack.enter_context(serve(Path(tmp) / "trivial_app.py"))
        dashboard = stack.enter_context(serve(ROOT / "dashboard" / "app.py", DASHBOARD_LAUNCHER))
        browser = stack.enter_context(sync_playwright()).chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page_url = f"{dashboard}/{args.page}"
        views = {f"dashboard /{args.page}": page_url, "trivial app": trivial}
        for url in views.values():  # warm: imports, caches, the router's first run
            _first_view(browser, url, args.width)
        firsts: dict[str, list] = {name: [] for name in views}
        levers: dict[str, list] = {f"dashboard /{args.lever_page}": [], "trivial app": []}
        for _ in range(args.runs):
            for name, url in views.items():
                firsts[name].append(_first_view(browser, url, args.width))
            if args.lever:
                for name, url, slider in (
                    (f"dashboard /{args.lever_page}", f"{dashboard}/{args.lever_page}", args.lever),
                    ("trivial app", trivial, "Lever"),
                ):
                    change = _lever_change(browser, url, slider, args.width)
                    if change is not None:
                        levers[name].append(change)
        browser.close()
    _print(f"\nFirst view, seconds from the request (median of {args.runs}, {args.width} px)", firsts)
    if args.lever:
        _print(f"\nLever change ({args.lever!r}), seconds from the key press (median of {args.runs})", levers)
    print(f"Machine load at the end: {load_average()}")


if __name__ == "__main__":
    main()
