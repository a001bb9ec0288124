"""Build step: demand forecasts with backtest metrics, and the POPPI-style demand projection.

Runs inside ``asc build`` after the SQL marts (``PYTHON_STEPS`` in :mod:`pipelines.build`) and writes:

``fct_forecasts``
    one row per series x future quarter x role: ``role = 'chosen'`` is the model the backtest picked,
    ``role = 'baseline'`` the seasonal-naive forecast always shown beside it.
``fct_forecast_metrics``
    one row per series x candidate model: MASE, 80%/95% interval coverage, origins, which was chosen.
``fct_demand_projection`` and ``fct_service_use_rates``
    expected people needing support per district, age band and year to 2040, and the rates behind it.

Fits never stop the build: a series whose fit raises anything gets the seasonal-naive forecast and a
note saying why. Fitting all 30 series takes 10-14 s of one core, so the series are shared between
this process and worker processes, one per core (``max_workers``), and results are reused from the
warehouse being replaced for every series whose history (and the model code) has not changed.
"""

from __future__ import annotations

import os

# OpenBLAS threads only add overhead on matrices this small. These take effect only where this module
# is imported before numpy (a fresh process); otherwise ``single_threaded_blas`` below limits them.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import ctypes  # noqa: E402
import hashlib  # noqa: E402
import inspect  # noqa: E402
import pickle  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402

import duckdb  # noqa: E402
import polars as pl  # noqa: E402

from models import forecast as forecast_models  # noqa: E402
from models import forecast_backtest  # noqa: E402
from models.periods import parse_quarter, quarter_of  # noqa: E402
from models.population_projection import LAST_YEAR, UNPLACED, poppi_projection, project_unplaced  # noqa: E402
from pipelines.config import Settings  # noqa: E402
from pipelines.db import write_table  # noqa: E402

HORIZON = 8  # quarters: two years, as far as 20 quarters of history support
OPTIONS = {"backtest_horizon": 4, "min_train": 8, "step": 1}
PREVALENCE_FILE = "poppi_pansi_style_prevalence_assumptions_wsx2022.csv"
# Below this many series to fit, starting worker processes (each imports statsmodels) costs more than it saves.
MIN_SERIES_FOR_WORKERS = 6
# A worker still fitting this long after the build process finished its own share is stuck: stop it.
WORKER_TIMEOUT_SECONDS = 300
# Any change to the models or these settings changes every series' key, so nothing stale is reused.
MODEL_VERSION = hashlib.sha256(
    (inspect.getsource(forecast_models) + inspect.getsource(forecast_backtest) + repr((HORIZON, OPTIONS))).encode()
).hexdigest()[:16]


@contextmanager
def single_threaded_blas():
    """Limit every loaded OpenBLAS to one thread for the block (what threadpoolctl does, in 20 lines).

    numpy and scipy each bundle an OpenBLAS; with two threads on a two-core machine the fits take
    the same wall time and twice the CPU. Libraries are found in /proc/self/maps (Linux); elsewhere,
    or if a library lacks the functions, this does nothing.
    """
    restore = []
    try:
        maps = Path("/proc/self/maps").read_text().splitlines()
    except OSError:
        maps = []
    for path in dict.fromkeys(line.split()[-1] for line in maps if "openblas" in line.lower()):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix in (("scipy_openblas", "64_"), ("scipy_openblas", ""), ("openblas", "")):
            setter = getattr(library, f"{prefix}_set_num_threads{suffix}", None)
            getter = getattr(library, f"{prefix}_get_num_threads{suffix}", None)
            if setter and getter:
                restore.append((setter, getter()))
                setter(1)
                break
    try:
        yield
    finally:
        for setter, threads in restore:
            setter(threads)


def series_key(values: pl.DataFrame) -> str:
    """A fingerprint of one series' history and the model code, to reuse unchanged fits."""
    text = ",".join(f"{day}={value!r}" for day, value in values.select("period_start", "value").iter_rows())
    return hashlib.sha256(f"{MODEL_VERSION}|{text}".encode()).hexdigest()[:24]


