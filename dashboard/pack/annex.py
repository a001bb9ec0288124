"""The pack's annex: what each measure means, the ASCOF codes (with the 2023/24 renumbering), where every
figure comes from, its licence, and which data are synthetic."""

from __future__ import annotations

import polars as pl

from dashboard.formatting import by_unit
from dashboard.pack.content import Heading, Note, Paragraph, Scope, Section, Table
from dashboard.present.about import glossary_table
from dashboard.queries import Warehouse
from pipelines.reference_tables import REFERENCE_DIR

ASCOF_REFERENCE = REFERENCE_DIR / "ascof_measures.csv"
OGL = "Open Government Licence v3.0"
OGL_URL = "nationalarchives.gov.uk/doc/open-government-licence/version/3"

# What each inbox source holds, in the words of the people who send it.
INBOX_SOURCES = {
    "activity": "Service episodes from the council's case-management system (one row per person per service)",
    "referrals": "Referrals and the waiting list for care",
    "kpi_returns": "Providers' quarterly KPI returns",
    "kpi_catalogue": "The KPI catalogue: definitions, targets and tolerances agreed in contracts",
    "survey_responses": "Survey answers (Adult Social Care Survey sample, DPSS customer survey)",
    "pa_register": "The Personal Assistant register kept by the Direct Payment Support Service",
}
# Published data shipped in data/public/ (see its README for provenance).
PUBLIC_SOURCES = [
    (
        "ASCOF published measures 2017/18 to 2022/23",
        "NHS England (formerly NHS Digital), Measures from the Adult Social Care Outcomes Framework",
    ),
    ("Population projections, 2022-based", "Office for National Statistics, subnational population projections"),
    ("POPPI-style prevalence assumptions", "Published prevalence assumptions, as re-created by a public-health team"),
]


def _definitions(scope: Scope) -> Table:
    measures = (
        scope.wh.headline_measures(scope.code)
        .select("display_order", "measure_name", "description", "unit", "higher_is_better", "target", "target_by")
        .unique("measure_name", keep="first")
        .sort("display_order")
    )
    rows = []
    for m in measures.iter_rows(named=True):
        direction = {True: "Higher is better", False: "Lower is better", None: "Context (no direction)"}[
            m["higher_is_better"]
        ]
        target = "No target" if m["target"] is None else by_unit(m["target"], m["unit"])
        if m["target"] is not None and m["target_by"]:
            target += f" by {m['target_by']}"
        rows.append([m["measure_name"], m["description"], direction, target])
    return Table(
        "Headline measures",
        ["Measure", "Definition", "Direction", "Local target"],
        rows,
        widths=["22%", "50%", "14%", "14%"],
    )


def ascof_codes() -> Table:
    """Each ASCOF measure's code up to 2022/23 and from 2023/24, from the shipped reference file."""
    reference = pl.read_csv(ASCOF_REFERENCE, schema_overrides={"published_code": pl.String})
    rows = []
    for _, codes in reference.group_by("measure", maintain_order=True):
        old = codes.filter(pl.col("last_year").is_not_null())
        new = codes.filter(pl.col("last_year").is_null() & (pl.col("first_year") >= "2023/24"))
        rows.append(
            [
                codes["description"][0],
                ", ".join(old["published_code"]) or "–",
                ", ".join(new["published_code"]) or "not in the refreshed framework",
            ]
        )
    return Table(
        "ASCOF measure codes and the 2023/24 renumbering",
        ["Measure", "Code up to 2022/23", "Code from 2023/24"],
        rows,
        widths=["60%", "20%", "20%"],
    )


