"""The committee themes, one section each: direct payments, workforce, satisfaction and outcomes.

Each function reads through ``dashboard.queries``, draws with the dashboard's chart builders and
writes the same judgements as the dashboard's pages, in sentences a councillor can read aloud.
The provider KPI summary and the demand outlook are in :mod:`pipelines.report.outlook`.
"""

from __future__ import annotations

import polars as pl

from dashboard import charts, queries
from dashboard.formatting import count, gbp, pct, points
from dashboard.kpi_charts import hide_small_counts
from dashboard.narrative import comparator_sentence, dp_uptake_sentence
from models.funnel import funnel_table
from models.measures import net_new_needed
from models.survey import add_wilson, flag_changes
from pipelines.periods import parse_quarter
from pipelines.report.content import (
    Chart,
    Heading,
    Note,
    Paragraph,
    Scope,
    Section,
    Table,
    count_cell,
    rate_cell,
    suppression_note,
)

ENGLAND = "E92000001"
MIN_SAMPLE = 30  # as on the Satisfaction page: below this a quarter's survey share is too uncertain to show
FUNNEL_WORDS = {
    "above 99.8%": "Well above average",
    "above 95%": "Above average",
    "within": "Within chance",
    "below 95%": "Below average",
    "below 99.8%": "Well below average",
    "no data": "No data",
}


def _comparators(measure: str, scope: Scope) -> tuple[str | None, dict[str, float]]:
    """Latest published ASCOF values for England and the region (real data)."""
    published = queries.ascof(measure)
    if published.is_empty():
        return None, {}
    year = published["year"].max()
    rows = published.filter(
        (pl.col("year") == year) & pl.col("area_code").is_in([ENGLAND, scope.settings.council.region_code])
    ).sort("area_code", descending=True)
    return year, dict(zip(rows["area_name"], rows["value"], strict=True))


def _trajectory_sentence(scope: Scope, now: dict, recent_rate: float | None) -> str:
    target_by = scope.settings.targets.dp_uptake_by
    quarters_left = parse_quarter(target_by).minus(parse_quarter(scope.period))
    needed, per_quarter = net_new_needed(
        now["dp_recipients"], now["community_clients"], now["target_pct"], max(quarters_left, 0)
    )
    rate = "–" if recent_rate is None else f"{recent_rate:+.1f}".replace("-", "−")
    if needed == 0:
        return f"{scope.area} meets the {pct(now['target_pct'])} target in {scope.period}."
    if per_quarter is not None:
        verdict = "on course" if recent_rate is not None and recent_rate >= per_quarter else "not on course"
        return (
            f"To reach {pct(now['target_pct'])} by {target_by}, {scope.area} needs about {per_quarter:,.1f} more "
            f"people a quarter on a direct payment (net of those leaving) over the next {quarters_left} "
            f"{'quarter' if quarters_left == 1 else 'quarters'}; "
            f"over the last year the net change was {rate} a quarter, so it is {verdict}."
        )
    return (
        f"The target date ({target_by}) has been reached: {count(needed)} more people would need a direct payment "
        f"for {scope.area} to meet {pct(now['target_pct'])} now. Over the last year the net change was {rate} "
        "a quarter."
    )


