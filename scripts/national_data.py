"""Make the shipped national comparators (``data/public/national/*.parquet``) from the published files.

Run once by a maintainer when a new publication arrives::

    .venv/bin/python scripts/national_data.py ../shared/data/national

The inputs are the published files described in that folder's ``PROVENANCE.md`` (DHSC ASCOF time series,
NHS Digital ASCOF 2018-19 to 2020-21, Oflog's ASC metrics, ONS mid-year estimates and lookups). Values are
copied as published: nothing is estimated. What changes is the shape: one long table of ASCOF values
(value, numerator, denominator, margin of error and respondents side by side), population summed into the
age bands the dashboard uses, and one table of areas with their kind, region and successor.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import polars as pl

OUT = Path(__file__).resolve().parent.parent / "data" / "public" / "national"
MISSING = ["[x]", "[c]", "[z]", "", "-"]
DHSC_SOURCE = "DHSC ASCOF time series 2015-16 to 2024-25"

# NHS Digital's 2018-19 and 2019-20 extracts carry descriptions, not codes: the first pattern that
# matches a description gives its (pre-2023) code.
DESCRIPTION_CODES = [
    (r"adjusted social care-related quality of life", "1J"),
    (r"carer-reported quality of life", "1D"),
    (r"delayed transfers.*jointly", "2C3"),
    (r"delayed transfers.*attributable to adult social care", "2C2"),
    (r"delayed transfers", "2C1"),
    (r"older adults aged 65 and over met by admission", "2A2"),
    (r"younger adults aged 18-64 met by admission", "2A1"),
    (r"overall satisfaction of carers", "3B"),
    (r"overall satisfaction of people who use services", "3A"),
    (r"social care-related quality of life", "1A"),
    (r"short.term service", "2D"),
    (r"mental health services.*paid employment", "1F"),
    (r"mental health services.*(live|living) independently", "1H"),
    (r"learning disabilit.*paid employment", "1E"),
    (r"learning disabilit.*own home", "1G"),
    (r"carers who find it easy to find information", "3D2"),
    (r"find it easy to find information", "3D1"),
    (r"carers who report that they have been included", "3C"),
    (r"carers who reported that they had as much social contact", "1I2"),
    (r"had as much social contact", "1I1"),
    (r"91 days.*offered the service|received reablement/rehabilitation services after discharge", "2B2"),
    (r"91 days", "2B1"),
    (r"made them feel safe and secure", "4B"),
    (r"feel safe", "4A"),
    (r"control over their daily life", "1B"),
    (r"carers who receive direct payments", "1C2B"),
    (r"carers who receive self-directed", "1C1B"),
    (r"receive direct payments", "1C2A"),
    (r"receive self-directed support", "1C1A"),
]

COLUMNS = [
    "year",
    "area_code",
    "cassr_code",
    "area_name",
    "area_level",
    "framework",
    "published_code",
    "value",
    "numerator",
    "denominator",
    "margin_of_error",
    "respondents",
    "source",
]


def fy(text: str) -> str:
    """``2015 to 2016`` or ``2015-16`` -> ``2015/16``."""
    first = int(re.match(r"\s*(\d{4})", text).group(1))
    return f"{first}/{(first + 1) % 100:02d}"


def code(text: str) -> str:
    """``3D(2a)`` -> ``3D2A``, as the warehouse writes published codes."""
    return re.sub(r"[\s()]", "", text).upper()


def level(area_code: str) -> str:
    if area_code == "E92000001":
        return "England"
    return "Region" if area_code.startswith("E12") else "Council"


def number(column: str) -> pl.Expr:
    """A published cell as a number. Region and England carers' figures read "7.7 (7.6)": the value under the
    current weighting, then (in brackets) under the one before 2014-15 ([note 7]); the first is the measure."""
    text = pl.col(column).cast(pl.String).str.strip_chars().replace(MISSING, None)
    return text.str.replace(r"\s*\(.*\)$", "").str.replace_all(",", "").cast(pl.Float64, strict=False)


def dhsc(folder: Path) -> pl.DataFrame:
    raw = pl.read_csv(folder / "ascof/dhsc_ascof_timeseries_2015_16_to_2024_25_long.csv", infer_schema=False)
    raw = raw.filter(pl.col("ons_area_code").str.contains(r"^E(06|08|09|10|12|92)"))
    kinds = {
        "outcome": "value",
        "numerator": "numerator",
        "denominator": "denominator",
        "margin of error": "margin_of_error",
        "number of respondents": "respondents",
        # 6B: the headline is the share rated good or outstanding ("6b").
        "6b outcome": "value",
        "6b numerator": "numerator",
        "6b denominator": "denominator",
    }
    raw = raw.filter(pl.col("measure_type").is_in(list(kinds))).with_columns(
        pl.col("measure_type").replace(kinds).alias("kind"),
        number("value").alias("number"),
        pl.col("table").str.replace("Table_", "").map_elements(code, return_dtype=pl.String).alias("published_code"),
        pl.col("year").map_elements(fy, return_dtype=pl.String),
    )
    wide = raw.pivot(
        on="kind",
        index=["year", "ons_area_code", "local_authority_code", "local_authority", "published_code"],
        values="number",
        aggregate_function="first",
    )
    return wide.select(
        "year",
        pl.col("ons_area_code").alias("area_code"),
        pl.when(pl.col("ons_area_code").str.contains(r"^E(06|08|09|10)"))
        .then(pl.col("local_authority_code"))
        .alias("cassr_code"),
        pl.col("local_authority").alias("area_name"),
        pl.col("ons_area_code").map_elements(level, return_dtype=pl.String).alias("area_level"),
        pl.lit("2023").alias("framework"),
        "published_code",
        *[pl.col(c) if c in wide.columns else pl.lit(None, pl.Float64).alias(c) for c in COLUMNS[7:12]],
        pl.lit(DHSC_SOURCE).alias("source"),
    )


def nhsd_2020_21(folder: Path) -> pl.DataFrame:
    raw = pl.read_csv(folder / "ascof/ascof_2020_21_open_data.csv", infer_schema=False)
    raw = raw.filter(
        (pl.col("Disaggregation Level") == "Total")
        & pl.col("Geographical Level").is_in(["Council", "Region", "England"])
        & pl.col("Measure Type").is_in(["Outcome", "Numerator", "Denominator", "Base", "Margin Of Error"])
    ).with_columns(
        pl.col("Measure Type")
        .replace(
            {
                "Outcome": "value",
                "Numerator": "numerator",
                "Denominator": "denominator",
                "Base": "respondents",
                "Margin Of Error": "margin_of_error",
            }
        )
        .alias("kind"),
        number("Measure Value").alias("number"),
    )
    wide = raw.pivot(
        on="kind",
        index=["Geographical Code", "ONS Code", "Geographical Description", "Geographical Level", "ASCOF Measure Code"],
        values="number",
        aggregate_function="first",
    )
    return wide.select(
        pl.lit("2020/21").alias("year"),
        pl.col("ONS Code").alias("area_code"),
        pl.when(pl.col("Geographical Level") == "Council").then(pl.col("Geographical Code")).alias("cassr_code"),
        pl.col("Geographical Description").alias("area_name"),
        pl.col("Geographical Level").alias("area_level"),
        pl.lit("2014").alias("framework"),
        pl.col("ASCOF Measure Code").map_elements(code, return_dtype=pl.String).alias("published_code"),
        *[pl.col(c) if c in wide.columns else pl.lit(None, pl.Float64).alias(c) for c in COLUMNS[7:12]],
        pl.lit("NHS Digital ASCOF 2020-21 open data").alias("source"),
    ).filter(pl.col("area_code").is_not_null() & (pl.col("area_code") != ""))


def description_code(row: dict) -> str | None:
    if row["measure_group_inferred"]:
        return code(row["measure_group_inferred"])
    text = row["Measure Group Description"].lower()
    return next((c for pattern, c in DESCRIPTION_CODES if re.search(pattern, text)), None)


def nhsd_outcomes(folder: Path, file_name: str) -> pl.DataFrame:
    raw = pl.read_csv(folder / "ascof" / file_name, infer_schema=False).fill_null("")
    raw = raw.filter(pl.col("Disaggregation Level") == "Total")
    codes = [description_code(r) for r in raw.iter_rows(named=True)]
    year = fy(raw["financial_year"][0])
    return raw.with_columns(pl.Series("published_code", codes)).select(
        pl.lit(year).alias("year"),
        pl.col("ONS Code").alias("area_code"),
        pl.lit(None, pl.String).alias("cassr_code"),
        pl.col("Geographical Description").alias("area_name"),
        pl.col("Geographical Level").alias("area_level"),
        pl.lit("2014").alias("framework"),
        "published_code",
        number("Measure Value").alias("value"),
        *[pl.lit(None, pl.Float64).alias(c) for c in COLUMNS[8:12]],
        pl.lit(f"NHS Digital ASCOF {year.replace('/', '-')} open data (extract)").alias("source"),
    )


def oflog_short_term_sequel(folder: Path) -> pl.DataFrame:
    """ASCOF 2D (short-term services: sequel to service) for 2015-16 to 2022-23, from Oflog's metrics."""
    raw = pl.read_csv(folder / "ascof/oflog_asc_data_2015_16_to_2022_23.csv", infer_schema=False)
    raw = raw.filter(pl.col("Code") == "ASC5")
    return raw.select(
        pl.col("Financial year").map_elements(fy, return_dtype=pl.String).alias("year"),
        pl.col("Local authority code").alias("area_code"),
        pl.lit(None, pl.String).alias("cassr_code"),
        pl.col("Local authority name").alias("area_name"),
        pl.lit("Council").alias("area_level"),
        pl.lit("2014").alias("framework"),
        pl.lit("2D").alias("published_code"),
        number("Value").alias("value"),
        *[pl.lit(None, pl.Float64).alias(c) for c in COLUMNS[8:12]],
        pl.lit("Oflog adult social care metrics (ASC5 = ASCOF 2D)").alias("source"),
    )


