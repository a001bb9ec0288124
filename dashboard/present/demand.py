"""Demand and scenarios: forecasts with their tested accuracy, population-driven demand, and what-if scenarios.

Used by the Demand and scenarios page and the committee pack's demand outlook, so the two say the same
thing in the same words. Forecasts, projections and scenarios are modelled figures, not counts of people;
what they rest on is not: the recorded history, today's counts by age band and a scenario's base year. Those
go through :class:`~dashboard.present.disclosure.Disclosure` before any sentence, table or figure is made,
and a projection or rate resting on a hidden count is hidden with it. A forecast of a count of people is
hidden where it is small too, as the same-quarter-last-year guess repeats the recorded counts.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import polars as pl

from dashboard import scenario_store
from dashboard.charts import demand as demand_charts
from dashboard.formatting import by_unit, change_by_unit, count, gbp, pct
from dashboard.present.blocks import Chart, Metric, Note, Paragraph, Table
from dashboard.present.demand_path import DemandPath, demand_path
from dashboard.present.direct_payments import judged
from dashboard.present.disclosure import HIDDEN, Disclosure
from dashboard.present.shown_quarter import shown_quarter
from dashboard.queries import Warehouse
from models.periods import fy_label
from models.population_projection import UNPLACED
from models.scenarios import MEASURES, BaseState, Levers, ScenarioResult, compare

# What can be forecast: label, the y-axis title, the unit in table headings, and whether it counts people.
FORECASTS: dict[str, tuple[str, str, str, bool]] = {
    "people_supported": ("People in long-term community support", "People", "people", True),
    "weekly_hours": ("Planned hours of care a week", "Hours a week", "hours a week", False),
    "dp_recipients": ("People taking a direct payment", "People", "people", True),
    "referrals_received": ("Referrals received in the quarter", "Referrals a quarter", "referrals", True),
    "active_pas": ("Active Personal Assistants on the register", "Personal Assistants", "PAs", True),
}
PATH_MEASURE = "people_supported"  # the measure the demand path (forecast, then population-driven) follows
MODEL_NAMES = {"seasonal_naive": "Same quarter last year", "naive": "Last quarter", "ets": "ETS", "sarimax": "SARIMAX"}
FAN_EXPLAINED = (
    "The dashed line is the forecast; the dark band holds 80% of likely values and the light band 95%. "
    "The dotted grey line repeats the same quarter of last year: the simple guess every model must beat."
)
# Where the population comes from: an ONS projection where one ships or was loaded, else a trend of the ONS
# mid-year estimates every council has (stg_population_projection's projection_basis).
POPULATION_BASIS = {
    "ons": "ONS 2022-based subnational projections, real data",
    "trend": "a trend of ONS mid-year estimates 2015-2020, real data; no ONS projection for this area is loaded",
}
PROJECTION_EXPLAINED = (
    "Population ({basis}) times today’s rate of support per person in "
    "need, by age band; for people aged 65+, need is the population weighted by the POPPI prevalence of needing help "
    "with at least one self-care task."
)
RATES_EXPLAINED = (
    "Under-65 rates are per head of the population under 65 (all ages minus 65+, children included). Rates come "
    "from the activity data, which in this demo is synthetic."
)
ALL_ADULTS = "All adults"
# The scenario's headline figures. Short labels: five side by side must fit; the definitions are in their help.
HEADLINES = {
    "people_supported": "People supported",
    "weekly_hours": "Hours a week",
    "dp_share_pct": "DP uptake",
    "pa_gap": "PA workforce gap",
    "cost_gbp": "Cost a year",
}
COMPARED_MEASURES = ["cost_gbp", "people_supported", "pa_gap", "dp_share_pct", "weekly_hours", "pas_expected"]
SCENARIO = "This scenario"
# The Scenario tab's charts, one shown at a time (the reader picks it): each measure's fan by its name on the page,
# with the chart's own name (its key, its table's download). One chart to redraw on a lever's key press, not four.
SCENARIO_CHARTS = {
    "People supported": ("people_supported", "fan_people"),
    "DP uptake": ("dp_share_pct", "fan_dp"),
    "Cost a year": ("cost_gbp", "fan_cost"),
    "Personal Assistants": ("pas_needed", "fan_pas"),
}
FANS_EXPLAINED = "Lines are central values; shaded bands hold 80% of the simulated outcomes (1,000 paths)."
POPULATION_VARIANTS = {"projection": "ONS 2022-based projection", "no_growth": "No growth after the forecast"}


def missing_tables(wh: Warehouse) -> str | None:
    """What to say when the warehouse was built before forecasting was added (None when it was not)."""
    missing = wh.missing_demand_tables()
    if not missing:
        return None
    return f"This warehouse was built before forecasting was added ({', '.join(missing)} missing): run `asc build`."


# --- Forecasts ---------------------------------------------------------------------------------------------------


@dataclass
class Forecast:
    """One series' forecast a year ahead, in words, a fan chart with its table, and the backtest behind it."""

    measure: str
    label: str
    sentence: Paragraph  # the forecast a year ahead with its ranges, against the latest recorded value
    metric: Metric | None = None
    accuracy: Paragraph | None = None  # the backtest in plain words
    start_note: Note | None = None  # forecasts start from the latest quarter loaded, not the quarter chosen
    chart: Chart | None = None  # its table: recorded and forecast quarters, latest first
    next_year: Table | None = None  # the next four quarters
    model_note: Note | None = None
    backtest: Table | None = None  # each candidate model's tested accuracy
    path: Paragraph | None = None  # people supported: the one demand path, in the same words on every tab


