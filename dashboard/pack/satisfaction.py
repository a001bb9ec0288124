"""Satisfaction and outcomes in the committee pack: the same presenter objects as the Satisfaction and
outcomes page (``dashboard.present.satisfaction``), laid out as one section. Layout only."""

from __future__ import annotations

from dashboard.pack.content import Heading, Note, Scope, Section
from dashboard.present.blocks import Chart
from dashboard.present.satisfaction import satisfaction_outcomes as present


def _chart(chart: Chart | None) -> list:
    """A chart and the note on reading it (the page's "how to read"), or nothing."""
    return [chart, Note(chart.how_to_read)] if chart else []


def satisfaction_outcomes(scope: Scope) -> Section:
    page = present(scope.wh, scope.code, scope.period, scope.area)
    section = Section(
        "satisfaction-outcomes", "Satisfaction and outcomes", f"{scope.line}. Higher is better for every measure here."
    )
    dpss, ascs, outcomes = page.dpss, page.ascs, page.outcomes
    section.add(Heading(dpss.heading), *dpss.paragraphs, *_chart(dpss.chart))
    if dpss.by_district:
        section.add(dpss.by_district, dpss.by_district_note)
    section.add(Heading(ascs.heading), *ascs.paragraphs, *_chart(ascs.chart))
    if ascs.chart and ascs.chart.table:
        section.add(ascs.chart.table)
    section.add(Heading(outcomes.heading, new_page=True), *outcomes.paragraphs, *_chart(outcomes.chart))
    section.add(*[t for t in (outcomes.by_area, outcomes.by_reason) if t], page.disclosure_note)
    return section