def ascof(folder: Path) -> pl.DataFrame:
    parts = [
        dhsc(folder),
        nhsd_2020_21(folder),
        nhsd_outcomes(folder, "ascof_2018_19_outcomes_via_alma.csv"),
        nhsd_outcomes(folder, "ascof_2019_20_outcomes_via_alma.csv"),
    ]
    published = pl.concat(parts, how="vertical_relaxed")
    # Oflog's 2D only where NHS Digital's own files give no 2D for that year and council.
    have = published.filter(pl.col("published_code") == "2D").select("year", "area_code")
    oflog = oflog_short_term_sequel(folder).join(have, on=["year", "area_code"], how="anti")
    frame = pl.concat([published, oflog], how="vertical_relaxed")
    frame = frame.filter(
        pl.col("published_code").is_not_null() & pl.any_horizontal(pl.col(COLUMNS[7:12]).is_not_null())
    )
    return frame.select(COLUMNS).sort("year", "published_code", "area_code")


BANDS = {"18-64": (18, 64), "65-74": (65, 74), "75-84": (75, 84), "85+": (85, 90)}


def population(folder: Path) -> pl.DataFrame:
    raw = pl.read_csv(folder / "population/ons_mye2_2015_2020_single_year_of_age.csv", infer_schema=False)
    raw = raw.filter((pl.col("sex") == "persons") & pl.col("Code").str.contains(r"^E(06|07|08|09|10|11|12|92)"))
    ages = {str(a): a for a in range(91)} | {"90+": 90}
    bands = [
        pl.sum_horizontal(
            [pl.col(c).cast(pl.Int64) for c, a in ages.items() if lo <= a <= hi and c in raw.columns]
        ).alias(band)
        for band, (lo, hi) in BANDS.items()
    ]
    wide = raw.select(
        pl.col("mid_year").cast(pl.Int32),
        pl.col("Code").alias("area_code"),
        pl.col("Name").alias("area_name"),
        pl.col("All ages").cast(pl.Int64).alias("All ages"),
        *bands,
    )
    return wide.unpivot(index=["mid_year", "area_code", "area_name"], variable_name="age_band", value_name="population")


