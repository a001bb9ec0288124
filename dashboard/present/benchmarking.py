"""Benchmarking: the council against every English council and its peers on each published ASCOF measure.

Every figure is a published value (real data, Open Government Licence v3.0): no disclosure control is needed
beyond what the publishers applied. Ranks, quartiles and the comparison with England come from
``models.benchmark``; the funnel from ``models.funnel`` (exact binomial limits, overdispersion on the arcsine
scale).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import polars as pl

from dashboard.charts import chart_title
from dashboard.present.blocks import Chart, Paragraph, Table
from dashboard.present.maps import councils_map
from dashboard.queries import Warehouse
from models.benchmark import benchmark, compare, interval
from models.funnel import estimate_overdispersion, funnel_curve, funnel_table

ENGLAND = "E92000001"
MIN_COUNCILS = 100  # a year is benchmarked only when at least this many councils have a published value
QUARTILE_WORDS = {1: "best quarter", 2: "second quarter", 3: "third quarter", 4: "worst quarter"}


@dataclass
class BenchmarkPage:
    scope: str
    peers_sentence: Paragraph
    summary: Table
    spine: Chart
    measures: dict[str, str]  # measure key -> name, for the measure chooser
    # The chosen measure's charts: None on the page's first call (measure None), which lays out the summary alone.
    funnel: Chart | None
    trend: Chart | None
    years_note: Paragraph | None  # which years the chosen measure lacks in the shipped data, and why
    map: Chart | None  # every council shaded by the chosen measure, the council outlined


@dataclass
class MeasureView:
    """One tab of the page for one measure: its funnel, trend or map, and which years it lacks."""

    years_note: Paragraph
    chart: Chart | None


PARTS = ("funnel", "trend", "map")


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "percent":
        return f"{value:.1f}%"
    return f"{value:,.2f}" if abs(value) < 10 else f"{value:,.1f}"


def benchmarking(wh: Warehouse, measure: str | None = None) -> BenchmarkPage:
    cfg = wh.settings
    council, name = cfg.council.code, cfg.council.short_name
    values = wh.benchmark_values()
    peers = wh.peer_codes(council, cfg.peers.method)
    peer_names = values.filter(pl.col("area_code").is_in(peers)).unique("area_code")["area_name"].sort().to_list()
    method = (
        "CIPFA nearest neighbours (licensed list)"
        if cfg.peers.method == "cipfa"
        else ("the nearest councils of the same kind on adult population and age structure (ONS mid-year estimates)")
    )
    peers_sentence = Paragraph(
        f"{name}'s {len(peers)} peers are {method}: {', '.join(peer_names)}."
        if peers
        else f"No peer group is available for {name} (its code is not among the current councils)."
    )
    rows, spine_rows = [], []
    own = values.filter(pl.col("area_code") == council)
    for key in own["measure"].unique(maintain_order=True).to_list():
        # The latest year published for most councils: a year only a compiled local extract covers (two councils)
        # cannot rank anyone.
        coverage = values.filter(pl.col("measure") == key).group_by("year").agg(pl.col("area_code").n_unique())
        years = coverage.filter(pl.col("area_code") >= MIN_COUNCILS)["year"]
        mine = own.filter((pl.col("measure") == key) & pl.col("year").is_in(years.implode()))
        if mine.is_empty():
            continue
        year = mine["year"].max()
        this = values.filter((pl.col("measure") == key) & (pl.col("year") == year))
        me = this.filter(pl.col("area_code") == council).row(0, named=True)
        councils_only = this.filter(pl.col("area_code") != ENGLAND)
        higher = bool(me["higher_is_better"])
        b = benchmark(councils_only, council, peers, higher)
        england = this.filter(pl.col("area_code") == ENGLAND)["value"]
        england_value = float(england[0]) if england.len() else None
        low, high = interval(
            me["value"], me["numerator"], me["denominator"], me["margin_of_error"], me["interval"], me["unit"]
        )
        verdict = compare(low, high, england_value, higher)
        rows.append(
            [
                me["measure_name"],
                year,
                _fmt(me["value"], me["unit"]),
                _fmt(england_value, me["unit"]),
                _fmt(b["peer_median"], me["unit"]),
                f"{b['rank_all']} of {b['n_all']}" if b["rank_all"] else "–",
                QUARTILE_WORDS.get(b["quartile_all"], "–"),
                f"{b['rank_peers']} of {b['n_peers']}" if b["rank_peers"] else "–",
                verdict if verdict != "not compared" else "not compared (no interval published)",
                "higher is better" if higher else "lower is better",
            ]
        )
        spine_rows.append(
            (me["measure_name"], year, councils_only, me["value"], b["peer_median"], england_value, higher, verdict)
        )
    summary = Table(
        f"{name} on each published ASCOF measure, latest year: rank 1 is the best in the measure's direction",
        [
            "Measure",
            "Year",
            name,
            "England",
            "Peer median",
            "Rank, all councils",
            "Quartile",
            "Rank among peers",
            "Compared with England (95% interval)",
            "Direction",
        ],
        rows,
        numeric=[False, False, True, True, True, False, False, False, False, False],
    )
    measures = dict(zip(own["measure"].to_list(), own["measure_name"].to_list(), strict=False))
    chosen = measure if measure in measures else ("dp_users" if "dp_users" in measures else next(iter(measures), ""))
    return BenchmarkPage(
        scope=f"{cfg.council.name}: published ASCOF values (real data, Open Government Licence v3.0) for every "
        f"English council. Peers: {cfg.peers.method} group.",
        peers_sentence=peers_sentence,
        summary=summary,
        spine=_spine(spine_rows, name),
        measures=measures,
        **(
            {
                "funnel": benchmark_measure(wh, chosen, "funnel").chart,
                "trend": benchmark_measure(wh, chosen, "trend").chart,
                "years_note": years_note(values.filter(pl.col("measure") == chosen)),
                "map": benchmark_measure(wh, chosen, "map").chart,
            }
            if measure is not None
            else dict.fromkeys(("funnel", "trend", "years_note", "map"))
        ),
    )


def benchmark_measure(wh: Warehouse, measure: str, part: str) -> MeasureView:
    """One measure's funnel, trend or map (``part``), built apart from the summary: choosing a measure on a tab
    builds that tab's chart alone, not the summary of every measure again."""
    cfg = wh.settings
    council, name = cfg.council.code, cfg.council.short_name
    values = wh.benchmark_values()
    rows = values.filter(pl.col("measure") == measure)
    if part == "map":
        chart = councils_map(_well_covered(rows), council, name)
    else:
        peers = wh.peer_codes(council, cfg.peers.method)
        chart = (_funnel if part == "funnel" else _trend)(values, measure, council, peers, name)
    return MeasureView(years_note(rows), chart)


