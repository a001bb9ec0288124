"""The committee themes' first two sections: direct payments, and the workforce.

Each function reads through ``dashboard.queries``, draws with the dashboard's chart builders and
writes the same judgements as the dashboard's pages, in sentences a councillor can read aloud.
Satisfaction and outcomes are in :mod:`dashboard.pack.satisfaction`; the provider KPI summary and the
demand outlook in :mod:`dashboard.pack.outlook`.
"""

from __future__ import annotations

import polars as pl

from dashboard import charts
from dashboard.charts.kpi import hide_small_counts
from dashboard.formatting import count, gbp, pct, points
from dashboard.present.direct_payments import comparator_sentence
from dashboard.present.direct_payments import uptake_sentence as dp_uptake_sentence
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
from models.funnel import funnel_table
from models.measures import net_new_needed
from models.periods import parse_quarter

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
    published = scope.wh.ascof(measure)
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
    history = scope.wh.dp_uptake().filter(pl.col("quarter_end") <= scope.quarter_end)
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
    isf = scope.wh.isf_starts(scope.code).filter(pl.col("period") == scope.period)
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
    pas = scope.wh.pa_workforce().filter(pl.col("quarter_end") <= scope.quarter_end)
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
        scope.wh.localities().select("locality_code", "is_rural"), on="locality_code", how="left"
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
    cme = scope.wh.cme_capacity(scope.code).filter(pl.col("period") == scope.period)
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
