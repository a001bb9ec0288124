"""Scenario engine: people, hours, direct payments, Personal Assistants and cost per locality and year.

Pure and vectorised (numpy): one call runs the central path and 1,000 simulated paths for every
locality and year at once, in a few milliseconds, so the page can recompute on every lever change.

How a scenario is built, per district (the county is the sum of its districts):

1. **People in long-term community support** follow the demand chain (:mod:`models.demand_chain`), read at
   each year's end: the chosen forecast (``fct_forecasts``) for the quarters it covers, then the POPPI-style
   demand index (:mod:`models.population_projection`), or flat with the "no growth" variant. The baseline is
   therefore the same figure the Demand page's forecast and projection show. The population adjustment and
   the service-use change compound on top, from the first year.
2. **Uncertainty** comes from the forecasts: the 80% interval of each forecast gives a relative
   spread at each horizon, extended beyond the forecast with the square root of time, plus a drift of
   ``uncertainty_drift_pct`` a year for what the forecasts cannot see (changes in need, eligibility or
   policy). One demand shock per simulated path moves every district together (a cautious choice:
   district errors are not independent); an independent supply shock, from the PA forecast and the same
   drift, moves PAs expected.
3. **Direct payments.** Without a target, DP uptake follows the ratio of the DP and people forecasts,
   then holds, and DP recipients carry the DP forecast's own range. With a target, every district moves
   in a straight line from today's uptake to the target at the end of the target year, then holds (the
   county therefore reaches it too); the target is an assumption, so uptake then has no range.
4. **Hours and cost.** Hours a week per person stay at today's level, separately for DP recipients and
   everyone else; cost a year is 52 x hours x hourly rate, in today's prices. New ISFs and CME capacity
   change who holds the budget and who delivers it, not the hours.
5. **Personal Assistants.** Needed = DP recipients x share employing PAs x PAs per employer. Expected
   follows the register: each year keeps (1 - attrition) of last year's PAs and adds the recruits of the
   last year, growing by the recruitment-growth lever.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import polars as pl
from scipy import stats

from models.demand_chain import people_path
from models.periods import Quarter, fy_label, parse_fy, parse_quarter
from models.scenario_levers import LeverError, Levers  # noqa: F401  (LeverError re-exported with the engine)

DRAWS = 1000  # stratified draws: quantiles move by well under 1% between seeds at this size
QUANTILES = (0.025, 0.1, 0.9, 0.975)
Z_80 = float(stats.norm.ppf(0.9))
WEEKS_A_YEAR = 52


@dataclass(frozen=True)
class BaseState:
    """Where each district stands today, and what the forecasts and projection say. Arrays are per district.

    ``forecast`` maps a measure (``people_supported``, ``dp_recipients``, ``active_pas``) to a pair of
    (L, H) arrays: the forecast mean and its relative spread (one standard deviation as a share of the
    mean) for quarters 1..H after ``base_period``; NaN where a district has no forecast.
    ``demand_index`` is (L, len(index_years)), 1.0 in the base year.
    """

    base_period: str
    codes: tuple[str, ...]
    names: tuple[str, ...]
    county_code: str
    county_name: str
    people: np.ndarray
    dp_recipients: np.ndarray
    isf_people: np.ndarray
    dp_hours_per_person: np.ndarray
    other_hours_per_person: np.ndarray
    cme_hours: np.ndarray
    active_pas: np.ndarray
    pa_recruits: np.ndarray
    forecast: dict[str, tuple[np.ndarray, np.ndarray]]
    index_years: tuple[int, ...]
    demand_index: np.ndarray
    defaults: Levers = field(default_factory=Levers)

    @property
    def base_year(self) -> int:
        return parse_quarter(self.base_period).start_year


MEASURES: dict[str, tuple[str, str]] = {
    # name: (label, unit) with unit one of count, hours, pct, gbp
    "people_supported": ("People in long-term community support", "count"),
    "weekly_hours": ("Hours of care a week", "hours"),
    "dp_recipients": ("People taking a direct payment", "count"),
    "dp_share_pct": ("DP uptake", "pct"),
    "isf_people": ("People with an Individual Service Fund", "count"),
    "dp_hours": ("Hours a week taken as a DP", "hours"),
    "other_hours": ("Hours a week arranged by the council or an ISF", "hours"),
    "agency_hours": ("Hours a week beyond CME capacity", "hours"),
    "pas_needed": ("Personal Assistants needed", "count"),
    "pas_expected": ("Personal Assistants expected", "count"),
    "pa_gap": ("PA workforce gap (needed minus expected)", "count"),
    "cost_gbp": ("Cost a year (today's prices)", "gbp"),
    "home_care_cost_gbp": ("Cost of hours not taken as a DP, a year", "gbp"),
    "dp_cost_gbp": ("Cost of DP hours, a year", "gbp"),
}


@dataclass(frozen=True)
class ScenarioResult:
    """A scenario's figures: one row per area x year x measure, central value and 80%/95% ranges."""

    levers: Levers
    table: pl.DataFrame
    notes: tuple[str, ...] = ()

    @cached_property
    def years(self) -> list[str]:
        return self.table.filter(pl.col("measure") == "people_supported")["year"].unique(maintain_order=True).to_list()

    def value(self, locality_code: str, year: str, measure: str, column: str = "central") -> float:
        return float(self._rows[(locality_code, year, measure)][column])

    @cached_property
    def _rows(self) -> dict[tuple[str, str, str], dict]:
        """Each row by area, year and measure, made once: a page asks :meth:`value` for dozens of figures, and a
        filter of the table each time cost 0.3-0.6 ms."""
        rows: dict[tuple[str, str, str], dict] = {}
        for row in self.table.iter_rows(named=True):
            rows.setdefault((row["locality_code"], row["year"], row["measure"]), row)
        return rows

    def wide(self, locality_code: str, column: str = "central") -> pl.DataFrame:
        """One row per year, one column per measure (for tables and downloads)."""
        part = self.table.filter(pl.col("locality_code") == locality_code)
        return part.pivot("measure", index=["year"], values=column).select("year", *MEASURES)


