"""Demand and scenarios: forecasts with their tested accuracy, population-driven demand, and what-if scenarios
(levers, a baseline always shown, saved scenarios compared side by side, links and downloads).

Layout, widgets, session state and links only: every figure, sentence and table comes from
:mod:`dashboard.present.demand`, whose forecast and projection the committee pack lays out too.
"""

from dataclasses import replace
from pathlib import Path

import streamlit as st

from dashboard import app_state, scenario_store
from dashboard.app_state import AppStateUnavailable
from dashboard.formatting import metric_delta
from dashboard.present import demand, waiting
from dashboard.present.blocks import Metric, Table
from dashboard.present.missing_sources import missing_sources
from dashboard.present.waiting_breakdowns import waiting_breakdowns
from dashboard.shell import per_build, warehouse
from dashboard.shell.about import about_measures
from dashboard.shell.access import person
from dashboard.shell.audit import audit, on_download
from dashboard.shell.components import (
    lazy_expander,
    plain,
    show,
    show_chart,
    show_metrics,
    show_missing,
    show_static_table,
    show_table,
)
from dashboard.shell.filters import locality, locality_name, period
from models.scenarios import MEASURES, LeverError, Levers
from pipelines.access import may, refusal

wh = warehouse()
cfg = wh.settings
who = person()
owner = who.email  # '' in the demo, whose scenarios are everyone's
code, quarter = locality(), period()
area = locality_name(code)
MODEL_CARDS = [
    Path(__file__).resolve().parents[2] / "docs" / "model_cards" / f"{name}.md" for name in ("forecast", "scenarios")
]
EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SCENARIO_TAB = "Scenario"


def _metrics(metrics: list[Metric], columns: int) -> None:
    """Streamlit reads a delta's sign from an ASCII '-', so the typographic minus is swapped back here."""
    show_metrics([replace(m, delta=metric_delta(m.delta)) if m.delta else m for m in metrics], columns)


def _static_table(table: Table) -> None:
    """A short table laid out in full (no scrolling), with its caption, as Markdown: no grid's JavaScript to load,
    and every cell plain text (st.table reads its cells as Markdown, which makes a link of an email address)."""
    st.markdown(f"**{plain(table.caption)}**")
    show_static_table(table)


def _projection() -> None:
    if projection is None:
        st.info(f"No population projection is loaded for {area}.")
        return
    _metrics(projection.metrics, 3)
    show([b for b in (projection.sentence, projection.path, projection.chart) if b is not None])
    with st.expander("Service-use rates behind the projection"):
        show_table(projection.rates, "service-use-rates")
        st.caption(plain(projection.rates_note.text))


def _waiting_times() -> None:
    waits = per_build(waiting.waiting_times, code, quarter, area)
    if waits is None:
        st.info("Waiting times come from Client Level Data: none is loaded yet.")
        return
    st.markdown(f"**{plain(waits.scope)}**")
    _metrics(waits.metrics, 2)  # one row per step: median, then 90th centile
    show([b for b in (waits.sentence, waits.chart) if b is not None])
    with st.expander("Requests, assessments and new services by quarter"):
        show_table(waits.table, "waiting-times")
    st.caption(plain(waits.note.text))
    by_group = per_build(waiting_breakdowns, code, quarter, area)
    if by_group is not None:
        show([by_group.heading, by_group.intro])
        for i, table in enumerate(by_group.tables):
            with st.expander(table.caption):
                show_table(table, f"waiting-by-group-{i}")


st.title("Demand and scenarios")
show_missing(per_build(missing_sources, "demand_scenarios"), "demand_scenarios")
about_measures("demand_scenarios", code, quarter, area)
missing = demand.missing_tables(wh)
if missing:
    st.error(missing)
    st.stop()

projection = per_build(demand.projection, code, area)
now = demand.demand_now(wh, code, quarter, projection.growth_65 if projection else None)
if now.note:
    st.info(plain(now.note))
_metrics(now.metrics, 4)

