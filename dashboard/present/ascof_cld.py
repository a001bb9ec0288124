"""ASCOF from the council's own Client Level Data, months before NHS England publishes the year.

One presenter for the Overview's section and the committee pack's:

- care home admissions, ASCOF 2B (18-64) and 2C (65 and over), formerly 2A(1) and 2A(2): people whose long-term
  support needs were newly met by admission to a residential or nursing care home in the twelve months to the
  quarter's end, per 100,000 of the population of that age, rated against the council's targets (lower is better);
- the year-end reconciliation: each year's Q4 council value from CLD of 3D(1a), 3D(2a) (users), 3D(1b), 3D(2b)
  (carers, over the year), 2B and 2C beside the value NHS England published for the year, where the shipped ASCOF
  data has one, with the difference.

Counts of people go through :class:`Disclosure`: a rate resting on fewer people than the threshold is not shown.
Where the CLD loaded hold only part of the twelve months to a quarter (a council's first returns), a note says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from dashboard.formatting import by_unit, count, pct
from dashboard.present.blocks import Metric, Note, Paragraph, Table
from dashboard.present.disclosure import HIDDEN, Disclosure
from dashboard.present.headlines import target_words
from dashboard.queries import Warehouse
from dashboard.signals import rag_words
from models.measures import rag_rating
from pipelines.registry import Measure, measure_registry

# Age band -> (registry key, ASCOF code now, code until 2023/24)
ADMISSIONS = {
    "18-64": ("care_home_admissions_18_64", "2B", "2A(1)"),
    "65+": ("care_home_admissions_65_plus", "2C", "2A(2)"),
}
BAND_WORDS = {"18-64": "aged 18-64", "65+": "aged 65 and over"}
# Short names for the year-end table (it has to fit an 800 px window); the glossary has the full ones.
PARTS_3D = {
    "3D(1a)": "Users: self-directed support",
    "3D(2a)": "Users: direct payments",
    "3D(1b)": "Carers: self-directed support",
    "3D(2b)": "Carers: direct payments",
}
# The first year NHS England computed ASCOF from CLD; earlier years' published values come from the SALT return.
FIRST_CLD_YEAR = "2024/25"
SALT_MARK = " (SALT)"
SALT_NOTE = (
    f"Published values before {FIRST_CLD_YEAR} (marked SALT) come from the SALT return, which counted people "
    "differently (the measures were then 1C and 2A): a difference in those years is partly the change of method, "
    "not only of the data."
)
HOW_TO_READ = (
    "Computed here from the council's Client Level Data with the published ASCOF methods (DHSC's CLD methods for "
    "2024/25 onwards): 3D at the year's end for people who use services and over the year for carers; care home "
    "admissions over the twelve months, counting each person once at their first care home service (people already "
    "in a care home are not admitted again; short-term care and admissions that ended with the person funding "
    "themselves are left out). The published value is NHS England's for the council as a whole (real data); the "
    "two can differ where the council's later submissions corrected its records, or NHS England's population "
    "differs from the one used here."
)


@dataclass
class AscofFromCld:
    heading: str
    metrics: list[Metric]  # care home admissions 18-64 and 65+ for the area over the twelve months to the quarter
    paragraphs: list[Paragraph]  # each band in words with its target and rating
    reconciliation: Table | None  # year-end values from CLD beside the published ones (the council only)
    notes: list[Note]


def admission_rating(spec: Measure, value: float | None) -> tuple[str, str | None]:
    """'Target 14.0 per 100,000 (lower is better; amber within 2.0 per 100,000). Rating: Red: off target (3.2 per
    100,000 above the target).' and the RAG, or 'Not rated' where the value is not shown."""
    text = target_words(spec.target, spec.unit, spec.higher_is_better, spec.amber_tolerance)
    if spec.target is None:
        return f"{text}.", None
    if value is None:
        return f"Target {text}. Not rated (too few people).", None
    rag = rag_rating(value, spec.target, spec.higher_is_better, spec.amber_tolerance)
    gap = value - spec.target
    if round(gap, 1) == 0:
        where = "on the target"
    else:
        where = f"{abs(gap):,.1f} per 100,000 {'above' if gap > 0 else 'below'} the target"
    return f"Target {text}. Rating: {rag_words(rag, symbol=False)} ({where}).", rag


