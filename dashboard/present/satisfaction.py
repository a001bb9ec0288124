"""Satisfaction and outcomes: the DPSS customer survey, the Adult Social Care Survey and reviews' outcomes.

One presenter for the Satisfaction and outcomes page and the committee pack's satisfaction theme, so both
print the same figures in the same words:

- the DPSS customer survey: the share rating the service very good with its base and Wilson 95% interval,
  rated against the contract KPI's target in force (the same assessment as the Overview's tile and the
  provider scorecard), the change on the quarter before with its test, a chart, its table and SPC view, and
  the quarter by district;
- the Adult Social Care Survey: the area's overall satisfaction against the council's target (ASCOF 1D),
  and the published ASCOF values (real data) as a chart and a table;
- reviews from Client Level Data: the share with outcomes fully achieved against its target, the change in
  planned hours around the review, a chart, its table and SPC view, the quarter by district and by review
  reason, and the reason by district grid.

Every count, share, interval and change goes through :class:`Disclosure` before it is written, charted or
put in a table: a chart's values are blanked before the figure is built, so its hover text cannot show them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from dashboard import charts
from dashboard.formatting import by_unit, count, pct, points, signed
from dashboard.present.blocks import Chart, Metric, Note, Paragraph, SpcView, Table
from dashboard.present.disclosure import HIDDEN, Disclosure
from dashboard.present.headlines import assess_frame, direction_words, target_text
from dashboard.queries import Warehouse
from dashboard.signals import rag_words
from models.measures import Assessment, MeasureSpec, rag_rating
from models.periods import parse_quarter
from models.survey import add_wilson, flag_changes
from pipelines.registry import measure_registry

DPSS_MEASURE = "dpss_very_good_pct"  # the contract KPI dpss_very_good: its target is the contract's
OUTCOMES_MEASURE = "outcomes_achieved_pct"
ASCS_MEASURE = "ascs_satisfaction_pct"  # ASCOF 1D: the council's target from the settings, through the registry
ENGLAND = "E92000001"


def dpss_how_to_read(min_base: int) -> str:
    return (
        "Dots are the share each quarter, with the number who answered beside it; the bars show the 95% interval. "
        "A ring marks a change from the quarter before that is too big to be chance (p < 0.05; Fisher's exact "
        f"test where the counts are small, else a two-proportion test), tested only with at least {min_base} "
        "respondents in both quarters. The dashed line is the contract's target; a quarter with too few "
        "respondents is left out."
    )


ASCS_HOW_TO_READ = (
    "Published yearly by NHS England for the council as a whole (real data); the measure was 3A until 2022/23 and "
    "is 1D from 2023/24. The dashed line is the council's target."
)
OUTCOMES_HOW_TO_READ = (
    "Share of the reviews held in each quarter (Client Level Data) whose outcomes the person and the reviewer agreed "
    "were fully achieved; reviews with an unknown or invalid outcome stay in the base. The dashed line is the "
    "target; a quarter with too few reviews is left out."
)
NO_DOMAINS = (
    "Client Level Data records one outcome per review (Review Outcomes Achieved) and no outcome domain, so the "
    "reviews are broken down by their reason (planned, unplanned) instead of by domain."
)


def one_decimal(value: float | None) -> str:
    """A table cell under a heading that carries the unit: 63.157 -> '63.2'."""
    return HIDDEN if value is None else f"{value:.1f}"


def change_cell(value: float | None) -> str:
    """A change in a table, in words: 'up 8.2', 'down 9.1' (a leading '+' would be quoted as a formula in
    spreadsheets and on screen)."""
    if value is None:
        return HIDDEN
    if round(value, 1) == 0:
        return "no change"
    return f"{'up' if value > 0 else 'down'} {abs(value):.1f}"


# --- Blocks each part of the page returns --------------------------------------------------------------


@dataclass
class DpssSurvey:
    heading: str
    metrics: list[Metric]
    paragraphs: list[Paragraph]  # the result with its base and interval, its rating, the change on the quarter
    chart: Chart | None
    by_district: Table | None
    by_district_note: Note


def by_district_note(min_base: int) -> Note:
    return Note(
        f"A district's share rests on few respondents: read it with its interval (fewer than {min_base} "
        "respondents is too few to test a change)."
    )


@dataclass
class AscsSurvey:
    heading: str
    paragraphs: list[Paragraph]  # the area's survey result and rating, the published comparators
    chart: Chart | None  # published ASCOF values with the council's target; its table is the comparators by year


@dataclass
class OutcomeReviews:
    heading: str
    metrics: list[Metric]
    paragraphs: list[Paragraph]
    chart: Chart | None
    by_area: Table | None
    by_reason: Table | None
    grid: Table | None  # share fully achieved by review reason and area (the page's CSV download)


@dataclass
class SatisfactionOutcomes:
    scope: str  # "Cambridgeshire (all), 2024/25 Q4. Higher is better for every measure here."
    dpss: DpssSurvey
    ascs: AscsSurvey
    outcomes: OutcomeReviews
    disclosure_note: Note


# --- Ratings against the target in force ---------------------------------------------------------------


@dataclass(frozen=True)
class Rating:
    """A measure's target in force in the quarter, in words, and the rating of the value shown."""

    target: float | None
    text: str  # "75.0% (the contract's target; higher is better; amber within 5.0 points)"
    sentence: str  # "Target ... Rating: Red: off target (11.8 points below the target)."
    rag: str | None
    label: str = ""  # the chart's target line: "Contract target 75.0% (higher is better)"


