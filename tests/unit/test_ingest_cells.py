"""Every cell is judged and nothing crashes: numbers of any size, signs that fit the unit, one bad file never
stopping the others, and no traceback ever reaching the user (issue 16).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipelines import ingest
from pipelines.cli import main
from pipelines.config import load_settings
from pipelines.ingest import ingest_paths
from pipelines.schemas import ALL_SOURCES, MAX_WEEKLY_COST_GBP
from pipelines.upload import UploadRefused, ingest_upload
from tests.conftest import write_test_config
from tests.unit import test_ingest as base
from tests.unit.test_ingest import GOOD, HEADER, store_rows, write
from tests.unit.test_ingest_rules import CATALOGUE, RETURN_HEADER

settings = base.settings


def activity_with(tmp_path, settings, *changes: tuple[str, str]):
    """Ingest one activity row per change (GOOD with ``old`` replaced by ``new``); the result and the rejects."""
    lines = [HEADER] + [GOOD.replace(old, new).replace("P1", f"P{i}") for i, (old, new) in enumerate(changes)]
    [result] = ingest_paths([write(tmp_path, "activity.csv", lines)], settings)
    rejects = store_rows(settings, "select row_number, column_name, value, reason from rejects order by row_number")
    return result, rejects


# Numbers of any size ---------------------------------------------------------------------------------------


def test_an_age_too_big_for_any_integer_is_a_rejected_row_and_the_next_file_loads(settings, tmp_path):
    huge = write(tmp_path, "a_huge.csv", [HEADER, GOOD.replace(",70,", ",9999999999999999999999,"), GOOD])
    good = write(tmp_path, "b_good.csv", [HEADER, GOOD.replace("P1", "P2")])
    results = ingest_paths([huge, good], settings)
    assert [(r.file, r.status, r.rows_loaded, r.rows_rejected) for r in results] == [
        ("a_huge.csv", "loaded_with_rejects", 1, 1),
        ("b_good.csv", "loaded", 1, 0),
    ]
    assert results[0].rejects.rows() == [(2, "age", "9999999999999999999999", "age must not be above 120")]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1e308", f"weekly_cost_gbp must not be above {MAX_WEEKLY_COST_GBP:,}"),
        ("1e400", f"weekly_cost_gbp must not be above {MAX_WEEKLY_COST_GBP:,}"),  # beyond any double
        ("25000.01", "weekly_cost_gbp must not be above 25,000"),
        ("-1e308", "weekly_cost_gbp must not be below 0"),
        ("nan", "weekly_cost_gbp should be an amount in pounds, like 220.50 or £1,220.50"),
        ("50%", "weekly_cost_gbp should be an amount in pounds, like 220.50 or £1,220.50"),
        ("1,5", "weekly_cost_gbp should be an amount in pounds, like 220.50 or £1,220.50"),  # not fifteen
        ("1 000", "weekly_cost_gbp should be an amount in pounds, like 220.50 or £1,220.50"),
    ],
)
def test_costs_out_of_range_or_in_the_wrong_unit_are_refused(settings, tmp_path, value, reason):
    result, rejects = activity_with(tmp_path, settings, (",£220.50,", f',"{value}",'))
    assert (result.rows_loaded, rejects) == (0, [(2, "weekly_cost_gbp", value, reason)])


def test_numbers_written_as_people_write_them_in_their_unit(settings, tmp_path):
    result, rejects = activity_with(
        tmp_path,
        settings,
        (",£220.50,", ',"£1,234.50",'),
        (",£220.50,", ",1234.5,"),
        (",£220.50,", ",£ 25000,"),
        (",10,", ", 7.5 ,"),
        (",10,", ",10%,"),  # hours are not a percentage
        (",10,", ",£10,"),  # nor pounds
        (",70,", ",7e1,"),
    )
    assert result.rows_loaded == 5
    assert [r[:3] for r in rejects] == [(6, "weekly_hours", "10%"), (7, "weekly_hours", "£10")]
    assert rejects[0][3] == "weekly_hours should be a number of hours, like 7.5"
    stored = store_rows(settings, "select weekly_cost_gbp, weekly_hours, age from raw_activity order by source_row")
    assert stored == [(1234.5, 10.0, 70), (1234.5, 10.0, 70), (25000.0, 10.0, 70), (220.5, 7.5, 70), (220.5, 10.0, 70)]


def test_every_number_column_has_bounds_and_a_unit():
    for source in ALL_SOURCES.values():
        for column in source.columns:
            if column.type in ("int", "float"):
                assert column.minimum is not None and column.maximum is not None, (source.name, column.name)
                assert column.unit, (source.name, column.name)


def test_kpi_values_carry_the_sign_of_their_kpis_unit(settings, tmp_path):
    catalogue = [*CATALOGUE, "hc_spend,Spend,home_care,gbp,false,50000,5000,reported,"]
    ingest_paths([write(tmp_path, "catalogue.csv", catalogue)], settings)
    lines = [
        RETURN_HEADER,
        "HC-01,Acme,2024/25 Q1,hc_missed,20,2000,1.5%,",  # row 2: a percent KPI may say %
        "HC-01,Acme,2024/25 Q1,hc_visits,,,50%,",  # row 3: a count is not a percentage
        'HC-01,Acme,2024/25 Q1,hc_spend,,,"£1,250.00",',  # row 4: pounds for a pounds KPI
        "HC-01,Acme,2024/25 Q1,hc_visits,,,£5,",  # row 5: a count is not in pounds
        "HC-01,Acme,2024/25 Q1,hc_missed,20%,2000,1.0,",  # row 6: a numerator is a count
        "HC-01,Acme,2024/25 Q1,hc_visits,,,1e308,",  # row 7: out of range
    ]
    [result] = ingest_paths([write(tmp_path, "returns.csv", lines)], settings)
    assert result.rejects.rows() == [
        (3, "value", "50%", "value has a % sign but this KPI is not measured as a percentage"),
        (5, "value", "£5", "value has a £ sign but this KPI is not measured in pounds"),
        (6, "numerator", "20%", "numerator should be a number"),
        (7, "value", "1e308", "value must not be above 100,000,000"),
    ]
    assert store_rows(settings, "select kpi_code, value from raw_kpi_returns order by source_row") == [
        ("hc_missed", 1.5),
        ("hc_spend", 1250.0),
    ]


def test_catalogue_targets_carry_the_sign_of_their_unit(settings, tmp_path):
    lines = [
        CATALOGUE[0],
        "hc_missed,Visits missed,home_care,percent,false,1%,0.5%,proportion,",
        "hc_visits,Visits made,home_care,count,true,95%,100,reported,",
        'hc_spend,Spend,home_care,gbp,false,"£50,000",£5,reported,',
    ]
    [result] = ingest_paths([write(tmp_path, "catalogue.csv", lines)], settings)
    assert result.rejects.rows() == [(3, "target", "95%", "target has a % sign but the KPI's unit is not percent")]
    assert store_rows(settings, "select kpi_code, target, amber_tolerance from raw_kpi_catalogue order by 1") == [
        ("hc_missed", 1.0, 0.5),
        ("hc_spend", 50000.0, 5.0),
    ]


# Nothing crashes -------------------------------------------------------------------------------------------


def break_first_file(monkeypatch):
    """Make loading a.csv fail as nobody foresaw (the next file's load is untouched)."""
    real = ingest._insert_good_rows

    def insert(con, plan, load_id):
        if plan.source.name == "activity" and con.sql("select count(*) from _checked").fetchall()[0][0] == 2:
            raise RuntimeError("disk on fire")
        return real(con, plan, load_id)

    monkeypatch.setattr(ingest, "_insert_good_rows", insert)


def test_an_unexpected_error_fails_one_file_with_a_reference_and_the_rest_load(tmp_path, monkeypatch, capsys):
    config = write_test_config(tmp_path)
    break_first_file(monkeypatch)
    first = write(tmp_path, "a.csv", [HEADER, GOOD, GOOD.replace("P1", "P2")])
    second = write(tmp_path, "b.csv", [HEADER, GOOD.replace("P1", "P3")])
    assert main(["--config", str(config), "ingest", str(first), str(second)]) == 5
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert "failed: unexpected error" in captured.out
    log = tmp_path / "logs" / "asc-errors.log"
    err = captured.err.replace("\n", "")
    assert "a.csv: not loaded because of an unexpected error (reference " in err
    assert f"the detail is in {log})" in err
    reference = err.split("(reference ")[1].split(";")[0]
    text = log.read_text()
    assert f"reference {reference}: ingesting {first}" in text and "RuntimeError: disk on fire" in text
    assert oct(log.stat().st_mode & 0o777) == "0o600"
    settings = load_settings(config)
    assert store_rows(settings, "select file_name, status from load_log") == [("b.csv", "loaded")]


def test_the_exit_code_is_the_worst_of_the_files(tmp_path, monkeypatch):
    config = str(write_test_config(tmp_path))
    rows_refused = [HEADER, GOOD.replace(",70,", ",700,")]
    refused = write(tmp_path, "d.csv", ["colour,size", "blue,3"])
    assert main(["--config", config, "ingest", str(write(tmp_path, "c1.csv", rows_refused))]) == 3
    assert (
        main(
            [
                "--config",
                config,
                "ingest",
                str(write(tmp_path, "c2.csv", rows_refused[:1] + [GOOD.replace(",70,", ",701,")])),
                str(refused),
            ]
        )
        == 4
    )
    break_first_file(monkeypatch)
    failing = write(tmp_path, "a.csv", [HEADER, GOOD, GOOD.replace("P1", "P2")])
    assert main(["--config", config, "ingest", str(failing), str(refused)]) == 5


def test_a_store_that_cannot_be_written_is_said_plainly(tmp_path, capsys):
    config = write_test_config(tmp_path)
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the data folder should be")
    config.write_text(config.read_text().replace(str(tmp_path / "ingest.duckdb"), str(blocker / "ingest.duckdb")))
    path = write(tmp_path, "activity.csv", [HEADER, GOOD])
    assert main(["--config", str(config), "ingest", str(path)]) == 6  # the data folder cannot be written
    err = capsys.readouterr().err.replace("\n", "")
    assert "Traceback" not in err
    assert f"Nothing was loaded: cannot open the ingest store {blocker / 'ingest.duckdb'} for writing" in err


def test_an_upload_never_shows_a_traceback(settings, tmp_path, monkeypatch):
    data = f"{HEADER}\n{GOOD}\n".encode()
    real = ingest.ingest_file

    def broken(*args, **kwargs):
        raise ValueError("something nobody foresaw")

    monkeypatch.setattr(ingest, "ingest_file", broken)
    [result] = ingest_upload("activity.csv", data, settings, rebuild=False).results
    assert result.status == "failed"
    assert result.message.startswith("activity.csv: not loaded because of an unexpected error (reference ")
    monkeypatch.setattr(ingest, "ingest_file", real)
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    blocked = replace(settings, paths=replace(settings.paths, ingest_store=str(blocker / "ingest.duckdb")))
    with pytest.raises(UploadRefused, match="cannot open the ingest store .* for writing"):
        ingest_upload("activity.csv", data, blocked, rebuild=False)
