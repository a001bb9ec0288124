"""Make ``data/public/national/district_boundaries.geojson``: England's districts (May 2024) with GSS codes.

Run once by a maintainer::

    .venv/bin/python scripts/district_boundaries_data.py BOUNDARIES_GEOJSON

``BOUNDARIES_GEOJSON`` is ONS "Local Authority Districts (May 2024) Boundaries UK BUC" (ultra generalised, 500 m,
clipped to the coastline) filtered to England with names only, as kept in the public repository
``a-b-street/ltn`` (``data_prep/england/boundaries.geojson``). Each district's name is matched to its code in the
shipped ONS December 2024 lookup (``districts.parquet``; the districts are the same); an unmatched name stops the
script. Coordinates are rounded to 0.001 degree (about 100 m, finer than the 500 m generalisation), which keeps
the file small enough to ship and to draw in the browser without fetching anything.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polars as pl

NATIONAL = Path(__file__).resolve().parent.parent / "data" / "public" / "national"
OUT = NATIONAL / "district_boundaries.geojson"


def _rounded(coordinates):
    if isinstance(coordinates[0], (int, float)):
        return [round(coordinates[0], 3), round(coordinates[1], 3)]
    rings = [_rounded(c) for c in coordinates]
    if rings and isinstance(rings[0][0], float):  # a ring: drop points that rounding made repeat
        rings = [p for i, p in enumerate(rings) if i == 0 or p != rings[i - 1]]
    return rings


def boundaries(source: Path) -> dict:
    codes = dict(pl.read_parquet(NATIONAL / "districts.parquet").select("district_name", "district_code").iter_rows())
    features = []
    for feature in json.loads(source.read_text())["features"]:
        name = feature["properties"]["name"]
        if name not in codes:
            raise SystemExit(f"{source}: district {name!r} is not in districts.parquet")
        geometry = feature["geometry"]
        features.append(
            {
                "type": "Feature",
                "id": codes[name],
                "properties": {"name": name},
                "geometry": {"type": geometry["type"], "coordinates": _rounded(geometry["coordinates"])},
            }
        )
    missing = set(codes.values()) - {f["id"] for f in features}
    if missing:
        raise SystemExit(f"{source} lacks districts {', '.join(sorted(missing))}")
    return {"type": "FeatureCollection", "features": sorted(features, key=lambda f: f["id"])}


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit(__doc__)
    collection = boundaries(Path(argv[0]))
    OUT.write_text(json.dumps(collection, separators=(",", ":")) + "\n")
    print(f"{OUT}: {len(collection['features'])} districts, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