def headline_assessment(wh: Warehouse, code: str, period: str, key: str) -> tuple[Assessment, str | None] | None:
    """A headline measure judged as the Overview judges it: the target, tolerance and source in force in
    ``period`` (``mart_headline_measures``), or None where the measure has no value for the quarter."""
    frame = wh.headline_measures(code).filter(pl.col("measure_key") == key)
    for judged in assess_frame(frame, period, wh.change_points):
        if judged.assessment.period == period:
            return judged.assessment, judged.target_source
    return None


def rating(spec: MeasureSpec, value: float | None, target_source: str | None = None, why_not: str = "") -> Rating:
    """The target with its direction and tolerance, and the RAG of ``value`` (None when it is not shown)."""
    text = target_text(spec, target_source)
    if spec.target is None:
        return Rating(None, text, f"{text}.", None)
    whose = "Contract target" if target_source and target_source.startswith("contract KPI") else "Target"
    label = f"{whose} {by_unit(spec.target, spec.unit)} ({direction_words(spec.higher_is_better)})"
    if value is None:
        return Rating(spec.target, text, f"Target {text}. Not rated{why_not}.", None, label)
    rag = rag_rating(value, spec.target, spec.higher_is_better, spec.amber_tolerance)
    gap = value - spec.target
    if round(gap, 1) == 0:
        where = "on the target"
    else:
        where = f"{points(gap)} {'below' if gap < 0 else 'above'} the target"
    return Rating(spec.target, text, f"Target {text}. Rating: {rag_words(rag, symbol=False)} ({where}).", rag, label)


# --- DPSS customer survey ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyQuarter:
    """One quarter of a survey after disclosure control (None: not shown)."""

    period: str
    responses: str  # "38", "<5"
    top_box: str
    base: int  # respondents, for the tests of change; never printed unless shown above
    share: float | None
    lower: float | None
    upper: float | None
    change: float | None
    p_value: float | None
    tested: bool  # both quarters have at least min_base respondents and the answers vary
    significant: bool
    method: str | None = None  # the test used: Fisher's exact test or the two-proportion z-test
    min_base: int = 30  # respondents needed in each of two quarters before their change is tested
    few_answered: bool = False  # a change not tested because a quarter had fewer than min_base respondents


def survey_quarters(survey: pl.DataFrame, disclosure: Disclosure, min_base: int = 30) -> list[SurveyQuarter]:
    """Each quarter's share, interval and change on the quarter before, with what rests on small counts hidden.

    A change is hidden where either quarter's share is (else it would give the hidden share away), and
    tested only where both quarters have at least ``min_base`` respondents (the ``survey_min_base`` setting),
    by Fisher's exact test where any expected count is under 5.
    """
    tested = flag_changes(add_wilson(survey, "top_box", "responses"), "top_box", "responses", min_base=min_base)
    quarters: list[SurveyQuarter] = []
    previous_shown, previous_base = False, 0
    for r in tested.iter_rows(named=True):
        counts = [r["top_box"], r["responses"]]
        shown = not disclosure.any_small(counts) and r["responses"] > 0
        change = r["change_points"] if shown and previous_shown else None
        test = change is not None and r["test"] is not None
        quarters.append(
            SurveyQuarter(
                period=r["period"],
                responses=disclosure.count(r["responses"]),
                top_box=disclosure.count(r["top_box"]),
                base=r["responses"],
                share=r["top_box_pct"] if shown else None,
                lower=100 * r["ci_lower"] if shown else None,
                upper=100 * r["ci_upper"] if shown else None,
                change=change,
                p_value=r["p_value"] if test else None,
                tested=test,
                significant=test and bool(r["significant_change"]),
                method=r["test"] if test else None,
                min_base=min_base,
                few_answered=change is not None and min(r["responses"], previous_base) < min_base,
            )
        )
        previous_shown, previous_base = shown, r["responses"]
    return quarters


def p_text(p_value: float) -> str:
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}"


