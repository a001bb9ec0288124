"""Page-ready, rerun and page-move timings in a real browser (Debian's Chromium via Playwright), for
benchmarks/pages.py.

Every figure is measured in the same run as its baselines, each a Streamlit app served from the same machine at
the same time, with views alternating between the apps so that all see the same load. Three kinds of baseline:

- Literal (the issue's comparison): a one-line app, a slider and a value. A page within 1.3x of its time to
  ready, a lever change within 1.3x of its rerun. It says what the dashboard adds to Streamlit's own cost, but it
  is below what Streamlit itself needs for a page with a table or a chart.
- Floor: a one-line app using the same Streamlit element kinds as the page's first view (an st.dataframe, an
  st.table, one Plotly chart; found on the page itself during the warm-up). Each kind loads its own lazy JS
  chunk on first use (DataFrame.js with arrowFormatUtils.js 1.2 MB, PlotlyChart.js 4.6 MB) whose evaluation,
  not its download, costs 0.4-1.1 s on a 2-core box, so no page with a chart can come near the literal baseline.
  The ratio to the floor is what the dashboard's own code and layout add beyond the kinds of element it shows.
  For a lever change the floor is a one-chart app whose chart follows the slider (a redraw of one chart).
- Moving between pages inside the app (a click in the sidebar navigation, after every page has been seen once
  in the same browser context, so the JS chunks are loaded): what users do most. Beside it the trivial app's
  rerun after a key press, measured alternately in its own context: the least a Streamlit rerun costs.
- A returning visit: the page opened anew (a new tab) in a browser context that has already shown it twice, so
  Streamlit's hashed bundles come from the browser's cache (served "immutable") with their compiled code cached
  too, as for a person who opened the dashboard before. Each app has its own such context, its baselines too.

Ready means: the script has finished, nothing on the page is stale, no element is waiting for its JS chunk
(skeleton), and every visible Plotly chart has drawn. Times are medians; a view not ready within two minutes
counts as a failure (NaN), not a time.
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
# The one-line app: a page and a lever, nothing else (the baseline).
TRIVIAL_APP = 'import streamlit as st; st.write("Value", st.slider("Lever", 0, 100, 50))\n'
# What a floor app adds to it for each element kind a page shows (the name is the kind's data-testid).
FLOOR_LINES = {
    "stDataFrame": 'st.dataframe({"Area": ["A", "B", "C"], "Value": [1.5, 2.5, 3.5]})',
    "stTable": 'st.table({"Area": ["A", "B", "C"], "Value": [1.5, 2.5, 3.5]})',
    "stPlotlyChart": "st.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 3, 2])))",
}
# The floor for a lever that redraws a chart: one small chart that follows the slider.
LEVER_CHART_APP = (
    "import plotly.graph_objects as go, streamlit as st\n"
    'v = st.slider("Lever", 0, 100, 50)\n'
    'st.write("Value", v)\n'
    "st.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3], y=[1, v, 2])))\n"
)
# The element kinds visible on a page once it is ready (charts in a closed tab are not drawn, so not counted).
KINDS = """kinds => kinds.filter(kind =>
  [...document.querySelectorAll(`[data-testid="stMain"] [data-testid="${kind}"]`)].some(e => e.checkVisibility()))
