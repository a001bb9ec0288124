"""Bounded work: how fast an over-large workbook is refused (issue 16: 605 s and 1.37 GB before the limits).

    .venv/bin/python benchmarks/ingest_limits.py               # 1 million rows, 5 runs
    .venv/bin/python benchmarks/ingest_limits.py --rows 300000 --repeat 3

Writes a KPI-return workbook whose sheet has no <dimension> tag (as some tools write them), then runs
``asc ingest`` on it in a fresh process each time and prints each run's wall time, exit code and peak
memory, and the median. The target: refused (exit 4) within a second.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.config import load_settings  # noqa: E402
from pipelines.ingest import ingest_paths  # noqa: E402
from tests.conftest import write_test_config  # noqa: E402
from tests.unit.test_ingest_limits import dimensionless_xlsx  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        book = dimensionless_xlsx(folder / "kpi_return_big.xlsx", args.rows)
        print(f"{book.name}: {args.rows:,} rows, {book.stat().st_size / 1e6:.1f} MB, no <dimension> tag")
        config = write_test_config(folder)
        asc = [sys.executable, "-m", "pipelines.cli", "--config", str(config), "ingest", str(book)]
        times, inside = [], []
        for run in range(args.repeat):
            (folder / "ingest.duckdb").unlink(missing_ok=True)
            started = time.perf_counter()
            child = subprocess.Popen(asc, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            out, err = child.communicate()
            times.append(time.perf_counter() - started)
            # The refusal itself, in this process (imports already done), as a page's upload would see it.
            (folder / "ingest.duckdb").unlink(missing_ok=True)
            started = time.perf_counter()
            [result] = ingest_paths([book], load_settings(config))
            inside.append(time.perf_counter() - started)
            print(
                f"run {run + 1}: asc ingest {times[-1]:.2f} s (exit {child.returncode}); "
                f"ingest_paths {inside[-1]:.2f} s ({result.status})"
            )
        print(
            f"median over {args.repeat} runs: asc ingest {statistics.median(times):.2f} s (a fresh process: "
            f"imports included), ingest_paths {statistics.median(inside):.2f} s; load average {os.getloadavg()[0]:.1f}"
        )
        print("message:", err.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