def stratified_normals(draws: int, seed: int) -> np.ndarray:
    """``draws`` standard normals, one from each equal-probability stratum, in random order."""
    rng = np.random.default_rng(seed)
    return stats.norm.ppf((rng.permutation(draws) + 0.5) / draws)


def _shocks(draws: int = DRAWS) -> np.ndarray:
    """(draws + 1, 2) demand and supply shocks; row 0 is zero (the central path)."""
    shocks = np.zeros((draws + 1, 2))
    shocks[1:, 0] = stratified_normals(draws, 1)
    shocks[1:, 1] = stratified_normals(draws, 2)
    return shocks


# Common random numbers: every scenario uses the same shocks, so a lever change moves the fan smoothly.
_SHOCKS = _shocks()


def _year_path(base: BaseState, years: int) -> tuple[np.ndarray, np.ndarray]:
    """Quarters from the base quarter to each year's end (k = 0..years), and the years' first calendar years."""
    start = parse_quarter(base.base_period)
    ends = np.array([0] + [Quarter(start.start_year + k, 4).minus(start) for k in range(1, years + 1)])
    return ends, start.start_year + np.arange(years + 1)


def _forecast_at(base: BaseState, measure: str, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Forecast mean and relative spread at each year end (NaN beyond the forecast), and the last usable year."""
    mean, spread = base.forecast.get(measure, (np.full((len(base.codes), 0), np.nan),) * 2)
    horizon = mean.shape[1]
    inside = (ends >= 1) & (ends <= horizon)
    at_mean = np.full((len(base.codes), len(ends)), np.nan)
    at_spread = np.full_like(at_mean, np.nan)
    at_mean[:, inside] = mean[:, ends[inside] - 1]
    at_spread[:, inside] = spread[:, ends[inside] - 1]
    usable = np.isfinite(at_mean)
    last = np.where(usable.any(axis=1), len(ends) - 1 - np.argmax(usable[:, ::-1], axis=1), 0)
    # Beyond the forecast the spread grows like a random walk's, with the square root of the horizon.
    if horizon:
        edge = np.where(np.isfinite(spread[:, -1]), spread[:, -1], 0.0)
        beyond = ends > horizon
        at_spread[:, beyond] = edge[:, None] * np.sqrt(ends[beyond] / horizon)
    at_spread[:, 0] = 0.0
    return at_mean, np.nan_to_num(at_spread), last


def _widen(spread: np.ndarray, last: np.ndarray, k: np.ndarray, drift_pct: float) -> np.ndarray:
    """Add a random-walk drift of ``drift_pct`` a year after each row's last forecast year."""
    years_after = np.maximum(k[None, :] - last[:, None], 0.0)
    return np.sqrt(spread**2 + (drift_pct / 100) ** 2 * years_after)


def _carry(values: np.ndarray, last: np.ndarray, growth: np.ndarray) -> np.ndarray:
    """Keep ``values`` up to each row's ``last`` column, then continue from there in proportion to ``growth``."""
    columns = np.arange(values.shape[1])
    anchor = np.take_along_axis(values, last[:, None], axis=1)
    anchor_growth = np.take_along_axis(growth, last[:, None], axis=1)
    carried = anchor * growth / np.where(anchor_growth > 0, anchor_growth, 1.0)
    return np.where(columns[None, :] <= last[:, None], values, carried)


def run_scenario(base: BaseState, levers: Levers | None = None, years: int = 10) -> ScenarioResult:
    """Run one scenario for every district and the county, ``years`` financial years beyond the base year.

    Parameters
    ----------
    base : BaseState
        Today's position, forecasts and demand index (see :func:`base_state`).
    levers : Levers, optional
        The assumptions; ``base.defaults`` (the baseline scenario) when omitted.
    years : int, default 10
        Financial years to project after the base year.

    Returns
    -------
    ScenarioResult
    """
    levers = levers or base.defaults
    levers.validate()
    notes = []
    ends, calendar = _year_path(base, years)
    k = np.arange(years + 1, dtype=float)
    people_now = base.people.astype(float)

    # 1. People: the demand chain (the forecast, then population-driven), read at each year's end; the levers
    # compound on top. The Demand page's forecast and projection tabs read the same chain.
    if calendar[-1] > base.index_years[-1]:
        notes.append(f"the population projection ends in {base.index_years[-1]}; later years hold that year's level")
    forecast_people, _, last = _forecast_at(base, "people_supported", ends)
    missing = ~np.isfinite(forecast_people[:, 1:]).any(axis=1)
    if missing.any():
        notes.append(
            "no forecast for " + ", ".join(np.array(base.names)[missing]) + ": demand follows the projection only"
        )
    chain, chain_spread, _ = people_path(base, int(ends[-1]), levers.uncertainty_drift_pct, levers.population_variant)
    path, spread_people = chain[:, ends], chain_spread[:, ends]
    factor = ((1 + levers.population_adjustment_pct / 100) * (1 + levers.service_use_change_pct / 100)) ** k
    people_central = path * factor

    # 2. DP uptake: the forecast ratio then held, or a straight line to the target.
    share_now = np.divide(base.dp_recipients, people_now, out=np.zeros_like(people_now), where=people_now > 0)
    spread_dp = spread_people  # with a target, uptake is an assumption: DP recipients move with people
    if levers.dp_target_pct is None:
        forecast_dp, spread_dp, last_dp = _forecast_at(base, "dp_recipients", ends)
        spread_dp = _widen(spread_dp, last_dp, k, levers.uncertainty_drift_pct)
        ratio = np.divide(
            forecast_dp, forecast_people, out=np.full_like(forecast_dp, np.nan), where=forecast_people > 0
        )
        ratio[:, 0] = share_now
        ratio = np.where(np.isfinite(ratio), ratio, share_now[:, None])
        share = _carry(ratio, np.minimum(last, last_dp), np.ones_like(ratio))
    else:
        target_k = max(1, parse_fy(levers.dp_target_year) - base.base_year)
        progress = np.minimum(1.0, k / target_k)
        share = share_now[:, None] + (levers.dp_target_pct / 100 - share_now[:, None]) * progress[None, :]
    share = np.clip(share, 0.0, 1.0)

    # 3. Simulated paths: row 0 of the shocks is the central path (no shock).
    demand_shock, supply_shock = _SHOCKS[:, 0], _SHOCKS[:, 1]
    people = people_central[None] * np.exp(spread_people[None] * demand_shock[:, None, None])
    # Without a target, DP recipients carry their own forecast's range (on the same shock as people).
    dp = np.minimum(people_central[None] * share[None] * np.exp(spread_dp[None] * demand_shock[:, None, None]), people)
    non_dp = people - dp
    dp_hours = dp * base.dp_hours_per_person[None, :, None]
    other_hours = non_dp * base.other_hours_per_person[None, :, None]

    non_dp_now = people_now - base.dp_recipients
    isf_share = non_dp_now / non_dp_now.sum() if non_dp_now.sum() > 0 else np.full(len(people_now), 1 / len(people_now))
    isf = base.isf_people[:, None] + levers.isf_new_per_year * isf_share[:, None] * k[None, :]
    isf = np.clip(isf[None], 0.0, non_dp)

    hours_now = base.other_hours_per_person * non_dp_now
    cme_weights = base.cme_hours if base.cme_hours.sum() > 0 else hours_now
    cme_share = (
        cme_weights / cme_weights.sum() if cme_weights.sum() > 0 else np.full(len(people_now), 1 / len(people_now))
    )
    cme = np.where(k[None, :] == 0, base.cme_hours[:, None], levers.cme_hours_per_week * cme_share[:, None])
    agency_hours = np.maximum(other_hours - cme[None], 0.0)

    pas_needed = dp * (levers.pa_employer_share_pct / 100) * levers.pas_per_employer
    pas_central = np.empty((len(people_now), len(k)))
    pas_central[:, 0] = base.active_pas
    keep = 1 - levers.pa_attrition_pct / 100
    for year in range(1, len(k)):
        recruits = base.pa_recruits * (1 + levers.pa_recruitment_growth_pct / 100) ** year
        pas_central[:, year] = pas_central[:, year - 1] * keep + recruits
    _, spread_pas, last_pas = _forecast_at(base, "active_pas", ends)
    spread_pas = _widen(spread_pas, last_pas, k, levers.uncertainty_drift_pct)
    pas_expected = pas_central[None] * np.exp(spread_pas[None] * supply_shock[:, None, None])

    home_cost = WEEKS_A_YEAR * other_hours * levers.home_care_rate_gbp
    dp_cost = WEEKS_A_YEAR * dp_hours * levers.dp_rate_gbp

    # 4. Add the county (sum of districts, draw by draw), then summarise every measure at once.
    counts = {
        "people_supported": people,
        "weekly_hours": dp_hours + other_hours,
        "dp_recipients": dp,
        "isf_people": isf,
        "dp_hours": dp_hours,
        "other_hours": other_hours,
        "agency_hours": agency_hours,
        "pas_needed": pas_needed,
        "pas_expected": pas_expected,
        "pa_gap": pas_needed - pas_expected,
        "cost_gbp": home_cost + dp_cost,
        "home_care_cost_gbp": home_cost,
        "dp_cost_gbp": dp_cost,
    }
    counts = {name: np.concatenate([v, v.sum(axis=1, keepdims=True)], axis=1) for name, v in counts.items()}
    counts["dp_share_pct"] = 100 * np.divide(
        counts["dp_recipients"],
        counts["people_supported"],
        out=np.zeros_like(counts["people_supported"]),
        where=counts["people_supported"] > 0,
    )
    stacked = np.stack([counts[name] for name in MEASURES])  # (measure, draw, area, year)
    bounds = np.quantile(stacked[:, 1:], QUANTILES, axis=1)  # (quantile, measure, area, year)
    central = stacked[:, 0]
    return ScenarioResult(levers, _to_frame(base, calendar, central, bounds), tuple(notes))


def _to_frame(base: BaseState, calendar: np.ndarray, central: np.ndarray, bounds: np.ndarray) -> pl.DataFrame:
    n_measures, n_areas, n_years = central.shape
    codes = [*base.codes, base.county_code]
    names = [*base.names, base.county_name]
    shape = (n_measures, n_areas, n_years)
    measure_idx, area_idx, year_idx = np.indices(shape).reshape(3, -1)
    labels = [fy_label(int(year)) for year in calendar]
    return pl.DataFrame(
        {
            "locality_code": np.array(codes)[area_idx],
            "locality_name": np.array(names)[area_idx],
            "year": np.array(labels)[year_idx],
            "year_index": year_idx,
            "measure": np.array(list(MEASURES))[measure_idx],
            "central": central.ravel(),
            "lo_95": bounds[0].ravel(),
            "lo_80": bounds[1].ravel(),
            "hi_80": bounds[2].ravel(),
            "hi_95": bounds[3].ravel(),
        }
    )


def compare(results: Mapping[str, ScenarioResult], locality_code: str, year: str) -> pl.DataFrame:
    """Central values of several scenarios side by side for one area and year, with differences from the first.

    Returns
    -------
    polars.DataFrame
        ``measure, label, <name> ...`` then ``<name> vs <first>`` differences for every other scenario.
    """
    if not results:
        raise ValueError("nothing to compare")
    names = list(results)
    columns = {"measure": list(MEASURES), "label": [label for label, _ in MEASURES.values()]}
    for name in names:
        part = results[name].table.filter((pl.col("locality_code") == locality_code) & (pl.col("year") == year))
        values = dict(zip(part["measure"].to_list(), part["central"].to_list(), strict=True))
        columns[name] = [values[m] for m in MEASURES]
    frame = pl.DataFrame(columns)
    first = names[0]
    return frame.with_columns((pl.col(name) - pl.col(first)).alias(f"{name} vs {first}") for name in names[1:])


def _rounded(value: float, step: float, name: str) -> float:
    spec = Levers.spec(name)
    return float(np.clip(round(value / step) * step, spec["min"], spec["max"]))


def base_state(
    base: pl.DataFrame,
    forecasts: pl.DataFrame,
    index: pl.DataFrame,
    *,
    county_code: str,
    county_name: str,
    isf_new_per_year: int = 75,
) -> BaseState:
    """Build the :class:`BaseState` and the data-derived baseline levers from warehouse frames.

    Parameters
    ----------
    base : polars.DataFrame
        One row per district at the latest quarter (``mart_demand_base``).
    forecasts : polars.DataFrame
        The chosen forecasts (``fct_forecasts`` where ``role = 'chosen'``): ``measure, locality_code,
        period_start, mean, lo_80, hi_80``.
    index : polars.DataFrame
        ``area_code, projection_year, index`` from :func:`models.population_projection.demand_index`.
    county_code, county_name : str
        The council's code and display name for the county rows.
    isf_new_per_year : int
        The council's planned new ISFs a year, the baseline for that lever.
    """
    base = base.sort("locality_code")
    codes = base["locality_code"].to_list()

    def column(name: str) -> np.ndarray:
        return base[name].cast(pl.Float64).fill_null(0.0).to_numpy()

    def per_person(hours: str, people: np.ndarray) -> np.ndarray:
        return np.divide(column(hours), people, out=np.zeros(len(codes)), where=people > 0)

    people, dp = column("people_supported"), column("dp_recipients")
    forecast = {}
    for measure in ("people_supported", "dp_recipients", "active_pas"):
        part = forecasts.filter(pl.col("measure") == measure)
        horizon = part.group_by("locality_code").len()["len"].min() if part.height else 0
        mean = np.full((len(codes), horizon or 0), np.nan)
        spread = np.full_like(mean, np.nan)
        for row, code in enumerate(codes):
            rows = part.filter(pl.col("locality_code") == code).sort("period_start").head(horizon or 0)
            if rows.height == horizon and horizon:
                mean[row] = rows["mean"].to_numpy()
                width = (rows["hi_80"] - rows["lo_80"]).to_numpy()
                spread[row] = np.divide(width, 2 * Z_80 * mean[row], out=np.zeros(horizon), where=mean[row] > 0)
        forecast[measure] = (mean, spread)

    years = sorted(index["projection_year"].unique().to_list())
    demand = np.ones((len(codes), len(years)))
    for row, code in enumerate(codes):
        part = index.filter(pl.col("area_code") == code).sort("projection_year")
        if part.height == len(years):
            demand[row] = part["index"].to_numpy()

    period = base["period"][0]
    start_year = parse_quarter(period).start_year
    defaults = Levers()
    hc_hours, dp_hours_paid = column("home_care_hours").sum(), column("dp_route_hours").sum()
    year_before = column("pas_year_before").sum()
    defaults = defaults.replace(
        dp_target_year=fy_label(start_year + 3),
        isf_new_per_year=isf_new_per_year,
        cme_hours_per_week=_rounded(column("cme_weekly_hours").sum(), 50, "cme_hours_per_week"),
        home_care_rate_gbp=(
            _rounded(column("home_care_cost_gbp").sum() / hc_hours, 0.01, "home_care_rate_gbp")
            if hc_hours > 0
            else defaults.home_care_rate_gbp
        ),
        dp_rate_gbp=(
            _rounded(column("dp_route_cost_gbp").sum() / dp_hours_paid, 0.01, "dp_rate_gbp")
            if dp_hours_paid > 0
            else defaults.dp_rate_gbp
        ),
        pa_attrition_pct=(
            _rounded(100 * column("pas_left_last_year").sum() / year_before, 0.5, "pa_attrition_pct")
            if year_before > 0
            else defaults.pa_attrition_pct
        ),
    )
    return BaseState(
        base_period=period,
        codes=tuple(codes),
        names=tuple(base["locality_name"].to_list()),
        county_code=county_code,
        county_name=county_name,
        people=people,
        dp_recipients=dp,
        isf_people=column("isf_people"),
        dp_hours_per_person=per_person("dp_weekly_hours", dp),
        other_hours_per_person=per_person("other_weekly_hours", people - dp),
        cme_hours=column("cme_weekly_hours"),
        active_pas=column("active_pas"),
        pa_recruits=column("pas_joined_last_year"),
        forecast=forecast,
        index_years=tuple(years) if years else (start_year,),
        demand_index=demand if years else np.ones((len(codes), 1)),
        defaults=defaults,
    )