def direct_payments(scope: Scope) -> Section:
    cfg, threshold = scope.settings, scope.threshold
    history = queries.dp_uptake().filter(pl.col("quarter_end") <= scope.quarter_end)
    here = history.filter(pl.col("locality_code") == scope.code)
    now = here.row(-1, named=True)
    recent = here.tail(5)["dp_recipients"].to_list()
    recent_rate = (recent[-1] - recent[0]) / (len(recent) - 1) if len(recent) > 1 else None
    year, comparators = _comparators("dp_users", scope)
    section = Section("direct-payments", "Direct payments", scope.line)
    section.add(
        Paragraph(
            dp_uptake_sentence(
                scope.area, scope.period, now["uptake_pct"], now["target_pct"], cfg.targets.dp_uptake_by
            ),
            emphasis=True,
        ),
        Paragraph(_trajectory_sentence(scope, now, recent_rate)),
        Paragraph(
            f"{count_cell(now['dp_recipients'], threshold)} of {count_cell(now['community_clients'], threshold)} "
            f"people in long-term community support took a direct payment at the end of {scope.period}; their "
            f"planned direct payments come to about {gbp(now['dp_annual_spend_gbp'])} a year."
        ),
        Paragraph(comparator_sentence(year, comparators) if year else comparator_sentence("", {})),
    )
    target = cfg.targets.dp_uptake_pct
    fig = charts.trend_lines(
        history,
        "period",
        "uptake_pct",
        "locality_name",
        f"Direct payment uptake by area against the {pct(target)} target",
        "Uptake",
        y_suffix="%",
        target=target,
        target_label=f"Target {pct(target)} (higher is better)",
        highlight=scope.area,
    )
    section.add(
        Chart(
            fig,
            f"Line chart of direct payment uptake in each area from {history['period'][0]} to {scope.period}. "
            f"{scope.area} was at {pct(now['uptake_pct'])} against the {pct(target)} target.",
        ),
        Note(
            "Each line is an area, measured at the end of each quarter; the selected area is drawn bold. "
            "Above the dashed target line is better."
        ),
    )
    latest = history.filter(pl.col("period") == scope.period)
    districts = latest.filter(pl.col("locality_code") != cfg.council.code)
    funnel = funnel_table(
        districts["locality_name"].to_list(),
        districts["dp_recipients"].to_list(),
        districts["community_clients"].to_list(),
    )
    position = dict(zip(funnel["unit"], funnel["position"], strict=True))
    ordered = pl.concat([districts, latest.filter(pl.col("locality_code") == cfg.council.code)])
    rows = [
        [
            r["locality_name"],
            count_cell(r["dp_recipients"], threshold),
            count_cell(r["community_clients"], threshold),
            rate_cell(r["uptake_pct"], [r["dp_recipients"], r["community_clients"]], threshold),
            points(r["uptake_pct"] - r["target_pct"]) + (" below" if r["uptake_pct"] < r["target_pct"] else " above"),
            FUNNEL_WORDS.get(position.get(r["locality_name"]), "County total"),
        ]
        for r in ordered.iter_rows(named=True)
    ]
    section.add(
        Table(
            f"Direct payment uptake by area, {scope.period}",
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
            bold_rows=[i for i, r in enumerate(ordered.iter_rows(named=True)) if r["locality_code"] == scope.code],
        ),
        Note(
            "The last column is a funnel-plot test: ‘within chance’ means a district’s difference from the county "
            "average is no bigger than chance alone would give for its size (95% limits; ‘well’ above or below "
            "means beyond the 99.8% limits)."
        ),
        suppression_note(threshold),
    )
    isf = queries.isf_starts(scope.code).filter(pl.col("period") == scope.period)
    if not isf.is_empty():
        year_row = isf.row(0, named=True)
        plan = cfg.targets.isf_new_per_year * year_row["quarter_number"] / 4
        section.add(
            Paragraph(
                f"Individual Service Funds: {count_cell(year_row['new_isfs_year_to_date'], threshold)} were set up "
                f"in {year_row['financial_year']} up to the end of {scope.period}, against a plan of {count(plan)} "
                "by then "
                f"({cfg.targets.isf_new_per_year} a year, higher is better)."
                + ("" if scope.is_county else " The plan is county-wide.")
            )
        )
    return section


