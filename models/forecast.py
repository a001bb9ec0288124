"""Quarterly demand forecasting models with 80% and 95% prediction intervals.

Every model has the same interface as in Nixtla's statsforecast, ``fit_predict(y, horizon)`` returning
a :class:`ForecastResult`, where ``y`` is a quarterly series (season length 4), oldest first:
``seasonal_naive`` (the baseline, always a candidate), ``ets`` and ``sarimax``.

Fits never crash. A model that does not converge, raises, or does not suit the data falls back to a
simpler one (SARIMAX -> ETS -> seasonal naive) and the result's ``note`` says so in plain English.
Missing values inside a series are filled by linear interpolation (and noted).

Choosing a model per series by rolling-origin backtest, and forecasting a long table of series, is in
:mod:`models.forecast_backtest`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

# statsmodels is imported inside the fitting functions: it takes about 2 s to import, which the
# dashboard and the committee pack (they read stored forecasts and only need LABELS) should not pay.

SEASON_LENGTH = 4  # quarterly data

# Iteration caps keep a SARIMAX fit near 15 ms on a 20-point series; a fit that needs more is reported
# as not converged and falls back, which is the right call for series this short.
SARIMAX_MAXITER = 50
ETS_MAXITER = 200
MIN_POINTS = {"ets": 6, "sarimax": 6}
LABELS = {"seasonal_naive": "seasonal naive", "naive": "naive", "ets": "ETS", "sarimax": "SARIMAX"}
FALLBACK = {"sarimax": "ets", "ets": "seasonal_naive"}
BASELINE = "seasonal_naive"


@dataclass(frozen=True)
class ForecastResult:
    """Point forecasts and 80%/95% prediction intervals for the next ``horizon`` quarters.

    Attributes
    ----------
    mean, lo_80, hi_80, lo_95, hi_95 : numpy.ndarray
        One value per quarter ahead. Intervals are NaN when there is too little data to estimate them.
    model : str
        The model actually used, which differs from the one asked for after a fallback.
    note : str
        Plain-English caveats (fallbacks, filled gaps, short series); empty when there are none.
    """

    mean: np.ndarray
    lo_80: np.ndarray
    hi_80: np.ndarray
    lo_95: np.ndarray
    hi_95: np.ndarray
    model: str
    note: str = ""

    def with_note(self, *notes: str) -> ForecastResult:
        """Return a copy with ``notes`` appended to the note."""
        return replace(self, note=_join(self.note, *notes))

    def tail(self, horizon: int) -> ForecastResult:
        """Return a copy holding only the last ``horizon`` steps."""
        arrays = {key: getattr(self, key)[-horizon:] for key in ("mean", "lo_80", "hi_80", "lo_95", "hi_95")}
        return replace(self, **arrays)

    def clipped_at_zero(self) -> ForecastResult:
        """Return a copy with negative values raised to zero, noting it when anything changed.

        Demand counts cannot be negative, but linear models extrapolating a falling trend can go below
        zero. Clipping a quantile at zero gives the same quantile of the count's distribution (which
        has no mass below zero), so the intervals keep their coverage.
        """
        arrays = {key: getattr(self, key) for key in ("mean", "lo_80", "hi_80", "lo_95", "hi_95")}
        if not any(np.any(values < 0) for values in arrays.values()):
            return self
        clipped = {key: np.maximum(values, 0.0) for key, values in arrays.items()}
        return replace(self, **clipped).with_note("negative values clipped to zero (counts cannot be negative)")


class ModelFailure(Exception):
    """A model could not produce a usable forecast; the message completes "<model> ..."."""


def _join(*notes: str) -> str:
    return "; ".join(note for note in notes if note)


def _from_bounds(model: str, mean, lo_80, hi_80, lo_95, hi_95, note: str = "") -> ForecastResult:
    arrays = [np.asarray(values, dtype=float) for values in (mean, lo_80, hi_80, lo_95, hi_95)]
    if not all(np.isfinite(values).all() for values in arrays):
        raise ModelFailure("produced non-finite forecasts")
    return ForecastResult(*arrays, model=model, note=note)


# Models ------------------------------------------------------------------------------------------


def _seasonal_naive(y: np.ndarray, steps: int) -> ForecastResult:
    """Repeat the last season; with fewer than two seasons, repeat the last value (naive)."""
    n = len(y)
    season, model, notes = SEASON_LENGTH, BASELINE, []
    if n < 2 * SEASON_LENGTH:
        season, model = 1, "naive"
        notes.append(f"only {n} quarters (fewer than two years), so the last value is carried forward")
    ahead = np.arange(steps)
    mean = y[n - season + ahead % season]
    residuals = y[season:] - y[:-season]
    if residuals.size == 0:
        nan = np.full(steps, np.nan)
        notes.append("too few quarters to estimate the uncertainty")
        return ForecastResult(mean, nan, nan, nan, nan, model=model, note=_join(*notes))
    if not residuals.any():
        notes.append("the series does not vary, so the intervals have zero width")
    # Root mean square rather than standard deviation: a drift the baseline ignores is part of its error.
    sigma = np.sqrt(np.mean(residuals**2))
    seasons_ahead = ahead // season + 1
    spread = sigma * np.sqrt(seasons_ahead)
    # Student t with one degree of freedom per residual: with 4-16 residuals the normal is too narrow.
    z_80, z_95 = stats.t.ppf([0.9, 0.975], df=residuals.size)
    return ForecastResult(
        mean,
        mean - z_80 * spread,
        mean + z_80 * spread,
        mean - z_95 * spread,
        mean + z_95 * spread,
        model=model,
        note=_join(*notes),
    )


def _simple_initial_states(y: np.ndarray, seasonal: bool) -> dict:
    """Initial level, trend and seasonal states from the first two seasons (Hyndman & Athanasopoulos 7.6)."""
    m = SEASON_LENGTH
    if not seasonal:
        return {"initial_level": y[0], "initial_trend": y[1] - y[0]}
    level = y[:m].mean()
    return {
        "initial_level": level,
        "initial_trend": (y[m : 2 * m].mean() - level) / m,
        "initial_seasonal": y[:m] - level,
    }


def _ets(y: np.ndarray, steps: int) -> ForecastResult:
    """ETS(A,Ad,A), or ETS(A,Ad,N) with fewer than two full seasons."""
    n = len(y)
    seasonal = n >= 2 * SEASON_LENGTH
    spec = {"error": "add", "trend": "add", "damped_trend": True}
    if seasonal:
        spec |= {"seasonal": "add", "seasonal_periods": SEASON_LENGTH}
    # Initial states are fixed, not estimated: estimating nine parameters from 8-13 points overfits and
    # gives intervals far too narrow, and it is five times slower.
    if seasonal and n >= 10 + SEASON_LENGTH:
        spec["initialization_method"] = "heuristic"
    else:
        spec |= {"initialization_method": "known", **_simple_initial_states(y, seasonal)}
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    # A pandas Series, not an array: statsmodels 0.15's ETS get_prediction fails on bare arrays.
    fit = ETSModel(pd.Series(y), **spec).fit(disp=False, maxiter=ETS_MAXITER)
    if not (fit.mle_retvals or {}).get("converged", True):
        raise ModelFailure("did not converge")
    prediction = fit.get_prediction(start=n, end=n + steps - 1)
    mean = np.asarray(prediction.predicted_mean)
    # statsmodels scales the forecast variance by the in-sample MSE, which ignores the fitted
    # parameters, and uses normal quantiles: on 12-20 points that gave 60-70% coverage for a nominal
    # 80%. Dividing by the residual degrees of freedom and using Student t brings it back to nominal.
    dof = n - fit.df_model
    if dof < 2:
        raise ModelFailure("has too few quarters to estimate its uncertainty")
    spread = np.sqrt(np.asarray(prediction.forecast_variance) * n / dof)
    z_80, z_95 = stats.t.ppf([0.9, 0.975], df=dof)
    return _from_bounds(
        "ets",
        mean,
        mean - z_80 * spread,
        mean + z_80 * spread,
        mean - z_95 * spread,
        mean + z_95 * spread,
        note="" if seasonal else "ETS fitted without seasonality (fewer than two years of data)",
    )


def _sarimax(y: np.ndarray, steps: int) -> ForecastResult:
    """SARIMA(1,1,0)(0,1,1)4 with three seasons or more, otherwise ARIMA(1,1,0)."""
    seasonal = len(y) >= 3 * SEASON_LENGTH
    seasonal_order = (0, 1, 1, SEASON_LENGTH) if seasonal else (0, 0, 0, 0)
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    # Bare arrays carry no dates, so statsmodels raises no ValueWarning about a missing frequency.
    model = SARIMAX(y, order=(1, 1, 0), seasonal_order=seasonal_order, concentrate_scale=True)
    # cov_type="none" skips the numerical Hessian (forecast intervals do not use it); the looser
    # tolerances halve the time and move forecasts by well under 1% of the noise.
    fit = model.fit(disp=False, maxiter=SARIMAX_MAXITER, cov_type="none", factr=1e10, pgtol=1e-3)
    if not (fit.mle_retvals or {}).get("converged", True):
        raise ModelFailure("did not converge")
    forecast = fit.get_forecast(int(steps))  # a numpy integer would be read as an end label
    bounds_80 = forecast.conf_int(alpha=0.2)
    bounds_95 = forecast.conf_int(alpha=0.05)
    return _from_bounds(
        "sarimax",
        forecast.predicted_mean,
        bounds_80[:, 0],
        bounds_80[:, 1],
        bounds_95[:, 0],
        bounds_95[:, 1],
        note="" if seasonal else "SARIMAX fitted without seasonality (fewer than three years of data)",
    )


_FITTERS: dict[str, Callable[[np.ndarray, int], ForecastResult]] = {"ets": _ets, "sarimax": _sarimax}


def _guarded_fit(name: str, y: np.ndarray, steps: int) -> ForecastResult:
    """Run one statsmodels fit with its warnings captured; raise ModelFailure instead of crashing."""
    if len(y) < MIN_POINTS[name]:
        raise ModelFailure(f"needs at least {MIN_POINTS[name]} quarters (got {len(y)})")
    if np.ptp(y) == 0:
        raise ModelFailure("was not fitted because the series is constant")
    with warnings.catch_warnings(record=True) as caught:
        # Captures ConvergenceWarning, EstimationWarning, ValueWarning and RuntimeWarning alike.
        warnings.simplefilter("always")
        try:
            result = _FITTERS[name](y, steps)
        except ModelFailure:
            raise
        except Exception as error:  # statsmodels raises many types (LinAlgError, ValueError, ...)
            raise ModelFailure(f"failed ({type(error).__name__})") from error
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    if any(issubclass(warning.category, ConvergenceWarning) for warning in caught):
        raise ModelFailure("did not converge")
    return result


def _clean(y: np.ndarray) -> tuple[np.ndarray, int, list[str]]:
    """Drop leading/trailing gaps and interpolate inner ones; return values, trailing gaps and notes."""
    y = np.asarray(y, dtype=float).ravel()
    observed = np.flatnonzero(np.isfinite(y))
    if observed.size == 0:
        return np.empty(0), 0, []
    first, last = int(observed[0]), int(observed[-1])
    values = y[first : last + 1].copy()
    missing = ~np.isfinite(values)
    notes = []
    if missing.any():
        positions = np.arange(values.size)
        values[missing] = np.interp(positions[missing], positions[~missing], values[~missing])
        notes.append(f"{missing.sum()} missing value(s) filled by linear interpolation")
    if first:
        notes.append(f"{first} leading missing value(s) ignored")
    trailing = len(y) - 1 - last
    if trailing:
        notes.append(f"the last {trailing} value(s) are missing, so the forecast runs on from before them")
    return values, trailing, notes


def _fit_with_fallback(name: str, y: np.ndarray, horizon: int) -> ForecastResult:
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1, got {horizon}")
    values, trailing, notes = _clean(y)
    if values.size == 0:
        nan = np.full(horizon, np.nan)
        return ForecastResult(nan, nan, nan, nan, nan, model=name, note="no observed values, so no forecast")
    steps = horizon + trailing
    failures = []
    current = name
    while current != BASELINE:
        try:
            result = _guarded_fit(current, values, steps)
            break
        except ModelFailure as failure:
            failures.append(f"{LABELS[current]} {failure}")
            current = FALLBACK[current]
    else:
        result = _seasonal_naive(values, steps)
    if failures:
        failures.append(f"used {LABELS[result.model]} instead")
    return replace(result, note=_join(*failures, result.note, *notes)).tail(horizon)


def seasonal_naive(y: np.ndarray, horizon: int) -> ForecastResult:
    """Seasonal-naive baseline: each quarter repeats the same quarter of the last year.

    Intervals come from the spread of the year-on-year differences and widen with the square root
    of the number of years ahead. With fewer than two years the last value is carried forward instead.

    Parameters
    ----------
    y : numpy.ndarray
        Quarterly history, oldest first; NaN marks a missing quarter.
    horizon : int
        Number of quarters to forecast.

    Returns
    -------
    ForecastResult
    """
    return _fit_with_fallback(BASELINE, y, horizon)


def ets(y: np.ndarray, horizon: int) -> ForecastResult:
    """Exponential smoothing with additive errors, damped trend and (from two years) seasonality.

    Falls back to :func:`seasonal_naive` (and says so in ``note``) on failure or a constant series.
    Parameters and return value as :func:`seasonal_naive`.
    """
    return _fit_with_fallback("ets", y, horizon)


def sarimax(y: np.ndarray, horizon: int) -> ForecastResult:
    """SARIMA(1,1,0)(0,1,1)4, or ARIMA(1,1,0) with fewer than three years of data.

    Falls back to :func:`ets`, then :func:`seasonal_naive`, and says so in ``note``.
    Parameters and return value as :func:`seasonal_naive`.
    """
    return _fit_with_fallback("sarimax", y, horizon)


MODELS: dict[str, Callable[[np.ndarray, int], ForecastResult]] = {
    "seasonal_naive": seasonal_naive,
    "ets": ets,
    "sarimax": sarimax,
}


def get_model(name: str) -> Callable[[np.ndarray, int], ForecastResult]:
    """Look up a model's ``fit_predict`` by name, failing with the known names."""
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(f"unknown forecast model {name!r}; known models: {', '.join(MODELS)}") from None
