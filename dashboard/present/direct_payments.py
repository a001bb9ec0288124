"""Direct payments: uptake against the target, the trajectory to it, the districts, the published comparators,
the support service's reach and Individual Service Funds.

Used by the Overview (the summary), the Direct payments page and the committee pack's direct payments
theme, so the three say the same thing in the same words. Every count has been through disclosure control.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from dashboard import charts
from dashboard.formatting import count, gbp, in_words, pct, points, signed
from dashboard.present.blocks import Chart, Heading, Metric, Note, Paragraph, SpcView, Table
from dashboard.present.disclosure import HIDDEN, Disclosure, left_out_words
from dashboard.present.headlines import direction_words, headlines, target_text
from dashboard.present.shown_quarter import ShownQuarter, shown_quarter
from dashboard.queries import Warehouse
from models.funnel import estimate_overdispersion, funnel_curve, funnel_table
from models.measures import MeasureSpec, net_new_needed
from models.periods import parse_quarter
from pipelines.registry import measure_registry

ENGLAND = "E92000001"  # GSS code of England, the national comparator

FUNNEL_WORDS = {
    "above 99.8%": "Well above average",
    "above 95%": "Above average",
    "within": "Within chance",
    "below 95%": "Below average",
    "below 99.8%": "Well below average",
    "no data": "No data",
}
FUNNEL_EXPLAINED = (
    "The last column is a funnel-plot test: ‘within chance’ means a district’s difference from the county average "
    "is no bigger than chance alone would give for its size; ‘above’ or ‘below’ means chance would give a difference "
    "that big less than once in 20 times, ‘well’ above or below less than once in 500."
)


# --- Shared with the workforce theme: a target as the registry declares it, and area tables ---------------------


@dataclass(frozen=True)
class Judged:
    """A headline measure as the Overview judges it: its target (from ``mart_headline_measures``, shown with its
    date, direction and amber tolerance) and its RAG rating in one quarter."""

    spec: MeasureSpec
    target: str  # target_text: value, date, direction and amber tolerance
    rag: str | None = None
    rag_text: str = "No target"

    def rated(self, hidden: bool, why: str = "small numbers") -> str:
        """'rated Red: off target', or why there is no rating (the value not shown, or no target)."""
        if hidden:
            return f"not rated ({why})"
        return f"rated {self.rag_text}" if self.rag else self.rag_text[0].lower() + self.rag_text[1:]


def judged(wh: Warehouse, code: str, period: str, key: str) -> Judged:
    """One headline measure judged as the Overview judges it (the same target, tolerance and RAG)."""
    for h in headlines(wh, code, period, wh.settings.locality_name(code)):
        if h.key == key:
            return Judged(h.assessment.spec, h.target, h.rag, h.rag_text)
    m = measure_registry(wh.settings)[key]
    spec = MeasureSpec(m.key, m.name, m.unit, m.higher_is_better, m.target, m.amber_tolerance, m.target_by)
    return Judged(spec, target_text(spec))


def _latest_first(frame: pl.DataFrame) -> pl.DataFrame:
    """A time series' rows latest quarter first, keeping the order within a quarter."""
    return frame.with_row_index("_row").sort(["quarter_end", "_row"], descending=[True, False]).drop("_row")


# --- The summary the Overview shows ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UptakeSummary:
    """DP uptake in one area and quarter, as the Overview, the page and the pack all show it."""

    sentence: str  # "In 2024/25 Q4, 19.8% of people ... 5.2 points below the 25.0% target ..."
    trajectory: str  # what it takes to reach the target by its date, and whether the area is on course
    people: str  # "821 of 4,183 people in long-term community support ..."
    comparators: str  # "Latest published ASCOF values (2023/24): England 26.5%, East of England 24.9%."
    comparator_values: dict[str, float]
    comparator_year: str | None
    metrics: list[Metric]
    people_metrics: list[Metric]
    uptake_pct: float | None
    target_pct: float
    needed: int  # net new DP recipients needed to meet the target now
    recent_rate: float | None = None  # net change in DP recipients a quarter over the last year (None: not shown)
    small: bool = False  # the counts are small: nothing resting on them is shown
    lag: str = ""  # why the figures are for an earlier quarter than the one chosen (ShownQuarter.note); '' if not


def dp_quarter(wh: Warehouse, period: str) -> ShownQuarter:
    """The chosen quarter, or the latest before it with direct payment figures, and the sentence saying so."""
    return shown_quarter(wh.dp_uptake(), period, "direct payment figures")