# The open tab is kept in the URL (?tab=Scenario), so a copied link opens the tab its sender was on. Only the open
# tab is built and drawn (a tab knows it is open because the URL binding tracks it): the others' charts cost the
# browser seconds to draw while hidden. Opening another tab re-runs the page to build it; widgets in a tab not
# shown keep their values (persist_state, or the URL for the levers).
forecast_tab, projection_tab, waiting_tab, scenario_tab, compare_tab = st.tabs(
    ["Forecasts", "Population-driven demand", "Waiting times", SCENARIO_TAB, "Compare scenarios"],
    key="tab",
    bind="query-params",
)


# Forecasts ---------------------------------------------------------------------------------------
# Each tab's own widgets (a forecast's measure, the levers, the scenarios compared) re-run that tab alone, as a
# fragment: the rest of the page is not recomputed nor redrawn. The sidebar filters and the tabs re-run it all.
@st.fragment
def _forecasts() -> None:
    measure = st.selectbox(
        "Forecast of",
        list(demand.FORECASTS),
        format_func=lambda m: demand.FORECASTS[m][0],
        key="forecast_measure",
        persist_state="page",
    )
    fc = per_build(demand.forecast, code, quarter, area, measure)
    if fc.metric:
        _metrics([fc.metric], 1)
    show([b for b in (fc.sentence, fc.path, fc.accuracy, fc.start_note) if b is not None])
    if fc.chart:
        show_chart(fc.chart)
    if fc.model_note:
        show([fc.model_note])
    if fc.backtest:
        with st.expander("How each model did in the backtest"):
            show_table(fc.backtest, "backtest")


if forecast_tab.open:
    with forecast_tab:
        _forecasts()

# Population-driven demand --------------------------------------------------------------------------
if projection_tab.open:
    with projection_tab:
        _projection()


# Waiting times: requests -> assessments -> services ----------------------------------------------
if waiting_tab.open:
    with waiting_tab:
        _waiting_times()

# Scenario ----------------------------------------------------------------------------------------
if scenario_tab.open or compare_tab.open:  # the levers and saved scenarios are read only for the tabs that use them
    setup = demand.scenario_setup(wh, code, quarter)
    defaults, target_pct, years = setup.defaults, setup.target_pct, setup.years
    widget_defaults = setup.widget_defaults


def _load(levers: Levers, open_levers: bool = False) -> None:
    """Set the levers (to a saved scenario or the baseline); from the Compare tab, open the Scenario tab too."""
    st.session_state.update(scenario_store.widget_values(levers, target_pct))
    if open_levers:
        st.session_state["tab"] = SCENARIO_TAB


def _save(levers: Levers) -> None:
    if not may(who, "save_scenario"):  # checked here, where the save happens, whatever the page showed
        st.session_state["scenario_message"] = ("error", refusal("save_scenario"))
        audit("refused", "save_scenario", who)
        return
    try:
        saved_by = scenario_store.DEMO_USER if who.demo else who.email
        name = scenario_store.save(
            st.session_state.get("scenario_name", ""), levers, setup.base.base_period, cfg, owner, saved_by
        )
        audit("scenario_save", name, who, levers=levers, base_period=setup.base.base_period)
        private = " It is private to you until you share it." if owner else ""
        st.session_state["scenario_message"] = ("success", f"Saved “{name}”. Compare it on the next tab.{private}")
    except (LeverError, AppStateUnavailable) as error:
        st.session_state["scenario_message"] = ("error", str(error))


def _manage(action: str, name: str) -> None:
    """Delete or share a saved scenario: a commissioner's own (an administrator's any)."""
    if not may(who, "save_scenario"):
        st.session_state["manage_message"] = ("error", refusal("save_scenario"))
        audit("refused", f"{action}_scenario", who, scenario=name)
        return
    admin = "administrator" in who.roles and not who.demo
    try:
        if action == "delete":
            scenario_store.delete(name, cfg, owner, admin)
            audit("scenario_delete", name, who)
            st.session_state["manage_message"] = ("success", f"Deleted “{name}”.")
        else:
            scenario_store.share(name, action == "share", cfg, owner, admin)
            audit(f"scenario_{action}", name, who)
            words = "shared with colleagues" if action == "share" else "private to you again"
            st.session_state["manage_message"] = ("success", f"“{name}” is {words}.")
    except (LeverError, AppStateUnavailable) as error:
        st.session_state["manage_message"] = ("error", str(error))


