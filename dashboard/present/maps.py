"""Maps drawn from the shipped district boundaries: the council's districts by DP uptake, and councils by a measure.

Boundaries are ONS "Local Authority Districts (May 2024) Boundaries UK BUC" (Open Government Licence v3.0),
shipped in ``data/public/national/district_boundaries.geojson`` and drawn by Plotly on a blank background: no map
tiles, nothing fetched at run time. Colour is never the only signal: each district is labelled with its value,
hover text names it, and every map has a table. Where a council's areas have no boundary in the file (a
single-tier council reporting on its whole area; districts merged since into a new unitary) there is no map, and
the page says why.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
import polars as pl
from plotly.colors import sample_colorscale

from dashboard.charts import chart_title
from dashboard.formatting import pct
from dashboard.present.blocks import Chart, Paragraph, Table
from dashboard.present.direct_payments import uptake_history
from dashboard.present.disclosure import HIDDEN, Disclosure
from dashboard.queries import Warehouse
from pipelines.config import PROJECT_ROOT
from pipelines.council_init import WHOLE_AREA_SUFFIX

NATIONAL = PROJECT_ROOT / "data" / "public" / "national"
BOUNDARIES_SOURCE = "ONS Local Authority Districts (May 2024) Boundaries UK BUC, Open Government Licence v3.0"
SEQUENTIAL = "Blues"
GREY = "#d9d9d9"  # hidden or not published
OUTLINE = "#e6550d"  # the council, on the map of councils
CLASSES = 6  # shades on a map: few enough to tell apart, each named in the legend


@lru_cache(maxsize=1)
def district_boundaries() -> dict:
    """The shipped boundaries, read once per process (a static file of the release, about 270 KB)."""
    return json.loads((NATIONAL / "district_boundaries.geojson").read_text())


@lru_cache(maxsize=1)
def district_councils() -> dict[str, str]:
    """Each district (December 2024) -> the council with adult social care duties for its area."""
    frame = pl.read_parquet(NATIONAL / "districts.parquet")
    return dict(zip(frame["district_code"], frame["council_code"], strict=True))


def _polygons(codes: set[str]) -> dict[str, list]:
    """Each district's outer rings (lon, lat), the holes left out: at this scale no district has one that shows."""
    found = {}
    for feature in district_boundaries()["features"]:
        if feature["id"] in codes:
            geometry = feature["geometry"]
            polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
            found[feature["id"]] = [polygon[0] for polygon in polygons]
    return found


def _inside(point: tuple[float, float], ring: list) -> bool:
    """Ray casting: is ``point`` inside the closed ``ring``?"""
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _edge_distance(point: tuple[float, float], ring: list) -> float:
    """Squared distance from ``point`` to the nearest vertex of ``ring`` (enough to keep a label off the edge)."""
    return min((point[0] - p[0]) ** 2 + (point[1] - p[1]) ** 2 for p in ring)