def comparator_values(wh: Warehouse, measure: str) -> tuple[str | None, dict[str, float]]:
    """Latest published ASCOF values (real data) for the council itself, where published, England and the region."""
    published = wh.ascof(measure)
    if published.is_empty():
        return None, {}
    year = published["year"].max()
    order = [wh.settings.council.code, ENGLAND, wh.settings.council.region_code]
    rows = (
        published.filter((pl.col("year") == year) & pl.col("area_code").is_in(order) & pl.col("value").is_not_null())
        .with_columns(order=pl.col("area_code").replace_strict(order, list(range(len(order))), default=None))
        .sort("order")
    )
    return year, dict(zip(rows["area_name"], rows["value"], strict=True))


def comparator_sentence(year: str | None, values: dict[str, float]) -> str:
    """'Latest published ASCOF values (2022/23): England 26.2%, East of England 24.3%.'"""
    if not values:
        return "No published ASCOF comparators are loaded."
    listed = ", ".join(f"{name} {pct(value)}" for name, value in values.items())
    return f"Latest published ASCOF values ({year}): {listed}."


def uptake_sentence(area: str, period: str, uptake_pct: float | None, target_pct: float, target_by: str) -> str:
    """How far DP uptake is from its target, with the direction stated."""
    if uptake_pct is None:
        return f"No one was in long-term community support in {area} at the end of {period}."
    gap = uptake_pct - target_pct
    if round(gap, 1) == 0:
        position = f"on the {pct(target_pct)} target for {target_by}"
    elif gap < 0:
        position = f"{points(gap)} below the {pct(target_pct)} target for {target_by}"
    else:
        position = f"{points(gap)} above the {pct(target_pct)} target for {target_by}"
    return (
        f"In {period}, {pct(uptake_pct)} of people in long-term community support in {area} "
        f"took a direct payment: {position} (higher is better)."
    )


def trajectory_sentence(
    area: str, period: str, dp: int, clients: int, target: float, target_by: str, rate: float | None
) -> tuple[str, int]:
    """What reaching the target takes: net new DP recipients a quarter against the recent rate."""
    quarters_left = parse_quarter(target_by).minus(parse_quarter(period))
    needed, per_quarter = net_new_needed(dp, clients, target, max(quarters_left, 0))
    shown = pct(target)
    if needed == 0:
        return f"{area} meets the {shown} target in {period}.", needed
    recent = (
        "the net change over the last year cannot be shown"
        if rate is None
        else f"over the last year the net change was {signed(rate)} a quarter"
    )
    if per_quarter is not None:
        verdict = "" if rate is None else f", so it is {'on course' if rate >= per_quarter else 'not on course'}"
        return (
            f"To reach {shown} by {target_by}, {area} needs about {per_quarter:,.1f} more people a quarter on a "
            f"direct payment (net of those leaving) over the next {quarters_left} "
            f"{'quarter' if quarters_left == 1 else 'quarters'}; {recent}{verdict}.",
            needed,
        )
    return (
        f"The target date ({target_by}) has passed without the target being met: {count(needed)} more people would "
        f"need a direct payment for {area} to meet {shown} now. {recent[0].upper()}{recent[1:]}.",
        needed,
    )


def recent_rate(here: pl.DataFrame) -> float | None:
    """Net change in DP recipients a quarter over the last four quarters (``here`` oldest first)."""
    recent = here.tail(5)["dp_recipients"].to_list()
    return (recent[-1] - recent[0]) / (len(recent) - 1) if len(recent) > 1 else None


DP_COUNTS = ["dp_recipients", "community_clients"]
DP_RATES = {"uptake_pct": DP_COUNTS}


def uptake_history(wh: Warehouse, period: str, disclosure: Disclosure, quarters: int | None = None) -> pl.DataFrame:
    """Every area's DP uptake up to ``period`` (the last ``quarters`` of it, or all), suppressed quarter by quarter
    against the county total, so a count hidden in the page's table is hidden on every surface."""
    frame = wh.dp_uptake()
    periods = frame.filter(pl.col("quarter_end") <= frame.filter(pl.col("period") == period)["quarter_end"][0])
    if quarters is not None:
        keep = periods["period"].unique(maintain_order=True).tail(quarters)
        periods = periods.filter(pl.col("period").is_in(keep.to_list()))
    return wh.memo(
        ("dp_uptake_areas", period, quarters, disclosure.threshold),
        lambda: disclosure.areas(periods, wh.settings.council.code, DP_COUNTS, DP_RATES),
    )


def uptake_summary(wh: Warehouse, code: str, period: str, area: str) -> UptakeSummary:
    """DP uptake in one area and quarter (or the latest before it with figures: ``dp_quarter``): the Overview's
    summary, also the page's and the pack's."""
    disclosure = Disclosure(wh.settings.suppression_threshold)
    quarter = dp_quarter(wh, period)
    if quarter.shown is None:
        return _no_figures(wh, code, period, quarter.note)
    summary = _summary(
        wh,
        code,
        quarter.shown,
        area,
        uptake_history(wh, quarter.shown, disclosure, quarters=5),
        judged(wh, code, quarter.shown, "dp_uptake_pct"),
    )
    return replace(summary, lag=quarter.note)