"""


def floor_app(kinds: tuple[str, ...]) -> str:
    """The one-line app with one element of each kind in ``kinds``: the floor for a page showing those kinds."""
    lines = ["import plotly.graph_objects as go, streamlit as st", 'st.write("Value", st.slider("Lever", 0, 100, 50))']
    return "\n".join(lines + [FLOOR_LINES[k] for k in kinds]) + "\n"


def floor_name(kinds: tuple[str, ...]) -> str:
    """A short name for a floor app, as the printout shows it."""
    names = {"stDataFrame": "dataframe", "stTable": "table", "stPlotlyChart": "chart"}
    return " + ".join(names[k] for k in kinds) or "none"


READY = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main || !main.querySelector('[data-testid="stSlider"], [data-testid="stHeading"]')) return false;
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  // Charts in a tab not open are not drawn until it opens. Vega-Lite and ECharts count too, for
  // benchmarks/chart_libraries.py.
  const drawn = {stPlotlyChart: '.main-svg', stVegaLiteChart: 'canvas, svg.marks', stEChartsChart: 'canvas, svg'};
  return Object.entries(drawn).every(([kind, mark]) =>
    [...document.querySelectorAll(`[data-testid="${kind}"]`)]
      .every(c => !c.checkVisibility() || c.querySelector(mark)));
}"""
# Records that a rerun (of the app or of a fragment) has started, however quickly it ends. It watches the whole
# document, not one element: the app's root can be drawn anew while a page is left. A rerun as quick as the
# one-line app's can start and end within one frame, so the script state never reads "running" on the page; its
# output changing outside the slider (whose own label moves at the key press) counts as a rerun seen too.
WATCH_RUN = """() => {
  window.__ran = false;
  const outsideSlider = r => {
    const element = r.target.nodeType === Node.ELEMENT_NODE ? r.target : r.target.parentElement;
    return element && element.closest('[data-testid="stMain"]') && !element.closest('[data-testid="stSlider"]');
  };
  new MutationObserver(records => {
    if (records.some(r => r.type === 'attributes'
        ? r.oldValue === 'running' || r.target.getAttribute('data-test-script-state') === 'running'
        : outsideSlider(r)))
      window.__ran = true;
  }).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-test-script-state'],
                        attributeOldValue: true, childList: true, characterData: true});
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(script: Path, launcher: str = "streamlit") -> Iterator[str]:
    """Serve a Streamlit script on a free local port (as the browser tests do); yield its address. ``launcher``
    is the module run as ``python -m``: the dashboard is served as `asc serve` runs it (dashboard.shell.server,
    which imports what every session needs before the server answers)."""
    port = _free_port()
    command = [sys.executable, "-m", launcher, "run", str(script), "--server.headless", "true",
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


def _view(browser, url: str, width: int) -> tuple[float, tuple[str, ...]]:
    """Seconds from asking for the address in a fresh browser context until the page is ready, and the element
    kinds it then shows; NaN (counted and printed as a failure, not a time) if it is not ready within two
    minutes, as on a machine loaded far past its cores."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport={"width": width, "height": 1200})
    page = context.new_page()
    started = time.perf_counter()
    try:
        page.goto(url, timeout=120_000)
        page.wait_for_function(READY, timeout=120_000, polling=50)
        seconds = time.perf_counter() - started
        return seconds, tuple(page.evaluate(KINDS, list(FLOOR_LINES)))
    except PlaywrightTimeout:
        print(f"  not ready within 120 s: {url}", flush=True)
        return float("nan"), ()
    finally:
        context.close()


def _ready_seconds(browser, url: str, width: int) -> float:
    """Seconds until the page at ``url`` is ready in a fresh browser context (see ``_view``)."""
    return _view(browser, url, width)[0]


def _returning_seconds(context, url: str) -> float:
    """Seconds until the page at ``url`` is ready in a new tab of ``context``, a context that has shown it before
    (its cache warm); NaN if not ready within two minutes."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = context.new_page()
    started = time.perf_counter()
    try:
        page.goto(url, timeout=120_000)
        page.wait_for_function(READY, timeout=120_000, polling=50)
        return time.perf_counter() - started
    except PlaywrightTimeout:
        print(f"  not ready within 120 s (returning): {url}", flush=True)
        return float("nan")
    finally:
        page.close()


def _press_and_wait(page, slider_text: str, key: str = "ArrowRight") -> float | None:
    """Seconds from one key press on a slider until the rerun it causes has finished and drawn; None if no rerun
    started within 30 s (a key press that landed before the slider listened)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    slider = page.locator('[data-testid="stSlider"]', has_text=slider_text).get_by_role("slider")
    slider.focus()
    page.evaluate(WATCH_RUN)
    started = time.perf_counter()
    page.keyboard.press(key)
    try:
        page.wait_for_function("() => window.__ran", timeout=30_000, polling=20)
    except PlaywrightTimeout:
        return None
    page.wait_for_function(f"() => window.__ran && ({READY})()", timeout=120_000, polling=50)
    return time.perf_counter() - started


