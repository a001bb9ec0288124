"""The quarterly KPI scorecard, and the KPI marts that feed it, against expectations worked out here.
Part 1 builds tiny series by hand and checks models.scorecard: RAG, changes, SPC signals (limits are
recomputed in this file from the Making Data Count formulas), a lower-is-better KPI, a missing return,
targets changing over time. Part 2 runs the KPI SQL models on hand-made raw rows in an in-memory DuckDB.
Part 3 ingests real files into a temporary environment, builds, resubmits a corrected return and
rebuilds, as a contract manager's data would arrive.
"""

from __future__ import annotations

import dataclasses
import statistics
from datetime import UTC, date, datetime

import duckdb
import polars as pl
import pytest

from models.periods import Quarter, quarters_between
from models.scorecard import kpi_history, scorecard, summary
from pipelines.build import run_checks, run_models
from pipelines.config import Settings
from pipelines.ingest import ensure_store
from pipelines.public import load_public_data
from pipelines.reference_tables import write_reference_tables

QUARTERS = quarters_between(Quarter(2022, 1), Quarter(2024, 4))  # 2022/23 Q1 .. 2024/25 Q4: 12 quarters
PERIODS = [q.label for q in QUARTERS]


def series_rows(code, name, unit, higher_is_better, values, target, amber=None, targets=None):
    """Rows of mart_kpi_series for one KPI; ``targets`` overrides the target per period."""
    return [
        {
            "kpi_code": code,
            "kpi_name": name,
            "unit": unit,
            "higher_is_better": higher_is_better,
            "period": q.label,
            "sort_key": q.start_year * 4 + q.number,
            "value": v,
            "target": (targets or {}).get(q.label, target),
            "amber_tolerance": amber,
            "value_status": "reported" if v is not None else "missing return",
        }
        for q, v in zip(QUARTERS, values, strict=True)
    ]


def frame(*kpis) -> pl.DataFrame:
    return pl.DataFrame([row for rows in kpis for row in rows])


def xmr(values):
    """Making Data Count limits worked out directly: mean +/- 2.66 x mean moving range."""
    seen = [v for v in values if v is not None]
    mean = statistics.fmean(seen)
    mr_bar = statistics.fmean(abs(b - a) for a, b in zip(seen, seen[1:], strict=False))
    return mean - 2.66 * mr_bar, mean, mean + 2.66 * mr_bar


# Missed visits (% of planned visits; lower is better): steady around 2%, then 6.5% in 2024/25 Q4.
MISSED = [2.0, 2.2, 1.8, 2.1, 1.9, 2.0, 2.2, 1.9, 2.1, 2.0, 2.1, 6.5]
# Work sub-contracted to local providers (%, higher is better, 30% minimum, amber within 5 points).
SUBCONTRACTED = [31.0, 33.0, 30.0, 32.0, 31.0, 29.0, 30.0, 32.0, 31.0, 33.0, 30.0, 27.5]


def test_lower_is_better_kpi_well_above_its_target_is_red_and_a_concern():
    card = scorecard(frame(series_rows("HC_MISSED", "Missed visits", "percent", False, MISSED, 2.5, 1.0)), "2024/25 Q4")
    row = card.row(0, named=True)
    assert row["value"] == 6.5
    # 6.5% against a maximum of 2.5%: 4.0 points over, beyond the 1.0-point amber band.
    assert row["rag"] == "red"
    assert row["change_on_quarter"] == pytest.approx(6.5 - 2.1)
    assert row["change_on_year"] == pytest.approx(6.5 - 1.9)  # 2023/24 Q4 was 1.9
    lower, _, upper = xmr(MISSED)
    assert 6.5 > upper  # so the point is a special cause, high, which is bad for this KPI
    assert (row["variation"], row["side"]) == ("concern", "high")
    assert "beyond_limits" in row["special_cause_rules"]
    # The 2.5% maximum lies inside the limits: the process will hit and miss it.
    assert lower < 2.5 < upper
    assert row["assurance"] == "hit_and_miss"


