"""Who is signed in (``st.user``), the sign-in page, and refusals on the page.

Sign-in is on when ``.streamlit/secrets.toml`` has an ``[auth]`` section (Streamlit's OpenID Connect: Entra ID,
Google or any OIDC provider). Then every page is refused to anyone not signed in, and a signed-in person's
roles come from ``[[roles.grants]]`` in asc.toml (``pipelines/access.py`` holds the rules). Without ``[auth]``
the dashboard is the local demo: no sign-in, and every page says so.
"""

from __future__ import annotations

import streamlit as st

from dashboard.shell import settings, warehouse
from dashboard.shell.audit import audit
from dashboard.shell.components import plain
from pipelines.access import DEMO, Person, may, person_for, refusal


def sign_in_on() -> bool:
    """Whether an ``[auth]`` section is configured (the deployment), rather than the local demo."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: the demo
        return False


def _groups(claim: object) -> list[str]:
    if isinstance(claim, str):
        return [claim]
    if isinstance(claim, list | tuple):
        return [str(g) for g in claim]
    return []


def _provider_contracts() -> dict[str, list[str]]:
    """Provider name (lower case) -> its contract ids, from the returns loaded."""
    try:
        contracts = warehouse().contracts()
    except Exception:  # no warehouse yet: a provider then has only the contracts its grant names
        return {}
    found: dict[str, list[str]] = {}
    for row in contracts.iter_rows(named=True):
        found.setdefault(str(row["provider"]).strip().lower(), []).append(row["contract_id"])
    return found


def current_person() -> Person | None:
    """The person using this session: DEMO without sign-in, None when sign-in is on and nobody has signed in."""
    if not sign_in_on():
        return DEMO
    if not st.user.get("is_logged_in"):
        return None
    cfg = settings()
    return person_for(
        cfg,
        str(st.user.get("email") or ""),
        str(st.user.get("name") or ""),
        _groups(st.user.get(cfg.roles.group_claim)),
        _provider_contracts(),
    )


def sign_in_page() -> None:
    """What someone not signed in sees, on every page: the council's name and a sign-in button, nothing else."""
    st.title("Adult social care commissioning")
    st.markdown(
        f"**{plain(settings().council.name)}**. This dashboard holds personal and commercially sensitive data: "
        "sign in with your council account to continue."
    )
    st.button("Sign in", type="primary", on_click=st.login, key="sign-in")
    st.stop()


def refuse(text: str) -> None:
    """Refuse what was asked, in plain words, and stop drawing the page."""
    st.error(plain(text), icon="🔒")
    st.stop()


def allowed(person: Person, action: str, contract: str | None = None, quiet: bool = False) -> bool:
    """Whether ``person`` may take ``action``; if not, the refusal is shown (unless ``quiet``) and False returned.

    A refusal shown is a refused attempt (a button pressed), so it goes into the audit trail; a quiet check only
    decides what to draw."""
    if may(person, action, contract):
        return True
    if not quiet:
        st.error(plain(refusal(action)), icon="🔒")
        audit("refused", action, person, **({"contract": contract} if contract else {}))
    return False


def person() -> Person:
    """The session's person, as the router found it (views run after it)."""
    found = st.session_state.get("_person")
    return found if isinstance(found, Person) else (current_person() or DEMO)
