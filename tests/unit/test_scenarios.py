"""The scenario engine: its parameter object, its invariants, and the structure it promises.

A synthetic starting point with known forecasts and a known demand index lets every figure be
computed by hand here.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from models.scenarios import (
    MEASURES,
    Z_80,
    BaseState,
    LeverError,
    Levers,
    base_state,
    compare,
    run_scenario,
    stratified_normals,
)

CODES = ("A", "B", "C")
PEOPLE = np.array([1000.0, 600.0, 400.0])
DP = np.array([250.0, 90.0, 60.0])
HORIZON = 8
GROWTH = 0.01  # forecast growth a quarter
SPREAD = 0.02  # relative sd of the people forecast one quarter ahead


def make_base(horizon: int = HORIZON, spread: float = SPREAD, pa_spread: float = 0.03, index_step: float = 0.02):
    steps = np.arange(1, horizon + 1)
    people_mean = PEOPLE[:, None] * (1 + GROWTH) ** steps[None, :]
    dp_mean = people_mean * (DP / PEOPLE)[:, None]
    relative = spread * np.sqrt(steps)[None, :].repeat(3, axis=0)
    pas = np.array([150.0, 60.0, 40.0])
    years = tuple(range(2024, 2041))
    index = (1 + index_step) ** np.arange(len(years))[None, :].repeat(3, axis=0)
    return BaseState(
        base_period="2024/25 Q4",
        codes=CODES,
        names=("Area A", "Area B", "Area C"),
        county_code="ALL",
        county_name="All areas",
        people=PEOPLE.copy(),
        dp_recipients=DP.copy(),
        isf_people=np.array([20.0, 10.0, 0.0]),
        dp_hours_per_person=np.array([12.0, 10.0, 11.0]),
        other_hours_per_person=np.array([9.0, 8.0, 7.5]),
        cme_hours=np.array([300.0, 100.0, 100.0]),
        active_pas=pas,
        pa_recruits=np.array([50.0, 20.0, 10.0]),
        forecast={
            "people_supported": (people_mean, relative),
            "dp_recipients": (dp_mean, relative),
            "active_pas": (pas[:, None].repeat(horizon, axis=1), pa_spread * np.sqrt(steps)[None, :].repeat(3, 0)),
        },
        index_years=years,
        demand_index=index,
        defaults=Levers(dp_target_year="2027/28", home_care_rate_gbp=20.0, dp_rate_gbp=16.5),
    )


@pytest.fixture(scope="module")
def base() -> BaseState:
    return make_base()


def central(result, area: str, measure: str) -> np.ndarray:
    rows = result.table.filter((pl.col("locality_code") == area) & (pl.col("measure") == measure)).sort("year_index")
    return rows["central"].to_numpy()


def column(result, area: str, measure: str, name: str) -> np.ndarray:
    rows = result.table.filter((pl.col("locality_code") == area) & (pl.col("measure") == measure)).sort("year_index")
    return rows[name].to_numpy()


# The parameter object ------------------------------------------------------------------------------


def test_unknown_lever_names_are_refused_and_the_known_ones_listed():
    with pytest.raises(LeverError, match="unknown lever\\(s\\) dp_targt.*known: population_variant"):
        Levers.from_mapping({"dp_targt": 30})
    with pytest.raises(LeverError, match="unknown"):
        Levers().replace(typo=1)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("dp_target_pct", 120, "outside 0.0..80.0"),
        ("pa_attrition_pct", -1, "outside"),
        ("home_care_rate_gbp", "cheap", "is not a float"),
        ("isf_new_per_year", 7.5, "is not a int"),
        ("population_variant", "high", "population_variant must be one of"),
        ("dp_target_year", "2027", "not a financial year"),
        ("population_adjustment_pct", float("nan"), "outside"),
    ],
)
def test_bad_lever_values_are_refused_with_a_reason(name, value, message):
    with pytest.raises(LeverError, match=message):
        Levers.from_mapping({name: value})


def test_levers_read_from_text():
    levers = Levers.from_mapping({"dp_target_pct": "30", "isf_new_per_year": "100", "population_variant": "no_growth"})
    assert levers.dp_target_pct == 30.0 and levers.isf_new_per_year == 100
    assert levers.population_variant == "no_growth"
    assert Levers.from_mapping({"dp_target_pct": ""}).dp_target_pct is None


def test_every_lever_has_a_label_and_help():
    for name in Levers.names():
        spec = Levers.spec(name)
        assert spec["label"] and spec["help"], name


# Invariants over many lever settings ------------------------------------------------------------


def random_levers(rng: np.random.Generator) -> Levers:
    values = {}
    for name in Levers.names():
        spec = Levers.spec(name)
        if spec["min"] is not None:
            value = rng.uniform(spec["min"], spec["max"])
            values[name] = round(value) if name == "isf_new_per_year" else value
    values["population_variant"] = rng.choice(["projection", "no_growth"])
    start = 2025 + int(rng.integers(0, 10))
    values["dp_target_year"] = f"{start}/{(start + 1) % 100:02d}"
    if rng.random() < 0.3:
        values["dp_target_pct"] = None
    return Levers.from_mapping(values)


@pytest.mark.parametrize("seed", range(12))
def test_no_negative_people_hours_pas_or_cost_and_ranges_are_ordered(base, seed):
    levers = random_levers(np.random.default_rng(seed))
    table = run_scenario(base, levers).table
    never_negative = [m for m in MEASURES if m != "pa_gap"]
    values = table.filter(pl.col("measure").is_in(never_negative)).select("central", "lo_95", "lo_80", "hi_80", "hi_95")
    assert values.select(pl.all().min()).row(0) >= (0, 0, 0, 0, 0)
    assert table.filter(
        ~pl.all_horizontal(pl.col("central", "lo_95", "lo_80", "hi_80", "hi_95").is_finite())
    ).is_empty()
    ordered = table.filter(
        (pl.col("lo_95") > pl.col("lo_80") + 1e-9)
        | (pl.col("lo_80") > pl.col("hi_80") + 1e-9)
        | (pl.col("hi_80") > pl.col("hi_95") + 1e-9)
    )
    assert ordered.is_empty(), ordered
    share = table.filter(pl.col("measure") == "dp_share_pct")
    assert share["central"].min() >= 0 and share["central"].max() <= 100


@pytest.mark.parametrize("seed", range(6))
def test_cost_is_hours_times_rate_and_hours_add_up(base, seed):
    levers = random_levers(np.random.default_rng(100 + seed))
    result = run_scenario(base, levers)
    for area in (*CODES, "ALL"):
        dp_hours, other_hours = central(result, area, "dp_hours"), central(result, area, "other_hours")
        np.testing.assert_allclose(central(result, area, "weekly_hours"), dp_hours + other_hours)
        np.testing.assert_allclose(
            central(result, area, "home_care_cost_gbp"), 52 * other_hours * levers.home_care_rate_gbp
        )
        np.testing.assert_allclose(central(result, area, "dp_cost_gbp"), 52 * dp_hours * levers.dp_rate_gbp)
        np.testing.assert_allclose(
            central(result, area, "cost_gbp"),
            52 * (other_hours * levers.home_care_rate_gbp + dp_hours * levers.dp_rate_gbp),
        )


@pytest.mark.parametrize(
    ("target", "year"), [(25.0, "2027/28"), (40.0, "2030/31"), (10.0, "2025/26"), (30.0, "2020/21")]
)
def test_dp_share_reaches_the_target_on_its_date_and_stays(base, target, year):
    result = run_scenario(base, base.defaults.replace(dp_target_pct=target, dp_target_year=year))
    reached = max(1, int(year[:4]) - 2024)
    for area in (*CODES, "ALL"):
        for name in ("central", "lo_95", "hi_95"):
            share = column(result, area, "dp_share_pct", name)
            np.testing.assert_allclose(share[reached:], target, atol=1e-9)
    # Before the date each district moves in a straight line from today's uptake.
    start = 100 * DP[0] / PEOPLE[0]
    np.testing.assert_allclose(
        central(result, "A", "dp_share_pct")[: reached + 1], np.linspace(start, target, reached + 1)
    )


def test_county_is_the_sum_of_its_districts(base):
    result = run_scenario(base, base.defaults.replace(dp_target_pct=30.0))
    for measure in ("people_supported", "weekly_hours", "dp_recipients", "pas_needed", "pas_expected", "cost_gbp"):
        total = sum(central(result, area, measure) for area in CODES)
        np.testing.assert_allclose(central(result, "ALL", measure), total, rtol=1e-12)


# Structure the engine promises ------------------------------------------------------------------


def test_base_year_is_today(base):
    result = run_scenario(base)
    assert result.years[0] == "2024/25" and result.years[-1] == "2034/35"
    np.testing.assert_allclose([central(result, area, "people_supported")[0] for area in CODES], PEOPLE)
    assert central(result, "ALL", "dp_share_pct")[0] == pytest.approx(100 * DP.sum() / PEOPLE.sum())
    assert (
        column(result, "ALL", "people_supported", "lo_95")[0] == column(result, "ALL", "people_supported", "hi_95")[0]
    )


def test_forecast_years_follow_the_forecast_then_the_demand_index(base):
    result = run_scenario(base)
    people = central(result, "A", "people_supported")
    # Year ends are 4 and 8 quarters ahead; after the forecast, growth is the index's (2% a year here).
    np.testing.assert_allclose(people[1:3], PEOPLE[0] * (1 + GROWTH) ** np.array([4, 8]))
    np.testing.assert_allclose(people[3:] / people[2:-1], 1.02)


def test_no_growth_variant_holds_demand_after_the_forecast(base):
    people = central(run_scenario(base, base.defaults.replace(population_variant="no_growth")), "B", "people_supported")
    np.testing.assert_allclose(people[3:], people[2])


def test_population_and_service_use_levers_compound_from_the_first_year(base):
    baseline = central(run_scenario(base), "ALL", "people_supported")
    changed = central(
        run_scenario(base, base.defaults.replace(population_adjustment_pct=1.0, service_use_change_pct=-2.0)),
        "ALL",
        "people_supported",
    )
    np.testing.assert_allclose(changed / baseline, (1.01 * 0.98) ** np.arange(11))


def test_the_fan_matches_the_forecast_interval_inside_the_forecast(base):
    levers = base.defaults.replace(uncertainty_drift_pct=0.0)
    result = run_scenario(base, levers)
    sigma = SPREAD * np.sqrt(4)  # one year ahead
    low, high = column(result, "A", "people_supported", "lo_80")[1], column(result, "A", "people_supported", "hi_80")[1]
    middle = central(result, "A", "people_supported")[1]
    assert low == pytest.approx(middle * np.exp(-Z_80 * sigma), rel=0.005)
    assert high == pytest.approx(middle * np.exp(Z_80 * sigma), rel=0.005)


def test_drift_widens_the_fan_only_after_the_forecast(base):
    def width(drift: float) -> np.ndarray:
        result = run_scenario(base, base.defaults.replace(uncertainty_drift_pct=drift))
        return column(result, "A", "people_supported", "hi_80") - column(result, "A", "people_supported", "lo_80")

    narrow, wide = width(0.0), width(4.0)
    np.testing.assert_allclose(narrow[:3], wide[:3], rtol=1e-12)
    assert (wide[3:] > narrow[3:] * 1.1).all()
    still = make_base(spread=0.0, pa_spread=0.0)
    flat = run_scenario(still, still.defaults.replace(uncertainty_drift_pct=0.0)).table
    assert (flat["hi_95"] - flat["lo_95"]).abs().max() < 1e-6


def test_pas_needed_and_the_register_stock_and_flow(base):
    levers = base.defaults.replace(
        dp_target_pct=30.0,
        pa_employer_share_pct=32,
        pas_per_employer=1.87,
        pa_attrition_pct=20,
        pa_recruitment_growth_pct=10,
    )
    result = run_scenario(base, levers)
    np.testing.assert_allclose(central(result, "A", "pas_needed"), central(result, "A", "dp_recipients") * 0.32 * 1.87)
    expected = central(result, "A", "pas_expected")
    assert expected[1] == pytest.approx(150 * 0.8 + 50 * 1.1)
    assert expected[2] == pytest.approx(expected[1] * 0.8 + 50 * 1.1**2)
    np.testing.assert_allclose(central(result, "A", "pa_gap"), central(result, "A", "pas_needed") - expected)


def test_isfs_grow_by_the_new_ones_a_year_and_never_exceed_people_without_a_dp(base):
    result = run_scenario(base, base.defaults.replace(isf_new_per_year=60))
    isf = central(result, "ALL", "isf_people")
    np.testing.assert_allclose(np.diff(isf), 60)
    huge = run_scenario(base, base.defaults.replace(isf_new_per_year=1000, dp_target_pct=80.0))
    for area in CODES:
        room = central(huge, area, "people_supported") - central(huge, area, "dp_recipients")
        assert (column(huge, area, "isf_people", "hi_95") <= room.max() + 1e-6).all()
        assert (central(huge, area, "isf_people") <= room + 1e-6).all()


def test_cme_capacity_takes_hours_from_agencies(base):
    result = run_scenario(base, base.defaults.replace(cme_hours_per_week=1000.0))
    agency, other = central(result, "ALL", "agency_hours"), central(result, "ALL", "other_hours")
    np.testing.assert_allclose(agency[1:], other[1:] - 1000.0)
    none = run_scenario(base, base.defaults.replace(cme_hours_per_week=0.0))
    np.testing.assert_allclose(central(none, "ALL", "agency_hours")[1:], other[1:])


def test_a_district_without_a_forecast_follows_the_projection_and_says_so():
    base = make_base()
    mean, spread = base.forecast["people_supported"]
    mean, spread = mean.copy(), spread.copy()
    mean[2], spread[2] = np.nan, np.nan
    base.forecast["people_supported"] = (mean, spread)
    result = run_scenario(base)
    np.testing.assert_allclose(central(result, "C", "people_supported"), PEOPLE[2] * 1.02 ** np.arange(11))
    assert any("no forecast for Area C" in note for note in result.notes)


def test_compare_lines_up_scenarios_with_differences_from_the_first(base):
    results = {"Baseline": run_scenario(base), "Target": run_scenario(base, base.defaults.replace(dp_target_pct=35.0))}
    table = compare(results, "ALL", "2029/30")
    row = table.filter(pl.col("measure") == "dp_share_pct").row(0, named=True)
    assert row["Target"] == pytest.approx(35.0)
    assert row["Target vs Baseline"] == pytest.approx(35.0 - row["Baseline"])
    assert table.columns == ["measure", "label", "Baseline", "Target", "Target vs Baseline"]
    with pytest.raises(ValueError, match="nothing to compare"):
        compare({}, "ALL", "2029/30")


def test_stratified_normals_have_the_right_quantiles():
    z = stratified_normals(1000, seed=3)
    assert np.quantile(z, 0.9) == pytest.approx(Z_80, abs=0.01)
    assert abs(z.mean()) < 1e-9


def test_base_state_from_warehouse_frames_derives_the_baseline_levers():
    base = pl.DataFrame(
        {
            "period": ["2024/25 Q4"] * 2,
            "locality_code": ["E2", "E1"],
            "locality_name": ["Two", "One"],
            "people_supported": [100, 300],
            "dp_recipients": [20, 60],
            "isf_people": [5, 10],
            "dp_weekly_hours": [240.0, 720.0],
            "other_weekly_hours": [640.0, 1920.0],
            "cme_weekly_hours": [110.0, 300.0],
            "home_care_hours": [500.0, 1500.0],
            "home_care_cost_gbp": [10_000.0, 31_000.0],
            "dp_route_hours": [200.0, 600.0],
            "dp_route_cost_gbp": [3_300.0, 9_900.0],
            "active_pas": [40, 120],
            "pas_year_before": [30, 90],
            "pas_joined_last_year": [15, 45],
            "pas_left_last_year": [5, 19],
        }
    )
    periods = [date(2025, 4, 1), date(2025, 7, 1)]
    forecasts = pl.DataFrame(
        {
            "measure": ["people_supported"] * 4,
            "locality_code": ["E1", "E1", "E2", "E2"],
            "period_start": periods * 2,
            "mean": [310.0, 320.0, 101.0, 102.0],
            "lo_80": [300.0, 305.0, 99.0, 98.0],
            "hi_80": [320.0, 335.0, 103.0, 106.0],
        }
    )
    index = pl.DataFrame(
        {"area_code": ["E1", "E1", "E2", "E2"], "projection_year": [2024, 2025] * 2, "index": [1.0, 1.1, 1.0, 1.2]}
    )
    state = base_state(base, forecasts, index, county_code="E0", county_name="All", isf_new_per_year=50)
    assert state.codes == ("E1", "E2")
    np.testing.assert_allclose(state.dp_hours_per_person, [12.0, 12.0])
    np.testing.assert_allclose(state.other_hours_per_person, [8.0, 8.0])
    mean, spread = state.forecast["people_supported"]
    np.testing.assert_allclose(mean, [[310, 320], [101, 102]])
    assert spread[0, 0] == pytest.approx(20 / (2 * Z_80 * 310))
    assert np.isnan(state.forecast["active_pas"][0]).all() and state.forecast["active_pas"][0].shape == (2, 0)
    np.testing.assert_allclose(state.demand_index, [[1.0, 1.1], [1.0, 1.2]])
    assert state.defaults.home_care_rate_gbp == pytest.approx(41_000 / 2_000)
    assert state.defaults.dp_rate_gbp == pytest.approx(16.5)
    assert state.defaults.pa_attrition_pct == 20.0  # 24 of 120, rounded to half a point
    assert state.defaults.cme_hours_per_week == 400.0  # 410 to the nearest 50
    assert state.defaults.isf_new_per_year == 50 and state.defaults.dp_target_year == "2027/28"
    result = run_scenario(state)  # PAs have no forecast: the engine still runs, with the drift alone
    assert result.value("E0", "2025/26", "pas_expected") > 0


def test_downloads_and_charts_hide_small_counts_of_people_but_not_hours_shares_or_money():
    """Area C has 3 people with an ISF in the base year: every count measure's small cells are hidden, and a hidden
    central value takes its ranges with it; hours, uptake and cost are not counts of people and stay."""
    from dashboard.present.disclosure import Disclosure
    from dashboard.scenario_store import hide_small_counts

    small = make_base()
    small = BaseState(**{**small.__dict__, "isf_people": np.array([20.0, 10.0, 3.0])})
    result = run_scenario(small, small.defaults.replace(isf_new_per_year=0))
    raw = result.table
    shown = hide_small_counts(raw, Disclosure(5))
    assert shown.columns == raw.columns and shown.height == raw.height
    values = ["central", "lo_80", "hi_80", "lo_95", "hi_95"]
    for before, after in zip(raw.iter_rows(named=True), shown.iter_rows(named=True), strict=True):
        is_count = MEASURES[before["measure"]][1] == "count"
        small_central = is_count and 0 < abs(before["central"]) < 5
        for column in values:
            hidden = small_central or (is_count and 0 < abs(before[column]) < 5)
            assert (after[column] is None) == hidden, (before["measure"], before["locality_code"], column)
    isf_c = shown.filter((pl.col("locality_code") == "C") & (pl.col("measure") == "isf_people"))
    assert isf_c.height == 11 and isf_c["central"].is_null().all() and isf_c["hi_95"].is_null().all()
    # The county's count is the sum of its districts and is not small: it stays.
    county = shown.filter((pl.col("locality_code") == "ALL") & (pl.col("measure") == "isf_people"))
    assert county["central"].null_count() == 0
    # Hours, uptake and money are kept whatever their size.
    kept = shown.filter(pl.col("measure").is_in(["weekly_hours", "dp_share_pct", "cost_gbp"]))
    assert kept.select(values).null_count().sum_horizontal().item() == 0