def change_test_text(q: SurveyQuarter) -> str:
    """The table's verdict on a change: 'Significant (p = 0.006)', 'Not tested (under 30 respondents)', '–'."""
    if q.tested and q.p_value is not None:
        return f"{'Significant' if q.significant else 'Not significant'} ({q.method}, {p_text(q.p_value)})"
    if q.change is not None:
        return f"Not tested (under {q.min_base} respondents)" if q.few_answered else "Not tested (every answer alike)"
    return HIDDEN


def change_sentence(q: SurveyQuarter, first: bool) -> str | None:
    if first:
        return None
    if q.change is None:
        return "The change on the quarter before is not shown (small numbers)."
    word = "change" if round(q.change, 1) == 0 else ("rise" if q.change > 0 else "fall")
    if not q.tested or q.p_value is None:
        why = (
            f"fewer than {q.min_base} people answered in one of the two quarters, too few to call any change real"
            if q.few_answered
            else "everyone gave the same answer in both quarters"
        )
        return f"The {word} of {points(q.change)} on the quarter before is not tested: {why}."
    verdict = "statistically significant" if q.significant else "not statistically significant"
    return f"The {word} of {points(q.change)} on the quarter before is {verdict} ({q.method}, {p_text(q.p_value)})."


def result_sentence(q: SurveyQuarter, who: str, did: str, area: str, when: str, threshold: int) -> str:
    """'In 2024/25 Q4, 63.2% of the 38 DPSS customers who answered in X rated the service very good (95% ...).'"""
    if q.base < threshold:
        return f"Fewer than {threshold} {who} answered in {area} in {when}: too few to show the result (small numbers)."
    if q.share is None:
        return (
            f"{q.responses} {who} answered in {area} in {when}; the share who {did} is not shown, as it rests on "
            f"fewer than {threshold} people (small numbers)."
        )
    sentence = (
        f"In {when}, {pct(q.share)} of the {q.responses} {who} who answered in {area} {did} "
        f"(95% interval {pct(q.lower)} to {pct(q.upper)})."
    )
    if q.base < q.min_base:
        sentence += f" Fewer than {q.min_base} people answered, so treat the share with caution."
    return sentence


def dpss_survey(wh: Warehouse, code: str, period: str, area: str, disclosure: Disclosure) -> DpssSurvey:
    heading = "Direct Payment Support Service customer survey"
    end = parse_quarter(period).end
    survey = wh.satisfaction("dpss_customer", "overall_rating", code).filter(pl.col("quarter_end") <= end)
    by_district = dpss_by_district(wh, code, period, disclosure)
    min_base = wh.settings.survey_min_base
    quarters = survey_quarters(survey, disclosure, min_base) if not survey.is_empty() else []
    if not quarters or quarters[-1].period != period:
        return DpssSurvey(
            heading,
            [],
            [Paragraph(f"No DPSS survey responses for {area} in {period}.")],
            None,
            by_district,
            by_district_note(min_base),
        )
    now = quarters[-1]
    judged = headline_assessment(wh, code, period, DPSS_MEASURE)
    spec = judged[0].spec if judged else _registry_spec(wh, DPSS_MEASURE)
    rated = rating(spec, now.share, judged[1] if judged else None, " (too few respondents)")
    verdict = (
        "a real change"
        if now.significant
        else ("within what chance would give" if now.tested else "not tested (small numbers or few respondents)")
    )
    metrics = [
        Metric(
            f"Rated the service very good, {period}",
            pct(now.share),
            help="Of the DPSS customers who answered the question (the respondents beside it).",
        ),
        Metric("Respondents", now.responses, help=f"DPSS customers who answered the question in {period}."),
        Metric(
            "95% interval",
            HIDDEN if now.share is None else f"{pct(now.lower)} to {pct(now.upper)}",
            help="Wilson score interval: the range the true share probably lies in, given the number who answered.",
        ),
        Metric(
            "Change on the quarter before",
            signed(now.change, 1, " points"),
            help=None if len(quarters) == 1 else f"{(now.method or 'No test').capitalize()}: {verdict}.",
        ),
    ]
    paragraphs = [
        Paragraph(
            result_sentence(now, "DPSS customers", "rated the service very good", area, period, disclosure.threshold),
            emphasis=True,
        ),
        Paragraph(rated.sentence),
    ]
    change = change_sentence(now, first=len(quarters) == 1)
    if change:
        paragraphs.append(Paragraph(change))
    finding_title, finding = significant_change(quarters)
    paragraphs.append(Paragraph(finding))
    return DpssSurvey(
        heading,
        metrics,
        paragraphs,
        dpss_chart(quarters, area, period, rated, wh.change_points(DPSS_MEASURE), finding_title),
        by_district,
        by_district_note(min_base),
    )


