"""Chart-building cost: each chart builder, and what st.plotly_chart then does to the figure, in milliseconds.

Every page and the committee pack build their figures with ``dashboard.charts``; a lever change on the Demand
page builds four. Each builder is timed on the small fixed frames of ``tests/unit/test_chart_json.py`` (the same
figures whose JSON that test pins), then ``to_dict`` plus ``plotly.io.to_json``, which st.plotly_chart runs on
every figure it sends. Run it before and after a change to the builders; it prints medians of ``--runs`` builds.

    python -m benchmarks.charts [--runs 30]
"""

from __future__ import annotations

import argparse
import statistics
import time

import plotly.io as pio


def _median_ms(build, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        build()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="builds of each figure (the median is printed)")
    runs = parser.parse_args().runs
    from tests.unit import test_chart_json as fixtures  # the fixed frames whose figures the snapshot pins

    builders = fixtures.builders()
    print(f"{'figure':24} {'build ms':>9} {'send ms':>8}   (medians of {runs})")
    build_total = send_total = 0.0
    for name, builder in sorted(builders.items()):
        build = _median_ms(builder, runs)
        fig = builder()
        send = _median_ms(lambda fig=fig: pio.to_json(fig.to_dict(), validate=False), runs)
        build_total, send_total = build_total + build, send_total + send
        print(f"{name:24} {build:9.2f} {send:8.2f}")
    print(f"{'total':24} {build_total:9.2f} {send_total:8.2f}")


if __name__ == "__main__":
    main()
