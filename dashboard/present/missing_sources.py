"""Which inbox files a page draws on that have not been loaded yet: in words, with each file's blank template.

A council starting with only its Client Level Data return (no KPI returns, surveys or PA register yet) gets a
working dashboard; a page whose figures come partly from a file not loaded says so plainly, instead of showing
zeros that look like facts. The sentence is computed here once; the views lay it out with a download of each
missing file's template (``pipelines.templates``, the same template the Data page offers).
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.present.blocks import Paragraph

# The inbox sources each page's figures come from (see each presenter and the marts it reads).
PAGE_SOURCES: dict[str, tuple[str, ...]] = {
    "overview": ("activity", "pa_register", "kpi_returns", "survey_responses", "cld", "referrals"),
    "direct_payments": ("activity", "kpi_returns"),
    "workforce": ("pa_register", "kpi_returns"),
    "satisfaction_outcomes": ("survey_responses", "cld"),  # reviews' outcomes come from the CLD return
    "provider_kpis": ("kpi_catalogue", "kpi_returns"),
    "demand_scenarios": ("activity", "referrals"),
}
# A Client Level Data return gives what the activity file gives (people in long-term support, by setting).
STANDS_IN = {"activity": ("cld",)}
LABELS = {
    "activity": "activity (or a Client Level Data return)",
    "pa_register": "Personal Assistant register",
    "kpi_returns": "provider KPI returns",
    "kpi_catalogue": "KPI catalogue",
    "survey_responses": "survey responses",
    "cld": "Client Level Data return",
    "referrals": "referrals",
}


@dataclass(frozen=True)
class MissingSource:
    source: str  # the schema's name, as the Data page lists it
    label: str
    template_file: str  # the blank CSV template's file name


@dataclass(frozen=True)
class MissingSources:
    sentence: Paragraph
    sources: list[MissingSource]


def loaded_sources(wh) -> set[str]:
    """Sources with at least one file loaded (the load log copied into the warehouse)."""
    frame = wh.q("select distinct source from load_log where status like 'loaded%'")
    return set(frame["source"].to_list())


def missing_sources(wh, page: str) -> MissingSources | None:
    """The files ``page`` draws on that no load has brought in yet; None when all are there."""
    loaded = loaded_sources(wh)
    missing = [
        s for s in PAGE_SOURCES.get(page, ()) if s not in loaded and not loaded.intersection(STANDS_IN.get(s, ()))
    ]
    if not missing:
        return None
    found = [MissingSource(s, LABELS[s], f"{s}_template.csv") for s in missing]
    names = [m.label if m.label == m.source else f"{m.label} ({m.source})" for m in found]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    they = "it" if len(found) == 1 else "them"
    text = (
        f"Not loaded yet: {listed}. The figures on this page that come from {they} show as no data (or 0) until "
        f"a file is loaded on the Data page; the blank template for {'it' if len(found) == 1 else 'each'} is below."
    )
    return MissingSources(Paragraph(text), found)