def test_lower_is_better_kpi_under_target_is_green():
    card = scorecard(frame(series_rows("HC_MISSED", "Missed visits", "percent", False, MISSED, 2.5, 1.0)), "2024/25 Q3")
    row = card.row(0, named=True)
    assert (row["value"], row["rag"]) == (2.1, "green")
    # Reviewing 2024/25 Q3 ignores the later jump: all eleven points lie within their own limits.
    lower, _, upper = xmr(MISSED[:11])
    assert all(lower <= v <= upper for v in MISSED[:11])
    assert row["variation"] == "common_cause"
    assert row["observed_quarters"] == 11


def test_higher_is_better_kpi_within_tolerance_is_amber():
    card = scorecard(
        frame(series_rows("HC_SUB", "Sub-contracted", "percent", True, SUBCONTRACTED, 30.0, 5.0)), "2024/25 Q4"
    )
    row = card.row(0, named=True)
    assert row["value"] == 27.5
    assert row["rag"] == "amber"  # 2.5 points short of 30%, within the 5-point band
    assert row["change_on_quarter"] == pytest.approx(-2.5)
    assert row["change_on_year"] == pytest.approx(27.5 - 32.0)


def test_rag_uses_the_target_in_force_that_quarter():
    # The target rose from 30% to 35% in 2024/25 Q1; 33% is green before and amber after.
    values = [33.0] * 12
    targets = {p: 35.0 for p in PERIODS[8:]}
    kpi = frame(series_rows("HC_SUB", "Sub-contracted", "percent", True, values, 30.0, 5.0, targets))
    assert scorecard(kpi, "2023/24 Q4")["rag"].to_list() == ["green"]
    assert scorecard(kpi, "2024/25 Q1")["rag"].to_list() == ["amber"]
    assert kpi_history(kpi, "HC_SUB", "2024/25 Q4").table["target"].to_list() == [30.0] * 8 + [35.0] * 4


def test_a_missing_return_has_no_value_no_rag_and_no_signal_never_zero():
    values = MISSED[:8] + [None] + MISSED[9:]  # 2024/25 Q1 return missing
    kpi = frame(series_rows("HC_MISSED", "Missed visits", "percent", False, values, 2.5, 1.0))
    row = scorecard(kpi, "2024/25 Q1").row(0, named=True)
    assert row["value"] is None
    assert row["value_status"] == "missing return"
    assert (row["rag"], row["variation"], row["change_on_quarter"], row["change_on_year"]) == (None,) * 4
    # Next quarter: no change on the quarter (nothing to compare with), but the year-on-year change stands.
    after = scorecard(kpi, "2024/25 Q2").row(0, named=True)
    assert after["change_on_quarter"] is None
    assert after["change_on_year"] == pytest.approx(MISSED[9] - MISSED[5])
    assert after["sparkline"] == [*MISSED[2:8], None, MISSED[9]]  # eight quarters, 2022/23 Q3 on
    # The missing quarter is skipped by the SPC limits, not counted as a zero.
    history = kpi_history(kpi, "HC_MISSED", "2024/25 Q2")
    lower, centre, upper = xmr(values[:10])
    assert history.spc.limits.centre == pytest.approx(centre)
    assert (history.spc.limits.lower, history.spc.limits.upper) == pytest.approx((lower, upper))


def test_a_run_of_seven_above_the_mean_is_an_improvement_when_higher_is_better():
    values = [50.0, 52.0, 49.0, 51.0, 50.0, 53.0, 54.0, 55.0, 54.5, 55.5, 54.0, 56.0]
    kpi = frame(series_rows("ISF_PLAN", "Up-to-date plans", "percent", True, values, 40.0, 5.0))
    row = scorecard(kpi, "2024/25 Q4").row(0, named=True)
    _, centre, _ = xmr(values)
    assert all(v > centre for v in values[-7:])  # the last seven points are above the mean
    assert (row["variation"], row["side"]) == ("improvement", "high")
    assert "run" in row["special_cause_rules"]
    lower, _, _ = xmr(values)
    assert lower > 40.0  # the whole process lies above the 40% target
    assert row["assurance"] == "pass"


