"""Synthetic service episodes (the ``activity`` source) from a quarterly stock-and-flow simulation.

Long-term community support starts with the people in service on the first day of the demo period
(episodes that began up to ten years earlier). Each quarter some people leave (a hazard per service
type, ending inside the quarter), some move from council-arranged home care to a direct payment, and
newcomers start so that the number supported and the number taking a DP in every locality equal the
calibration path exactly at the quarter end. Residential and nursing care and short reablement run
alongside; they are not community support, so they never touch the DP uptake denominator. Care homes admit
the people the council's published care home admissions (ASCOF 2A, 2B and 2C) say each year, by age band.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from pipelines.demo_common import (
    NO_DATE,
    DemoContext,
    date_series,
    float_series,
    largest_remainder,
    pick,
    quarter_path,
    uniform_days,
)
from pipelines.demo_episodes import (
    CME,
    COUNCIL,
    DAY,
    DP,
    HC,
    ISF,
    NUR,
    REAB,
    RES,
    ROUTE_DP,
    ROUTE_ISF,
    ROUTE_PART,
    SL,
    episode_details,
)
from pipelines.schemas import DELIVERY_ROUTES, PRIMARY_SUPPORT_REASONS, SERVICE_TYPES, SEXES

YEAR = 365.25

# Calibration (DESIGN section 7): Cambridgeshire's sizes; another council's are scaled by ctx.calibration, and
# county DP uptake at each year's Q4 comes from ctx.calibration (pipelines/demo_calibration.py), the year
# before the first setting the stock on the first day. Quarters in between move in a straight line.
COMMUNITY_START, COMMUNITY_GROWTH_PER_QUARTER = 4105, 4
RESIDENTIAL_START, RESIDENTIAL_GROWTH_PER_QUARTER = 1000, 2
# Care home admissions each year come from ctx.calibration (the council's published ASCOF 2A/2B/2C); as many
# people leave (most of them die) as keep the number in care homes on RESIDENTIAL_START's path.
FROM_COMMUNITY_SHARE = 0.35  # of admissions of people 65 and over: people leaving community support that day
INITIAL_ISF = 80
ISF_NEW_EARLY_YEARS = (20, 30)  # then settings.targets.isf_new_per_year (75) a year
DP_SPEND_LAST_YEAR_GBP = 21.5e6
CME_PROVIDERS, CME_AT_START, CME_ALL_BY_QUARTER = 33, 4, 15  # all 33 trading by 2023/24 Q4
CME_NEW_PER_QUARTER = (14, 8)  # new CME clients a quarter while CMEs are being set up, then after
# Share of people leaving long-term community support each quarter, by service type.
HAZARD = {HC: 0.065, DP: 0.05, ISF: 0.02, DAY: 0.05, CME: 0.025, SL: 0.03}
SWITCH_TO_DP_RATE = 0.008  # council-arranged home care moving to a DP, per quarter
PART_DP_SHARE = 0.12  # DP takers whose home care is part council-arranged, part DP
SHARED_LIVES_SHARE, DAY_CARE_SHARE = 0.015, 0.03  # of newcomers not taking a DP
REABLEMENT_FIRST_SHARE = 0.45  # home-care newcomers who had reablement first
REABLEMENT_ONLY_PER_QUARTER = 230
SECOND_DAY_CARE_SHARE = 0.07
PSR_YOUNGER = (0.06, 0.24, 0.03, 0.03, 0.36, 0.22, 0.06)
PSR_OLDER = (0.12, 0.56, 0.04, 0.18, 0.02, 0.05, 0.03)
SEX_SHARES = (0.575, 0.415, 0.003, 0.007)


@dataclass
class ActivityResult:
    """The activity frame and what the other generators need to stay consistent with it."""

    frame: pl.DataFrame
    person_ids: np.ndarray  # identifier per person index
    person_loc: np.ndarray
    snapshots: list[tuple[np.ndarray, np.ndarray, np.ndarray]]  # per quarter: people, hours, entry day
    dp_recipients: np.ndarray  # quarter x locality: people taking a DP at the quarter end


class _Store:
    """Columns of numpy arrays that grow by appending blocks of rows."""

    def __init__(self, **dtypes: object) -> None:
        self.cols = {name: np.empty(0, dtype=dtype) for name, dtype in dtypes.items()}

    def __len__(self) -> int:
        return len(next(iter(self.cols.values())))

    def __getattr__(self, name: str) -> np.ndarray:
        return self.__dict__["cols"][name]

    def add(self, **values: np.ndarray) -> np.ndarray:
        first = len(self)
        n = len(next(iter(values.values())))
        for name, column in self.cols.items():
            self.cols[name] = np.concatenate([column, np.asarray(values[name], dtype=column.dtype)])
        return np.arange(first, first + n)


class _Simulation:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.rng = ctx.rng(1)
        self.care_rng = ctx.rng(15)  # care homes' own stream: calibrating admissions leaves the rest alone
        self.people = _Store(
            loc=int,
            birth=int,
            sex=int,
            psr=int,
            entry=int,
            exit=int,
            in_care=bool,
            first_type=int,
            cur_type=int,
            cur_route=int,
            cur_start=int,
            cur_hours=float,
            cur_cost=float,
            cur_provider=object,
        )
        self.episodes = _Store(
            person=int, type=int, route=int, start=int, end=int, hours=float, cost=float, provider=object
        )
        self.snapshots: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    # People and episode details -------------------------------------------------------------------

    def new_people(
        self, locs: np.ndarray, age_on: np.ndarray, older_share: float, rng: np.random.Generator | None = None
    ) -> np.ndarray:
        """Add people of the given localities; returns their indices. Ages are as at ``age_on``."""
        rng, n = rng or self.rng, len(locs)
        older = rng.random(n) < older_share
        age = np.where(older, 65 + 35 * rng.beta(2.2, 2.0, n), 18 + 47 * rng.beta(1.4, 1.1, n))
        birth = age_on - np.floor(age * YEAR).astype(int)
        # Nobody is over 100 by the extract date nor under 18 on the day they are aged.
        # (60 days' margin so a spell of reablement just before is not at 17 either.)
        birth = np.clip(birth, self.ctx.extract - int(100.9 * YEAR), age_on - int(18 * YEAR) - 60)
        psr = np.where(older, rng.choice(7, n, p=PSR_OLDER), rng.choice(7, n, p=PSR_YOUNGER))
        blank = np.zeros(n, dtype=int)
        return self.people.add(
            loc=locs,
            birth=birth,
            sex=rng.choice(4, n, p=SEX_SHARES),
            psr=psr,
            entry=blank,
            exit=blank + NO_DATE,
            in_care=blank.astype(bool),
            first_type=blank - 1,
            cur_type=blank - 1,
            cur_route=blank,
            cur_start=blank,
            cur_hours=blank * np.nan,
            cur_cost=blank * 0.0,
            cur_provider=np.full(n, None, dtype=object),
        )

    def ages(self, idx: np.ndarray, days: np.ndarray) -> np.ndarray:
        return np.floor((days - self.people.birth[idx]) / YEAR).astype(int)

    def details(self, idx, types, starts):
        """Weekly hours, weekly cost and provider of new episodes."""
        locs, ages = self.people.loc[idx], self.ages(idx, starts)
        return episode_details(self.rng, self.ctx, types, starts, locs, ages)

    def open_episodes(self, idx, types, routes, starts, providers=None) -> None:
        hours, cost, provider = self.details(idx, types, starts)
        if providers is not None:
            provider = np.where(providers.astype(bool), providers, provider)
        p = self.people
        p.cur_type[idx], p.cur_route[idx], p.cur_start[idx] = types, routes, starts
        p.cur_hours[idx], p.cur_cost[idx], p.cur_provider[idx] = hours, cost, provider

    def close_episodes(self, idx: np.ndarray, ends: np.ndarray) -> None:
        p = self.people
        self.episodes.add(
            person=idx,
            type=p.cur_type[idx],
            route=p.cur_route[idx],
            start=p.cur_start[idx],
            end=ends,
            hours=p.cur_hours[idx],
            cost=p.cur_cost[idx],
            provider=p.cur_provider[idx],
        )

    def add_standalone(self, idx, types, routes, starts, ends) -> None:
        hours, cost, provider = self.details(idx, types, starts)
        self.episodes.add(
            person=idx,
            type=types,
            route=routes,
            start=starts,
            end=ends,
            hours=hours,
            cost=cost,
            provider=provider,
        )

    # Long-term community support ------------------------------------------------------------------

    def assign_types(self, idx, is_dp, n_isf, n_cme):
        """Service type and route for people entering community support."""
        rng, n = self.rng, len(idx)
        types, routes = np.full(n, HC), np.full(n, COUNCIL)
        dp_at = np.flatnonzero(is_dp)
        part = rng.random(len(dp_at)) < PART_DP_SHARE
        types[dp_at], routes[dp_at] = np.where(part, HC, DP), np.where(part, ROUTE_PART, ROUTE_DP)
        other = np.flatnonzero(~is_dp)
        # ISFs, shared lives and day care mostly support working-age adults: order them first.
        weight = np.where(self.people.birth[idx[other]] > self.ctx.q_start[0] - 65 * YEAR, 4.0, 1.0)
        order = other[np.argsort(-(rng.random(len(other)) ** (1 / weight)), kind="stable")]
        n_sl, n_day = round(SHARED_LIVES_SHARE * len(other)), round(DAY_CARE_SHARE * len(other))
        cuts = np.cumsum([min(n_isf, len(other)), n_sl, n_day])
        types[order[: cuts[0]]], routes[order[: cuts[0]]] = ISF, ROUTE_ISF
        types[order[cuts[0] : cuts[1]]] = SL
        types[order[cuts[1] : cuts[2]]] = DAY
        rest = rng.permutation(order[cuts[2] :])
        types[rest[:n_cme]] = CME
        return types, routes

    def cme_providers(self, n: int, trading: int, newly: int) -> np.ndarray:
        """Each new CME takes its first two clients; the rest go to the least busy trading CMEs."""
        p = self.people
        active = (p.cur_type == CME) & p.in_care
        load = np.zeros(CME_PROVIDERS)
        for code, count in zip(*np.unique(p.cur_provider[active].astype(str), return_counts=True), strict=True):
            load[int(code[-2:]) - 1] = count
        chosen = list(np.repeat(np.arange(trading - newly, trading), 2))[:n]
        for k in range(len(chosen)):
            load[chosen[k]] += 1
        while len(chosen) < n:
            best = int(np.argmin(load[:trading] + self.rng.random(trading) * 0.5))
            chosen.append(best)
            load[best] += 1
        return np.array([f"CME-{c + 1:02d}" for c in chosen], dtype=object)

    def enter(self, idx, entry, is_dp, n_isf, n_cme, cme_trading, cme_new):
        """Open the first community episode of the people ``idx``, entering on ``entry``."""
        types, routes = self.assign_types(idx, is_dp, n_isf, n_cme)
        providers = np.full(len(idx), None, dtype=object)
        cme_at = np.flatnonzero(types == CME)
        providers[cme_at] = self.cme_providers(len(cme_at), max(cme_trading, 1), cme_new)
        p = self.people
        p.entry[idx], p.in_care[idx], p.first_type[idx] = entry, True, types
        self.open_episodes(idx, types, routes, entry, providers)
        return types

    def run(self) -> None:
        ctx, rng, p = self.ctx, self.rng, self.people
        nq, nl = ctx.n_quarters, ctx.n_localities
        size = ctx.calibration.scaled
        stock = size(COMMUNITY_START) + size(COMMUNITY_GROWTH_PER_QUARTER) * np.arange(nq)
        stock_l = np.array([largest_remainder(s, ctx.shares) for s in stock])
        anchors = {4 * (fy - ctx.first_fy) + 3: v for fy, v in ctx.calibration.uptake_q4.items()}
        uptake = quarter_path(ctx, anchors)
        initial_uptake = float(np.interp(-1, sorted(anchors), [anchors[k] for k in sorted(anchors)]))
        dp_l = np.array(
            [
                largest_remainder(round(u / 100 * s), sl * np.maximum(u + ctx.uptake_offset, 1))
                for u, s, sl in zip(uptake, stock, stock_l, strict=True)
            ]
        )
        isf_year = [*ISF_NEW_EARLY_YEARS, *[ctx.settings.targets.isf_new_per_year] * 10]
        isf_q = np.concatenate([largest_remainder(isf_year[y], np.ones(4)) for y in range(nq // 4)])
        trading = np.minimum(
            np.round(np.interp(np.arange(nq), [0, CME_ALL_BY_QUARTER], [CME_AT_START, CME_PROVIDERS])),
            CME_PROVIDERS,
        ).astype(int)
        self.dp_l, self.stock_l = dp_l, stock_l

        # Everyone in service on the first day: episodes that started up to ten years before.
        day0 = int(ctx.q_start[0])
        initial_dp = largest_remainder(
            round(initial_uptake / 100 * stock[0]), stock_l[0] * np.maximum(initial_uptake + ctx.uptake_offset, 1)
        )
        locs = np.repeat(np.arange(nl), stock_l[0])
        is_dp = np.concatenate([np.arange(stock_l[0][i]) < initial_dp[i] for i in range(nl)])
        n0 = len(locs)
        idx = self.new_people(locs, np.full(n0, day0), 0.6)
        years_in = np.minimum(rng.exponential(2.5, n0), 10)
        entry = day0 - 1 - np.floor(years_in * YEAR).astype(int)
        entry = np.maximum(entry, p.birth[idx] + int(18 * YEAR) + 1)
        self.enter(idx, entry, is_dp, ctx.calibration.scaled(INITIAL_ISF), 3 * CME_AT_START, CME_AT_START, CME_AT_START)
        self.start_residential()

        for q in range(nq):
            self.quarter(q, stock_l[q], dp_l[q], isf_q[q], trading[q], trading[q] - trading[q - 1] if q else 0)
            self.residential_quarter(q)
            self.reablement_only(q)
        self.finish()

    def quarter(self, q, stock_l, dp_l, n_isf, cme_trading, cme_new) -> None:
        ctx, rng, p = self.ctx, self.rng, self.people
        first, last = int(ctx.q_start[q]), int(ctx.q_end[q])
        active = np.flatnonzero(p.in_care)
        hazard = np.vectorize(HAZARD.get)(p.cur_type[active])
        leaving = active[rng.random(len(active)) < hazard]
        # Never more people than the target: if too few would leave, some more do.
        survivors = np.setdiff1d(active, leaving)
        for loc in range(ctx.n_localities):
            short = stock_l[loc] - np.sum(p.loc[survivors] == loc)
            if short < 0:
                extra = rng.choice(survivors[p.loc[survivors] == loc], -short, replace=False)
                leaving = np.union1d(leaving, extra)
        leaving = np.sort(leaving)
        exit_days = uniform_days(rng, first, last - 1, len(leaving))
        self.close_episodes(leaving, exit_days)
        p.exit[leaving], p.in_care[leaving] = exit_days, False
        self.leavers = (leaving, exit_days)
        survivors = np.flatnonzero(p.in_care)

        new_locs, new_dp = [], []
        for loc in range(ctx.n_localities):
            here = survivors[p.loc[survivors] == loc]
            taking_dp = np.isin(p.cur_route[here], (ROUTE_DP, ROUTE_PART))
            need = dp_l[loc] - int(taking_dp.sum())
            n_new = stock_l[loc] - len(here)
            council_hc = here[(p.cur_type[here] == HC) & (p.cur_route[here] == COUNCIL)]
            switches = min(rng.binomial(len(council_hc), SWITCH_TO_DP_RATE), max(need, 0))
            switches = max(switches, need - n_new)
            if switches > 0:  # council-arranged home care replaced by a DP from a day in the quarter
                movers = np.sort(rng.choice(council_hc, switches, replace=False))
                self.switch(movers, first, last, DP, ROUTE_DP)
            elif need < 0:  # people giving up a DP for council-arranged home care
                movers = np.sort(rng.choice(here[taking_dp], -need, replace=False))
                self.switch(movers, first, last, HC, COUNCIL)
            new_locs.append(np.full(n_new, loc))
            new_dp.append(np.arange(n_new) < max(need - switches, 0))
        locs, is_dp = np.concatenate(new_locs), np.concatenate(new_dp)
        n_cme = max(2 * cme_new, CME_NEW_PER_QUARTER[q > CME_ALL_BY_QUARTER])
        entry = uniform_days(rng, first, last, len(locs))
        idx = self.new_people(locs, entry, 0.6)
        types = self.enter(idx, entry, is_dp, n_isf, n_cme, cme_trading, cme_new)
        # Many home-care packages follow a spell of reablement that ends the day before.
        had = idx[(types == HC) & (rng.random(len(idx)) < REABLEMENT_FIRST_SHARE)]
        starts = p.entry[had] - rng.integers(14, 43, len(had))
        self.add_standalone(had, np.full(len(had), REAB), np.zeros(len(had), int), starts, p.entry[had] - 1)

        now = np.flatnonzero(p.in_care)
        self.snapshots.append((now, p.cur_hours[now].copy(), p.entry[now].copy()))

    def switch(self, movers, first, last, new_type, new_route) -> None:
        days = uniform_days(self.rng, first + 1, last, len(movers))
        self.close_episodes(movers, days - 1)
        n = len(movers)
        self.open_episodes(movers, np.full(n, new_type), np.full(n, new_route), days)

    # Residential and nursing care, reablement ---------------------------------------------------

    def start_residential(self) -> None:
        ctx, rng = self.ctx, self.care_rng
        n = ctx.calibration.scaled(RESIDENTIAL_START)
        day0 = int(ctx.q_start[0])
        idx = self.new_people(rng.choice(ctx.n_localities, n, p=ctx.shares), np.full(n, day0), 0.93, rng)
        years = range(ctx.n_quarters // 4)
        self.admitted = {  # age band -> people admitted each quarter, each year's calibrated number split evenly
            band: np.concatenate([largest_remainder(by_year[ctx.first_fy + y], np.ones(4)) for y in years])
            for band, by_year in ctx.calibration.admissions.items()
        }
        starts = day0 - 1 - np.floor(np.minimum(rng.exponential(2.0, n), 8) * YEAR).astype(int)
        starts = np.maximum(starts, self.people.birth[idx] + int(18 * YEAR) + 1)
        self.res = _Store(person=int, type=int, start=int)
        self.res_end = np.empty(0, dtype=int)
        self.open_residential(idx, starts)

    def open_residential(self, idx: np.ndarray, starts: np.ndarray) -> None:
        types = np.where(self.care_rng.random(len(idx)) < 0.62, RES, NUR)
        self.res.add(person=idx, type=types, start=starts)
        self.res_end = np.concatenate([self.res_end, np.full(len(idx), NO_DATE)])

    def residential_quarter(self, q: int) -> None:
        """The quarter's calibrated admissions by age band, many of the older people leaving community support;
        and as many leaving (deaths and moves out, anyone in a care home as likely) as keep the planned number."""
        ctx, rng = self.ctx, self.care_rng
        first, last = int(ctx.q_start[q]), int(ctx.q_end[q])
        younger, older = int(self.admitted["18-64"][q]), int(self.admitted["65+"][q])
        size = ctx.calibration.scaled
        planned = size(RESIDENTIAL_START) + size(RESIDENTIAL_GROWTH_PER_QUARTER) * (q + 1)
        open_ = np.flatnonzero(self.res_end == NO_DATE)
        n_leaving = int(np.clip(len(open_) + younger + older - planned, 0, len(open_)))
        leaving = np.sort(rng.choice(open_, n_leaving, replace=False))
        self.res_end[leaving] = uniform_days(rng, first, last - 1, len(leaving))
        leavers, exit_days = self.leavers
        aged = np.flatnonzero(self.ages(leavers, exit_days) >= 65)
        moved = np.sort(rng.choice(aged, min(len(aged), round(FROM_COMMUNITY_SHARE * older)), replace=False))
        self.open_residential(leavers[moved], exit_days[moved] + 1)
        for n, older_share in ((older - len(moved), 1.0), (younger, 0.0)):
            starts = uniform_days(rng, first, last, n)
            idx = self.new_people(rng.choice(ctx.n_localities, n, p=ctx.shares), starts, older_share, rng)
            self.open_residential(idx, starts)

    def reablement_only(self, q: int) -> None:
        """Short reablement for people who then need no long-term support."""
        ctx, rng = self.ctx, self.rng
        n = ctx.calibration.scaled(REABLEMENT_ONLY_PER_QUARTER)
        starts = uniform_days(rng, int(ctx.q_start[q]), int(ctx.q_end[q]), n)
        idx = self.new_people(rng.choice(ctx.n_localities, n, p=ctx.shares), starts, 0.8)
        ends = starts + rng.integers(7, 43, n)
        ends = np.where(ends > ctx.extract, NO_DATE, ends)
        self.add_standalone(idx, np.full(n, REAB), np.zeros(n, int), starts, ends)

    # Finishing -----------------------------------------------------------------------------------

    def finish(self) -> None:
        ctx, rng, p = self.ctx, self.rng, self.people
        ongoing = np.flatnonzero(p.in_care)
        self.close_episodes(ongoing, np.full(len(ongoing), NO_DATE))
        n = len(self.res)
        self.add_standalone(self.res.person, self.res.type, np.zeros(n, int), self.res.start, self.res_end)
        # Some people also go to a day centre, council-arranged, for as long as their main support.
        community = np.flatnonzero(p.first_type >= 0)
        candidates = community[p.first_type[community] != DAY]
        chosen = np.sort(rng.choice(candidates, round(SECOND_DAY_CARE_SHARE * len(candidates)), replace=False))
        until = np.where(p.exit[chosen] == NO_DATE, ctx.extract, p.exit[chosen])
        starts = np.minimum(p.entry[chosen] + rng.integers(0, 121, len(chosen)), until)
        k = len(chosen)
        self.add_standalone(chosen, np.full(k, DAY), np.zeros(k, int), starts, p.exit[chosen])
        self.rescale_dp_costs()

    def rescale_dp_costs(self) -> None:
        """Scale DP costs so that DP spend in the last year matches the published figure."""
        e, q_end = self.episodes, self.ctx.q_end[-4:]
        dp_route = np.isin(e.route, (ROUTE_DP, ROUTE_PART))
        spend = {True: 0.0, False: 0.0}
        for day in q_end:
            active = dp_route & (e.start <= day) & ((e.end == NO_DATE) | (e.end >= day))
            for is_dp_type in (True, False):
                spend[is_dp_type] += 52 * e.cost[active & ((e.type == DP) == is_dp_type)].sum()
        factor = (self.ctx.calibration.scaled_amount(DP_SPEND_LAST_YEAR_GBP) * len(q_end) - spend[False]) / spend[True]
        e.cost[e.type == DP] = np.round(e.cost[e.type == DP] * factor, 2)

    def frame(self) -> tuple[pl.DataFrame, np.ndarray]:
        p, e = self.people, self.episodes
        numbers = self.rng.permutation(len(p)) + 1  # identifiers say nothing about entry order
        person_ids = np.array([f"P{n:06d}" for n in numbers.tolist()], dtype=object)
        who = e.person
        frame = pl.DataFrame(
            [
                pl.Series("person_id", person_ids[who].tolist(), dtype=pl.String),
                pl.Series("age", self.ages(who, e.start), dtype=pl.Int64),
                pick(SEXES, p.sex[who]).alias("sex"),
                pick(PRIMARY_SUPPORT_REASONS, p.psr[who]).alias("primary_support_reason"),
                pick(self.ctx.codes, p.loc[who]).alias("locality_code"),
                pick(SERVICE_TYPES, e.type).alias("service_type"),
                pick(DELIVERY_ROUTES, e.route).alias("delivery_route"),
                date_series("start_date", e.start),
                date_series("end_date", e.end),
                float_series("weekly_hours", e.hours),
                float_series("weekly_cost_gbp", e.cost),
                pl.Series("provider_id", e.provider.tolist(), dtype=pl.String),
            ]
        )
        frame = frame.sort("person_id", "start_date", "service_type")
        # The case system's episode references: what keys an episode, whatever later corrections change.
        episode_ids = pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(7)
        return frame.with_columns(episode_id=pl.lit("EP") + episode_ids), person_ids


def build_activity(ctx: DemoContext) -> ActivityResult:
    """Simulate the five years of service episodes; see the module docstring."""
    sim = _Simulation(ctx)
    sim.run()
    frame, person_ids = sim.frame()
    return ActivityResult(
        frame=frame,
        person_ids=person_ids,
        person_loc=sim.people.loc.copy(),
        snapshots=sim.snapshots,
        dp_recipients=sim.dp_l,
    )