def _well_covered(rows: pl.DataFrame) -> pl.DataFrame:
    """The years of one measure published for at least MIN_COUNCILS councils."""
    coverage = rows.group_by("year").agg(pl.col("area_code").n_unique())
    return rows.filter(pl.col("year").is_in(coverage.filter(pl.col("area_code") >= MIN_COUNCILS)["year"].implode()))


SERIES_YEARS = [f"{y}/{(y + 1) % 100:02d}" for y in range(2015, 2025)]  # what the shipped files span
CARERS_SURVEY_YEARS = {"2016/17", "2018/19", "2021/22", "2023/24"}


def _spans(years: list[str]) -> str:
    """'2015/16 to 2017/18 and 2021/22' from consecutive runs of financial years."""
    runs: list[list[str]] = []
    for year in years:
        if runs and SERIES_YEARS.index(year) == SERIES_YEARS.index(runs[-1][-1]) + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    parts = [run[0] if len(run) == 1 else f"{run[0]} to {run[-1]}" for run in runs]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def years_note(rows: pl.DataFrame) -> Paragraph:
    """Which years 2015/16 to 2024/25 one measure has no benchmark for in the shipped data, and why, plainly."""
    if rows.is_empty():
        return Paragraph("No published values for this measure in the shipped data.")
    name = rows["measure_name"][0]
    have = set(_well_covered(rows)["year"].to_list())
    missing = [y for y in SERIES_YEARS if y not in have]
    if not missing:
        return Paragraph(f"{name}: published for every year from 2015/16 to 2024/25.")
    reasons, unexplained = [], list(missing)
    if have and have <= CARERS_SURVEY_YEARS:
        reasons.append(
            "the Survey of Adult Carers in England runs every other year (2016/17, 2018/19, 2021/22, 2023/24), so "
            "the years between have no value"
        )
        unexplained = []
    if "2020/21" in unexplained and rows["interval"][0] == "margin_of_error":
        reasons.append(
            "in 2020/21 the Adult Social Care Survey was voluntary (the pandemic) and too few councils took part "
            "to compare"
        )
        unexplained.remove("2020/21")
    if rows["measure"][0].startswith("delayed_transfers"):
        reasons.append("delayed transfers of care stopped being collected in March 2020")
        unexplained = [y for y in unexplained if y < "2020/21"]
    if unexplained:
        reasons.append(
            f"{_spans(unexplained)} {'is' if len(unexplained) == 1 else 'are'} not in the published files the "
            "project ships (for measures from the SALT return, such as direct payments, self-directed support, "
            "admissions and reablement, NHS Digital's yearly ASCOF files for those years were not among the "
            "national files gathered), and nothing is estimated in their place"
        )
    return Paragraph(
        f"{name}: benchmarked for {_spans(sorted(have)) if have else 'no year'}; no values for {_spans(missing)}. "
        f"Why: {'; '.join(reasons)} (details in data/public/national/README.md)."
    )


