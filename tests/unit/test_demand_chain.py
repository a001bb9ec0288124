"""The demand chain with worked numbers: the forecast for the near quarters, population-driven beyond, one answer.

Two districts, a base quarter of 2024/25 Q4 and a forecast of eight quarters (to 2026/27 Q4, the joint).
District A's forecast is 100, 101, ..., 107 with a relative spread of 1%, 2%, ..., 8%; district B has none.
Population-driven demand index: A 1.00 (2024), 1.02, 1.05, 1.10, 1.21 (2028); B 1.00, 1.10, 1.20, 1.30, 1.40.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from models.demand_chain import Z, chain_frame, people_path
from models.scenario_levers import Levers
from models.scenarios import BaseState, run_scenario

H = 8


def state(forecast_b: bool = False) -> BaseState:
    mean_a = 100.0 + np.arange(H)
    spread_a = 0.01 * (1 + np.arange(H))
    mean = np.vstack([mean_a, mean_a * 2 if forecast_b else np.full(H, np.nan)])
    spread = np.vstack([spread_a, spread_a if forecast_b else np.full(H, np.nan)])
    two = np.array([1.0, 1.0])
    return BaseState(
        base_period="2024/25 Q4",
        codes=("A", "B"),
        names=("District A", "District B"),
        county_code="C",
        county_name="County",
        people=np.array([98.0, 50.0]),
        dp_recipients=np.array([20.0, 10.0]),
        isf_people=two,
        dp_hours_per_person=two * 10,
        other_hours_per_person=two * 8,
        cme_hours=two,
        active_pas=np.array([30.0, 15.0]),
        pa_recruits=np.array([5.0, 3.0]),
        forecast={"people_supported": (mean, spread)},
        index_years=(2024, 2025, 2026, 2027, 2028),
        demand_index=np.array([[1.0, 1.02, 1.05, 1.10, 1.21], [1.0, 1.10, 1.20, 1.30, 1.40]]),
    )


def test_the_joint_is_the_forecasts_last_quarter_and_beyond_it_demand_grows_with_the_population():
    mean, spread, joint = people_path(state(), 16, drift_pct=2.0)
    assert joint.tolist() == [8, 0]  # B has no forecast: it follows the population from today's count
    assert mean[0, 0] == 98  # today, recorded
    assert mean[0, 1:9].tolist() == [100, 101, 102, 103, 104, 105, 106, 107]  # the forecast, unchanged
    assert mean[0, 8] == 107  # the joint equals the forecast's last quarter (2026/27 Q4)
    # 2027/28 Q4 (h = 12): 107 x index(2027) / index(2026) = 107 x 1.10 / 1.05
    assert mean[0, 12] == pytest.approx(107 * 1.10 / 1.05)
    # 2028/29 Q4 (h = 16): 107 x 1.21 / 1.05
    assert mean[0, 16] == pytest.approx(107 * 1.21 / 1.05)
    # Quarters between year ends step in a straight line: 2027/28 Q2 is half-way from 1.05 to 1.10.
    assert mean[0, 10] == pytest.approx(107 * 1.075 / 1.05)
    # B: 50 today, x 1.10 at the end of 2025/26, x 1.20 at the end of 2026/27.
    assert mean[1, 4] == pytest.approx(50 * 1.10)
    assert mean[1, 8] == pytest.approx(50 * 1.20)


def test_ranges_widen_steadily_across_the_joint_and_never_collapse():
    _, spread, _ = people_path(state(), 16, drift_pct=2.0)
    assert spread[0, 8] == pytest.approx(0.08)  # the forecast's own spread at the joint
    # One quarter on: sqrt(0.08^2 x 9/8 + 0.02^2 x 1/4) = 0.0854
    assert spread[0, 9] == pytest.approx(math.sqrt(0.08**2 * 9 / 8 + 0.02**2 / 4))
    assert spread[0, 9] == pytest.approx(0.0854, abs=1e-4)
    assert np.all(np.diff(spread[0]) > 0), "the range must grow every quarter, across the joint too"
    # Without drift the forecast's error simply continues like a random walk's: 0.08 x sqrt(16 / 8).
    _, no_drift, _ = people_path(state(), 16, drift_pct=0.0)
    assert no_drift[0, 16] == pytest.approx(0.08 * math.sqrt(2))


def test_no_growth_variant_holds_the_joint():
    mean, _, _ = people_path(state(), 16, drift_pct=2.0, variant="no_growth")
    assert mean[0, 9:].tolist() == [107.0] * 8


def test_county_is_the_sum_of_its_districts_bounds_included():
    frame = chain_frame(state(forecast_b=True), 16, drift_pct=2.0)
    at = {(r["locality_code"], r["period"]): r for r in frame.iter_rows(named=True)}
    a, b, county = (at[(code, "2026/27 Q4")] for code in ("A", "B", "C"))
    assert county["mean"] == pytest.approx(107 + 214)
    assert county["source"] == "forecast" and county["joint_period"] == "2026/27 Q4"
    assert a["lo_80"] == pytest.approx(107 * math.exp(-Z[80] * 0.08))
    assert county["hi_95"] == pytest.approx(a["hi_95"] + b["hi_95"])
    assert at[("C", "2027/28 Q1")]["source"] == "population"
    assert at[("C", "2024/25 Q4")]["source"] == "recorded" and at[("C", "2024/25 Q4")]["mean"] == 98 + 50


@pytest.mark.parametrize("year, end", [("2025/26", 4), ("2026/27", 8), ("2027/28", 12), ("2028/29", 16)])
def test_the_scenario_baseline_at_year_y_is_the_chain_at_y(year, end):
    base = state()
    result = run_scenario(base, Levers(), years=4)
    frame = chain_frame(base, 16, drift_pct=Levers().uncertainty_drift_pct)
    period = f"{year} Q4"
    chain = frame.filter(pl.col("period") == period)
    for code in ("A", "B", "C"):
        row = chain.filter(pl.col("locality_code") == code).row(0, named=True)
        assert result.value(code, year, "people_supported") == pytest.approx(row["mean"])
        # The engine's simulated range agrees with the chain's closed form (1,000 stratified draws).
        assert result.value(code, year, "people_supported", "hi_80") == pytest.approx(row["hi_80"], rel=2e-3)
