"""The synthetic CLD demo: it replaces the referrals file, and its requests come from new people and clients."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.config import Settings
from pipelines.demo import build_demo_frames, write_demo_inbox

SETTINGS = Settings()


@pytest.fixture(scope="module")
def frames() -> dict[str, pl.DataFrame]:
    return build_demo_frames(SETTINGS, cld=True)


def test_the_cld_demo_writes_no_referrals_file(frames, tmp_path):
    assert "referrals" not in frames
    written = write_demo_inbox(tmp_path, SETTINGS)
    assert not (tmp_path / "referrals.csv").exists()
    assert "cld_2024_4.csv" in written and "activity" in written


def test_requests_come_from_people_in_support_and_from_new_people(frames):
    last = frames["cld_2024_4.csv"]  # 2024/25 Q4: Release 2 labels, underscore headers
    events = last.select(
        person="LA_Person_Unique_Identifier", kind="Event_Type", start="Event_Start_Date", service="Service_Type"
    )
    requests = events.filter(pl.col("kind") == "Request")
    first_long_term = (
        events.filter(pl.col("service").str.starts_with("Long term"))
        .group_by("person")
        .agg(pl.col("start").min().alias("in_support_from"))
    )
    asked = requests.join(first_long_term, on="person", how="left")
    existing = asked.filter(pl.col("in_support_from") < pl.col("start")).height
    new = asked.filter(pl.col("in_support_from").is_null() | (pl.col("in_support_from") > pl.col("start"))).height
    assert existing > 200 and new > 200, (existing, new)
    # Some people are still waiting when the data ends: a request and no service at all in the file.
    served = events.filter(pl.col("kind") == "Service")["person"].unique()
    assert requests.filter(~pl.col("person").is_in(served.implode())).height > 20
