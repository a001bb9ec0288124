"""Weekly hours, weekly cost and provider of synthetic service episodes, by service type.

Prices follow the episode's start year: home care at about £19 an hour in 2020/21 rising to about £23
in 2024/25; DPs at PA rates (later rescaled to the published DP spend); care homes by the week.
Provider identifiers are codes for fictitious providers (home-care lots HCP-01..04, spot providers,
CMEs, ISF providers, day centres, care homes, the in-house reablement service).
"""

from __future__ import annotations

import numpy as np

from pipelines.demo_common import DemoContext
from pipelines.schemas import DELIVERY_ROUTES, SERVICE_TYPES

_TYPES = "home_care direct_payment isf residential nursing day_care cme reablement shared_lives"
HC, DP, ISF, RES, NUR, DAY, CME, REAB, SL = (SERVICE_TYPES.index(t) for t in _TYPES.split())
COUNCIL, ROUTE_DP, ROUTE_PART, ROUTE_ISF = range(len(DELIVERY_ROUTES))
HC_LOT_PROVIDERS = ("HCP-01", "HCP-02", "HCP-03", "HCP-04")
HC_SPOT_PROVIDERS = tuple(f"HCP-{i:02d}" for i in range(5, 11))


def episode_details(
    rng: np.random.Generator,
    ctx: DemoContext,
    types: np.ndarray,
    starts: np.ndarray,
    locs: np.ndarray,
    ages: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weekly hours (NaN where not planned in hours), weekly cost in pounds and provider per episode.

    The CME provider is left blank: the simulation spreads CME clients across the CMEs trading.
    """
    n = len(types)
    fy = np.clip(ctx.fy_index(starts), 0, 4)  # earlier episodes are priced at first-year rates
    hours, cost = np.full(n, np.nan), np.zeros(n)
    provider = np.full(n, None, dtype=object)
    gamma_hours = np.round(rng.gamma(3.2, 2.85, n) * 2) / 2
    rate_noise = rng.normal(0, 0.35, n)

    home = types == HC
    hc_rate = 19.0 + 0.97 * fy + rate_noise  # about £19 an hour in 2020/21 rising to £23
    hours[home] = np.clip(gamma_hours, 1, 56)[home]
    cost[home] = (hours * hc_rate)[home]
    spot = rng.random(n) < 0.25
    # Fewer localities than lots (a single-tier council's one area): the lots share the people instead.
    hc_lot = ctx.hc_lot[locs] if ctx.n_localities >= len(HC_LOT_PROVIDERS) else np.arange(n) % len(HC_LOT_PROVIDERS)
    isf_lot = ctx.isf_lot[locs] if ctx.n_localities >= 2 else np.arange(n) % 2
    lot_ids = np.array(HC_LOT_PROVIDERS, dtype=object)[hc_lot]
    spot_ids = np.array(HC_SPOT_PROVIDERS, dtype=object)[rng.integers(0, len(HC_SPOT_PROVIDERS), n)]
    provider[home] = np.where(spot, spot_ids, lot_ids)[home]

    dp = types == DP  # PA hours; the cost is rescaled later to the published DP spend
    dp_hours = np.clip(np.round(rng.gamma(2.2, np.where(ages < 65, 11.5, 8.5)) * 2) / 2, 2, 84)
    hours[dp] = dp_hours[dp]
    cost[dp] = (dp_hours * (19.5 + 0.8 * fy) * np.exp(rng.normal(0, 0.15, n)))[dp]

    isf = types == ISF
    hours[isf] = np.clip(np.round(rng.gamma(3.0, 6.0, n) * 2) / 2, 4, 84)[isf]
    cost[isf] = (hours * (22.0 + fy + rate_noise))[isf]
    provider[isf] = np.array(["ISFP-01", "ISFP-02"], dtype=object)[isf_lot][isf]

    cme = types == CME  # provider chosen by the caller; about 2,500 hours a week by March 2024
    hours[cme] = np.clip(np.round(rng.gamma(3.5, 3.9, n) * 2) / 2, 3, 40)[cme]
    cost[cme] = (hours * (20.0 + 0.9 * fy + rate_noise))[cme]

    day = types == DAY
    days_a_week = rng.integers(1, 5, n)
    hours[day] = (6.0 * days_a_week)[day]
    cost[day] = (days_a_week * (55.0 + 2.0 * fy) * np.exp(rng.normal(0, 0.08, n)))[day]
    provider[day] = np.array([f"DC-{i + 1:02d}" for i in range(ctx.n_localities)], dtype=object)[locs][day]

    shared = types == SL  # accommodation-based: no hours
    cost[shared] = (480.0 * 1.04**fy * np.exp(rng.normal(0, 0.12, n)))[shared]
    provider[shared] = "SL-01"

    for kind, base, homes in ((RES, 780.0, ("CH", 30)), (NUR, 1010.0, ("NH", 15))):
        k = types == kind
        cost[k] = (base * 1.05**fy * np.exp(rng.normal(0, 0.1, n)))[k]
        provider[k] = np.array([f"{homes[0]}-{i + 1:02d}" for i in range(homes[1])], dtype=object)[
            rng.integers(0, homes[1], n)
        ][k]

    reab = types == REAB
    hours[reab] = np.clip(gamma_hours, 2, 30)[reab]
    cost[reab] = (hours * (24.0 + 0.8 * fy))[reab]
    provider[reab] = "REAB-01"
    return hours, np.round(cost, 2), provider
