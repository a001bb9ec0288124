"""Corrections as councils make them: a resubmission supersedes the earlier file for its providers and quarters,
withdrawing rows it no longer holds (issue 16: a left-out row stayed for ever)."""

from __future__ import annotations

import duckdb

from pipelines.cli import main
from pipelines.config import load_settings
from pipelines.ingest import ingest_paths
from tests.conftest import write_test_config
from tests.unit.test_ingest import build, store_rows, write
from tests.unit.test_ingest_history import CATALOGUE, RETURN_HEADER


def staged(settings) -> list[tuple]:
    with duckdb.connect(str(settings.path("warehouse")), read_only=True) as con:
        return con.sql("select contract_id, period, kpi_code, value from stg_kpi_returns order by all").fetchall()


def test_a_resubmission_withdraws_the_row_it_no_longer_holds(tmp_path, monkeypatch):
    settings = load_settings(write_test_config(tmp_path))
    first = write(
        tmp_path,
        "acme_2024-25_q1.csv",
        [
            RETURN_HEADER,
            "HC-01,Acme,2024/25 Q1,hc_missed,1,100,1.0,",
            "HC-01,Acme,2024/25 Q1,hc_hours,95,100,95.0,",
            "HC-02,Other,2024/25 Q1,hc_hours,90,100,90.0,",
        ],
    )
    ingest_paths([write(tmp_path, "catalogue.csv", CATALOGUE), first], settings)
    # Acme sends the quarter again without hc_missed (sent in error) and with hc_hours corrected.
    again = write(
        tmp_path, "acme_2024-25_q1_resubmission.csv", [RETURN_HEADER, "HC-01,Acme,2024/25 Q1,hc_hours,97,100,97.0,"]
    )
    [result] = ingest_paths([again], settings)
    assert result.status == "loaded"
    assert (
        "resubmission (replacing each provider and period it holds) changed: 0 rows added, 1 changed, 1 withdrawn, "
        "0 unchanged" in result.message
    )
    assert store_rows(settings, "select source, record_key, withdrawn_load_id from withdrawals") == [
        ("kpi_returns", "HC-01|2024/25 Q1|hc_missed", 2)
    ]
    build(settings, monkeypatch)
    # hc_missed is gone, hc_hours corrected, and the other provider's row is untouched.
    assert staged(settings) == [
        ("HC-01", "2024/25 Q1", "hc_hours", 97.0),
        ("HC-02", "2024/25 Q1", "hc_hours", 90.0),
    ]


def test_an_ordinary_correction_withdraws_nothing_and_a_later_file_can_send_the_row_again(tmp_path, monkeypatch):
    settings = load_settings(write_test_config(tmp_path))
    config = str(tmp_path / "asc.toml")
    first = write(
        tmp_path,
        "acme.csv",
        [RETURN_HEADER, "HC-01,Acme,2024/25 Q1,hc_missed,1,100,1.0,", "HC-01,Acme,2024/25 Q1,hc_hours,95,100,95.0,"],
    )
    ingest_paths([write(tmp_path, "catalogue.csv", CATALOGUE), first], settings)
    fix = write(tmp_path, "acme_fix.csv", [RETURN_HEADER, "HC-01,Acme,2024/25 Q1,hc_hours,96,100,96.0,"])
    ingest_paths([fix], settings)  # not a resubmission: a correction of one row, the rest stands
    build(settings, monkeypatch)
    assert [r[2:] for r in staged(settings)] == [("hc_hours", 96.0), ("hc_missed", 1.0)]
    assert main(["--config", config, "ingest", "--resubmission", str(fix.with_name("x.csv"))]) == 2  # no such file
    fix.with_name("acme_again.csv").write_text(fix.read_text().replace(",96,100,96.0,", ",97,100,97.0,"))
    assert main(["--config", config, "ingest", "--resubmission", str(fix.with_name("acme_again.csv"))]) == 0
    build(settings, monkeypatch)
    assert [r[2:] for r in staged(settings)] == [("hc_hours", 97.0)]
    back = write(tmp_path, "acme_late.csv", [RETURN_HEADER, "HC-01,Acme,2024/25 Q1,hc_missed,2,100,2.0,"])
    ingest_paths([back], settings)
    build(settings, monkeypatch)
    assert [r[2:] for r in staged(settings)] == [("hc_hours", 97.0), ("hc_missed", 2.0)]
