"""Unit tests for models.forecast (the models) and models.forecast_backtest (backtest and orchestration).

Synthetic series are a linear trend plus a fixed quarterly pattern plus Gaussian noise, with fixed seeds.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

import models.forecast as forecast_module
from models.forecast import MODELS, ForecastResult, ets, sarimax, seasonal_naive
from models.forecast_backtest import (
    FORECAST_SCHEMA,
    METRICS_SCHEMA,
    BacktestResult,
    add_quarters,
    backtest,
    choose_model,
    forecast_all,
    mase_scale,
)

SEASON = np.array([6.0, -3.0, -6.0, 3.0])
MODEL_NAMES = ["seasonal_naive", "ets", "sarimax"]


def simulate(seed: int, n: int, *, slope: float = 1.5, sd: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """A noisy series and its noise-free truth: 50 + slope * t + quarterly pattern + N(0, sd)."""
    t = np.arange(n)
    truth = 50 + slope * t + SEASON[t % 4]
    return truth + np.random.default_rng(seed).normal(0, sd, n), truth


def history(series: dict[str, np.ndarray], start: date = date(2019, 4, 1)) -> pl.DataFrame:
    rows = [
        {"series_id": name, "period_start": add_quarters(start, k), "value": float(value)}
        for name, values in series.items()
        for k, value in enumerate(values)
    ]
    return pl.DataFrame(rows, schema={"series_id": pl.String, "period_start": pl.Date, "value": pl.Float64})


def assert_ordered(result: ForecastResult) -> None:
    bounds = np.vstack([result.lo_95, result.lo_80, result.mean, result.hi_80, result.hi_95])
    assert np.isfinite(bounds).all()
    assert (np.diff(bounds, axis=0) >= 0).all(), bounds


def drift(y: np.ndarray, horizon: int) -> ForecastResult:
    """Deterministic fake model: continue the average slope, with zero-width intervals."""
    y = np.asarray(y, dtype=float)
    mean = y[-1] + (y[-1] - y[0]) / (len(y) - 1) * np.arange(1, horizon + 1)
    return ForecastResult(mean, mean, mean, mean, mean, model="drift")


def zero(y: np.ndarray, horizon: int) -> ForecastResult:
    flat = np.zeros(horizon)
    return ForecastResult(flat, flat - 1, flat + 1, flat - 2, flat + 2, model="zero")


# Models ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "slope"), [("seasonal_naive", 0.0), ("ets", 1.5), ("sarimax", 1.5)])
def test_model_recovers_trend_and_season(name, slope):
    # Seasonal naive cannot follow a trend, so it is checked on a series without one.
    errors, shapes = [], []
    for seed in range(10):
        y, truth = simulate(seed, n=28, slope=slope)
        result = MODELS[name](y[:20], 8)
        assert result.model == name and result.note == ""
        errors.append(np.mean(np.abs(result.mean[:4] - truth[20:24])))
        steps = np.arange(8)
        detrended = result.mean - np.polyval(np.polyfit(steps, result.mean, 1), steps)
        shapes.append(np.corrcoef(detrended, SEASON[(20 + steps) % 4])[0, 1])
    # Noise sd is 2: the next year's forecasts are within 1.5 sd of the truth and follow its pattern.
    assert np.mean(errors) < 3.0
    assert min(shapes) > 0.85


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_interval_coverage_is_near_nominal(name):
    inside_80, inside_95 = [], []
    for seed in range(40):
        y, _ = simulate(seed, 20)
        result = MODELS[name](y[:16], 4)
        actual = y[16:]
        inside_80 += list((actual >= result.lo_80) & (actual <= result.hi_80))
        inside_95 += list((actual >= result.lo_95) & (actual <= result.hi_95))
    assert 0.65 <= np.mean(inside_80) <= 0.95
    assert 0.85 <= np.mean(inside_95) <= 1.0


@pytest.mark.parametrize("name", MODEL_NAMES)
@pytest.mark.parametrize("n", [6, 9, 13, 20])
def test_intervals_are_ordered(name, n):
    y, _ = simulate(seed=n, n=n)
    result = MODELS[name](y, 6)
    assert len(result.mean) == 6
    assert_ordered(result)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_constant_series_gives_constant_forecast_and_note(name):
    result = MODELS[name](np.full(12, 7.0), 4)
    np.testing.assert_allclose(result.mean, 7.0)
    np.testing.assert_allclose(result.hi_95, 7.0)
    assert "does not vary" in result.note
    if name != "seasonal_naive":
        assert "series is constant" in result.note


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_missing_value_is_interpolated_and_noted(name):
    y, _ = simulate(seed=5, n=16)
    y[6] = np.nan
    result = MODELS[name](y, 4)
    assert_ordered(result)
    assert "1 missing value(s) filled by linear interpolation" in result.note


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_three_points_fall_back_to_naive(name):
    result = MODELS[name](np.array([10.0, 12.0, 11.0]), 4)
    assert result.model == "naive"
    np.testing.assert_allclose(result.mean, 11.0)
    assert "only 3 quarters" in result.note
    assert_ordered(result)


def test_trailing_missing_values_shift_the_forecast_origin():
    y, _ = simulate(seed=2, n=16)
    with_gap = np.append(y, np.nan)
    result = seasonal_naive(with_gap, 4)
    np.testing.assert_allclose(result.mean, seasonal_naive(y, 5).mean[1:])
    assert "last 1 value(s) are missing" in result.note


def test_all_missing_gives_nan_forecast_and_note():
    result = ets(np.full(10, np.nan), 3)
    assert np.isnan(result.mean).all() and len(result.mean) == 3
    assert result.note == "no observed values, so no forecast"


def test_horizon_must_be_positive():
    with pytest.raises(ValueError, match="horizon"):
        seasonal_naive(np.arange(10.0), 0)


# Fallbacks ------------------------------------------------------------------------------------------


class BrokenETS:
    def __init__(self, *args, **kwargs):
        raise np.linalg.LinAlgError("singular matrix")


def test_sarimax_that_does_not_converge_falls_back_to_ets(monkeypatch):
    monkeypatch.setattr(forecast_module, "SARIMAX_MAXITER", 1)
    y, _ = simulate(seed=1, n=20)
    result = sarimax(y, 4)
    assert result.model == "ets"
    assert result.note == "SARIMAX did not converge; used ETS instead"
    assert_ordered(result)


def test_ets_that_raises_falls_back_to_seasonal_naive(monkeypatch):
    monkeypatch.setattr("statsmodels.tsa.exponential_smoothing.ets.ETSModel", BrokenETS)  # imported at fit time
    y, _ = simulate(seed=1, n=20)
    result = ets(y, 4)
    assert result.model == "seasonal_naive"
    assert result.note == "ETS failed (LinAlgError); used seasonal naive instead"
    np.testing.assert_allclose(result.mean, seasonal_naive(y, 4).mean)


def test_whole_fallback_chain_is_described(monkeypatch):
    monkeypatch.setattr(forecast_module, "SARIMAX_MAXITER", 1)
    monkeypatch.setattr("statsmodels.tsa.exponential_smoothing.ets.ETSModel", BrokenETS)  # imported at fit time
    y, _ = simulate(seed=1, n=20)
    result = sarimax(y, 4)
    assert result.model == "seasonal_naive"
    assert result.note == "SARIMAX did not converge; ETS failed (LinAlgError); used seasonal naive instead"


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_no_statsmodels_warning_escapes(name):
    for n in (6, 8, 12, 14, 20):
        y, _ = simulate(seed=n, n=n)
        MODELS[name](y, 4)
    MODELS[name](np.full(12, 3.0), 4)


# Backtest -------------------------------------------------------------------------------------------


def test_mase_scale_uses_lag_four_then_lag_one():
    assert mase_scale(np.array([1.0, 2.0, 4.0, 7.0])) == 2.0
    y = np.array([1.0, 2.0, 3.0, 4.0, 3.0, 5.0, 3.0, 6.0])
    assert mase_scale(y) == pytest.approx((2 + 3 + 0 + 2) / 4)


def test_backtest_counts_origins_and_scores_seasonal_naive_exactly():
    linear = 10 + 2 * np.arange(20.0)
    # Seasonal naive is off by exactly one year's growth at every step, which is also the scale.
    result = backtest(linear, "seasonal_naive", horizon=4, min_train=8, step=1)
    assert result.origins == 12
    assert result.mase == pytest.approx(1.0)
    assert backtest(linear, "seasonal_naive", step=2).origins == 6


def test_backtest_of_a_repeating_series_scores_zero():
    result = backtest(np.tile(SEASON, 5), "seasonal_naive")
    assert result.mase == 0.0
    assert result.coverage_80 == result.coverage_95 == 1.0


def test_backtest_coverage_is_a_share():
    y, _ = simulate(seed=4, n=20)
    result = backtest(y, "ets")
    assert 0 <= result.coverage_80 <= result.coverage_95 <= 1
    assert np.isfinite(result.mase) and result.note == ""


def test_backtest_of_a_short_series_has_no_origins():
    result = backtest(np.arange(8.0), "seasonal_naive")
    assert result.origins == 0 and np.isnan(result.mase)
    assert "too short to backtest" in result.note


def test_choose_model_prefers_baseline_on_ties_and_nan():
    def scored(mase):
        return BacktestResult("x", mase, 0.8, 0.95, 5)

    assert choose_model({"seasonal_naive": scored(1.0), "ets": scored(0.5)}) == "ets"
    assert choose_model({"seasonal_naive": scored(1.0), "ets": scored(1.0)}) == "seasonal_naive"
    assert choose_model({"seasonal_naive": scored(1.0), "ets": scored(float("nan"))}) == "seasonal_naive"
    assert choose_model({"seasonal_naive": scored(float("nan")), "ets": scored(0.1)}) == "seasonal_naive"


# forecast_all ---------------------------------------------------------------------------------------


def test_forecast_all_shapes_periods_and_one_choice_per_series():
    frame = history({"A": simulate(1, 20)[0], "B": simulate(2, 20, slope=0.0)[0]})
    forecasts, metrics = forecast_all(frame, horizon=8)
    assert forecasts.schema == pl.Schema(FORECAST_SCHEMA)
    assert metrics.schema == pl.Schema(METRICS_SCHEMA)
    assert forecasts.height == 16 and metrics.height == 6
    periods = forecasts.filter(series_id="A")["period_start"].to_list()
    assert frame["period_start"].max() == date(2024, 1, 1)
    assert periods[0] == date(2024, 4, 1) and periods[-1] == date(2026, 1, 1)
    chosen = metrics.filter("chosen")
    assert sorted(chosen["series_id"].to_list()) == ["A", "B"]
    # 20 quarters: chosen on origins 8-15 (of the first 16), scored on the held-out origins 16-19.
    assert (metrics["origins"] == 4).all()
    assert metrics["mase"].is_finite().all()
    assert metrics["note"].str.contains("held out from the choice").all()


def test_mase_scales_each_origin_by_its_own_training_window():
    # y = 1 2 3 4 2 3 4 5 9 9, forecasts of zero, one step ahead from origins 8 and 9: errors 9 and 9.
    # Origin 8 trains on 1..5: lag-4 differences 1, 1, 1, 1 -> scale 1 -> scaled error 9.
    # Origin 9 trains on the first nine: differences 1, 1, 1, 1, |9 - 2| = 7 -> scale 11 / 5 = 2.2 -> 4.0909.
    # MASE = (9 + 4.0909) / 2 = 6.54545 (the whole-series scale, 17 / 6, would have given 9 / 2.8333 = 3.1765).
    MODELS["zero"] = zero
    try:
        result = backtest(np.array([1, 2, 3, 4, 2, 3, 4, 5, 9, 9.0]), "zero", horizon=1, min_train=8)
    finally:
        del MODELS["zero"]
    assert result.origins == 2
    assert result.mase == pytest.approx((9 + 9 / 2.2) / 2)


def test_a_series_too_short_to_hold_out_origins_says_its_accuracy_is_optimistic():
    frame = history({"A": simulate(1, 12)[0]})
    _, metrics = forecast_all(frame, horizon=4, models=("seasonal_naive",))
    assert (metrics["origins"] == 4).all()  # origins 8-11: all of them, both to choose and to score
    assert metrics["note"].str.contains("optimistic").all()


def test_forecast_all_chooses_the_best_model_with_a_fake(monkeypatch):
    monkeypatch.setitem(MODELS, "drift", drift)
    monkeypatch.setitem(MODELS, "zero", zero)
    frame = history({"line": 100 + 3 * np.arange(12.0)})
    forecasts, metrics = forecast_all(frame, horizon=4, models=("zero", "drift"))
    assert metrics["model"].to_list() == ["seasonal_naive", "zero", "drift"]
    assert metrics.filter("chosen")["model"].to_list() == ["drift"]
    assert metrics.filter(model="drift")["mase"].item() == 0.0
    np.testing.assert_allclose(forecasts["mean"].to_numpy(), 100 + 3 * np.arange(12, 16))
    assert (forecasts["model"] == "drift").all()


def test_forecast_all_keeps_the_baseline_on_a_tie(monkeypatch):
    monkeypatch.setitem(MODELS, "copy", seasonal_naive)
    frame = history({"A": simulate(7, 14)[0]})
    _, metrics = forecast_all(frame, horizon=2, models=("copy",))
    assert metrics.filter("chosen")["model"].to_list() == ["seasonal_naive"]


def test_forecast_all_clips_negative_counts(monkeypatch):
    monkeypatch.setitem(MODELS, "drift", drift)
    frame = history({"falling": 40 - 4 * np.arange(10.0)})
    forecasts, _ = forecast_all(frame, horizon=4, models=("drift",))
    assert (forecasts["lo_95"] >= 0).all() and (forecasts["mean"] >= 0).all()
    assert "clipped to zero" in forecasts["note"][0]
    unclipped, _ = forecast_all(frame, horizon=4, models=("drift",), nonnegative=False)
    assert unclipped["mean"].min() < 0


def test_forecast_all_short_series_uses_the_baseline_and_says_so():
    frame = history({"short": np.array([5.0, 6.0, 7.0, 6.0, 8.0])})
    forecasts, metrics = forecast_all(frame, horizon=3)
    assert (metrics["origins"] == 0).all()
    assert metrics.filter("chosen")["model"].to_list() == ["seasonal_naive"]
    assert forecasts["model"].to_list() == ["naive"] * 3
    assert "too short to backtest (5 quarters; needs at least 9)" in forecasts["note"][0]


def test_forecast_all_fills_a_missing_quarter():
    frame = history({"gappy": simulate(3, 16)[0]}).filter(pl.col("period_start") != date(2020, 7, 1))
    forecasts, _ = forecast_all(frame, horizon=2, models=("seasonal_naive",))
    assert forecasts["period_start"].to_list() == [date(2023, 4, 1), date(2023, 7, 1)]
    assert "1 missing value(s) filled by linear interpolation" in forecasts["note"][0]


def test_forecast_all_of_nothing_is_empty_with_the_schema():
    forecasts, metrics = forecast_all(history({}))
    assert forecasts.height == 0 and forecasts.schema == pl.Schema(FORECAST_SCHEMA)
    assert metrics.height == 0 and metrics.schema == pl.Schema(METRICS_SCHEMA)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pl.DataFrame({"series_id": ["A"], "value": [1.0]}), "missing column"),
        (
            pl.DataFrame({"series_id": ["A"], "period_start": [date(2024, 2, 1)], "value": [1.0]}),
            "first day of a quarter",
        ),
        (
            pl.DataFrame({"series_id": ["A", "A"], "period_start": [date(2024, 4, 1)] * 2, "value": [1.0, 2.0]}),
            "more than one value",
        ),
    ],
)
def test_forecast_all_rejects_bad_input(frame, message):
    with pytest.raises(ValueError, match=message):
        forecast_all(frame)


def test_forecast_all_rejects_an_unknown_model():
    with pytest.raises(ValueError, match="unknown forecast model 'prophet'"):
        forecast_all(history({"A": np.arange(10.0)}), models=("prophet",))
