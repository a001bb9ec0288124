"""The measure registry: every measure the product shows, declared once.

Each measure has one name, one definition, one unit, one direction, one target and one amber tolerance,
a source and a suppression rule. Every surface (the pages, the committee pack, the exports) takes these
from here through the ``ref_measure`` table or :func:`measure_registry`, and shows the target and
tolerance it rated against.

A contract KPI and a council measure are never one name with two targets: a headline measure that is
also a contract KPI (``kpi_code``) takes its target and tolerance from the KPI catalogue, quarter by
quarter, so the Overview and the provider scorecard rate it the same way.

Adding a measure: declare it here, compute it in a SQL mart (and in ``mart_headline_measures`` if it is
a headline), lay it out through a presenter in ``dashboard/present``. See ``docs/architecture.md``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import polars as pl

from pipelines.config import ConfigError, Settings

UNITS = ("percent", "count", "hours", "gbp", "days", "rate")


@dataclass(frozen=True)
class Measure:
    """One measure as the product defines it."""

    key: str
    name: str
    definition: str
    unit: str  # one of UNITS
    higher_is_better: bool | None  # None: neither direction is better (spend, context)
    source: str
    frequency: str = "Quarterly"
    target: float | None = None
    amber_tolerance: float | None = None  # how far short of the target (in the measure's unit) is still amber
    target_by: str | None = None  # the quarter by which the target should be met, if it has a date
    kpi_code: str | None = None  # the contract KPI this measure is (its target then comes from the catalogue)
    personal: bool = True  # counts of people (or of sole traders) are suppressed below the threshold
    headline: bool = False  # shown as a tile on the Overview and in the pack's headline table
    # Known changes in the process, (first period, what changed): SPC limits are recalculated from each.
    change_points: tuple[tuple[str, str], ...] = ()


def measure_registry(settings: Settings) -> dict[str, Measure]:
    """Every measure, keyed by its ``key``, in the order the committee reads them."""
    t = settings.targets
    measures = [
        Measure(
            "dp_uptake_pct",
            "Direct payment uptake",
            "People aged 18+ in long-term community support taking a direct payment (or part), at quarter end "
            "(ASCOF 3D(2a), formerly 1C(2a)).",
            "percent",
            True,
            "Activity data (services open at quarter end)",
            target=t.dp_uptake_pct,
            amber_tolerance=t.dp_uptake_amber_points,
            target_by=t.dp_uptake_by,
            headline=True,
            # ASCOF's 2024/25 refresh renumbered and redefined the measure; the two series are not one process.
            change_points=(("2024/25 Q1", "ASCOF series break: 1C(2a) became 3D(2a)"),),
        ),
        Measure(
            "active_pas",
            "Active Personal Assistants",
            "Personal Assistants on the register at the end of the quarter.",
            "count",
            True,
            "PA register",
            headline=True,
        ),
        Measure(
            "pa_growth_pct",
            "Growth in Personal Assistants",
            "Change in active PAs on the same quarter a year before.",
            "percent",
            True,
            "PA register",
            target=t.pa_growth_pct_per_year,
            amber_tolerance=t.pa_growth_amber_points,
            headline=True,
        ),
        Measure(
            "dpss_very_good_pct",
            "DPSS customers rating the service very good",
            "Direct Payment Support Service customer survey: respondents rating the service very good, of all "
            "who answered. The contract's KPI of the same code; its target is the contract's.",
            "percent",
            True,
            "DPSS customer survey",
            kpi_code="dpss_very_good",
            headline=True,
        ),
        Measure(
            "outcomes_achieved_pct",
            "Reviewed outcomes achieved",
            "Share of the reviews held in the quarter whose outcomes were fully achieved (Client Level Data: Review "
            "Outcomes Achieved); reviews with an unknown or invalid outcome stay in the base.",
            "percent",
            True,
            "Client Level Data (reviews)",
            target=t.outcomes_achieved_pct,
            amber_tolerance=t.outcomes_amber_points,
            headline=True,
        ),
        Measure(
            "people_waiting",
            "People waiting for care",
            "People waiting for a service to start at the end of the quarter (unmet need): requests no service has "
            "answered yet, from new people and people already in support.",
            "count",
            False,
            "Client Level Data (requests, assessments, services); the referrals file for earlier quarters",
            headline=True,
        ),
        Measure(
            "hours_waiting",
            "Hours of care a week waiting",
            "Weekly hours of care asked for by people still waiting (unmet need): the planned hours of the service "
            "that later started for them; for people still waiting in the latest data, the average of the hourly "
            "services that started in the quarter.",
            "hours",
            False,
            "Client Level Data (requests, assessments, services); the referrals file for earlier quarters",
            headline=True,
        ),
        Measure(
            "dp_annual_spend_gbp",
            "Direct payment spend (annualised)",
            "Weekly planned cost of active direct payments at quarter end, times 52.",
            "gbp",
            None,
            "Activity data",
            headline=True,
        ),
        Measure(
            "ascs_satisfaction_pct",
            "Overall satisfaction of people who use services",
            "Adult Social Care Survey: people extremely or very satisfied with their care and support "
            "(ASCOF 1D, formerly 3A).",
            "percent",
            True,
            "Adult Social Care Survey",
            frequency="Yearly",
            target=t.satisfaction_pct,
            amber_tolerance=t.satisfaction_amber_points,
        ),
        Measure(
            "care_home_admissions_18_64",
            "Care home admissions, adults 18-64",
            "ASCOF 2B (formerly 2A(1)): adults aged 18-64 whose long-term support needs were newly met by admission "
            "to a residential or nursing care home in the twelve months to the quarter's end (their first such "
            "service; people already in a care home not counted again), per 100,000 population aged 18-64.",
            "rate",
            False,
            "Client Level Data (services) and ONS mid-year population",
            frequency="Quarterly (rolling twelve months)",
            target=t.care_home_admissions_18_64_per_100k,
            amber_tolerance=t.care_home_admissions_18_64_amber,
        ),
        Measure(
            "care_home_admissions_65_plus",
            "Care home admissions, adults 65 and over",
            "ASCOF 2C (formerly 2A(2)): adults aged 65 and over whose long-term support needs were newly met by "
            "admission to a residential or nursing care home in the twelve months to the quarter's end, per "
            "100,000 population aged 65 and over.",
            "rate",
            False,
            "Client Level Data (services) and ONS mid-year population",
            frequency="Quarterly (rolling twelve months)",
            target=t.care_home_admissions_65_plus_per_100k,
            amber_tolerance=t.care_home_admissions_65_plus_amber,
        ),
        Measure(
            "new_isfs",
            "New Individual Service Funds",
            "Individual Service Fund arrangements starting in the quarter.",
            "count",
            True,
            "Activity data",
            target=float(t.isf_new_per_year),
        ),
        Measure(
            "active_cmes",
            "Care micro-enterprises",
            "Micro-enterprises with at least one person using them at quarter end. Many are sole traders, so "
            "their counts are suppressed like counts of people.",
            "count",
            True,
            "Activity data",
        ),
    ]
    return {m.key: m for m in measures}


def headline_frame(settings: Settings) -> pl.DataFrame:
    """The headline measures as the ``ref_measure`` table: one row each, in display order."""
    rows = [
        {
            "measure_key": m.key,
            "measure_name": m.name,
            "unit": m.unit,
            "higher_is_better": m.higher_is_better,
            "target": m.target,
            "amber_tolerance": m.amber_tolerance,
            "target_by": m.target_by,
            "kpi_code": m.kpi_code,
            "description": m.definition,
            "source": m.source,
            "frequency": m.frequency,
            "personal": m.personal,
        }
        for m in measure_registry(settings).values()
        if m.headline
    ]
    schema = {
        "measure_key": pl.String,
        "measure_name": pl.String,
        "unit": pl.String,
        "higher_is_better": pl.Boolean,
        "target": pl.Float64,
        "amber_tolerance": pl.Float64,
        "target_by": pl.String,
        "kpi_code": pl.String,
        "description": pl.String,
        "source": pl.String,
        "frequency": pl.String,
        "personal": pl.Boolean,
    }
    return pl.DataFrame(rows, schema=schema).with_row_index("display_order")


_PERIOD = re.compile(r"^\d{4}/\d{2}( Q[1-4])?$")


def change_points(
    settings: Settings, measure_key: str, found_in_data: Sequence[tuple[str, str]] = ()
) -> list[tuple[str, str]]:
    """Known change points of a measure, (first period, label), oldest first: the registry's, the user's and
    ``found_in_data`` (the warehouse's ``mart_source_changes``: where the measure's source changes).

    Raises
    ------
    ConfigError
        If a ``[[change_points]]`` entry names an unknown measure or a period not like ``2024/25 Q1``.
    """
    registry = measure_registry(settings)
    found = list(registry[measure_key].change_points) if measure_key in registry else []
    found += [(period, label) for period, label in found_in_data]
    for i, point in enumerate(settings.change_points):
        where = f"change_points[{i}]"
        if point.measure not in registry:
            continue  # a KPI code: checked against the KPI catalogue by kpi_change_points
        if not _PERIOD.match(point.period):
            raise ConfigError(f"{where}: period {point.period!r} should look like 2024/25 Q1 (or 2024/25)")
        if point.measure == measure_key:
            found.append((point.period, point.label or "Change declared by the council"))
    return sorted(set(found))


def kpi_change_points(
    settings: Settings, kpi_codes: Collection[str], kpi_code: str, provider: str
) -> list[tuple[str, str]]:
    """``[[change_points]]`` declared for one KPI of one provider's contract, (first period, label), oldest first.

    An entry names a KPI code as its ``measure`` and, optionally, the ``provider`` (blank: every provider).

    Raises
    ------
    ConfigError
        If an entry names neither a registry measure nor a KPI of the catalogue, or a period not like
        ``2024/25 Q1``.
    """
    registry = measure_registry(settings)
    found = []
    for i, point in enumerate(settings.change_points):
        where = f"change_points[{i}]"
        if point.measure in registry:
            continue
        if point.measure not in kpi_codes:
            raise ConfigError(
                f"{where}: measure {point.measure!r} is neither in the measure registry nor a KPI code of the "
                f"catalogue; KPI codes: {', '.join(sorted(kpi_codes))}"
            )
        if not _PERIOD.match(point.period):
            raise ConfigError(f"{where}: period {point.period!r} should look like 2024/25 Q1 (or 2024/25)")
        if point.measure == kpi_code and point.provider.strip() in ("", provider):
            found.append((point.period, point.label or "Change declared by the council"))
    return sorted(set(found))
