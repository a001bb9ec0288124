"""Page-ready and rerun timings in a real browser (Debian's Chromium via Playwright), for benchmarks/pages.py.

Every figure is measured side by side with a one-line Streamlit app served from the same machine at the same
time, so the ratio says what the dashboard adds to Streamlit's own cost (on a 2-core box a trivial page takes
seconds to become ready in headless Chromium). Views alternate between the two apps, so both see the same load.

Ready means: the script has finished, nothing on the page is stale, and every Plotly chart has drawn.
"""

from __future__ import annotations

import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
# The one-line app: a page and a lever, nothing else.
TRIVIAL_APP = 'import streamlit as st; st.write("Value", st.slider("Lever", 0, 100, 50))\n'
# The same with one small Plotly chart: the floor for any page with a chart. Streamlit loads Plotly's 4.7 MB
# bundle only when a page first shows a chart, and evaluating it takes seconds on a loaded 2-core box.
PLOTLY_APP = (
    "import plotly.graph_objects as go, streamlit as st\n"
    'st.write("Value", st.slider("Lever", 0, 100, 50))\n'
    "st.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 3, 2])))\n"
)

READY = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main || !main.querySelector('[data-testid="stSlider"], [data-testid="stHeading"]')) return false;
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  // Charts in a tab not open are not drawn until it opens.
  return [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
    .every(c => !c.checkVisibility() || c.querySelector('.main-svg'));
}"""
# Records that a rerun (of the app or of a fragment) has started, however quickly it ends.
WATCH_RUN = """() => {
  window.__ran = false;
  const app = document.querySelector('[data-testid="stApp"]');
  new MutationObserver(records => {
    if (records.some(r => r.oldValue === 'running') || app.getAttribute('data-test-script-state') === 'running')
      window.__ran = true;
  }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state'], attributeOldValue: true});
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(script: Path) -> Iterator[str]:
    """Serve a Streamlit script on a free local port (as the browser tests do); yield its address."""
    port = _free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port),
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]  # fmt: skip
    # As `asc serve` runs it: no full garbage collection after every run (pipelines/serving).
    env = {**os.environ, "STREAMLIT_RUNNER_POST_SCRIPT_GC": "false"}
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError(f"{script} did not start") from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a loaded machine can be slow to stop a server: the figures still count
            proc.kill()
            proc.wait()


def _ready_seconds(browser, url: str, width: int) -> float:
    """Seconds from asking for the address in a fresh browser context until the page is ready; NaN (counted and
    printed as a failure, not a time) if it is not ready within two minutes, as on a machine loaded far past its
    cores."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport={"width": width, "height": 1200})
    page = context.new_page()
    started = time.perf_counter()
    try:
        page.goto(url, timeout=120_000)
        page.wait_for_function(READY, timeout=120_000, polling=50)
        return time.perf_counter() - started
    except PlaywrightTimeout:
        print(f"  not ready within 120 s: {url}", flush=True)
        return float("nan")
    finally:
        context.close()


def _lever_seconds(browser, url: str, slider_text: str, width: int, tries: int = 3) -> float:
    """Seconds from one key press on a slider until the rerun it causes has finished and drawn.

    A key press that lands before the slider listens (seen once on a loaded machine: no rerun ever started) is
    not a slow rerun: the measurement is taken again on a fresh page, up to ``tries`` times.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport={"width": width, "height": 1200})
    page = context.new_page()
    try:
        page.goto(url, timeout=120_000)
        page.wait_for_function(READY, timeout=120_000, polling=50)
        slider = page.locator('[data-testid="stSlider"]', has_text=slider_text).get_by_role("slider")
        slider.focus()
        before = slider.get_attribute("aria-valuenow")
        page.evaluate(WATCH_RUN)
        started = time.perf_counter()
        page.keyboard.press("ArrowRight")
        try:
            page.wait_for_function("() => window.__ran", timeout=30_000, polling=20)
        except PlaywrightTimeout:
            if tries <= 1:
                raise RuntimeError(f"no rerun after a key press on {slider_text!r} (value {before})") from None
            return _lever_seconds(browser, url, slider_text, width, tries - 1)
        page.wait_for_function(f"() => window.__ran && ({READY})()", timeout=120_000, polling=50)
        return time.perf_counter() - started
    finally:
        context.close()


def browser_timings(app_url: str, pages: dict[str, str], runs: int, width: int = 1400) -> dict[str, list[float]]:
    """Median seconds per page (fresh context each view) and per lever change, each beside the trivial app's and
    the one-chart app's.

    ``pages`` maps a name to its address under the dashboard; the lever is the Demand page's population
    adjustment on its Scenario tab. Returns {row: [page median, trivial median, one-chart median]} in seconds.
    """
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        trivial, one_chart = Path(tmp) / "trivial_app.py", Path(tmp) / "one_chart_app.py"
        trivial.write_text(TRIVIAL_APP)
        one_chart.write_text(PLOTLY_APP)
        with serve(trivial) as trivial_url, serve(one_chart) as chart_url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            # Warm every server (imports, caches, the router's first run) before timing anything.
            _ready_seconds(browser, trivial_url, width)
            _ready_seconds(browser, chart_url, width)
            for path in pages.values():
                _ready_seconds(browser, f"{app_url}/{path}", width)
            timed: dict[str, tuple[list[float], list[float], list[float]]] = {}
            for _ in range(runs):
                for name, path in pages.items():
                    row = timed.setdefault(f"{name} ready", ([], [], []))
                    row[0].append(_ready_seconds(browser, f"{app_url}/{path}", width))
                    row[1].append(_ready_seconds(browser, trivial_url, width))
                    row[2].append(_ready_seconds(browser, chart_url, width))
                row = timed.setdefault("Demand lever change", ([], [], []))
                row[0].append(
                    _lever_seconds(browser, f"{app_url}/demand_scenarios?tab=Scenario", "Population adjustment", width)
                )
                row[1].append(_lever_seconds(browser, trivial_url, "Lever", width))
                row[2].append(_lever_seconds(browser, chart_url, "Lever", width))
            browser.close()
    return {name: [_median(values) for values in row] for name, row in timed.items()}


def _median(values: list[float]) -> float:
    """The median of the views that became ready (NaN if none did)."""
    done = [v for v in values if v == v]
    return statistics.median(done) if done else float("nan")