def _shown(step: float) -> str:
    """Number format for a lever: as many decimals as its step has."""
    return "%.0f" if step >= 1 else "%.1f" if step >= 0.1 else "%.2f"


def _label(spec: dict) -> str:
    return spec["label"] + (f" ({spec['unit']})" if spec["unit"] else "")


def _slider(container, name: str):
    spec = Levers.spec(name)
    return container.slider(
        _label(spec),
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
        _label(spec),
        min_value=spec["min"],
        max_value=spec["max"],
        value=widget_defaults[name],
        step=spec["step"],
        format=None if isinstance(spec["step"], int) else _shown(spec["step"]),
        key=name,
        help=spec["help"],
        bind="query-params",
    )


@st.fragment
def _scenario() -> None:
    show([setup.intro, per_build(demand.demand_path, code, area).sentence])
    with st.expander("Levers", expanded=True):
        demand_col, workforce_col, cost_col = st.columns(3)
        demand_col.markdown("**Demand**")
        demand_col.radio(
            "Population",
            list(demand.POPULATION_VARIANTS),
            index=list(demand.POPULATION_VARIANTS).index(widget_defaults["population_variant"]),
            format_func=demand.POPULATION_VARIANTS.get,
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
            demand_col.caption(plain(setup.target))
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
    shown_year = st.select_slider(
        "Show figures for", years[1:], value=years[5], key="scenario_year", bind="query-params"
    )
    figures = st.container()  # filled once the chart is picked, below it in the code but above it on the page
    # One chart at a time, the reader's pick: the figures above give every measure for the year, the chart one
    # measure's path. A lever's key press then redraws one chart, not four (each 0.1-0.2 s of the browser's time).
    chart = st.radio("Chart", list(demand.SCENARIO_CHARTS), key="scenario_chart", horizontal=True, bind="query-params")
    scenario = demand.scenario(wh, code, area, levers, shown_year, chart)
    with figures:
        st.markdown(f"**{plain(scenario.scope)}**: {plain(scenario.scope_note)}")
        # Three figures to a row: five side by side do not fit on a laptop screen with the sidebar open.
        _metrics(scenario.metrics[:3], 3)
        _metrics(scenario.metrics[3:], 3)
        show([scenario.sentence, *scenario.notes])
    show_chart(scenario.chart)
    show([scenario.charts_note])
    table_box = lazy_expander("Show as table", "scenario-table")  # the grid built (and its JavaScript loaded) if opened
    if table_box.open:
        with table_box:
            show_table(scenario.table, "scenario")

    name_col, save_col, csv_col, excel_col = st.columns([3, 1, 1, 1], vertical_alignment="bottom")
    name_col.text_input(
        "Scenario name", key="scenario_name", max_chars=scenario_store.MAX_NAME_LENGTH, persist_state="page"
    )
    # Saving re-runs this tab alone: the Compare tab is built (and lists the new scenario) when it is opened.
    save_col.button("Save scenario", on_click=_save, args=(levers,), key="save_scenario", type="primary")
    csv_col.download_button(
        "Download CSV",
        scenario.csv,
        "scenario.csv",
        "text/csv",
        key="scenario_csv",
        on_click=on_download("scenario.csv", area=code, levers=levers),
    )
    excel_col.download_button(
        "Download Excel",
        scenario.excel,
        "scenario.xlsx",
        EXCEL,
        key="scenario_excel",
        on_click=on_download("scenario.xlsx", area=code, levers=levers),
    )
    message = st.session_state.pop("scenario_message", None)
    if message:
        getattr(st, message[0])(plain(message[1]))
    # The link opens what the sender sees: the area, the quarter, this tab, the year and chart shown and the levers.
    view = {"locality": code, "period": quarter, "tab": "Scenario", "scenario_year": shown_year}
    view["scenario_chart"] = chart
    at_baseline = not scenario_store.share_query(levers, defaults, target_pct)
    page_url = (st.context.url or "").split("?")[0]
    st.markdown(
        "**Share this scenario**: the address in your browser holds the area, quarter and lever values; "
        "this link does too" + (" (the levers are at the baseline)" if at_baseline else "") + ":"
    )
    st.code(f"{page_url}?{scenario_store.share_query(levers, defaults, target_pct, view)}", language=None)
    # A link to a saved scenario restores its levers: say whose they are and when they were saved (the store is
    # not read for the baseline, which is no saved scenario's).
    if not at_baseline:
        stored = scenario_store.saved(defaults, cfg, owner)
        same = [f"“{name}”, {s.provenance}" for name, s in stored.items() if s.levers == levers]
        if same:
            st.caption(plain("These levers are the saved scenario " + "; and ".join(same) + "."))


if scenario_tab.open:
    with scenario_tab:
        _scenario()


# Compare -----------------------------------------------------------------------------------------
@st.fragment
def _compare() -> None:
    saved = scenario_store.saved(defaults, cfg, owner)
    if store_problem := app_state.problem(cfg):
        st.warning(plain(store_problem), icon="⚠️")
    elif not saved:
        st.info("No saved scenarios yet: set the levers on the Scenario tab and save one to compare it here.")
    if saved:  # the saved-scenario list: who saved each one and when
        show_static_table(demand.saved_list(saved))
    picked = st.multiselect(
        f"Saved scenarios to compare with the baseline (up to {scenario_store.MAX_COMPARED})",
        list(saved),
        max_selections=scenario_store.MAX_COMPARED,
        key="compare",
        persist_state="page",
    )
    compare_year = st.select_slider("Compare in", years[1:], value=years[5], key="compare_year", bind="query-params")
    chart_measure = st.selectbox(
        "Chart",
        demand.COMPARED_MEASURES,
        format_func=lambda m: MEASURES[m][0],
        key="compare_measure",
        persist_state="page",
    )
    compared = demand.comparison(
        wh,
        code,
        area,
        {scenario_store.BASELINE: defaults} | {name: saved[name].levers for name in picked},
        compare_year,
        chart_measure,
    )
    show_chart(compared.chart)
    with st.container(key="compare-tables"):  # cells padded less (narrow.css): up to seven columns at 800 px
        _static_table(compared.table)
        _static_table(compared.levers)
    if picked:
        cols = st.columns(3)
        cols[0].download_button(
            "Download comparison (CSV)",
            compared.csv,
            "scenarios.csv",
            "text/csv",
            on_click=on_download("scenarios.csv", area=code, scenarios=picked),
        )
        cols[1].download_button(
            "Download comparison (Excel)",
            compared.excel,
            "scenarios.xlsx",
            EXCEL,
            on_click=on_download("scenarios.xlsx", area=code, scenarios=picked),
        )
    if saved:
        with st.expander("Load or delete a saved scenario"):
            chosen_name = st.selectbox("Saved scenario", list(saved), key="manage_scenario", persist_state="page")
            chosen = saved[chosen_name]
            sharing = ("; shared with colleagues" if chosen.shared else "; private") if chosen.owner else ""
            st.caption(plain(f"“{chosen_name}” was {chosen.provenance}{sharing}."))
            cols = st.columns(3)
            if cols[0].button("Load into the levers", on_click=_load, args=(chosen.levers, True), key="load"):
                st.rerun()  # the whole page, which opens the Scenario tab with the levers loaded
            cols[1].button("Delete", on_click=_manage, args=("delete", chosen_name), key="delete")
            if owner:
                flip = "unshare" if chosen.shared else "share"
                label = "Make private" if chosen.shared else "Share with colleagues"
                cols[2].button(label, on_click=_manage, args=(flip, chosen_name), key="share")
    message = st.session_state.pop("manage_message", None)
    if message:
        getattr(st, message[0])(plain(message[1]))


if compare_tab.open:
    with compare_tab:
        _compare()

with st.expander("How the forecasts and scenarios are made, and their limits"):
    for card in MODEL_CARDS:
        st.markdown(card.read_text() if card.exists() else f"See docs/model_cards/{card.name}.")