def workforce(scope: Scope) -> Section:
    cfg, threshold = scope.settings, scope.threshold
    growth_target = cfg.targets.pa_growth_pct_per_year
    pas = queries.pa_workforce().filter(pl.col("quarter_end") <= scope.quarter_end)
    here = pas.filter(pl.col("locality_code") == scope.code)
    now = here.row(-1, named=True)
    section = Section("workforce", "Workforce: Personal Assistants and micro-enterprises", scope.line)
    growth = now["growth_pct"]
    small = any(v is not None and 0 < v < threshold for v in (now["active_pas"], now["active_pas_year_before"]))
    if growth is not None and not small:
        verdict = "meeting" if growth >= growth_target else "short of"
        section.add(
            Paragraph(
                f"Active Personal Assistants (PAs) in {scope.area} grew {pct(growth)} on a year before, {verdict} the "
                f"{pct(growth_target)}-a-year target (higher is better): {count(now['active_pas_year_before'])} "
                f"to {count(now['active_pas'])}.",
                emphasis=True,
            )
        )
    per_100 = "–" if now["pas_per_100_dp"] is None or small else f"{now['pas_per_100_dp']:.1f}"
    section.add(
        Paragraph(
            f"{count_cell(now['pas_on_payroll'], threshold)} PAs were on the Direct Payment Support Service payroll "
            f"at the end of {scope.period}, and there were {per_100} PAs for every 100 people taking a direct payment."
        )
    )
    base = here.row(0, named=True)
    quarterly = (1 + growth_target / 100) ** 0.25
    path = here.with_row_index("step").with_columns(
        (base["active_pas"] * quarterly ** pl.col("step")).alias("target_path")
    )
    long = pl.concat(
        [
            pl.DataFrame(
                {
                    "period": path["period"].to_list(),
                    "series": label,
                    "value": hide_small_counts([None if v is None else float(v) for v in values], "count", threshold),
                },
                schema={"period": pl.String, "series": pl.String, "value": pl.Float64},
            )
            for label, values in (
                ("Active PAs", path["active_pas"].to_list()),
                ("On the DPSS payroll", path["pas_on_payroll"].to_list()),
                (f"Path at {pct(growth_target, 0)} a year from {base['period']}", path["target_path"].to_list()),
            )
        ]
    )
    fig = charts.trend_lines(
        long, "period", "value", "series", f"Personal Assistants in {scope.area} against the growth path", "PAs"
    )
    section.add(
        Chart(
            fig,
            f"Line chart of active Personal Assistants in {scope.area} from {base['period']} to {scope.period}, "
            f"with those on the payroll and the path at {pct(growth_target, 0)} growth a year.",
        ),
        Note(
            "Solid line: PAs on the register at each quarter end. The path shows where the number would be had it "
            "grown by the target rate every year since the first quarter shown."
        ),
    )
    latest = pas.filter(pl.col("period") == scope.period).join(
        queries.localities().select("locality_code", "is_rural"), on="locality_code", how="left"
    )
    ordered = pl.concat(
        [
            latest.filter(pl.col("locality_code") != cfg.council.code).sort("locality_name"),
            latest.filter(pl.col("locality_code") == cfg.council.code),
        ]
    )
    rows = []
    for r in ordered.iter_rows(named=True):
        counts = [r["active_pas"], r["active_pas_year_before"]]
        rows.append(
            [
                r["locality_name"] + (" (rural)" if r["is_rural"] else ""),
                count_cell(r["active_pas"], threshold),
                count_cell(r["active_pas_year_before"], threshold),
                rate_cell(r["growth_pct"], counts, threshold),
                count_cell(r["pas_on_payroll"], threshold),
                "–"
                if r["pas_per_100_dp"] is None or any(0 < (c or 0) < threshold for c in counts)
                else f"{r['pas_per_100_dp']:.1f}",
            ]
        )
    section.add(
        Table(
            f"Personal Assistants by area, {scope.period}",
            [
                "Area",
                "Active PAs",
                "A year before",
                "Growth (target " + pct(growth_target, 0) + ")",
                "On the payroll",
                "PAs per 100 DP recipients",
            ],
            rows,
            numeric=[False, True, True, True, True, True],
            bold_rows=[i for i, r in enumerate(ordered.iter_rows(named=True)) if r["locality_code"] == scope.code],
        ),
        Note("Fewer PAs per 100 people on a direct payment means it is harder to find one to employ."),
        suppression_note(threshold),
    )
    cme = queries.cme_capacity(scope.code).filter(pl.col("period") == scope.period)
    if not cme.is_empty():
        c = cme.row(0, named=True)
        section.add(
            Heading("Care micro-enterprises"),
            Paragraph(
                f"{count_cell(c['active_cmes'], threshold)} care micro-enterprises were supporting people in "
                f"{scope.area} at the end of {scope.period}, giving {count(c['weekly_hours'])} hours of care a week."
            ),
        )
    return section


