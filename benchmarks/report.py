"""Benchmark: how long the committee pack takes on the demo (target, issue 7: under 15 s).

Run on demand: `.venv/bin/python benchmarks/report.py` builds a demo warehouse in a temporary folder
first (about a minute); `--config PATH` reuses the warehouse of an existing settings file. Prints:

- `asc report` in a fresh process (wall time: imports, Chromium start, data, charts, PDF and HTML), and
- the same pack made again inside one process, as the Overview's button does after its first use.

The machine's load average is printed too: on a shared two-core machine it moves every figure.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypdf import PdfReader  # noqa: E402

from tests.conftest import write_test_config  # noqa: E402

RUNS = 3


def _asc(args: list[str], env: dict) -> float:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pipelines.cli", *args], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 3):
        raise SystemExit(f"asc {' '.join(args)} failed:\n{proc.stderr}")
    return seconds


def _demo_warehouse(folder: Path) -> Path:
    config = write_test_config(folder)
    env = {**os.environ, "ASC_CONFIG": str(config)}
    inbox = folder / "inbox" / "demo"
    for args in (["demo", "--out", str(inbox)], ["ingest", str(inbox)], ["build"]):
        _asc(args, env)
    return config


def measure(config: Path, out: Path) -> None:
    env = {**os.environ, "ASC_CONFIG": str(config)}
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    fresh = [_asc(["report", "--format", "both", "--out", str(out)], env) for _ in range(RUNS)]
    print(
        f"asc report --format both, fresh process: median {statistics.median(fresh):.1f} s "
        f"(runs {', '.join(f'{s:.1f}' for s in fresh)})"
    )

    os.environ["ASC_CONFIG"] = str(config)
    from dashboard.pack import BackgroundCharts, build_pack, render_pack, warm_up
    from dashboard.queries import Warehouse
    from pipelines.config import load_settings

    in_process = []
    for _ in range(RUNS):
        started = time.perf_counter()
        warm_up()
        charts = BackgroundCharts()
        pack = build_pack(Warehouse(load_settings()), on_section=charts.submit)
        charts.wait()
        files = render_pack(pack, ("pdf", "html"))
        in_process.append(time.perf_counter() - started)
    pages = len(PdfReader(io.BytesIO(files["pdf"])).pages)
    print(
        f"same pack in one process (first, then warm): {', '.join(f'{s:.1f}' for s in in_process)} s; "
        f"{len(pack.charts)} charts, {pages} pages, PDF {len(files['pdf']) / 1e6:.1f} MB, "
        f"HTML {len(files['html']) / 1e6:.1f} MB"
    )
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("target: under 15 s")


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--config", help="settings file whose warehouse to use (default: build a demo one)")
    options = args.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(options.config) if options.config else _demo_warehouse(Path(tmp))
        measure(config, Path(tmp) / "packs")


if __name__ == "__main__":
    main()