def accuracy_sentence(metrics: pl.DataFrame, what: str) -> str:
    """The backtest in plain words: interval hit rate and the gain over a same-quarter-last-year guess.

    Parameters
    ----------
    metrics : polars.DataFrame
        ``fct_forecast_metrics`` rows of one series (``model, mase, coverage_80, coverage_95, origins, chosen``).
    what : str
        What is forecast, for example "people in long-term community support".
    """
    chosen = metrics.filter(pl.col("chosen"))
    if chosen.is_empty() or not chosen["origins"][0]:
        return f"There is too little history to test the forecast of {what}; treat it as a rough guide."
    row = chosen.row(0, named=True)
    baseline = metrics.filter(pl.col("model") == "seasonal_naive").row(0, named=True)
    held_out = "held out" in (row.get("note") or "")
    how = (
        "quarters the model was not chosen on"
        if held_out
        else "quarters that also chose the model, so these figures flatter it"
    )
    tested = (
        f"Tested on the last {row['origins']} {how} (forecasting up to a year ahead from each), the "
        f"forecast of {what} was within its 80% range {pct(100 * row['coverage_80'], 0)} of the time and within "
        f"its 95% range {pct(100 * row['coverage_95'], 0)}."
    )
    if row["model"] == "seasonal_naive":
        return f"{tested} No model beat a same-quarter-last-year guess, so that guess is the forecast."
    if not (math.isfinite(baseline["mase"]) and baseline["mase"] > 0 and math.isfinite(row["mase"])):
        return tested
    gain = 100 * (1 - row["mase"] / baseline["mase"])
    return f"{tested} On average its error was {pct(gain, 0)} smaller than a same-quarter-last-year guess."


def _backtest_table(metrics: pl.DataFrame, label: str, area: str) -> Table:
    def share(value: float | None) -> str:
        return HIDDEN if value is None or math.isnan(value) else pct(100 * value, 0)

    return Table(
        f"How each model did in the backtest: {label[0].lower()}{label[1:]}, {area}",
        ["Model", "MASE (lower is better)", "Within 80% range", "Within 95% range", "Quarters tested", "Chosen"],
        [
            [
                MODEL_NAMES.get(r["model"], r["model"]),
                HIDDEN if r["mase"] is None or not math.isfinite(r["mase"]) else f"{r['mase']:.2f}",
                share(r["coverage_80"]),
                share(r["coverage_95"]),
                count(r["origins"]),
                "Yes" if r["chosen"] else "No",
            ]
            for r in metrics.iter_rows(named=True)
        ],
        numeric=[False, True, True, True, True, False],
    )


