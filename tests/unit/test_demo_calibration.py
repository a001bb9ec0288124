"""The demo for any council: calibrated from that council's own published figures in the shipped national data.

Expected values are read here from the shipped Parquet independently of pipelines/demo_calibration.py.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from pipelines.cli import main
from pipelines.config import Settings, load_settings
from pipelines.council_init import NATIONAL
from pipelines.demo import build_demo_frames
from pipelines.demo_calibration import CAMBRIDGESHIRE_UPTAKE_Q4, calibration_for


def published(code: str, measure: str, framework: str) -> dict[str, float]:
    ascof = pl.read_parquet(NATIONAL / "ascof.parquet").filter(
        pl.col("area_code") == code, pl.col("published_code") == measure, pl.col("framework") == framework
    )
    return dict(ascof.select("year", "value").iter_rows())


@pytest.fixture(scope="module")
def nottinghamshire(tmp_path_factory) -> Settings:
    out = tmp_path_factory.mktemp("notts") / "asc.toml"
    assert main(["init", "Nottinghamshire", "--out", str(out)]) == 0
    return load_settings(out)


def test_cambridgeshire_keeps_its_committee_paper_figures():
    calibration = calibration_for(Settings())
    assert calibration.uptake_q4 == CAMBRIDGESHIRE_UPTAKE_Q4 and calibration.scale == 1.0
    assert calibration.scaled(4105) == 4105


def test_another_council_takes_its_own_published_dp_uptake_and_satisfaction(nottinghamshire):
    calibration = calibration_for(nottinghamshire)
    dp = published("E10000024", "1C2A", "2014")
    assert calibration.uptake_q4[2019] == dp["2019/20"] and calibration.uptake_q4[2020] == dp["2020/21"]
    assert calibration.uptake_q4[2024] == published("E10000024", "3D2A", "2023")["2024/25"]
    satisfaction = published("E10000024", "1D", "2023")
    assert calibration.top_box[2022] == satisfaction["2022/23"] and calibration.top_box[2024] == satisfaction["2024/25"]
    # 2021/22-2023/24 have no published DP uptake: a straight line between 2020/21 and 2024/25.
    assert min(dp["2020/21"], calibration.uptake_q4[2024]) <= calibration.uptake_q4[2022]
    assert calibration.uptake_q4[2022] <= max(dp["2020/21"], calibration.uptake_q4[2024])


def test_districts_follow_their_adult_population_and_differ_in_uptake(nottinghamshire):
    calibration = calibration_for(nottinghamshire)
    population = pl.read_parquet(NATIONAL / "population.parquet").filter(
        pl.col("mid_year") == 2020, pl.col("age_band").is_in(["18-64", "65-74", "75-84", "85+"])
    )
    adults = dict(population.group_by("area_code").agg(pl.col("population").sum()).iter_rows())
    codes = nottinghamshire.locality_codes
    total = sum(adults[c] for c in codes)
    assert calibration.shares == pytest.approx({c: adults[c] / total for c in codes})
    offsets = np.array([calibration.uptake_offsets[c] for c in codes])
    assert np.ptp(offsets) > 3.0  # districts differ, as real ones do
    assert np.average(offsets, weights=[calibration.shares[c] for c in codes]) == pytest.approx(0, abs=0.01)


def test_the_demo_reproduces_the_published_county_figure_and_spreads_the_districts(nottinghamshire):
    activity = build_demo_frames(nottinghamshire)["activity"]
    day = pl.date(2021, 3, 31)
    people = (
        activity.filter(
            pl.col("start_date") <= day,
            pl.col("end_date").is_null() | (pl.col("end_date") > day),
            pl.col("service_type").is_in(["residential", "nursing", "reablement"]).not_(),
        )
        .group_by("person_id", "locality_code")
        .agg(dp=pl.col("delivery_route").is_in(["direct_payment", "part_direct_payment"]).any())
    )
    county = 100 * people["dp"].mean()
    assert county == pytest.approx(published("E10000024", "1C2A", "2014")["2020/21"], abs=1.5)
    by_district = people.group_by("locality_code").agg(pl.col("dp").mean() * 100)["dp"]
    assert by_district.len() == 7 and by_district.max() - by_district.min() > 3.0


def published_rows(code: str, measure: str, framework: str) -> dict[str, tuple[float, float, float]]:
    """Year -> (value, numerator, denominator) as shipped."""
    ascof = pl.read_parquet(NATIONAL / "ascof.parquet").filter(
        pl.col("area_code") == code, pl.col("published_code") == measure, pl.col("framework") == framework
    )
    return {r[0]: r[1:] for r in ascof.select("year", "value", "numerator", "denominator").iter_rows()}


def test_cambridgeshire_admits_and_supports_carers_as_published():
    calibration = calibration_for(Settings())
    # ASCOF 2B and 2C 2024/25: 58 people 18-64 and 754 people 65+ admitted (13.4 and 559.6 per 100,000).
    assert published_rows("E10000003", "2B", "2023")["2024/25"] == (13.4, 58.0, 432663.0)
    assert published_rows("E10000003", "2C", "2023")["2024/25"] == (559.6, 754.0, 134730.0)
    assert calibration.admissions["18-64"][2024] == 58 and calibration.admissions["65+"][2024] == 754
    # 2A(2) 2020/21: 391 people over 127,322 (307.1 per 100,000).
    assert calibration.admissions["65+"][2020] == 391
    # Carers by direct payment 97.1% in 2021/22, 80.0% in 2022/23, held since; all self-directed.
    assert [calibration.carers_dp[y] for y in (2021, 2022, 2024)] == [97.1, 80.0, 80.0]
    assert set(calibration.carers_sds.values()) == {100.0}


def test_another_council_admits_and_supports_carers_as_its_own_figures_say(nottinghamshire):
    calibration = calibration_for(nottinghamshire)
    for band, now, before in (("18-64", "2B", "2A1"), ("65+", "2C", "2A2")):
        _, admitted, _ = published_rows("E10000024", now, "2023")["2024/25"]
        assert calibration.admissions[band][2024] == admitted  # the published numerator
        _, admitted_2020, _ = published_rows("E10000024", before, "2014")["2020/21"]
        assert calibration.admissions[band][2020] == admitted_2020
        # Years between move in a straight line between the rates (and the populations) published.
        assert min(admitted_2020, admitted) <= calibration.admissions[band][2022] <= max(admitted_2020, admitted)
    carers_dp = published("E10000024", "1C2B", "2014")
    assert calibration.carers_dp[2020] == carers_dp["2020/21"] and calibration.carers_dp[2024] == carers_dp["2020/21"]
    assert all(calibration.carers_sds[y] >= calibration.carers_dp[y] for y in calibration.carers_dp)