def population_single_years(folder: Path) -> pl.DataFrame:
    """Persons aged 65 to 89 by single year, 90 and over, and all ages, per area and mid-year: the layout of
    the ONS projection files (age_group "65".."89", "90 and over", "All ages"), for the demand projection."""
    raw = pl.read_csv(folder / "population/ons_mye2_2015_2020_single_year_of_age.csv", infer_schema=False)
    raw = raw.filter((pl.col("sex") == "persons") & pl.col("Code").str.contains(r"^E(06|07|08|09|10|92)"))
    ages = ["All ages", *[str(a) for a in range(65, 90)], "90+"]
    wide = raw.select(
        pl.col("mid_year").cast(pl.Int32),
        pl.col("Code").alias("area_code"),
        pl.col("Name").alias("area_name"),
        *[pl.col(a).cast(pl.Int64).alias("90 and over" if a == "90+" else a) for a in ages],
    )
    return wide.unpivot(
        index=["mid_year", "area_code", "area_name"], variable_name="age_group", value_name="population"
    )


KINDS = {"E06": "Unitary authority", "E08": "Metropolitan district", "E09": "London borough", "E10": "Shire county"}


# Councils abolished since 2015 and the councils that took over their area (ONS boundary changes: Dorset,
# Bournemouth and Poole 2019; Northamptonshire 2021; Cumbria, North Yorkshire and Somerset 2023). The last two
# kept their area and took a new code, so their series continue; the others were split or merged.
SUCCESSORS = {
    "E06000028": "E06000058",  # Bournemouth -> Bournemouth, Christchurch and Poole
    "E06000029": "E06000058",  # Poole -> Bournemouth, Christchurch and Poole
    "E10000009": "E06000059",  # Dorset County Council -> Dorset Council
    "E10000021": "E06000061;E06000062",  # Northamptonshire -> North and West Northamptonshire
    "E10000006": "E06000063;E06000064",  # Cumbria -> Cumberland, Westmorland and Furness
    "E10000023": "E06000065",  # North Yorkshire County Council -> North Yorkshire Council (same area)
    "E10000027": "E06000066",  # Somerset County Council -> Somerset Council (same area)
}
SAME_AREA = {"E10000023", "E10000027"}