def significant_change(quarters: list[SurveyQuarter]) -> tuple[str, str]:
    """The DPSS survey's finding: (chart title, sentence) naming the latest quarter whose change on the quarter before
    was statistically significant (Fisher's exact test where any expected count is under 5, and never below the
    minimum base), or saying that none was."""
    tested = [q for q in quarters if q.tested]
    found = [q for q in tested if q.significant]
    if not found:
        if not tested:
            return (
                "No change in satisfaction could be tested",
                f"No change between quarters could be tested: each needs at least {quarters[-1].min_base} "
                "respondents in both quarters.",
            )
        return (
            "No significant change in satisfaction",
            f"None of the {len(tested)} quarter-on-quarter changes that could be tested was statistically significant.",
        )
    q = found[-1]
    before = quarters[quarters.index(q) - 1]
    word = "rose" if q.change > 0 else "fell"
    return (
        f"Satisfaction {word} significantly in {q.period}",
        f"Satisfaction {word} significantly in {q.period}: from {pct(before.share)} to {pct(q.share)} of DPSS "
        f"customers rating the service very good ({q.method}, {p_text(q.p_value)}; {before.responses} and "
        f"{q.responses} respondents)."
        + (
            f" {len(found) - 1} earlier quarter{'s' if len(found) > 2 else ''} also changed significantly."
            if len(found) > 1
            else ""
        ),
    )


def dpss_chart(
    quarters: list[SurveyQuarter],
    area: str,
    period: str,
    rated: Rating,
    breaks: tuple[tuple[str, str], ...] = (),
    finding: str | None = None,
) -> Chart | None:
    if all(q.share is None for q in quarters):
        return None
    frame = pl.DataFrame(
        {
            "period": [q.period for q in quarters],
            "share": [q.share for q in quarters],
            "lower": [q.lower for q in quarters],
            "upper": [q.upper for q in quarters],
            "flagged": [q.significant for q in quarters],
        },
        schema={
            "period": pl.String,
            "share": pl.Float64,
            "lower": pl.Float64,
            "upper": pl.Float64,
            "flagged": pl.Boolean,
        },
    )
    title = f"DPSS customers rating the service very good, {area}"
    fig = charts.interval_chart(
        frame,
        "period",
        "share",
        "lower",
        "upper",
        f"{finding}: {title}" if finding else title,
        "Very good",
        flagged="flagged",
        target=rated.target,
        target_label=rated.label,
    )
    fig.update_yaxes(range=[0, 104])  # room for a 100% point and its marker, which [0, 100] would cut in half
    now = quarters[-1]
    against = f" against the contract's {pct(rated.target)} target" if rated.target is not None else ""
    latest = f"{pct(now.share)} in {period}{against}" if now.share is not None else f"not shown for {period}"
    table = Table(
        f"DPSS customers rating the service very good, {area}, by quarter",
        [
            "Quarter",
            "Respondents",
            "Rated very good",
            "Rated very good (%)",
            "95% interval (%)",
            "Change on the quarter before (points)",
            "Test of the change",
        ],
        [
            [
                q.period,
                q.responses,
                q.top_box,
                one_decimal(q.share),
                HIDDEN if q.share is None else f"{q.lower:.1f} to {q.upper:.1f}",
                change_cell(q.change),
                change_test_text(q),
            ]
            for q in reversed(quarters)
        ],
        numeric=[False, True, True, True, True, True, False],
    )
    return Chart(
        fig,
        f"Chart of the share of DPSS customers in {area} rating the service very good each quarter, with 95% "
        f"intervals; {latest}.",
        height=300,
        name="dpss_survey",
        how_to_read=dpss_how_to_read(now.min_base),
        table=table,
        spc=SpcView(
            frame["period"].to_list(),
            frame["share"].to_list(),
            True,
            f"{title}: SPC view",
            "Very good",
            "%",
            rated.target,
            rated.label,
            breaks,
        ),
    )


def ordered_areas(frame: pl.DataFrame, county: str) -> pl.DataFrame:
    """Districts by name, then the county total, with ``is_total`` marking it (for secondary suppression)."""
    return pl.concat(
        [
            frame.filter(pl.col("locality_code") != county).sort("locality_name"),
            frame.filter(pl.col("locality_code") == county),
        ]
    ).with_columns((pl.col("locality_code") == county).alias("is_total"))


