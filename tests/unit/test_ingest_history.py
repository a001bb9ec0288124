"""Nothing lost, nothing doubled: duplicates, corrected resubmissions, a killed load, no raw identifiers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import duckdb

from pipelines import ingest
from pipelines.config import PROJECT_ROOT
from pipelines.ingest import PAUSE_ENV, ingest_paths
from tests.unit import test_ingest as base
from tests.unit.test_ingest import GOOD, HEADER, PSR, build, store_rows, warehouse_rows, write

settings = base.settings

CATALOGUE = [
    "kpi_code,name,contract_type,unit,higher_is_better,target,amber_tolerance",
    "hc_missed,Visits missed,home_care,percent,false,1.0,0.5",
    "hc_hours,Hours delivered,home_care,percent,true,97,3",
]
RETURN_HEADER = "contract_id,provider,period,kpi_code,numerator,denominator,value,comment"


def snapshot(path) -> dict[str, tuple]:
    """Every table of a DuckDB file: its row count and an order-free hash of its rows."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [t for (t,) in con.sql("select table_name from duckdb_tables() order by 1").fetchall()]
        return {t: con.sql(f"select count(*), bit_xor(hash({t})) from {t}").fetchall()[0] for t in tables}


def test_reingesting_identical_content_leaves_every_table_as_it_was(settings, tmp_path):
    first = write(tmp_path, "activity.csv", [HEADER, GOOD, GOOD.replace(",70,", ",700,")])
    ingest_paths([first], settings)
    before = snapshot(settings.path("ingest_store"))
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "activity_resent.csv").write_bytes(first.read_bytes())
    [result] = ingest_paths([copy], settings)
    assert result.status == "duplicate"
    assert snapshot(settings.path("ingest_store")) == before
    assert len(list(settings.path("archive").iterdir())) == 1


def test_a_corrected_return_replaces_the_earlier_one_for_reporting_and_keeps_history(settings, tmp_path, monkeypatch):
    ingest_paths([write(tmp_path, "catalogue.csv", CATALOGUE)], settings)
    original = write(
        tmp_path,
        "hc01_2024-25_q1.csv",
        [
            RETURN_HEADER,
            "HC-01,Acme Care,2024/25 Q1,hc_missed,30,2000,1.5,Staff sickness",
            "HC-01,Acme Care,2024/25 Q1,hc_hours,9700,10000,97.0,",
            "HC-02,Other Care,2024/25 Q1,hc_missed,10,1000,1.0,",
        ],
    )
    corrected = write(
        tmp_path,
        "hc01_2024-25_q1_v2.csv",
        [RETURN_HEADER, "HC-01,Acme Care,Q1 2024-25,hc_missed,12,2000,0.6,Corrected: 18 visits were rescheduled"],
    )
    [first] = ingest_paths([original], settings)
    [second] = ingest_paths([corrected], settings)
    assert (first.status, second.status) == ("loaded", "loaded")
    build(settings, monkeypatch)
    reported = warehouse_rows(
        settings, "select contract_id, kpi_code, value, comment, load_id from fct_kpi_returns order by 1, 2"
    )
    assert reported == [
        ("HC-01", "hc_hours", 97.0, None, first.load_id),  # not in the correction: the original stands
        ("HC-01", "hc_missed", 0.6, "Corrected: 18 visits were rescheduled", second.load_id),
        ("HC-02", "hc_missed", 1.0, None, first.load_id),
    ]
    history = warehouse_rows(
        settings,
        "select load_id, value from raw_kpi_returns where contract_id = 'HC-01' and kpi_code = 'hc_missed' "
        "order by load_id",
    )
    assert history == [(first.load_id, 1.5), (second.load_id, 0.6)]


def test_a_load_killed_inside_its_transaction_leaves_the_store_exactly_as_before(settings, tmp_path):
    ingest_paths([write(tmp_path, "first.csv", [HEADER, GOOD])], settings)
    before = snapshot(settings.path("ingest_store"))
    lines = [HEADER] + [GOOD.replace("P1", f"Q{i}") for i in range(5000)] + [GOOD.replace(",70,", ",700,")]
    second = write(tmp_path, "second.csv", lines)
    script = (
        "import sys; from pathlib import Path; from pipelines.config import load_settings; "
        f"from pipelines import ingest; ingest.LARGE_FILE_BYTES = {ingest.LARGE_FILE_BYTES}; "
        "ingest.ingest_paths([Path(sys.argv[2])], load_settings(sys.argv[1]))"
    )
    env = {**os.environ, PAUSE_ENV: "60"}
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path / "asc.toml"), str(second)],
        cwd=PROJECT_ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stderr.readline()
        assert line.strip() == "paused inside the load transaction of second.csv"
        # By now all 5,001 rows and their reject are written inside the open transaction.
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        proc.kill()
    assert snapshot(settings.path("ingest_store")) == before
    # Nothing was logged, so the same file loads in full when sent again.
    [again] = ingest_paths([second], settings)
    assert (again.status, again.rows_loaded, again.rows_rejected) == ("loaded_with_rejects", 5000, 1)


def test_raw_person_identifiers_reach_neither_the_store_nor_the_warehouse(settings, tmp_path, monkeypatch):
    raw_ids = ["NHS9434765919", "MOSAIC-000123", "LAS-77881"]
    activity = [HEADER] + [
        f"{pid},70,female,{PSR},E07000008,direct_payment,direct_payment,2024-0{i + 1}-01,,10,200,"
        for i, pid in enumerate(raw_ids)
    ]
    activity.append(f"{raw_ids[0]},999,female,{PSR},E07000008,home_care,council_arranged,2024-04-01,,10,200,")
    referrals = [
        "referral_id,person_id,received_date,locality_code,service_requested,hours_requested,status,start_date",
        f"RF1,{raw_ids[1]},2024-03-01,E07000008,home_care,5,waiting,",
        f"RF2,{raw_ids[2]},2024-03-01,E07000008,home_care,5,no idea,",  # rejected: its row is kept, not the id
    ]
    ingest_paths([write(tmp_path, "activity.csv", activity), write(tmp_path, "referrals.csv", referrals)], settings)
    build(settings, monkeypatch)
    for path in (settings.path("ingest_store"), settings.path("warehouse")):
        with duckdb.connect(str(path), read_only=True) as con:
            text_columns = con.sql(
                "select table_name, column_name from duckdb_columns() where data_type = 'VARCHAR' and not internal"
            ).fetchall()
            for table, column in text_columns:
                found = con.sql(
                    f'select count(*) from "{table}" where list_has_any([cast("{column}" as varchar)], ?)',
                    params=[raw_ids],
                ).fetchall()[0][0]
                assert found == 0, (path.name, table, column)
        assert not any(pid.encode() in path.read_bytes() for pid in raw_ids), path.name
    # They were pseudonymised, not dropped: three people, and the same person keeps one pseudonym.
    assert store_rows(settings, "select count(distinct person_id) from raw_activity") == [(3,)]
    assert store_rows(settings, "select person_id from raw_referrals") == [(base.pseudonym(settings, raw_ids[1]),)]
