"""The shipped national comparators reach the warehouse exactly as published.

Expected values are read here, independently of the pipeline, from the shipped Parquet files (and, where the
maintainer's copy of the published CSVs is at hand, from those), or are headline figures quoted by the
publishers (PROVENANCE.md's verification table).
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from pipelines.config import PROJECT_ROOT

NATIONAL = PROJECT_ROOT / "data" / "public" / "national"
PUBLISHED = PROJECT_ROOT.parent / "shared" / "data" / "national"
MEASURES = PROJECT_ROOT / "pipelines" / "reference" / "ascof_national_measures.csv"


def warehouse_value(warehouse, year: str, area: str, measure: str) -> float | None:
    row = warehouse.sql(
        "select value from mart_ascof where year = ? and area_code = ? and measure = ?", params=[year, area, measure]
    ).fetchall()
    return row[0][0] if row else None


def published_number(cell: str) -> float:
    """ "7.7 (7.6)": the current weighting's value first, the old one in brackets (DHSC's note 7)."""
    return float(cell.split(" (")[0].replace(",", ""))


def code_to_measure() -> dict[tuple[str, str], str]:
    """(framework, published code) -> stable measure, read from the reference CSV without the pipeline."""
    mapping = {}
    with MEASURES.open() as fh:
        for row in csv.DictReader(fh):
            if row["code_2023"]:
                mapping[("2023", row["code_2023"])] = row["measure"]
            if row["code_2014"]:
                mapping[("2014", row["code_2014"])] = row["measure"]
    return mapping


@pytest.mark.parametrize(
    ("year", "area", "measure", "published"),
    [
        ("2024/25", "E10000003", "dp_users", 17.2),  # Cambridgeshire 3D(2a), 759 / 4,419
        ("2024/25", "E92000001", "dp_users", 24.5),
        ("2020/21", "E10000003", "dp_users", 21.1),  # 1C(2A), NHS Digital 2020-21
        ("2020/21", "E92000001", "dp_users", 26.6),
        ("2019/20", "E10000003", "dp_users", 23.0),
        ("2019/20", "E92000001", "dp_users", 27.9),
        ("2018/19", "E92000001", "dp_users", 28.3),
        ("2024/25", "E92000001", "reablement_no_further_support", 77.1),  # 2A
        ("2024/25", "E92000001", "admissions_18_64", 17.0),  # 2B
        ("2024/25", "E92000001", "safeguarding_risk_reduced", 91.2),  # 4B
        ("2024/25", "E92000001", "workforce_turnover", 23.7),  # 6A
        ("2020/21", "E92000001", "admissions_65_plus", 498.2),  # 2A2 in 2020-21
    ],
)
def test_headline_figures_quoted_by_the_publishers(warehouse, year, area, measure, published):
    assert warehouse_value(warehouse, year, area, measure) == published


def test_every_shipped_value_is_in_the_warehouse_unchanged(warehouse):
    shipped = pl.read_parquet(NATIONAL / "ascof.parquet").filter(pl.col("value").is_not_null())
    mapping = code_to_measure()
    shipped = shipped.with_columns(
        pl.struct("framework", "published_code")
        .map_elements(lambda r: mapping.get((r["framework"], r["published_code"])), return_dtype=pl.String)
        .alias("measure")
    )
    assert shipped["measure"].null_count() == 0, "every shipped code maps to a measure"
    mart = pl.from_arrow(warehouse.sql("select year, area_code, measure, value, source from mart_ascof").arrow())
    joined = shipped.join(mart, on=["year", "area_code", "measure"], how="left", suffix="_warehouse")
    # Where two publications give the same year, area and measure, the warehouse keeps one (DHSC first);
    # compare each shipped row with the warehouse row taken from its own publication.
    same_source = joined.filter(pl.col("source") == pl.col("source_warehouse"))
    assert same_source.height > 20_000
    assert same_source.filter(pl.col("value") != pl.col("value_warehouse")).height == 0
    councils = same_source.filter(pl.col("area_code").str.contains("^E(06|08|09|10)"))
    assert councils["area_code"].n_unique() >= 160  # 153 current councils and 7 predecessors


def test_a_sample_of_councils_and_years_match_the_published_csv_files(warehouse):
    table = PUBLISHED / "ascof" / "dhsc_ascof_timeseries_2015_16_to_2024_25_long.csv"
    if not table.exists():
        pytest.skip("the published CSVs are the maintainer's copy, not shipped")
    wanted = {
        ("Table_1d", "E10000024"): "satisfaction_users",  # Nottinghamshire
        ("Table_1d", "E09000022"): "satisfaction_users",  # Lambeth
        ("Table_3d(2a)", "E08000025"): "dp_users",  # Birmingham
        ("Table_3a", "E06000031"): "control_daily_life",  # Peterborough (3A means control from 2023-24)
        ("Table_1c", "E10000003"): "quality_of_life_carers",
    }
    checked = 0
    with table.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            key = (row["table"], row["ons_area_code"])
            if key in wanted and row["measure_type"] == "outcome" and row["value"] not in ("[x]", "[c]", "[z]"):
                year = f"{row['year'][:4]}/{row['year'][-2:]}"
                assert warehouse_value(warehouse, year, row["ons_area_code"], wanted[key]) == published_number(
                    row["value"]
                ), row
                checked += 1
    assert checked >= 30


def test_the_dp_series_is_marked_as_breaking_where_it_moves_to_client_level_data(warehouse):
    basis = dict(
        warehouse.sql(
            "select year, basis from mart_ascof where measure = 'dp_users' and area_code = 'E92000001'"
        ).fetchall()
    )
    assert basis["2020/21"] == "SALT/survey"
    assert basis["2024/25"] == "CLD"


def test_old_and_new_council_geographies_join_through_the_lookups(warehouse):
    population = pl.read_parquet(NATIONAL / "population.parquet").filter(
        (pl.col("mid_year") == 2020) & (pl.col("age_band") == "All ages")
    )
    by_code = dict(zip(population["area_code"], population["population"], strict=True))
    councils = {
        code: pop
        for code, pop in warehouse.sql(
            "select council_code, population_all_ages from dim_council where population_year = 2020"
        ).fetchall()
    }
    # North Yorkshire Council (2023) holds exactly the old county's area.
    assert councils["E06000065"] == by_code["E10000023"]
    # Cumberland: Allerdale, Carlisle and Copeland, as published for mid-2020.
    assert councils["E06000063"] == by_code["E07000026"] + by_code["E07000028"] + by_code["E07000029"]
    assert councils["E10000003"] == 657_204  # Cambridgeshire, ONS mid-2020
    successors = dict(warehouse.sql("select council_code, successor_codes from dim_council").fetchall())
    assert successors["E10000006"] == "E06000063;E06000064"
    assert successors["E10000024"] is None


def test_england_population_matches_the_ons_headline():
    population = pl.read_parquet(NATIONAL / "population.parquet").filter(
        (pl.col("area_code") == "E92000001") & (pl.col("age_band") == "All ages")
    )
    assert dict(zip(population["mid_year"], population["population"], strict=True)) == {
        2015: 54_786_327,
        2016: 55_268_067,
        2017: 55_619_430,
        2018: 55_977_178,
        2019: 56_286_961,
        2020: 56_550_138,
    }
    bands = pl.read_parquet(NATIONAL / "population.parquet").filter(pl.col("area_code") == "E92000001")
    for _year, group in bands.group_by("mid_year"):
        parts = group.filter(pl.col("age_band") != "All ages")["population"].sum()
        assert parts < group.filter(pl.col("age_band") == "All ages")["population"].item()  # children are not in a band


def test_the_shipped_files_carry_their_licence():
    text = (NATIONAL / "README.md").read_text()
    assert "Open Government Licence v3.0" in text
    assert "CIPFA" in text
    assert Path(NATIONAL / "ascof.parquet").stat().st_size < 1_000_000
