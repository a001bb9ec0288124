"""Sign-in through a real OpenID Connect provider, in Chromium, as each role.

The test starts oidc-provider-mock on a free port with a user per role (e-mail, name and a ``groups`` claim),
writes a ``.streamlit/secrets.toml`` whose ``[auth]`` section points at it and an ``asc.toml`` with
``[[roles.grants]]`` for the demo's temporary data folder, and serves the dashboard once for every role. Each
role signs in through the provider's own form (the redirect, the code exchange and the ID token are real),
does what it may and is refused what it may not, and signs out. Refusals are checked where the action happens:
the button is there and pressing it is refused in plain words.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from oidc_provider_mock import run_server_in_thread
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from dashboard import review_actions, scenario_store
from pipelines.config import load_settings
from tests.e2e.conftest import wait_until_idle
from tests.support.dashboard_server import free_port, served_dashboard
from tests.support.grants import one_person_per_role
from tests.support.pages import PAGE_PATHS

SHOTS = Path(os.environ.get("ASC_SHOTS", Path(__file__).parent / "screenshots"))
PAGES = PAGE_PATHS
USERS = {
    "councillor@council.example": ("Cllr Jones", []),
    "manager@council.example": ("Sam Manager", ["contract-managers"]),
    "planner@council.example": ("Pat Planner", ["commissioners"]),
    "colleague@council.example": ("Chris Colleague", ["commissioners"]),
    "data@council.example": ("Dee Data", []),
    "admin@council.example": ("Ann Admin", ["asc-admins"]),
    "returns@provider.example": ("Provider Returns", []),
}
LOCK = "🔒"


@pytest.fixture(scope="module")
def contracts(warehouse):
    """(first contract, its provider) and a contract of another provider."""
    rows = warehouse.sql(
        "select contract_id, arg_max(provider, sort_key) from mart_kpi_return_status group by 1 order by 1"
    ).fetchall()
    first, provider = rows[0]
    other = next(c for c, p in rows if p != provider)
    own = sorted(c for c, p in rows if p == provider)
    return first, provider, other, own


@pytest.fixture(scope="module")
def oidc():
    """The identity provider, with each user's claims (the groups claim is what asc.toml's grants match)."""
    with run_server_in_thread() as server:
        url = f"http://localhost:{server.server_port}"
        for email, (name, groups) in USERS.items():
            response = httpx.put(f"{url}/users/{quote(email)}", json={"email": email, "name": name, "groups": groups})
            assert response.status_code == 204
        yield url


@pytest.fixture(scope="module")
def signed_in_app(demo_env, contracts, oidc, tmp_path_factory):
    """The dashboard with sign-in on: one server for every role."""
    first, provider, _, _ = contracts
    folder = tmp_path_factory.mktemp("sign_in")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    secrets = folder / ".streamlit" / "secrets.toml"
    secrets.parent.mkdir()
    secrets.write_text(
        f"""[auth]
