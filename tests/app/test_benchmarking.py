"""Benchmarking page: the council's published values, ranks among all councils and peers, computed from the marts."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from pipelines.config import PROJECT_ROOT

APP = str(PROJECT_ROOT / "dashboard" / "app.py")
COUNTY = "E10000003"


def test_benchmarking_shows_rank_quartile_and_peers_from_published_data(demo_env, warehouse):
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("views/benchmarking.py").run()
    assert not at.exception, [e.message for e in at.exception]
    year = warehouse.sql(
        "select max(year) from mart_ascof where measure = 'dp_users' and area_code = ?", params=[COUNTY]
    ).fetchall()[0][0]
    values = dict(
        warehouse.sql(
            "select m.area_code, m.value from mart_ascof m join dim_council c on c.council_code = m.area_code "
            "where c.current and m.measure = 'dp_users' and m.year = ? and m.value is not null",
            params=[year],
        ).fetchall()
    )
    rank = 1 + sum(v > values[COUNTY] for v in values.values())  # higher is better
    table = at.dataframe[0].value
    row = table[table["Measure"] == "People who use services receiving direct payments"].iloc[0]
    assert row["Year"] == year
    assert row["Cambridgeshire"] == f"{values[COUNTY]:.1f}%"
    assert row["Rank, all councils"] == f"{rank} of {len(values)}"
    peers = [
        name
        for (name,) in warehouse.sql(
            "select c.council_name from mart_peer_groups p join dim_council c on c.council_code = p.peer_code "
            "where p.council_code = ? and p.method = 'open' order by c.council_name",
            params=[COUNTY],
        ).fetchall()
    ]
    text = "\n".join(m.value for m in at.markdown)
    assert f"Cambridgeshire's {len(peers)} peers are" in text and ", ".join(peers) in text