def _fit_one(history: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Chosen and baseline forecasts and the metrics of one series; never raises."""
    baseline, _ = forecast_backtest.forecast_all(history, HORIZON, models=(), **OPTIONS)
    try:
        chosen, metrics = forecast_backtest.forecast_all(history, HORIZON, **OPTIONS)
    except Exception as error:  # a defect in one series must not stop the build
        note = f"forecasting failed ({type(error).__name__}), so the seasonal-naive forecast is shown"
        chosen, metrics = forecast_backtest.forecast_all(history, HORIZON, models=(), **OPTIONS)
        chosen = chosen.with_columns(pl.lit(note).alias("note"))
        metrics = metrics.with_columns(pl.lit(note).alias("note"))
    forecasts = pl.concat([chosen.with_columns(role=pl.lit("chosen")), baseline.with_columns(role=pl.lit("baseline"))])
    return forecasts, metrics


def _previous_fits(settings: Settings) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    """Forecasts and metrics of the warehouse being replaced, or None if it has none to offer."""
    path = settings.path("warehouse")
    if not path.exists():
        return None
    try:
        with duckdb.connect(str(path), read_only=True) as old:
            forecasts = old.sql("select * exclude (measure, locality_code, period) from fct_forecasts").pl()
            metrics = old.sql("select * exclude (measure, locality_code) from fct_forecast_metrics").pl()
    except duckdb.Error:
        return None  # no such tables yet, an older layout, or the file is busy: fit everything
    if "input_key" not in metrics.columns:
        return None
    return forecasts, metrics


def fit_unclaimed(folder: Path) -> None:
    """Fit each series in ``folder`` that no other process has claimed, writing ``fit_<n>.pickle``.

    The build's process and its workers all run this over the same list: a series is claimed by
    creating ``claim_<n>`` (which fails if it exists), so each is fitted once and a process that
    finishes early takes the next free one.
    """
    groups = pickle.loads((folder / "series.pickle").read_bytes())
    with single_threaded_blas():
        for number, group in enumerate(groups):
            try:
                os.close(os.open(folder / f"claim_{number}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                continue
            partial = folder / f"fit_{number}.partial"
            partial.write_bytes(pickle.dumps(_fit_one(group)))
            partial.rename(folder / f"fit_{number}.pickle")  # a fit appears whole or not at all


def _fit_many(groups: list[pl.DataFrame], max_workers: int | None) -> list[tuple[pl.DataFrame, pl.DataFrame]]:
    """Fit every series, sharing them between this process and worker processes, one per core.

    Workers are plain ``python -m pipelines.forecast_worker`` subprocesses, not multiprocessing: its
    children re-import the parent's main module, which inside the dashboard (an upload rebuilds the
    warehouse) is the Streamlit page itself, and ``fork`` would copy DuckDB's and Polars' thread pools
    in an unknown state. A series whose worker died, or was stopped after ``WORKER_TIMEOUT_SECONDS``, is
    fitted here afterwards, so the build goes on.
    """
    workers = min(max_workers or os.cpu_count() or 1, len(groups))
    if workers < 2 or len(groups) < MIN_SERIES_FOR_WORKERS:
        with single_threaded_blas():
            return [_fit_one(group) for group in groups]
    with tempfile.TemporaryDirectory(prefix="asc-forecasts-") as name:
        folder = Path(name)
        (folder / "series.pickle").write_bytes(pickle.dumps(groups))
        command = [sys.executable, "-m", "pipelines.forecast_worker", name]
        started = [subprocess.Popen(command, stdout=subprocess.DEVNULL) for _ in range(workers - 1)]
        fit_unclaimed(folder)  # this process has statsmodels imported already, so it starts first
        for process in started:
            try:
                process.wait(timeout=WORKER_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()  # its unfinished series are fitted here below
                process.wait()
        fits = [folder / f"fit_{number}.pickle" for number in range(len(groups))]
        return [pickle.loads(fit.read_bytes()) if fit.exists() else _fit_one(groups[n]) for n, fit in enumerate(fits)]


def fit_forecasts(
    history: pl.DataFrame, previous=None, max_workers: int | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Forecast every series in ``history``, reusing ``previous`` fits where a series' key matches.

    Parameters
    ----------
    history : polars.DataFrame
        ``series_id, period_start, value`` (other columns are ignored).
    previous : (polars.DataFrame, polars.DataFrame), optional
        Forecasts and metrics (with ``input_key``) of an earlier build.
    max_workers : int, optional
        Processes to fit in, this one included; one per core by default, 1 to fit in this process only.

    Returns
    -------
    forecasts, metrics : polars.DataFrame
        As written to ``fct_forecasts`` and ``fct_forecast_metrics`` (without the descriptive columns).
    fitted : int
        How many series were fitted rather than reused.
    """
    groups = history.sort("series_id", "period_start").group_by("series_id", maintain_order=True)
    keyed = [(series_id, series_key(group), group) for (series_id,), group in groups]
    results: dict[str, tuple[pl.DataFrame, pl.DataFrame]] = {}
    if previous is not None:
        old_forecasts, old_metrics = previous
        for series_id, key, _ in keyed:
            old = old_metrics.filter((pl.col("series_id") == series_id) & (pl.col("input_key") == key))
            if old.height:
                results[series_id] = old_forecasts.filter(pl.col("series_id") == series_id), old.drop("input_key")
    to_fit = [(series_id, group.select("series_id", "period_start", "value")) for series_id, _, group in keyed]
    to_fit = [(series_id, group) for series_id, group in to_fit if series_id not in results]
    fitted = _fit_many([group for _, group in to_fit], max_workers)
    results |= {series_id: result for (series_id, _), result in zip(to_fit, fitted, strict=True)}
    parts = [(results[s][0], results[s][1].with_columns(input_key=pl.lit(key))) for s, key, _ in keyed]
    forecasts = pl.concat([f for f, _ in parts], how="vertical_relaxed") if parts else pl.DataFrame()
    metrics = pl.concat([m for _, m in parts], how="vertical_relaxed") if parts else pl.DataFrame()
    return forecasts, metrics, len(to_fit)