def _dpss_survey(scope: Scope, section: Section) -> None:
    cfg = scope.settings
    survey = queries.satisfaction("dpss_customer", "overall_rating", scope.code)
    survey = flag_changes(add_wilson(survey, "top_box", "responses"), "top_box", "responses").with_columns(
        (pl.col("ci_lower") * 100).alias("ci_lower_pct"), (pl.col("ci_upper") * 100).alias("ci_upper_pct")
    )
    shown = survey.filter(pl.col("quarter_end") <= scope.quarter_end)
    section.add(Heading("Direct Payment Support Service customer survey"))
    if shown.is_empty() or shown["period"][-1] != scope.period:
        section.add(Paragraph(f"No DPSS survey responses for {scope.area} in {scope.period}."))
        return
    now = shown.row(-1, named=True)
    # As on the Overview, a share is shown from the threshold up (with a caution below MIN_SAMPLE); never a count.
    if now["responses"] < scope.threshold:
        section.add(Paragraph(f"Too few people answered in {scope.area} in {scope.period} to show the result."))
        return
    sentence = (
        f"In {scope.period}, {pct(now['top_box_pct'])} of {count(now['responses'])} respondents in {scope.area} "
        f"rated the service very good (95% interval {pct(now['ci_lower_pct'])} to {pct(now['ci_upper_pct'])}; "
        f"target {pct(cfg.targets.satisfaction_pct)}, higher is better)."
    )
    if now["change_points"] is not None:
        sentence += (
            f" The change of {abs(now['change_points']):.1f} points on the quarter before is "
            + ("statistically significant" if now["significant_change"] else "not statistically significant")
            + f" (two-proportion test, p = {now['p_value']:.3f})."
        )
    if now["responses"] < MIN_SAMPLE:
        sentence += f" Fewer than {MIN_SAMPLE} people answered, so treat the share with caution."
    section.add(Paragraph(sentence, emphasis=True))
    fig = charts.interval_chart(
        shown,
        "period",
        "top_box_pct",
        "ci_lower_pct",
        "ci_upper_pct",
        f"DPSS customers rating the service very good, {scope.area}",
        "Very good",
        flagged="significant_change",
        target=cfg.targets.satisfaction_pct,
        target_label=f"Target {pct(cfg.targets.satisfaction_pct)} (higher is better)",
    )
    fig.update_yaxes(range=[0, 104])  # room for a 100% point and its marker, which [0, 100] would cut in half
    section.add(
        Chart(
            fig,
            f"Chart of the share of DPSS customers in {scope.area} rating the service very good each quarter, "
            f"with 95% intervals; {pct(now['top_box_pct'])} in {scope.period}.",
            height=300,
        ),
        Note(
            "Dots are the share each quarter; the bars show the 95% interval. A ring marks a change from the quarter "
            "before that is too big to be chance (two-proportion test, p < 0.05)."
        ),
    )


def _ascs(scope: Scope, section: Section) -> None:
    cfg = scope.settings
    ascs = queries.satisfaction("ascs", "q1_overall_satisfaction", scope.code).filter(
        pl.col("quarter_end") <= scope.quarter_end
    )
    published = queries.ascof("satisfaction_users").filter(
        pl.col("area_code").is_in([cfg.council.code, cfg.council.region_code, ENGLAND])
    )
    section.add(Heading("Adult Social Care Survey: overall satisfaction"))
    if not ascs.is_empty():
        last = ascs.row(-1, named=True)
        if last["responses"] >= scope.threshold and not 0 < last["top_box"] < scope.threshold:
            section.add(
                Paragraph(
                    f"In the {last['period']} survey, {pct(last['top_box_pct'])} of {count(last['responses'])} "
                    f"respondents in {scope.area} were extremely or very satisfied with their care and support "
                    "(higher is better)."
                )
            )
    if published.is_empty():
        return
    years = sorted(published["year"].unique().to_list())[-4:]
    names = {
        cfg.council.code: cfg.council.short_name,
        cfg.council.region_code: cfg.council.region_name,
        ENGLAND: "England",
    }
    values = {(r["year"], r["area_code"]): r for r in published.iter_rows(named=True)}
    rows = [
        [year, values[(year, cfg.council.code)]["published_code"] if (year, cfg.council.code) in values else "–"]
        + [pct(values[(year, code)]["value"]) if (year, code) in values else "–" for code in names]
        for year in years
    ]
    section.add(
        Table(
            "Published ASCOF overall satisfaction of people who use services (real data)",
            ["Year", "ASCOF code", *names.values()],
            rows,
            numeric=[False, False, True, True, True],
            widths=["16%", "18%", "22%", "22%", "22%"],
        ),
        Note("Published yearly by NHS England; the measure was 3A until 2022-23 and is 1D from 2023-24."),
    )