def admissions_part(
    wh: Warehouse, code: str, period: str, area: str, disclosure: Disclosure
) -> tuple[list[Metric], list[Paragraph]]:
    rows = wh.care_home_admissions(code).filter(pl.col("period") == period)
    registry = measure_registry(wh.settings)
    metrics, paragraphs = [], []
    for band, (key, now_code, old_code) in ADMISSIONS.items():
        spec = registry[key]
        found = rows.filter(pl.col("age_band") == band)
        label = f"Care home admissions, {band} (ASCOF {now_code})"
        if found.is_empty() or found["population"][0] is None:
            metrics.append(Metric(label, "–", help=f"No Client Level Data or population for {area} in {period}."))
            continue
        r = found.row(0, named=True)
        shown = None if disclosure.is_small(r["admissions"]) else r["per_100k"]
        sentence, _ = admission_rating(spec, shown)
        people = disclosure.count(r["admissions"])
        basis = f"per 100,000 of {count(r['population'])} people {BAND_WORDS[band]} ({r['population_basis']})"
        metrics.append(
            Metric(
                label,
                by_unit(shown, "rate") if shown is not None else HIDDEN,
                help=f"{people} people over the twelve months to {period}, {basis}. Formerly ASCOF {old_code}. "
                f"{sentence}",
            )
        )
        if shown is None:
            result = (
                f"Fewer than {disclosure.threshold} people {BAND_WORDS[band]} in {area} had their long-term support "
                f"needs met by admission to a care home in the twelve months to the end of {period}: too few to "
                "show a rate."
            )
        else:
            result = (
                f"{people} people {BAND_WORDS[band]} in {area} had their long-term support needs met by admission "
                f"to a residential or nursing care home in the twelve months to the end of {period}: "
                f"{by_unit(shown, 'rate')} {basis.removeprefix('per 100,000 ')}."
            )
        paragraphs.append(Paragraph(f"{result} {sentence}"))
    return metrics, paragraphs


def _difference(ours: float | None, published: float | None, unit: str) -> str:
    if ours is None or published is None:
        return HIDDEN
    gap = ours - published
    if round(gap, 1) == 0:
        return "the same"
    amount = f"{abs(gap):.1f} points" if unit == "percent" else f"{abs(gap):,.1f} per 100,000"
    return f"{amount} {'higher' if gap > 0 else 'lower'}"


def _published(value: str, year: str) -> str:
    """A published value, marked where it came from the SALT return rather than CLD."""
    return f"{value}{SALT_MARK}" if year < FIRST_CLD_YEAR else value