def _no_figures(wh: Warehouse, code: str, period: str, sentence: str) -> UptakeSummary:
    """The summary where no quarter up to ``period`` has direct payment figures: the sentence and the comparators."""
    year, values = comparator_values(wh, "dp_users")
    target = judged(wh, code, period, "dp_uptake_pct").spec.target
    return UptakeSummary(sentence, "", "", comparator_sentence(year, values), values, year, [], [], None, target, 0)


def _summary(
    wh: Warehouse, code: str, period: str, area: str, history: pl.DataFrame, judgement: Judged
) -> UptakeSummary:
    spec = judgement.spec
    target, target_by = spec.target, spec.target_by
    here = history.filter(pl.col("locality_code") == code)
    shown = here.row(-1, named=True)
    raw = wh.dp_uptake(code)
    now = raw.filter(pl.col("period") == period).row(0, named=True)
    upto = raw.filter(pl.col("quarter_end") <= now["quarter_end"])
    # A change between two counts, one of them hidden, would give the hidden one away.
    rate = None if here.tail(5)["dp_recipients"].null_count() else recent_rate(upto)
    small = shown["dp_recipients"] is None or shown["community_clients"] is None
    uptake = shown["uptake_pct"]
    trajectory, needed = trajectory_sentence(
        area, period, now["dp_recipients"], now["community_clients"], target, target_by, rate
    )
    if small:
        # The sentences would give a small number away: say only that it is small.
        if any(shown[f"{c}_text"] == HIDDEN and now[c] is not None for c in DP_COUNTS) and not any(
            shown[f"{c}_text"] == f"<{wh.settings.suppression_threshold}" for c in DP_COUNTS
        ):
            sentence = (
                f"Direct payment uptake in {area} is not shown for {period}: with the county total it would reveal a "
                "small number in another district."
            )
        else:
            sentence = f"Too few people in {area} to show direct payment uptake for {period} (small numbers)."
        trajectory = ""
        people = (
            f"The numbers of people on a direct payment and in long-term community support in {area} at the end of "
            f"{period} are not shown (small numbers)."
        )
    else:
        sentence = uptake_sentence(area, period, uptake, target, target_by)
        people = (
            f"{count(now['dp_recipients'])} of {count(now['community_clients'])} people in long-term community "
            f"support took a direct payment at the end of {period}; their planned direct payments come to about "
            f"{gbp(now['dp_annual_spend_gbp'])} a year."
        )
    year, values = comparator_values(wh, "dp_users")
    gap = None if uptake is None else uptake - target
    metrics = [
        Metric(
            f"DP uptake, {period}",
            pct(uptake),
            help="People aged 18+ in long-term community support taking a direct payment (or part), at quarter end.",
        ),
        Metric(
            f"Target by {target_by} ({direction_words(spec.higher_is_better)})",
            pct(target),
            help=f"Target {judgement.target}."
            + ("" if gap is None else f" {points(gap)} {'below' if gap < 0 else 'above'} the target in {period}."),
        ),
    ] + [
        Metric(f"{name}, ASCOF {year}", pct(value), help="Published ASCOF 3D(2a), formerly 1C(2a) (real data).")
        for name, value in values.items()
    ]
    return UptakeSummary(
        sentence=sentence,
        trajectory=trajectory,
        people=people,
        comparators=comparator_sentence(year, values),
        comparator_values=values,
        comparator_year=year,
        metrics=metrics,
        people_metrics=[
            Metric("People taking a direct payment", shown["dp_recipients_text"]),
            Metric("People in long-term community support", shown["community_clients_text"]),
        ],
        uptake_pct=uptake,
        target_pct=target,
        needed=needed,
        recent_rate=rate,
        small=small,
    )


# --- The Direct payments page and the pack's direct payments theme -------------------------------------------------


@dataclass
class DirectPayments:
    """Everything the Direct payments page and the pack's theme show, already formatted and suppressed."""

    scope: str  # the area and quarter, then ``rating``
    quarter: str  # the quarter the figures are for: the one chosen, or the latest before it (``summary.lag`` says why)
    rating: str  # the target with its date, direction and amber tolerance, and the RAG rating in words
    target: Judged
    summary: UptakeSummary
    metrics: list[Metric]  # uptake, gap to target, more recipients needed, net change a quarter
    trajectory: Paragraph | None
    furthest: Paragraph | None  # which district is furthest from the target, in words (the chart's title says it too)
    uptake_chart: Chart
    area_table: Table  # areas and the county at the quarter, with the funnel test in words
    districts_heading: Heading
    funnel_chart: Chart  # the default funnel (chance alone), the pack's; its table is ``area_table``
    funnels: dict[str, DistrictFunnel]  # both funnels (chance alone; allowing for overdispersion), for the toggle
    funnel_note: Note
    comparators_heading: Heading
    comparators_chart: Chart
    dpss_heading: Heading
    dpss_chart: Chart
    isf_heading: Heading
    isf_sentence: Paragraph | None
    isf_chart: Chart | None
    disclosure_note: Note