def _outcomes(scope: Scope, section: Section) -> None:
    cfg, threshold = scope.settings, scope.threshold
    outcomes = queries.outcomes(scope.code).filter(pl.col("quarter_end") <= scope.quarter_end)
    section.add(Heading("Outcomes reviewed", new_page=True))
    if outcomes.is_empty():
        section.add(Paragraph(f"No outcome reviews for {scope.area} up to {scope.period}."))
        return
    now = outcomes.row(-1, named=True)
    target = cfg.targets.outcomes_achieved_pct
    hours = ""
    if now["hours_before"]:
        change = 100 * (now["hours_after"] - now["hours_before"]) / now["hours_before"]
        word = "fell" if change < 0 else "rose"
        hours = (
            f" Weekly package hours of the people reviewed {word} by {abs(change):.1f}% after review "
            "(a fall means more independence)."
        )
    section.add(
        Paragraph(
            f"{rate_cell(now['achieved_pct'], [now['achieved'], now['outcomes_reviewed']], threshold)} of the "
            f"{count_cell(now['outcomes_reviewed'], threshold)} outcomes reviewed in {scope.area} in {scope.period} "
            f"were fully achieved, against a target of {pct(target)} (higher is better).{hours}",
            emphasis=True,
        )
    )
    fig = charts.trend_lines(
        outcomes.with_columns(pl.lit("Fully achieved").alias("series")),
        "period",
        "achieved_pct",
        "series",
        f"Reviewed outcomes fully achieved, {scope.area}",
        "Achieved",
        y_suffix="%",
        target=target,
        target_label=f"Target {pct(target)} (higher is better)",
    )
    section.add(
        Chart(
            fig,
            f"Line chart of the share of reviewed outcomes fully achieved in {scope.area} each quarter, "
            f"{pct(now['achieved_pct'])} in {scope.period} against a {pct(target)} target.",
            height=300,
        )
    )
    domains = queries.outcomes_by_domain(scope.code, scope.period)
    rows = [
        [
            r["outcome_domain"].replace("_", " ").capitalize(),
            count_cell(r["outcomes_reviewed"], threshold),
            count_cell(r["achieved"], threshold),
            count_cell(r["partly_achieved"], threshold),
            count_cell(r["not_achieved"], threshold),
            rate_cell(r["achieved_pct"], [r["achieved"], r["outcomes_reviewed"]], threshold),
        ]
        for r in domains.iter_rows(named=True)
    ]
    by_area = queries.outcomes_all_localities(scope.period).filter(pl.col("outcome_domain") == "all")
    ordered = pl.concat(
        [
            by_area.filter(pl.col("locality_code") != cfg.council.code).sort("locality_name"),
            by_area.filter(pl.col("locality_code") == cfg.council.code),
        ]
    )
    area_rows = [
        [
            r["locality_name"],
            count_cell(r["outcomes_reviewed"], threshold),
            count_cell(r["achieved"], threshold),
            rate_cell(r["achieved_pct"], [r["achieved"], r["outcomes_reviewed"]], threshold),
        ]
        for r in ordered.iter_rows(named=True)
    ]
    section.add(
        Table(
            f"Outcomes fully achieved by area, {scope.period}",
            ["Area", "Outcomes reviewed", "Fully achieved", "Share fully achieved"],
            area_rows,
            numeric=[False, True, True, True],
            bold_rows=[i for i, r in enumerate(ordered.iter_rows(named=True)) if r["locality_code"] == scope.code],
        ),
        Table(
            f"Outcomes reviewed by domain, {scope.area}, {scope.period}",
            ["Outcome domain", "Reviewed", "Fully achieved", "Partly", "Not achieved", "Share fully achieved"],
            rows,
            numeric=[False, True, True, True, True, True],
        ),
        suppression_note(threshold),
    )


def satisfaction_outcomes(scope: Scope) -> Section:
    section = Section(
        "satisfaction-outcomes", "Satisfaction and outcomes", f"{scope.line}. Higher is better for every measure here."
    )
    _dpss_survey(scope, section)
    _ascs(scope, section)
    _outcomes(scope, section)
    return section