def _percentile(values: np.ndarray, value: float, higher: bool) -> float:
    """Share of councils (0-100) this value is better than or equal to, in the measure's direction."""
    better_or_equal = (values <= value) if higher else (values >= value)
    return 100.0 * better_or_equal.mean()


# A spine chart row's name: at most this many characters a line (about 190 px), two or three lines a row.
SPINE_LABEL_CHARS = 40
SPINE_ROW_PX = 48


def _spine(rows: list, name: str) -> Chart:
    fig = go.Figure()
    # Names broken onto lines of at most SPINE_LABEL_CHARS: on one line the longest took 430 of an 800 px
    # window's 520 px for the chart, leaving the bars 60 px and cutting the names at the left edge.
    labels = ["<br>".join(textwrap.wrap(f"{m} ({y})", SPINE_LABEL_CHARS, break_long_words=False)) for m, y, *_ in rows]
    height = max(300, SPINE_ROW_PX * len(rows) + 120)
    for low, high, colour in ((0, 25, "#d9d9d9"), (25, 75, "#bdbdbd"), (75, 100, "#d9d9d9")):
        fig.add_trace(
            go.Bar(
                y=labels,
                x=[high - low] * len(rows),
                base=[low] * len(rows),
                orientation="h",
                marker_color=colour,
                showlegend=False,
                hoverinfo="skip",
            )
        )
    table_rows = []
    own_x, peer_x, eng_x, words = [], [], [], []
    for _, _, councils, value, peer_median, england, higher, verdict in rows:
        v = councils["value"].to_numpy()
        own_x.append(_percentile(v, value, higher))
        peer_x.append(_percentile(v, peer_median, higher) if peer_median is not None else None)
        eng_x.append(_percentile(v, england, higher) if england is not None else None)
        words.append(verdict)
    for label, x_values, symbol, colour in (
        (name, own_x, "circle", "#08519c"),
        ("Peer median", peer_x, "diamond", "#ff7f00"),
        ("England", eng_x, "line-ns-open", "#000000"),
    ):
        fig.add_trace(
            go.Scatter(
                y=labels,
                x=x_values,
                mode="markers",
                name=label,
                marker={"symbol": symbol, "size": 12, "color": colour, "line": {"width": 2}},
            )
        )
    for label, o, p, e, w in zip(labels, own_x, peer_x, eng_x, words, strict=True):
        table_rows.append(
            [
                label.replace("<br>", " "),
                f"{o:.0f}",
                "–" if p is None else f"{p:.0f}",
                "–" if e is None else f"{e:.0f}",
                w,
            ]
        )
    title, top = chart_title(spine_finding(name, words))
    height += top
    fig.update_layout(
        title=title,
        barmode="overlay",
        xaxis={"range": [0, 100], "title": "Position among councils (100 = best)"},
        height=height,
        # The legend on its own row between the title and the bars.
        margin={"l": 10, "r": 10, "t": top + 30, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        yaxis={"tickfont": {"size": 11}},
    )
    return Chart(
        fig,
        f"Spine chart: {name}'s position among all English councils on each measure, with its peers' median and "
        "England.",
        height=height,
        name="benchmark_spine",
        how_to_read="Each row is a measure. The bar runs from the worst council (left) to the best (right); the "
        "darker middle is the middle half of councils. The circle is the council, the diamond its peers' median, "
        "the line England. Position is the share of councils it does as well as or better than.",
        table=Table(
            "Position among councils (100 = best)",
            ["Measure", name, "Peer median", "England", "Compared with England"],
            table_rows,
        ),
    )


def _funnel(values: pl.DataFrame, measure: str, council: str, peers: list[str], name: str) -> Chart | None:
    rows = values.filter(
        (pl.col("measure") == measure)
        & pl.col("denominator").is_not_null()
        & pl.col("numerator").is_not_null()
        & (pl.col("area_code") != ENGLAND)
    )
    if rows.is_empty() or rows.row(0, named=True)["unit"] != "percent":
        return None
    year = rows["year"].max()
    rows = rows.filter(pl.col("year") == year)
    x, n = rows["numerator"].to_numpy(), rows["denominator"].to_numpy()
    table = funnel_table(rows["area_code"].to_list(), x, n, overdispersion=True)
    p0 = float(table["p0"][0])
    tau2 = estimate_overdispersion(x, n, p0, "arcsine").tau2
    curve = funnel_curve(p0, max(1.0, float(n.min())), float(n.max()), tau2=0.0 if np.isnan(tau2) else tau2)
    fig = go.Figure()
    for column, dash in (("lower_95", "dash"), ("upper_95", "dash"), ("lower_998", "dot"), ("upper_998", "dot")):
        fig.add_trace(
            go.Scatter(
                x=curve["n"],
                y=curve[column] * 100,
                mode="lines",
                showlegend=False,
                line={"dash": dash, "color": "#666"},
                hoverinfo="skip",
            )
        )
    role = (
        pl.when(pl.col("unit") == council)
        .then(pl.lit(name))
        .when(pl.col("unit").is_in(peers))
        .then(pl.lit("Peers"))
        .otherwise(pl.lit("Other councils"))
    )
    table = table.with_columns(role.alias("role")).join(
        rows.select(pl.col("area_code").alias("unit"), "area_name"), on="unit"
    )
    for label, colour, size in (("Other councils", "#9ecae1", 7), ("Peers", "#ff7f00", 9), (name, "#08519c", 14)):
        part = table.filter(pl.col("role") == label)
        fig.add_trace(
            go.Scatter(
                x=part["denominator"],
                y=part["proportion"] * 100,
                mode="markers",
                name=label,
                text=part["area_name"],
                marker={"color": colour, "size": size},
            )
        )
    fig.add_hline(y=p0 * 100, line={"color": "#000"})
    measure_name = rows["measure_name"][0]
    me = table.filter(pl.col("unit") == council)
    position = me["position"][0] if me.height else "not published"
    finding = funnel_finding(table["position"].to_list(), position, name, bool(rows["higher_is_better"][0]))
    title, top = chart_title(f"{measure_name}, {year}: {finding}")
    # The legend on its own row between the title and the plot, as on the spine chart.
    fig.update_layout(
        title=title,
        xaxis={"type": "log", "title": "Denominator (people)"},
        yaxis={"title": "%"},
        margin={"l": 10, "r": 10, "t": top + 30, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
    )
    return Chart(
        fig,
        f"Funnel plot of {measure_name}, {year}, for every English council; {name}'s position: {position}.",
        name="benchmark_funnel",
        how_to_read="Each point is a council, placed by its size (people in the denominator) and value. The solid "
        "line is England's pooled value; inside the dashed lines a council's difference is within what chance and "
        "the usual variation between councils (overdispersion) give 19 times in 20; outside the dotted lines, less "
        "than once in 500.",
        table=Table(
            f"{measure_name}, {year}",
            ["Council", "Numerator", "Denominator", "Value", "Position"],
            [
                [
                    r["area_name"],
                    f"{r['numerator']:,.0f}",
                    f"{r['denominator']:,.0f}",
                    f"{100 * r['proportion']:.1f}%",
                    r["position"],
                ]
                for r in table.sort("area_name").iter_rows(named=True)
            ],
        ),
    )


def _trend(values: pl.DataFrame, measure: str, council: str, peers: list[str], name: str) -> Chart:
    rows = values.filter(pl.col("measure") == measure)
    # Years only a compiled local extract covers (a couple of councils) give no peer median or England line.
    coverage = rows.group_by("year").agg(pl.col("area_code").n_unique())
    rows = rows.filter(pl.col("year").is_in(coverage.filter(pl.col("area_code") >= MIN_COUNCILS)["year"].implode()))
    peer_median = (
        rows.filter(pl.col("area_code").is_in(peers))
        .group_by("year", "basis")
        .agg(pl.col("value").median())
        .with_columns(pl.lit("Peer median").alias("series"))
    )
    lines = pl.concat(
        [
            rows.filter(pl.col("area_code") == council).select("year", "basis", "value", pl.lit(name).alias("series")),
            peer_median.select("year", "basis", "value", "series"),
            rows.filter(pl.col("area_code") == ENGLAND).select(
                "year", "basis", "value", pl.lit("England").alias("series")
            ),
        ]
    ).sort("year")
    fig = go.Figure()
    colours = {name: "#08519c", "Peer median": "#ff7f00", "England": "#000000"}
    for (series, basis), part in lines.group_by("series", "basis", maintain_order=True):
        # One line per basis: no line is drawn across the series break to Client Level Data.
        fig.add_trace(
            go.Scatter(
                x=part["year"],
                y=part["value"],
                mode="lines+markers",
                name=f"{series} ({basis})",
                line={"color": colours[series], "dash": "dot" if basis == "CLD" else "solid"},
            )
        )
    fig.update_xaxes(type="category", categoryorder="category ascending")
    measure_name = rows["measure_name"][0] if rows.height else measure
    finding, detail = trend_finding(rows, council, name)
    title, top = chart_title(f"{measure_name}: {finding}")
    # The legend below the plot, as on the other line charts: above it, wrapped onto rows in a narrow window, it
    # ran into the title.
    fig.update_layout(
        title=title,
        margin={"l": 10, "r": 10, "t": top, "b": 40},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0},
        yaxis={"ticksuffix": "%" if rows.height and rows["unit"][0] == "percent" else ""},
    )
    return Chart(
        fig,
        f"Line chart of {measure_name} by year for {name}, its peers' median and England. {detail}",
        name="benchmark_trend",
        how_to_read="Solid lines are the survey- or SALT-based series; dotted points are computed from Client Level "
        "Data (from 2024/25), a series break, so the two are not joined.",
        table=Table(
            f"{measure_name} by year",
            ["Year", "Series", "Basis", "Value"],
            [[r["year"], r["series"], r["basis"], f"{r['value']:.1f}"] for r in lines.iter_rows(named=True)],
        ),
    )


def trend_finding(rows: pl.DataFrame, council: str, name: str) -> tuple[str, str]:
    """What the trend chart shows, for its title, and the latest year's figures in words, for its description.

    Over the years both are published: the council on one side of England in every one of them (two or more), or
    else the latest year's verdict, with the same 95% interval as the summary table's.
    """
    mine = rows.filter(pl.col("area_code") == council).select(
        "year", "value", "numerator", "denominator", "margin_of_error", "interval", "unit", "higher_is_better"
    )
    both = mine.join(
        rows.filter(pl.col("area_code") == ENGLAND).select("year", pl.col("value").alias("england")), on="year"
    ).sort("year")
    if both.is_empty():
        return f"{name}, its peers' median and England by year", "England and the council are not both published."
    last = both.row(-1, named=True)
    unit, higher = last["unit"], bool(last["higher_is_better"])
    detail = f"In {last['year']}, {name} {_fmt(last['value'], unit)}, England {_fmt(last['england'], unit)}."
    sides = {_side(v, e, unit) for v, e in zip(both["value"], both["england"], strict=True)}
    if both.height >= 2 and len(sides) == 1 and sides != {"level with"}:
        return f"{name} {sides.pop()} England in every year shown", detail
    low, high = interval(
        last["value"], last["numerator"], last["denominator"], last["margin_of_error"], last["interval"], unit
    )
    verdict = compare(low, high, last["england"], higher)
    words = {"better": "better than", "similar": "similar to", "worse": "worse than"}.get(verdict)
    return f"{name} {words or _side(last['value'], last['england'], unit)} England in {last['year']}", detail


def _side(value: float, england: float, unit: str) -> str:
    """Above, below or level with England, as the figures are shown (level when they read the same)."""
    if _fmt(value, unit) == _fmt(england, unit):
        return "level with"
    return "above" if value > england else "below"


def spine_finding(name: str, verdicts: list[str]) -> str:
    """The spine chart's title: on how many measures the council does better than England, similarly or worse, by
    the same 95% intervals as the summary table's verdicts ("Cambridgeshire does better than England on 10 of 34
    measures, similarly on 15, worse on 1; 8 not compared")."""
    total = len(verdicts)
    better, similar, worse = (verdicts.count(v) for v in ("better", "similar", "worse"))
    rest = total - better - similar - worse
    if rest == total:
        return f"{name}: none of {total} measures can be compared with England (no intervals published)"
    return (
        f"{name} does better than England on {better} of {total} measures, similarly on {similar}, worse on {worse}"
        + (f"; {rest} not compared" if rest else "")
    )


# Where a council lies on the funnel, in the title's words ("no data": no denominator that year).
FUNNEL_PLACES = {
    "above 99.8%": "above the 99.8% limits",
    "above 95%": "above the 95% limits",
    "within": "within the 95% limits",
    "below 95%": "below the 95% limits",
    "below 99.8%": "below the 99.8% limits",
}


def funnel_finding(positions: list[str], position: str, name: str, higher: bool) -> str:
    """The funnel's title: where the council lies, with the measure's direction when it lies beyond the limits, and
    how many councils lie outside the 95% limits ("Cambridgeshire is below the 95% limits (higher is better); 41 of
    151 councils lie outside them")."""
    compared = [p for p in positions if p in FUNNEL_PLACES]
    outside = sum(p != "within" for p in compared)
    councils = f"{outside} of {len(compared)} councils lie outside them"
    if position not in FUNNEL_PLACES:
        return f"{name} has no published value; {councils}"
    direction = "" if position == "within" else f" ({'higher' if higher else 'lower'} is better)"
    return f"{name} is {FUNNEL_PLACES[position]}{direction}; {councils}"
