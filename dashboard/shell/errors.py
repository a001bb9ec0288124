"""Errors on a page: a plain sentence with a reference number; the traceback goes to the error log only.

``client.showErrorDetails = "none"`` (``.streamlit/config.toml``) stops Streamlit sending tracebacks; the router
catches what a page raises and shows :func:`show_unexpected` instead, and messages from below the dashboard pass
through :func:`for_page`, which leaves a file's name but never a server path.
"""

from __future__ import annotations

import re

import streamlit as st

from pipelines.config import Settings
from pipelines.errors import record_unexpected

# An absolute path (or ~/...) up to the next space, quote, comma, semicolon or bracket.
_PATH = re.compile(r"(?<![\w.~])~?(?:/[^\s/'\",;()\[\]]+)+/?")


def for_page(message: str) -> str:
    """``message`` with each server path cut to its last part (a file's name says enough; a folder does not)."""
    return _PATH.sub(lambda m: m.group(0).rstrip("/").rsplit("/", 1)[-1], message)


def unexpected_sentence(reference: str) -> str:
    return (
        "Something went wrong and this page could not be shown in full. Nothing you entered has been lost. "
        f"If it happens again, tell the data team and quote reference {reference}."
    )


def show_unexpected(exc: BaseException, settings: Settings | None, doing: str) -> str:
    """Log ``exc`` with its traceback and show the user a plain sentence with its reference; the reference."""
    reference, _ = record_unexpected(exc, settings, doing)
    st.error(unexpected_sentence(reference))
    return reference
