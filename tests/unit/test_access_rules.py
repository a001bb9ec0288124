"""The access rules on their own: grants from the settings file, and what each role may do."""

from __future__ import annotations

import pytest

from pipelines.access import DEMO, AccessRefused, check_provider_upload, may, may_open_page, person_for, require
from pipelines.config import ConfigError, load_settings
from tests.support.grants import grants_toml

GRANTS = grants_toml(
    {"role": "contract_manager", "emails": ["Manager@Council.example"], "contracts": ["HC-01"]},
    {"role": "commissioner", "groups": ["grp-commissioners"]},
    {"role": "provider", "emails": ["returns@care.example"], "provider": "Care Ltd"},
)


@pytest.fixture
def settings(tmp_path):
    path = tmp_path / "asc.toml"
    path.write_text(GRANTS)
    return load_settings(path)


def test_grants_match_email_ignoring_case_and_group_claims(settings):
    manager = person_for(settings, "manager@council.example", "M")
    assert manager.roles == {"contract_manager"} and manager.contracts == {"HC-01"}
    planner = person_for(settings, "p@council.example", "P", ["grp-commissioners"])
    assert planner.roles == {"commissioner"}
    assert person_for(settings, "nobody@x.example").roles == set()


def test_contract_managers_write_notes_for_their_contracts_only(settings):
    manager = person_for(settings, "manager@council.example")
    assert may(manager, "write_note", "HC-01") and not may(manager, "write_note", "HC-02")
    assert may(manager, "read_contract", "HC-02")  # reading every scorecard is fine
    assert not may(manager, "upload") and not may(manager, "save_scenario") and not may(manager, "see_audit")
    with pytest.raises(AccessRefused, match="Only the contract manager"):
        require(manager, "write_note", "HC-02")


def test_a_provider_sees_its_own_contracts_and_two_pages_only(settings):
    provider = person_for(settings, "returns@care.example", provider_contracts={"care ltd": ["HC-07"]})
    assert provider.contracts == {"HC-07"} and provider.only_provider
    assert may(provider, "read_contract", "HC-07") and not may(provider, "read_contract", "HC-01")
    assert [p for p in ("overview", "provider_kpis", "data", "demand_scenarios") if may_open_page(provider, p)] == [
        "provider_kpis",
        "data",
    ]
    assert may(provider, "upload") and not may(provider, "see_rejects") and not may(provider, "download_pack")


def test_a_providers_upload_must_name_its_own_contracts_and_name(settings):
    provider = person_for(settings, "returns@care.example", provider_contracts={"care ltd": ["HC-07"]})
    header = "contract_id,provider,period,kpi_code,numerator,denominator,value,comment\n"
    check_provider_upload(provider, "mine.csv", (header + "HC-07,Care Ltd,2024/25 Q1,K1,1,2,,\n").encode())
    with pytest.raises(AccessRefused, match="HC-01, which are not yours"):
        check_provider_upload(
            provider,
            "x.csv",
            (header + "HC-07,Care Ltd,2024/25 Q1,K1,1,2,,\nHC-01,Care Ltd,2024/25 Q1,K1,1,2,,\n").encode(),
        )
    with pytest.raises(AccessRefused, match="names another provider"):
        check_provider_upload(provider, "x.csv", (header + "HC-07,Other Care,2024/25 Q1,K1,1,2,,\n").encode())
    with pytest.raises(AccessRefused, match="no contract_id column"):
        check_provider_upload(provider, "x.csv", b"pa_id,locality_code\nP1,E07000008\n")


def test_the_demo_may_use_every_council_feature():
    assert DEMO.demo and all(may(DEMO, a) for a in ("upload", "save_scenario", "see_audit", "download_pack"))
    assert may(DEMO, "write_note", "ANY")


def test_an_unknown_role_in_the_settings_file_is_refused(tmp_path):
    path = tmp_path / "asc.toml"
    path.write_text('[[roles.grants]]\nrole = "superuser"\nemails = ["a@b.c"]\n')
    with pytest.raises(ConfigError, match="unknown role 'superuser'"):
        load_settings(path)