def build_forecasts(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """The build step: write ``fct_forecasts``, ``fct_forecast_metrics``, and the demand projection."""
    history = con.sql("select series_id, measure, locality_code, period_start, value from mart_demand_history").pl()
    if history.is_empty():
        raise RuntimeError("mart_demand_history is empty: there is no demand history to forecast")
    forecasts, metrics, _ = fit_forecasts(history, _previous_fits(settings))
    series = history.select("series_id", "measure", "locality_code").unique()
    labels = {day: quarter_of(day).label for day in forecasts["period_start"].unique().to_list()}
    forecasts = forecasts.join(series, on="series_id").with_columns(
        period=pl.col("period_start").replace_strict(labels, return_dtype=pl.String)
    )
    described = ["series_id", "measure", "locality_code"]
    write_table(con, "fct_forecasts", forecasts.select(*described, "period", pl.exclude(*described, "period")))
    write_table(
        con, "fct_forecast_metrics", metrics.join(series, on="series_id").select(*described, pl.exclude(described))
    )
    build_projection(con, settings)


def build_projection(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Write ``fct_demand_projection`` and ``fct_service_use_rates`` (POPPI-style, to 2040)."""
    ((period,),) = con.sql("select period from ref_quarter order by sort_key desc limit 1").fetchall()
    base_year = parse_quarter(period).start_year
    single_years = con.sql(
        "select area_code, area_name, age_group, projection_year, population from stg_population_projection"
    ).pl()
    clients = con.sql("select locality_code, age_band, people from mart_demand_clients_by_age").pl()
    assumptions = pl.read_csv(settings.path("public_data") / PREVALENCE_FILE)
    placed = pl.col("locality_code") != UNPLACED
    projection, rates = poppi_projection(single_years, assumptions, clients.filter(placed), base_year, LAST_YEAR)
    districts = set(settings.locality_codes)
    projection = projection.filter(pl.col("area_code").is_in(districts))
    # people CLD cannot place in a district are in the county's projection too, as they are in its counts
    unplaced = project_unplaced(projection, clients.filter(~placed).select("age_band", "people"))
    write_table(con, "fct_demand_projection", pl.concat([projection, unplaced]))
    write_table(con, "fct_service_use_rates", rates.filter(pl.col("area_code").is_in(districts)))
