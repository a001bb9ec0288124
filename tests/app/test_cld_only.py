"""A council with only its CLD return (no KPI returns, surveys or PA register yet): the build works and every page
renders, and a page drawing on a file not loaded says which, with that file's blank template to download."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from pipelines.build import build_warehouse
from pipelines.config import PROJECT_ROOT, load_settings
from pipelines.ingest import ingest_paths
from tests.app.surfaces import TABS
from tests.conftest import app_config, write_test_config
from tests.unit.test_cld_ingest import R2_ROWS, SPACED, write_csv

APP = str(PROJECT_ROOT / "dashboard" / "app.py")
PAGES = sorted(p.name for p in (PROJECT_ROOT / "dashboard" / "views").glob("*.py") if p.name != "__init__.py")


@pytest.fixture(scope="module")
def cld_only(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cld_only")
    config = write_test_config(folder)
    settings = load_settings(config)
    inbox = settings.path("inbox")
    inbox.mkdir(parents=True)
    write_csv(inbox / "cld_2024_25_q4.csv", SPACED, R2_ROWS)
    [result] = ingest_paths([inbox], settings)
    assert (result.source, result.rows_loaded) == ("cld", 2)
    build_warehouse(settings)
    with app_config(config):  # the dashboard (AppTest) reads the same settings, its caches cleared both ways
        yield settings


def run_page(page: str, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page != "overview.py":
        at.switch_page(f"views/{page}").run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]  # "could not be shown in full" is an st.error
    return at


def missing_notice(at: AppTest) -> str | None:
    found = [i.value for i in at.info if i.value.startswith("Not loaded yet:")]
    assert len(found) <= 1
    return found[0] if found else None


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_from_a_cld_only_warehouse(cld_only, page):
    run_page(page)


@pytest.mark.parametrize(("page", "tab"), [(page, tab) for page, tabs in TABS.items() for tab in tabs])
def test_every_tab_renders_from_a_cld_only_warehouse(cld_only, page, tab):
    run_page(page, tab=tab)


def test_a_page_says_which_files_are_missing_and_offers_their_templates(cld_only):
    at = run_page("workforce.py")
    assert missing_notice(at) == (
        "Not loaded yet: Personal Assistant register (pa\\_register) and provider KPI returns (kpi\\_returns). The "
        "figures on this page that come from them show as no data (or 0) until a file is loaded on the Data page; "
        "the blank template for each is below."
    )
    templates = {b.label for b in at.get("download_button") if b.label.startswith("Template:")}
    assert templates == {"Template: Personal Assistant register", "Template: provider KPI returns"}
    # The direct payments page has its people from the CLD return: only the KPI returns are missing there.
    assert missing_notice(run_page("direct_payments.py")).startswith(
        "Not loaded yet: provider KPI returns (kpi\\_returns). The figures on this page that come from it"
    )
    assert missing_notice(run_page("glossary.py")) is None
