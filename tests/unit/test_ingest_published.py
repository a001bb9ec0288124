"""Published files: NHS Digital's ASCOF layouts and ONS SNPP Z1, into the same marts as the shipped data."""

from __future__ import annotations

import shutil

import pytest

from pipelines.ascof import year_from_file_name
from pipelines.ingest import ingest_paths
from tests.unit import test_ingest as base
from tests.unit.test_ingest import DATA, build, store_rows, warehouse_rows, write

settings = base.settings
ASCOF_2324 = DATA / "meas-from-asc-of-eng-2324-open-data-csv.csv"
ASCOF_2122 = DATA / "meas-from-asc-of-eng-2022-csv-v3.csv"
ASCOF_2021_XLSX = DATA / "ascof_compiled_2020-21.xlsx"
SNPP = DATA / "2022 SNPP Population persons.csv"
COUNTY, REGION = "E10000003", "E12000006"


@pytest.mark.parametrize(
    ("name", "year"),
    [
        ("meas-from-asc-of-eng-1920-open-data-csv.csv", "2019/20"),
        ("meas-from-asc-of-eng-2022-csv-v3.csv", "2021/22"),  # the year to March 2022
        ("meas-from-asc-of-eng-2021.xlsx", "2020/21"),
        ("meas-from-asc-of-eng-2324-open-data-csv.csv", "2023/24"),
        ("ASCOF 2023-24 final.csv", "2023/24"),
        ("ascof_2023_2024.csv", "2023/24"),
        ("ascof.csv", None),
    ],
)
def test_year_from_the_file_name(name, year):
    assert year_from_file_name(name) == year


def test_annual_file_loads_every_row_with_its_year_and_suppressed_values_blank(settings):
    [result] = ingest_paths([ASCOF_2324], settings)
    assert (result.source, result.status, result.rows_read, result.rows_loaded) == ("ascof_published", "loaded", 24, 24)
    assert "year 2023/24 (from the file name or --year)" in result.message
    rows = store_rows(
        settings,
        "select year, count(*), count(measure_value), count(*) filter (measure_type = 'Outcome' "
        "and disaggregation_level = 'Total') from raw_ascof_published group by year",
    )
    assert rows == [("2023/24", 24, 15, 8)]  # eight [c] breakdowns and one [x] total are blank


def test_renumbered_codes_continue_the_shipped_series_in_mart_ascof(settings, monkeypatch):
    ingest_paths([ASCOF_2324], settings)
    build(settings, monkeypatch)
    dp = warehouse_rows(
        settings,
        "select year, published_code, value from mart_ascof where measure = 'dp_users' and area_code = ? order by year",
        [COUNTY],
    )
    assert dp == [
        ("2017/18", "1C2A", 23.6),
        ("2018/19", "1C2A", 23.5),
        ("2019/20", "1C2A", 23.0),
        ("2020/21", "1C2A", 21.1),
        ("2021/22", "1C2A", 21.3),
        ("2022/23", "1C2A", 19.6),
        ("2023/24", "3D2A", 21.4),
        ("2024/25", "3D2A", 17.2),  # the shipped national series (DHSC), from Client Level Data
    ]
    latest = warehouse_rows(
        settings,
        "select area_name, measure, published_code, value from mart_ascof where year = '2023/24' "
        "and source = 'loaded with asc ingest' order by 1, 2",
    )
    assert latest == [
        ("Cambridgeshire", "control_daily_life", "3A", 77.1),  # 3A means control from 2023/24 ...
        ("Cambridgeshire", "dp_users", "3D2A", 21.4),
        ("Cambridgeshire", "satisfaction_users", "1D", 61.5),  # ... and satisfaction is 1D
        # The file calls the region "Eastern"; it keeps the name the council's settings give it.
        ("East of England", "control_daily_life", "3A", 76.0),
        ("East of England", "dp_carers", "3D2B", 70.1),  # the county's [x] is left out, not zero
        ("East of England", "dp_users", "3D2A", 25.0),
        ("East of England", "satisfaction_users", "1D", 63.0),
    ]


def test_an_ingested_year_wins_over_the_shipped_extract_and_its_variant_columns_are_read(settings, monkeypatch):
    results = ingest_paths([ASCOF_2122, ASCOF_2021_XLSX], settings)
    assert [(r.status, r.rows_loaded) for r in results] == [("loaded", 6), ("loaded", 6)]
    assert results[1].message == (
        "sheet 'Data', header on row 3; other sheet(s) not read: 'Notes' (name one with --sheet to load it)"
    )
    build(settings, monkeypatch)
    dp = dict(
        warehouse_rows(
            settings,
            "select year, value from mart_ascof where measure = 'dp_users' and area_code = ? order by year",
            [COUNTY],
        )
    )
    assert (dp["2020/21"], dp["2021/22"], dp["2022/23"]) == (20.5, 99.0, 19.6)  # 19.6: shipped, not replaced
    region = warehouse_rows(
        settings,
        "select value from mart_ascof where year = '2021/22' and measure = 'dp_users' and area_code = ?",
        [REGION],
    )
    assert region == [(98.0,)]


