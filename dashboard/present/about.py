"""Words a committee knows: the glossary, and each measure's panel (definition, source, frequency, next update,
direction, target) taken from the measure registry, for the pages, the Overview's drill-through and the pack.
"""

from __future__ import annotations

from dashboard.present.blocks import Table
from dashboard.present.headlines import direction_words, target_words
from models.periods import parse_quarter
from pipelines.config import Settings
from pipelines.registry import Measure, measure_registry

# The measures each themed page covers: the Overview's tiles open the page of their measure (drill-through),
# and each page's "About these measures" panel lists these.
PAGE_MEASURES = {
    "direct_payments": ["dp_uptake_pct", "dp_annual_spend_gbp", "new_isfs"],
    "workforce": ["active_pas", "pa_growth_pct", "active_cmes"],
    "satisfaction_outcomes": ["dpss_very_good_pct", "ascs_satisfaction_pct", "outcomes_achieved_pct"],
    "demand_scenarios": ["people_waiting", "hours_waiting"],
    "overview": ["care_home_admissions_18_64", "care_home_admissions_65_plus"],  # its ASCOF from CLD section
}
PAGE_OF_MEASURE = {key: page for page, keys in PAGE_MEASURES.items() for key in keys}

# Terms in the order a reader meets them; each said in plain words, without the other terms where possible.
GLOSSARY = {
    "ASCOF": "Adult Social Care Outcomes Framework: the measures every council in England reports each year. It "
    "sets no national targets; the targets here are the council's own.",
    "ASCOF 1C(2a), now 3D(2a)": "The share of people who use services (aged 18+, in long-term community support) "
    "who take a direct payment. Renumbered from 1C(2a) to 3D(2a) in 2023/24; the same measure.",
    "ASCOF 1C(2b), now 3D(2b)": "The same share for carers receiving a direct payment.",
    "ASCOF 2A, now 2B and 2C": "Care home admissions: people whose long-term support needs are met by admission "
    "to a residential or nursing care home in the year, per 100,000 of the population aged 18-64 (2B, formerly "
    "2A(1)) or 65 and over (2C, formerly 2A(2)). Lower is usually better: more people supported at home.",
    "ASCOF 3A, now 1D": "Overall satisfaction: people who use services who are extremely or very satisfied with "
    "their care and support (Adult Social Care Survey). Renumbered in 2023/24.",
    "Direct payment (DP)": "Money the council pays to a person (or someone acting for them) to arrange their own "
    "care and support instead of care the council arranges.",
    "Personal Assistant (PA)": "Someone employed directly by a person, usually with their direct payment, to "
    "help with their care and support.",
    "DPSS": "Direct Payment Support Service: the contracted service that helps people with a direct payment: "
    "advice, finding and recruiting PAs, payroll and managed accounts.",
    "Individual Service Fund (ISF)": "A personal budget held by a care provider for the person, who decides with "
    "the provider how it is spent.",
    "Care micro-enterprise (CME)": "A very small local care business (often one person, a sole trader) offering "
    "care and support.",
    "Client Level Data (CLD)": "The return councils send NHS England each quarter, one row per person per "
    "event, each covering the twelve months to its quarter's end; the source of activity figures from 2024/25 (a "
    "break in the series from the older SALT return).",
    "SALT": "Short and Long Term support: the annual return councils sent NHS England until 2023/24. ASCOF "
    "values for people who use services and carers before 2024/25 were published from it, and it counted some "
    "people differently from CLD.",
    "RAG": "Red, amber or green: the latest value against its target. Amber is short of the target by no more "
    "than the tolerance shown; red is further off. Always written in words too.",
    "SPC (statistical process control)": "A chart of a measure over time with its mean and process limits, the "
    "range it usually varies within, to tell a real change from everyday ups and downs (NHS 'Making Data Count').",
    "Common cause and special cause variation": "Common cause: the ups and downs a process always has. Special "
    "cause: a point beyond the limits, a run of 7 on one side of the mean, 7 rising or falling in a row, or 2 of "
    "3 near a limit; something has probably changed. Marked improvement or concern by the measure's direction.",
    "Assurance": "Whether the target can be met reliably as things are: consistently met (the target lies "
    "outside the limits, on the good side), consistently missed, or hit and miss (inside the limits).",
    "Making Data Count icons": "A circle with a wave: common cause. H or L: special cause, high or low, in blue for "
    "an improvement and orange for a concern. P, F or ?: the target consistently passed, failed, or hit and miss.",
    "Funnel plot": "Areas or providers plotted by size against their rate, with limits that narrow as size "
    "grows: outside them, a difference from the average is bigger than chance alone would usually give.",
    "Overdispersion": "More spread between areas than chance alone explains; allowing for it widens the funnel's "
    "limits so fewer areas are flagged.",
    "Base": "The number of people a survey percentage rests on. Small bases give wide ranges, and no change is "
    "called significant below the minimum base.",
    "MASE": "Mean absolute scaled error: a forecast's average error divided by that of the simple guess 'same "
    "quarter last year'. Below 1, the forecast beats the simple guess.",
    "Prediction interval (80%, 95%)": "The range a forecast expects the real value to fall in 8 (or 19) times "
    "in 10 (or 20).",
    "Suppression (<5)": "Counts below the threshold are shown as '<5' and anything that would reveal them is "
    "hidden, so no one can be identified.",
}


def glossary_table() -> Table:
    return Table("Glossary", ["Term", "Meaning"], [[term, meaning] for term, meaning in GLOSSARY.items()],
                 widths=["24%", "76%"])  # fmt: skip


def next_update(frequency: str, latest_period: str) -> str:
    """When the next figures are due: the quarter (or year) after the latest data, once its return is in."""
    latest = parse_quarter(latest_period)
    if frequency.lower() == "yearly":
        return f"{latest.next().fy if latest.number == 4 else latest.fy} figures, after the year ends"
    following = latest.next()
    return f"{following.label} figures, after the quarter ends on {following.end.day} {following.end:%B %Y}"


def _target(measure: Measure) -> str:
    if measure.kpi_code:
        direction = direction_words(measure.higher_is_better)
        return f"The contract's target for this KPI, quarter by quarter (see Provider KPIs); {direction}"
    return target_words(
        measure.target, measure.unit, measure.higher_is_better, measure.amber_tolerance, measure.target_by
    )


def measure_panel(
    settings: Settings, keys: list[str], latest_period: str, caption: str = "About these measures"
) -> Table:
    """The metadata panel: one row per measure, from the registry, in the order given."""
    registry = measure_registry(settings)
    rows = []
    for key in keys:
        m = registry[key]
        rows.append(
            [
                m.name,
                m.definition,
                m.source,
                m.frequency,
                next_update(m.frequency, latest_period),
                direction_words(m.higher_is_better).capitalize(),
                _target(m),
            ]
        )
    return Table(
        caption,
        ["Measure", "Definition", "Source", "Frequency", "Next update", "Direction", "Target"],
        rows,
        widths=["14%", "28%", "12%", "8%", "14%", "9%", "15%"],
    )
