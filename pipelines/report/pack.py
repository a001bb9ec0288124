"""Gather the committee pack for one quarter and area from the warehouse.

Everything is read through the dashboard's named queries and judged by the same functions the
Overview uses (``assess_headlines``, ``measure_sentence``), so the pack and the screen never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

import polars as pl

from dashboard import queries
from dashboard.formatting import by_unit, change_by_unit, suppressed
from dashboard.headlines import assess_headlines
from dashboard.narrative import measure_sentence
from dashboard.signals import assurance_label, variation_label
from pipelines.config import Settings
from pipelines.periods import PeriodError, canonical_quarter
from pipelines.report import annex, outlook, satisfaction, themes
from pipelines.report.content import Heading, Note, Pack, Paragraph, RagCell, Scope, Section, Table, period_months


class PackError(ValueError):
    """The pack cannot be made for what was asked (an unknown quarter or area, no warehouse)."""


def resolve_period(text: str | None) -> str:
    """The quarter asked for in its canonical spelling, checked against the warehouse (default: the latest)."""
    available = queries.periods()
    if not text:
        return available[-1]
    try:
        period = canonical_quarter(text)
    except PeriodError as exc:
        raise PackError(str(exc)) from exc
    if period not in available:
        raise PackError(f"No data for {period}: the warehouse holds {available[0]} to {available[-1]}.")
    return period


def resolve_locality(text: str | None, settings: Settings) -> str:
    """An area's GSS code from its code or name (any case); the county when none is given."""
    if not text:
        return settings.council.code
    areas = queries.localities()
    wanted = text.strip().lower()
    for code, name in zip(areas["locality_code"], areas["locality_name"], strict=True):
        if wanted in (code.lower(), name.lower()) or (code == settings.council.code and wanted == "county"):
            return code
    known = ", ".join(f"{n} ({c})" for c, n in zip(areas["locality_code"], areas["locality_name"], strict=True))
    raise PackError(f"Unknown locality '{text}'. Known: {known}.")


def headline_section(scope: Scope) -> Section:
    """Every headline measure with its target and direction, RAG in words, SPC signal and a sentence."""
    frame = queries.headline_measures(scope.code)
    assessments = assess_headlines(frame, scope.period)
    rows = []
    for a in assessments:
        unit, small = a.spec.unit, False
        if unit == "count":
            small = any(v is not None and 0 < v < scope.threshold for v in (a.value, a.year_before))
            value = suppressed(a.value, scope.threshold)
        else:
            value = by_unit(a.value, unit)
        change = "suppressed" if small else change_by_unit(a.change_on_year, unit)
        if a.spec.target is not None:
            direction = "higher is better" if a.spec.higher_is_better else "lower is better"
            target = f"{by_unit(a.spec.target, unit)} ({direction})"
            if a.spec.target_by:
                target = f"{by_unit(a.spec.target, unit)} by {a.spec.target_by} ({direction})"
        elif a.spec.higher_is_better is None:
            target = "No target (context)"
        else:
            target = f"No target ({'higher' if a.spec.higher_is_better else 'lower'} is better)"
        rows.append(
            [
                a.spec.name,
                value,
                change,
                target,
                RagCell(a.rag),
                str(variation_label(a.spc.variation, a.spc.side)),
                str(assurance_label(a.spc.assurance)) if a.spec.target is not None else "–",
            ]
        )
    table = Table(
        f"Headline measures, {scope.line}",
        ["Measure", "Value", "Change on a year before", "Target", "RAG", "SPC signal", "Assurance"],
        rows,
        numeric=[False, True, True],
        widths=["19%", "9%", "11%", "16%", "13%", "17%", "15%"],
    )
    section = Section("headlines", "Headline measures", scope.line)
    section.add(
        Paragraph(
            "RAG compares the latest quarter with the local target (ASCOF sets no national targets): green meets "
            "it, amber is within the agreed tolerance, red is further off. The SPC signal says whether the latest "
            "value is unusual against the past five years (NHS ‘Making Data Count’); assurance says whether the "
            "target can be met reliably as things are."
        ),
        table,
        Note(f"Counts below {scope.threshold} are shown as <{scope.threshold}; changes resting on them are not shown."),
        Heading("What the figures say"),
        *[Paragraph(measure_sentence(a, scope.area, scope.threshold)) for a in assessments],
    )
    return section


def build_pack(
    period: str | None = None, locality: str | None = None, on_section: Callable[[Section], None] | None = None
) -> Pack:
    """Read the warehouse and write every section of the pack (charts not yet drawn).

    Parameters
    ----------
    period : str, optional
        Quarter such as ``"2024/25 Q4"`` (other spellings such as ``"Q4 2024-25"`` accepted); default the latest.
    locality : str, optional
        GSS code or name of a district; default the whole county.
    on_section : callable, optional
        Called with each section as soon as it is written, so its charts can be drawn while the next is read.

    Raises
    ------
    PackError
        If the quarter or area is not in the warehouse, or there is no warehouse.
    """
    try:
        settings = queries.settings()
        meta = queries.meta()
        period = resolve_period(period)
        code = resolve_locality(locality, settings)
    except queries.WarehouseMissing as exc:
        raise PackError(str(exc)) from exc
    quarter_end = queries.dp_uptake(code).filter(pl.col("period") == period)["quarter_end"][0]
    scope = Scope(settings, period, quarter_end, code, settings.locality_name(code), meta.latest_period)
    writers = [
        headline_section,
        themes.direct_payments,
        themes.workforce,
        satisfaction.satisfaction_outcomes,
        outlook.provider_kpis,
        outlook.demand_outlook,  # last of the themes: it imports statsmodels, seconds the charts can use
        partial(annex.definitions_and_sources, synthetic=meta.contains_synthetic_data),
    ]
    sections = []
    for write in writers:
        sections.append(write(scope))
        if on_section:
            on_section(sections[-1])
    return Pack(
        council=settings.council.name,
        committee=settings.council.committee,
        period=period,
        period_months=period_months(period),
        area=scope.area,
        locality_code=code,
        built_at=meta.built_at,
        latest_period=meta.latest_period,
        generated_at=datetime.now(UTC),
        synthetic=bool(meta.contains_synthetic_data),
        threshold=scope.threshold,
        sections=sections,
    )
