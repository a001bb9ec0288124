"""Workforce: Personal Assistants against the growth target, the rural gap, and care micro-enterprises.

Used by the Workforce page and the committee pack's workforce theme, so the two say the same thing in the
same words. Counts of PAs and of care micro-enterprises (many are sole traders) are personal in the
registry: small ones are hidden, with what rests on them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from dashboard import charts
from dashboard.formatting import count, pct, points
from dashboard.present.blocks import Chart, Heading, Metric, Note, Paragraph, SpcView, Table
from dashboard.present.direct_payments import Judged, judged
from dashboard.present.disclosure import HIDDEN, Disclosure, left_out_words
from dashboard.present.shown_quarter import ShownQuarter, shown_quarter
from dashboard.queries import Warehouse
from pipelines.registry import measure_registry

PA_COUNTS = ["active_pas", "active_pas_year_before", "pas_on_payroll", "dp_recipients"]
PA_REGISTER_BEHIND = "the Personal Assistant register loaded was taken before it ended"
PA_RATES = {"growth_pct": ["active_pas", "active_pas_year_before"], "pas_per_100_dp": ["active_pas", "dp_recipients"]}


@dataclass
class Workforce:
    """Everything the Workforce page and the pack's theme show, already formatted and suppressed."""

    scope: str  # the area and quarter, then ``rating``
    rating: str  # the growth target with its direction and amber tolerance, and the RAG rating in words
    target: Judged
    metrics: list[Metric]  # active PAs, growth, on the payroll, PAs per 100 DP recipients
    verdict: Paragraph | None  # growth against the target, in words
    payroll: Paragraph
    pa_chart: Chart
    rural_heading: Heading
    rural_chart: Chart
    area_table: Table  # PAs by area (the pack's table)
    area_note: Note
    cme_heading: Heading
    cme_sentence: Paragraph | None
    cme_chart: Chart
    disclosure_note: Note
    lag: str = ""  # why the figures are for an earlier quarter than the one chosen (ShownQuarter.note); '' if not


def _rules(disclosure: Disclosure, personal: bool) -> Disclosure:
    """The disclosure rules for a count: the threshold's if the registry marks it personal, none otherwise."""
    return disclosure if personal else Disclosure(1)


def _ratio(value: float | None) -> str:
    return HIDDEN if value is None else f"{value:.1f}"


def _verdict(judgement: Judged, area: str, now: dict) -> Paragraph | None:
    """'Active Personal Assistants (PAs) in Fenland grew 24.4% on a year before, from 41 to 51: 0.6 points short
    of the target growth of 25.0% (higher is better; amber within 5.0 points), rated Amber: near target.'"""
    growth = now["growth_pct"]
    if growth is None:
        if now["growth_pct_raw"] is None:
            return None  # no year before to compare with
        return Paragraph(
            f"Growth in Personal Assistants in {area} in the year to {now['period']} is not shown (small numbers)."
        )
    moved = f"grew {pct(growth)}" if growth >= 0 else f"fell {pct(-growth)}"
    if judgement.rag == "green":
        where = f"meeting the target growth of {judgement.target}"
    else:
        where = f"{points(growth - judgement.spec.target)} short of the target growth of {judgement.target}"
    return Paragraph(
        f"Active Personal Assistants (PAs) in {area} {moved} on a year before, from "
        f"{now['active_pas_year_before_text']} to {now['active_pas_text']}: {where}, rated {judgement.rag_text}.",
        emphasis=True,
    )


def _payroll(now: dict, area: str, period: str, disclosure: Disclosure) -> Paragraph:
    """PAs on the support service's payroll and PAs per 100 DP recipients, without printing a small count."""
    shown = now["pas_on_payroll_text"]
    where = f"on the Direct Payment Support Service payroll at the end of {period}"
    if shown == disclosure.marker:
        text = f"Fewer than {disclosure.threshold} PAs were {where}"
    elif shown == HIDDEN:
        text = f"The number of PAs in {area} {where} is not shown (small numbers)"
    else:
        text = f"{shown} {'PA was' if shown == '1' else 'PAs were'} {where}"
    ratio = now["pas_per_100_dp"]
    if ratio is not None:
        text += f", and there were {ratio:.1f} PAs for every 100 people taking a direct payment"
    return Paragraph(text + ".")


