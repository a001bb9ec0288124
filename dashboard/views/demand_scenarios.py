"""Demand and scenarios: forecasts with their tested accuracy, population-driven demand, and what-if scenarios
(levers, a baseline always shown, saved scenarios compared side by side, links and downloads). Layout only."""

from functools import partial
from pathlib import Path

import polars as pl
import streamlit as st

from dashboard import scenario_store
from dashboard.charts import demand as demand_charts
from dashboard.formatting import change_by_unit, count, metric_delta, pct
from dashboard.shell import warehouse
from dashboard.shell.components import chart_with_table
from dashboard.shell.filters import locality, locality_name, period
from models.scenarios import MEASURES, LeverError, Levers, compare

wh = warehouse()

cfg = wh.settings
code, quarter = locality(), period()
area = locality_name(code)
districts = cfg.locality_codes
areas = districts if code == cfg.council.code else [code]
threshold = cfg.suppression_threshold
MODEL_CARDS = [
    Path(__file__).resolve().parents[2] / "docs" / "model_cards" / f"{name}.md" for name in ("forecast", "scenarios")
]
FORECASTS = {
    "people_supported": "People in long-term community support",
    "weekly_hours": "Planned hours of care a week",
    "dp_recipients": "People taking a direct payment",
    "referrals_received": "Referrals received in the quarter",
    "active_pas": "Active Personal Assistants on the register",
}
FORECAST_AXES = {
    "people_supported": "People",
    "weekly_hours": "Hours a week",
    "dp_recipients": "People",
    "referrals_received": "Referrals a quarter",
    "active_pas": "Personal Assistants",
}
# Short labels: five figures side by side must fit; the full definitions are in each metric's help.
HEADLINES = {
    "people_supported": "People supported",
    "weekly_hours": "Hours a week",
    "dp_share_pct": "DP uptake",
    "pa_gap": "PA workforce gap",
    "cost_gbp": "Cost a year",
}

st.title("Demand and scenarios")
missing = wh.missing_demand_tables()
if missing:
    st.error(f"This warehouse was built before forecasting was added ({', '.join(missing)} missing): run `asc build`.")
    st.stop()

demand = wh.service_demand(code)
now = demand.filter(pl.col("period") == quarter).row(0, named=True)
population = wh.population("65+").filter(pl.col("area_code").is_in(areas))
pop = dict(population.group_by("projection_year").agg(pl.col("population").sum()).iter_rows())
cols = st.columns(3)
cols[0].metric(f"People in long-term community support, {quarter}", count(now["people_supported"]))
cols[1].metric("Planned hours of care a week", count(now["weekly_hours"]))
cols[2].metric(
    "Growth in people aged 65+, 2024 to 2031",
    pct(100 * (pop[2031] / pop[2024] - 1)),
    help="ONS 2022-based subnational population projections (real data).",
)

forecast_tab, projection_tab, scenario_tab, compare_tab = st.tabs(
    ["Forecasts", "Population-driven demand", "Scenario", "Compare scenarios"]
)

# Forecasts ---------------------------------------------------------------------------------------
with forecast_tab:
    measure = st.selectbox("Forecast of", list(FORECASTS), format_func=FORECASTS.get, key="forecast_measure")
    label = FORECASTS[measure]
    history = wh.demand_history(measure, code)
    forecast = wh.forecasts(measure, code)
    metrics = wh.forecast_metrics(measure, code)
    chosen = forecast.filter(pl.col("role") == "chosen")
    ahead = chosen.row(min(3, chosen.height - 1), named=True)
    st.metric(
        f"{label}, forecast for {ahead['period']}",
        count(ahead["mean"]),
        help="The chosen model's central forecast, a year after the latest quarter.",
    )
    st.markdown(
        f"80% range **{count(ahead['lo_80'])} to {count(ahead['hi_80'])}**; "
        f"95% range {count(ahead['lo_95'])} to {count(ahead['hi_95'])}."
    )
    st.markdown(demand_charts.accuracy_sentence(metrics, label[0].lower() + label[1:]))
    fig = demand_charts.forecast_fan(
        history, forecast, f"{label}, {area}: recorded and forecast", FORECAST_AXES[measure]
    )
    chart_with_table(
        fig,
        chosen.select("period", "model", "mean", "lo_80", "hi_80", "lo_95", "hi_95").with_columns(
            pl.col("mean", "lo_80", "hi_80", "lo_95", "hi_95").round(0)
        ),
        f"forecast_{measure}_{code}",
        "The dashed line is the forecast; the dark band holds 80% of likely values and the light band 95%. "
        "The dotted grey line repeats the same quarter of last year: the simple guess every model must beat.",
        ["mean", "lo_80", "hi_80", "lo_95", "hi_95"],
    )
    if chosen["note"][0]:
        st.caption(f"Model notes: {chosen['note'][0]}.")
    with st.expander("How each model did in the backtest"):
        st.dataframe(
            metrics.select(
                pl.col("model").replace(
                    {"seasonal_naive": "Same quarter last year", "ets": "ETS", "sarimax": "SARIMAX"}
                ),
                pl.col("mase").round(2).alias("MASE (lower is better)"),
                (100 * pl.col("coverage_80")).round(0).alias("Within 80% range (%)"),
                (100 * pl.col("coverage_95")).round(0).alias("Within 95% range (%)"),
                pl.col("origins").alias("Quarters tested"),
                pl.col("chosen").alias("Chosen"),
            ),
            hide_index=True,
        )

