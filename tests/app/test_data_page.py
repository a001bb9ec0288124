"""The Data page (AppTest): load history, rejected rows and their filters, uploads, templates.

The page runs against a small warehouse of its own, because an upload rebuilds the warehouse.
"""

from __future__ import annotations

import time

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from pipelines.config import PROJECT_ROOT, load_settings
from pipelines.ingest import ingest_paths
from tests.conftest import write_test_config
from tests.unit.test_ingest import GOOD, HEADER, build, warehouse_rows, write

PAGE = str(PROJECT_ROOT / "dashboard" / "views" / "data.py")


@pytest.fixture()
def data_env(tmp_path, monkeypatch):
    config = write_test_config(tmp_path)
    monkeypatch.setenv("ASC_CONFIG", str(config))
    settings = load_settings(config)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write(inbox, "activity.csv", [HEADER, GOOD, GOOD.replace("P1", "P2"), GOOD.replace(",70,", ",700,")])
    write(
        inbox, "pa_register.csv", ["pa_id,locality_code,registered_date,on_payroll", "PA1,E07000008,2024-01-01,maybe"]
    )
    ingest_paths([inbox], settings)
    build(settings, monkeypatch)
    st.cache_resource.clear()  # settings and connections cached for another test's warehouse
    st.cache_data.clear()
    yield settings
    st.cache_resource.clear()
    st.cache_data.clear()


def run_page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_history_and_rejects_are_the_warehouse_s_own(data_env):
    at = run_page()
    ((files, rows, rejected),) = warehouse_rows(
        data_env,
        "select count(*) filter (status like 'loaded%' and rows_loaded > 0), sum(rows_loaded), sum(rows_rejected) "
        "from load_log",
    )
    assert (files, rows, rejected) == (1, 2, 2)  # the register's only row was refused: nothing loaded from it
    assert (metric(at, "Files loaded"), metric(at, "Rows loaded"), metric(at, "Rows rejected")) == ("1", "2", "2")
    history = at.dataframe[0].value
    assert dict(history[["file_name", "status"]].values.tolist()) == {
        "activity.csv": "Loaded, with some rows rejected",
        "pa_register.csv": "Nothing loaded: every row was rejected",
    }
    rejects = at.dataframe[1].value
    assert rejects[["file_name", "row_number", "column_name", "value"]].values.tolist() == [
        ["pa_register.csv", 2, "on_payroll", "maybe"],
        ["activity.csv", 4, "age", "700"],
    ]
    assert "2 rows rejected, 2 problems in all." in [c.value for c in at.caption][1]
    assert at.get("download_button")[0].proto.label == "Download rejected rows (CSV)"


def test_rejects_filter_by_file_and_source(data_env):
    at = run_page()
    at.multiselect[0].select("activity.csv").run()
    assert at.dataframe[1].value["file_name"].tolist() == ["activity.csv"]
    at.multiselect[0].unselect("activity.csv").run()
    at.multiselect[1].select("pa_register").run()
    assert at.dataframe[1].value["reason"].tolist() == ["on_payroll should be true or false"]


def test_an_upload_is_checked_loaded_and_shown_at_once(data_env):
    at = run_page()
    lines = [HEADER, GOOD.replace("P1", "P9"), GOOD.replace("P1", "P10").replace("2024-04-01", "2099-01-01")]
    at.file_uploader[0].set_value(("new extract.csv", ("\n".join(lines) + "\n").encode(), "text/csv"))
    at.form_submit_button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert [w.value for w in at.warning] == ["**new extract.csv** as activity: Loaded, with some rows rejected."]
    assert "The warehouse has been rebuilt: every page now includes this file." in [s.value for s in at.success]
    assert (metric(at, "Rows read"), metric(at, "Rows loaded"), metric(at, "Rows rejected")) == ("2", "1", "1")
    first = at.dataframe[0].value  # this upload's first problems
    assert first.values.tolist() == [[3, "start_date", "2099-01-01", "start_date is in the future"]]
    # The history and totals below come from the rebuilt warehouse.
    assert metric(at, "Files loaded") == "2"  # activity twice; the fixture's register loaded nothing
    assert at.dataframe[1].value["file_name"].tolist()[0] == "new extract.csv"
    assert warehouse_rows(data_env, "select count(*) from raw_activity") == [(3,)]


def test_a_refused_upload_says_why_and_changes_nothing(data_env):
    at = run_page()
    at.file_uploader[0].set_value(("report.csv", b"PK\x03\x04 a zip really", "text/csv"))
    at.form_submit_button[0].click().run()
    assert [e.value for e in at.error] == ["Not loaded: report.csv is not a text (CSV) file"]
    assert metric(at, "Files loaded") == "1"


def test_an_upload_with_every_row_refused_still_shows_in_history_and_rejects(data_env):
    at = run_page()
    lines = ["pa_id,locality_code,registered_date,on_payroll", "PA9,E07000099,2024-02-30,yes"]
    at.file_uploader[0].set_value(("register.csv", ("\n".join(lines) + "\n").encode(), "text/csv"))
    at.form_submit_button[0].click().run()
    assert "Nothing was loaded; the load history and rejected rows below include this file." in [
        i.value for i in at.info
    ]
    assert "**register.csv** as pa_register: Nothing loaded: every row was rejected." in [e.value for e in at.error]
    history = at.dataframe[1].value
    assert history[["file_name", "status"]].values.tolist()[0] == [
        "register.csv",
        "Nothing loaded: every row was rejected",
    ]
    assert metric(at, "Files loaded") == "1"  # both registers are in the history, but nothing loaded from them
    rejects = at.dataframe[2].value
    assert rejects.loc[rejects["file_name"] == "register.csv", ["column_name", "value"]].values.tolist() == [
        ["locality_code", "E07000099"],
        ["registered_date", "2024-02-30"],
    ]


