"""The audit trail from the pages: one row per action, written where the action happens.

Every call goes through ``pipelines.audit.record`` with the session's person (their name or e-mail when signed in,
"demo user" in the demo). Downloads are recorded when someone actually takes the file, not when the button is
drawn: by the button's ``on_click`` (:func:`on_download`) for a file made with the page, and inside the maker for
a file made when the button is pressed (:func:`made_on_click`).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from functools import partial

import streamlit as st

from dashboard.shell import settings
from pipelines import audit as trail
from pipelines.access import DEMO, Person

DEMO_ACTOR = "demo user"
_log = logging.getLogger("asc.audit")


def _session_person() -> Person:
    """The person the router found for this session (``dashboard.shell.access`` imports this module, so the
    session state is read here rather than through it)."""
    found = st.session_state.get("_person")
    return found if isinstance(found, Person) else DEMO


def actor(who: Person | None = None) -> str:
    """Who the trail names: the signed-in person, or 'demo user' without sign-in."""
    who = who or _session_person()
    return who.author or DEMO_ACTOR


def audit(action: str, subject: str = "", who: Person | None = None, **detail) -> None:
    """Append one row for this session's person. A trail that cannot be written (the app-state folder read-only,
    say) must not break the page the person is using: it goes to the error log, loudly, instead."""
    try:
        trail.record(settings(), actor(who), action, subject, **detail)
    except (sqlite3.Error, OSError) as exc:
        _log.error("The audit trail could not be written (%s %s by %s): %s", action, subject, actor(who), exc)


def on_download(file_name: str, action: str = "export_download", **detail) -> partial:
    """A download button's ``on_click``: one audit row naming the file, when the file is taken."""
    return partial(audit, action, file_name, **detail)


def made_on_click(make: Callable[[], bytes | str], file_name: str, action: str = "export_download", **detail):
    """A download button's data, made when the button is pressed, that records one audit row once made.

    Such a button must not rerun the page on click (``on_click="ignore"``): a rerun forgets the file the browser
    is about to fetch, so a file that takes seconds to make (the KPI PDF) never arrives. The maker runs on another
    thread, outside the session, so the person and the settings are taken now, while the page is drawn.
    """
    who, config = _session_person(), settings()

    def made() -> bytes | str:
        data = make()
        try:
            trail.record(config, actor(who), action, file_name, **detail)
        except (sqlite3.Error, OSError) as exc:
            _log.error("The audit trail could not be written (%s %s by %s): %s", action, file_name, actor(who), exc)
        return data

    return made


def sign_in_once(who: Person) -> None:
    """A sign-in is recorded at the first render of a signed-in session, with the roles found. Every new tab or
    reload is a new Streamlit session on the same sign-in, so the identity provider's token issue time (``iat``)
    tells a new sign-in from the same one seen again."""
    if st.session_state.get("_sign_in_audited"):
        return
    st.session_state["_sign_in_audited"] = True
    issued = st.user.get("iat")
    if isinstance(issued, int | float):
        try:
            if trail.signed_in_before(settings(), who.email, int(issued)):
                return
        except (sqlite3.Error, OSError):
            pass  # then the row below is tried, and its failure logged
        audit("sign_in", who.email, who, name=who.name, roles=sorted(who.roles), token_issued_at=int(issued))
    else:
        audit("sign_in", who.email, who, name=who.name, roles=sorted(who.roles))