# Population-driven demand --------------------------------------------------------------------------
with projection_tab:
    projection = wh.demand_projection().filter(pl.col("area_code").is_in(areas))
    totals = dict(projection.group_by("projection_year").agg(pl.col("expected_people").sum()).iter_rows())
    first_year = min(totals)
    in_need = (
        projection.filter(pl.col("age_band") != "18-64")
        .group_by("projection_year")
        .agg(pl.col("people_in_need_65_plus").sum())
    )
    need = dict(in_need.iter_rows())
    cols = st.columns(3)
    cols[0].metric(f"Expected people needing support, {first_year}", count(totals[first_year]))
    for column, year in zip(cols[1:], (2031, 2040), strict=True):
        growth = 100 * (totals[year] / totals[first_year] - 1) if totals[first_year] else None
        column.metric(f"Expected in {year}", count(totals[year]), delta=None if growth is None else pct(growth))
    st.markdown(
        f"If the council supports the same share of people in need as it does today, {area} would have about "
        f"**{count(totals[2031])}** people in long-term community support in 2031 and **{count(totals[2040])}** in "
        f"2040, against {count(totals[first_year])} now. People aged 65+ estimated to need help with at least one "
        f"self-care task: {count(need[first_year])} in {first_year}, {count(need[2040])} in 2040."
    )
    chart_with_table(
        demand_charts.projection_chart(projection, f"Expected people needing support by age band, {area}"),
        projection.group_by("projection_year", "age_band")
        .agg(pl.col("population").sum().round(0), pl.col("expected_people").sum().round(0))
        .sort("projection_year", "age_band"),
        f"demand_projection_{code}",
        "Population (ONS 2022-based projections, real) x today's rate of support per person in need, by age band. "
        "For 65+ bands, need is the population weighted by the POPPI prevalence of needing help with self-care.",
        ["expected_people"],
    )
    rates = wh.service_use_rates().filter(pl.col("area_code").is_in(areas))
    with st.expander("Service-use rates behind the projection"):
        st.dataframe(
            rates.select(
                "area_code",
                "age_band",
                pl.col("people").alias("people supported"),
                pl.col("population").round(0),
                pl.col("per_1000_population").round(1).alias("per 1,000 population"),
                (100 * pl.col("per_person_in_need")).round(1).alias("per 100 people in need"),
            ),
            hide_index=True,
        )
        st.caption(
            "Under-65 rates are per head of the population under 65 (all ages minus 65+, children included). "
            "Rates come from the activity data, which in this demo is synthetic."
        )

# Scenario ----------------------------------------------------------------------------------------
base = scenario_store.current_base(wh)
defaults = base.defaults
target_pct = cfg.targets.dp_uptake_pct
widget_defaults = scenario_store.widget_values(defaults, target_pct)
years = [f"{base.base_year + k}/{(base.base_year + k + 1) % 100:02d}" for k in range(11)]


def _load(levers: Levers) -> None:
    st.session_state.update(scenario_store.widget_values(levers, target_pct))


def _save(levers: Levers) -> None:
    try:
        name = scenario_store.save(st.session_state.get("scenario_name", ""), levers, base.base_period, cfg)
        st.session_state["scenario_message"] = ("success", f"Saved “{name}”. Compare it on the next tab.")
    except LeverError as error:
        st.session_state["scenario_message"] = ("error", str(error))


def _shown(step: float) -> str:
    """Number format for a lever: as many decimals as its step has."""
    return "%.0f" if step >= 1 else "%.1f" if step >= 0.1 else "%.2f"


def _slider(container, name: str):
    spec = Levers.spec(name)
    return container.slider(
        spec["label"] + (f" ({spec['unit']})" if spec["unit"] else ""),
        min_value=spec["min"],
        max_value=spec["max"],
        value=widget_defaults[name],
        step=spec["step"],
        format=_shown(spec["step"]),
        key=name,
        help=spec["help"],
        bind="query-params",
    )


