"""The Streamlit app shell's shared pieces: the cached warehouse, the filters, and chart-with-table layout.

Streamlit lives here and in ``dashboard/views`` only (an import-linter contract says so). Everything
below this layer (queries, presenters, charts, the pack) is plain Python that the CLI and tests use too.
"""

from __future__ import annotations

import streamlit as st

from dashboard.queries import Warehouse
from pipelines.config import Settings, load_settings


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    return load_settings()


@st.cache_resource(show_spinner=False)
def _warehouse(settings: Settings) -> Warehouse:
    return Warehouse(settings)


def warehouse() -> Warehouse:
    """The process's one warehouse reader (it reopens the file itself after a rebuild)."""
    return _warehouse(settings())
