"""Which area a click on a chart picks: a funnel point's label, or the name of the line clicked."""

from __future__ import annotations

import plotly.graph_objects as go

from dashboard.shell.components import area_clicked

AREAS = {"Fenland": "E07000010", "Cambridge": "E07000008", "Cambridgeshire (all)": "E10000003"}


def test_a_funnel_point_is_picked_by_its_label_not_its_trace_name():
    fig = go.Figure(
        [
            go.Scatter(x=[1, 2], y=[1, 2], name="95% limits"),
            go.Scatter(x=[10, 20], y=[5, 6], text=["Cambridge", "Fenland"], name="Areas"),
        ]
    )
    assert area_clicked(fig, [{"curve_number": 1, "point_index": 1, "x": 20, "y": 6}], AREAS) == "E07000010"


def test_a_line_is_picked_by_its_name_and_other_lines_or_limits_pick_nothing():
    fig = go.Figure([go.Scatter(x=["Q1", "Q2"], y=[1, 2], name=n) for n in ("Target 25.0%", "Cambridge")])
    assert area_clicked(fig, [{"curve_number": 1, "point_index": 0}], AREAS) == "E07000008"
    assert area_clicked(fig, [{"curve_number": 0, "point_index": 0}], AREAS) is None
    assert area_clicked(fig, [], AREAS) is None