def _area_table(
    at: pl.DataFrame, funnel: pl.DataFrame, county: str, code: str, period: str, target: float
) -> tuple[Table, pl.DataFrame]:
    """The areas and the county at one quarter with each district's funnel position (from ``funnel``, the test of
    every district); and the districts that may be drawn (none whose counts are hidden)."""
    shown_names = set(
        at.filter(
            (pl.col("locality_code") != county)
            & pl.col("dp_recipients").is_not_null()
            & pl.col("community_clients").is_not_null()
        )["locality_name"]
    )
    position = dict(zip(funnel["unit"], funnel["position"], strict=True))
    ordered = pl.concat([at.filter(pl.col("locality_code") != county), at.filter(pl.col("locality_code") == county)])
    rows = []
    for r in ordered.iter_rows(named=True):
        uptake = r["uptake_pct"]
        if uptake is None:
            against = HIDDEN
        elif round(uptake - target, 1) == 0:
            against = "On target"
        else:
            against = f"{points(uptake - target)} {'below' if uptake < target else 'above'}"
        if r["locality_code"] == county:
            compared = "County total"
        elif r["locality_name"] in shown_names:
            compared = FUNNEL_WORDS.get(position.get(r["locality_name"]), "No data")
        else:
            compared = HIDDEN
        rows.append(
            [r["locality_name"], r["dp_recipients_text"], r["community_clients_text"], pct(uptake), against, compared]
        )
    table = Table(
        f"Direct payment uptake by area, {period}",
        [
            "Area",
            "People on a direct payment",
            "People in long-term community support",
            "Uptake",
            "Against target",
            "Compared with the county average",
        ],
        rows,
        numeric=[False, True, True, True, True, False],
        widths=["22%", "14%", "18%", "10%", "16%", "20%"],
        bold_rows=[i for i, r in enumerate(ordered.iter_rows(named=True)) if r["locality_code"] == code],
    )
    plotted = funnel.filter(pl.col("unit").is_in(list(shown_names)) & pl.col("proportion").is_not_null())
    return table, plotted


@dataclass(frozen=True)
class Finding:
    """A chart's finding: its title ("Fenland is furthest from the 25.0% target") and the page's sentence."""

    title: str
    sentence: str


def furthest_from_target(at: pl.DataFrame, county: str, target: float, higher_is_better: bool | None) -> Finding | None:
    """Which district is furthest from the target in the quarter (``at``: mart_dp_uptake rows after disclosure
    control, so a district whose uptake is hidden is neither named nor compared). None without a district shown."""
    shown = at.filter((pl.col("locality_code") != county) & pl.col("uptake_pct").is_not_null())
    hidden = at.filter((pl.col("locality_code") != county) & pl.col("uptake_pct").is_null()).height
    if shown.is_empty() or higher_is_better is None:
        return None
    sign = 1 if higher_is_better else -1
    shortfall = shown.with_columns(short=sign * (target - pl.col("uptake_pct"))).sort("short", descending=True)
    worst = shortfall.row(0, named=True)
    behind = shortfall.filter(pl.col("short").round(1) > 0).height
    period, total = worst["period"], shown.height
    left_out = left_out_words(hidden)
    side = "below" if higher_is_better else "above"
    if round(worst["short"], 1) <= 0:
        return Finding(
            f"every district is at or {'above' if higher_is_better else 'below'} the {pct(target)} target",
            f"In {period}, every district shown{left_out} is at or {'above' if higher_is_better else 'below'} the "
            f"{pct(target)} target for direct payment uptake.",
        )
    return Finding(
        f"{worst['locality_name']} is furthest from the {pct(target)} target",
        f"In {period}, {worst['locality_name']} is the district furthest from the {pct(target)} target for direct "
        f"payment uptake, at {pct(worst['uptake_pct'])} ({points(worst['short'])} {side} it); "
        + _share_behind(behind, total, left_out, side),
    )


def _share_behind(behind: int, total: int, left_out: str, side: str) -> str:
    """'two of the three districts shown are below the target', 'both districts shown are ...'."""
    if behind == total:
        who = {1: "the one district shown is", 2: "both districts shown are"}.get(
            total, f"all {in_words(total)} districts shown are"
        )
    else:
        who = f"{in_words(behind)} of the {in_words(total)} districts shown {'is' if behind == 1 else 'are'}"
    return who.replace(" shown", f" shown{left_out}") + f" {side} the target."


