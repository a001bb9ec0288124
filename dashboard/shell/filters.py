"""Shared filters (locality and quarter), kept in the URL so a copied link reproduces the view."""

from __future__ import annotations

import streamlit as st

from dashboard.shell import warehouse


def _from_url(name: str, options: list[str], default: str) -> str:
    value = st.query_params.get(name)
    return value if value in options else default


def draw_filters() -> None:
    """Draw the sidebar filters; their values live in session state and the URL."""
    locs = warehouse().localities()
    codes = locs["locality_code"].to_list()
    names = dict(zip(codes, locs["locality_name"].to_list(), strict=True))
    periods = warehouse().periods()
    county = warehouse().settings.council.code

    if "locality" not in st.session_state:
        st.session_state["locality"] = _from_url("locality", codes, county)
    if "period" not in st.session_state:
        st.session_state["period"] = _from_url("period", periods, periods[-1])

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