def reconciliation(wh: Warehouse, code: str, period: str, disclosure: Disclosure) -> Table | None:
    """Each year end up to ``period`` (Q4, the council's figures): CLD's value beside the published one."""
    year = wh.q("select financial_year from ref_quarter where period = ?", period)
    if year.is_empty():
        return None
    upto = year["financial_year"][0]
    parts = wh.cld_ascof_3d(code).filter(pl.col("is_year_end") & (pl.col("financial_year") <= upto))
    homes = wh.care_home_admissions(code).filter(pl.col("is_year_end") & (pl.col("financial_year") <= upto))
    rows: list[list[str]] = []
    for fy in sorted(set(parts["financial_year"]) | set(homes["financial_year"]), reverse=True):
        for r in parts.filter(pl.col("financial_year") == fy).iter_rows(named=True):
            small = disclosure.any_small([r["numerator"], r["denominator"]])
            ours = None if small else r["value_pct"]
            rows.append(
                [
                    fy,
                    f"{r['ascof_code']} {PARTS_3D.get(r['ascof_code'], r['measure_name'])}",
                    pct(ours) if ours is not None else HIDDEN,
                    f"{disclosure.count(r['numerator'])} of {disclosure.count(r['denominator'])}",
                    _published(pct(r["published_value_pct"]), fy)
                    if r["published_value_pct"] is not None
                    else "not published",
                    _difference(ours, r["published_value_pct"], "percent"),
                ]
            )
        for r in homes.filter(pl.col("financial_year") == fy).iter_rows(named=True):
            _, now_code, _ = ADMISSIONS[r["age_band"]]
            ours = None if disclosure.is_small(r["admissions"]) or r["per_100k"] is None else r["per_100k"]
            published = r["published_per_100k"]
            rows.append(
                [
                    fy,
                    f"{now_code} Care home admissions {r['age_band']} (per 100,000)",
                    f"{ours:,.1f}" if ours is not None else HIDDEN,
                    f"{disclosure.count(r['admissions'])} people",
                    _published(f"{published:,.1f}", fy) if published is not None else "not published",
                    _difference(ours, published, "rate"),
                ]
            )
    if not rows:
        return None
    return Table(
        "ASCOF at each year end: from the Client Level Data and as published",
        ["Year", "ASCOF measure", "From the CLD", "People", "Published", "Difference"],
        rows,
        numeric=[False, False, True, True, True, False],
    )


def _first_month(quarter_end: date, months: int) -> date:
    """The first day of the ``months`` months that end with ``quarter_end``'s month."""
    index = quarter_end.year * 12 + quarter_end.month - months
    return date(index // 12, index % 12 + 1, 1)


def part_year_notes(homes: pl.DataFrame, period: str, with_year_ends: bool) -> list[Note]:
    """A note for the chosen quarter, and (``with_year_ends``) each year end up to it, whose twelve months the CLD
    hold only in part: counts over the year there are counts over fewer months."""
    chosen = homes.filter(pl.col("period") == period)
    if chosen.is_empty():
        return []
    wanted = pl.col("period") == period
    if with_year_ends:
        wanted = wanted | (pl.col("is_year_end") & (pl.col("quarter_end") <= chosen["quarter_end"][0]))
    short = homes.filter(wanted & (pl.col("months_covered") < 12)).unique("period").sort("quarter_end")
    counted = "care home admissions and carers" if with_year_ends else "care home admissions"
    return [
        Note(
            f"The Client Level Data hold only {r['months_covered']} of the twelve months to the end of {r['period']} "
            f"(they begin in {_first_month(r['quarter_end'], r['months_covered']):%B %Y}), so {counted} for that "
            f"quarter are counted over {r['months_covered']} months, not a full year."
        )
        for r in short.iter_rows(named=True)
    ]


def ascof_from_cld(wh: Warehouse, code: str, period: str, area: str) -> AscofFromCld:
    """Everything the Overview's ASCOF section and the pack's show, for one area and quarter."""
    disclosure = Disclosure(wh.settings.suppression_threshold)
    metrics, paragraphs = admissions_part(wh, code, period, area, disclosure)
    notes = [Note(HOW_TO_READ)]
    council = wh.settings.council
    table = None
    if code == council.code:
        table = reconciliation(wh, code, period, disclosure)
    else:
        whole = wh.settings.locality_name(council.code)
        notes.append(
            Note(
                f"NHS England publishes ASCOF for the council as a whole: choose {whole} to see the year-end values "
                "beside the published ones."
            )
        )
    if table is not None and any(row[4].endswith(SALT_MARK) for row in table.rows):
        notes.append(Note(SALT_NOTE))
    notes += part_year_notes(wh.care_home_admissions(code), period, with_year_ends=table is not None)
    return AscofFromCld(
        heading="ASCOF from the Client Level Data",
        metrics=metrics,
        paragraphs=paragraphs,
        reconciliation=table,
        notes=[*notes, Note(disclosure.note)],
    )
