"""What the chart library costs in the browser: the one-line app with one chart, and with three, drawn by Plotly
(the dashboard's), by Vega-Lite and by ECharts (both shipped inside Streamlit, no package to add), and with one
table grid, each beside the one-line app itself; then a lever that redraws one chart, beside a trivial rerun.

    .venv/bin/python benchmarks/chart_libraries.py [--runs 5]

It answers the question issue 14's speed targets leave (each page ready within 1.3x of the one-line app, a lever
change within 1.3x of a trivial rerun): would another chart library meet them? Each element kind loads its own
JavaScript chunk on first use, and evaluating it is most of the cost (benchmarks/browser_timing.py), so the
figures are what any page drawing such a chart pays before its own content. Apps are served from this machine and
viewed alternately in one run, a fresh browser context per view; medians. Prints, asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.browser_timing import (  # noqa: E402
    ARGS,
    CHROMIUM,
    TRIVIAL_APP,
    _lever_seconds,
    _median,
    _ready_seconds,
    serve,
)
from benchmarks.pages import load_average  # noqa: E402

HEAD = 'import streamlit as st\nv = st.slider("Lever", 0, 100, 50)\nst.write("Value", v)\n'
# Forty quarters of a line with hover, about what a trend chart on the dashboard draws; ``v`` moves one point.
SERIES = "ys = [(j * 7) % 11 + (v if j == 20 else 0) / 10 for j in range(40)]\n"
CHART = {
    "Plotly": (
        "import plotly.graph_objects as go\n",
        "st.plotly_chart(go.Figure(go.Scatter(x=list(range(40)), y=ys, mode='lines+markers')), key=f'c{i}')",
    ),
    "Vega-Lite": (
        "",
        "st.vega_lite_chart({'data': {'values': [{'x': j, 'y': y} for j, y in enumerate(ys)]},"
        " 'mark': {'type': 'line', 'point': True, 'tooltip': True},"
        " 'encoding': {'x': {'field': 'x', 'type': 'quantitative'}, 'y': {'field': 'y', 'type': 'quantitative'}}},"
        " key=f'c{i}')",
    ),
    "ECharts": (
        "",
        "st.echarts_chart({'tooltip': {'trigger': 'axis'}, 'xAxis': {'type': 'category', 'data': list(range(40))},"
        " 'yAxis': {'type': 'value'}, 'series': [{'type': 'line', 'data': ys}]}, key=f'c{i}')",
    ),
}
TABLE = 'st.dataframe({"Area": ["A", "B", "C"], "Value": [1.5, 2.5, 3.5]})\n'


def chart_app(library: str, charts: int) -> str:
    """The one-line app with ``charts`` line charts drawn by ``library``."""
    imports, draw = CHART[library]
    return imports + HEAD + SERIES + f"for i in range({charts}):\n    {draw}\n"


def apps() -> dict[str, str]:
    """Every app the benchmark serves, by the name the printout gives it."""
    found = {"one-line app": TRIVIAL_APP, "one table grid": HEAD + TABLE}
    for library in CHART:
        found[f"{library}, one chart"] = chart_app(library, 1)
        found[f"{library}, three charts"] = chart_app(library, 3)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--width", type=int, default=1400)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"Machine load at the start (1-minute average): {load_average()}")
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        urls = {}
        for i, (name, text) in enumerate(apps().items()):
            (Path(tmp) / f"app_{i}.py").write_text(text)
            urls[name] = stack.enter_context(serve(Path(tmp) / f"app_{i}.py"))
        levers = {name: url for name, url in urls.items() if name == "one-line app" or name.endswith("one chart")}
        browser = stack.enter_context(sync_playwright()).chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for url in urls.values():  # warm every server: imports and first runs are not the browser's cost
            _ready_seconds(browser, url, args.width)
        views = {name: [] for name in urls}
        reruns = {name: [] for name in levers}
        for _ in range(args.runs):
            for name, url in urls.items():
                views[name].append(_ready_seconds(browser, url, args.width))
            for name, url in levers.items():
                reruns[name].append(_lever_seconds(browser, url, "Lever", args.width))
        browser.close()
    print(f"\nFirst view, fresh context, median of {args.runs} ({args.width} px); ratio to the one-line app:")
    trivial = _median(views["one-line app"])
    for name, seconds in views.items():
        flag = "" if _median(seconds) <= 1.3 * trivial else "  over 1.3x"
        print(f"  {name:<26}{_median(seconds):>7.2f}s{_median(seconds) / trivial:>7.2f}x{flag}")
    print("\nLever change (a key press on the slider until the rerun has drawn); ratio to the one-line app's rerun:")
    trivial = _median(reruns["one-line app"])
    for name, seconds in reruns.items():
        flag = "" if _median(seconds) <= 1.3 * trivial else "  over 1.3x"
        print(f"  {name:<26}{_median(seconds):>7.3f}s{_median(seconds) / trivial:>7.2f}x{flag}")
    print(f"Machine load at the end: {load_average()}")


if __name__ == "__main__":
    main()