def areas(folder: Path) -> pl.DataFrame:
    """Every council with adult social care duties since 2015, current or not, with its kind and region."""
    cassr = pl.read_csv(folder / "lookups/cassr_code_to_gss_from_ascof.csv", infer_schema=False)
    utla = pl.read_csv(folder / "lookups/drkane_utla_all_codes.csv", infer_schema=False)
    lad = pl.read_csv(folder / "lookups/drkane_la_all_codes.csv", infer_schema=False)
    region_of = (
        dict(zip(lad["LAD20CD"], lad["RGNCD"], strict=True))
        | dict(zip(lad["UTLACD"], lad["RGNCD"], strict=True))
        | dict(zip(utla["UTLACD"], utla["RGNCD"], strict=True))
    )
    region_name = dict(zip(utla["RGNCD"], utla["RGNNM"], strict=True))
    rows = []
    for r in cassr.iter_rows(named=True):
        gss = r["ons_code"]
        successors = SUCCESSORS.get(gss, "")
        region = region_of.get(gss) or region_of.get(successors.split(";")[0])
        rows.append(
            {
                "area_code": gss,
                "cassr_code": r["la_code"],
                "area_name": r["la_name"],
                "kind": KINDS.get(gss[:3], "Council"),
                "region_code": region,
                "region_name": region_name.get(region),
                "current": r["current_2024_25"] == "True",
                "successor_codes": successors,
                "same_area_as_successor": gss in SAME_AREA,
            }
        )
    return pl.DataFrame(rows).sort("area_code")


def districts(folder: Path) -> pl.DataFrame:
    """Lower-tier districts (December 2024) and the county or unitary council they belong to."""
    lookup = pl.read_csv(folder / "lookups/ons_lad24_ctyua24_lookup_dec2024_EW.csv", infer_schema=False)
    return lookup.filter(pl.col("LAD24CD").str.starts_with("E")).select(
        pl.col("LAD24CD").alias("district_code"),
        pl.col("LAD24NM").alias("district_name"),
        pl.col("CTYUA24CD").alias("council_code"),
    )


def district_history(folder: Path) -> pl.DataFrame:
    """Every district code used since 2011 and the council whose area holds it now (drkane/geo-lookups, from ONS)."""
    lad = pl.read_csv(folder / "lookups/drkane_la_all_codes.csv", infer_schema=False)
    return lad.filter(pl.col("LADCD").str.starts_with("E")).select(
        pl.col("LADCD").alias("district_code"),
        pl.col("LADNM").alias("district_name"),
        pl.col("UTLACD").alias("council_code_now"),
    )


def main(folder: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, frame in {
        "ascof": ascof(folder),
        "population": population(folder),
        "population_single_years": population_single_years(folder),
        "areas": areas(folder),
        "districts": districts(folder),
        "district_history": district_history(folder),
    }.items():
        frame.write_parquet(OUT / f"{name}.parquet", compression="zstd", compression_level=19, statistics=False)
        print(f"{name}.parquet: {frame.height:,} rows, {(OUT / f'{name}.parquet').stat().st_size:,} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/national"))