def test_templates_with_column_guides_for_every_source(data_env):
    at = run_page()
    template = at.selectbox(key="template_source")
    assert template.options[-2:] == ["ascof_published", "population_projection"]
    guide = at.dataframe[-1].value
    assert guide["column"].tolist()[:2] == ["episode_id", "person_id"]
    template.set_value("kpi_returns").run()
    guide = at.dataframe[-1].value
    assert guide.loc[guide["column"] == "period", "type"].item().startswith("financial quarter, as 2024/25 Q1")
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[-3:] == ["CSV template", "Excel template with column guide", "Column guide (CSV)"]


def _upload(at: AppTest, name: str, lines: list[str], resubmission: bool = False) -> AppTest:
    at.file_uploader[0].set_value((name, ("\n".join(lines) + "\n").encode(), "text/csv"))
    if resubmission:
        next(c for c in at.checkbox if c.label.startswith("This file replaces earlier ones")).check()
    at.form_submit_button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def wait_for_background_upload(at: AppTest, seconds: float = 120) -> list[str]:
    """Rerun the page (as its fragment does every second) until the background job has ended; the progress seen."""
    seen, deadline = [], time.monotonic() + seconds
    while "upload_job" in at.session_state and time.monotonic() < deadline:
        seen += [i.value for i in at.info if "is being loaded in the background" in i.value]
        time.sleep(0.5)
        at.run()
        assert not at.exception, [e.message for e in at.exception]
    assert "upload_job" not in at.session_state, "the background upload did not finish"
    return seen


def test_a_resubmission_shows_what_it_changes_before_it_is_accepted(data_env):
    at = run_page()
    # The fixture loaded P1 and P2 (and refused a row); the resubmission keeps P1, drops P2 and adds P3.
    at = _upload(at, "activity again.csv", [HEADER, GOOD, GOOD.replace("P1", "P3")], resubmission=True)
    assert "What this resubmission would change" in [h.value for h in at.subheader]
    shown = (metric(at, "Rows added"), metric(at, "Rows changed"), metric(at, "Rows withdrawn"))
    assert shown + (metric(at, "Rows unchanged"),) == ("1", "0", "1", "1")
    sample = at.dataframe[0].value
    assert sample["change"].tolist() == ["added", "withdrawn (no longer in the file)"]
    assert "locality_code: E07000008" in sample["what"].tolist()[0]
    # Nothing is loaded until it is accepted.
    assert warehouse_rows(data_env, "select count(*) from load_log") == [(2,)]
    next(b for b in at.button if b.label == "Accept and load this resubmission").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert "What this resubmission changed" in [h.value for h in at.subheader]
    assert "The warehouse has been rebuilt: every page now includes this file." in [s.value for s in at.success]
    people = warehouse_rows(data_env, "select person_id from stg_activity order by 1")
    assert len(people) == 2  # P1 and P3; P2 withdrawn
    assert warehouse_rows(data_env, "select count(*) from withdrawals") == [(1,)]


def test_a_large_upload_is_loaded_in_the_background_with_progress(data_env):
    config = data_env.path("app_state").parent / "asc.toml"
    config.write_text("background_upload_kb = 0\n" + config.read_text())  # every upload counts as large here
    st.cache_resource.clear()
    at = run_page()
    at = _upload(at, "big extract.csv", [HEADER, GOOD.replace("P1", "P9")])
    assert "upload_job" in at.session_state  # handed over: the page's render did not load it
    seen = wait_for_background_upload(at)
    assert seen and "is being loaded in the background" in seen[0]
    assert [s.value for s in at.success][:1] == ["**big extract.csv** as activity: Loaded."]
    assert "The warehouse has been rebuilt: every page now includes this file." in [s.value for s in at.success]
    assert metric(at, "Files loaded") == "2"
    assert warehouse_rows(data_env, "select count(*) from stg_activity") == [(3,)]


def test_a_possibly_partial_cld_return_loads_with_a_warning_not_a_success(data_env, monkeypatch):
    from tests.unit.test_cld_ingest import write_csv
    from tests.unit.test_cld_partial_return import HEADER as CLD_HEADER
    from tests.unit.test_cld_partial_return import rows

    (first,) = ingest_paths([write_csv(data_env.path("inbox") / "cld_q4.csv", CLD_HEADER, rows(10))], data_env)
    build(data_env, monkeypatch)
    at = run_page()
    body = "\n".join(",".join(r) for r in [CLD_HEADER, *rows(3)]) + "\n"
    at.file_uploader[0].set_value(("cld top up.csv", body.encode(), "text/csv"))
    at.form_submit_button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert [w.value for w in at.warning][:1] == [
        "**cld top up.csv** as cld: Loaded. Possibly a partial return: 3 rows for the reporting period 1 April 2023 "
        f"to 31 March 2024, against 10 in cld\\_q4.csv (load {first.load_id}), the fullest return loaded for the "
        "same period; if it is a top-up or part of the return, the quarters it covers will be counted from it "
        "alone: send the whole return again, or remove this file (asc purge --file 'cld top up.csv')."
    ]
    assert not any("cld top up.csv" in s.value for s in at.success)