def test_a_corrected_ascof_file_replaces_the_earlier_one(settings, monkeypatch, tmp_path):
    ingest_paths([ASCOF_2324], settings)
    corrected = tmp_path / "meas-from-asc-of-eng-2324-open-data-csv-v2.csv"
    corrected.write_text(ASCOF_2324.read_text().replace("3D2A,Total,Outcome,21.4", "3D2A,Total,Outcome,21.9"))
    ingest_paths([corrected], settings)
    build(settings, monkeypatch)
    assert warehouse_rows(
        settings,
        "select value from mart_ascof where year = '2023/24' and measure = 'dp_users' and area_code = ?",
        [COUNTY],
    ) == [(21.9,)]


def test_the_year_from_the_command_line_or_a_whole_file_rejection(settings, tmp_path):
    unnamed = tmp_path / "ascof.csv"
    shutil.copy(ASCOF_2324, unnamed)
    [refused] = ingest_paths([unnamed], settings)
    assert refused.status == "rejected"
    assert refused.message.startswith("ascof.csv: cannot tell which year this file is for")
    assert "--year 2022/23" in refused.message
    [loaded] = ingest_paths([unnamed], settings, year="2023-24")
    assert (loaded.status, loaded.rows_loaded) == ("loaded", 24)
    assert store_rows(settings, "select distinct year from raw_ascof_published") == [("2023/24",)]


def test_bad_ascof_rows_are_refused_with_reasons(settings, tmp_path):
    lines = ASCOF_2324.read_text().splitlines()
    lines[1] = lines[1].replace("E10000003", "Cambs")  # not a GSS code
    lines[2] = lines[2].replace(",Outcome,", ",Result,")
    lines[3] = lines[3].replace(",1200,", ",-4,")
    [result] = ingest_paths([write(tmp_path, "meas-from-asc-of-eng-2324.csv", lines)], settings)
    assert result.rejects.rows() == [
        (2, "ons_area_code", "Cambs", "ons_area_code should be an ONS area code like E10000003"),
        (
            3,
            "measure_type",
            "Result",
            "measure_type should be one of: Outcome, Numerator, Denominator, Base, Margin of Error",
        ),
        (4, "measure_value", "-4", "measure_value must not be below 0"),
    ]


def test_snpp_z1_is_read_one_row_per_year_and_joins_the_shipped_projection(settings, monkeypatch):
    [result] = ingest_paths([SNPP], settings)
    # 2 areas x 3 sexes x 5 ages x 5 year columns
    assert (result.source, result.status, result.rows_read, result.rows_loaded) == (
        "population_projection",
        "loaded",
        150,
        150,
    )
    rows = store_rows(
        settings,
        "select source_row, sex, age_group, projection_year, population from raw_population_projection "
        "where area_code = 'E07000008' and age_group = '89' and sex = 'persons' order by projection_year",
    )
    assert rows == [(4, "persons", "89", 2022 + i, 20.0 + 2 * i) for i in range(5)]
    build(settings, monkeypatch)
    single = dict(
        warehouse_rows(
            settings,
            "select age_group, population from stg_population_projection "
            "where area_code = 'E07000008' and projection_year = 2022 and age_group in ('0', '65', '89')",
        )
    )
    # Age 0 is new, 89 comes from the loaded file, and 65 is still the shipped ONS figure.
    assert single == {"0": 20.0, "89": 20.0, "65": 1027.0}
    assert warehouse_rows(
        settings,
        "select population from mart_population where area_code = 'E07000008' and age_band = 'All ages' "
        "and projection_year = 2024",
    ) == [(2400.0,)]


def test_a_bad_value_in_a_year_column_is_reported_under_that_year(settings, tmp_path):
    lines = SNPP.read_text().splitlines()
    lines[1] = lines[1].replace(",24.000,", ",n/a,")
    lines[2] = lines[2].replace("persons", "people")
    [result] = ingest_paths([write(tmp_path, "snpp.csv", lines)], settings)
    assert result.rejects.rows() == [
        (2, "2024", "n/a", "population should be a number"),
        (3, "sex", "people", "sex should be one of: persons, males, females"),
    ]
    assert result.rows_rejected == 6  # one year's value in row 2, and all five in row 3
