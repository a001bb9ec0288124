"""Benchmark: time and peak memory of `asc demo` + `asc ingest` + `asc build`, and page render times.

Run on demand (`make bench` or `.venv/bin/python benchmarks/build.py`); prints figures, asserts nothing.
Targets (issue 2): demo + build under 20 s; every page under 500 ms median server render on the demo.
Each step runs in a fresh process so its peak memory (max RSS) is its own.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.pages import page_render_times, session_start_times  # noqa: E402
from tests.conftest import write_test_config  # noqa: E402

RUNS = 5


def timed_step(args: list[str], env: dict) -> tuple[float, float]:
    """Seconds and peak resident memory (MB) of one `asc` step in its own process."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pipelines.cli", *args], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 3):
        raise SystemExit(f"asc {' '.join(args)} failed:\n{proc.stderr}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # max over children so far; steps grow
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = write_test_config(Path(tmp))
        env = {**os.environ, "ASC_CONFIG": str(config)}
        inbox = Path(tmp) / "inbox" / "demo"
        steps = {
            "asc demo": ["demo", "--out", str(inbox)],
            "asc ingest": ["ingest", str(inbox)],
            "asc build": ["build"],
        }
        total = 0.0
        print(f"{'step':<12}{'seconds':>10}{'peak MB':>10}")
        for name, args in steps.items():
            seconds, peak = timed_step(args, env)
            total += seconds
            print(f"{name:<12}{seconds:>10.2f}{peak:>10.0f}")
        print(f"{'total':<12}{total:>10.2f}   (target < 20 s)")
        print(f"\nPage render, AppTest, median of {RUNS} warm runs (target < 500 ms):")
        os.environ.update(env)
        for page, ms in page_render_times(RUNS).items():
            print(f"  {page:<28}{ms:>8.0f} ms")
        print(f"  {'(new session, first run)':<28}{session_start_times(RUNS):>8.0f} ms")


if __name__ == "__main__":
    main()
