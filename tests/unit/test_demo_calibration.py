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