def _label_point(rings: list, others: list) -> tuple[float, float]:
    """Where an area's label goes: the point of a 12 x 12 grid over its largest polygon that lies inside it, outside
    every other area (a district inside another, as Cambridge in South Cambridgeshire), and furthest from its edge.
    """
    ring = max(rings, key=len)
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    grid = [
        (min(lons) + (max(lons) - min(lons)) * (i + 0.5) / 12, min(lats) + (max(lats) - min(lats)) * (j + 0.5) / 12)
        for i in range(12)
        for j in range(12)
    ]
    fits = [p for p in grid if _inside(p, ring) and not any(_inside(p, o) for o in others)]
    if not fits:
        return (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2
    # Away from its own edge and from any other area's: a label between two districts reads as neither's.
    edges = ring + [p for o in others for p in o]
    return max(fits, key=lambda p: _edge_distance(p, edges))


def _ink(fill: str) -> str:
    """Black or white text, whichever reads better on ``fill`` ('rgb(r, g, b)' or '#rrggbb')."""
    if fill.startswith("#"):
        r, g, b = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    else:
        r, g, b = (float(v) for v in fill[fill.index("(") + 1 : -1].split(","))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#ffffff"


def _box(rings: list) -> tuple[float, float, float, float]:
    lons, lats = [p[0] for r in rings for p in r], [p[1] for r in rings for p in r]
    return min(lons), min(lats), max(lons), max(lats)


def _enclosed(areas: list[Area]) -> list[Area]:
    """Areas whose middle lies inside another area's outer ring (holes are not drawn, so they would be covered)."""
    boxes = [_box(a.rings) for a in areas]
    found = []
    for area in areas:
        x, y = _middle(max(area.rings, key=len))
        for other, (x0, y0, x1, y1) in zip(areas, boxes, strict=True):
            if other is not area and x0 <= x <= x1 and y0 <= y <= y1 and any(_inside((x, y), r) for r in other.rings):
                found.append(area)
                break
    return found


def _middle(ring: list) -> tuple[float, float]:
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    return (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2


def _extent(rings: list) -> float:
    lons, lats = [p[0] for r in rings for p in r], [p[1] for r in rings for p in r]
    return (max(lons) - min(lons)) * (max(lats) - min(lats))


@dataclass(frozen=True)
class Area:
    name: str
    rings: list  # outer rings of its polygons, (lon, lat)
    value: float | None  # None: hidden (small numbers) or not published, drawn grey
    hover: str


def _classes(values: list[float], higher_is_better: bool) -> tuple[list[float], list[str]]:
    """Equal-interval class breaks over the values, and each class's colour: darker is better either way."""
    low, high = min(values), max(values)
    breaks = [low + (high - low) * i / CLASSES for i in range(CLASSES + 1)]
    colours = sample_colorscale(SEQUENTIAL, [0.2 + 0.8 * i / (CLASSES - 1) for i in range(CLASSES)])
    return breaks, colours if higher_is_better else colours[::-1]


def _shaded_map(
    areas: list[Area], title: str, unit: str, higher_is_better: bool, labels: bool, outline: list | None = None
) -> go.Figure:
    """Areas filled by class of value (a legend names each class's range), as plain filled shapes.

    Plotly's geo traces fetch a base map (topojson) from a CDN when drawn, so they are not used: the shapes are
    filled Scatter traces on axes scaled so a kilometre east is as long as a kilometre north at this latitude. One
    trace per class, not per area, keeps a map of every council quick to build and to send; the names and values
    are on one trace of points (labels, or hover points at each area's middle).
    """
    every = [p for a in areas for ring in a.rings for p in ring]
    squash = math.cos(math.radians(sum(p[1] for p in every) / len(every)))
    values = [a.value for a in areas if a.value is not None]

    def xy(rings: list) -> tuple[np.ndarray, np.ndarray]:
        """Rings end to end, a NaN between them (a gap); arrays, which Plotly takes without checking each value."""
        points = np.array([p for ring in rings for p in [*ring, (np.nan, np.nan)]], dtype=float)
        return points[:, 0] * squash, points[:, 1]

    # Largest first, so a district lying inside another (Cambridge in South Cambridgeshire) is drawn over it.
    areas = sorted(areas, key=lambda a: _extent(a.rings), reverse=True)
    breaks, colours = _classes(values, higher_is_better) if values else ([], [])
    groups: dict[int, list[Area]] = {}
    for area in areas:
        if area.value is None:
            index = -1
        elif breaks[-1] == breaks[0]:
            index = 0
        else:
            index = min(int((area.value - breaks[0]) / (breaks[-1] - breaks[0]) * CLASSES), CLASSES - 1)
        groups.setdefault(index, []).append(area)
    fig = go.Figure()
    # Areas in drawing order (largest first) within each class; classes from the highest values down, as the legend
    # reads. An area inside another of a different class is drawn after it whatever the class order: the enclosing
    # one's class is drawn first when it is larger.
    order = sorted(groups, key=lambda i: min(areas.index(a) for a in groups[i]))
    for index in order:
        members = groups[index]
        xs, ys = xy([ring for a in members for ring in a.rings])
        name = "Hidden or not published" if index < 0 else f"{breaks[index]:.1f} to {breaks[index + 1]:.1f}{unit}"
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                fill="toself",
                fillcolor=GREY if index < 0 else colours[index],
                mode="lines",
                line={"color": "#ffffff", "width": 0.6},
                name=name,
                hoverinfo="skip",
                legendrank=1000 - index,
            )
        )
    # An area lying inside another (Cambridge in South Cambridgeshire) is drawn again on top, whichever class
    # was drawn first.
    colour_of = {a.name: GREY if i < 0 else colours[i] for i, g in groups.items() for a in g}
    for area in _enclosed(areas):
        xs, ys = xy(area.rings)
        fig.add_trace(
            go.Scatter(x=xs, y=ys, fill="toself", fillcolor=colour_of[area.name], mode="lines",
                       line={"color": "#ffffff", "width": 0.6}, hoverinfo="skip", showlegend=False, name=area.name)
        )  # fmt: skip
    if outline:
        xs, ys = xy(outline)
        fig.add_trace(
            go.Scatter(x=xs, y=ys, mode="lines", line={"color": OUTLINE, "width": 2.5}, hoverinfo="skip",
                       showlegend=False, name="outline")
        )  # fmt: skip
    if labels:
        points = [_label_point(a.rings, [r for b in areas if b is not a for r in b.rings]) for a in areas]
    else:
        points = [_middle(max(a.rings, key=len)) for a in areas]
    ink = {a.name: "#000000" if a.value is None else _ink(colours[i]) for i, g in groups.items() for a in g}
    fig.add_trace(
        go.Scatter(
            x=[p[0] * squash for p in points],
            y=[p[1] for p in points],
            text=[a.hover for a in areas] if labels else None,
            hovertext=[a.hover for a in areas],
            customdata=[a.name for a in areas],
            mode="text" if labels else "markers",
            # Black on the paler shades, white on the darkest: the label stays readable on its own fill.
            textfont={"size": 11, "color": [ink[a.name] for a in areas]},
            marker={"size": 10, "opacity": 0},
            hoverinfo="text",
            showlegend=False,
            name="labels",
        )
    )
    hidden = {"visible": False, "showgrid": False, "zeroline": False, "fixedrange": True}
    fig.update_xaxes(**hidden)
    fig.update_yaxes(**hidden, scaleanchor="x", scaleratio=1)
    title_layout, top = chart_title(title)
    fig.update_layout(
        title=title_layout,
        margin={"l": 0, "r": 0, "t": top, "b": 0},
        plot_bgcolor="#ffffff",
        dragmode=False,
        hovermode="closest",
        legend={"title": {"text": "Darker is better" if higher_is_better else "Darker is better (lower)"}},
    )
    return fig


