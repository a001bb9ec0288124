"""Make ``data/public/national/postcode_districts.parquet``: the postcodes of each outward code in each district.

Run once by a maintainer::

    .venv/bin/python scripts/postcode_districts_data.py CODEPOINT_CSV_FOLDER DRKANE_LA_ALL_CODES_CSV

- ``CODEPOINT_CSV_FOLDER``: the ``Data/CSV`` folder of OS Code-Point Open (one CSV per postcode area, no header:
  postcode, quality, easting, northing, country, NHS region, NHS health authority, county, district, ward).
  The copy used is the August 2014 release (dataset 2014.3.0) kept in the public GitHub repository
  ``open-postcode/codepoint``.
- ``DRKANE_LA_ALL_CODES_CSV``: ``la_all_codes.csv`` of drkane/geo-lookups (compiled from ONS), which gives the
  district each older district code is now part of (``LADCD_ACTIVE``) and its upper-tier council (``UTLACD``).

The output counts postcodes, not people: a postcode is about 15 addresses, so the share of an outward code's
postcodes in a district is a fair guide to where its residents live. Only what placing a person needs is kept:
outward code, district code as published in 2014, the district and council that hold its area now, and the count.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

OUT = Path(__file__).resolve().parent.parent / "data" / "public" / "national" / "postcode_districts.parquet"
CODEPOINT_COLUMNS = [
    "postcode", "quality", "easting", "northing", "country", "nhs_region", "nhs_ha", "county", "district", "ward"
]


def codepoint(folder: Path) -> pl.DataFrame:
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise SystemExit(f"{folder} holds no Code-Point Open CSV files")
    frame = pl.concat(
        [pl.read_csv(f, has_header=False, new_columns=CODEPOINT_COLUMNS, infer_schema=False) for f in files]
    )
    # England only: the councils served are English, and a Welsh or Scottish district never becomes a locality.
    # Outward codes straddling the border keep only their English postcodes, so their shares are of those.
    # Postcodes with no district (a few non-geographic ones) place nobody and are left out.
    frame = frame.filter((pl.col("country") == "E92000001") & pl.col("district").str.starts_with("E"))
    # Code-Point writes postcodes in seven characters ("NG1 1AA", "NG171AA"): the inward code is the last three.
    compact = pl.col("postcode").str.replace_all(r"\s+", "")
    return frame.select(
        outward_code=compact.str.slice(0, compact.str.len_chars() - 3),
        district_code=pl.col("district"),
    )


def postcode_districts(folder: Path, la_codes: Path) -> pl.DataFrame:
    active = pl.read_csv(la_codes, infer_schema=False).select(
        district_code="LADCD", district_code_now="LADCD_ACTIVE", council_code_now="UTLACD"
    )
    counts = codepoint(folder).group_by("outward_code", "district_code").len("postcodes")
    frame = counts.join(active, on="district_code", how="left")
    unknown = frame.filter(pl.col("district_code_now").is_null())["district_code"].unique().to_list()
    if unknown:
        raise SystemExit(f"district codes not in {la_codes}: {', '.join(sorted(unknown))}")
    return frame.select(
        "outward_code", "district_code", "district_code_now", "council_code_now", pl.col("postcodes").cast(pl.Int32)
    ).sort("outward_code", "district_code")


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        raise SystemExit(__doc__)
    frame = postcode_districts(Path(argv[0]), Path(argv[1]))
    frame.write_parquet(OUT, compression="zstd")
    codes = frame["outward_code"].n_unique()
    print(f"{OUT}: {frame.height} rows, {codes} outward codes, {frame['postcodes'].sum()} postcodes")


if __name__ == "__main__":
    main(sys.argv[1:])