def _lever_seconds(browser, url: str, slider_text: str, width: int, tries: int = 3) -> float:
    """Seconds from one key press on a slider until the rerun it causes has finished and drawn, on a fresh page.

    A key press that lands before the slider listens (seen once on a loaded machine: no rerun ever started) is
    not a slow rerun: the measurement is taken again on a fresh page, up to ``tries`` times.
    """
    context = browser.new_context(viewport={"width": width, "height": 1200})
    page = context.new_page()
    try:
        page.goto(url, timeout=120_000)
        page.wait_for_function(READY, timeout=120_000, polling=50)
        seconds = _press_and_wait(page, slider_text)
    finally:
        context.close()
    if seconds is not None:
        return seconds
    if tries <= 1:
        raise RuntimeError(f"no rerun after a key press on {slider_text!r} at {url}")
    return _lever_seconds(browser, url, slider_text, width, tries - 1)


# Clicks the sidebar navigation's link to a page (by its address: "" is the default page) and watches the rerun.
CLICK_NAV = """path => {
  const link = [...document.querySelectorAll('[data-testid="stSidebarNav"] a')]
    .find(a => new URL(a.href).pathname.replace(/^\\//, '') === path);
  if (!link) return false;
  link.click();
  return true;
}"""
ON_PAGE = "path => window.__ran && location.pathname.replace(/^\\//, '') === path && (" + READY + ")()"


