"""Scenarios a commissioner runs, saves, shares and downloads.

- Running: the scenario engine's starting point is built once per warehouse build and every result is
  cached by its levers, so moving a lever back and forth costs nothing after the first time.
- Saving: named lever sets in the application-state database (SQLite, never the warehouse).
- Sharing: every lever is a widget bound to a URL query parameter named after it; only levers that
  differ from the baseline appear, so a link reads like ``?dp_target_on=true&dp_target_pct=30``.
- Downloading: one long table (scenario, area, year, measure, central value and ranges) as CSV or Excel, with
  small counts of people hidden by :class:`dashboard.present.disclosure.Disclosure`.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import polars as pl
import xlsxwriter

from dashboard.app_state import AppStateUnavailable, connect, ensure_table
from dashboard.exports.safe_cells import neutralise, neutralise_frame
from dashboard.present.disclosure import HIDDEN, Disclosure
from dashboard.queries import Warehouse
from models.population_projection import demand_index
from models.scenarios import MEASURES, BaseState, LeverError, Levers, ScenarioResult, base_state, run_scenario
from pipelines.config import Settings
from pipelines.registry import measure_registry

BASELINE = "Baseline"
MAX_COMPARED = 3
MAX_NAME_LENGTH = 60
ABOUT = """Figures are per financial year, at the year's end (people, hours a week, PAs) or for the whole year (cost).
Cost is in today's prices: hours a week x hourly rate x 52. Ranges hold 80% and 95% of 1,000 simulated paths.
The first years follow the statistical forecasts; later years grow with the ONS 2022-based population
projection (POPPI-style: population by age band x today's rate of support per person in need).
Demo data is synthetic: not for decisions.
See docs/model_cards/scenarios.md for the method, validation and limitations."""
TARGET_SWITCH = "dp_target_on"  # widget key of the "set a DP target" checkbox
DDL = """create table if not exists saved_scenarios (
    name text primary key,
    levers text not null,
    base_period text not null,
    saved_at text not null
)"""


# Added after the first release: who saved a scenario ('' in the demo and for older rows, which everyone sees)
# and whether it is shared (a signed-in commissioner's scenario is private until they share it).
MIGRATIONS = {
    "owner": "alter table saved_scenarios add column owner text not null default ''",
    "shared": "alter table saved_scenarios add column shared integer not null default 0",
    # Who pressed Save: the signed-in email, or "demo user" in the demo (where owner is '' for everyone).
    "saved_by": "alter table saved_scenarios add column saved_by text not null default ''",
}
DEMO_USER = "demo user"


@dataclass(frozen=True)
class SavedScenario:
    name: str
    levers: Levers
    base_period: str
    saved_at: str
    owner: str = ""
    shared: bool = False
    saved_by: str = ""

    @property
    def provenance(self) -> str:
        """Who saved it and when, in words: "saved by demo user on 6 December 2026 at 21:30 UTC"."""
        try:
            when = datetime.fromisoformat(self.saved_at).astimezone(UTC)
            on = f" on {when.day} {when:%B %Y at %H:%M} UTC"
        except ValueError:
            on = ""
        by = self.saved_by or self.owner
        return f"saved{f' by {by}' if by else ''}{on}"


class NotYours(LeverError):
    """Someone else's scenario: it cannot be overwritten, shared or deleted by this person."""


def _prepare(con) -> None:
    ensure_table(con, DDL)
    have = {row[1] for row in con.execute("pragma table_info(saved_scenarios)").fetchall()}
    for column, ddl in MIGRATIONS.items():
        if column not in have:
            con.execute(ddl)


def _owner_of(con, name: str) -> str | None:
    row = con.execute("select owner from saved_scenarios where name = ?", (name,)).fetchone()
    return None if row is None else row["owner"]


# Running -------------------------------------------------------------------------------------------


_BASES: dict[tuple[str, datetime], BaseState] = {}
_RESULTS: dict[tuple[str, datetime, str], ScenarioResult] = {}
RESULTS_KEPT = 64  # scenarios kept per process; each is a few hundred rows


def current_base(wh: Warehouse) -> BaseState:
    """Today's position, forecasts and demand index for the warehouse now being read (computed once per build)."""
    key = (str(wh.path), wh.meta().built_at)
    if key not in _BASES:
        cfg = wh.settings
        _BASES.clear()  # an older build's base is never asked for again
        _BASES[key] = base_state(
            wh.demand_base(),
            wh.chosen_forecasts(),
            demand_index(wh.demand_projection()),
            county_code=cfg.council.code,
            county_name=cfg.locality_name(cfg.council.code),
            isf_new_per_year=round(measure_registry(cfg)["new_isfs"].target),  # the plan, as the registry declares it
        )
    return _BASES[key]


def run(wh: Warehouse, levers: Levers) -> ScenarioResult:
    """The scenario's figures, computed once per warehouse build and set of levers."""
    key = (str(wh.path), wh.meta().built_at, json.dumps(levers.to_mapping(), sort_keys=True))
    if key not in _RESULTS:
        if len(_RESULTS) >= RESULTS_KEPT:
            _RESULTS.pop(next(iter(_RESULTS)))  # the oldest first
        _RESULTS[key] = run_scenario(current_base(wh), levers)
    return _RESULTS[key]


_SHOWN: dict[tuple[str, datetime, str, int], ScenarioResult] = {}


def run_shown(wh: Warehouse, levers: Levers, disclosure: Disclosure) -> ScenarioResult:
    """:func:`run`'s result as charts and tables may draw it, small counts of people hidden
    (:func:`hide_small_counts`), kept beside it: a lever change draws the baseline too, and picking another chart
    draws from the results kept."""
    key = (str(wh.path), wh.meta().built_at, json.dumps(levers.to_mapping(), sort_keys=True), disclosure.threshold)
    if key not in _SHOWN:
        if len(_SHOWN) >= RESULTS_KEPT:
            _SHOWN.pop(next(iter(_SHOWN)))  # the oldest first
        result = run(wh, levers)
        _SHOWN[key] = replace(result, table=hide_small_counts(result.table, disclosure))
    return _SHOWN[key]


# Widgets and links ---------------------------------------------------------------------------------


def widget_values(levers: Levers, target_pct: float) -> dict[str, Any]:
    """The widget values that show ``levers``: every lever, plus the DP target switch.

    With no target the switch is off and the target slider rests on the council's own target.
    """
    values = levers.to_mapping()
    values[TARGET_SWITCH] = levers.dp_target_pct is not None
    values["dp_target_pct"] = levers.dp_target_pct if levers.dp_target_pct is not None else target_pct
    return values


def levers_from_widgets(state: Mapping[str, Any], defaults: Levers) -> Levers:
    """The levers the widgets show; the DP target only counts while its switch is on."""
    values = {name: state[name] for name in Levers.names() if name in state}
    if not state.get(TARGET_SWITCH):
        values["dp_target_pct"] = None
        values.pop("dp_target_year", None)
    return Levers.from_mapping(values, defaults)


def share_query(levers: Levers, defaults: Levers, target_pct: float, view: Mapping[str, Any] | None = None) -> str:
    """The query string that reproduces ``levers`` (the widget values that differ from the baseline's), after
    ``view``: what else the sender sees (area, quarter, tab, year shown), so the link opens the same view."""
    now, base = widget_values(levers, target_pct), widget_values(defaults, target_pct)
    changed = {key: value for key, value in now.items() if value != base[key]}
    if not now[TARGET_SWITCH]:
        changed.pop("dp_target_pct", None)
    shown = {key: str(value).lower() if isinstance(value, bool) else value for key, value in changed.items()}
    return urlencode({**(view or {}), **shown})


# Saving --------------------------------------------------------------------------------------------


def clean_name(name: str) -> str:
    """A scenario name as saved, or LeverError saying what is wrong with it."""
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise LeverError("Give the scenario a name.")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise LeverError(f"Scenario names can be at most {MAX_NAME_LENGTH} characters.")
    if cleaned.casefold() == BASELINE.casefold():
        raise LeverError(f"'{BASELINE}' is always shown; choose another name.")
    return cleaned


def save(name: str, levers: Levers, base_period: str, settings: Settings, owner: str = "", saved_by: str = "") -> str:
    """Save a named scenario (or overwrite one's own); returns the name as saved.

    ``owner`` is the signed-in person ('' in the demo); ``saved_by`` who pressed Save (their email, or
    :data:`DEMO_USER` when there is no sign-in), recorded with the time. A name already used by someone else is
    refused rather than overwritten; a new scenario of a signed-in person is private until shared.
    """
    cleaned = clean_name(name)
    with connect(settings) as con:
        _prepare(con)
        existing = _owner_of(con, cleaned)
        if existing is not None and existing != owner:
            raise NotYours(f"“{cleaned}” is another person's scenario; choose another name.")
        con.execute(
            "insert into saved_scenarios (name, levers, base_period, saved_at, owner, shared, saved_by) "
            "values (?, ?, ?, ?, ?, ?, ?) "
            "on conflict (name) do update set levers = excluded.levers, base_period = excluded.base_period, "
            "saved_at = excluded.saved_at, saved_by = excluded.saved_by",
            (
                cleaned,
                json.dumps(levers.to_mapping()),
                base_period,
                datetime.now(UTC).isoformat(timespec="seconds"),
                owner,
                int(not owner),  # the demo's scenarios are everyone's
                saved_by or owner or DEMO_USER,
            ),
        )
    return cleaned


def share(name: str, shared: bool, settings: Settings, owner: str = "", administrator: bool = False) -> None:
    """Share a scenario with every signed-in colleague, or make it private again (its owner, or an administrator)."""
    with connect(settings) as con:
        _prepare(con)
        existing = _owner_of(con, name)
        if existing is None:
            raise LeverError(f"There is no saved scenario “{name}”.")
        if existing != owner and not administrator:
            raise NotYours(f"“{name}” is another person's scenario: only they can share it.")
        con.execute("update saved_scenarios set shared = ? where name = ?", (int(shared), name))


def saved(defaults: Levers, settings: Settings, viewer: str = "") -> dict[str, SavedScenario]:
    """The scenarios ``viewer`` may see (their own, shared ones, and the demo's), by name, oldest first.
    Levers saved by an older version fall back to the defaults. None saved can be read when the database cannot
    be opened (the page says so: app_state.problem)."""
    try:
        with connect(settings) as con:
            _prepare(con)
            rows = con.execute(
                "select name, levers, base_period, saved_at, owner, shared, saved_by from saved_scenarios "
                "where owner = '' or owner = ? or shared = 1 order by saved_at",
                (viewer,),
            ).fetchall()
    except AppStateUnavailable:
        rows = []
    scenarios = {}
    for row in rows:
        stored = json.loads(row["levers"])
        known = {name: value for name, value in stored.items() if name in Levers.names()}
        try:
            levers = Levers.from_mapping(known, defaults)
        except LeverError:
            continue  # a lever now out of range: skip rather than break the page
        scenarios[row["name"]] = SavedScenario(
            row["name"], levers, row["base_period"], row["saved_at"], row["owner"], bool(row["shared"]), row["saved_by"]
        )
    return scenarios


def delete(name: str, settings: Settings, owner: str = "", administrator: bool = False) -> str | None:
    """Delete a scenario (its owner, or an administrator); the levers deleted, as saved (None if already gone)."""
    with connect(settings) as con:
        _prepare(con)
        row = con.execute("select levers, owner from saved_scenarios where name = ?", (name,)).fetchone()
        if row is None:
            return None
        if row["owner"] != owner and not administrator:
            raise NotYours(f"“{name}” is another person's scenario: only they can delete it.")
        con.execute("delete from saved_scenarios where name = ?", (name,))
    return row["levers"]


# Downloads -----------------------------------------------------------------------------------------


VALUES = ("central", "lo_80", "hi_80", "lo_95", "hi_95")


ANCHORS = ("people_supported", "dp_recipients")  # the recorded counts every scenario measure is worked from


def hide_small_counts(table: pl.DataFrame, disclosure: Disclosure) -> pl.DataFrame:
    """A scenario table with the counts of people that could identify someone set to null.

    Scenario figures are modelled, but the base year repeats the recorded counts and a district's small count
    carries into the years after it. So in every count measure (people, DP recipients, ISFs, PAs and the PA
    gap, whose sign does not matter) a small value is hidden, and where the central value is hidden its
    ranges are too. Hours, shares and money are not counts of people and are kept.
    """
    # Written as column expressions: the row-by-row loop it replaces took 9 ms a table, and a lever change hid
    # the counts of seven. ``small`` is Disclosure.is_small: neither missing nor NaN, above 0 and below the threshold.
    def small(column: pl.Expr) -> pl.Expr:
        return (column.is_not_nan() & (column > 0) & (column < disclosure.threshold)).fill_null(False)

    count_measures = [name for name, (_, unit) in MEASURES.items() if unit == "count"]
    is_count = pl.col("measure").is_in(count_measures)
    # A district whose base year rests on a small count of people (or of DP recipients) carries it into every
    # later year and every measure (its DP share, cost and hours are worked from it): all its figures are hidden.
    first = table.filter(pl.col("year") == table["year"].min(), pl.col("measure").is_in(ANCHORS))
    anchored = first.filter(small(pl.col("central").cast(pl.Float64)))["locality_code"].unique().to_list()
    central = pl.col("locality_code").is_in(anchored) | (is_count & small(pl.col("central").cast(pl.Float64).abs()))
    return table.with_columns(
        pl.when(central | (is_count & small(pl.col(column).cast(pl.Float64).abs())))
        .then(None)
        .otherwise(pl.col(column).cast(pl.Float64))
        .alias(column)
        for column in VALUES
    )


def long_table(results: Mapping[str, ScenarioResult], disclosure: Disclosure) -> pl.DataFrame:
    """Every scenario's figures, rounded as shown, with small counts of people hidden (null)."""
    return neutralise_frame(
        _rounded(results, disclosure).select(
            "scenario", "locality_code", "locality_name", "year", "measure", "label", "unit", *VALUES
        )
    )


def _rounded(results: Mapping[str, ScenarioResult], disclosure: Disclosure | None) -> pl.DataFrame:
    """Every scenario's rows, small counts hidden (unless ``disclosure`` is None), rounded as shown."""
    units = {name: unit for name, (_, unit) in MEASURES.items()}
    labels = {name: label for name, (label, _) in MEASURES.items()}
    frames = [
        (result.table if disclosure is None else hide_small_counts(result.table, disclosure)).with_columns(
            scenario=pl.lit(name)
        )
        for name, result in results.items()
    ]
    table = pl.concat(frames).with_columns(
        unit=pl.col("measure").replace_strict(units), label=pl.col("measure").replace_strict(labels)
    )
    return table.with_columns(
        pl.when(pl.col("unit") == "pct").then(pl.col(c).round(1)).otherwise(pl.col(c).round(0)).alias(c) for c in VALUES
    )


# The CSV's headings as people read them (the long table's own names are for code).
CSV_HEADINGS = {
    "scenario": "Scenario",
    "locality_code": "Area code (ONS)",
    "locality_name": "Area",
    "year": "Year",
    "measure": "Measure code",
    "label": "Measure",
    "unit": "Unit",
    "central": "Central",
    "lo_80": "80% range, low",
    "hi_80": "80% range, high",
    "lo_95": "95% range, low",
    "hi_95": "95% range, high",
}


def to_csv(results: Mapping[str, ScenarioResult], disclosure: Disclosure) -> bytes:
    return long_table(results, disclosure).rename(CSV_HEADINGS).write_csv().encode("utf-8")


EXCEL_FORMATS = {"count": "#,##0", "hours": "#,##0", "pct": '0.0"%"', "gbp": '"£"#,##0'}


def to_excel(results: Mapping[str, ScenarioResult], disclosure: Disclosure, about: str) -> bytes:
    """A workbook: the levers of each scenario, every figure (numbers with display formats), and notes.

    A hidden figure reads '<5' where it is itself small and '–' where it is hidden with a small central value.
    """
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    formats = {unit: book.add_format({"num_format": pattern}) for unit, pattern in EXCEL_FORMATS.items()}

    levers = book.add_worksheet("Levers")
    levers.write_row(0, 0, ["Lever", "Unit", *[neutralise(name) for name in results]], bold)
    for row, name in enumerate(Levers.names(), start=1):
        spec = Levers.spec(name)
        levers.write_string(row, 0, spec["label"])
        levers.write_string(row, 1, spec["unit"])
        for column, result in enumerate(results.values(), start=2):
            value = getattr(result.levers, name)
            if value is None:
                levers.write_string(row, column, "none (trend)")
            elif isinstance(value, str):
                levers.write_string(row, column, value)
            else:
                levers.write_number(row, column, value)
    levers.set_column(0, 0, 34)
    levers.set_column(1, 1, 14)
    levers.set_column(2, 2 + len(results), 18)

    table = long_table(results, disclosure)
    raw = _rounded(results, None)
    sheet = book.add_worksheet("Figures")
    headers = [
        "Scenario",
        "Area code",
        "Area",
        "Year",
        "Measure",
        "Central",
        "80% low",
        "80% high",
        "95% low",
        "95% high",
    ]
    sheet.write_row(0, 0, headers, bold)
    rows = zip(table.iter_rows(named=True), raw.iter_rows(named=True), strict=True)
    for row, (record, unhidden) in enumerate(rows, start=1):
        for column, key in enumerate(("scenario", "locality_code", "locality_name", "year", "label")):
            sheet.write_string(row, column, record[key])
        for column, key in enumerate(VALUES, start=5):
            if record[key] is None:
                small = disclosure.is_small(abs(unhidden[key]))
                sheet.write_string(row, column, disclosure.marker if small else HIDDEN)
            else:
                sheet.write_number(row, column, record[key], formats[record["unit"]])
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, 0, 22)
    sheet.set_column(2, 2, 24)
    sheet.set_column(4, 4, 46)
    sheet.set_column(5, 9, 13)

    notes = book.add_worksheet("About")
    notes.set_column(0, 0, 110)
    for row, line in enumerate(about.splitlines()):
        notes.write_string(row, 0, neutralise(line))
    book.close()
    return buffer.getvalue()