FUNNEL_DEFAULT = "binomial"
FUNNEL_OPTIONS = {"binomial": "Chance alone", "overdispersed": "Allowing for overdispersion"}


@dataclass(frozen=True)
class DistrictFunnel:
    """One funnel of DP uptake by district: the chart (its table the area table with this funnel's verdicts) and
    a sentence saying how many districts lie outside its limits and, allowing for overdispersion, why."""

    chart: Chart
    sentence: Paragraph
    outside: int  # districts beyond the 95% limits


def district_funnels(
    raw: pl.DataFrame, at: pl.DataFrame, county: str, code: str, period: str, target: float
) -> dict[str, DistrictFunnel]:
    """The district funnel both ways: against chance alone (binomial, exact limits) and allowing for overdispersion
    (Spiegelhalter's additive between-district variance on the arcsine scale, as FunnelPlotR does). Computed from the
    unsuppressed counts (pooling keeps every district); drawn and tabled only where the counts are shown."""
    districts = raw.filter(pl.col("locality_code") != county)
    names = districts["locality_name"].to_list()
    x, n = districts["dp_recipients"].to_list(), districts["community_clients"].to_list()
    result = {}
    plain_outside = None
    for option in FUNNEL_OPTIONS:
        widened = option == "overdispersed"
        funnel = funnel_table(names, x, n, overdispersion=widened)
        p0 = funnel["p0"][0]
        spread = estimate_overdispersion(np.asarray(x, float), np.asarray(n, float), p0) if widened else None
        tau2 = spread.tau2 if spread is not None and math.isfinite(spread.tau2) else 0.0
        area_table, plotted = _area_table(at, funnel, county, code, period, target)
        # A council's first small file can have districts of a handful of people: the curve still spans them.
        low = max(10, funnel["denominator"].min() * 0.5)
        curve = funnel_curve(p0, low, max(low, funnel["denominator"].max() * 1.5), tau2=tau2)
        # Counted over the districts drawn, as the title names them: where a hidden district lies is not said.
        outside = int(plotted["position"].is_in(list(BEYOND)).sum())
        limits = "the limits chance alone would stay within" if not widened else "limits widened for overdispersion"
        chart = Chart(
            charts.funnel_chart(
                plotted,
                curve,
                funnel_title(plotted, districts.height - plotted.height, period, widened),
                "People in long-term community support",
                "DP uptake",
                p0,
            ),
            f"Funnel plot of direct payment uptake in each district against the county average of {pct(p0 * 100)}, "
            f"{period}, with {limits} for each district's size.",
            name="dp_funnel" if not widened else "dp_funnel_overdispersed",
            how_to_read="Each point is a district. Inside the dashed lines, a district's difference from the county "
            "average is within what chance alone would give for its size 19 times in 20; outside the dotted lines "
            "chance would give it less than once in 500."
            + (
                " The lines are widened by how much more the districts differ than chance alone would make them."
                if widened
                else ""
            ),
            table=area_table,
        )
        if not widened:
            plain_outside = outside
            words = f"{_districts(outside)} outside the 95% limits of chance alone."
        elif spread is None or not math.isfinite(spread.phi):
            words = "Overdispersion cannot be estimated here, so the limits are those of chance alone."
        elif tau2 == 0:
            words = (
                f"The districts differ no more than chance alone would make them (overdispersion ratio "
                f"{spread.phi:.2f}, at most 1 within chance), so the limits stay as they are: "
                f"{_districts(outside)} outside them."
            )
        else:
            words = (
                f"The districts differ more than chance alone would make them (overdispersion ratio {spread.phi:.2f} "
                f"on the arcsine scale; 1 would be chance alone), so the limits are widened by that extra variation: "
                f"{_districts(outside)} outside the 95% limits, against {plain_outside} with chance alone."
            )
        result[option] = DistrictFunnel(chart, Paragraph(words), outside)
    return result


def _districts(k: int) -> str:
    return "No district lies" if k == 0 else "1 district lies" if k == 1 else f"{k} districts lie"


# A district's funnel position beyond the 95% limits, in the title's words.
BEYOND = {"above 99.8%": "well above", "above 95%": "above", "below 95%": "below", "below 99.8%": "well below"}


