"""The POPPI-style demand projection: prevalence by age, population by band, rates, and the projection.

Small hand-made tables check the arithmetic; the shipped ONS and POPPI files check the real projection.
"""

from __future__ import annotations

import polars as pl
import pytest

from models.population_projection import (
    UNPLACED,
    demand_index,
    poppi_projection,
    population_by_band,
    prevalence_by_age,
    project_demand,
    project_unplaced,
    service_use_rates,
)
from pipelines.config import Settings

PUBLIC = Settings().path("public_data")


def assumptions(
    rates: dict[str, tuple[float, float]], indicator: str = "Needing support with self-care"
) -> pl.DataFrame:
    rows = []
    for group, (male, female) in rates.items():
        rows.append({"Indicator": indicator, "Sex": "Male", "Age group": group, "Assumption": male})
        rows.append({"Indicator": indicator, "Sex": "Female", "Age group": group, "Assumption": female})
    return pl.DataFrame(rows)


FLAT = assumptions({"65-74": (0.1, 0.1), "75-84": (0.2, 0.4), "85+": (0.5, 0.5)})


def single_years(area: str, year: int, per_age: float, all_ages: float) -> pl.DataFrame:
    groups = [str(age) for age in range(65, 90)] + ["90 and over", "All ages"]
    values = [per_age] * 26 + [all_ages]
    return pl.DataFrame(
        {
            "area_code": area,
            "area_name": f"Area {area}",
            "age_group": groups,
            "projection_year": year,
            "population": values,
        }
    )


def test_prevalence_is_the_mean_of_men_and_women_for_each_single_year():
    prevalence = dict(prevalence_by_age(FLAT).iter_rows())
    assert prevalence[65] == pytest.approx(0.1) and prevalence[74] == pytest.approx(0.1)
    assert prevalence[75] == pytest.approx(0.3)
    assert prevalence[90] == pytest.approx(0.5)
    assert sorted(prevalence) == list(range(65, 91))


def test_prevalence_from_the_shipped_poppi_file():
    shipped = pl.read_csv(PUBLIC / "poppi_pansi_style_prevalence_assumptions_wsx2022.csv")
    prevalence = dict(prevalence_by_age(shipped).iter_rows())
    assert prevalence[65] == pytest.approx((0.16 + 0.22) / 2)  # 65-69 men 16%, women 22%
    assert prevalence[90] == pytest.approx((0.35 + 0.49) / 2)  # 90+
    # Dementia is published for 90-94 and 95+: ONS's "90 and over" takes the 90-94 figure.
    dementia = dict(prevalence_by_age(shipped, "Dementia").iter_rows())
    assert dementia[90] == pytest.approx((0.226 + 0.33) / 2)


def test_prevalence_fails_loudly_for_an_unknown_indicator_or_a_gap():
    with pytest.raises(ValueError, match="no prevalence figures for 'Happiness'"):
        prevalence_by_age(FLAT, "Happiness")
    with pytest.raises(ValueError, match="do not cover age 75"):
        prevalence_by_age(assumptions({"65-74": (0.1, 0.1), "85+": (0.5, 0.5)}))


def test_population_by_band_weights_need_by_prevalence_and_derives_under_65():
    bands = population_by_band(single_years("E1", 2024, 100.0, 10_000.0), prevalence_by_age(FLAT))
    got = {row["age_band"]: (row["population"], row["need"]) for row in bands.iter_rows(named=True)}
    assert got["65-74"] == pytest.approx((1000.0, 100.0))
    assert got["75-84"] == pytest.approx((1000.0, 300.0))
    assert got["85+"] == pytest.approx((600.0, 300.0))  # 85..89 and 90 and over
    assert got["18-64"] == pytest.approx((10_000.0 - 2600.0, 10_000.0 - 2600.0))


def test_rates_and_projection_hold_today_s_share_of_people_in_need():
    population = pl.concat([single_years("E1", 2024, 100.0, 10_000.0), single_years("E1", 2030, 150.0, 11_000.0)])
    bands = population_by_band(population, prevalence_by_age(FLAT))
    clients = pl.DataFrame({"locality_code": ["E1"] * 3, "age_band": ["18-64", "65-74", "85+"], "people": [74, 20, 60]})
    rates = service_use_rates(clients, bands, 2024)
    by_band = {row["age_band"]: row for row in rates.iter_rows(named=True)}
    assert by_band["65-74"]["per_person_in_need"] == pytest.approx(20 / 100)
    assert by_band["65-74"]["per_1000_population"] == pytest.approx(20.0)
    assert by_band["75-84"]["people"] == 0 and by_band["75-84"]["per_person_in_need"] == 0
    projection = project_demand(bands, rates, 2024, 2030)
    expected = {(r["age_band"], r["projection_year"]): r["expected_people"] for r in projection.iter_rows(named=True)}
    assert expected[("65-74", 2024)] == pytest.approx(20)
    assert expected[("65-74", 2030)] == pytest.approx(30)  # population x1.5, same rate
    assert expected[("18-64", 2030)] == pytest.approx(74 * (11_000 - 3900) / (10_000 - 2600))
    assert projection.filter(pl.col("age_band") == "18-64")["people_in_need_65_plus"].is_null().all()
    index = demand_index(projection)
    assert index.filter(pl.col("projection_year") == 2024)["index"].to_list() == [1.0]


