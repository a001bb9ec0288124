"""Benchmark: demand forecasting and scenarios (issue 6). Prints figures, asserts nothing.

Run on demand: `.venv/bin/python benchmarks/models.py` (builds the demo warehouse in a temporary folder
first; `--warehouse-config PATH` uses an existing settings file instead). Targets:

- fitting and backtesting every forecast series: under 30 s on two cores;
- a scenario recompute after a lever change: under 100 ms median;
- the Demand and scenarios page: under 500 ms median server render (AppTest, warm runs).

It also times the forecasting build step inside a fresh `asc build` and in a rebuild that reuses the
previous warehouse's fits, since the demo + build target (issue 2) is 20 s.
"""

from __future__ import annotations

# One BLAS thread, set before numpy loads, exactly as a build worker runs.
import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def build_demo(folder: Path) -> dict[str, float]:
    """Demo + ingest + build in this process; returns seconds per stage and for the forecasting step."""
    from pipelines.build import build_warehouse
    from pipelines.config import load_settings
    from pipelines.demo import write_demo_inbox
    from pipelines.ingest import ingest_paths
    from tests.conftest import write_test_config

    os.environ["ASC_CONFIG"] = str(write_test_config(folder))
    settings = load_settings()
    stamps: dict[str, float] = {}
    started = time.perf_counter()
    write_demo_inbox(settings.path("inbox") / "demo", settings)
    ingest_paths([settings.path("inbox") / "demo"], settings)
    stamps["demo + ingest"] = time.perf_counter() - started

    def on_step(step: str) -> None:
        stamps[step] = time.perf_counter()

    for label in ("fresh build", "rebuild (fits reused)"):
        began = time.perf_counter()
        build_warehouse(settings, on_step)
        ended = time.perf_counter()
        stamps[label] = ended - began
        stamps[f"{label}: forecasting step"] = stamps["running data checks"] - stamps["forecasts"]
    return stamps


def time_fits(history) -> tuple[int, float, float]:
    """Series fitted, wall seconds and CPU seconds of fitting and backtesting every series afresh."""
    from pipelines import forecasting

    wall, cpu = time.perf_counter(), cpu_seconds()
    _, _, fitted = forecasting.fit_forecasts(history, None)
    return fitted, time.perf_counter() - wall, cpu_seconds() - cpu


def time_scenarios(state, runs: int = 50) -> list[float]:
    """Milliseconds per recompute, each after a different lever change (nothing cached)."""
    from models.scenarios import run_scenario

    run_scenario(state)  # warm-up
    times = []
    for i in range(runs):
        levers = state.defaults.replace(population_adjustment_pct=-1 + i / runs * 2, dp_target_pct=20 + i % 10)
        started = time.perf_counter()
        run_scenario(state, levers)
        times.append(1000 * (time.perf_counter() - started))
    return times