def pa_quarter(wh: Warehouse, period: str) -> ShownQuarter:
    """The chosen quarter, or the latest before it with Personal Assistant figures, and the sentence saying so."""
    return shown_quarter(wh.pa_workforce(), period, "Personal Assistant figures", PA_REGISTER_BEHIND)


def workforce(wh: Warehouse, code: str, period: str, area: str) -> Workforce | None:
    """The Workforce page and the pack's workforce theme for one area and quarter (or the latest before it with
    figures: ``pa_quarter``); None if no quarter up to it has any."""
    quarter = pa_quarter(wh, period)
    if quarter.shown is None:
        return None
    return replace(_workforce(wh, code, quarter.shown, area), lag=quarter.note)


def _workforce(wh: Warehouse, code: str, period: str, area: str) -> Workforce:
    cfg = wh.settings
    county = cfg.council.code
    disclosure = Disclosure(cfg.suppression_threshold)
    registry = measure_registry(cfg)
    judgement = judged(wh, code, period, "pa_growth_pct")
    growth_target = judgement.spec.target

    raw = wh.pa_workforce()
    end = raw.filter(pl.col("period") == period)["quarter_end"][0]
    raw = raw.filter(pl.col("quarter_end") <= end)
    rules = _rules(disclosure, registry["active_pas"].personal)
    pas = wh.memo(("pa_areas", period, rules.threshold), lambda: rules.areas(raw, county, PA_COUNTS, PA_RATES))
    pas = pas.with_columns(pl.Series("growth_pct_raw", raw["growth_pct"]))
    here = pas.filter(pl.col("locality_code") == code)
    now = here.row(-1, named=True)
    rating = judgement.rated(
        now["growth_pct"] is None, "small numbers" if now["growth_pct_raw"] is not None else "no year before"
    )
    rating_line = f"Target for growth in active Personal Assistants on a year before: {judgement.target}; {rating}."

    metrics = [
        Metric(f"Active PAs, {period}", now["active_pas_text"], help="PAs on the register at the end of the quarter."),
        Metric(
            "Growth on a year before",
            pct(now["growth_pct"]),
            help=f"Target {judgement.target}. {rating[0].upper()}{rating[1:]}.",
        ),
        Metric("PAs on the DPSS payroll", now["pas_on_payroll_text"]),
        Metric(
            "PAs per 100 DP recipients",
            _ratio(now["pas_per_100_dp"]),
            help="Active PAs for every 100 people taking a direct payment: fewer means a PA is harder to find.",
        ),
    ]
    payroll = _payroll(now, area, period, disclosure)

    # The path: the first quarter shown, compounding at the target rate (25% a year is 5.7% a quarter).
    base = here.row(0, named=True)
    quarterly = (1 + growth_target / 100) ** 0.25
    steps = range(here.height)
    path = [None if base["active_pas"] is None else base["active_pas"] * quarterly**step for step in steps]
    path_label = f"Path at {pct(growth_target, 0)} a year from {base['period']}"
    periods = here["period"].to_list()
    long = pl.DataFrame(
        {
            "period": periods * 3,
            "series": ["Active PAs"] * len(periods)
            + ["On the DPSS payroll"] * len(periods)
            + [path_label] * len(periods),
            "value": [None if v is None else float(v) for v in here["active_pas"].to_list()]
            + [None if v is None else float(v) for v in here["pas_on_payroll"].to_list()]
            + path,
        },
        schema={"period": pl.String, "series": pl.String, "value": pl.Float64},
    )
    order = list(range(here.height))[::-1]
    rows = here.to_dicts()
    pa_chart = Chart(
        charts.trend_lines(
            long, "period", "value", "series", f"Personal Assistants in {area} against the growth path", "PAs"
        ),
        f"Line chart of active Personal Assistants in {area} from {base['period']} to {period}, with those on the "
        f"payroll and the path at {pct(growth_target, 0)} growth a year.",
        name="pa_growth",
        how_to_read="Solid line: PAs on the register at each quarter end. The path shows where the number would be "
        f"had it grown by the target rate every year since the first quarter shown. Target: {judgement.target}.",
        table=Table(
            f"Personal Assistants in {area} by quarter",
            ["Quarter", "Active PAs", "On the DPSS payroll", "Growth on a year before", path_label],
            [
                [
                    rows[i]["period"],
                    rows[i]["active_pas_text"],
                    rows[i]["pas_on_payroll_text"],
                    pct(rows[i]["growth_pct"]),
                    HIDDEN if path[i] is None else count(path[i]),
                ]
                for i in order
            ],
            numeric=[False, True, True, True, True],
        ),
        spc=SpcView(
            periods,
            [None if v is None else float(v) for v in here["active_pas"].to_list()],
            True,
            f"Active Personal Assistants in {area}: SPC view",
            "PAs",
            change_points=wh.change_points("active_pas"),
        ),
    )

    at = (
        pas.filter(pl.col("period") == period)
        .join(wh.localities().select("locality_code", "is_rural"), on="locality_code", how="left")
        .with_columns(
            (
                pl.col("locality_name")
                + pl.when(pl.col("is_rural").fill_null(False)).then(pl.lit(" (rural)")).otherwise(pl.lit(""))
            ).alias("label")
        )
    )
    districts = at.filter(pl.col("locality_code") != county).sort("pas_per_100_dp", descending=True, nulls_last=True)
    county_row = at.filter(pl.col("locality_code") == county)
    county_ratio = county_row["pas_per_100_dp"][0] if county_row.height else None
    rural = pl.concat([districts, county_row])
    rural_chart = Chart(
        charts.bars(
            districts,
            "label",
            "pas_per_100_dp",
            rural_gap_title(districts, county_ratio, period),
            "PAs per 100 DP recipients",
            target=county_ratio,
            target_label=f"County {_ratio(county_ratio)}",
        ),
        f"Bar chart of Personal Assistants per 100 direct payment recipients in each district, {period}, against "
        f"the county's {_ratio(county_ratio)}.",
        name="pas_per_100_dp",
        how_to_read="Fewer PAs per 100 people on a direct payment means it is harder to find one to employ. Rural "
        "districts are labelled; the dashed line is the county figure.",
        table=Table(
            f"Personal Assistants per 100 direct payment recipients by district, {period}",
            ["Area", "Active PAs", "People on a direct payment", "PAs per 100 DP recipients"],
            [
                [r["label"], r["active_pas_text"], r["dp_recipients_text"], _ratio(r["pas_per_100_dp"])]
                for r in rural.iter_rows(named=True)
            ],
            numeric=[False, True, True, True],
            bold_rows=[i for i, r in enumerate(rural.iter_rows(named=True)) if r["locality_code"] == code],
        ),
    )
    by_name = pl.concat([at.filter(pl.col("locality_code") != county).sort("locality_name"), county_row])
    area_table = Table(
        f"Personal Assistants by area, {period}",
        [
            "Area",
            "Active PAs",
            "A year before",
            f"Growth (target {pct(growth_target, 0)})",
            "On the payroll",
            "PAs per 100 DP recipients",
        ],
        [
            [
                r["label"],
                r["active_pas_text"],
                r["active_pas_year_before_text"],
                pct(r["growth_pct"]),
                r["pas_on_payroll_text"],
                _ratio(r["pas_per_100_dp"]),
            ]
            for r in by_name.iter_rows(named=True)
        ],
        numeric=[False, True, True, True, True, True],
        bold_rows=[i for i, r in enumerate(by_name.iter_rows(named=True)) if r["locality_code"] == code],
    )

    cme_measure = registry["active_cmes"]
    cme_raw = wh.cme_capacity(code).filter(pl.col("quarter_end") <= end)
    # The hours of care a handful of micro-enterprises give describe those few businesses: hidden with them.
    rules = _rules(disclosure, cme_measure.personal)
    cme = rules.table(cme_raw, ["active_cmes"], {"weekly_hours": ["active_cmes"]})
    cme_texts = rules.count_texts(cme, cme_raw, "active_cmes")
    cme_sentence = None
    if not cme.is_empty() and cme["period"][-1] == period:
        latest = cme.row(-1, named=True)
        if latest["active_cmes"] is None and cme_raw["active_cmes"][-1] is not None:
            cme_sentence = Paragraph(
                f"Fewer than {disclosure.threshold} care micro-enterprises were supporting people in {area} at the end "
                f"of {period} (small numbers are not shown in detail)."
            )
        else:
            cme_sentence = Paragraph(
                f"{cme_texts[-1]} care micro-enterprises were supporting people in {area} at the end of {period}, "
                f"giving {count(latest['weekly_hours'])} hours of care a week."
            )
    cme_chart = Chart(
        charts.trend_lines(
            cme.with_columns(
                pl.lit("Micro-enterprises").alias("series"), pl.col("active_cmes").cast(pl.Float64).alias("value")
            ),
            "period",
            "value",
            "series",
            f"Care micro-enterprises supporting people, {area}",
            "Micro-enterprises",
        ),
        f"Line chart of care micro-enterprises supporting people in {area} at each quarter end"
        + (f" to {period}. {cme_sentence.text}" if cme_sentence else "."),
        name="cme_capacity",
        how_to_read="Micro-enterprises with at least one person using them at the quarter end, and the weekly hours "
        "of care they provide.",
        table=Table(
            f"Care micro-enterprises supporting people, {area}",
            ["Quarter", "Care micro-enterprises", "Hours of care a week"],
            [
                [p, cme_texts[i], HIDDEN if h is None else count(h)]
                for i, (p, h) in enumerate(zip(cme["period"].to_list(), cme["weekly_hours"].to_list(), strict=True))
            ][::-1],
            numeric=[False, True, True],
        ),
    )

    return Workforce(
        scope=f"{area}, {period}. {rating_line}",
        rating=rating_line,
        target=judgement,
        metrics=metrics,
        verdict=_verdict(judgement, area, now),
        payroll=payroll,
        pa_chart=pa_chart,
        rural_heading=Heading("The rural gap"),
        rural_chart=rural_chart,
        area_table=area_table,
        area_note=Note("Fewer PAs per 100 people on a direct payment means it is harder to find one to employ."),
        cme_heading=Heading("Care micro-enterprises"),
        cme_sentence=cme_sentence,
        cme_chart=cme_chart,
        disclosure_note=Note(disclosure.note),
    )