def test_sparkline_is_the_last_eight_quarters_and_kpis_come_in_code_order():
    card = scorecard(
        frame(
            series_rows("HC_SUB", "Sub-contracted", "percent", True, SUBCONTRACTED, 30.0, 5.0),
            series_rows("HC_MISSED", "Missed visits", "percent", False, MISSED, 2.5, 1.0),
        ),
        "2024/25 Q4",
    )
    assert card["kpi_code"].to_list() == ["HC_MISSED", "HC_SUB"]
    assert card["sparkline"].to_list() == [MISSED[4:], SUBCONTRACTED[4:]]
    assert summary(card) == {
        "kpis": 2,
        "with_value": 2,
        "with_target": 2,
        "green": 0,
        "amber": 1,
        "red": 1,
        "concern": 1,
        "improvement": 0,
    }


def test_a_kpi_without_target_has_no_rag_and_no_assurance():
    card = scorecard(frame(series_rows("DPSS_REF", "Referrals", "count", True, [70.0] * 12, None)), "2024/25 Q4")
    assert card.select("rag", "assurance").row(0) == (None, None)


def test_bad_inputs_are_refused():
    kpi = frame(series_rows("HC_SUB", "Sub-contracted", "percent", True, SUBCONTRACTED, 30.0))
    assert scorecard(kpi, "2030/31 Q1").is_empty()  # a quarter outside the contract: nothing to score
    with pytest.raises(ValueError, match="no KPI rows for 2030/31 Q1"):
        kpi_history(kpi, "HC_SUB", "2030/31 Q1")
    with pytest.raises(ValueError, match="lacks column"):
        scorecard(kpi.drop("target"), "2024/25 Q4")


# Part 2: the KPI marts on hand-made raw rows.

BACKLOAD, RETURN_Q1, RESUBMISSION = 2, 3, 4


@pytest.fixture()
def marts() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    ensure_store(con)
    settings = Settings()
    load_public_data(con, settings.path("public_data"))
    loads = [
        (1, "kpi_catalogue", datetime(2023, 4, 1, tzinfo=UTC)),
        (BACKLOAD, "kpi_returns", datetime(2024, 4, 20, tzinfo=UTC)),  # four quarters in one file
        (RETURN_Q1, "kpi_returns", datetime(2024, 8, 9, tzinfo=UTC)),  # 2024/25 Q1, due 30 July: 10 days late
        (RESUBMISSION, "kpi_returns", datetime(2024, 8, 20, tzinfo=UTC)),  # corrects one 2024/25 Q1 figure
    ]
    for load_id, source, at in loads:
        con.sql(
            "insert into load_log values (?, ?, 'f.csv', ?, 1, 1, 0, 'loaded', '', false, ?)",
            params=[load_id, source, str(load_id), at],
        )
    catalogue = [
        ("HC_MISSED", "Missed visits", "percent", False, 2.5, 1.0, None, None),
        ("HC_HOURS", "Hours delivered against commissioned", "percent", True, 95.0, 3.0, "ratio", None),
        ("HC_SUB", "Work sub-contracted to local providers", "percent", True, 30.0, 5.0, "proportion", None),
        ("HC_SUB", "Work sub-contracted to local providers", "percent", True, 35.0, 5.0, "proportion", "2024/25 Q1"),
        ("HC_WAIT", "People on the waiting list", "count", False, 20.0, 5.0, None, None),
    ]
    con.executemany(
        "insert into raw_kpi_catalogue values (1, ?, ?, ?, 'home_care', ?, ?, ?, ?, ?, ?)",
        [(i, *row) for i, row in enumerate(catalogue, start=2)],
    )
    returns = []
    for i, period in enumerate(["2023/24 Q1", "2023/24 Q2", "2023/24 Q3", "2023/24 Q4"]):
        returns += [
            (BACKLOAD, 10 * i, "HC-01", "Acme Care", period, "HC_MISSED", 40.0, 2000.0, 2.0, None),
            (BACKLOAD, 10 * i + 1, "HC-01", "Acme Care", period, "HC_HOURS", 9800.0, 10000.0, 98.0, None),
            (BACKLOAD, 10 * i + 2, "HC-01", "Acme Care", period, "HC_SUB", 64.0, 200.0, 32.0, None),
            (BACKLOAD, 10 * i + 3, "HC-01", "Acme Care", period, "HC_WAIT", None, None, 12.0, None),
        ]
    returns += [
        # The provider's own percentage (4.0) does not match 60 of 2,000 (3.0%): the calculation wins.
        (RETURN_Q1, 2, "HC-01", "Acme Care", "2024/25 Q1", "HC_MISSED", 60.0, 2000.0, 4.0, "=cmd|' /C calc'!A0"),
        (RETURN_Q1, 3, "HC-01", "Acme Care", "2024/25 Q1", "HC_HOURS", 10400.0, 10000.0, 104.0, None),
        (RETURN_Q1, 4, "HC-01", "Acme Care", "2024/25 Q1", "HC_SUB", 50.0, 200.0, 25.0, None),
        (RESUBMISSION, 2, "HC-01", "Acme Care", "2024/25 Q1", "HC_SUB", 70.0, 200.0, 35.0, "corrected"),
    ]
    con.executemany("insert into raw_kpi_returns values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", returns)
    write_reference_tables(con, settings)
    run_models(con)
    run_checks(con)
    return con


