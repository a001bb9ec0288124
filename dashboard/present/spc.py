"""An SPC view of a presenter's series: the XmR chart and what it says, in words, computed once here.

Pages draw the figure and print the words; limits are recalculated at the measure's known change points
(``pipelines/registry.py`` and the ``[[change_points]]`` setting) and each period is drawn apart.
"""

from __future__ import annotations

import plotly.graph_objects as go

from dashboard import charts
from dashboard.present.blocks import SpcView
from dashboard.signals import spc_reading
from models.spc import change_positions, spc_chart


def spc_figure(view: SpcView) -> tuple[go.Figure, str]:
    """The XmR chart of ``view`` and a plain-words reading of its latest quarter."""
    result = spc_chart(
        view.values,
        view.higher_is_better,
        target=view.target,
        change_points=change_positions(view.periods, [start for start, _ in view.change_points]),
    )
    fig = charts.spc_chart(
        view.periods,
        result.table,
        view.title,
        view.y_title,
        view.y_suffix,
        view.target,
        view.target_label,
        breaks=view.change_points,
    )
    return fig, spc_reading(result, view.periods, list(view.change_points), view.y_suffix)
