"""The pack's last two themes: a summary of every provider contract's KPIs, and the demand outlook.

Provider contracts are county-wide, so their summary is the same whichever area the pack is for. The
demand outlook's forecasts start from the latest quarter loaded (that is when they were fitted).
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard.exports.review_table import TIMELINESS_SHORT, kpi_value, target_text
from dashboard.formatting import count, pct
from dashboard.pack.content import Chart, Heading, Note, Paragraph, RagCell, Scope, Section, Table, count_cell
from dashboard.queries import Warehouse
from dashboard.signals import variation_label
from models.scorecard import scorecard, summary

# RAG fills as on the provider KPI PDF; patterns as well as colours, so the bars read in black and white.
RAG_BARS = (
    ("green", "On target (green)", "#1a9850", ""),
    ("amber", "Near target (amber)", "#E69F00", "/"),
    ("red", "Off target (red)", "#D55E00", "x"),
    ("none", "No value or no target", "#BBBBBB", "."),
)
FORECAST_MEASURE = "people_supported"
FORECAST_LABEL = "people in long-term community support"


def _contract_cards(wh: Warehouse, period: str) -> list[tuple[dict, dict | None, pl.DataFrame]]:
    """Each contract with its return status and scorecard for the quarter (empty if none was due)."""
    result = []
    for contract in wh.contracts().iter_rows(named=True):
        series = wh.kpi_series(contract["contract_id"])
        status = wh.return_status(contract["contract_id"]).filter(pl.col("period") == period)
        in_force = not series.filter(pl.col("period") == period).is_empty()
        card = scorecard(series, period) if in_force else pl.DataFrame()
        result.append((contract, status.row(0, named=True) if status.height else None, card))
    return result


def _rag_bars(cards: list[tuple[dict, dict | None, pl.DataFrame]], period: str) -> go.Figure:
    labels = [c["contract_id"] for c, _, _ in cards][::-1]  # first contract at the top
    counts = {key: [] for key, *_ in RAG_BARS}
    for _, _, card in cards[::-1]:
        tally = summary(card) if card.height else {"kpis": 0, "green": 0, "amber": 0, "red": 0}
        for key in ("green", "amber", "red"):
            counts[key].append(int(tally[key]))
        counts["none"].append(int(tally["kpis"] - tally["green"] - tally["amber"] - tally["red"]))
    fig = go.Figure()
    for key, name, colour, pattern in RAG_BARS:
        fig.add_trace(
            go.Bar(
                y=labels,
                x=counts[key],
                name=name,
                orientation="h",
                marker={"color": colour, "pattern": {"shape": pattern, "fgcolor": "#333333", "size": 6}},
                text=[str(v) if v else "" for v in counts[key]],
                textposition="inside",
                insidetextanchor="middle",
                textangle=0,
                textfont={"color": "#000000", "size": 13},
            )
        )
    fig.update_layout(
        # The look of dashboard.charts' builders: left-aligned title, white background, legend below.
        title={
            "text": f"Number of KPIs by RAG rating and contract, {period}",
            "x": 0,
            "xanchor": "left",
            "font": {"size": 16},
        },
        template="plotly_white",
        barmode="stack",
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0, "traceorder": "normal"},
        font={"family": "Source Sans Pro, Arial, sans-serif"},
    )
    fig.update_xaxes(type="linear", title=None, dtick=1)
    fig.update_yaxes(type="category", title=None, ticksuffix="  ")
    return fig


def provider_kpis(scope: Scope) -> Section:
    threshold = scope.threshold
    section = Section(
        "provider-kpis",
        "Provider KPIs: summary",
        f"Every contract, {scope.period}. Contracts are county-wide, so this page is the same for every area.",
    )
    cards = _contract_cards(scope.wh, scope.period)
    if not cards:
        section.add(Paragraph("No provider KPI returns have been loaded."))
        return section
    totals = {"green": 0, "amber": 0, "red": 0, "with_target": 0, "concern": 0}
    returns = {"received": 0, "late": 0, "missing": 0}
    rows, red_rows = [], []
    for contract, status, card in cards:
        tally = summary(card) if card.height else None
        if tally:
            for key in totals:
                totals[key] += int(tally[key])
        timeliness = status["timeliness"] if status else None
        if timeliness == "missing":
            returns["missing"] += 1
        elif timeliness == "late":
            returns["late"] += 1
        elif status and status["return_received"]:
            returns["received"] += 1
        rows.append(
            [
                contract["contract_id"],
                contract["provider"],
                contract["contract_type"].replace("_", " "),
                TIMELINESS_SHORT.get(timeliness, "Not due") if status else "Not due",
                f"{tally['green']} of {tally['with_target']}" if tally else "–",
                str(tally["amber"]) if tally else "–",
                str(tally["red"]) if tally else "–",
                str(tally["concern"]) if tally else "–",
            ]
        )
        for r in card.filter(pl.col("rag") == "red").iter_rows(named=True) if card.height else []:
            red_rows.append(
                [
                    contract["contract_id"],
                    r["kpi_name"],
                    kpi_value(r["value"], r["unit"], threshold),
                    target_text(r["target"], r["unit"], r["higher_is_better"]),
                    RagCell("red"),
                    str(variation_label(r["variation"], r["side"])),
                ]
            )
    received = returns["received"] + returns["late"]
    section.add(
        Paragraph(
            f"{received} of {len(cards)} contracts sent their {scope.period} return"
            + (f" ({returns['late']} late)" if returns["late"] else "")
            + (f"; {returns['missing']} did not" if returns["missing"] else "")
            + f". Of the {totals['with_target']} KPIs with a target and a value, {totals['green']} were on target, "
            f"{totals['amber']} near it (amber) and {totals['red']} off target (red); {totals['concern']} showed "
            "special-cause variation in the wrong direction (an SPC concern).",
            emphasis=True,
        ),
        Chart(
            _rag_bars(cards, scope.period),
            f"Bar chart of each contract's KPIs by RAG rating in {scope.period}: {totals['green']} green, "
            f"{totals['amber']} amber and {totals['red']} red in all.",
            height=300,
        ),
        Table(
            f"Contracts and their returns, {scope.period}",
            ["Contract", "Provider", "Type", "Return", "On target", "Amber", "Red", "SPC concerns"],
            rows,
            numeric=[False, False, False, False, True, True, True, True],
            widths=["10%", "30%", "10%", "10%", "11%", "9%", "9%", "11%"],
        ),
    )
    if red_rows:
        section.add(
            Heading("KPIs off target"),
            Table(
                f"KPIs rated red, {scope.period}",
                ["Contract", "KPI", "Value", "Target", "RAG", "SPC signal"],
                red_rows,
                numeric=[False, False, True, False, False, False],
                widths=["10%", "29%", "8%", "18%", "15%", "20%"],
            ),
        )
    section.add(
        Note(
            "RAG compares each KPI with the target in force this quarter. The contract managers’ quarterly reviews "
            f"(Provider KPIs page) hold the detail, commentary and agreed actions. Counts below {threshold} are "
            f"shown as <{threshold}."
        )
    )
    return section


def _forecast(scope: Scope, section: Section) -> None:
    from dashboard.charts import demand as demand_charts  # imported when needed: it brings statsmodels, seconds to load

    history = scope.wh.demand_history(FORECAST_MEASURE, scope.code)
    forecast = scope.wh.forecasts(FORECAST_MEASURE, scope.code)
    chosen = forecast.filter(pl.col("role") == "chosen")
    if chosen.is_empty():
        section.add(Paragraph(f"No forecast of {FORECAST_LABEL} is available for {scope.area}."))
        return
    ahead = chosen.row(min(3, chosen.height - 1), named=True)
    section.add(
        Paragraph(
            f"The forecast for {ahead['period']} is about {count(ahead['mean'])} {FORECAST_LABEL} in {scope.area} "
            f"(80% range {count(ahead['lo_80'])} to {count(ahead['hi_80'])}; 95% range {count(ahead['lo_95'])} "
            f"to {count(ahead['hi_95'])}), against {count(history['value'][-1])} in {history['period'][-1]}.",
            emphasis=True,
        ),
        Paragraph(
            demand_charts.accuracy_sentence(scope.wh.forecast_metrics(FORECAST_MEASURE, scope.code), FORECAST_LABEL)
        ),
    )
    if scope.period != history["period"][-1]:
        section.add(
            Note(f"Forecasts start from the latest quarter loaded, {history['period'][-1]}, not from {scope.period}.")
        )
    fig = demand_charts.forecast_fan(
        history, forecast, f"People in long-term community support, {scope.area}: recorded and forecast", "People"
    )
    rows = [
        [
            r["period"],
            count_cell(r["mean"], scope.threshold),
            f"{count_cell(r['lo_80'], scope.threshold)} to {count_cell(r['hi_80'], scope.threshold)}",
            f"{count_cell(r['lo_95'], scope.threshold)} to {count_cell(r['hi_95'], scope.threshold)}",
        ]
        for r in chosen.head(4).iter_rows(named=True)
    ]
    section.add(
        Chart(
            fig,
            f"Line chart of {FORECAST_LABEL} in {scope.area}, recorded to {history['period'][-1]} and forecast to "
            f"{chosen['period'][-1]} with 80% and 95% ranges.",
            height=280,
        ),
        Note(
            "The dashed line is the forecast; the dark band holds 80% of likely values and the light band 95%. "
            "The dotted grey line repeats the same quarter of last year: the simple guess every model must beat."
        ),
        Table(
            "Forecast for the next four quarters",
            ["Quarter", "Forecast", "80% range", "95% range"],
            rows,
            numeric=[False, True, True, True],
        ),
    )


def _in_year_order(fig: go.Figure) -> go.Figure:
    """Each line's points sorted by year: ``projection_chart`` sums the bands with an unordered group-by,
    so its "All adults" line can arrive in any year order (which also scrambles the category axis)."""
    for trace in fig.data:
        if trace.x is not None and trace.y is not None:
            pairs = sorted(zip(trace.x, trace.y, strict=True), key=lambda pair: int(pair[0]))
            trace.x, trace.y = [x for x, _ in pairs], [y for _, y in pairs]
    fig.update_xaxes(categoryorder="category ascending")
    return fig


def _projection(scope: Scope, section: Section) -> None:
    from dashboard.charts import demand as demand_charts

    areas = scope.settings.locality_codes if scope.is_county else [scope.code]
    projection = scope.wh.demand_projection().filter(pl.col("area_code").is_in(areas))
    population = scope.wh.population("65+").filter(pl.col("area_code").is_in(areas))
    if projection.is_empty():
        return
    totals = dict(projection.group_by("projection_year").agg(pl.col("expected_people").sum()).iter_rows())
    pop = dict(population.group_by("projection_year").agg(pl.col("population").sum()).iter_rows())
    first = min(totals)
    section.add(Heading("Population-driven demand"))
    growth = (
        f"The number of people aged 65 and over in {scope.area} is projected to grow "
        f"{pct(100 * (pop[2031] / pop[first] - 1))} from {first} to 2031 (ONS 2022-based projections, real data). "
        if first in pop and 2031 in pop
        else ""
    )
    later = [year for year in (2031, 2040) if year in totals]
    section.add(
        Paragraph(
            growth
            + f"If the council supports the same share of people in need as it does today, {scope.area} would have "
            + " and ".join(
                f"about {count(totals[y])}" + (" people in long-term community support" if i == 0 else "") + f" in {y}"
                for i, y in enumerate(later)
            )
            + f", against {count(totals[first])} in {first}."
        ),
        Chart(
            _in_year_order(
                demand_charts.projection_chart(projection, f"Expected people needing support by age band, {scope.area}")
            ),
            f"Line chart of the expected number of people needing support in {scope.area} by age band, "
            f"{first} to {max(totals)}.",
            height=280,
        ),
        Note(
            "Population (ONS 2022-based subnational projections) times today’s rate of support per person in need, "
            "by age band; for people aged 65+, need is weighted by POPPI-style prevalence of needing help with "
            "self-care."
        ),
    )


def demand_outlook(scope: Scope) -> Section:
    section = Section("demand-outlook", "Demand outlook", f"{scope.area}, from the latest quarter loaded")
    missing = scope.wh.missing_demand_tables()
    if missing:
        section.add(Paragraph(f"This warehouse has no forecasts ({', '.join(missing)} missing): run `asc build`."))
        return section
    section.add(Heading("Forecast"))
    _forecast(scope, section)
    _projection(scope, section)
    return section