def test_targets_in_force_follow_effective_from(marts):
    got = marts.sql(
        "select period, target, target_from from mart_kpi_catalogue where kpi_code = 'HC_SUB' "
        "and period in ('2023/24 Q4', '2024/25 Q1') order by sort_key"
    ).fetchall()
    assert got == [("2023/24 Q4", 30.0, None), ("2024/25 Q1", 35.0, "2024/25 Q1")]


def test_values_are_worked_out_as_the_catalogue_says(marts):
    got = dict(
        marts.sql(
            "select kpi_code, [value, reported_value, value_differs_from_calculation::int] from mart_kpi_series "
            "where period = '2024/25 Q1'"
        ).fetchall()
    )
    assert got["HC_MISSED"] == [pytest.approx(3.0), 4.0, 1]  # 60 / 2,000 x 100: the provider's 4.0 was wrong
    assert got["HC_HOURS"] == [pytest.approx(104.0), 104.0, 0]  # a ratio may pass 100%
    assert got["HC_SUB"] == [pytest.approx(35.0), 35.0, 0]  # the resubmitted 70 of 200
    assert got["HC_WAIT"] == [None, None, 0]  # not in the return: no value, not zero


def test_a_kpi_left_out_of_a_return_is_not_reported_and_a_quarter_without_return_is_missing(marts):
    got = marts.sql(
        "select period, value_status, value from mart_kpi_series where kpi_code = 'HC_WAIT' order by sort_key"
    ).fetchall()
    assert got[-2:] == [("2023/24 Q4", "reported", 12.0), ("2024/25 Q1", "not reported", None)]


def test_resubmission_replaces_the_value_and_keeps_what_it_replaced(marts):
    ((value, submissions, previous, comment),) = marts.sql(
        "select value, submissions, previous_submission_value, comment from mart_kpi_series "
        "where kpi_code = 'HC_SUB' and period = '2024/25 Q1'"
    ).fetchall()
    assert (value, submissions, previous, comment) == (pytest.approx(35.0), 2, pytest.approx(25.0), "corrected")
    assert marts.sql(
        "select count(*) from raw_kpi_returns where kpi_code = 'HC_SUB' and period = '2024/25 Q1'"
    ).fetchall() == [(2,)]


def test_return_status_judges_timeliness_only_for_quarterly_files(marts):
    got = marts.sql(
        "select period, return_received, timeliness, days_late, resubmitted, kpis_expected, kpis_reported "
        "from mart_kpi_return_status order by sort_key"
    ).fetchall()
    # The back-loaded history is "received"; the 2024/25 Q1 return came 10 days after its 30 July due date.
    assert got[-2:] == [
        ("2023/24 Q4", True, "received", None, False, 4, 4),
        ("2024/25 Q1", True, "late", 10, True, 4, 3),
    ]


def test_the_due_date_follows_the_setting(marts):
    write_reference_tables(marts, dataclasses.replace(Settings(), kpi_return_due_days=45))
    run_models(marts)
    got = marts.sql(
        "select due_date, timeliness, days_late from mart_kpi_return_status where period = '2024/25 Q1'"
    ).fetchall()
    assert got == [(date(2024, 8, 14), "on time", None)]  # 30 June + 45 days; received 9 August


