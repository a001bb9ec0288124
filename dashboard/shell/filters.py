"""Shared filters (locality and quarter), kept in the URL so a copied link reproduces the view.

A link whose value is not one the warehouse knows (a mistyped district, a quarter not loaded yet) says so on the
page, rather than silently showing the county or the latest quarter as if that were what was asked for.
"""

from __future__ import annotations

import streamlit as st

from dashboard.shell import warehouse
from dashboard.shell.components import plain


def from_url(name: str, options: list[str], default: str, what: str, default_words: str | None = None) -> str:
    """The URL's ``name`` parameter if it is one of ``options``; otherwise ``default``, saying so on the page."""
    value = st.query_params.get(name)
    if value is None or value in options:
        return default if value is None else value
    shown = value if len(value) <= 40 else value[:40] + "…"
    st.warning(
        f"The link asks for {what} “{plain(shown)}”, which is not one this dashboard knows, so "
        f"{plain(default_words or default)} is shown instead."
    )
    return default


def draw_filters() -> None:
    """Draw the sidebar filters; their values live in session state and the URL."""
    locs = warehouse().localities()
    codes = locs["locality_code"].to_list()
    names = dict(zip(codes, locs["locality_name"].to_list(), strict=True))
    periods = warehouse().periods()
    county = warehouse().settings.council.code

    if "locality" not in st.session_state:
        st.session_state["locality"] = from_url(
            "locality", codes, county, "the area", f"{names.get(county, county)}, the whole council"
        )
    if "period" not in st.session_state:
        st.session_state["period"] = from_url(
            "period", periods, periods[-1], "the quarter", f"the latest quarter, {periods[-1]}"
        )

    st.sidebar.selectbox(
        "Locality", codes, format_func=names.get, key="locality", help="The district to show, or the whole county."
    )
    st.sidebar.selectbox(
        "Quarter", periods[::-1], key="period", help="Financial quarter (2024/25 Q1 is April to June 2024)."
    )
    st.query_params["locality"] = st.session_state["locality"]
    st.query_params["period"] = st.session_state["period"]


def locality() -> str:
    return st.session_state.get("locality") or warehouse().settings.council.code


def period() -> str:
    return st.session_state.get("period") or warehouse().periods()[-1]


def locality_name(code: str | None = None) -> str:
    return warehouse().settings.locality_name(code or locality())


def area_codes() -> dict[str, str]:
    """Each area's name (as charts label it) to its code, for charts whose areas can be clicked."""
    locs = warehouse().localities()
    return dict(zip(locs["locality_name"].to_list(), locs["locality_code"].to_list(), strict=True))
