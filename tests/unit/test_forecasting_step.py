"""The forecasting build step and its SQL marts, on a tiny hand-made warehouse in memory.

Fitting every candidate model is slow, so most tests swap the full backtest for the baseline alone;
one test runs the real models on two short series.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import date

import duckdb
import numpy as np
import polars as pl
import pytest

from models import forecast_backtest
from models.forecast_backtest import add_quarters
from pipelines import forecasting
from pipelines.build import run_models
from pipelines.config import Paths, Settings
from pipelines.ingest import ensure_store
from pipelines.public import load_public_data
from pipelines.reference_tables import write_reference_tables
from pipelines.schemas import SOURCES

# Rows of an activity layout without episode_id (episodes known by person, service and start date).
_ACTIVITY_COLUMNS = [c for c in SOURCES["activity"].column_names if c != "episode_id"]
ACTIVITY_INSERT = f"insert into raw_activity (load_id, source_row, {', '.join(_ACTIVITY_COLUMNS)}) values " + (
    "(" + ", ".join(["?"] * (len(_ACTIVITY_COLUMNS) + 2)) + ")"
)

CAMBRIDGE, FENLAND = "E07000008", "E07000010"
PSR = "Physical support: personal care support"


def episode(row, person, locality, service, route, start, end=None, age=70, hours=10.0, cost=200.0):
    return (1, row, person, age, "female", PSR, locality, service, route, start, end, hours, cost, None)


def tiny_rows():
    """People joining every quarter from April 2020, so the history has 20 quarters that grow."""
    rows, row = [], 0
    for k in range(20):
        start = add_quarters(date(2020, 4, 1), k)
        for j in range(3):
            row += 1
            locality = CAMBRIDGE if j < 2 else FENLAND
            route = "direct_payment" if (k + j) % 4 == 0 else "council_arranged"
            service = "direct_payment" if route == "direct_payment" else "home_care"
            rows.append(episode(row, f"p{k}-{j}", locality, service, route, start, age=40 + 3 * k + j))
    # One CME client, one ISF, one residential (not community) and one ended episode.
    rows.append(episode(900, "cme", CAMBRIDGE, "cme", "council_arranged", date(2024, 1, 1), hours=15.0))
    rows.append(episode(901, "isf", FENLAND, "isf", "isf", date(2024, 6, 1), age=90, hours=5.0))
    # The residential episode ends after the last quarter, so 2024/25 Q4 is complete and the latest.
    rows.append(episode(902, "res", FENLAND, "residential", "council_arranged", date(2024, 1, 1), date(2025, 4, 15)))
    rows.append(episode(903, "gone", FENLAND, "home_care", "council_arranged", date(2021, 1, 1), date(2022, 1, 1)))
    return rows


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    ensure_store(con)
    settings = Settings()
    load_public_data(con, settings.path("public_data"))
    con.executemany(ACTIVITY_INSERT, tiny_rows())
    pas = [
        (1, 1, "pa1", CAMBRIDGE, date(2023, 1, 1), None, True, True, None),  # on the register all year
        (1, 2, "pa2", CAMBRIDGE, date(2023, 1, 1), date(2024, 9, 1), True, True, None),  # left during the year
        (1, 3, "pa3", CAMBRIDGE, date(2024, 10, 1), None, False, True, None),  # joined during the year
        (1, 4, "pa4", FENLAND, date(2025, 1, 1), None, False, True, None),  # joined during the year
    ]
    con.executemany("insert into raw_pa_register values (?, ?, ?, ?, ?, ?, ?, ?, ?)", pas)
    write_reference_tables(con, settings)
    run_models(con)
    return con


@pytest.fixture()
def baseline_only(monkeypatch):
    """Backtest and forecast with the seasonal-naive baseline alone: the same shapes, in milliseconds."""
    real = forecast_backtest.forecast_all

    def fast(history, horizon=8, models=(), **options):
        return real(history, horizon, models=(), **options)

    monkeypatch.setattr(forecasting.forecast_backtest, "forecast_all", fast)
    # Worker processes import the real module and would not see the patch: fit in this process.
    monkeypatch.setattr(forecasting, "MIN_SERIES_FOR_WORKERS", 10**6)


def settings_in(folder) -> Settings:
    return dataclasses.replace(Settings(), paths=dataclasses.replace(Paths(), warehouse=str(folder / "w.duckdb")))


def test_base_mart_describes_each_district_at_the_latest_quarter(con):
    rows = con.sql(
        "select locality_code, period, people_supported, dp_recipients, isf_people, cme_weekly_hours, "
        "active_pas, pas_year_before, pas_joined_last_year, pas_left_last_year from mart_demand_base "
        "order by locality_code"
    ).fetchall()
    cambridge = [r for r in rows if r[0] == CAMBRIDGE][0]
    fenland = [r for r in rows if r[0] == FENLAND][0]
    # Cambridge: 40 joiners plus the CME client; DP when (k + j) % 4 == 0 for j = 0, 1: 10 of them.
    assert cambridge[1:] == ("2024/25 Q4", 41, 10, 0, 15.0, 2, 2, 1, 1)
    assert fenland[2:5] == (21, 5, 1)  # 20 joiners and the ISF; the residential and ended ones are not counted
    assert len(rows) == 5  # every district, with zeros where nothing happens


def test_clients_by_age_band_use_the_age_on_the_snapshot_date(con):
    got = dict(
        (
            (band, people)
            for band, people in con.sql(
                "select age_band, people from mart_demand_clients_by_age where locality_code = ?", params=[FENLAND]
            ).fetchall()
        )
    )
    # Fenland joiners started aged 42, 45, ... (40 + 3k + 2) and have aged since; the ISF client is 90.
    ages = [
        40 + 3 * k + 2 + int((date(2025, 3, 31) - add_quarters(date(2020, 4, 1), k)).days / 365.25) for k in range(20)
    ]
    expected = {band: 0 for band in ("18-64", "65-74", "75-84", "85+")}
    for age in [*ages, 90]:
        expected["18-64" if age < 65 else "65-74" if age < 75 else "75-84" if age < 85 else "85+"] += 1
    assert got == expected


def test_history_mart_has_every_measure_with_data_for_every_area_and_quarter(con):
    counts = con.sql(
        "select measure, count(distinct locality_code), count(distinct period) from mart_demand_history group by 1"
    ).fetchall()
    # This warehouse has neither a CLD return nor a referrals file: no quarter's requests are known, so there is
    # no requests series (a quarter without data is left out, never counted as 0 requests).
    with_data = [m for m in forecasting_measures() if m != "referrals_received"]
    assert sorted(counts) == [(m, 6, 20) for m in sorted(with_data)]
    ((value,),) = con.sql(
        "select value from mart_demand_history where series_id = ? and period = '2024/25 Q4'",
        params=[f"people_supported:{CAMBRIDGE}"],
    ).fetchall()
    assert value == 41


def forecasting_measures():
    return ["active_pas", "dp_recipients", "people_supported", "referrals_received", "weekly_hours"]


def test_build_step_writes_forecasts_metrics_and_projection(con, tmp_path, baseline_only):
    forecasting.build_forecasts(con, settings_in(tmp_path))
    forecasts = con.sql("select * from fct_forecasts").pl()
    assert forecasts.group_by("series_id", "role").len()["len"].unique().to_list() == [forecasting.HORIZON]
    assert forecasts["role"].unique().sort().to_list() == ["baseline", "chosen"]
    first = forecasts.filter(pl.col("series_id") == f"people_supported:{CAMBRIDGE}").sort("period_start")
    assert first["period"][0] == "2025/26 Q1" and first["period_start"][0] == date(2025, 4, 1)
    assert (forecasts["lo_95"] <= forecasts["lo_80"]).all() and (forecasts["lo_80"] <= forecasts["mean"]).all()
    assert (forecasts["lo_95"] >= 0).all()
    metrics = con.sql("select * from fct_forecast_metrics").pl()
    assert metrics.group_by("series_id").agg(pl.col("chosen").sum())["chosen"].unique().to_list() == [1]
    assert {"measure", "locality_code", "input_key"} <= set(metrics.columns)
    projection = con.sql(
        "select age_band, expected_people from fct_demand_projection where area_code = ? and projection_year = 2024",
        params=[FENLAND],
    ).fetchall()
    clients = con.sql(
        "select age_band, people from mart_demand_clients_by_age where locality_code = ?", params=[FENLAND]
    ).fetchall()
    assert sorted((band, pytest.approx(people)) for band, people in projection) == sorted(clients)
    years = con.sql("select min(projection_year), max(projection_year) from fct_demand_projection").fetchall()
    assert years == [(2024, 2040)]


def test_a_fit_that_fails_does_not_stop_the_build(con, tmp_path, monkeypatch):
    real = forecast_backtest.forecast_all

    def broken(history, horizon=8, models=("seasonal_naive", "ets", "sarimax"), **options):
        if models:
            raise RuntimeError("boom")
        return real(history, horizon, models=(), **options)

    monkeypatch.setattr(forecasting.forecast_backtest, "forecast_all", broken)
    monkeypatch.setattr(forecasting, "MIN_SERIES_FOR_WORKERS", 10**6)  # so the patch applies
    forecasting.build_forecasts(con, settings_in(tmp_path))
    notes = con.sql("select distinct note from fct_forecasts where role = 'chosen'").fetchall()
    assert notes == [("forecasting failed (RuntimeError), so the seasonal-naive forecast is shown",)]


def two_series(n: int = 12) -> pl.DataFrame:
    t = np.arange(n)
    rows = []
    for name, values in (("up", 50 + 2 * t + 3 * np.sin(t)), ("flat", 30 + np.cos(t))):
        rows += [
            {"series_id": name, "period_start": add_quarters(date(2022, 4, 1), k), "value": v}
            for k, v in enumerate(values)
        ]
    return pl.DataFrame(rows)


def test_worker_processes_give_the_same_forecasts_as_one_process():
    history = pl.concat(
        [
            two_series().with_columns(series_id=pl.col("series_id") + f"_{copy}", value=pl.col("value") + copy)
            for copy in range(3)
        ]
    )
    assert history["series_id"].n_unique() == forecasting.MIN_SERIES_FOR_WORKERS
    serial, serial_metrics, fitted = forecasting.fit_forecasts(history, None, max_workers=1)
    parallel, parallel_metrics, _ = forecasting.fit_forecasts(history, None, max_workers=2)
    assert fitted == 6
    assert parallel.equals(serial) and parallel_metrics.equals(serial_metrics)
    assert set(serial_metrics["model"]) == {"seasonal_naive", "ets", "sarimax"}  # real fits, not the baseline alone


def test_a_worker_that_fails_does_not_stop_the_fits(baseline_only, monkeypatch):
    history = pl.concat([two_series().with_columns(series_id=pl.col("series_id") + f"_{copy}") for copy in range(3)])
    expected, expected_metrics, _ = forecasting.fit_forecasts(history, None, max_workers=1)
    monkeypatch.setattr(forecasting, "MIN_SERIES_FOR_WORKERS", 1)
    monkeypatch.setattr(forecasting.sys, "executable", "/bin/false")  # the worker exits at once with 1
    forecasts, metrics, fitted = forecasting.fit_forecasts(history, None, max_workers=2)
    assert fitted == 6
    assert forecasts.equals(expected) and metrics.equals(expected_metrics)


def test_a_stuck_worker_is_stopped_and_its_series_fitted_here(baseline_only, monkeypatch, tmp_path):
    history = pl.concat([two_series().with_columns(series_id=pl.col("series_id") + f"_{copy}") for copy in range(3)])
    expected, _, _ = forecasting.fit_forecasts(history, None, max_workers=1)
    stuck = tmp_path / "stuck_worker"
    # Called as: stuck_worker -m pipelines.forecast_worker FOLDER. It claims the last series and never answers.
    stuck.write_text('#!/bin/sh\ntouch "$3/claim_5"\nexec sleep 60\n')
    stuck.chmod(0o755)
    monkeypatch.setattr(forecasting, "MIN_SERIES_FOR_WORKERS", 1)
    monkeypatch.setattr(forecasting, "WORKER_TIMEOUT_SECONDS", 1)
    monkeypatch.setattr(forecasting.sys, "executable", str(stuck))
    started = time.perf_counter()
    forecasts, _, fitted = forecasting.fit_forecasts(history, None, max_workers=2)
    assert time.perf_counter() - started < 30  # not the worker's 60 s
    assert fitted == 6 and forecasts.equals(expected)


def test_unchanged_series_are_reused_and_changed_ones_refitted(baseline_only):
    history = two_series()
    forecasts, metrics, fitted = forecasting.fit_forecasts(history, None)
    assert fitted == 2
    again, again_metrics, refitted = forecasting.fit_forecasts(history, (forecasts, metrics))
    assert refitted == 0
    assert again.equals(forecasts) and again_metrics.equals(metrics)
    changed = history.with_columns(
        value=pl.when((pl.col("series_id") == "up") & (pl.col("period_start") == date(2022, 4, 1)))
        .then(99.0)
        .otherwise(pl.col("value"))
    )
    _, _, refitted = forecasting.fit_forecasts(changed, (forecasts, metrics))
    assert refitted == 1


def test_series_key_depends_on_values_and_model_version(monkeypatch):
    frame = two_series().filter(pl.col("series_id") == "up")
    key = forecasting.series_key(frame)
    assert forecasting.series_key(frame) == key
    assert forecasting.series_key(frame.with_columns(pl.col("value") + 1e-9)) != key
    monkeypatch.setattr(forecasting, "MODEL_VERSION", "other")
    assert forecasting.series_key(frame) != key


def test_real_models_choose_a_candidate_and_keep_the_baseline_beside_it():
    forecasts, metrics, fitted = forecasting.fit_forecasts(two_series())
    assert fitted == 2
    chosen = forecasts.filter(pl.col("role") == "chosen")
    assert set(chosen["model"]) <= {"seasonal_naive", "naive", "ets", "sarimax"}
    assert set(forecasts.filter(pl.col("role") == "baseline")["model"]) == {"seasonal_naive"}
    assert sorted(metrics["model"].unique()) == ["ets", "sarimax", "seasonal_naive"]


def test_blas_runs_single_threaded_inside_the_block_and_is_restored():
    import ctypes
    from pathlib import Path

    np.dot(np.ones((2, 2)), np.ones((2, 2)))  # make sure numpy's OpenBLAS is loaded
    maps = Path("/proc/self/maps").read_text().splitlines()
    paths = list(dict.fromkeys(line.split()[-1] for line in maps if "openblas" in line.lower()))
    if not paths:
        pytest.skip("no OpenBLAS loaded")
    library = ctypes.CDLL(paths[0])
    getter = next(
        getattr(library, name)
        for name in ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads", "openblas_get_num_threads")
        if hasattr(library, name)
    )
    before = getter()
    with forecasting.single_threaded_blas():
        assert getter() == 1
    assert getter() == before
