"""Change points in provider-KPI SPC: a new provider (read from the returns) or a ``[[change_points]]`` entry for a KPI
(a contract start; provider optional) recalculates that contract's limits, drawn as separate periods.

Worked series: 12 quarters from 2022/23 Q1 of one KPI, "calls answered within a minute" (percent, higher is better).
Six quarters from Fen Care at 60, 62, 58, 61, 59, 60 (mean 60), then six from Ely Care at 80, 82, 78, 81, 79, 80
(mean 80). On one set of limits the jump reads as special cause; with a period for each provider, the second
period's mean is 80 and its limits 80 +/- 2.66 x 2.4 (moving ranges 2, 4, 3, 2, 1: mean 2.4; 2.66 x 2.4 = 6.384).
"""

from __future__ import annotations

import polars as pl
import pytest

from dashboard.present.provider_kpis import build_review, kpi_detail
from models.periods import Quarter, quarters_between
from models.scorecard import kpi_history, provider_changes
from pipelines.config import ChangePoint, ConfigError, Settings
from pipelines.registry import kpi_change_points

QUARTERS = quarters_between(Quarter(2022, 1), Quarter(2024, 4))
VALUES = [60, 62, 58, 61, 59, 60, 80, 82, 78, 81, 79, 80]


def series(providers: list[str] | None = None) -> pl.DataFrame:
    providers = providers or ["Fen Care"] * 6 + ["Ely Care"] * 6
    return pl.DataFrame(
        [
            {
                "contract_id": "HC-09",
                "provider": providers[i],
                "contract_type": "home_care",
                "kpi_code": "hc_calls",
                "kpi_name": "Calls answered within a minute",
                "unit": "percent",
                "higher_is_better": True,
                "calculation": "reported",
                "catalogue_order": 1,
                "period": q.label,
                "sort_key": q.start_year * 4 + q.number,
                "target": 70.0,
                "amber_tolerance": 5.0,
                "target_from": None,
                "numerator": None,
                "denominator": None,
                "reported_value": float(VALUES[i]),
                "value": float(VALUES[i]),
                "value_status": "reported",
                "value_differs_from_calculation": False,
                "comment": None,
                "submissions": 1,
                "previous_submission_value": None,
            }
            for i, q in enumerate(QUARTERS)
        ]
    )


def review(frame: pl.DataFrame, declared=None):
    return build_review(
        "HC-09", "Ely Care", "home_care", "2024/25 Q4", {"timeliness": "on_time"}, frame, 5, declared=declared
    )


def test_a_new_provider_is_read_from_the_returns():
    assert provider_changes(series()) == [("2023/24 Q3", "New provider: Ely Care")]
    assert provider_changes(series(["Fen Care"] * 12)) == []


def test_limits_start_afresh_at_the_change_point():
    one = kpi_history(series(), "hc_calls", "2024/25 Q4")
    assert one.table["limits_period"].unique().to_list() == [0]
    two = kpi_history(series(), "hc_calls", "2024/25 Q4", change_points=["2023/24 Q3"])
    after = two.table.filter(pl.col("limits_period") == 1)
    assert after["period"][0] == "2023/24 Q3" and after.height == 6
    assert after["centre"][0] == pytest.approx(80.0)
    assert after["upper"][0] == pytest.approx(80 + 2.66 * 2.4)
    assert after["lower"][0] == pytest.approx(80 - 2.66 * 2.4)
    before = two.table.filter(pl.col("limits_period") == 0)
    assert before["centre"][0] == pytest.approx(60.0)
    # Without the change point the jump to Ely Care is special cause; with it, the latest quarter is common cause.
    assert one.table["variation"][-1] == "improvement"
    assert two.table["variation"][-1] == "common_cause"


def test_the_review_draws_each_provider_s_period_apart():
    detail = kpi_detail(review(series()), "hc_calls")
    figure = detail.chart.figure
    notes = [a.text for a in figure.layout.annotations]
    assert "From 2023/24 Q3: New provider: Ely Care" in notes
    assert len([s for s in figure.layout.shapes if s.line.dash == "dashdot"]) == 1  # one break, not one a quarter
    means = {row[0]: row[3] for row in detail.chart.table.rows}
    assert means["2024/25 Q4"] == "80.0%" and means["2022/23 Q1"] == "60.0%"
    assert "Common cause" in detail.summary.text or "common cause" in detail.summary.text.lower()


def test_one_set_of_limits_draws_no_break():
    detail = kpi_detail(review(series(["Ely Care"] * 12)), "hc_calls")
    assert not [s for s in detail.chart.figure.layout.shapes if s.line.dash == "dashdot"]


def test_a_declared_contract_start_recalculates_the_limits():
    frame = series(["Ely Care"] * 12)
    declared = {"hc_calls": [("2023/24 Q3", "Contract start")]}
    detail = kpi_detail(review(frame, declared), "hc_calls")
    assert "From 2023/24 Q3: Contract start" in [a.text for a in detail.chart.figure.layout.annotations]
    means = {row[0]: row[3] for row in detail.chart.table.rows}
    assert means["2024/25 Q4"] == "80.0%"


def test_change_points_for_kpis_come_from_settings_by_code_and_provider():
    settings = Settings(
        change_points=[
            ChangePoint(measure="hc_calls", period="2023/24 Q3", label="Contract start", provider="Ely Care"),
            ChangePoint(measure="hc_calls", period="2024/25 Q1", label="New rota"),
            ChangePoint(measure="dpss_very_good_pct", period="2023/24 Q3", label="Slower responses"),
        ]
    )
    codes = ["hc_calls", "hc_missed"]
    assert kpi_change_points(settings, codes, "hc_calls", "Ely Care") == [
        ("2023/24 Q3", "Contract start"),
        ("2024/25 Q1", "New rota"),
    ]
    assert kpi_change_points(settings, codes, "hc_calls", "Fen Care") == [("2024/25 Q1", "New rota")]
    assert kpi_change_points(settings, codes, "hc_missed", "Ely Care") == []
    wrong = Settings(change_points=[ChangePoint(measure="hc_cals", period="2023/24 Q3")])
    with pytest.raises(ConfigError, match="'hc_cals' is neither in the measure registry nor a KPI code"):
        kpi_change_points(wrong, codes, "hc_calls", "Ely Care")