def dpss_by_district(wh: Warehouse, code: str, period: str, disclosure: Disclosure) -> Table | None:
    """The quarter by district with the county total: counts protected against the total, as the page shows."""
    frame = wh.satisfaction_by_locality("dpss_customer", "overall_rating").filter(pl.col("period") == period)
    if frame.is_empty():
        return None
    frame = add_wilson(ordered_areas(frame, wh.settings.council.code), "top_box", "responses").with_columns(
        (pl.col("ci_lower") * 100).alias("lower"), (pl.col("ci_upper") * 100).alias("upper")
    )
    bases = ["top_box", "responses"]
    safe = disclosure.table(
        frame,
        counts=bases,
        rates={"top_box_pct": bases, "lower": bases, "upper": bases},
        total_row="is_total",
    )
    responses = disclosure.count_texts(safe, frame, "responses")
    top_box = disclosure.count_texts(safe, frame, "top_box")
    rows = [
        [
            r["locality_name"],
            responses[i],
            top_box[i],
            one_decimal(r["top_box_pct"]),
            HIDDEN if r["lower"] is None else f"{r['lower']:.1f} to {r['upper']:.1f}",
        ]
        for i, r in enumerate(safe.iter_rows(named=True))
    ]
    return Table(
        f"DPSS customers rating the service very good, by district, {period}",
        ["Area", "Respondents", "Rated very good", "Rated very good (%)", "95% interval (%)"],
        rows,
        numeric=[False, True, True, True, True],
        bold_rows=[i for i, c in enumerate(safe["locality_code"].to_list()) if c == code],
        widths=["32%", "15%", "17%", "18%", "18%"],
    )


# --- Adult Social Care Survey ---------------------------------------------------------------------------


def _registry_spec(wh: Warehouse, key: str) -> MeasureSpec:
    m = measure_registry(wh.settings)[key]
    return MeasureSpec(m.key, m.name, m.unit, m.higher_is_better, m.target, m.amber_tolerance, m.target_by)


def ascs_survey(wh: Warehouse, code: str, period: str, area: str, disclosure: Disclosure) -> AscsSurvey:
    cfg = wh.settings
    heading = "Adult Social Care Survey: overall satisfaction"
    spec = _registry_spec(wh, ASCS_MEASURE)
    end = parse_quarter(period).end
    survey = wh.satisfaction("ascs", "q1_overall_satisfaction", code).filter(pl.col("quarter_end") <= end)
    paragraphs = []
    if survey.is_empty():
        rated = rating(spec, None, why_not=" (no survey yet)")
        paragraphs.append(Paragraph(f"No Adult Social Care Survey results for {area} up to {period}."))
    else:
        last = survey_quarters(survey, disclosure, cfg.survey_min_base)[-1]
        year = parse_quarter(last.period).fy
        rated = rating(spec, last.share, why_not=" (too few respondents)")
        paragraphs += [
            Paragraph(
                result_sentence(
                    last,
                    "people",
                    "were extremely or very satisfied with their care and support",
                    area,
                    f"the {year} survey",
                    disclosure.threshold,
                ),
                emphasis=True,
            ),
            Paragraph(rated.sentence),
        ]
    names = {cfg.council.code: cfg.council.short_name, cfg.council.region_code: cfg.council.region_name}
    names[ENGLAND] = "England"
    published = wh.ascof("satisfaction_users").filter(pl.col("area_code").is_in(list(names)))
    if published.is_empty():
        paragraphs.append(Paragraph("No published ASCOF values for overall satisfaction are loaded."))
        return AscsSurvey(heading, paragraphs, None)
    latest = published["year"].max()
    now = {r["area_code"]: r["value"] for r in published.filter(pl.col("year") == latest).iter_rows(named=True)}
    listed = ", ".join(f"{name} {pct(now[c])}" for c, name in names.items() if c in now)
    paragraphs.append(Paragraph(f"Latest published ASCOF values ({latest}, real data): {listed}."))
    return AscsSurvey(heading, paragraphs, ascs_chart(published, names, rated))


