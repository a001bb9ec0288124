"""The pack's demand outlook: the forecast of people in long-term community support and population-driven demand.

It lays out the objects the Demand and scenarios page shows (:mod:`dashboard.present.demand`): the same
sentences, charts and tables, already suppressed. The forecasts start from the latest quarter loaded (that
is when they were fitted), whichever quarter the pack is for.
"""

from __future__ import annotations

from dashboard.pack.content import Heading, Note, Paragraph, Scope, Section

FORECAST_MEASURE = "people_supported"


def demand_outlook(scope: Scope) -> Section:
    from dashboard.present import demand  # imported when needed: the scenario engine brings scipy, seconds to load

    section = Section("demand-outlook", "Demand outlook", f"{scope.area}, from the latest quarter loaded")
    missing = demand.missing_tables(scope.wh)
    if missing:
        section.add(Paragraph(missing))
        return section
    forecast = demand.forecast(scope.wh, scope.code, scope.period, scope.area, FORECAST_MEASURE)
    section.add(Heading("Forecast"), forecast.sentence, *([forecast.path] if forecast.path else []))
    section.add(*(b for b in (forecast.accuracy, forecast.start_note) if b is not None))
    if forecast.chart:
        section.add(forecast.chart, Note(forecast.chart.how_to_read), forecast.next_year)
    projection = demand.projection(scope.wh, scope.code, scope.area)
    if projection:
        section.add(
            Heading("Population-driven demand", new_page=True),
            projection.sentence,
            projection.chart,
            Note(projection.chart.how_to_read),
        )
    return section