def funnel_title(plotted: pl.DataFrame, hidden: int, period: str, widened: bool) -> str:
    """The district funnel's title, stating its finding: how many districts lie outside the 95% limits and which,
    highest first ("DP uptake by district, 2024/25 Q4: 2 districts lie outside the 95% limits, Cambridge above and
    Fenland well below"). ``plotted``: the districts drawn (``unit``, ``proportion``, ``position``); ``hidden``: those
    left out for small numbers, neither named nor counted."""
    subject = f"DP uptake by district, {period}" + (", allowing for overdispersion" if widened else "")
    left_out = left_out_words(hidden)
    if plotted.is_empty():
        return f"{subject}: no district can be shown{left_out}" if hidden else f"{subject}: no data"
    if plotted.height == 1 and not hidden:
        return f"{subject}: {plotted['unit'][0]} is the only district, so none is compared"
    beyond = plotted.filter(pl.col("position").is_in(list(BEYOND))).sort("proportion", descending=True)
    named = [f"{r['unit']} {BEYOND[r['position']]}" for r in beyond.iter_rows(named=True)]
    which = f", {', '.join(named[:-1])} and {named[-1]}" if len(named) > 1 else f", {named[0]}" if named else ""
    return f"{subject}: {_districts(beyond.height).lower()} outside the 95% limits{which}{left_out}"


def _isf(
    wh: Warehouse, disclosure: Disclosure, code: str, period: str, area: str, end, is_county: bool
) -> tuple[Paragraph | None, Chart | None]:
    """New Individual Service Funds: the year so far against the plan, and each quarter (small counts hidden)."""
    plan = measure_registry(wh.settings)["new_isfs"]
    per_year = plan.target
    isf = wh.isf_starts(code).filter(pl.col("quarter_end") <= end)
    if isf.is_empty() or isf["period"][-1] != period:
        return None, None
    now = isf.row(-1, named=True)
    ytd = int(now["new_isfs_year_to_date"])  # a HUGEINT sum, read as a Decimal
    values = isf["new_isfs"].to_list()
    hide = [disclosure.is_small(v) for v in values] if plan.personal else [False] * len(values)
    if plan.personal:
        # The year's quarters so far add up to the year-to-date count in the sentence: one hidden quarter among
        # them could be worked out from it, so the next smallest is hidden too.
        this_year = [i for i, fy in enumerate(isf["financial_year"].to_list()) if fy == now["financial_year"]]
        year = pl.DataFrame(
            {"new_isfs": [values[i] for i in this_year] + [ytd], "total": [False] * len(this_year) + [True]}
        )
        for i, hidden in zip(this_year, disclosure.hidden_cells(year, ["new_isfs"], "total")["new_isfs"], strict=False):
            hide[i] = hidden
    texts = [
        disclosure.marker if hidden and disclosure.is_small(v) else HIDDEN if hidden else count(v)
        for v, hidden in zip(values, hide, strict=True)
    ]
    plan_to_date = per_year * now["quarter_number"] / 4
    so_far = (
        f"Fewer than {disclosure.threshold} new Individual Service Funds (ISFs) were"
        if plan.personal and disclosure.is_small(ytd)
        else f"{count(ytd)} new Individual Service {'Fund (ISF) was' if ytd == 1 else 'Funds (ISFs) were'}"
    )
    sentence = Paragraph(
        f"{so_far} set up in {area} in {now['financial_year']} up to the end of {period}, against a plan of "
        f"{count(plan_to_date)} by then ({count(per_year)} a year, {direction_words(plan.higher_is_better)})."
        + ("" if is_county else " The plan is county-wide.")
    )
    shown = isf.select("period").with_columns(
        pl.Series("new_isfs", [None if h else float(v) for v, h in zip(values, hide, strict=True)], dtype=pl.Float64)
    )
    fig = charts.bars(
        shown,
        "period",
        "new_isfs",
        f"New ISFs set up each quarter, {area}",
        "New ISFs",
        target=per_year / 4 if is_county else None,
        target_label=f"Plan: {count(per_year)} a year ({direction_words(plan.higher_is_better)})",
        text_format=",.0f",
    )
    order = list(range(len(values)))[::-1]
    chart = Chart(
        fig,
        f"Bar chart of new Individual Service Funds set up in {area} each quarter from {isf['period'][0]} to "
        f"{period}. {sentence.text}",
        name="isf_starts",
        how_to_read="ISF arrangements starting in each quarter"
        + ("; the dashed line is the plan's quarterly share." if is_county else " (the plan is county-wide).")
        + f" Quarters with fewer than {disclosure.threshold} are not drawn.",
        table=Table(
            f"New Individual Service Funds set up each quarter, {area}",
            ["Quarter", "New ISFs set up"],
            [[isf["period"][i], texts[i]] for i in order],
            numeric=[False, True],
        ),
    )
    return sentence, chart


