"""Issue 14's "Statistics that mislead today", checked on the demo as the pages read it (through the presenters).

- DP uptake no longer reads "Concern (unusually low)" while rising: the 2024/25 ASCOF series break starts a new
  period, and its latest quarter is within the usual variation.
- The DPSS "very good" chart no longer marks the 14 quarters before the 75% -> 45% drop as improvement: the drop is
  a declared change point, and each side has its own limits.
- Active PAs rise every quarter: the reading says it is a trend (direction of travel), not an unusually high point.
- A survey change on 3/3 -> 0/2 is never called real (below the minimum base; Fisher's exact test in any case).
- Demand has one answer: the forecast, the population-driven figure and the scenario baseline agree.
"""

from __future__ import annotations

import pytest

from dashboard.present import demand
from dashboard.present.direct_payments import direct_payments
from dashboard.present.satisfaction import satisfaction_outcomes
from dashboard.present.spc import spc_figure
from dashboard.present.workforce import workforce
from dashboard.queries import Warehouse
from models.spc import change_positions, spc_chart
from models.survey import compare_proportions

COUNTY, AREA, PERIOD = "E10000003", "Cambridgeshire (all)", "2024/25 Q4"


def assessed(view):
    starts = change_positions(view.periods, [start for start, _ in view.change_points])
    return spc_chart(view.values, view.higher_is_better, target=view.target, change_points=starts)


@pytest.fixture(scope="module")
def wh(demo_env):
    return Warehouse(demo_env)


def test_dp_uptake_is_not_a_concern_while_rising(wh):
    view = direct_payments(wh, COUNTY, PERIOD, AREA).uptake_chart.spc
    recent = view.values[-4:]
    assert recent == sorted(recent) and recent[-1] > recent[0], "the demo's uptake rises through 2024/25"
    result = assessed(view)
    assert result.variation == "common_cause"
    latest_period = result.table.filter(result.table["index"] >= view.periods.index("2024/25 Q1"))
    assert "concern" not in latest_period["variation"].to_list()
    assert "Concern" not in spc_figure(view)[1]


def test_dpss_quarters_before_the_drop_are_not_improvement(wh):
    view = satisfaction_outcomes(wh, COUNTY, PERIOD, AREA).dpss.chart.spc
    drop = view.periods.index("2023/24 Q3")
    assert view.values[drop - 1] >= 70 and view.values[drop] <= 50, "the demo's 75% -> 45% drop"
    assert ("2023/24 Q3", "Query backlog at the support service") in view.change_points
    before = assessed(view).table["variation"].to_list()[:drop]
    assert len(before) == 14 and "improvement" not in before


def test_a_rising_pa_register_is_read_as_a_trend(wh):
    view = workforce(wh, COUNTY, PERIOD, AREA).pa_chart.spc
    reading = spc_figure(view)[1]
    assert "a sustained trend, not chance" in reading and "direction of travel" in reading


def test_three_of_three_then_none_of_two_is_not_called_real():
    result = compare_proportions(3, 3, 0, 2, min_base=30)
    assert not result.significant


def test_demand_has_one_answer(wh):
    path = demand.demand_path(wh, COUNTY, AREA)
    forecast = demand.forecast(wh, COUNTY, PERIOD, AREA)
    projection = demand.projection(wh, COUNTY, AREA)
    joint = path.joint
    # The forecast tab's year-ahead figure is the path's; the projection's 2031/32 figure is the path's.
    assert forecast.metric.value == f"{path.at('2025/26 Q4')['mean']:,.0f}"
    expected = {m.label: m.value for m in projection.metrics}
    assert expected["Expected at the end of 2031/32"] == f"{path.year_end(2031)['mean']:,.0f}"
    assert forecast.path == projection.path
    assert joint["source"] == "forecast" and path.at("2027/28 Q1")["source"] == "population"