def ascs_chart(published: pl.DataFrame, names: dict[str, str], rated: Rating) -> Chart:
    order = {c: i for i, c in enumerate(names)}
    lines = published.with_columns(
        pl.col("area_code").replace_strict(names, default=pl.col("area_name")).alias("area"),
        pl.col("area_code").replace_strict(order, default=len(order)).alias("order"),
    ).sort("order", "year")
    council = next(iter(names.values()))
    fig = charts.trend_lines(
        lines,
        "year",
        "value",
        "area",
        "Overall satisfaction of people who use services (ASCOF 3A, 1D from 2023/24)",
        "Extremely or very satisfied",
        target=rated.target,
        target_label=rated.label,
        y_suffix="%",
        highlight=council,
    )
    # The values lie within a few points of each other: an axis from zero would draw them as one line.
    shown = [*published["value"].to_list(), *([rated.target] if rated.target is not None else [])]
    fig.update_yaxes(range=[max(0, 5 * math.floor(min(shown) / 5) - 5), min(100, 5 * math.ceil(max(shown) / 5) + 5)])
    values = {(r["year"], r["area_code"]): r for r in published.iter_rows(named=True)}
    years = sorted(published["year"].unique().to_list(), reverse=True)
    rows = [
        [
            year,
            next((values[(year, c)]["published_code"] for c in names if (year, c) in values), HIDDEN),
            *[one_decimal(values[(year, c)]["value"]) if (year, c) in values else HIDDEN for c in names],
        ]
        for year in years
    ]
    table = Table(
        "Published ASCOF overall satisfaction of people who use services (real data)",
        ["Year", "ASCOF code", *[f"{name} (%)" for name in names.values()]],
        rows,
        numeric=[False, False, *[True] * len(names)],
        widths=["16%", "18%", *["22%"] * len(names)],
    )
    latest = years[0]
    shown = ", ".join(
        f"{name} {pct(values[(latest, c)]['value'])}" for c, name in names.items() if (latest, c) in values
    )
    return Chart(
        fig,
        f"Line chart of published ASCOF overall satisfaction of people who use services by year, {years[-1]} to "
        f"{latest}, for {', '.join(names.values())}; in {latest}: {shown}.",
        height=300,
        name="ascof_satisfaction",
        how_to_read=ASCS_HOW_TO_READ,
        table=table,
    )


# --- Outcome reviews ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeQuarter:
    period: str
    reviewed: str
    achieved: str
    partly: str
    other: str  # not achieved, or an outcome Unknown, blank or Invalid and not mapped: kept in the base
    parts_hidden: bool  # an outcome's count is hidden: the quarter table shows no share beside it
    base: int
    achieved_pct: float | None
    partly_pct: float | None
    hours_change_pct: float | None


def outcome_quarters(outcomes: pl.DataFrame, disclosure: Disclosure) -> list[OutcomeQuarter]:
    """Each quarter's reviews with small counts hidden. The three outcomes shown (fully achieved, partly achieved,
    and not achieved or unknown) add up to the reviews, so where one is hidden the next smallest is hidden too
    (else it would be the total less the others). The share fully achieved rests on the reviews and those fully
    achieved, and is shown where both are; the quarter table leaves it out of a row with a hidden outcome (a share
    beside a hidden count would narrow it down). Not achieved and unknown are one column: unknown outcomes alone
    are nearly always too few to show."""
    quarters = []
    for r in outcomes.iter_rows(named=True):
        other = r["not_achieved"] + (r["outcome_unknown"] or 0) + (r["outcome_invalid"] or 0)
        parts = [r["achieved"], r["partly_achieved"], other, r["outcomes_reviewed"]]
        frame = pl.DataFrame({"n": parts, "is_total": [False, False, False, True]})
        hidden = disclosure.hidden_cells(frame, ["n"], "is_total")["n"]
        texts = [
            disclosure.marker if disclosure.is_small(v) else (HIDDEN if h else count(v))
            for v, h in zip(parts, hidden, strict=True)
        ]
        reviewed = r["outcomes_reviewed"]
        usable = reviewed > 0 and not hidden[3]
        hours = None
        if usable and r["hours_before"]:
            hours = 100 * (r["hours_after"] - r["hours_before"]) / r["hours_before"]
        quarters.append(
            OutcomeQuarter(
                period=r["period"],
                achieved=texts[0],
                partly=texts[1],
                other=texts[2],
                reviewed=texts[3],
                parts_hidden=any(hidden[:3]),
                base=reviewed,
                achieved_pct=r["achieved_pct"] if usable and not hidden[0] else None,
                partly_pct=100 * r["partly_achieved"] / reviewed if usable and not hidden[1] else None,
                hours_change_pct=hours,
            )
        )
    return quarters