def direct_payments(wh: Warehouse, code: str, period: str, area: str) -> DirectPayments | None:
    """The Direct payments page and the pack's direct payments theme for one area and quarter (or the latest before
    it with figures: ``dp_quarter``); None if no quarter up to it has any."""
    quarter = dp_quarter(wh, period)
    if quarter.shown is None:
        return None
    period = quarter.shown  # every figure below is for the quarter shown
    cfg = wh.settings
    county = cfg.council.code
    disclosure = Disclosure(cfg.suppression_threshold)
    judgement = judged(wh, code, period, "dp_uptake_pct")
    spec = judgement.spec
    target = spec.target
    direction = direction_words(spec.higher_is_better)
    history = uptake_history(wh, period, disclosure)
    summary = replace(_summary(wh, code, period, area, history, judgement), lag=quarter.note)
    end = history.filter(pl.col("period") == period)["quarter_end"][0]
    rating = judgement.rated(summary.small)
    rating_line = f"Target for direct payment uptake: {judgement.target}; {rating}."

    gap = None if summary.uptake_pct is None else summary.uptake_pct - target
    if gap is None:
        gap_label = "Against the target"
    elif round(gap, 1) == 0:
        gap_label = "On the target"
    else:
        gap_label = "Below the target by" if gap < 0 else "Above the target by"
    metrics = [
        summary.metrics[0],
        Metric(gap_label, points(gap), help=f"Target {judgement.target}. {rating[0].upper()}{rating[1:]}."),
        Metric(
            "More DP recipients needed",
            HIDDEN if summary.small else count(summary.needed),
            help="To meet the target now, assuming the number of people in long-term community support stays as it is.",
        ),
        Metric(
            "Net change a quarter (last year)",
            signed(summary.recent_rate),
            help="Change in the number of people on a direct payment, a quarter on average over the last four "
            "quarters (those starting less those leaving).",
        ),
    ]

    here = history.filter(pl.col("locality_code") == code)
    finding = furthest_from_target(history.filter(pl.col("period") == period), county, target, spec.higher_is_better)
    uptake_fig = charts.trend_lines(
        history,
        "period",
        "uptake_pct",
        "locality_name",
        f"Direct payment uptake: {finding.title}"
        if finding
        else f"Direct payment uptake by area against the {pct(target)} target",
        "Uptake",
        y_suffix="%",
        target=target,
        target_label=f"Target {pct(target)} ({direction})",
        highlight=area,
    )
    latest_first = _latest_first(history)
    uptake_chart = Chart(
        uptake_fig,
        f"Line chart of direct payment uptake in each area from {history['period'][0]} to {period}. "
        + (
            f"{area} was at {pct(summary.uptake_pct)} against the {pct(target)} target."
            if summary.uptake_pct is not None
            else f"{area}'s uptake is not shown (small numbers)."
        ),
        name="dp_uptake_history",
        how_to_read="Each line is an area, measured at the end of each quarter; the selected area is drawn bold. "
        f"Above the dashed target line is better. Target: {judgement.target}.",
        table=Table(
            "Direct payment uptake by area and quarter",
            ["Quarter", "Area", "People on a direct payment", "People in long-term community support", "Uptake"],
            [
                [
                    r["period"],
                    r["locality_name"],
                    r["dp_recipients_text"],
                    r["community_clients_text"],
                    pct(r["uptake_pct"]),
                ]
                for r in latest_first.iter_rows(named=True)
            ],
            numeric=[False, False, True, True, True],
        ),
        spc=SpcView(
            here["period"].to_list(),
            here["uptake_pct"].to_list(),
            spec.higher_is_better,
            f"Direct payment uptake in {area}: SPC view",
            "Uptake",
            "%",
            target,
            f"Target ({direction})",
            wh.change_points("dp_uptake_pct"),
        ),
    )

    at = history.filter(pl.col("period") == period)
    funnels = district_funnels(wh.dp_uptake_at(period), at, county, code, period, target)
    area_table, funnel_chart = funnels[FUNNEL_DEFAULT].chart.table, funnels[FUNNEL_DEFAULT].chart

    ascof = wh.ascof("dp_users").filter(pl.col("area_code").is_in([county, cfg.council.region_code, ENGLAND]))
    ascof_fig = charts.trend_lines(
        ascof,
        "year",
        "value",
        "area_name",
        "Proportion of people who use services receiving direct payments (ASCOF)",
        "Published value",
        y_suffix="%",
        target=target,
        target_label=f"Local target {pct(target)} ({direction})",
        highlight=cfg.council.short_name,
    )
    if (ascof["year"] >= "2024/25").any():
        # On a category axis plotly cannot place an annotation attached to a vline (it averages the x values):
        # the line and its label are added apart.
        ascof_fig.add_vline(x="2024/25", line={"dash": "dot", "color": "#444"})
        # Its label above the plot, a row above the target's, where it cannot sit on a line of data.
        rows = len(ascof_fig.layout.annotations)
        ascof_fig.add_annotation(
            x="2024/25",
            y=1,
            yref="paper",
            yanchor="bottom",
            yshift=charts.NOTE_ROW_PX * rows,
            text="Series break: from Client Level Data",
            showarrow=False,
            xanchor="right",
        )
        ascof_fig.layout.margin.t += charts.NOTE_ROW_PX
        ascof_fig.layout.height += charts.NOTE_ROW_PX
    comparators_chart = Chart(
        ascof_fig,
        f"Line chart of the published ASCOF proportion of people who use services receiving direct payments, "
        f"by year, for {', '.join(ascof['area_name'].unique(maintain_order=True))}. {summary.comparators}",
        name="ascof_dp",
        how_to_read="Published yearly by NHS England: 1C(2a) until 2022/23, renumbered 3D(2a) from 2023/24 (the same "
        "measure). From 2024/25 it is computed from Client Level Data, a break in the series. Real data, "
        "Open Government Licence v3.0.",
        table=Table(
            "Published ASCOF values: people who use services receiving direct payments",
            ["Year", "Area", "Published code", "Value"],
            [
                [r["year"], r["area_name"], r["published_code"], pct(r["value"])]
                for r in ascof.sort(["year", "area_code"], descending=True).iter_rows(named=True)
            ],
            numeric=[False, False, False, True],
        ),
    )

    dpss_raw = wh.dpss_use().filter(pl.col("quarter_end") <= end)
    dpss_counts = ["dpss_active_cases", "dp_recipients"]
    dpss = disclosure.table(dpss_raw, dpss_counts, {"dpss_use_pct": dpss_counts})
    dpss_fig = charts.trend_lines(
        dpss.with_columns(pl.lit("Supported by the DPSS").alias("series")),
        "period",
        "dpss_use_pct",
        "series",
        dpss_title(dpss),
        "Share",
        y_suffix="%",
    )
    cases = disclosure.count_texts(dpss, dpss_raw, "dpss_active_cases")
    recipients = disclosure.count_texts(dpss, dpss_raw, "dp_recipients")
    dpss_rows = [
        [p, cases[i], recipients[i], pct(v)]
        for i, (p, v) in enumerate(zip(dpss["period"].to_list(), dpss["dpss_use_pct"].to_list(), strict=True))
    ][::-1]
    dpss_chart = Chart(
        dpss_fig,
        f"Line chart of the share of county direct payment recipients with an open Direct Payment Support Service "
        f"case, {dpss['period'][0]} to {dpss['period'][-1]}: {pct(dpss['dpss_use_pct'][-1])} at the end."
        if not dpss.is_empty()
        else "No Direct Payment Support Service returns are loaded.",
        name="dpss_use",
        how_to_read="The support service's open cases at quarter end (from its KPI return) over county DP recipients.",
        table=Table(
            "Direct Payment Support Service use, county",
            ["Quarter", "Open DPSS cases", "People on a direct payment", "Share with an open DPSS case"],
            dpss_rows,
            numeric=[False, True, True, True],
        ),
    )

    isf_sentence, isf_chart = _isf(wh, disclosure, code, period, area, end, code == county)
    return DirectPayments(
        scope=f"{area}, {period}. {rating_line}",
        quarter=period,
        rating=rating_line,
        target=judgement,
        summary=summary,
        metrics=metrics,
        trajectory=Paragraph(summary.trajectory) if summary.trajectory else None,
        furthest=Paragraph(finding.sentence) if finding else None,
        uptake_chart=uptake_chart,
        area_table=area_table,
        districts_heading=Heading("Are the differences between districts real?"),
        funnel_chart=funnel_chart,
        funnels=funnels,
        funnel_note=Note(FUNNEL_EXPLAINED),
        comparators_heading=Heading("Published ASCOF comparators"),
        comparators_chart=comparators_chart,
        dpss_heading=Heading("Direct Payment Support Service use"),
        dpss_chart=dpss_chart,
        isf_heading=Heading("Individual Service Funds set up"),
        isf_sentence=isf_sentence,
        isf_chart=isf_chart,
        disclosure_note=Note(disclosure.note),
    )


def dpss_title(dpss: pl.DataFrame) -> str:
    """The DPSS chart's title, stating its finding: how the share changed from the first quarter shown to the last
    (hidden quarters left out)."""
    title = "Share of DP recipients with an open DPSS case"
    shown = dpss.filter(pl.col("dpss_use_pct").is_not_null())
    if shown.height < 2:
        return title
    first, last = shown.row(0, named=True), shown.row(-1, named=True)
    change = round(last["dpss_use_pct"], 1) - round(first["dpss_use_pct"], 1)
    verb = "rose" if change > 0 else "fell" if change < 0 else "was unchanged"
    span = f"from {pct(first['dpss_use_pct'])} in {first['period']} to {pct(last['dpss_use_pct'])} in {last['period']}"
    return (
        f"{title} {verb}: {span}"
        if change
        else f"{title} {verb} at {pct(last['dpss_use_pct'])} since {first['period']}"
    )