def _sources(wh: Warehouse, synthetic: bool) -> Table:
    log = wh.load_log()
    loaded = log.filter(pl.col("status").str.starts_with("loaded"))
    by_source = loaded.group_by("source").agg(
        pl.col("is_synthetic").any().alias("synthetic"),
        pl.col("rows_loaded").sum().alias("rows"),
        pl.col("loaded_at").max().alias("last_loaded"),
    )
    status = {r["source"]: r for r in by_source.iter_rows(named=True)}
    rows = []
    for source, what in INBOX_SOURCES.items():
        row = status.get(source)
        if row is None:
            rows.append([what, "Not loaded", "–", "–"])
        elif row["synthetic"]:
            rows.append([what, "Synthetic: made up, not real people", f"{row['rows']:,} rows", "None (made up)"])
        else:
            rows.append([what, "Council and provider data", f"{row['rows']:,} rows", "Not published"])
    for name, publisher in PUBLIC_SOURCES:
        rows.append([f"{name}: {publisher}", "Real published data", "Shipped extract", OGL])
    return Table(
        "Data sources",
        ["Source", "Real or synthetic", "Size", "Licence"],
        rows,
        widths=["48%", "22%", "12%", "18%"],
    )


def glossary(scope: Scope) -> Section:
    """The Glossary page's terms, as an annex of its own: a section starts on a new page, so the glossary's length
    never moves the definitions annex's text across a page break."""
    section = Section("glossary", "Annex: glossary", "The words and abbreviations used in this pack")
    section.add(glossary_table())
    return section


def definitions_and_sources(scope: Scope, synthetic: bool) -> Section:
    section = Section("annex", "Annex: definitions and data sources", "What the figures mean and where they come from")
    section.add(
        _definitions(scope),
        Heading("Conventions"),
        Paragraph(
            "Financial years run April to March and are written 2024/25; quarters are 2024/25 Q1 (April to June) to "
            "Q4 (January to March). Money is in pounds (£); percentages are given to one decimal place. Values are "
            "measured at the end of each quarter unless stated. Areas are named as residents know them and coded "
            "with ONS GSS codes."
        ),
        Paragraph(
            "RAG: green meets the local target, amber is short of it by no more than the agreed tolerance, red is "
            "further off; every target is shown with the direction in which better lies. SPC (statistical process "
            "control, NHS England ‘Making Data Count’): process limits are the mean ± 2.66 times the mean moving "
            "range; a point beyond the limits, a run of 7 on one side of the mean, 7 rising or falling, or 2 of 3 "
            "near a limit is special-cause variation, labelled improvement or concern by the measure’s direction."
        ),
        Paragraph(
            "Survey shares carry Wilson 95% intervals and the number who answered; a change between quarters is "
            "tested only when enough people answered in both (the survey_min_base setting), by Fisher's exact test "
            "where the counts are small and a two-proportion test otherwise, and called significant when p < 0.05. "
            "Funnel plots compare districts with the county average using 95% "
            "and 99.8% limits for their size."
        ),
        Paragraph(
            f"Small numbers: counts from 1 to {scope.threshold - 1} are shown as <{scope.threshold}, and rates or "
            "changes that would reveal them are left out, so no one can be identified."
        ),
        Heading("ASCOF codes"),
        Paragraph(
            "The Adult Social Care Outcomes Framework (ASCOF) was refreshed for 2023/24 and its measures renumbered: "
            "a time series must follow the measure, not the code. The direct payments measure 1C(2a) became 3D(2a) "
            "(1C2A → 3D2A), and overall satisfaction 3A became 1D. The code 3A now means control over daily life "
            "(formerly 1B). From 2024/25 the direct payments measure is computed from Client Level Data instead of "
            "the SALT return, a break in the series."
        ),
        ascof_codes(),
        Heading("Data sources and licences"),
        _sources(scope.wh, synthetic),
        Note(
            f"Published data are used under the {OGL} ({OGL_URL}): contains public sector information licensed "
            "under the Open Government Licence v3.0. Values are unchanged from their source except where derived "
            "(for example summed into age bands)."
        ),
    )
    if synthetic:
        section.add(
            Paragraph(
                "What is synthetic: the person-level data (service episodes, referrals, survey answers, the PA "
                "register, the Client Level Data return with its reviews) and the provider KPI returns in this "
                "warehouse were made up by a "
                f"computer program, calibrated to published {scope.wh.settings.council.short_name} figures. They "
                "describe no real person "
                "or provider and must not be used for decisions. The ASCOF comparators and population projections "
                "are real.",
                emphasis=True,
            )
        )
    return section