def outcome_reviews(wh: Warehouse, code: str, period: str, area: str, disclosure: Disclosure) -> OutcomeReviews:
    heading = "Outcomes of reviews"
    end = parse_quarter(period).end
    outcomes = wh.outcomes(code).filter(pl.col("quarter_end") <= end)
    by_area = outcomes_by_area(wh, code, period, disclosure)
    by_reason = outcomes_by_reason(wh, code, period, area, disclosure)
    grid = outcomes_grid(wh, period, disclosure)
    quarters = outcome_quarters(outcomes, disclosure)
    if not quarters or quarters[-1].period != period:
        return OutcomeReviews(
            heading,
            [],
            [Paragraph(f"No reviews in the Client Level Data for {area} in {period}."), Paragraph(NO_DOMAINS)],
            None,
            by_area,
            by_reason,
            grid,
        )
    now = quarters[-1]
    judged = headline_assessment(wh, code, period, OUTCOMES_MEASURE)
    spec = judged[0].spec if judged else _registry_spec(wh, OUTCOMES_MEASURE)
    rated = rating(spec, now.achieved_pct, judged[1] if judged else None, " (too few reviews)")
    if now.base < disclosure.threshold:
        result = f"Fewer than {disclosure.threshold} reviews were held in {area} in {period}: too few to show."
    elif now.achieved_pct is None:
        result = (
            f"{now.reviewed} reviews were held in {area} in {period}; the share with outcomes fully achieved is not "
            f"shown, as it rests on fewer than {disclosure.threshold} (small numbers)."
        )
    else:
        result = (
            f"Outcomes fully achieved in {pct(now.achieved_pct)} of the {now.reviewed} reviews held in {area} in "
            f"{period}."
        )
    paragraphs = [Paragraph(result, emphasis=True), Paragraph(rated.sentence)]
    if now.hours_change_pct is not None:
        word = "fell" if now.hours_change_pct < 0 else "rose"
        paragraphs.append(
            Paragraph(
                f"Planned weekly hours of the services of the people reviewed {word} by "
                f"{abs(now.hours_change_pct):.1f}% from the day before their review to the day after (a fall can "
                "mean more independence)."
            )
        )
    paragraphs.append(Paragraph(NO_DOMAINS))
    metrics = [
        Metric(
            f"Outcomes fully achieved, {period}",
            pct(now.achieved_pct),
            help=f"Of the reviews held in the quarter (beside it). Target {rated.text}.",
        ),
        Metric(
            "Reviews held",
            now.reviewed,
            help=f"Reviews of people using services in {period} (Client Level Data): the base of the shares.",
        ),
        Metric(
            "Partly achieved", pct(now.partly_pct), help="Share of the reviews whose outcomes were partly achieved."
        ),
        Metric(
            "Change in weekly planned hours after review",
            signed(now.hours_change_pct, 1, "%"),
            help="Hourly long-term services of the people reviewed, open the day before and the day after.",
        ),
    ]
    return OutcomeReviews(
        heading,
        metrics,
        paragraphs,
        outcomes_chart(quarters, area, period, rated, wh.change_points(OUTCOMES_MEASURE)),
        by_area,
        by_reason,
        grid,
    )


def outcomes_chart(
    quarters: list[OutcomeQuarter], area: str, period: str, rated: Rating, breaks: tuple[tuple[str, str], ...] = ()
) -> Chart | None:
    if all(q.achieved_pct is None for q in quarters):
        return None
    frame = pl.DataFrame(
        {
            "period": [q.period for q in quarters],
            "share": [q.achieved_pct for q in quarters],
            "series": ["Fully achieved"] * len(quarters),
        },
        schema={"period": pl.String, "share": pl.Float64, "series": pl.String},
    )
    title = f"Reviews with outcomes fully achieved, {area}"
    fig = charts.trend_lines(
        frame,
        "period",
        "share",
        "series",
        title,
        "Fully achieved",
        target=rated.target,
        target_label=rated.label,
        y_suffix="%",
    )
    now = quarters[-1]
    against = f" against a {pct(rated.target)} target" if rated.target is not None else ""
    latest = f"{pct(now.achieved_pct)} in {period}{against}" if now.achieved_pct is not None else "not shown"
    table = Table(
        f"Outcomes of reviews, {area}, by quarter",
        [
            "Quarter",
            "Reviews held",
            "Fully achieved",
            "Partly achieved",
            "Not achieved or unknown",
            "Fully achieved (%)",
            "Change in weekly hours after review (%)",
        ],
        [
            [
                q.period,
                q.reviewed,
                q.achieved,
                q.partly,
                q.other,
                HIDDEN if q.parts_hidden else one_decimal(q.achieved_pct),
                HIDDEN if q.parts_hidden else change_cell(q.hours_change_pct),
            ]
            for q in reversed(quarters)
        ],
        numeric=[False, True, True, True, True, True, True],
    )
    return Chart(
        fig,
        f"Line chart of the share of reviews with outcomes fully achieved in {area} each quarter; {latest}.",
        height=300,
        name="outcomes",
        how_to_read=OUTCOMES_HOW_TO_READ,
        table=table,
        spc=SpcView(
            frame["period"].to_list(),
            frame["share"].to_list(),
            True,
            f"{title}: SPC view",
            "Fully achieved",
            "%",
            rated.target,
            rated.label,
            breaks,
        ),
    )


def _achieved_table(frame: pl.DataFrame, disclosure: Disclosure) -> tuple[pl.DataFrame, list[str], list[str]]:
    """Reviews and outcomes achieved protected against the total row, and the share resting on them."""
    bases = ["achieved", "outcomes_reviewed"]
    safe = disclosure.table(frame, counts=bases, rates={"achieved_pct": bases}, total_row="is_total")
    return (
        safe,
        disclosure.count_texts(safe, frame, "outcomes_reviewed"),
        disclosure.count_texts(safe, frame, "achieved"),
    )


