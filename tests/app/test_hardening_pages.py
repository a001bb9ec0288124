"""Hardening as a user meets it: a page that fails says so in a sentence with a reference (no traceback, no
path), and a shared link with a value the dashboard does not know says so instead of silently showing the county."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from pipelines.config import PROJECT_ROOT
from pipelines.errors import LOG_NAME

APP = str(PROJECT_ROOT / "dashboard" / "app.py")


def texts(at: AppTest) -> list[str]:
    return [e.value for kind in ("markdown", "caption", "error", "warning", "info", "success") for e in at.get(kind)]


def test_a_failing_page_shows_a_sentence_with_a_reference_and_logs_the_traceback(demo_env, monkeypatch):
    import dashboard.pack  # noqa: F401  (imported first, so nothing binds the broken function for later tests)
    import dashboard.present.direct_payments as direct_payments

    def broken(*args, **kwargs):
        raise RuntimeError(f"secret detail from {demo_env.path('warehouse')}")

    monkeypatch.delenv("ASC_RAISE_PAGE_ERRORS")
    monkeypatch.setattr(direct_payments, "uptake_summary", broken)
    at = AppTest.from_file(APP, default_timeout=60).run()

    assert not at.exception
    shown = "\n".join(texts(at))
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "Something went wrong" in errors[0], errors
    reference = re.search(r"reference (\d{8}-\d{6}-[0-9a-f]{6})", errors[0]).group(1)
    for leak in ("Traceback", "RuntimeError", "secret detail", str(PROJECT_ROOT), "/tmp", ".py"):
        assert leak not in shown
    log = (demo_env.path("ingest_store").parent / "logs" / LOG_NAME).read_text()
    assert f"reference {reference}" in log and "RuntimeError: secret detail" in log


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [("locality", "E07999999", "the area"), ("period", "2031/32 Q9", "the quarter")],
)
def test_a_link_with_an_unknown_value_says_so(demo_env, name, value, words):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params[name] = value
    at.run()
    assert not at.exception
    warning = next(w.value for w in at.warning if "The link asks for" in w.value)
    assert f"{words} “{value}”" in warning and "is shown instead" in warning
    shown_locality = at.sidebar.selectbox[0].value
    assert shown_locality == demo_env.council.code


def test_a_link_to_an_unknown_contract_says_so_on_the_provider_page(demo_env):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["contract"] = "NO-SUCH-CONTRACT"
    at.run()
    at.switch_page("views/provider_kpis.py").run()
    assert not at.exception
    assert any("the contract “NO-SUCH-CONTRACT”" in w.value for w in at.warning)


def test_a_known_value_in_a_link_is_shown_without_a_warning(demo_env):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["locality"] = "E07000010"
    at.run()
    assert not at.exception
    assert not [w.value for w in at.warning if "The link asks for" in w.value]
    assert at.sidebar.selectbox[0].value == "E07000010"