def time_page_lever_change(runs: int = 5) -> list[float]:
    """Milliseconds of a full page rerun after moving a lever (AppTest)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("views/demand_scenarios.py").run()
    times = []
    for i in range(runs + 1):
        at.slider(key="population_adjustment_pct").set_value(round(0.1 * (i + 1), 1))
        started = time.perf_counter()
        at.run()
        times.append(1000 * (time.perf_counter() - started))
    return times[1:]


def synthetic_coverage(seeds: int = 100, train: int = 16, ahead: int = 4) -> dict[str, float]:
    """Share of held-out quarters inside the chosen forecast's 80% and 95% intervals, over many seeds.

    Each series is a trend plus a fixed quarterly pattern plus noise (the structure of the demo series);
    ``train`` quarters are fitted and the next ``ahead`` are scored.
    """
    import numpy as np
    import polars as pl

    from models.forecast_backtest import add_quarters, forecast_all

    rng = np.random.default_rng(2024)
    rows, truth = [], {}
    start = date(2020, 4, 1)
    for seed in range(seeds):
        level, slope, noise = rng.uniform(100, 1000), rng.normal(0, 5), rng.uniform(0.02, 0.08)
        season = rng.normal(0, 0.05 * level, 4)
        t = np.arange(train + ahead)
        values = level + slope * t + season[t % 4] + rng.normal(0, noise * level, t.size)
        rows += [(f"s{seed}", add_quarters(start, k), float(v)) for k, v in enumerate(values[:train])]
        truth[f"s{seed}"] = values[train:]
    history = pl.DataFrame(rows, schema=["series_id", "period_start", "value"], orient="row")
    forecasts, metrics = forecast_all(history, ahead)
    inside_80 = inside_95 = total = 0
    for (series_id,), part in forecasts.group_by("series_id"):
        actual = truth[series_id]
        part = part.sort("period_start")
        inside_80 += int(((actual >= part["lo_80"].to_numpy()) & (actual <= part["hi_80"].to_numpy())).sum())
        inside_95 += int(((actual >= part["lo_95"].to_numpy()) & (actual <= part["hi_95"].to_numpy())).sum())
        total += actual.size
    chosen = metrics.filter(pl.col("chosen"))["model"].value_counts().sort("model")
    return {
        "coverage_80": inside_80 / total,
        "coverage_95": inside_95 / total,
        "points": total,
        "chosen": dict(chosen.iter_rows()),
    }


def warehouse_accuracy(con) -> list[tuple]:
    """Per measure: series, models chosen, median MASE of the chosen model and of the baseline, coverage."""
    return con.sql("""
        with chosen as (select * from fct_forecast_metrics where chosen),
        naive as (select series_id, mase as naive_mase from fct_forecast_metrics where model = 'seasonal_naive')
        select measure, count(*) as series, string_agg(distinct model, ', ' order by model) as models,
            median(mase) as mase, median(naive_mase) as naive_mase,
            avg(coverage_80) as coverage_80, avg(coverage_95) as coverage_95, max(origins) as origins
        from chosen join naive using (series_id) group by measure order by measure""").fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse-config", help="use this settings file's warehouse instead of a fresh demo")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--validate", action="store_true", help="also print the accuracy figures the model card quotes")
    args = parser.parse_args()
    print(
        f"Machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the start (timings are wall clock)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        if args.warehouse_config:
            os.environ["ASC_CONFIG"] = args.warehouse_config
        else:
            print("\nDemo build with the forecasting step (issue 2 target: demo + build < 20 s):")
            for label, seconds in build_demo(Path(tmp)).items():
                if label in {"demo + ingest", "fresh build", "rebuild (fits reused)"} or ":" in label:
                    print(f"  {label:<40}{seconds:>8.1f} s")

        import duckdb

        from models.population_projection import demand_index
        from models.scenarios import base_state
        from pipelines.config import load_settings

        settings = load_settings()
        with duckdb.connect(str(settings.path("warehouse")), read_only=True) as con:
            if args.validate:
                print("\nBacktest of the chosen forecasts on this warehouse (per measure, 6 areas):")
                for measure, _series, models, mase, naive, c80, c95, origins in warehouse_accuracy(con):
                    print(
                        f"  {measure:<20} models {models:<32} median MASE {mase:.2f} (baseline {naive:.2f}), "
                        f"within 80% {100 * c80:.0f}%, within 95% {100 * c95:.0f}% over {origins} origins"
                    )
            history = con.sql("select series_id, period_start, value from mart_demand_history").pl()
            base = con.sql("select * from mart_demand_base").pl()
            forecasts = con.sql("select * from fct_forecasts where role = 'chosen'").pl()
            projection = con.sql("select * from fct_demand_projection").pl()

        print("\nFit and backtest every series (target < 30 s on two cores):")
        fitted, wall, cpu = time_fits(history)
        print(f"  {fitted} series, 3 candidate models, 12 origins each: {wall:.1f} s wall, {cpu:.1f} s CPU")

        state = base_state(
            base,
            forecasts,
            demand_index(projection),
            county_code=settings.council.code,
            county_name=settings.locality_name(settings.council.code),
        )
        times = time_scenarios(state)
        print(f"\nScenario recompute after a lever change (target < 100 ms median), {len(times)} runs:")
        print(f"  median {statistics.median(times):.1f} ms, slowest {max(times):.1f} ms")

        if args.validate:
            figures = synthetic_coverage()
            print(
                f"\nSynthetic series with known structure ({figures['points']} held-out quarters): "
                f"{100 * figures['coverage_80']:.1f}% inside the 80% interval, {100 * figures['coverage_95']:.1f}% "
                f"inside the 95% interval; chosen models {figures['chosen']}"
            )

        from benchmarks.pages import page_render_times

        print(f"\nDemand and scenarios page, AppTest, median of {args.runs} warm runs (target < 500 ms):")
        render = page_render_times(args.runs, ["demand_scenarios.py"])["demand_scenarios.py"]
        print(f"  page render {render:>8.0f} ms")
        lever = statistics.median(time_page_lever_change(args.runs))
        print(f"  rerun after a lever change {lever:>8.0f} ms")


if __name__ == "__main__":
    main()