def outcomes_by_area(wh: Warehouse, code: str, period: str, disclosure: Disclosure) -> Table | None:
    frame = wh.outcomes_all_localities(period).filter(pl.col("review_reason") == "all")
    if frame.is_empty():
        return None
    frame = ordered_areas(frame, wh.settings.council.code)
    safe, reviewed, achieved = _achieved_table(frame, disclosure)
    return Table(
        f"Outcomes fully achieved by area, {period}",
        ["Area", "Reviews held", "Fully achieved", "Fully achieved (%)"],
        [
            [r["locality_name"], reviewed[i], achieved[i], one_decimal(r["achieved_pct"])]
            for i, r in enumerate(safe.iter_rows(named=True))
        ],
        numeric=[False, True, True, True],
        bold_rows=[i for i, c in enumerate(safe["locality_code"].to_list()) if c == code],
    )


def outcomes_by_reason(wh: Warehouse, code: str, period: str, area: str, disclosure: Disclosure) -> Table | None:
    reasons = wh.outcomes_by_reason(code, period)
    total = wh.outcomes(code).filter(pl.col("period") == period)
    if reasons.is_empty() or total.is_empty():
        return None
    frame = pl.concat([reasons.sort("review_reason"), total], how="diagonal_relaxed").with_columns(
        (pl.col("review_reason") == "all").alias("is_total")
    )
    safe, reviewed, achieved = _achieved_table(frame, disclosure)
    return Table(
        f"Outcomes fully achieved by review reason, {area}, {period}",
        ["Review reason", "Reviews held", "Fully achieved", "Fully achieved (%)"],
        [
            [
                "All reviews" if r["is_total"] else r["review_reason"],
                reviewed[i],
                achieved[i],
                one_decimal(r["achieved_pct"]),
            ]
            for i, r in enumerate(safe.iter_rows(named=True))
        ],
        numeric=[False, True, True, True],
        bold_rows=[len(reviewed) - 1],
    )


def outcomes_grid(wh: Warehouse, period: str, disclosure: Disclosure) -> Table | None:
    """Share fully achieved by review reason (rows) and area (columns): shares only, each hidden where the
    reviews or achievements it rests on are few. The page's CSV download writes this table as shown."""
    cells = wh.outcomes_all_localities(period).filter(pl.col("review_reason") != "all")
    if cells.is_empty():
        return None
    areas = ordered_areas(cells.unique("locality_code"), wh.settings.council.code)
    names = dict(zip(areas["locality_code"], areas["locality_name"], strict=True))
    shares = {
        (r["review_reason"], r["locality_code"]): disclosure.rate(
            r["achieved_pct"], [r["achieved"], r["outcomes_reviewed"]], formatter=one_decimal
        )
        for r in cells.iter_rows(named=True)
    }
    reasons = sorted(cells["review_reason"].unique().to_list())
    return Table(
        f"Share of reviews with outcomes fully achieved by review reason and area, {period}",
        ["Review reason", *[f"{name} (%)" for name in names.values()]],
        [[reason, *[shares.get((reason, c), HIDDEN) for c in names]] for reason in reasons],
        numeric=[False, *[True] * len(names)],
    )


# --- The page ---------------------------------------------------------------------------------------------


def page_scope(area: str, period: str) -> str:
    return f"{area}, {period}. Higher is better for every measure here."


def disclosure_note(wh: Warehouse) -> Note:
    return Note(Disclosure(wh.settings.suppression_threshold).note)


SECTIONS = {"dpss": dpss_survey, "ascs": ascs_survey, "outcomes": outcome_reviews}


def section(wh: Warehouse, name: str, code: str, period: str, area: str) -> DpssSurvey | AscsSurvey | OutcomeReviews:
    """One part of the page ("dpss", "ascs" or "outcomes") alone: the page builds only the tab that is open."""
    return SECTIONS[name](wh, code, period, area, Disclosure(wh.settings.suppression_threshold))


def satisfaction_outcomes(wh: Warehouse, code: str, period: str, area: str) -> SatisfactionOutcomes:
    """Everything the Satisfaction and outcomes page and the pack's theme show, for one area and quarter."""
    disclosure = Disclosure(wh.settings.suppression_threshold)
    return SatisfactionOutcomes(
        scope=page_scope(area, period),
        dpss=dpss_survey(wh, code, period, area, disclosure),
        ascs=ascs_survey(wh, code, period, area, disclosure),
        outcomes=outcome_reviews(wh, code, period, area, disclosure),
        disclosure_note=disclosure_note(wh),
    )