def _move_seconds(page, path: str, tries: int = 3) -> float:
    """Seconds from a click on a page's link in the sidebar navigation until that page is ready.

    A click that starts no rerun within 30 s (seen once, on the move back to the Overview: the address changed
    but the page did not) is not a slow page: the click is made again, up to ``tries`` times.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.evaluate(WATCH_RUN)
    started = time.perf_counter()
    if not page.evaluate(CLICK_NAV, path):
        raise RuntimeError(f"no link to {path!r} in the sidebar navigation")
    try:
        page.wait_for_function("() => window.__ran", timeout=30_000, polling=20)
    except PlaywrightTimeout:
        if tries <= 1:
            raise RuntimeError(f"no rerun after a click on the link to {path!r}") from None
        print(f"  no rerun after a click on the link to {path!r}: clicked again", flush=True)
        return _move_seconds(page, path, tries - 1)
    try:
        page.wait_for_function(ON_PAGE, arg=path, timeout=120_000, polling=50)
    except PlaywrightTimeout:
        state = page.evaluate(f"() => ({{path: location.pathname, ready: ({READY})()}})")
        raise RuntimeError(f"the move to {path!r} was not ready within two minutes: {state}") from None
    return time.perf_counter() - started


Row = tuple[list[float], list[float], list[float], str]  # ours, literal baseline, floor, the floor's name


def browser_timings(app_url: str, pages: dict[str, str], runs: int, width: int = 1400) -> dict[str, list]:
    """Medians, in seconds, of every page's first view (fresh context each), the Demand lever change and every
    move between pages in the sidebar, each beside its literal baseline and its floor (module docstring).

    ``pages`` maps a name to its address under the dashboard (with a query string for a tab: such rows are
    timed as first views, not as moves). Returns {row: [ours, literal, floor, floor name]}; the floor of a move
    is None (its baseline is the trivial rerun).
    """
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        folder = Path(tmp)

        def served(name: str, text: str) -> str:
            (folder / name).write_text(text)
            return stack.enter_context(serve(folder / name))

        trivial_url = served("trivial_app.py", TRIVIAL_APP)
        lever_chart_url = served("lever_chart_app.py", LEVER_CHART_APP)
        browser = stack.enter_context(sync_playwright()).chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # Warm every server (imports, caches, the router's first run) and learn each page's element kinds.
        _ready_seconds(browser, trivial_url, width)
        _ready_seconds(browser, lever_chart_url, width)
        kinds = {name: _view(browser, f"{app_url}/{path}", width)[1] for name, path in pages.items()}
        floors = {k: served(f"floor_{i}.py", floor_app(k)) for i, k in enumerate(sorted(set(kinds.values())))}
        for url in floors.values():
            _ready_seconds(browser, url, width)
        moves = [(name, path) for name, path in pages.items() if "?" not in path]
        moves = moves[1:] + moves[:1]  # from the Overview through every page and back to it
        timed: dict[str, Row] = {}
        for _ in range(runs):
            for name, path in pages.items():
                row = timed.setdefault(f"{name} ready", ([], [], [], floor_name(kinds[name])))
                row[0].append(_ready_seconds(browser, f"{app_url}/{path}", width))
                row[1].append(_ready_seconds(browser, trivial_url, width))
                row[2].append(_ready_seconds(browser, floors[kinds[name]], width))
            row = timed.setdefault("Demand lever change", ([], [], [], "chart follows lever"))
            row[0].append(
                _lever_seconds(browser, f"{app_url}/demand_scenarios?tab=Scenario", "Population adjustment", width)
            )
            row[1].append(_lever_seconds(browser, trivial_url, "Lever", width))
            row[2].append(_lever_seconds(browser, lever_chart_url, "Lever", width))
            _time_moves(browser, app_url, trivial_url, moves, width, timed)
        _time_returning(browser, {n: f"{app_url}/{p}" for n, p in pages.items()}, trivial_url, floors, kinds, runs,
                        width, timed)  # fmt: skip
        browser.close()
    return {name: [_median(row[0]), _median(row[1]), _median(row[2]), row[3]] for name, row in timed.items()}


def _time_moves(browser, app_url: str, trivial_url: str, moves, width: int, timed: dict[str, Row]) -> None:
    """One pass of page moves in the sidebar, after an untimed pass that loads every page's JS, each move beside
    a trivial rerun (a key press in the one-line app, open in its own context)."""
    ours = browser.new_context(viewport={"width": width, "height": 1200}).new_page()
    trivial = browser.new_context(viewport={"width": width, "height": 1200}).new_page()
    try:
        for page, url in ((ours, app_url), (trivial, trivial_url)):
            page.goto(url, timeout=120_000)
            page.wait_for_function(READY, timeout=120_000, polling=50)
        for _, path in moves:  # untimed: every element kind's JS chunk loaded, as for a user after a few pages
            _move_seconds(ours, path)
        for i, (name, path) in enumerate(moves):
            row = timed.setdefault(f"move to {name}", ([], [], [], ""))
            row[0].append(_move_seconds(ours, path))
            row[1].append(_rerun_seconds(trivial, "ArrowRight" if i % 2 == 0 else "ArrowLeft"))
    finally:
        ours.context.close()
        trivial.context.close()


def _time_returning(browser, urls: dict[str, str], trivial_url: str, floors: dict, kinds: dict, runs: int, width: int,
                    timed: dict[str, Row]) -> None:  # fmt: skip
    """Every page's returning visit beside the trivial app's and its floor's, each app in a context of its own
    that has shown the address twice already (the second visit is the one that caches compiled code)."""
    contexts = {}

    def warmed(url: str):
        if url not in contexts:
            contexts[url] = browser.new_context(viewport={"width": width, "height": 1200})
        return contexts[url]

    try:
        addresses = [*urls.values(), trivial_url, *floors.values()]
        for _ in range(2):
            for url in addresses:
                _returning_seconds(warmed(url), url)
        for _ in range(runs):
            for name, url in urls.items():
                row = timed.setdefault(f"{name} ready, returning", ([], [], [], floor_name(kinds[name])))
                row[0].append(_returning_seconds(warmed(url), url))
                row[1].append(_returning_seconds(warmed(trivial_url), trivial_url))
                floor = floors[kinds[name]]
                row[2].append(_returning_seconds(warmed(floor), floor))
    finally:
        for context in contexts.values():
            context.close()


def _rerun_seconds(page, key: str, tries: int = 3) -> float:
    """Seconds of the trivial app's rerun after a key press on its slider, pressed again if no rerun started."""
    for _ in range(tries):
        seconds = _press_and_wait(page, "Lever", key)
        if seconds is not None:
            return seconds
    return float("nan")


def _median(values: list[float]) -> float:
    """The median of the views that became ready (NaN if none did)."""
    done = [v for v in values if v == v]
    return statistics.median(done) if done else float("nan")
