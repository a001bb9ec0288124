"""The Streamlit app shell's shared pieces: the cached warehouse, the filters, and chart-with-table layout.

Streamlit lives here and in ``dashboard/views`` only (an import-linter contract says so). Everything
below this layer (queries, presenters, charts, the pack) is plain Python that the CLI and tests use too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from dashboard.charts import use_product_template
from dashboard.queries import Warehouse
from pipelines.config import Settings, load_settings
from pipelines.permissions import owner_only, tighten_all

T = TypeVar("T")
_log = logging.getLogger("asc.dashboard")
use_product_template()  # importing Streamlit made its own Plotly template the default, whatever was imported first


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    """The settings, read once per process; the process's first act is to make its files owner-only."""
    loaded = load_settings()
    owner_only()
    for change in tighten_all(loaded):
        _log.warning("Made owner-only at start-up: %s", change.describe())
    return loaded


# Keyed by the settings object itself, not its contents: Streamlit hashed the whole Settings on every call, 5% of a
# Provider KPIs page's CPU under load (py-spy, issue 16). ``settings()`` hands every caller the one object until
# its cache is cleared (tests that change the settings file clear it), and a new object gets a new warehouse.
@st.cache_resource(show_spinner=False, hash_funcs={Settings: id})
def _warehouse(settings: Settings) -> Warehouse:
    return Warehouse(settings)


def warehouse() -> Warehouse:
    """The process's one warehouse reader (it reopens the file itself after a rebuild)."""
    return _warehouse(settings())


def per_build(present: Callable[..., T], *args) -> T:
    """A presenter's output for these filters, computed once per warehouse build and shared by every session.

    Views only read what presenters return (st.plotly_chart copies a figure as it sends it), so sharing is safe;
    the committee pack calls presenters afresh, since it draws on its charts.
    """
    wh = warehouse()
    return wh.memo((present.__module__, present.__qualname__, args), lambda: present(wh, *args))
