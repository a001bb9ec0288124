"""Gather the committee pack for one quarter and area from the warehouse.

Everything is read through the dashboard's named queries and judged by the same functions the
Overview uses (``dashboard.present``), so the pack and the screen never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

from dashboard.pack import annex, outlook, providers, satisfaction, themes
from dashboard.pack.content import Heading, Note, Pack, Paragraph, Scope, Section, period_months
from dashboard.present.ascof_cld import ascof_from_cld
from dashboard.present.disclosure import Disclosure
from dashboard.present.headlines import RAG_EXPLAINED, headline_table, headlines
from dashboard.queries import Warehouse, WarehouseMissing
from models.periods import PeriodError, canonical_quarter


class PackError(ValueError):
    """The pack cannot be made for what was asked (an unknown quarter or area, no warehouse)."""


def resolve_period(wh: Warehouse, text: str | None) -> str:
    """The quarter asked for in its canonical spelling, checked against the warehouse (default: the latest)."""
    available = wh.periods()
    if not text:
        return available[-1]
    try:
        period = canonical_quarter(text)
    except PeriodError as exc:
        raise PackError(str(exc)) from exc
    if period not in available:
        raise PackError(f"No data for {period}: the warehouse holds {available[0]} to {available[-1]}.")
    return period


def resolve_locality(wh: Warehouse, text: str | None) -> str:
    """An area's GSS code from its code or name (any case); the county when none is given."""
    settings = wh.settings
    if not text:
        return settings.council.code
    areas = wh.localities()
    wanted = text.strip().lower()
    for code, name in zip(areas["locality_code"], areas["locality_name"], strict=True):
        if wanted in (code.lower(), name.lower()) or (code == settings.council.code and wanted == "county"):
            return code
    known = ", ".join(f"{n} ({c})" for c, n in zip(areas["locality_code"], areas["locality_name"], strict=True))
    raise PackError(f"Unknown locality '{text}'. Known: {known}.")


def headline_section(scope: Scope) -> Section:
    """Every headline measure with its target, tolerance and direction, RAG in words, SPC signal and a sentence."""
    items = headlines(scope.wh, scope.code, scope.period, scope.area)
    disclosure = Disclosure(scope.threshold)
    section = Section("headlines", "Headline measures", scope.line)
    section.add(
        Paragraph(RAG_EXPLAINED),
        headline_table(items, f"Headline measures, {scope.line}"),
        Note(disclosure.note),
        Heading("What the figures say", new_page=True),
        *[Paragraph(h.sentence) for h in items],
    )
    return section


def ascof_section(scope: Scope) -> Section:
    """ASCOF from the council's Client Level Data (care home admissions, the year-end values beside the published
    ones): the Overview's section, laid out."""
    ascof = ascof_from_cld(scope.wh, scope.code, scope.period, scope.area)
    section = Section("ascof-cld", ascof.heading, scope.line)
    section.add(*ascof.paragraphs)
    if ascof.reconciliation:
        section.add(ascof.reconciliation)
    section.add(*ascof.notes)
    return section


def build_pack(
    wh: Warehouse,
    period: str | None = None,
    locality: str | None = None,
    on_section: Callable[[Section], None] | None = None,
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
        settings = wh.settings
        meta = wh.meta()
        period = resolve_period(wh, period)
        code = resolve_locality(wh, locality)
    except WarehouseMissing as exc:
        raise PackError(str(exc)) from exc
    scope = Scope(wh, period, code, settings.locality_name(code))
    writers = [
        headline_section,
        ascof_section,
        themes.direct_payments,
        themes.workforce,
        satisfaction.satisfaction_outcomes,
        providers.provider_kpis,
        outlook.demand_outlook,  # last of the themes: it imports statsmodels, seconds the charts can use
        annex.glossary,  # before the definitions annex, which stays the pack's last pages
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