def test_a_missing_base_year_fails_loudly():
    bands = population_by_band(single_years("E1", 2030, 100.0, 10_000.0), prevalence_by_age(FLAT))
    with pytest.raises(ValueError, match="no figures for 2024"):
        service_use_rates(pl.DataFrame({"locality_code": ["E1"], "age_band": ["85+"], "people": [1]}), bands, 2024)


def test_the_shipped_projection_grows_and_ages_within_bands():
    raw = pl.read_csv(PUBLIC / "snpp2022_migcat_cambs_districts_65plus.csv", infer_schema=False)
    years = [c for c in raw.columns if c.isdigit()]
    single = raw.filter(pl.col("SEX") == "persons").unpivot(
        index=["AREA_CODE", "AREA_NAME", "AGE_GROUP"],
        on=years,
        variable_name="projection_year",
        value_name="population",
    )
    single = single.select(
        pl.col("AREA_CODE").alias("area_code"),
        pl.col("AREA_NAME").alias("area_name"),
        pl.col("AGE_GROUP").alias("age_group"),
        pl.col("projection_year").cast(pl.Int64),
        pl.col("population").cast(pl.Float64),
    )
    shipped = pl.read_csv(PUBLIC / "poppi_pansi_style_prevalence_assumptions_wsx2022.csv")
    clients = pl.DataFrame(
        {
            "locality_code": ["E07000008"] * 4,
            "age_band": ["18-64", "65-74", "75-84", "85+"],
            "people": [250, 70, 150, 240],
        }
    )
    projection, _ = poppi_projection(single, shipped, clients, 2024, 2040)
    cambridge = projection.filter(pl.col("area_code") == "E07000008")
    assert cambridge["projection_year"].unique().sort().to_list() == list(range(2024, 2041))
    index = dict(demand_index(cambridge).select("projection_year", "index").iter_rows())
    assert index[2024] == 1.0 and 1.1 < index[2040] < 1.6
    # Within the 75-84 band people get older (more of them 80-84), so need grows faster than the population.
    oldest = cambridge.filter(pl.col("age_band") == "75-84").sort("projection_year")
    growth_population = oldest["population"][-1] / oldest["population"][0]
    growth_need = oldest["need"][-1] / oldest["need"][0]
    assert growth_need > growth_population * 1.01


def test_people_not_placed_in_a_district_grow_as_the_county_band_does():
    def row(area, band, year, expected):
        return {
            "area_code": area,
            "area_name": area,
            "age_band": band,
            "projection_year": year,
            "population": 1000.0,
            "need": 100.0,
            "people_in_need_65_plus": None,
            "expected_people": expected,
        }

    districts = pl.DataFrame(
        [
            row("A", "85+", 2024, 30.0),
            row("B", "85+", 2024, 10.0),
            row("A", "85+", 2031, 45.0),
            row("B", "85+", 2031, 15.0),
            row("A", "18-64", 2024, 50.0),
            row("A", "18-64", 2031, 50.0),
        ],
        schema_overrides={"people_in_need_65_plus": pl.Float64},
    )
    unplaced = pl.DataFrame({"age_band": ["85+", "18-64"], "people": [4, 2]})
    got = project_unplaced(districts, unplaced)
    # 85+: the county's 40 become 60 (x1.5), so 4 unplaced become 6; 18-64 stays flat at 2.
    assert got.select("age_band", "projection_year", "expected_people").sort("age_band", "projection_year").rows() == [
        ("18-64", 2024, 2.0),
        ("18-64", 2031, 2.0),
        ("85+", 2024, 4.0),
        ("85+", 2031, 6.0),
    ]
    assert got["area_code"].unique().to_list() == [UNPLACED]
    assert got["population"].null_count() == got.height  # no population of their own: not counted twice
    assert project_unplaced(districts, unplaced.clear()).is_empty()
