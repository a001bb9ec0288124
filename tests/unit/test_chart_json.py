"""Every chart builder's figure, as the browser receives it, is exactly what it was before the builders were
made faster (laying figures out without re-validating the template each time, issue 14).

``snapshots/chart_json.json`` holds each figure's JSON built from the small frames below. A change to a chart's
look is meant to change it: look at the chart, then write the file again with
``python -m tests.unit.test_chart_json`` and say in the commit what changed.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
import pytest

from dashboard import charts
from dashboard.charts import demand as demand_charts
from dashboard.charts import kpi as kpi_charts
from models.funnel import funnel_curve
from models.scenarios import Levers, ScenarioResult

SNAPSHOT = Path(__file__).parent / "snapshots" / "chart_json.json"
QUARTERS = [f"{2018 + y}/{19 + y} Q{q}" for y in range(5) for q in range(1, 5)]  # 2018/19 Q1 .. 2022/23 Q4
YEARS = [f"{2025 + y}/{26 + y}" for y in range(8)]


def _uptake() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "period": QUARTERS * 2,
            "area": ["Fenland"] * 20 + ["Cambridge"] * 20,
            "uptake": [15.0 + i / 10 for i in range(20)] + [23.0 - i / 7 for i in range(20)],
        }
    )


def _spc_table(periods: int = 20, split: int | None = 12) -> pl.DataFrame:
    values = [50.0 + (i % 5) - (8 if i == 7 else 0) + (6 if split and i >= split else 0) for i in range(periods)]
    period = [1 if split and i >= split else 0 for i in range(periods)]
    return pl.DataFrame(
        {
            "value": values,
            "centre": [56.0 if p else 51.0 for p in period],
            "lower": [50.0 if p else 45.0 for p in period],
            "upper": [62.0 if p else 57.0 for p in period],
            "variation": ["concern" if i == 7 else "improvement" if i == 19 else "common" for i in range(periods)],
            "period": period,
        }
    )


def _scenario(central: float) -> ScenarioResult:
    rows = []
    for code in ("E10000003", "E07000010"):
        for measure, scale in (("people_supported", 1.0), ("dp_share_pct", 0.01), ("pas_needed", 0.3)):
            for i, year in enumerate(YEARS):
                value = central * scale * (1 + i / 50)
                rows.append((code, year, measure, value, value * 0.9, value * 1.1, value * 0.8, value * 1.2))
        for i, year in enumerate(YEARS):
            rows.append((code, year, "pas_expected", 1000 - 10 * i, 950 - 10 * i, 1050 - 10 * i, 900.0, 1100.0))
    table = pl.DataFrame(
        rows, schema=["locality_code", "year", "measure", "central", "lo_80", "hi_80", "lo_95", "hi_95"], orient="row"
    )
    return ScenarioResult(Levers(), table)


def _funnel_table() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "unit": ["Cambridge", "Fenland", "Huntingdonshire", "East Cambridgeshire"],
            "denominator": [400, 150, 420, 90],
            "proportion": [0.24, 0.12, 0.26, 0.2],
            "position": ["Within 95% limits", "Below 99.8% limits", "Within 95% limits", "Within 95% limits"],
            "p0": [0.22] * 4,
        }
    )


def builders() -> dict[str, Callable[[], go.Figure]]:
    """Each builder called on fixed frames, not yet run (the names are the snapshot's keys; benchmarks/charts.py
    times them)."""
    uptake = _uptake()
    forecasts = pl.DataFrame(
        {
            "role": ["chosen"] * 8 + ["baseline"] * 4,
            "period": [f"2023/24 Q{q}" for q in range(1, 5)]
            + [f"2024/25 Q{q}" for q in range(1, 5)]
            + [f"2023/24 Q{q}" for q in range(1, 5)],
            "model": ["ets"] * 8 + ["snaive"] * 4,
            "mean": [100.0 + i for i in range(8)] + [99.0] * 4,
            "lo_80": [95.0 + i for i in range(8)] + [0.0] * 4,
            "hi_80": [105.0 + i for i in range(8)] + [0.0] * 4,
            "lo_95": [90.0 + i for i in range(8)] + [0.0] * 4,
            "hi_95": [110.0 + i for i in range(8)] + [0.0] * 4,
        }
    )
    history = pl.DataFrame({"period": QUARTERS, "value": [80.0 + i for i in range(20)]})
    kpi_table = (
        _spc_table(split=None)
        .drop("period")
        .with_columns(
            period=pl.Series(QUARTERS),
            limits_period=pl.lit(0),
            target=pl.Series([None] * 10 + [55.0] * 10, dtype=pl.Float64),
            value_status=pl.Series(["reported"] * 18 + ["missing return", "reported"]),
        )
    )
    funnel = _funnel_table()
    baseline, prevention = _scenario(4000.0), _scenario(3800.0)
    return {
        "trend_lines": lambda: charts.trend_lines(
            uptake, "period", "uptake", "area", "Uptake by area", "Uptake", 25.0, "Target 25% (higher is better)", "%"
        ),
        "trend_lines_highlight": lambda: charts.trend_lines(
            uptake, "period", "uptake", "area", "Uptake", "Uptake", highlight="Fenland"
        ),
        "bars": lambda: charts.bars(
            uptake.head(6),
            "period",
            "uptake",
            "New ISFs in each quarter of the year",
            "ISFs",
            target=18.0,
            target_label="Plan 18 a quarter (higher is better)",
            text_format=",.0f",
        ),
        "spc_chart": lambda: charts.spc_chart(
            QUARTERS,
            _spc_table(),
            "DPSS satisfaction, with its limits recalculated at the change",
            "Per cent",
            "%",
            target=65.0,
            target_label="Target 65% (higher is better)",
            breaks=(("2021/22 Q1", "Query backlog"),),
        ),
        "interval_chart": lambda: charts.interval_chart(
            pl.DataFrame(
                {
                    "q": QUARTERS[:6],
                    "pct": [60.0, 62.0, 55.0, None, 58.0, 70.0],
                    "lo": [50.0, 52.0, 45.0, None, 48.0, 61.0],
                    "hi": [70.0, 72.0, 65.0, None, 68.0, 79.0],
                    "sig": [False, False, True, False, False, True],
                }
            ),
            "q",
            "pct",
            "lo",
            "hi",
            "Satisfied",
            "Per cent",
            flagged="sig",
            target=65.0,
            target_label="Target 65%",
        ),
        "funnel_chart": lambda: charts.funnel_chart(
            funnel, funnel_curve(0.22, 45, 630), "DP uptake by district", "Adults supported", "Per cent", 0.22
        ),
        "forecast_fan": lambda: demand_charts.forecast_fan(
            history, forecasts, "People supported", "People", "2023/24 Q4"
        ),
        "scenario_fan": lambda: demand_charts.scenario_fan(
            {"Baseline": baseline, "Prevention": prevention},
            "E10000003",
            "people_supported",
            "People supported: the two scenarios",
            wide_band=True,
        ),
        "scenario_fan_pct": lambda: demand_charts.scenario_fan(
            {"Baseline": baseline}, "E07000010", "dp_share_pct", "DP uptake"
        ),
        "workforce_chart": lambda: demand_charts.workforce_chart(baseline, "E10000003", "PAs needed and expected"),
        "projection_chart": lambda: demand_charts.projection_chart(
            pl.DataFrame(
                {
                    "year": YEARS[:4] * 2,
                    "series": ["All adults"] * 4 + ["65+"] * 4,
                    "expected_people": [4000.0, 4100.0, 4200.0, None, 3000.0, 3100.0, 3200.0, 3300.0],
                }
            ),
            "Expected people needing support",
        ),
        "kpi_spc_figure": lambda: kpi_charts.kpi_spc_figure(
            kpi_table, "Missed visits", "percent", "Target (lower is better)", hidden_note="2 values hidden"
        ),
        "kpi_funnel_figure": lambda: kpi_charts.kpi_funnel_figure(funnel, "Visits on time", "2022/23 Q4", "Visits"),
        "rag_bars_figure": lambda: kpi_charts.rag_bars_figure(
            ["Home care A", "Home care B"],
            {"green": [3, 1], "amber": [1, 0], "red": [0, 2], "none": [1, 1]},
            "KPIs by rating",
        ),
    }


@functools.cache
def _figures() -> dict[str, go.Figure]:
    return {name: build() for name, build in builders().items()}


def _as_sent(fig: go.Figure) -> dict:
    """The figure as st.plotly_chart sends it to the browser (plotly.io.to_json of its dict)."""
    return json.loads(pio.to_json(fig.to_dict(), validate=False))


@pytest.mark.parametrize("name", sorted(_figures()))
def test_each_chart_is_sent_to_the_browser_exactly_as_before(name):
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))[name]
    assert _as_sent(_figures()[name]) == expected


def test_the_snapshot_covers_every_builder_and_draws_what_a_reader_sees():
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert sorted(snapshot) == sorted(_figures())
    fan = snapshot["scenario_fan"]
    assert fan["layout"]["title"]["text"] == "People supported: the two scenarios"
    assert [t.get("name") for t in fan["data"] if t.get("mode") == "lines+markers"] == ["Baseline", "Prevention"]
    # Every figure carries the product's slim white template, as the browser draws it.
    assert all(f["layout"]["template"]["layout"]["plot_bgcolor"] == "white" for f in snapshot.values())


if __name__ == "__main__":
    SNAPSHOT.write_text(
        json.dumps({name: _as_sent(fig) for name, fig in _figures().items()}, indent=1, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {SNAPSHOT}")