# Part 3: real files through ingest and build, then a corrected return and a rebuild.

CATALOGUE_CSV = """kpi_code,name,contract_type,unit,higher_is_better,target,amber_tolerance,calculation,effective_from
hc_missed,Visits missed,home_care,percent,false,1.0,0.5,proportion,
hc_hours,Care hours delivered against commissioned,home_care,percent,true,95,3,ratio,
hc_hours,Care hours delivered against commissioned,home_care,percent,true,97,3,ratio,2024/25 Q1
"""
HISTORY = ["2023/24 Q1", "2023/24 Q2", "2023/24 Q3", "2023/24 Q4", "2024/25 Q1"]
# (missed visits, visits planned, hours delivered, hours commissioned) per quarter; HC-02 misses 2023/24 Q3.
RETURNS = {
    "HC-01": [
        (20, 2000, 9600, 10000),
        (18, 2000, 9700, 10000),
        (22, 2000, 9650, 10000),
        (19, 2000, 9800, 10000),
        (30, 2000, 9750, 10000),
    ],
    "HC-02": [(40, 2500, 9000, 10000), (42, 2500, 9100, 10000), None, (45, 2500, 9300, 10000), (50, 2500, 9400, 10000)],
}


def returns_csv(rows: dict[str, list], periods: list[str]) -> str:
    lines = ["contract_id,provider,period,kpi_code,numerator,denominator,value,comment"]
    for contract, figures in rows.items():
        for period, row in zip(periods, figures, strict=True):
            if row is None:
                continue
            missed, visits, delivered, commissioned = row
            lines.append(
                f"{contract},{contract} Care Ltd,{period},hc_missed,{missed},{visits},{100 * missed / visits:.1f},"
            )
            lines.append(
                f"{contract},{contract} Care Ltd,{period},hc_hours,{delivered},{commissioned},"
                f"{100 * delivered / commissioned:.1f},"
            )
    return "\n".join(lines) + "\n"


def make_kpi_env(folder, monkeypatch):
    """A council with two home-care contracts: catalogue and returns loaded from files, warehouse built."""
    from pipelines import build
    from pipelines.config import load_settings
    from pipelines.ingest import ingest_paths
    from tests.conftest import write_test_config

    # Forecasts have nothing to forecast here and take seconds; every SQL model and check still runs.
    monkeypatch.setattr(build, "PYTHON_STEPS", ())
    settings = load_settings(write_test_config(folder))
    inbox = folder / "inbox" / "first"
    inbox.mkdir(parents=True)
    (inbox / "kpi_catalogue.csv").write_text(CATALOGUE_CSV)
    (inbox / "kpi_returns.csv").write_text(returns_csv(RETURNS, HISTORY))
    assert {r.status for r in ingest_paths([inbox], settings)} == {"loaded"}
    build.build_warehouse(settings)
    return settings


def warehouse_series(settings, contract: str) -> pl.DataFrame:
    with duckdb.connect(str(settings.path("warehouse")), read_only=True) as con:
        return con.sql("select * from mart_kpi_series where contract_id = ?", params=[contract]).pl()


