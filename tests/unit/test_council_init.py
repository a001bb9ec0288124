"""`asc init`: any current council's settings from the shipped national lookups; peers from published data."""

from __future__ import annotations

import polars as pl
import pytest

from models.peers import nearest_neighbours
from pipelines.cli import main
from pipelines.config import load_settings
from pipelines.council_init import NATIONAL, UnknownCouncil, area_of_locality, find_council, outward_codes
from pipelines.peers import PeerFileError, read_cipfa_file


@pytest.mark.parametrize("query", ["Nottinghamshire", "nottinghamshire county council", "E10000024", "511"])
def test_a_council_is_found_by_name_or_code(query):
    assert find_council(query)["area_code"] == "E10000024"


def test_an_unknown_council_is_refused_with_the_closest_names():
    with pytest.raises(UnknownCouncil, match="Closest names: Nottinghamshire, Nottingham"):
        find_council("Nottinghamshir")


def test_init_writes_a_valid_config_with_the_councils_districts(tmp_path):
    out = tmp_path / "asc.toml"
    assert main(["init", "Nottinghamshire", "--out", str(out)]) == 0
    settings = load_settings(out)
    assert settings.council.name == "Nottinghamshire County Council"
    assert (settings.council.code, settings.council.region_code, settings.council.region_name) == (
        "E10000024",
        "E12000004",
        "East Midlands",
    )
    expected = pl.read_parquet(NATIONAL / "districts.parquet").filter(pl.col("council_code") == "E10000024")
    assert sorted(settings.locality_codes) == sorted(expected["district_code"].to_list())
    assert "Rushcliffe" in [loc.name for loc in settings.localities]
    assert settings.targets.dp_uptake_pct == 25.0
    # A second run does not overwrite the file without --force.
    assert main(["init", "Lambeth", "--out", str(out)]) == 2
    assert load_settings(out).council.code == "E10000024"


def test_a_unitary_formed_from_districts_gets_them_as_localities(tmp_path):
    out = tmp_path / "asc.toml"
    assert main(["init", "Cumberland", "--out", str(out)]) == 0
    assert sorted(loc.name for loc in load_settings(out).localities) == ["Allerdale", "Carlisle", "Copeland"]


@pytest.mark.parametrize(
    ("query", "code", "name"),
    [
        ("Lambeth", "E09000022", "Lambeth"),
        ("Birmingham", "E08000025", "Birmingham"),
        ("Hartlepool", "E06000001", "Hartlepool"),
    ],
)
def test_a_single_tier_council_reports_on_its_whole_area(tmp_path, query, code, name):
    out = tmp_path / "asc.toml"
    assert main(["init", query, "--out", str(out)]) == 0
    settings = load_settings(out)
    assert settings.council.code == code
    assert [(loc.code, loc.name) for loc in settings.localities] == [(f"{code}-area", f"{name} (whole area)")]
    assert area_of_locality(settings.localities[0].code) == code


def test_cambridgeshire_from_init_keeps_its_known_outward_codes(tmp_path):
    out = tmp_path / "asc.toml"
    assert main(["init", "Cambridgeshire", "--out", str(out)]) == 0
    localities = {loc.code: loc for loc in load_settings(out).localities}
    assert localities["E07000010"].postcode_districts == ["PE7", "PE13", "PE14", "PE15", "PE16"]
    assert localities["E07000010"].rural and not localities["E07000008"].rural


def test_outward_codes_from_the_shipped_lookup_agree_with_cambridgeshires_checked_lists():
    """The rule that fills every other council's lists gives Cambridgeshire's hand-checked ones back."""
    computed = outward_codes("E10000003", ["E07000008", "E07000009", "E07000010", "E07000011", "E07000012"])
    assert computed["E07000010"] == ["PE7", "PE13", "PE14", "PE15", "PE16"]
    assert computed["E07000008"] == ["CB1", "CB2", "CB3", "CB4", "CB5"]
    # PE7 spans Fenland and Huntingdonshire (and Peterborough): listed under both, settled by the NSPL lookup.
    assert "PE7" in computed["E07000011"] and "CB25" in computed["E07000012"]


