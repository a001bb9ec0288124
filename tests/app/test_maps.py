"""Maps from the shipped boundaries: the council's districts by DP uptake, councils by a benchmark measure.

Expected values come from the warehouse marts and the shipped lookups, read here independently of the presenter.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import polars as pl
from streamlit.testing.v1 import AppTest

from dashboard.present.benchmarking import benchmarking, years_note
from dashboard.present.maps import district_boundaries, dp_uptake_map
from dashboard.queries import Warehouse
from pipelines.config import PROJECT_ROOT, Locality
from pipelines.council_init import NATIONAL

APP = str(PROJECT_ROOT / "dashboard" / "app.py")
COUNTY = "E10000003"
PERIOD = "2024/25 Q4"


def test_the_shipped_boundaries_cover_every_district_and_stay_small():
    path = NATIONAL / "district_boundaries.geojson"
    districts = pl.read_parquet(NATIONAL / "districts.parquet")
    assert {f["id"] for f in district_boundaries()["features"]} == set(districts["district_code"])
    assert path.stat().st_size < 2_000_000


def test_the_district_map_shades_each_district_by_its_own_uptake(demo_env, warehouse):
    shown = dp_uptake_map(Warehouse(demo_env), PERIOD)
    expected = dict(
        warehouse.sql(
            "select locality_code, uptake_pct from mart_dp_uptake where period = ? and locality_code != ?",
            params=[PERIOD, COUNTY],
        ).fetchall()
    )
    names = dict(
        warehouse.sql(
            "select locality_code, locality_name from mart_dp_uptake where period = ?", params=[PERIOD]
        ).fetchall()
    )
    classes = [t for t in shown.chart.figure.data if t.fill == "toself" and t.showlegend is not False]
    ranges = [tuple(float(x) for x in t.name.rstrip("%").split(" to ")) for t in classes]
    # Every district's uptake falls in one shade's range, and a higher range is never paler (a lower blue channel).
    for value in expected.values():
        assert any(low - 0.05 <= value <= high + 0.05 for low, high in ranges), (value, ranges)
    blues = [int(t.fillcolor.split(",")[2].strip(" )")) for _, t in sorted(zip(ranges, classes, strict=True))]
    assert blues == sorted(blues, reverse=True)
    labels_trace = next(t for t in shown.chart.figure.data if t.name == "labels")
    assert set(labels_trace.customdata) == {names[code] for code in expected}
    # Colour is not the only signal: every district is labelled with its name and value, and there is a table.
    assert f"Fenland<br>{expected['E07000010']:.1f}%" in labels_trace.text
    assert [r[0] for r in shown.chart.table.rows] == sorted(loc.name for loc in demo_env.localities)
    assert shown.reason is None


def test_no_district_map_for_a_single_tier_council_and_the_page_says_why(demo_env, warehouse):
    whole = replace(
        demo_env,
        council=replace(demo_env.council, code="E09000022", short_name="Lambeth"),
        localities=[Locality("E09000022-area", "Lambeth (whole area)", False, ["SW2"])],
    )
    shown = dp_uptake_map(Warehouse(whole), PERIOD)
    assert shown.chart is None
    assert "reports on its whole area as one locality" in shown.reason.text


def test_merged_districts_have_no_map_and_the_page_says_why(demo_env, warehouse):
    merged = replace(
        demo_env,
        council=replace(demo_env.council, code="E06000065", short_name="North Yorkshire"),
        localities=[Locality("E07000163", "Craven", True, ["BD23"]), Locality("E07000165", "Harrogate", False)],
    )
    shown = dp_uptake_map(Warehouse(merged), PERIOD)
    assert shown.chart is None
    assert "Craven, Harrogate" in shown.reason.text and "merged" in shown.reason.text


def test_the_councils_map_shades_each_council_by_its_published_value(demo_env, warehouse):
    page = benchmarking(Warehouse(demo_env), "dp_users")
    year = warehouse.sql(
        "select max(year) from mart_ascof where measure = 'dp_users' and area_code = ?", params=[COUNTY]
    ).fetchall()[0][0]
    (value,) = warehouse.sql(
        "select value from mart_ascof where measure = 'dp_users' and area_code = ? and year = ?", params=[COUNTY, year]
    ).fetchall()[0]
    points = next(t for t in page.map.figure.data if t.name == "labels")
    assert f"Cambridgeshire: {value:.1f}%" in points.hovertext
    assert len(points.customdata) >= 140  # every council with a published value has its shape and its name
    # The council's own outline runs round its districts' boundaries, as shipped.
    cambs = pl.read_parquet(NATIONAL / "districts.parquet").filter(pl.col("council_code") == COUNTY)
    rings = [f["geometry"] for f in district_boundaries()["features"] if f["id"] in set(cambs["district_code"])]
    outline = next(t for t in page.map.figure.data if t.name == "outline")
    assert int(np.isnan(outline.x).sum()) == sum(
        len(g["coordinates"]) if g["type"] == "MultiPolygon" else 1 for g in rings
    )
    assert f"Cambridgeshire (outlined in orange): {value:.1f}%" in page.map.alt and year in page.map.alt
    assert ["Cambridgeshire", f"{value:.1f}%"] in page.map.table.rows


def test_the_years_note_names_the_missing_years_and_why(demo_env, warehouse):
    values = Warehouse(demo_env).benchmark_values()
    dp = values.filter(pl.col("measure") == "dp_users")
    covered = set(
        dp.group_by("year").agg(pl.col("area_code").n_unique()).filter(pl.col("area_code") >= 100)["year"].to_list()
    )
    assert covered == {"2018/19", "2019/20", "2020/21", "2024/25"}
    note = years_note(dp).text
    assert "benchmarked for 2018/19 to 2020/21 and 2024/25" in note
    assert "no values for 2015/16 to 2017/18 and 2021/22 to 2023/24" in note and "SALT" in note
    carers = years_note(values.filter(pl.col("measure") == "satisfaction_carers")).text
    assert "every other year" in carers


def test_the_benchmarking_page_shows_the_years_note_and_the_map(demo_env, warehouse):
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["tab"] = "Map"  # the map is built when its tab is opened (here by a link)
    at.run()
    at.switch_page("views/benchmarking.py").run()
    assert not at.exception, [e.message for e in at.exception]
    text = "\n".join(m.value for m in at.markdown)
    assert "no values for 2015/16 to 2017/18 and 2021/22 to 2023/24" in text
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert any(trace.get("name") == "outline" for spec in specs for trace in spec["data"])