def _number(container, name: str):
    spec = Levers.spec(name)
    return container.number_input(
        spec["label"] + (f" ({spec['unit']})" if spec["unit"] else ""),
        min_value=spec["min"],
        max_value=spec["max"],
        value=widget_defaults[name],
        step=spec["step"],
        format=None if isinstance(spec["step"], int) else _shown(spec["step"]),
        key=name,
        help=spec["help"],
        bind="query-params",
    )


with scenario_tab:
    st.markdown(
        f"A scenario starts from {base.base_period} and runs ten years. The **baseline** continues today's trends "
        "with the rates and flows seen in the data; move the levers to see what changes. Every figure carries an "
        "80% range from the forecasts' uncertainty."
    )
    with st.expander("Levers", expanded=True):
        demand_col, workforce_col, cost_col = st.columns(3)
        demand_col.markdown("**Demand**")
        demand_col.radio(
            "Population",
            ["projection", "no_growth"],
            index=0 if widget_defaults["population_variant"] == "projection" else 1,
            format_func={"projection": "ONS 2022-based projection", "no_growth": "No growth after the forecast"}.get,
            key="population_variant",
            help=Levers.spec("population_variant")["help"],
            bind="query-params",
            horizontal=True,
        )
        _slider(demand_col, "population_adjustment_pct")
        _slider(demand_col, "service_use_change_pct")
        demand_col.markdown("**Direct payments**")
        target_on = demand_col.checkbox(
            "Set a target", value=widget_defaults["dp_target_on"], key="dp_target_on", bind="query-params"
        )
        # Shown only when switched on: greyed-out (disabled) labels fail WCAG contrast.
        if target_on:
            _slider(demand_col, "dp_target_pct")
            demand_col.select_slider(
                "Reach the target by the end of",
                years[1:],
                value=widget_defaults["dp_target_year"],
                key="dp_target_year",
                bind="query-params",
            )
        else:
            demand_col.caption("Without a target, uptake follows its forecast trend.")
        workforce_col.markdown("**Personal Assistants**")
        for name in ("pa_employer_share_pct", "pas_per_employer", "pa_recruitment_growth_pct", "pa_attrition_pct"):
            _slider(workforce_col, name)
        cost_col.markdown("**Costs and provision**")
        for name in ("home_care_rate_gbp", "dp_rate_gbp", "isf_new_per_year", "cme_hours_per_week"):
            _number(cost_col, name)
        cost_col.markdown("**Uncertainty**")
        _slider(cost_col, "uncertainty_drift_pct")
        st.button("Reset to baseline", on_click=_load, args=(defaults,), key="reset_levers")

    try:
        levers = scenario_store.levers_from_widgets(st.session_state, defaults)
    except LeverError as error:
        st.error(f"These levers cannot be used: {error}")
        st.stop()
    result, baseline = scenario_store.run(wh, levers), scenario_store.run(wh, defaults)
    shown_year = st.select_slider("Show figures for", years[1:], value=years[5], key="scenario_year")

    changed = levers != defaults
    st.markdown(
        f"**{area}, {shown_year}**: people and hours at the year's end; cost for the year, in today's prices"
        + ("; under each figure, its change on the baseline." if changed else ".")
    )
    # Three figures to a row: five side by side do not fit on a laptop screen with the sidebar open.
    cols = [*st.columns(3), *st.columns(3)[:2]]
    for column, (measure_name, short) in zip(cols, HEADLINES.items(), strict=True):
        label, unit = MEASURES[measure_name]
        unit = {"pct": "percent", "hours": "count"}.get(unit, unit)
        value = result.value(code, shown_year, measure_name)
        low, high = (result.value(code, shown_year, measure_name, column) for column in ("lo_80", "hi_80"))
        change = value - baseline.value(code, shown_year, measure_name)
        column.metric(
            short,
            demand_charts.headline_value(measure_name, value),
            delta=metric_delta(change_by_unit(change, unit)) if changed else None,
            delta_color="off",
            help=f"{label}. 80% range {demand_charts.headline_value(measure_name, low)} to "
            f"{demand_charts.headline_value(measure_name, high)}.",
        )
    st.markdown(demand_charts.scenario_sentence(result, baseline, code, shown_year, area))
    for note in result.notes:
        st.caption(f"Note: {note}.")

    shown = (
        {"This scenario": result, scenario_store.BASELINE: baseline} if levers != defaults else {"Baseline": baseline}
    )
    left, right = st.columns(2)
    with left:
        st.plotly_chart(
            demand_charts.scenario_fan(shown, code, "people_supported", f"People in long-term support, {area}"),
            key="fan_people",
        )
        st.plotly_chart(demand_charts.scenario_fan(shown, code, "dp_share_pct", f"DP uptake, {area}"), key="fan_dp")
    with right:
        st.plotly_chart(
            demand_charts.scenario_fan(shown, code, "cost_gbp", f"Cost a year, {area} (today's prices)"),
            key="fan_cost",
        )
        st.plotly_chart(
            demand_charts.workforce_chart(result, code, f"Personal Assistants needed and expected, {area}"),
            key="fan_pas",
        )
    st.caption("Lines are central values; shaded bands hold 80% of the simulated outcomes (1,000 paths).")

    wide = result.wide(code).with_columns(pl.exclude("year").round(1))
    with st.expander("Show as table"):
        st.dataframe(wide.rename({m: MEASURES[m][0] for m in MEASURES}), hide_index=True)
    downloads = {"This scenario": result, scenario_store.BASELINE: baseline}
    about = f"{cfg.council.name}: demand scenario from {base.base_period}. " + scenario_store.ABOUT
    name_col, save_col, csv_col, excel_col = st.columns([3, 1, 1, 1], vertical_alignment="bottom")
    name_col.text_input("Scenario name", key="scenario_name", max_chars=scenario_store.MAX_NAME_LENGTH)
    save_col.button("Save scenario", on_click=_save, args=(levers,), key="save_scenario", type="primary")
    csv_col.download_button(
        "Download CSV",
        partial(scenario_store.to_csv, downloads, threshold),
        "scenario.csv",
        "text/csv",
        key="scenario_csv",
    )
    excel_col.download_button(
        "Download Excel",
        partial(scenario_store.to_excel, downloads, threshold, about),
        "scenario.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="scenario_excel",
    )
    message = st.session_state.pop("scenario_message", None)
    if message:
        getattr(st, message[0])(message[1])
    query = scenario_store.share_query(levers, defaults, target_pct)
    page_url = (st.context.url or "").split("?")[0]
    st.markdown("**Share this scenario**: the address in your browser holds the lever values; this link does too:")
    st.code(f"{page_url}?{query}" if query else f"{page_url} (the baseline)", language=None)

