"""The committee themes' first two sections: direct payments, and the workforce.

Each lays out the objects the dashboard's pages show (``dashboard.present.direct_payments`` and
``dashboard.present.workforce``): the same sentences, charts and tables, already suppressed, so the pack
and the screen cannot disagree. Satisfaction and outcomes are in :mod:`dashboard.pack.satisfaction`; the
provider KPI summary and the demand outlook in :mod:`dashboard.pack.outlook`.
"""

from __future__ import annotations

from dashboard.pack.content import Note, Paragraph, Scope, Section
from dashboard.present.direct_payments import direct_payments as dp_theme
from dashboard.present.direct_payments import dp_quarter
from dashboard.present.workforce import pa_quarter
from dashboard.present.workforce import workforce as workforce_theme


def direct_payments(scope: Scope) -> Section:
    theme = dp_theme(scope.wh, scope.code, scope.period, scope.area)
    section = Section("direct-payments", "Direct payments", scope.line)
    if theme is None:
        section.add(Paragraph(dp_quarter(scope.wh, scope.period).note, emphasis=True))
        return section
    summary = theme.summary
    if summary.lag:
        section.add(Paragraph(summary.lag, emphasis=True))
    section.add(Paragraph(summary.sentence, emphasis=True), Paragraph(theme.rating))
    if theme.trajectory:
        section.add(theme.trajectory)
    section.add(
        Paragraph(summary.people),
        Paragraph(summary.comparators),
        *([theme.furthest] if theme.furthest else []),
        theme.uptake_chart,
        Note(theme.uptake_chart.how_to_read),
        theme.area_table,
        theme.funnel_note,
        theme.disclosure_note,
    )
    if theme.isf_sentence:
        section.add(theme.isf_heading, theme.isf_sentence)
    return section


def workforce(scope: Scope) -> Section:
    theme = workforce_theme(scope.wh, scope.code, scope.period, scope.area)
    section = Section("workforce", "Workforce: Personal Assistants and micro-enterprises", scope.line)
    if theme is None:
        section.add(Paragraph(pa_quarter(scope.wh, scope.period).note, emphasis=True))
        return section
    if theme.lag:
        section.add(Paragraph(theme.lag, emphasis=True))
    if theme.verdict:
        section.add(theme.verdict)
    section.add(
        theme.payroll,
        theme.pa_chart,
        Note(theme.pa_chart.how_to_read),
        theme.area_table,
        theme.area_note,
        theme.disclosure_note,
    )
    if theme.cme_sentence:
        section.add(theme.cme_heading, theme.cme_sentence)
    return section
