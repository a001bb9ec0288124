"""Synthetic KPI catalogue, providers' quarterly KPI returns and survey responses for the demo inbox.

Where a return overlaps another source it is computed from it, as a real provider's return would be
reconciled: PAs on the register and on payroll from the PA register, the DPSS "very good" share from
the DPSS customer survey, home-care waiting lists from the referrals, new ISFs from the activity.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.demo_common import DemoContext, largest_remainder, quarter_path

SURVEY_QUESTIONS = Path(__file__).resolve().parent / "reference" / "survey_questions.csv"

CONTRACTS = (  # contract, type, provider (fictitious), lot
    ("DPSS-01", "dpss", "Fenside Direct Payment Support CIC (demo)", 0),
    ("HC-01", "home_care", "Granta Valley Homecare Ltd (demo)", 0),
    ("HC-02", "home_care", "Ouse Meadows Care Services Ltd (demo)", 1),
    ("HC-03", "home_care", "Fenland Homecare Ltd (demo)", 2),
    ("HC-04", "home_care", "Isle Lanes Home Support Ltd (demo)", 3),
    ("ISF-01", "isf", "Nene Fields Supported Living (demo)", 0),
    ("ISF-02", "isf", "Cam Valley Individual Support (demo)", 1),
)
MISSING_RETURN = ("HC-03", "2023/24 Q2")  # a return that never arrived, for the dashboard to flag
UNDERPERFORMER, UNDERPERFORMING_FROM = "HC-02", "2023/24 Q2"

# kpi_code, name, contract type, unit, higher is better, target, amber tolerance, calculation. Percent
# KPIs counting people, visits or runs are proportions; hours out of hours are ratios.
CATALOGUE = (
    ("dpss_referrals", "Referrals received by the support service", "dpss", "count", True, 70, 7, "reported"),
    (
        "dpss_active_cases",
        "People with an open support case at the quarter end",
        "dpss",
        "count",
        True,
        450,
        45,
        "reported",
    ),
    (
        "dpss_pa_recruitment",
        "People supported to recruit a Personal Assistant",
        "dpss",
        "count",
        True,
        27,
        5,
        "reported",
    ),
    (
        "dpss_days_to_pa",
        "Average days from referral to a Personal Assistant starting",
        "dpss",
        "days",
        False,
        28,
        7,
        "reported",
    ),
    ("dpss_payroll_on_time", "Payroll runs completed on time", "dpss", "percent", True, 98, 2, "proportion"),
    (
        "dpss_pas_registered",
        "Personal Assistants active on the register at the quarter end",
        "dpss",
        "count",
        True,
        None,
        None,
        "reported",
    ),
    (
        "dpss_pas_on_payroll",
        "Personal Assistants paid through the payroll service",
        "dpss",
        "count",
        True,
        None,
        None,
        "reported",
    ),
    ("dpss_very_good", "Customers rating the service very good", "dpss", "percent", True, 75, 5, "proportion"),
    ("dpss_query_days", "Average working days to answer a query", "dpss", "days", False, 3, 1, "reported"),
    (
        "hc_hours_delivered",
        "Care hours delivered as a share of hours commissioned",
        "home_care",
        "percent",
        True,
        95,
        3,
        "ratio",
    ),
    ("hc_missed_visits", "Visits missed", "home_care", "percent", False, 1, 0.5, "proportion"),
    ("hc_late_visits", "Visits more than 30 minutes late", "home_care", "percent", False, 5, 2, "proportion"),
    (
        "hc_waiting_people",
        "People waiting for home care at the quarter end",
        "home_care",
        "count",
        False,
        None,
        None,
        "reported",
    ),
    (
        "hc_waiting_hours",
        "Hours of care a week waiting to be picked up at the quarter end",
        "home_care",
        "hours",
        False,
        None,
        None,
        "reported",
    ),
    (
        "hc_discharge_on_time",
        "Hospital discharges with care starting within the agreed time",
        "home_care",
        "percent",
        True,
        90,
        5,
        "proportion",
    ),
    (
        "hc_local_subcontract",
        "Share of hours sub-contracted to local micro-providers",
        "home_care",
        "percent",
        True,
        30,
        5,
        "ratio",
    ),
    ("isf_new", "New Individual Service Funds set up in the quarter", "isf", "count", True, 3, 1, "reported"),
    ("isf_plan_current", "People with an up-to-date support plan", "isf", "percent", True, 95, 5, "proportion"),
)
# Target changes (kpi_code, quarter from, target, amber): the ISF plan rose to 75 a year from 2022/23,
# about 19 a quarter shared by the two ISF contracts.
TARGET_CHANGES = (("isf_new", "2022/23 Q1", 9.5, 2),)

# DPSS survey: people answering "very good" out of those asked. The two published quarters are exact.
DPSS_VERY_GOOD = {"2023/24 Q2": (30, 40), "2023/24 Q3": (18, 40), "2023/24 Q4": (20, 40)}
# ASCS overall satisfaction: top-box share by the year the financial year starts in.
DPSS_REFERRALS_BY_YEAR = {2020: 287, 2021: 296, 2022: 305, 2023: 279, 2024: 290}
DPSS_RECRUITMENT_BY_YEAR = {2020: 107, 2021: 112, 2022: 118, 2023: 125, 2024: 128}
DPSS_ACTIVE_CASES = {0: 255, 3: 300, 7: 345, 11: 415, 15: 484, 19: 505}


def build_kpi_catalogue() -> pl.DataFrame:
    """One row per KPI, then one per later target change (read last, so it is the current target)."""
    rows = [[*row, None] for row in CATALOGUE]
    by_code = {row[0]: row for row in CATALOGUE}
    for code, quarter, target, amber in TARGET_CHANGES:
        rows.append([*by_code[code][:5], target, amber, by_code[code][7], quarter])
    return pl.DataFrame(
        rows,
        schema={
            "kpi_code": pl.String,
            "name": pl.String,
            "contract_type": pl.String,
            "unit": pl.String,
            "higher_is_better": pl.Boolean,
            "target": pl.Float64,
            "amber_tolerance": pl.Float64,
            "calculation": pl.String,
            "effective_from": pl.String,
        },
        orient="row",
    )


# Surveys ------------------------------------------------------------------------------------------


def _scales() -> dict[tuple[str, str], tuple[list[str], list[str]]]:
    """(survey, question) -> (top boxes, other answers) in scale order, from the reference file."""
    with SURVEY_QUESTIONS.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    scales = {}
    for row in rows:
        scale, top = row["scale"].split("|"), row["top_boxes"].split("|")
        scales[(row["survey"], row["question_code"])] = (top, [a for a in scale if a not in top])
    return scales


def _answers(rng, n: int, n_top: int, scale, top_split, rest_split) -> np.ndarray:
    """``n`` answers of which exactly ``n_top`` are top boxes, shuffled."""
    top, rest = scale
    answers = np.concatenate(
        [
            np.array(top, dtype=object)[rng.choice(len(top), n_top, p=top_split)],
            np.array(rest, dtype=object)[rng.choice(len(rest), n - n_top, p=rest_split)],
        ]
    )
    return answers[rng.permutation(n)]


def build_survey_responses(ctx: DemoContext) -> pl.DataFrame:
    """The DPSS customer survey every quarter and the national ASCS once a year (in Q4)."""
    rng, scales = ctx.rng(5), _scales()
    frames = []
    for q in ctx.quarters:
        label, year = q.label, q.start_year
        very_good, n = DPSS_VERY_GOOD.get(label, (0, 0))
        if not n:
            n = int(rng.integers(36, 45))
            low, high = (0.70, 0.80) if year < 2024 else (0.55, 0.65)  # recovering in 2024/25
            very_good = int(rng.integers(int(np.ceil(low * n)), int(np.floor(high * n)) + 1))
        # Slower answers to queries in 2023/24 Q3 are what pulled the rating down.
        quick = {"2023/24 Q3": 0.45, "2023/24 Q4": 0.62}.get(label, 0.72 if year >= 2024 else 0.8)
        n_quick = int(np.clip(round(quick * n + rng.normal(0, 1.5)), 0, n))
        locality = np.array(ctx.codes, dtype=object)[rng.choice(ctx.n_localities, n, p=ctx.shares)]
        response = [f"DPSS-{q.fy.replace('/', '-')}-Q{q.number}-{i + 1:03d}" for i in range(n)]
        for question, count, top_split, rest_split in (
            ("overall_rating", very_good, [1.0], [0.7, 0.2, 0.07, 0.03]),
            ("response_time", n_quick, [0.45, 0.55], [0.4, 0.4, 0.2]),
        ):
            answers = _answers(rng, n, count, scales[("dpss_customer", question)], top_split, rest_split)
            frames.append(_survey_frame("dpss_customer", response, label, locality, "dp_recipient", question, answers))
        if q.number == 4:
            n = int(rng.integers(372, 389))
            top_box = ctx.calibration.top_box
            share = top_box.get(year, top_box[max(top_box)])
            scale = scales[("ascs", "q1_overall_satisfaction")]
            answers = _answers(rng, n, round(share / 100 * n), scale, [0.45, 0.55], [0.68, 0.14, 0.08, 0.06, 0.04])
            locality = np.array(ctx.codes, dtype=object)[rng.choice(ctx.n_localities, n, p=ctx.shares)]
            group = np.where(rng.random(n) < 0.64, "65+", "18-64").astype(object)
            response = [f"ASCS-{q.fy.replace('/', '-')}-{i + 1:04d}" for i in range(n)]
            frames.append(_survey_frame("ascs", response, label, locality, group, "q1_overall_satisfaction", answers))
    return pl.concat(frames)


def _survey_frame(survey, response, period, locality, group, question, answers) -> pl.DataFrame:
    n = len(response)
    return pl.DataFrame(
        {
            "survey": [survey] * n,
            "response_id": response,
            "period": [period] * n,
            "locality_code": list(locality),
            "respondent_group": list(group) if not isinstance(group, str) else [group] * n,
            "question_code": [question] * n,
            "answer": list(answers),
        },
        schema={
            c: pl.String
            for c in ("survey", "response_id", "period", "locality_code", "respondent_group", "question_code", "answer")
        },
    )


# KPI returns --------------------------------------------------------------------------------------


def _active(frame: pl.DataFrame, day: date, start: str, end: str, strict_end: bool = False) -> pl.DataFrame:
    ended = pl.col(end) > day if strict_end else pl.col(end) >= day
    return frame.filter(pl.col(start) <= day, pl.col(end).is_null() | ended)


def _split(rng, total: int, weights) -> np.ndarray:
    return largest_remainder(total, np.asarray(weights) * (1 + rng.normal(0, 0.06, len(weights))))


def build_kpi_returns(ctx, activity: pl.DataFrame, referrals, pa_register, surveys) -> pl.DataFrame:
    """Every contract's return for every quarter, except the one that never arrived."""
    rng = ctx.rng(6)
    rows: list[tuple] = []
    first_year = ctx.quarters[0].start_year
    referrals_q = np.concatenate(
        [
            _split(rng, DPSS_REFERRALS_BY_YEAR.get(y, 290), [0.8, 1.05, 1.05, 1.1] if y == first_year else [1] * 4)
            for y in sorted({q.start_year for q in ctx.quarters})
        ]
    )
    recruit_q = np.concatenate(
        [
            _split(rng, DPSS_RECRUITMENT_BY_YEAR.get(y, 125), [1] * 4)
            for y in sorted({q.start_year for q in ctx.quarters})
        ]
    )
    active_cases = np.round(quarter_path(ctx, DPSS_ACTIVE_CASES) + rng.normal(0, 5, ctx.n_quarters)).astype(int)
    very_good = (
        surveys.filter(pl.col("survey") == "dpss_customer", pl.col("question_code") == "overall_rating")
        .group_by("period")
        .agg(pl.len().alias("n"), (pl.col("answer") == "very_good").sum().alias("top"))
    )
    very_good = {r["period"]: (r["top"], r["n"]) for r in very_good.iter_rows(named=True)}
    waiting_home_care = referrals.filter(pl.col("service_requested") == "home_care")
    late_underperformer = [q.label for q in ctx.quarters].index(UNDERPERFORMING_FROM)

    for i, q in enumerate(ctx.quarters):
        label, qe = q.label, q.end
        pas = _active(pa_register, qe, "registered_date", "left_date", strict_end=True)
        payroll_runs = 3 * int(pas["on_payroll"].sum())
        query_days = {"2023/24 Q3": 6.5, "2023/24 Q4": 4.1}.get(label, 2.6 + rng.normal(0, 0.3))
        cases = 484 if label == "2023/24 Q4" else active_cases[i]
        comment = None
        if label == "2023/24 Q3":
            comment = "Two advisers left in the autumn; backlog of queries cleared by January."
        dpss = [
            ("dpss_referrals", None, None, referrals_q[i], None),
            ("dpss_active_cases", None, None, cases, None),
            ("dpss_pa_recruitment", None, None, recruit_q[i], None),
            ("dpss_days_to_pa", None, None, round(36 - 0.3 * i + rng.normal(0, 2), 1), None),
            ("dpss_payroll_on_time", round(payroll_runs * rng.uniform(0.965, 0.995)), payroll_runs, None, None),
            ("dpss_pas_registered", None, None, pas.height, None),
            ("dpss_pas_on_payroll", None, None, int(pas["on_payroll"].sum()), None),
            ("dpss_very_good", *very_good[label], None, None),
            ("dpss_query_days", None, None, round(query_days, 1), comment),
        ]
        rows += [("DPSS-01", CONTRACTS[0][2], label, *kpi) for kpi in dpss]

        community = _active(activity, qe, "start_date", "end_date")
        waiting = waiting_home_care.filter(
            pl.col("received_date") <= qe,
            (pl.col("start_date").is_null() & (pl.col("status") == "waiting")) | (pl.col("start_date") > qe),
        )
        for contract, _, provider, lot in CONTRACTS[1:5]:
            codes = [c for c, lot_of in zip(ctx.codes, ctx.hc_lot, strict=True) if lot_of == lot]
            ours = community.filter(pl.col("provider_id") == f"HCP-{lot + 1:02d}")
            commissioned = round(13 * ours["weekly_hours"].sum())
            delivered = round(commissioned * rng.uniform(0.94, 0.99))
            visits = round(commissioned / 0.75)
            missed = 1.0 + rng.normal(0, 0.1)
            comment = None
            if contract == UNDERPERFORMER and i >= late_underperformer:
                missed = 2.2 + 0.25 * (i - late_underperformer) + rng.normal(0, 0.15)
                comment = "Recruitment difficulties on rural rounds; recovery plan agreed with commissioners."
            waiting_here = waiting.filter(pl.col("locality_code").is_in(codes))
            discharges = int(rng.poisson(0.012 * commissioned / 13)) + 5
            subcontract = 0.12 + 0.2 * i / (ctx.n_quarters - 1) + rng.normal(0, 0.015)
            home_care = [
                ("hc_hours_delivered", delivered, commissioned, None, None),
                ("hc_missed_visits", round(visits * missed / 100), visits, None, comment),
                ("hc_late_visits", round(visits * (6 + rng.normal(0, 0.8)) / 100), visits, None, None),
                ("hc_waiting_people", None, None, waiting_here.height, None),
                ("hc_waiting_hours", None, None, float(waiting_here["hours_requested"].sum()), None),
                ("hc_discharge_on_time", int(rng.binomial(discharges, 0.88)), discharges, None, None),
                ("hc_local_subcontract", round(delivered * subcontract), delivered, None, None),
            ]
            if (contract, label) != MISSING_RETURN:
                rows += [(contract, provider, label, *kpi) for kpi in home_care]

        for contract, _, provider, lot in CONTRACTS[5:]:
            isf = activity.filter(pl.col("service_type") == "isf", pl.col("provider_id") == f"ISFP-{lot + 1:02d}")
            new = isf.filter(pl.col("start_date").is_between(q.start, qe)).height
            current = _active(isf, qe, "start_date", "end_date").height
            isf_rows = [
                ("isf_new", None, None, new, None),
                ("isf_plan_current", int(rng.binomial(current, rng.uniform(0.86, 0.96))), current, None, None),
            ]
            rows += [(contract, provider, label, *kpi) for kpi in isf_rows]

    frame = pl.DataFrame(
        rows,
        schema={
            "contract_id": pl.String,
            "provider": pl.String,
            "period": pl.String,
            "kpi_code": pl.String,
            "numerator": pl.Float64,
            "denominator": pl.Float64,
            "value": pl.Float64,
            "comment": pl.String,
        },
        orient="row",
    )
    rate = (100 * pl.col("numerator") / pl.col("denominator")).round(1)
    frame = frame.with_columns(pl.coalesce(pl.col("value"), rate).alias("value"))
    return frame.select("contract_id", "provider", "period", "kpi_code", "numerator", "denominator", "value", "comment")