@dataclass(frozen=True)
class DistrictMap:
    chart: Chart | None
    reason: Paragraph | None  # why there is no map (or why some areas are missing from it)


def dp_uptake_map(wh: Warehouse, period: str) -> DistrictMap:
    """The council's districts coloured by DP uptake at ``period``, suppressed as the page's table is."""
    cfg = wh.settings
    council = cfg.council.short_name
    localities = {loc.code: loc.name for loc in cfg.localities}
    drawn = {f["id"] for f in district_boundaries()["features"]} & set(localities)
    missing = [name for code, name in localities.items() if code not in drawn]
    if not drawn:
        if len(localities) == 1 and next(iter(localities)).endswith(WHOLE_AREA_SUFFIX):
            why = (
                f"No map of areas: {council} reports on its whole area as one locality (a single-tier council; the "
                "shipped open data has no wards or constituencies inside it)."
            )
        else:
            why = (
                f"No map of areas: {council}'s localities ({', '.join(sorted(missing))}) are districts that have "
                "since merged into a new council, and the shipped boundaries (ONS, May 2024) draw today's districts "
                "only."
            )
        return DistrictMap(None, Paragraph(why))
    at = uptake_history(wh, period, Disclosure(cfg.suppression_threshold)).filter(
        (pl.col("period") == period) & pl.col("locality_code").is_in(list(drawn))
    )
    rings = _polygons(drawn)
    rows = sorted(at.iter_rows(named=True), key=lambda r: r["locality_name"])
    shown = [r for r in rows if r["uptake_pct"] is not None]
    areas = [
        Area(
            r["locality_name"],
            rings[r["locality_code"]],
            r["uptake_pct"],
            f"{r['locality_name']}<br>{pct(r['uptake_pct']) if r['uptake_pct'] is not None else HIDDEN}",
        )
        for r in rows
    ]
    highest = max(shown, key=lambda r: r["uptake_pct"]) if shown else None
    lowest = min(shown, key=lambda r: r["uptake_pct"]) if shown else None
    title = (
        f"Direct payment uptake is highest in {highest['locality_name']} and lowest in {lowest['locality_name']}"
        if highest and lowest and highest is not lowest
        else f"Direct payment uptake by district, {period}"
    )
    fig = _shaded_map(areas, title, "%", True, labels=True)
    spread = (
        f" Highest {highest['locality_name']} ({pct(highest['uptake_pct'])}), lowest {lowest['locality_name']} "
        f"({pct(lowest['uptake_pct'])})."
        if highest and lowest and highest is not lowest
        else ""
    )
    reason = (
        Paragraph(f"Not on the map (no boundary in the shipped May 2024 districts): {', '.join(sorted(missing))}.")
        if missing
        else None
    )
    chart = Chart(
        fig,
        f"Map of {council}'s districts shaded by direct payment uptake at {period}.{spread}",
        height=420,
        name="dp_uptake_map",
        how_to_read="Darker blue is higher uptake (the legend gives each shade's range); each district is labelled "
        f"with its value, grey where small numbers are hidden. Boundaries: {BOUNDARIES_SOURCE}.",
        table=Table(
            f"Direct payment uptake by district, {period}",
            ["District", "People on a direct payment", "People in long-term community support", "Uptake"],
            [
                [r["locality_name"], r["dp_recipients_text"], r["community_clients_text"], pct(r["uptake_pct"])]
                for r in rows
            ],
            numeric=[False, True, True, True],
        ),
    )
    return DistrictMap(chart, reason)