def rural_gap_title(districts: pl.DataFrame, county_ratio: float | None, period: str) -> str:
    """The rural gap chart's title, stating its finding from the districts it draws (``districts``: one row each,
    after disclosure control; a hidden district is neither named nor counted): PAs per 100 DP recipients in the rural
    districts together against the others together ("Rural districts have 4.2 fewer PAs per 100 DP recipients than
    the others in 2024/25 Q4: 8.1 against 12.3"); or, without both kinds, the district with the fewest."""
    shown = districts.drop_nulls(["pas_per_100_dp", "active_pas", "dp_recipients"])
    hidden = districts.height - shown.height
    left_out = left_out_words(hidden)
    if shown.is_empty():
        return f"PAs per 100 DP recipients by district, {period}: " + (
            f"no district can be shown{left_out}" if hidden else "no data"
        )
    rural = shown["is_rural"].fill_null(False)
    if rural.all() or not rural.any():
        fewest = shown.sort("pas_per_100_dp").row(0, named=True)
        against = "" if county_ratio is None else f", against the county's {_ratio(county_ratio)}"
        if shown.height == 1:
            return (
                f"{fewest['locality_name']} has {_ratio(fewest['pas_per_100_dp'])} PAs per 100 DP recipients in "
                f"{period}{against}{left_out}"
            )
        return (
            f"{fewest['locality_name']} has the fewest PAs per 100 DP recipients in {period}: "
            f"{_ratio(fewest['pas_per_100_dp'])}{against}{left_out}"
        )
    ratios = [_pooled(shown.filter(rural == flag)) for flag in (True, False)]
    rural_text, other_text = (_ratio(r) for r in ratios)
    gap = float(rural_text) - float(other_text)  # as the figures are shown, so the words match them
    if gap == 0:
        same = f"Rural districts have as many PAs per 100 DP recipients as the others in {period}"
        return f"{same}: {rural_text}{left_out}"
    return (
        f"Rural districts have {abs(gap):.1f} {'fewer' if gap < 0 else 'more'} PAs per 100 DP recipients than the "
        f"others in {period}: {rural_text} against {other_text}{left_out}"
    )


def _pooled(districts: pl.DataFrame) -> float:
    """PAs per 100 DP recipients over several districts together (their counts summed, not their ratios averaged)."""
    return 100 * districts["active_pas"].sum() / districts["dp_recipients"].sum()