def forecast(wh: Warehouse, code: str, period: str, area: str, measure: str = "people_supported") -> Forecast:
    """The forecast of one series for one area: the page's Forecasts tab and the pack's forecast."""
    label, axis, unit, personal = FORECASTS[measure]
    what = label[0].lower() + label[1:]
    disclosure = Disclosure(wh.settings.suppression_threshold)
    recorded = wh.demand_history(measure, code)
    forecasts = wh.forecasts(measure, code)
    chosen = forecasts.filter(pl.col("role") == "chosen")
    if chosen.is_empty() or recorded.is_empty():
        return Forecast(measure, label, Paragraph(f"No forecast of {what} is available for {area}."))
    if personal and disclosure.any_small(recorded["value"].tail(4).to_list()):
        # A forecast starting from a small count is that count give or take: none is shown for the area.
        return Forecast(
            measure,
            label,
            Paragraph(f"Too few {what} in {area} to show a forecast without giving small numbers away."),
        )
    # The recorded history is counted, not modelled: its small counts are hidden before anything is drawn. So are
    # small forecasts of a count of people: the same-quarter-last-year guess repeats the recorded counts.
    fmt = disclosure.count if personal else count

    def hide(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
        if not personal:
            return frame
        return frame.with_columns(
            pl.Series(c, disclosure.counts_for_chart(frame[c].to_list()), dtype=pl.Float64) for c in columns
        )

    def roughly(value: float) -> str:
        small = personal and disclosure.is_small(value)
        return f"fewer than {disclosure.threshold}" if small else f"about {count(value)}"

    def span(low: float, high: float) -> str:
        return f"{fmt(low)} to {fmt(high)}"

    own_model = chosen
    path = demand_path(wh, code, area) if measure == PATH_MEASURE else None
    if path is not None and not path.small and path.rows.height:
        # People supported follow the one demand path: the forecast, then population-driven (as the scenarios do).
        chosen = path.until(path.scenario_end).select(
            pl.lit("chosen").alias("role"),
            "period",
            "mean",
            "lo_80",
            "hi_80",
            "lo_95",
            "hi_95",
            "source",
            # The county's path adds up its districts' forecasts, each from its own chosen model.
            pl.lit("sum of district forecasts" if code == wh.settings.council.code else own_model["model"][0]).alias(
                "model"
            ),
            pl.lit(own_model["note"][0]).alias("note"),
        )
        forecasts = pl.concat([chosen, forecasts.filter(pl.col("role") == "baseline")], how="diagonal_relaxed")
    as_recorded = [fmt(v) for v in recorded["value"].to_list()]
    last_period = recorded["period"][-1]
    ahead = chosen.row(min(3, chosen.height - 1), named=True)
    sentence = Paragraph(
        f"The forecast for {ahead['period']} is {roughly(ahead['mean'])} {what} in {area} (80% range "
        f"{span(ahead['lo_80'], ahead['hi_80'])}; 95% range {span(ahead['lo_95'], ahead['hi_95'])}), against "
        f"{as_recorded[-1]} in {last_period}.",
        emphasis=True,
    )
    baseline = dict(
        zip(*forecasts.filter(pl.col("role") == "baseline").select("period", "mean").to_dict().values(), strict=True)
    )
    forecast_rows = [
        [
            r["period"],
            "",
            fmt(r["mean"]),
            span(r["lo_80"], r["hi_80"]),
            span(r["lo_95"], r["hi_95"]),
            fmt(baseline[r["period"]]) if r["period"] in baseline else "",
        ]
        for r in chosen.iter_rows(named=True)
    ]
    recorded_rows = [[p, v, "", "", "", ""] for p, v in zip(recorded["period"], as_recorded, strict=True)]
    model = chosen["model"][0]
    headers = ["Quarter", f"Recorded ({unit})", f"Forecast ({unit})", "80% range", "95% range"]
    headers.append("Same quarter last year (baseline)")
    joint = None
    if "source" in chosen.columns:
        joint = path.joint_period
        headers[2] = f"Forecast, then population-driven ({unit})"
        basis = {"forecast": "Forecast", "population": "Population-driven"}
        forecast_rows = [row + [basis[s]] for row, s in zip(forecast_rows, chosen["source"], strict=True)]
        recorded_rows = [row + ["Recorded"] for row in recorded_rows]
        headers.append("Basis")
    chart = Chart(
        demand_charts.forecast_fan(
            hide(recorded, ["value"]),
            hide(forecasts, ["mean", "lo_80", "hi_80", "lo_95", "hi_95"]),
            f"{label}, {area}: recorded and forecast",
            axis,
            joint=joint,
        ),
        f"Line chart of {what} in {area}, recorded from {recorded['period'][0]} to {last_period} and forecast to "
        f"{chosen['period'][-1]} with 80% and 95% ranges. {sentence.text}",
        height=280,
        name=f"forecast_{measure}_{code}",
        how_to_read=FAN_EXPLAINED,
        table=Table(
            f"{label}, {area}: recorded and forecast ({MODEL_NAMES.get(model, model)})",
            headers,
            (recorded_rows + forecast_rows)[::-1],
            numeric=[False, True, True, True, True, True, False][: len(headers)],
        ),
    )
    next_year = Table(
        f"Forecast of {what} for the next four quarters, {area}",
        ["Quarter", f"Forecast ({unit})", "80% range", "95% range"],
        [row[:1] + row[2:5] for row in forecast_rows[:4]][::-1],
        numeric=[False, True, True, True],
    )
    metrics = wh.forecast_metrics(measure, code)
    return Forecast(
        measure,
        label,
        sentence,
        metric=Metric(
            f"{label}, forecast for {ahead['period']}",
            fmt(ahead["mean"]),
            help="The chosen model's central forecast, a year after the latest quarter loaded.",
        ),
        accuracy=Paragraph(accuracy_sentence(metrics, what)),
        start_note=(
            Note(f"Forecasts start from the latest quarter loaded, {last_period}, not from {period}.")
            if period != last_period
            else None
        ),
        chart=chart,
        next_year=next_year,
        model_note=_model_note(
            chosen["note"][0],
            own_model,
            ahead["period"],
            path if joint is not None and code == wh.settings.council.code else None,
            recorded,
            fmt,
        ),
        backtest=_backtest_table(metrics, label, area),
        path=path.sentence if path is not None else None,
    )


def _model_note(
    note: str | None, own_model: pl.DataFrame, period: str, summed: DemandPath | None, recorded: pl.DataFrame, fmt
) -> Note | None:
    """The model's notes; where the path sums the districts' forecasts (the county's people), also what a model of
    the county total alone says, and who is in the county's count but in no district's, so nothing is hidden."""
    parts = [f"Model notes: {note}."] if note else []
    own = own_model.filter(pl.col("period") == period)
    if summed is not None and own.height:
        parts.append(
            "The county's forecast is the sum of its districts' forecasts, so that it matches the scenarios and the "
            f"population-driven demand; a model of the county total alone gives {fmt(own['mean'][0])} for {period} "
            "(its backtest is below)."
        )
        unplaced = recorded["value"][-1] - summed.rows["mean"][0]
        if round(unplaced) > 0:
            parts.append(
                f"The districts' forecasts start from the {fmt(summed.rows['mean'][0])} people placed in a district "
                f"in {summed.base_period}; the county's recorded {fmt(recorded['value'][-1])} include people placed "
                "in none."
            )
    return Note(" ".join(parts)) if parts else None


# --- Population-driven demand ------------------------------------------------------------------------------------


@dataclass
class Projection:
    """Expected people needing support to 2040: headline figures, the sentence, the chart and the rates behind it."""

    first_year: int
    metrics: list[Metric]  # expected now, in 2031 and in 2040 (with the growth on now)
    growth_65: Metric | None  # growth in people aged 65+ from now to 2031 (ONS, real data)
    sentence: Paragraph
    chart: Chart  # its table: population and expected people by year and age band, latest first
    rates: Table  # service-use rates by area and age band
    rates_note: Note
    path: Paragraph | None = None  # the one demand path, in the same words as the other tabs


def _hidden_cells(disclosure: Disclosure, people: Mapping[tuple[str, str], float]) -> set[tuple[str, str]]:
    """Which district x age band counts to hide: the small ones, then, round by round, the next smallest in any
    district or age band where a single hidden count could be worked out from the total shown beside it (the
    district's people supported; the county's count in that band)."""
    hidden = {cell for cell, value in people.items() if disclosure.is_small(value)}
    changed = bool(hidden)
    while changed:
        changed = False
        for axis in (0, 1):
            groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
            for cell in people:
                groups[cell[axis]].append(cell)
            for cells in groups.values():
                if sum(cell in hidden for cell in cells) == 1:
                    shown = sorted((cell for cell in cells if cell not in hidden), key=people.__getitem__)
                    if shown:
                        hidden.add(shown[0])
                        changed = True
    return hidden


def _band_label(band: str) -> str:
    return "Aged 18-64" if band == "18-64" else band


def projection(wh: Warehouse, code: str, area: str) -> Projection | None:
    """Population-driven demand for one area (the county sums its districts); None if there is no projection."""
    cfg = wh.settings
    disclosure = Disclosure(cfg.suppression_threshold)
    # the county counts the people CLD cannot place in a district, as the Overview does
    areas = [*cfg.locality_codes, UNPLACED] if code == cfg.council.code else [code]
    full = wh.demand_projection()
    rates = wh.service_use_rates()
    # Today's counts by district and band are recorded people: hidden (with secondary suppression against the
    # district and band totals) across every district, so the same cells are hidden whichever area is shown.
    hidden = _hidden_cells(
        disclosure, {(r["area_code"], r["age_band"]): r["people"] for r in rates.iter_rows(named=True)}
    )
    hidden_bands = {band for district, band in hidden if district in areas} if len(areas) == 1 else set()
    projection = full.filter(pl.col("area_code").is_in(areas))
    if projection.is_empty():
        return None
    by_band = (
        projection.group_by("projection_year", "age_band")
        .agg(pl.col("population").sum(), pl.col("expected_people").sum(), pl.col("people_in_need_65_plus").sum())
        .sort("projection_year", "age_band")
    )
    totals = dict(by_band.group_by("projection_year").agg(pl.col("expected_people").sum()).iter_rows())
    first = min(totals)
    last = max(totals)
    # The figures follow the one demand path (the forecast to its joint, population-driven after): each year's
    # bands are scaled so that they add up to the path at that year's end, and the totals are the path's.
    path = demand_path(wh, code, area)
    if path.rows.height:
        scale = {year: path.year_end(year)["mean"] / total if total else 1.0 for year, total in totals.items()}
        by_band = by_band.with_columns(
            pl.col("expected_people") * pl.col("projection_year").replace_strict(scale, return_dtype=pl.Float64)
        )
        totals = {year: path.year_end(year)["mean"] for year in totals}
    later = [year for year in (2031, 2040) if year in totals]
    need = dict(
        by_band.filter(pl.col("age_band") != "18-64")
        .group_by("projection_year")
        .agg(pl.col("people_in_need_65_plus").sum())
        .iter_rows()
    )
    population = wh.population("65+").filter(pl.col("area_code").is_in(areas))
    trend = "projection_basis" in population.columns and "trend" in population["projection_basis"].to_list()
    basis = POPULATION_BASIS["trend" if trend else "ons"]
    pop = dict(population.group_by("projection_year").agg(pl.col("population").sum()).iter_rows())
    now = totals[first]  # today's people supported, recorded
    small = disclosure.is_small(now)

    def expected(year: int) -> str:
        return HIDDEN if small else count(totals[year])

    metrics = [
        Metric(
            f"Where the path starts, {path.base_period}",
            disclosure.count(now),
            help="People in long-term community support placed in a district at the latest quarter loaded.",
        )
    ] + [
        Metric(
            f"Expected at the end of {fy_label(year)}",
            expected(year),
            delta=None if small or not now else pct(100 * (totals[year] / now - 1)),
            help=f"The demand path at the end of {fy_label(year)}. Under the figure: the growth on {path.base_period}.",
        )
        for year in later
    ]
    growth_65 = None
    if first in pop and 2031 in pop:
        growth_65 = Metric(
            f"Growth in people aged 65+, {first} to 2031",
            pct(100 * (pop[2031] / pop[first] - 1)),
            help=f"Population: {basis}.",
        )
    growth = (
        f"The number of people aged 65 and over in {area} is projected to grow {growth_65.value} from {first} to "
        f"2031 ({basis}). "
        if growth_65
        else ""
    )
    if small:
        supported = f"Too few people are supported in {area} today to project their number (small numbers). "
    else:
        supported = (
            f"Following the forecast to {path.joint_period} and then supporting the same share of people in need, "
            f"{area} would have "
            + " and ".join(
                f"about {count(totals[y])}"
                + (" people in long-term community support" if i == 0 else "")
                + f" at the end of {fy_label(y)}"
                for i, y in enumerate(later)
            )
            + f", against {count(now)} in {path.base_period}. "
        )
    in_need = (
        f"People aged 65+ estimated to need help with at least one self-care task: {count(need[first])} in {first}, "
        f"{count(need[last])} in {last}."
        if first in need and last in need
        else ""
    )
    sentence = Paragraph((growth + supported + in_need).strip())

    # Chart and table: each band's line, hidden where it rests on a hidden count; the total, unless small.
    bands = sorted(set(by_band["age_band"]))
    lines = pl.concat(
        [
            by_band.group_by("projection_year")
            .agg(pl.col("population").sum(), pl.col("expected_people").sum())
            .with_columns(age_band=pl.lit(ALL_ADULTS), hidden=pl.lit(small)),
            by_band.select("projection_year", "population", "expected_people", "age_band").with_columns(
                hidden=pl.col("age_band").is_in(list(hidden_bands))
            ),
        ]
    )
    lines = lines.with_columns(
        year=pl.concat_str(  # 2031 -> "2031/32", as fy_label writes it
            pl.col("projection_year").cast(pl.String),
            pl.lit("/"),
            ((pl.col("projection_year") + 1) % 100).cast(pl.String).str.zfill(2),
        ),
        series=pl.col("age_band").replace(dict(zip(bands, map(_band_label, bands), strict=True))),
        expected_people=pl.when(pl.col("hidden")).then(None).otherwise(pl.col("expected_people")),
        order=pl.col("age_band").replace_strict({ALL_ADULTS: 0} | {b: i + 1 for i, b in enumerate(bands)}),
    ).sort("order", "projection_year")
    chart = Chart(
        demand_charts.projection_chart(lines, f"Expected people needing support by age band, {area}"),
        f"Line chart of the expected number of people needing support in {area} by age band, {fy_label(first)} to "
        f"{fy_label(last)}." + ("" if small else f" {supported.strip()}"),
        height=280,
        name=f"demand_projection_{code}",
        how_to_read=PROJECTION_EXPLAINED.format(basis=basis),
        table=Table(
            f"Population and expected people needing support by age band, {area}",
            ["Financial year", "Age band", "Population (ONS, mid-year)", "Expected people needing support (year end)"],
            [
                [r["year"], r["series"], count(r["population"]), HIDDEN if r["hidden"] else count(r["expected_people"])]
                for r in lines.sort(["projection_year", "order"], descending=[True, False]).iter_rows(named=True)
            ],
            numeric=[False, False, True, True],
        ),
    )
    names = dict(zip(full["area_code"], full["area_name"], strict=True))
    rate_rows = []
    for r in rates.filter(pl.col("area_code").is_in(areas)).iter_rows(named=True):
        people = r["people"]
        if (r["area_code"], r["age_band"]) in hidden:
            people_text = disclosure.marker if disclosure.is_small(people) else HIDDEN
            per_1000 = per_100 = HIDDEN
        else:
            people_text, per_1000 = count(people), f"{r['per_1000_population']:,.1f}"
            per_100 = f"{100 * r['per_person_in_need']:.1f}"
        rate_rows.append(
            [
                names.get(r["area_code"], r["area_code"]),
                _band_label(r["age_band"]),
                people_text,
                count(r["population"]),
                per_1000,
                per_100,
            ]
        )
    rates_table = Table(
        f"Service-use rates behind the projection, {area}",
        ["Area", "Age band", "People supported", "Population (ONS)", "Per 1,000 population", "Per 100 people in need"],
        rate_rows,
        numeric=[False, False, True, True, True, True],
    )
    return Projection(first, metrics, growth_65, sentence, chart, rates_table, Note(RATES_EXPLAINED), path.sentence)


# --- Today's demand: the page's first figures --------------------------------------------------------------------


@dataclass(frozen=True)
class DemandNow:
    metrics: list[Metric]
    note: str  # why the figures are for an earlier quarter than the one chosen (ShownQuarter.note); '' if not


def demand_now(wh: Warehouse, code: str, period: str, growth_65: Metric | None) -> DemandNow:
    """People in long-term community support, their planned hours and annualised cost in the quarter (or the latest
    before it with figures, saying so), and the growth in people 65+."""
    disclosure = Disclosure(wh.settings.suppression_threshold)
    history = wh.service_demand(code).filter(pl.col("people_supported").is_not_null())
    quarter = shown_quarter(history, period, "demand figures")
    none = {"people_supported": None, "weekly_hours": None, "annual_cost_gbp": None}
    now = history.filter(pl.col("period") == quarter.shown).row(0, named=True) if quarter.shown else none
    small = disclosure.is_small(now["people_supported"])
    metrics = [
        Metric(
            f"People in long-term community support, {quarter.shown or period}",
            disclosure.count(now["people_supported"]),
        ),
        Metric("Planned hours of care a week", HIDDEN if small else count(now["weekly_hours"])),
        Metric(
            "Planned cost of that support a year",
            HIDDEN if small else gbp(now["annual_cost_gbp"]),
            help="The weekly cost of the services open at the quarter's end, times 52: Client Level Data's Unit "
            "Cost by its Cost Frequency (hourly and daily costs times Planned units per week).",
        ),
    ]
    return DemandNow(metrics + ([growth_65] if growth_65 else []), quarter.note)


# --- Scenarios ---------------------------------------------------------------------------------------------------


def _unit(measure: str) -> str:
    return {"pct": "percent"}.get(MEASURES[measure][1], MEASURES[measure][1])


def figure(measure: str, value: float | None, disclosure: Disclosure) -> str:
    """A scenario figure as shown: a small count of people as '<5'; the PA gap as '120 short' or '80 spare'."""
    if value is None or math.isnan(value):
        return HIDDEN
    unit = _unit(measure)
    if unit == "count" and disclosure.is_small(abs(value)):
        shown = disclosure.marker
    elif unit in ("count", "hours"):
        shown = count(abs(value) if measure == "pa_gap" else value)
    else:
        shown = by_unit(value, unit)
    if measure == "pa_gap":
        return f"{shown} {'short' if value > 0 else 'spare'}"
    return shown


def change(measure: str, value: float, base: float, disclosure: Disclosure) -> str:
    """A scenario's difference from another in the measure's unit; not shown where either count is hidden
    (with the other figure beside it, the difference would give the hidden one away)."""
    unit = _unit(measure)
    if unit == "count" and (disclosure.is_small(abs(value)) or disclosure.is_small(abs(base))):
        return HIDDEN
    return change_by_unit(value - base, "count" if unit == "hours" else unit)


@dataclass(frozen=True)
class ScenarioSetup:
    """What the scenario widgets start from: the engine's base, the baseline levers and the years to choose."""

    base: BaseState
    defaults: Levers
    target_pct: float  # the council's DP uptake target, where the target slider rests
    target: str  # that target in words, with its date, direction and amber tolerance
    years: list[str]  # the base year and the ten after it
    widget_defaults: dict[str, Any]
    intro: Paragraph


def scenario_setup(wh: Warehouse, code: str, period: str) -> ScenarioSetup:
    base = scenario_store.current_base(wh)
    judgement = judged(wh, code, period, "dp_uptake_pct")
    target_pct = judgement.spec.target
    years = [f"{base.base_year + k}/{(base.base_year + k + 1) % 100:02d}" for k in range(11)]
    return ScenarioSetup(
        base=base,
        defaults=base.defaults,
        target_pct=target_pct,
        target=f"The council's target for direct payment uptake: {judgement.target}.",
        years=years,
        widget_defaults=scenario_store.widget_values(base.defaults, target_pct),
        intro=Paragraph(
            f"A scenario starts from {base.base_period} and runs ten years. The baseline continues today's trends "
            "with the rates and flows seen in the data; move the levers to see what changes. Every figure carries an "
            "80% range from the forecasts' uncertainty."
        ),
    )


def about(wh: Warehouse) -> str:
    """The notes sheet of a scenario workbook: what the figures are, how they are made, what is hidden."""
    start = f"{wh.settings.council.name}: demand scenario from {scenario_store.current_base(wh).base_period}."
    return f"{start}\n{scenario_store.ABOUT}\n{Disclosure(wh.settings.suppression_threshold).note}"


def with_range(result: ScenarioResult, code: str, year: str, measure: str, disclosure: Disclosure) -> tuple[str, str]:
    """A scenario figure and its 80% range as shown ('4,718', '4,513 to 4,932'); a small count of people hides
    its range with it, as the downloads do."""
    value = result.value(code, year, measure)
    low, high = (figure(measure, result.value(code, year, measure, c), disclosure) for c in ("lo_80", "hi_80"))
    if MEASURES[measure][1] == "count" and disclosure.is_small(abs(value)):
        return figure(measure, value, disclosure), HIDDEN
    return figure(measure, value, disclosure), f"{low} to {high}"


def scenario_sentence(
    result: ScenarioResult, baseline: ScenarioResult, code: str, year: str, area: str, disclosure: Disclosure
) -> str:
    """People, cost and PA gap in one year, with the 80% range, and the difference from the baseline."""
    people, people_range = with_range(result, code, year, "people_supported", disclosure)
    cost, cost_range = with_range(result, code, year, "cost_gbp", disclosure)

    cost_change = result.value(code, year, "cost_gbp") - baseline.value(code, year, "cost_gbp")
    if result.levers == baseline.levers:
        against = "this is the baseline"
    elif abs(cost_change) >= 500:
        against = f"{by_unit(abs(cost_change), 'gbp')} a year {'more' if cost_change > 0 else 'less'} than the baseline"
    else:
        against = "about the same as the baseline"
    gap = result.value(code, year, "pa_gap")
    if disclosure.is_small(abs(gap)):
        pa_words = (
            f"within {disclosure.threshold} of as many Personal Assistants as DP recipients would employ "
            "(small numbers)"
        )
    else:
        pa_words = (
            f"about {count(abs(gap))} {'fewer' if gap > 0 else 'more'} Personal Assistants than DP recipients would "
            "employ"
        )
    supported = (
        f"fewer than {disclosure.threshold} people in the community"
        if people_range == HIDDEN
        else f"about {people} people in the community (80% range {people_range})"
    )
    return (
        f"By {year}, {area} would support {supported}, at a cost of {cost} a year in today's prices (80% range "
        f"{cost_range}): {against}. The PA register would hold {pa_words}."
    )


def scenario_fan(shown: Mapping[str, ScenarioResult], code: str, area: str, measure: str, name: str) -> Chart:
    """One measure's fan over the years for each scenario, ``shown`` with small counts of people already blanked
    (:func:`scenario_store.run_shown`), so hover text cannot show them."""
    label = MEASURES[measure][0]
    money = MEASURES[measure][1] == "gbp" and "today's prices" not in label  # said once ("Cost a year (today's...")
    title = f"{label}, {area}" + (" (today's prices)" if money else "")
    first, *_, last = next(iter(shown.values())).years
    return Chart(
        demand_charts.scenario_fan(shown, code, measure, title),
        f"Line chart of {label[0].lower()}{label[1:]} in {area} from {first} to {last} for "
        f"{', '.join(shown)}, each with its 80% range.",
        name=name,
    )


@dataclass
class Scenario:
    """One scenario beside the baseline for one area and year: figures, words, charts, table and downloads."""

    scope: str  # "Fenland, 2029/30"
    scope_note: str  # what the figures are
    metrics: list[Metric]
    sentence: Paragraph
    notes: list[Note]
    chart: Chart  # the one asked for (SCENARIO_CHARTS): people, DP uptake, cost, or PAs needed against expected
    charts_note: Note
    table: Table  # every measure by year
    csv: Callable[[], bytes]  # this scenario and the baseline, every area and year (small counts hidden)
    excel: Callable[[], bytes]
    changed: bool  # the levers differ from the baseline's


def scenario_chart(
    which: str, shown: Mapping[str, ScenarioResult], shown_result: ScenarioResult, code: str, area: str
) -> Chart:
    """One of the Scenario tab's charts (``which``, a key of SCENARIO_CHARTS), from results whose small counts of
    people are already blanked: a measure's fan for each scenario shown, or the PAs needed against expected."""
    measure, name = SCENARIO_CHARTS[which]
    if measure != "pas_needed":
        return scenario_fan(shown, code, area, measure, name)
    first, *_, last = shown_result.years
    return Chart(
        demand_charts.workforce_chart(shown_result, code, f"Personal Assistants needed and expected, {area}"),
        f"Line chart of the Personal Assistants needed and expected in {area} from {first} to {last}, each with its "
        "80% range.",
        name=name,
    )


def scenario(
    wh: Warehouse, code: str, area: str, levers: Levers, year: str, chart: str = next(iter(SCENARIO_CHARTS))
) -> Scenario:
    """The Scenario tab: ``levers`` run for every area, shown for ``code`` in ``year`` against the baseline, with
    ``chart`` (a key of SCENARIO_CHARTS) drawn."""
    disclosure = Disclosure(wh.settings.suppression_threshold)
    defaults = scenario_store.current_base(wh).defaults
    result, baseline = scenario_store.run(wh, levers), scenario_store.run(wh, defaults)
    changed = levers != defaults
    # Small counts hidden once per result and kept with it (the baseline's on every lever change).
    shown_result, shown_baseline = (scenario_store.run_shown(wh, lv, disclosure) for lv in (levers, defaults))
    anchored = (
        shown_result.table.filter(pl.col("locality_code") == code, pl.col("measure") == "people_supported")["central"]
        .is_null()
        .all()
    )
    metrics = []
    for measure, short in HEADLINES.items():
        if anchored:  # the area's figures all rest on a small count of people today
            metrics.append(Metric(short, HIDDEN, help=MEASURES[measure][0]))
            continue
        value = result.value(code, year, measure)
        shown, spread = with_range(result, code, year, measure, disclosure)
        metrics.append(
            Metric(
                short,
                shown,
                delta=change(measure, value, baseline.value(code, year, measure), disclosure) if changed else None,
                help=f"{MEASURES[measure][0]}. 80% range {spread}.",
            )
        )
    metrics = [replace(m, delta=None) if m.delta == HIDDEN else m for m in metrics]
    shown = {SCENARIO: shown_result} if changed else {}
    shown[scenario_store.BASELINE] = shown_baseline
    wide = shown_result.table.filter(pl.col("locality_code") == code)
    by_year: dict[str, dict[str, float]] = defaultdict(dict)
    for r in wide.iter_rows(named=True):
        by_year[r["year"]][r["measure"]] = r["central"]
    downloads = {SCENARIO: result, scenario_store.BASELINE: baseline}
    table = Table(
        f"{SCENARIO if changed else scenario_store.BASELINE}, {area}: central values by year",
        ["Year", *(label for label, _ in MEASURES.values())],
        [[y, *(figure(m, by_year[y][m], disclosure) for m in MEASURES)] for y in reversed(result.years)],
        numeric=[False] + [True] * len(MEASURES),
    )
    return Scenario(
        scope=f"{area}, {year}",
        scope_note="people and hours at the year's end; cost for the year, in today's prices"
        + ("; under each figure, its change on the baseline." if changed else "."),
        metrics=metrics,
        sentence=Paragraph(
            f"Too few people in {area} today to show a scenario without giving small numbers away; the county's "
            "figures include them."
            if anchored
            else scenario_sentence(result, baseline, code, year, area, disclosure)
        ),
        notes=[Note(f"Note: {note}.") for note in result.notes],
        chart=scenario_chart(chart, shown, shown_result, code, area),
        charts_note=Note(FANS_EXPLAINED),
        table=table,
        csv=partial(scenario_store.to_csv, downloads, disclosure),
        excel=partial(scenario_store.to_excel, downloads, disclosure, about(wh)),
        changed=changed,
    )


def comparison_table(table: pl.DataFrame, names: list[str], area: str, year: str, disclosure: Disclosure) -> Table:
    """:func:`models.scenarios.compare` output as people read it: units, £, signs; small counts hidden, and the
    differences resting on them."""
    first = names[0]
    rows = []
    for record in table.iter_rows(named=True):
        measure = record["measure"]
        rows.append(
            [record["label"]]
            + [figure(measure, record[name], disclosure) for name in names]
            + [change(measure, record[name], record[first], disclosure) for name in names[1:]]
        )
    return Table(
        f"{area}, {year}: central values, and each scenario's difference from the baseline",
        ["Measure", *names, *(f"{name} vs {first}" for name in names[1:])],
        rows,
        numeric=[False] + [True] * (2 * len(names) - 1),
    )


def lever_table(results: Mapping[str, ScenarioResult]) -> Table:
    """Each scenario's lever values side by side, in words."""
    rows = []
    for name in Levers.names():
        spec = Levers.spec(name)
        row = [spec["label"]]
        for result in results.values():
            value = getattr(result.levers, name)
            if value is None:
                text = "none: trend continues"
            elif name == "dp_target_year" and result.levers.dp_target_pct is None:
                text = "–"  # no target to reach
            elif name == "population_variant":
                text = POPULATION_VARIANTS[value]
            elif spec["unit"] == "£":
                text = f"£{value:,.2f}"
            elif isinstance(value, str):
                text = value
            else:  # "32%", "1% a year", "1.87 PAs"
                unit = spec["unit"]
                text = f"{value:,g}{'' if unit.startswith('%') else ' '}{unit}".strip()
            row.append(text)
        rows.append(row)
    return Table("The levers behind each scenario", ["Lever", *results], rows)


def saved_list(saved: Mapping[str, scenario_store.SavedScenario]) -> Table:
    """The saved scenarios, who saved each and when ("Saved by planner@council.example on 6 December 2026 at
    21:30 UTC")."""
    return Table(
        "Saved scenarios",
        ["Saved scenario", "Saved"],
        [[name, "S" + s.provenance[1:]] for name, s in saved.items()],
    )


@dataclass
class Comparison:
    """Saved scenarios beside the baseline: a chart of one measure, a table of every measure, and the levers."""

    chart: Chart
    table: Table
    levers: Table
    csv: Callable[[], bytes]  # every compared scenario, every area and year (small counts hidden)
    excel: Callable[[], bytes]


def comparison(
    wh: Warehouse, code: str, area: str, scenarios: Mapping[str, Levers], year: str, measure: str
) -> Comparison:
    """``scenarios`` (the baseline first) compared for one area in one year, with ``measure`` charted."""
    disclosure = Disclosure(wh.settings.suppression_threshold)
    results = {name: scenario_store.run(wh, levers) for name, levers in scenarios.items()}
    shown = {name: scenario_store.run_shown(wh, levers, disclosure) for name, levers in scenarios.items()}
    return Comparison(
        chart=scenario_fan(shown, code, area, measure, "compare_chart"),
        table=comparison_table(compare(results, code, year), list(results), area, year, disclosure),
        levers=lever_table(results),
        csv=partial(scenario_store.to_csv, results, disclosure),
        excel=partial(scenario_store.to_excel, results, disclosure, about(wh)),
    )
