"""DP uptake by age band, support reason and ethnicity, with suppression worked out by hand (threshold 3).

One submission (load 40, 2024-04-01 to 2025-03-31); twelve Cambridge people in community support at 2025-03-31:
- a1..a7 born 1980 (18-64), physical support, White; a1..a4 on a direct payment;
- b1..b5 born 1950 (65+): b1, b2 Asian (Indian), b3..b5 White; b1..b3 mental health support, b4, b5 physical
  support; b1, b2, b4 on a direct payment.
Age band: 18-64 4 of 7 (57.1%), 65+ 3 of 5 (60.0%): all shown; all people 7 of 12 (58.3%).
Ethnicity: Asian 2 of 2 (both small, '<3'); White 5 of 10 would give Asian away against the total, so hidden ('–').
Support reason: mental health 2 of 3 (the 2 is small); physical 5 of 9: its DP count is hidden ('–') to protect it.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import duckdb
import pytest

from dashboard.present.dp_breakdowns import dp_breakdowns
from dashboard.queries import Warehouse
from pipelines.build import run_models
from pipelines.config import Settings
from pipelines.ingest import ensure_store
from pipelines.public import load_public_data
from pipelines.reference_tables import write_reference_tables
from tests.cld_fixtures import DP, cld_row, insert_cld, submission

CAMBRIDGE = "E07000008"
S = submission(40, date(2024, 4, 1), date(2025, 3, 31))
WHITE, INDIAN = "White: English, Welsh, Scottish, Northern Irish or British", "Asian or Asian British: Indian"
PHYSICAL, MENTAL = "Physical support: Personal care support", "Mental health support"
SETTINGS = dataclasses.replace(Settings(), suppression_threshold=3)


def rows() -> list[dict]:
    people = [(f"a{i}", 1980, PHYSICAL, WHITE, i <= 4) for i in range(1, 8)] + [
        ("b1", 1950, MENTAL, INDIAN, True),
        ("b2", 1950, MENTAL, INDIAN, True),
        ("b3", 1950, MENTAL, WHITE, False),
        ("b4", 1950, PHYSICAL, WHITE, True),
        ("b5", 1950, PHYSICAL, WHITE, False),
    ]
    return [
        cld_row(S, who, birth_year=born, primary_support_reason=reason, ethnicity=ethnicity,
                **({"delivery_mechanism": DP} if dp else {}))  # fmt: skip
        for who, born, reason, ethnicity, dp in people
    ]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("breakdowns") / "w.duckdb"
    con = duckdb.connect(str(path))
    ensure_store(con)
    load_public_data(con, SETTINGS.path("public_data"))
    insert_cld(con, rows())
    write_reference_tables(con, SETTINGS)
    run_models(con)
    con.close()
    return path


def test_the_mart_counts_each_group_at_its_broad_level(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        got = con.sql(
            "select breakdown, category, dp_recipients, community_clients from mart_dp_uptake_breakdown "
            "where period = '2024/25 Q4' and locality_code = ? order by breakdown, category",
            params=[CAMBRIDGE],
        ).fetchall()
    assert got == [
        ("Age band", "18-64", 4, 7),
        ("Age band", "65+", 3, 5),
        ("Ethnicity", "Asian or Asian British", 2, 2),
        ("Ethnicity", "White", 5, 10),
        ("Primary support reason", "Mental health support", 2, 3),
        ("Primary support reason", "Physical support", 5, 9),
    ]


def test_the_page_hides_small_groups_and_what_would_give_them_away(warehouse):
    shown = dp_breakdowns(Warehouse(SETTINGS, warehouse), CAMBRIDGE, "2024/25 Q4", "Cambridge")
    tables = {chart.table.columns[0]: chart.table.rows for chart in shown.charts}
    assert tables["Age band"] == [
        ["18-64", "4", "7", "57.1%"],
        ["65+", "3", "5", "60.0%"],
        ["All people", "7", "12", "58.3%"],
    ]
    assert tables["Ethnicity"] == [
        ["Asian or Asian British", "<3", "<3", "–"],
        ["White", "–", "–", "–"],
        ["All people", "7", "12", "58.3%"],
    ]
    assert tables["Primary support reason"] == [
        ["Mental health support", "<3", "3", "–"],
        ["Physical support", "–", "9", "–"],
        ["All people", "7", "12", "58.3%"],
    ]


def test_each_chart_title_states_its_finding_from_the_groups_shown(warehouse):
    shown = dp_breakdowns(Warehouse(SETTINGS, warehouse), CAMBRIDGE, "2024/25 Q4", "Cambridge")
    titles = {c.table.columns[0]: c.figure.layout.title.text.replace("<br>", " ") for c in shown.charts}
    assert titles["Age band"].endswith(": highest for 65+ (60.0%), lowest for 18-64 (57.1%)")
    # Both ethnic groups are hidden (one small, the other would give it away): none is named.
    assert titles["Ethnicity"].endswith(": no group can be shown (two not shown: small numbers)")
    assert "White" not in titles["Ethnicity"] and "Asian" not in titles["Ethnicity"]
