"""Benchmarking page: the council's published values, ranks among all councils and peers, computed from the marts."""

from __future__ import annotations

import json

import plotly.io as pio
from streamlit.testing.v1 import AppTest

from pipelines.config import PROJECT_ROOT
from tests.app.test_disclosure import flat  # plotly sends numeric arrays as binary

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


def run_benchmarking(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("views/benchmarking.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def drawn(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_a_first_view_draws_the_spine_chart_alone(demo_env):
    """The verdicts table and the spine chart; the funnel, trend and map wait for their tabs (four charts before)."""
    at = run_benchmarking()
    charts = drawn(at)
    assert len(charts) == 1
    assert "Peer median" in [t.get("name") for t in charts[0]["data"]]
    assert [t.label for t in at.tabs] == ["All measures", "Funnel", "Trend", "Map"]
    verdicts = at.dataframe[0].value["Compared with England (95% interval)"].tolist()  # above the tabs
    count = {v: verdicts.count(v) for v in ("better", "similar", "worse")}
    # The spine's title counts the table's verdicts.
    assert charts[0]["layout"]["title"]["text"].replace("<br>", " ") == (
        f"Cambridgeshire does better than England on {count['better']} of {len(verdicts)} measures, similarly on "
        f"{count['similar']}, worse on {count['worse']}; {len(verdicts) - sum(count.values())} not compared"
    )


def test_a_link_to_the_trend_tab_draws_the_trend_titled_with_its_finding(demo_env, warehouse):
    """dp_users: Cambridgeshire's published value is below England's in every year at least 100 councils published."""
    rows = warehouse.sql(
        "with covered as (select year from mart_ascof where measure = 'dp_users' group by year "
        "having count(distinct area_code) >= 100) "
        "select m.year, max(m.value) filter (m.area_code = ?), max(m.value) filter (m.area_code = 'E92000001') "
        "from mart_ascof m join covered using (year) where m.measure = 'dp_users' group by m.year order by m.year",
        params=[COUNTY],
    ).fetchall()
    both = [(year, mine, england) for year, mine, england in rows if mine is not None and england is not None]
    assert len(both) >= 2 and all(mine < england for _, mine, england in both)
    at = run_benchmarking(tab="Trend", ascof="People who use services receiving direct payments")  # the label
    (trend,) = drawn(at)
    title = trend["layout"]["title"]["text"].replace("<br>", " ")
    assert (
        title == "People who use services receiving direct payments: Cambridgeshire below England in every year shown"
    )
    year, mine, england = both[-1]
    lines = [t for t in trend["data"] if t["name"].startswith("Cambridgeshire")]
    drawn_mine = {x: y for t in lines for x, y in zip(flat(t["x"]), flat(t["y"]), strict=True)}
    assert drawn_mine[year] == mine
    assert at.selectbox(key="ascof").value == "dp_users"


def test_a_link_to_the_funnel_tab_draws_the_funnel_of_the_measure_it_names(demo_env, warehouse):
    from dashboard.present.benchmarking import benchmarking
    from dashboard.queries import Warehouse

    expected = benchmarking(Warehouse(demo_env), "home_after_reablement").funnel
    # The address holds the measure's name, as the chooser shows it (not the default: direct payments).
    at = run_benchmarking(
        tab="Funnel", ascof="Older people still at home after reablement following hospital discharge"
    )
    assert at.selectbox(key="ascof").value == "home_after_reablement"
    (funnel,) = drawn(at)
    assert funnel["data"] == json.loads(pio.to_json(expected.figure))["data"]
    # Its title says where the council lies and how many councils lie beyond the 95% limits: every current council
    # with a published numerator and denominator in the latest such year (counted here from the mart), of which
    # those the chart's table places outside the limits.
    year, councils = warehouse.sql(
        "select m.year, count(*) from mart_ascof m join dim_council c on c.council_code = m.area_code "
        "where c.current and m.measure = 'home_after_reablement' and m.numerator is not null "
        "and m.denominator is not null and m.value is not null group by 1 order by 1 desc limit 1"
    ).fetchall()[0]
    title = funnel["layout"]["title"]["text"].replace("<br>", " ")
    assert title.startswith(
        f"Older people still at home after reablement following hospital discharge, {year}: Cambridgeshire is "
    )
    outside = sum(1 for r in expected.table.rows if r[-1] != "within")
    assert 0 < outside < councils
    assert title.endswith(f"; {outside} of {councils} councils lie outside them")
