"""Synthetic PA register, referrals (the waiting list) and the reviews of the demo's CLD return.

Each is calibrated at the quarter-end snapshots the warehouse measures: active PAs follow the DPSS
figures (131 to 387 over three years, 515 in 2023/24 Q4 of whom 278 on payroll), and the waiting list
at the last quarter end is exactly the published 161 people and 1,737 hours a week.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.demo_activity import ActivityResult
from pipelines.demo_common import (
    NO_DATE,
    DemoContext,
    date_series,
    float_series,
    id_series,
    largest_remainder,
    pick,
    quarter_path,
    uniform_days,
    wait_factor,
)
from pipelines.schemas import REFERRAL_STATUSES

# Active PAs at quarter ends (index 0 = 2020/21 Q1): growth beats 25% in contract years 1 and 3 and
# falls short in year 2, as the DPSS review reports; 2024/25 grows about a fifth.
PA_ANCHORS = {0: 131, 3: 200, 4: 209, 7: 240, 8: 250, 11: 387, 15: 515, 19: 620}
PAYROLL_CHECKPOINT = ("2023/24 Q4", 278)
PA_PAYROLL_SHARE, PA_LEAVING_HAZARD = 0.54, 0.035
# PAs per DP recipient, relative: rural districts are short of PAs (DPSS review).
PA_DENSITY = {False: 1.35, True: 0.7}
QUALIFICATIONS = (
    "Care Certificate",
    "Care Certificate; Level 2 Diploma in Care",
    "Care Certificate; Level 3 Diploma in Adult Care",
    "Level 2 Diploma in Care; First Aid at Work",
    "Care Certificate; First Aid at Work; Moving and Handling",
    "",
)

REFERRALS_PER_QUARTER = 600
REFERRAL_SERVICES = (("home_care", 0.85), ("direct_payment", 0.09), ("day_care", 0.06))
REFERRAL_CLOSED_SHARE = 0.07
# People waiting at quarter ends: a post-pandemic peak, then recovery to the published figure.
WAITING_ANCHORS = {0: 150, 4: 185, 8: 200, 11: 185, 15: 165, 19: 161}
FINAL_WAITING_PEOPLE, FINAL_WAITING_HOURS = 161, 1737.0

REVIEWS_PER_QUARTER = (360, 391)
UNPLANNED_REVIEW_SHARE = 0.28
UNKNOWN_OUTCOME_SHARE, INVALID_OUTCOME_SHARE = 0.03, 0.01
# CLD's Review Outcomes Achieved, and one value outside its list that real returns carry.
REVIEW_OUTCOMES = ("Fully achieved", "Partially achieved", "Not achieved", "Unknown", "Mostly achieved")


def build_pa_register(ctx: DemoContext, dp_recipients: np.ndarray) -> pl.DataFrame:
    """One row per PA: register and leave so active PAs per locality meet the path at each quarter end."""
    rng = ctx.rng(2)
    size = ctx.calibration.scaled
    target = np.round(quarter_path(ctx, {q: size(n) for q, n in PA_ANCHORS.items()})).astype(int)
    density = np.array([PA_DENSITY[bool(r)] for r in ctx.rural])
    target_l = np.array([largest_remainder(t, dp * density) for t, dp in zip(target, dp_recipients, strict=True)])
    # The register the DPSS took over: PAs who joined in the years before the contract.
    n0 = np.round(target_l[0] * 0.95).astype(int)
    loc = np.repeat(np.arange(ctx.n_localities), n0)
    registered = ctx.q_start[0] - 1 - np.floor(np.minimum(rng.exponential(1.5, len(loc)), 6) * 365.25).astype(int)
    left = np.full(len(loc), NO_DATE)
    for q in range(ctx.n_quarters):
        first, last = int(ctx.q_start[q]), int(ctx.q_end[q])
        active = np.flatnonzero(left == NO_DATE)
        leaving = active[rng.random(len(active)) < PA_LEAVING_HAZARD]
        new_loc = []
        for i in range(ctx.n_localities):
            staying = np.setdiff1d(active[loc[active] == i], leaving)
            surplus = len(staying) - target_l[q, i]
            if surplus > 0:
                leaving = np.union1d(leaving, rng.choice(staying, surplus, replace=False))
            new_loc.append(np.full(max(-surplus, 0), i))
        left[leaving] = uniform_days(rng, first, last, len(leaving))
        new_loc = np.concatenate(new_loc)
        loc = np.concatenate([loc, new_loc])
        registered = np.concatenate([registered, uniform_days(rng, first, last, len(new_loc))])
        left = np.concatenate([left, np.full(len(new_loc), NO_DATE)])

    on_payroll = rng.random(len(loc)) < PA_PAYROLL_SHARE
    labels = [q.label for q in ctx.quarters]
    if PAYROLL_CHECKPOINT[0] in labels:  # exactly the published payroll count at the checkpoint
        qe = ctx.q_end[labels.index(PAYROLL_CHECKPOINT[0])]
        active = np.flatnonzero((registered <= qe) & ((left == NO_DATE) | (left > qe)))
        on_payroll[active] = False
        on_payroll[
            rng.choice(active, min(ctx.calibration.scaled(PAYROLL_CHECKPOINT[1]), len(active)), replace=False)
        ] = True
    dbs = rng.choice(3, len(loc), p=(0.92, 0.06, 0.02))  # checked, not checked, not recorded
    order = np.lexsort((rng.random(len(loc)), registered))  # register numbers follow joining order
    quals = pick(QUALIFICATIONS, rng.choice(len(QUALIFICATIONS), len(loc), p=(0.3, 0.3, 0.12, 0.1, 0.1, 0.08)))
    return pl.DataFrame(
        [
            id_series("pa_id", "PA", np.arange(1, len(loc) + 1), 5),
            pick(ctx.codes, loc[order]).alias("locality_code"),
            date_series("registered_date", registered[order]),
            date_series("left_date", left[order]),
            pl.Series("on_payroll", on_payroll[order]),
            pl.Series(
                "dbs_checked", np.array([True, False, None], dtype=object)[dbs[order]].tolist(), dtype=pl.Boolean
            ),
            quals.gather(order).replace("", None).alias("qualifications"),
        ]
    )


def build_referrals(ctx: DemoContext, activity: ActivityResult) -> pl.DataFrame:
    """One row per referral; waits shape the list at each quarter end, the last one exactly."""
    rng = ctx.rng(3)
    nq = ctx.n_quarters
    size = ctx.calibration.scaled
    per_quarter = size(REFERRALS_PER_QUARTER)
    counts = rng.poisson(per_quarter, nq)
    quarter = np.repeat(np.arange(nq), counts)
    n = len(quarter)
    received = uniform_days(rng, ctx.q_start[quarter], ctx.q_end[quarter])
    loc = rng.choice(ctx.n_localities, n, p=ctx.shares)
    names = [s for s, _ in REFERRAL_SERVICES]
    service = rng.choice(len(names), n, p=[p for _, p in REFERRAL_SERVICES])
    home = service == 0
    # Little's law: people waiting = home-care referrals a day x mean wait.
    per_day = per_quarter * REFERRAL_SERVICES[0][1] / 91.3
    mean_wait = quarter_path(ctx, {q: size(n) for q, n in WAITING_ANCHORS.items()})[quarter] / per_day
    wait = np.where(home, rng.gamma(1.5, mean_wait / 1.5), rng.gamma(1.5, 10 / 1.5, n)) * wait_factor(ctx)[loc]
    start = received + np.ceil(wait).astype(int)
    home_hours = np.clip(np.round(rng.gamma(3.5, 10.8 / 3.5, n) * 2) / 2, 1, 60)
    dp_hours = np.maximum(np.round(rng.gamma(3, 14 / 3, n) * 2) / 2, 1)
    hours = np.select([home, service == 1], [home_hours, dp_hours], 6.0 * rng.integers(1, 5, n))
    status = np.where(start > ctx.extract, 0, 1)  # 0 waiting, 1 started, 2 closed
    status[rng.random(n) < REFERRAL_CLOSED_SHARE] = 2
    start[status != 1] = NO_DATE

    # The last quarter end: exactly the published people and hours.
    qe = int(ctx.q_end[-1])
    waiting = np.flatnonzero((received <= qe) & ((status == 0) | (start > qe)))
    excess = len(waiting) - size(FINAL_WAITING_PEOPLE)
    if excess > 0:  # started just before the quarter end instead
        movers = rng.choice(waiting, excess, replace=False)
        start[movers] = uniform_days(rng, received[movers], qe)
        status[movers] = 1
    elif excess < 0:  # more people still waiting, referred in the last quarter
        k = -excess
        received = np.concatenate([received, uniform_days(rng, int(ctx.q_start[-1]), qe, k)])
        loc = np.concatenate([loc, rng.choice(ctx.n_localities, k, p=ctx.shares)])
        service = np.concatenate([service, np.zeros(k, int)])
        hours = np.concatenate([hours, np.clip(np.round(rng.gamma(3.5, 10.8 / 3.5, k) * 2) / 2, 1, 60)])
        status = np.concatenate([status, np.zeros(k, int)])
        start = np.concatenate([start, np.full(k, NO_DATE)])
        quarter = np.concatenate([quarter, np.full(k, nq - 1)])
    waiting = np.flatnonzero((received <= qe) & ((status == 0) | (start > qe)))
    hours[waiting] = _hours_adding_to(rng, hours[waiting], ctx.calibration.scaled_amount(FINAL_WAITING_HOURS))

    person = _people_in_service(rng, activity, quarter, loc)
    order = np.lexsort((rng.random(len(received)), received))
    return pl.DataFrame(
        [
            id_series("referral_id", "R", np.arange(1, len(order) + 1), 6),
            pl.Series("person_id", person[order].tolist(), dtype=pl.String),
            date_series("received_date", received[order]),
            pick(ctx.codes, loc[order]).alias("locality_code"),
            pick(names, service[order]).alias("service_requested"),
            float_series("hours_requested", hours[order], 1),
            pick(REFERRAL_STATUSES, status[order]).alias("status"),
            date_series("start_date", start[order]),
        ]
    )


def _hours_adding_to(rng: np.random.Generator, hours: np.ndarray, total: float) -> np.ndarray:
    """Rescale half-hour amounts so they add up to ``total`` exactly, staying at least one hour."""
    scaled = np.maximum(np.round(hours * total / hours.sum() * 2) / 2, 1.0)
    steps = int(round((total - scaled.sum()) * 2))
    adjustable = np.flatnonzero(scaled >= 1.5) if steps < 0 else np.arange(len(scaled))
    chosen = rng.choice(adjustable, abs(steps), replace=abs(steps) > len(adjustable))
    np.add.at(scaled, chosen, 0.5 * np.sign(steps))
    return scaled


def _people_in_service(rng, activity: ActivityResult, quarter: np.ndarray, loc: np.ndarray) -> np.ndarray:
    """A person in community support in the same locality at the end of the referral's quarter."""
    person = np.empty(len(quarter), dtype=object)
    for q, (people, _, _) in enumerate(activity.snapshots):
        for i in range(len(activity.dp_recipients[q])):
            rows = np.flatnonzero((quarter == q) & (loc == i))
            pool = people[activity.person_loc[people] == i]
            person[rows] = activity.person_ids[rng.choice(pool, len(rows))]
    return person


