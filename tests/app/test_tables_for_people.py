"""Tables for people: every table on every page and every CSV or Excel download has human headings, no raw
values ("None", "nan", four decimals) and its quarters latest first."""

from __future__ import annotations

import re

import pytest

from tests.app.surfaces import PAGES, every_tab_surface
from tests.conftest import app_config

RAW_CELL = re.compile(r"^(None|nan|NaN|null|NaT|inf)$|(?<!p = )\d\.\d{3,}")  # p-values keep three decimals
QUARTER = re.compile(r"^\d{4}/\d{2} Q[1-4]$")
SPARKLINES = {"Last 8 quarters"}  # a line drawn in the cell, not text
MACHINE_HEADING = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")  # uptake_pct, dp_recipients


def _problems(table) -> list[str]:
    problems = [f"heading {c!r}" for c in table.columns if MACHINE_HEADING.match(c)]
    for row in table.rows:
        problems += [
            f"cell {cell!r} in {row}"
            for column, cell in zip(table.columns, row, strict=False)
            if RAW_CELL.search(cell) and column not in SPARKLINES
        ]
    for i, column in enumerate(table.columns):
        values = [row[i] for row in table.rows if i < len(row)]
        # History is quarterly, latest first; a projection's years run forward, as people read a plan.
        if values and all(QUARTER.match(v) for v in values) and len(set(values)) > 1:
            first, last = values[0], values[-1]
            if first < last:
                problems.append(f"{column!r} oldest first ({first} ... {last})")
    return problems


# The Data page lists rejected rows as they were sent; the Overview has tiles, not tables.
@pytest.mark.parametrize("page", [p for p in PAGES if p not in ("data.py", "overview.py")])
def test_every_table_and_download_is_written_for_people(app_env, page):
    surface = every_tab_surface(page)
    assert surface.tables, f"{page}: no tables found"
    problems = {t.where: p for t in surface.tables if (p := _problems(t))}
    assert problems == {}, "\n".join(f"{k}: {v[:6]}" for k, v in problems.items())


@pytest.fixture(scope="module")
def app_env(demo_env):
    """The demo warehouse for the AppTest pages (another module may have pointed the app at another one)."""
    with app_config(demo_env.path("warehouse").parent / "asc.toml"):
        yield demo_env