def test_scorecard_from_ingested_files_then_a_corrected_return(tmp_path, monkeypatch):
    from dashboard.present.provider_kpis import open_review, scorecard_view
    from dashboard.queries import Warehouse
    from pipelines import build
    from pipelines.ingest import ingest_paths

    settings = make_kpi_env(tmp_path, monkeypatch)
    card = {
        r["kpi_code"]: r for r in scorecard(warehouse_series(settings, "HC-01"), "2024/25 Q1").iter_rows(named=True)
    }
    # 30 of 2,000 visits missed = 1.5% against a 1.0% maximum with 0.5 points of tolerance: amber.
    assert card["hc_missed"]["value"] == pytest.approx(1.5)
    assert card["hc_missed"]["rag"] == "amber"
    assert card["hc_missed"]["change_on_quarter"] == pytest.approx(1.5 - 0.95)
    assert card["hc_missed"]["change_on_year"] == pytest.approx(1.5 - 1.0)
    # 97.5% of hours against the 97% target in force from 2024/25 Q1 (it was 95% before): green.
    assert (card["hc_hours"]["value"], card["hc_hours"]["target"], card["hc_hours"]["rag"]) == (
        pytest.approx(97.5),
        97.0,
        "green",
    )
    hc02 = scorecard(warehouse_series(settings, "HC-02"), "2023/24 Q3").row(0, named=True)
    assert (hc02["value"], hc02["value_status"], hc02["rag"]) == (None, "missing return", None)
    # As the page, the exports and the pack show it: each target with its direction and amber tolerance.
    shown = {
        row[0]: [str(cell) for cell in row[1:4]]
        for row in scorecard_view(open_review(Warehouse(settings), "HC-01", "2024/25 Q1")).table.rows
    }
    assert shown == {
        "Visits missed": ["1.5%", "1.0% (lower is better; amber within 0.5 points)", "Amber: near target"],
        "Care hours delivered against commissioned": [
            "97.5%",
            "97.0% (higher is better; amber within 3.0 points)",
            "Green: on target",
        ],
    }
    missing = scorecard_view(open_review(Warehouse(settings), "HC-02", "2023/24 Q3")).table.rows
    assert [row[1:4:2] for row in missing] == [["No return", "No value to rate"]] * 2

    # The provider corrects its 2024/25 Q1 missed visits: 12, not 30. Sent on its own, it is judged late.
    corrected = tmp_path / "inbox" / "correction"
    corrected.mkdir()
    (corrected / "hc01_2024-25_q1_v2.csv").write_text(
        "contract_id,provider,period,kpi_code,numerator,denominator,value,comment\n"
        "HC-01,HC-01 Care Ltd,2024/25 Q1,hc_missed,12,2000,0.6,Corrected: 18 visits were rescheduled\n"
    )
    assert [r.status for r in ingest_paths([corrected], settings)] == ["loaded"]
    build.build_warehouse(settings)
    row = scorecard(warehouse_series(settings, "HC-01"), "2024/25 Q1").row(0, named=True)
    assert row["kpi_code"] == "hc_missed"
    assert (row["value"], row["rag"], row["submissions"]) == (pytest.approx(0.6), "green", 2)
    assert row["previous_submission_value"] == pytest.approx(1.5)
    assert row["comment"] == "Corrected: 18 visits were rescheduled"
    with duckdb.connect(str(settings.path("warehouse")), read_only=True) as con:
        kept = con.sql(
            "select numerator from raw_kpi_returns where contract_id = 'HC-01' and kpi_code = 'hc_missed' "
            "and period = '2024/25 Q1' order by load_id"
        ).fetchall()
        status = con.sql(
            "select timeliness, resubmitted from mart_kpi_return_status "
            "where contract_id = 'HC-01' and period = '2024/25 Q1'"
        ).fetchall()
    assert kept == [(30.0,), (12.0,)]  # the first submission stays as history
    # The return was first received with the history file, so its timeliness stays unjudged.
    assert status == [("received", True)]

    # HC-02 sends its 2024/25 Q2 return on its own, long after the 30 October 2024 due date; HC-01 sends none.
    next_quarter = tmp_path / "inbox" / "next"
    next_quarter.mkdir()
    (next_quarter / "hc02_2024-25_q2.csv").write_text(returns_csv({"HC-02": [(55, 2500, 9500, 10000)]}, ["2024/25 Q2"]))
    ingest_paths([next_quarter], settings)
    build.build_warehouse(settings)
    with duckdb.connect(str(settings.path("warehouse")), read_only=True) as con:
        got = dict(
            con.sql(
                "select contract_id, [timeliness, days_late::varchar] from mart_kpi_return_status "
                "where period = '2024/25 Q2'"
            ).fetchall()
        )
    days_late = (datetime.now(UTC).date() - date(2024, 10, 30)).days
    assert got["HC-02"][0] == "late" and abs(int(got["HC-02"][1]) - days_late) <= 1
    assert got["HC-01"] == ["missing", None]
    missing = scorecard(warehouse_series(settings, "HC-01"), "2024/25 Q2")
    assert missing["value"].to_list() == [None, None]  # shown as missing, never as zero
    assert set(missing["value_status"]) == {"missing return"}