redirect_uri = "{url}/oauth2callback"
cookie_secret = "a-test-cookie-secret-long-enough-to-sign"
client_id = "asc-dashboard"
client_secret = "any-secret-the-mock-accepts"
server_metadata_url = "{oidc}/.well-known/openid-configuration"
"""
    )
    config = folder / "asc.toml"
    config.write_text(Path(os.environ["ASC_CONFIG"]).read_text() + one_person_per_role(first, provider, by_group=True))
    with served_dashboard(
        folder / "streamlit.log", port, env={"ASC_CONFIG": str(config)}, extra=("--secrets.files", str(secrets))
    ) as served:
        yield served, load_settings(config)


@pytest.fixture()
def context(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    yield context
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def sign_in(context, url: str, email: str):
    """Through the provider's form, as a person would: the dashboard's button, the provider, back signed in."""
    page = context.new_page()
    page.goto(url)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_placeholder("sub").fill(email)
    page.get_by_role("button", name="Authorize", exact=True).click()
    expect(page.get_by_text(f"Signed in: {USERS[email][0]}")).to_be_visible(timeout=60_000)
    wait_until_idle(page)
    return page


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    # Streamlit ends the session at the provider too (RP-initiated logout); the mock asks to confirm.
    page.get_by_role("button", name="End session").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Signed in:")).to_have_count(0)


def open_page(page, url: str, path: str, **query) -> None:
    address = f"{url}/{path}" + ("?" + "&".join(f"{k}={quote(v)}" for k, v in query.items()) if query else "")
    page.goto(address)
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    wait_until_idle(page)


def refusals(page) -> list[str]:
    """The lock-marked refusals on the page, as text."""
    alerts = page.locator('[data-testid="stAlertContentError"]')
    return [" ".join(a.inner_text().split()) for a in alerts.all()]


def test_nobody_signed_in_is_refused_every_page(signed_in_app, context, contracts):
    url, _ = signed_in_app
    page = context.new_page()
    for path in PAGES:
        open_page(page, url, path, contract=contracts[0])
        expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=60_000)
        expect(page.get_by_text("sign in with your council account to continue")).to_be_visible()
        # No data at all: no figure, table, chart, menu, filter or contract.
        for selector in ("stMetric", "stDataFrame", "stPlotlyChart", "stSidebarNav", "stSelectbox", "stTable"):
            expect(page.locator(f'[data-testid="{selector}"]')).to_have_count(0)
        body = page.locator("body").inner_text()
        assert contracts[0] not in body and contracts[1] not in body and "Synthetic demo data" not in body, path
        assert "Demo mode" not in body
    open_page(page, url, "")
    shot(page, "sign_in_page")


def test_a_committee_member_reads_but_cannot_upload_or_write_notes(signed_in_app, context, contracts):
    url, settings = signed_in_app
    first = contracts[0]
    page = sign_in(context, url, "councillor@council.example")
    expect(page.get_by_text("Signed in: Cllr Jones (committee member)")).to_be_visible()
    expect(page.locator('[data-testid="stMetric"]').first).to_be_visible()

    open_page(page, url, "data")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": b"pa_id,locality_code\nP1,E07000008\n"}]
    )
    page.get_by_role("button", name="Check and load").click()
    wait_until_idle(page)
    expect(page.get_by_text("Only data officers, administrators and providers")).to_be_visible()
    expect(page.get_by_text("Rejected rows can quote raw values")).to_be_visible()  # and no rejected rows table
    shot(page, "refused_upload")

    notes_before = len(review_actions.actions_for_quarter(settings, first, "2024/25 Q4"))
    open_page(page, url, "provider_kpis", contract=first, period="2024/25 Q4")
    page.get_by_label("Agreed actions").fill("Councillor's own action")
    page.get_by_role("button", name="Save note").click()
    wait_until_idle(page)
    refused = page.get_by_text("Only the contract manager assigned to this contract (or an administrator)")
    expect(refused).to_be_visible()
    refused.scroll_into_view_if_needed()
    shot(page, "refused_note")
    assert len(review_actions.actions_for_quarter(settings, first, "2024/25 Q4")) == notes_before
    sign_out(page)


def test_a_contract_manager_writes_an_action_on_an_assigned_contract_only(signed_in_app, context, contracts):
    url, settings = signed_in_app
    first, _, other, _ = contracts
    page = sign_in(context, url, "manager@council.example")

    open_page(page, url, "provider_kpis", contract=other, period="2024/25 Q4")
    page.get_by_label("Agreed actions").fill("Not my contract")
    page.get_by_role("button", name="Save note").click()
    wait_until_idle(page)
    expect(page.get_by_text("Only the contract manager assigned to this contract")).to_be_visible()
    assert "Not my contract" not in review_actions.actions_for_quarter(settings, other, "2024/25 Q4")["action"]

    open_page(page, url, "provider_kpis", contract=first, period="2024/25 Q4")
    page.get_by_label("Agreed actions").fill("Recovery plan for missed visits")
    page.get_by_role("textbox", name="Action owner").fill("Priya Shah")
    page.get_by_role("button", name="Save note").click()
    wait_until_idle(page)
    expect(page.get_by_text("Note saved for")).to_be_visible()
    stored = review_actions.actions_for_quarter(settings, first, "2024/25 Q4").to_dicts()
    assert [(a["action"], a["owner"], a["due_date"], a["created_by"]) for a in stored][-1] == (
        "Recovery plan for missed visits",
        "Priya Shah",
        "2025-06-30",  # the end of the next quarter unless changed
        "Sam Manager",
    )
    # Listed on the page with its owner, due date and status, carried into the next quarter's review.
    heading = page.get_by_role("heading", name="Actions to follow up, 2024/25 Q4")
    table = page.locator('[data-testid="stDataFrame"]').filter(has_text="Recovery plan for missed visits").last
    expect(table).to_contain_text("Priya Shah")
    expect(table).to_contain_text("30 Jun 2025")
    expect(table).to_contain_text("2024/25 Q4 (this review)")
    heading.evaluate("e => e.scrollIntoView({block: 'start'})")
    shot(page, "actions_list")
    page.set_viewport_size({"width": 800, "height": 1100})
    wait_until_idle(page)
    heading.evaluate("e => e.scrollIntoView({block: 'start'})")
    shot(page, "actions_list_800")
    sign_out(page)


def choose_saved_scenario(page, name: str, attempts: int = 3) -> None:
    """Pick ``name`` in the "Saved scenario" box by clicking its option, as a user does.

    The choice has landed when the caption names it. On a loaded machine a rerun still under way can put the
    first-listed scenario (another test's shared one, with "Make private" in the button's place) back, or redraw the
    box and close its open list under the click, so the pick is made again (from a closed box) until the caption
    shows it."""
    caption = page.get_by_text(f"“{name}” was saved by")
    for attempt in range(attempts):
        wait_until_idle(page)
        try:
            # Typing filters the list (it draws only the options in view), then the option itself is clicked.
            page.get_by_role("combobox", name="Saved scenario", exact=True).click(timeout=15_000)
            page.keyboard.type(name)
            page.get_by_role("option", name=name, exact=True).click(timeout=15_000)
            wait_until_idle(page)
            expect(caption).to_be_visible(timeout=20_000)
            return
        except (AssertionError, PlaywrightTimeoutError):
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")


def test_a_commissioners_scenario_is_private_until_shared(signed_in_app, browser, context):
    url, settings = signed_in_app
    name = "Planner's private plan (browser)"  # test_roles.py shares its own in this store
    page = sign_in(context, url, "planner@council.example")
    open_page(page, url, "demand_scenarios")
    page.get_by_role("tab", name="Scenario", exact=True).click()
    wait_until_idle(page)
    field = page.get_by_label("Scenario name")
    field.fill(name)
    field.press("Enter")
    wait_until_idle(page)
    page.get_by_role("button", name="Save scenario").click()
    expect(page.get_by_text("private to you until you share it")).to_be_visible(timeout=60_000)

    other = browser.new_context(viewport={"width": 1400, "height": 1100})
    try:
        colleague = sign_in(other, url, "colleague@council.example")
        assert name not in scenario_store.saved(scenario_store.Levers(), settings, "colleague@council.example")
        open_page(colleague, url, "demand_scenarios")
        colleague.get_by_role("tab", name="Compare scenarios", exact=True).click()
        wait_until_idle(colleague)
        expect(colleague.get_by_text(name)).to_have_count(0)

        page.get_by_role("tab", name="Compare scenarios", exact=True).click()
        wait_until_idle(page)
        page.get_by_text("Load or delete a saved scenario").click()
        wait_until_idle(page)
        # Other tests' shared scenarios are in the same store (and listed first): pick the planner's own.
        choose_saved_scenario(page, name)
        page.get_by_role("button", name="Share with colleagues").click()
        wait_until_idle(page)
        colleague.reload()
        wait_until_idle(colleague)
        colleague.get_by_role("tab", name="Compare scenarios", exact=True).click()
        wait_until_idle(colleague)
        colleague.get_by_text("Load or delete a saved scenario").click()
        wait_until_idle(colleague)
        # Who saved it, in the list and the caption: plain text (a word joiner after the "@" stops Markdown making a
        # mailto link of it), read as the address.
        panel = colleague.get_by_role("tabpanel", name="Compare scenarios")
        expect(panel.get_by_text(re.compile("saved by planner@\u2060?council\\.example", re.I)).first).to_be_visible()
        expect(panel.locator('a[href^="mailto:"]')).to_have_count(0)
        sign_out(colleague)
    finally:
        other.close()
    sign_out(page)


def test_a_data_officer_sees_rejected_rows_and_data_quality(signed_in_app, context):
    url, _ = signed_in_app
    page = sign_in(context, url, "data@council.example")
    open_page(page, url, "data")
    expect(page.get_by_role("heading", name="Rejected rows")).to_be_visible()
    expect(page.get_by_role("heading", name="CLD data quality")).to_be_visible()
    expect(page.get_by_text("Rejected rows can quote raw values")).to_have_count(0)
    expect(
        page.get_by_text(re.compile(r"rows? rejected, ")).or_(page.get_by_text("No rows have been rejected."))
    ).to_be_visible()
    assert not [r for r in refusals(page) if LOCK in r]
    sign_out(page)


def test_an_administrator_sees_every_page_and_the_audit_trail(signed_in_app, context):
    url, _ = signed_in_app
    page = sign_in(context, url, "admin@council.example")
    for path in PAGES:
        open_page(page, url, path)
        expect(page.get_by_text("Signed in: Ann Admin (administrator)")).to_be_visible()
        assert not refusals(page), (path, refusals(page))
    open_page(page, url, "audit")
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()
    sign_out(page)


def test_a_provider_sees_only_its_own_contracts(signed_in_app, context, contracts):
    url, _ = signed_in_app
    first, _, other, own = contracts
    page = sign_in(context, url, "returns@provider.example")
    open_page(page, url, "provider_kpis")
    contract_box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Contract").first
    contract_box.click()
    options = [" ".join(o.inner_text().split()) for o in page.get_by_role("option").all()]
    page.keyboard.press("Escape")
    assert sorted(o.split(" – ")[0] for o in options) == own

    open_page(page, url, "provider_kpis", contract=other)
    expect(page.get_by_text("You can see your own contracts' scorecards only")).to_be_visible()
    expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(0)
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(0)
    shot(page, "provider_refused_other_contract")

    open_page(page, url, "workforce")
    expect(page.get_by_text("This page is for council staff.")).to_be_visible()
    page.get_by_role("link", name="Overview").click()  # within the session: refused, not moved
    wait_until_idle(page)
    expect(page.get_by_text("This page is for council staff.")).to_be_visible()
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(0)
    sign_out(page)
