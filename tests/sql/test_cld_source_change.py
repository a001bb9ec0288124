"""A council that moves from its own activity file to Client Level Data: the series break is found in the data.

Activity file (the council's layout): Cambridge, from 2022-04-01 and still open, a1 on a direct payment and
a2 with commissioned home care, both aged 70. CLD: one rolling submission, 2023-07-01 to 2024-06-30, whose
Cambridge people are c1 (direct payment), c2 and c3 (commissioned). Quarters CLD covers (2023/24 Q2 to
2024/25 Q1) are read from CLD, the earlier ones from the activity file, so DP uptake changes source at
2023/24 Q2 and its SPC limits are recalculated from there.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from dashboard.queries import Warehouse
from pipelines.build import run_models
from pipelines.config import Settings
from pipelines.ingest import ensure_store
from pipelines.public import load_public_data
from pipelines.reference_tables import write_reference_tables
from tests.cld_fixtures import DP, cld_row, insert_cld, submission
from tests.unit.test_forecasting_step import ACTIVITY_INSERT

CAMBRIDGE = "E07000008"
SUBMISSION = submission(20, date(2023, 7, 1), date(2024, 6, 30))
LABEL = "Source changed: Client Level Data from here, the activity file before"


def activity(row: int, person: str, service: str, route: str) -> tuple:
    return (1, row, person, 70, "female", "Physical support", CAMBRIDGE, service, route, date(2022, 4, 1), None,
            10.0, 200.0, None)  # fmt: skip


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    path = tmp_path_factory.mktemp("source_change") / "w.duckdb"
    con = duckdb.connect(str(path))
    settings = Settings()
    ensure_store(con)
    load_public_data(con, settings.path("public_data"))
    rows = [activity(1, "a1", "direct_payment", "direct_payment"), activity(2, "a2", "home_care", "council_arranged")]
    con.executemany(ACTIVITY_INSERT, rows)
    insert_cld(con, [cld_row(SUBMISSION, "c1", delivery_mechanism=DP), cld_row(SUBMISSION, "c2"),
                     cld_row(SUBMISSION, "c3")])  # fmt: skip
    write_reference_tables(con, settings)
    run_models(con)
    con.close()
    return path


def test_dp_uptake_reads_activity_before_cld_and_cld_after(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        got = con.sql(
            "select period, dp_recipients, community_clients from mart_dp_uptake where locality_code = ? "
            "and period in ('2023/24 Q1', '2023/24 Q2') order by period",
            params=[CAMBRIDGE],
        ).fetchall()
    assert got == [("2023/24 Q1", 1, 2), ("2023/24 Q2", 1, 3)]  # a1 of a1, a2; then c1 of c1, c2, c3


def test_the_switch_to_cld_is_a_change_point_of_the_dp_measures(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        got = con.sql("select measure_key, period, label from mart_source_changes").fetchall()
    assert got == [("dp_annual_spend_gbp", "2023/24 Q2", LABEL), ("dp_uptake_pct", "2023/24 Q2", LABEL)]


def test_the_dashboard_recalculates_limits_at_the_declared_and_the_found_changes(warehouse):
    wh = Warehouse(Settings(), warehouse)
    assert wh.change_points("dp_uptake_pct") == (
        ("2023/24 Q2", LABEL),
        ("2024/25 Q1", "ASCOF series break: 1C(2a) became 3D(2a)"),
    )
    assert wh.change_points("active_pas") == ()