def build_reviews(ctx: DemoContext, activity: ActivityResult) -> pl.DataFrame:
    """About 1,500 reviews a year of people in service, each with one Review Outcomes Achieved as CLD records it.

    The share fully achieved is about 60%, rising two points a year, lower in rural districts and for unplanned
    reviews, with each district's own level (a few points either way) and the binomial noise real counts carry.
    About 3% of outcomes are Unknown and 1% a value outside CLD's list (the ingest keeps it as Invalid and not
    mapped), as real returns have.
    """
    rng = ctx.rng(4)
    district_effect = rng.normal(0, 0.03, len(ctx.rural))
    parts = []
    for q, (people, _, entry) in enumerate(activity.snapshots):
        k = min(int(rng.integers(*map(ctx.calibration.scaled, REVIEWS_PER_QUARTER))), len(people))
        at = np.sort(rng.choice(len(people), k, replace=False))
        parts.append((people[at], uniform_days(rng, np.maximum(entry[at], ctx.q_start[q]), ctx.q_end[q])))
    person, day = (np.concatenate(c) for c in zip(*parts, strict=True))
    n = len(person)
    loc = activity.person_loc[person]
    unplanned = rng.random(n) < UNPLANNED_REVIEW_SHARE
    year = np.clip(ctx.fy_index(day), 0, None)
    p_achieved = 0.62 + 0.02 * year - 0.06 * ctx.rural[loc] - 0.08 * unplanned + district_effect[loc]
    draw = rng.random(n)
    outcome = np.where(draw < p_achieved, 0, np.where(draw < p_achieved + 0.65 * (1 - p_achieved), 1, 2))
    fault = rng.random(n)
    outcome = np.where(fault < UNKNOWN_OUTCOME_SHARE, 3, outcome)
    outcome = np.where(fault > 1 - INVALID_OUTCOME_SHARE, 4, outcome)
    return pl.DataFrame(
        [
            pl.Series("person_id", activity.person_ids[person].tolist(), dtype=pl.String),
            date_series("review_date", day),
            pick(ctx.codes, loc).alias("locality_code"),
            pl.Series("review_reason", np.where(unplanned, "Unplanned", "Planned").tolist(), dtype=pl.String),
            pick(REVIEW_OUTCOMES, outcome).alias("review_outcomes_achieved"),
        ]
    ).sort("review_date", "person_id")