def councils_map(values: pl.DataFrame, council: str, name: str) -> Chart | None:
    """Every English council shaded by one measure's published value in its latest well-covered year.

    ``values`` holds one measure's rows (every council, one or more years; ``area_name``, ``value``, ``unit``,
    ``higher_is_better``, ``measure_name``). A shire county is drawn as its districts, all one shade.
    """
    if values.is_empty():
        return None
    year = values["year"].max()
    this = values.filter((pl.col("year") == year) & (pl.col("area_code") != "E92000001"))
    by_council = {r["area_code"]: r for r in this.iter_rows(named=True)}
    districts = [(d, c) for d, c in district_councils().items() if c in by_council]
    if not districts:
        return None
    first = this.row(0, named=True)
    unit = "%" if first["unit"] == "percent" else ""
    rings = _polygons({d for d, _ in districts})
    areas = [
        Area(
            r["area_name"],
            [ring for d, c in districts if c == code for ring in rings.get(d, [])],
            r["value"],
            f"{r['area_name']}: {r['value']:.1f}{unit}",
        )
        for code, r in sorted(by_council.items())
    ]
    areas = [a for a in areas if a.rings]
    own = [ring for d, c in districts if c == council for ring in rings.get(d, [])]
    measure_name = first["measure_name"]
    mine = by_council.get(council)
    title = (
        f"{name}: {mine['value']:.1f}{unit} on {measure_name}, {year}, among England's councils"
        if mine
        else f"{measure_name} by council, {year}"
    )
    fig = _shaded_map(areas, title, unit, bool(first["higher_is_better"]), labels=False, outline=own or None)
    where = f"{name} (outlined in orange): {mine['value']:.1f}{unit}." if mine else f"{name} has no value for {year}."
    better = "Darker is better" if first["higher_is_better"] else "Darker is better (lower values)"
    return Chart(
        fig,
        f"Map of England's councils shaded by {measure_name}, {year}. {where}",
        height=520,
        name="benchmark_map",
        how_to_read=f"{better} (the legend gives each shade's range); the council is outlined in orange and every "
        "council is named, with its value, when its middle is pointed at. "
        f"A shire county is drawn as its districts, all one shade. Boundaries: {BOUNDARIES_SOURCE}.",
        table=Table(
            f"{measure_name}, {year}, by council",
            ["Council", "Value"],
            [
                [r["area_name"], f"{r['value']:.1f}{unit}"]
                for r in sorted(by_council.values(), key=lambda r: r["area_name"])
            ],
            numeric=[False, True],
        ),
    )