def test_init_gives_every_district_of_a_shire_county_its_outward_codes(tmp_path):
    out = tmp_path / "asc.toml"
    assert main(["init", "Nottinghamshire", "--out", str(out)]) == 0
    listed = {loc.name: loc.postcode_districts for loc in load_settings(out).localities}
    assert all(len(codes) >= 3 for codes in listed.values()), listed
    assert {"NG18", "NG19"} <= set(listed["Mansfield"]) and "NG17" in listed["Ashfield"]
    # Checked independently against the shipped counts: NG18's postcodes lie almost all in Mansfield (E07000174).
    ng18 = pl.read_parquet(NATIONAL / "postcode_districts.parquet").filter(pl.col("outward_code") == "NG18")
    mansfield = ng18.filter(pl.col("district_code") == "E07000174")["postcodes"].sum()
    assert mansfield / ng18["postcodes"].sum() > 0.9
    assert sum("NG18" in codes for codes in listed.values()) == 1


def test_a_unitary_made_from_districts_merged_twice_gets_areas_that_do_not_overlap(tmp_path):
    # Somerset (2023) was made from four districts, one of them (Somerset West and Taunton, 2019) from two
    # older ones: listing it beside them would count Taunton twice and leave it without postcodes.
    out = tmp_path / "asc.toml"
    assert main(["init", "Somerset", "--out", str(out)]) == 0
    listed = {loc.name: loc.postcode_districts for loc in load_settings(out).localities}
    assert sorted(listed) == ["Mendip", "Sedgemoor", "South Somerset", "Taunton Deane", "West Somerset"]
    assert all(codes for codes in listed.values()), listed
    assert "TA1" in listed["Taunton Deane"]


def test_a_single_tier_councils_one_locality_lists_its_outward_codes(tmp_path):
    out = tmp_path / "asc.toml"
    assert main(["init", "Lambeth", "--out", str(out)]) == 0
    (locality,) = load_settings(out).localities
    assert {"SW2", "SW9", "SE11"} <= set(locality.postcode_districts)


def test_nearest_neighbours_stay_within_the_kind_and_take_the_closest():
    councils = pl.DataFrame(
        {
            "council_code": ["A", "B", "C", "D", "E"],
            "kind": ["county", "county", "county", "borough", "borough"],
            "x": [1.0, 1.1, 5.0, 1.0, 9.0],
        }
    )
    peers = nearest_neighbours(councils, k=2, features=["x"])
    a = peers.filter(pl.col("council_code") == "A")
    assert a["peer_code"].to_list() == ["B", "C"]
    assert peers.filter(pl.col("council_code") == "D")["peer_code"].to_list() == ["E"]


def test_peer_groups_in_the_warehouse_are_councils_of_the_same_kind(warehouse):
    rows = warehouse.sql(
        "select p.council_code, c.kind, q.kind from mart_peer_groups as p "
        "join dim_council as c on c.council_code = p.council_code "
        "join dim_council as q on q.council_code = p.peer_code where p.method = 'open'"
    ).fetchall()
    assert len({r[0] for r in rows}) >= 150
    assert all(kind == peer_kind for _, kind, peer_kind in rows)
    cambs = [r for r in rows if r[0] == "E10000003"]
    assert len(cambs) == 15 and cambs[0][1] == "Shire county"


def test_a_cipfa_file_is_read_and_a_bad_one_named(tmp_path):
    good = tmp_path / "cipfa.csv"
    good.write_text("la_code,neighbour_code\nE10000003,E10000024\nE10000003,E10000020\n")
    frame = read_cipfa_file(good)
    assert frame["peer_code"].to_list() == ["E10000024", "E10000020"] and frame["rank"].to_list() == [1, 2]
    bad = tmp_path / "bad.csv"
    bad.write_text("la_code,neighbour_code\nE10000003,Norfolk\n")
    with pytest.raises(PeerFileError, match="row 2: .*'Norfolk'.* is not a GSS code"):
        read_cipfa_file(bad)
