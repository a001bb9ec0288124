"""Satisfaction and outcomes: the DPSS customer survey with its uncertainty, the Adult Social Care Survey
beside the published ASCOF values, and what outcome reviews say people achieved."""

from __future__ import annotations

import polars as pl

from dashboard import charts
from dashboard.formatting import count, pct
from dashboard.pack.content import (
    ENGLAND,
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
from models.survey import add_wilson, flag_changes

MIN_SAMPLE = 30  # as on the Satisfaction page: below this a quarter's survey share is too uncertain to show


def _dpss_survey(scope: Scope, section: Section) -> None:
    cfg = scope.settings
    survey = scope.wh.satisfaction("dpss_customer", "overall_rating", scope.code)
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
    ascs = scope.wh.satisfaction("ascs", "q1_overall_satisfaction", scope.code).filter(
        pl.col("quarter_end") <= scope.quarter_end
    )
    published = scope.wh.ascof("satisfaction_users").filter(
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
    outcomes = scope.wh.outcomes(scope.code).filter(pl.col("quarter_end") <= scope.quarter_end)
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
    domains = scope.wh.outcomes_by_domain(scope.code, scope.period)
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
    by_area = scope.wh.outcomes_all_localities(scope.period).filter(pl.col("outcome_domain") == "all")
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