# Compare -----------------------------------------------------------------------------------------
with compare_tab:
    saved = scenario_store.saved(defaults, cfg)
    if not saved:
        st.info("No saved scenarios yet: set the levers on the Scenario tab and save one to compare it here.")
    picked = st.multiselect(
        f"Saved scenarios to compare with the baseline (up to {scenario_store.MAX_COMPARED})",
        list(saved),
        max_selections=scenario_store.MAX_COMPARED,
        key="compare",
    )
    compared = {scenario_store.BASELINE: baseline} | {
        name: scenario_store.run(wh, saved[name].levers) for name in picked
    }
    compare_year = st.select_slider("Compare in", years[1:], value=years[5], key="compare_year")
    chart_measure = st.selectbox(
        "Chart",
        ["cost_gbp", "people_supported", "pa_gap", "dp_share_pct", "weekly_hours", "pas_expected"],
        format_func=lambda m: MEASURES[m][0],
        key="compare_measure",
    )
    st.plotly_chart(
        demand_charts.scenario_fan(compared, code, chart_measure, f"{MEASURES[chart_measure][0]}, {area}"),
        key="compare_chart",
    )
    table = compare(compared, code, compare_year)
    st.markdown(f"**{area}, {compare_year}**: central values, and each scenario's difference from the baseline.")
    st.table(demand_charts.comparison_table(table, list(compared), threshold))
    st.markdown("**The levers behind each scenario**")
    st.table(demand_charts.lever_table(compared))
    if picked:
        cols = st.columns(3)
        cols[0].download_button(
            "Download comparison (CSV)",
            partial(scenario_store.to_csv, compared, threshold),
            "scenarios.csv",
            "text/csv",
        )
        cols[1].download_button(
            "Download comparison (Excel)",
            partial(scenario_store.to_excel, compared, threshold, about),
            "scenarios.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    if saved:
        with st.expander("Load or delete a saved scenario"):
            chosen_name = st.selectbox("Saved scenario", list(saved), key="manage_scenario")
            cols = st.columns(2)
            cols[0].button("Load into the levers", on_click=_load, args=(saved[chosen_name].levers,), key="load")
            cols[1].button("Delete", on_click=scenario_store.delete, args=(chosen_name, cfg), key="delete")

with st.expander("How the forecasts and scenarios are made, and their limits"):
    for card in MODEL_CARDS:
        st.markdown(card.read_text() if card.exists() else f"See docs/model_cards/{card.name}.")
