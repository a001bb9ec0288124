"""POPPI-style demand projection: projected population by age band x a service-use rate.

The expected number of people in long-term community support in an area and year is, per age band,

    expected = (people supported today / need today) x need in that year

where *need* is the population weighted by the age-specific prevalence of needing help with self-care
(the POPPI assumption "Needing support with self-care", Health Survey for England 2017). Weighting by
prevalence matters because a band ages inside itself: more of the 85+ band will be over 90 by 2040,
and people over 90 need help far more often. For people under 65, for whom the shipped files hold no
prevalence and no single-year population, need is the population aged under 65 itself (ONS "All ages"
minus 65+), so the rate is people supported per head of that population.

The service-use rate is held at today's level: the projection answers "if the council supported the
same share of people in need as today". The scenario engine (:mod:`models.scenarios`) varies that rate.

Inputs are long Polars frames in the warehouse's own shapes; every function is pure.
"""

from __future__ import annotations

import re

import polars as pl

NEED_INDICATOR = "Needing support with self-care"
OLDEST_SINGLE_YEAR = 90  # ONS publishes "90 and over" as its last age group
LAST_YEAR = 2040
# People Client Level Data cannot place in a district: an area of their own in the demand marts, in the county
UNPLACED = "unplaced"
UNPLACED_NAME = "Not placed in a district"


def _group_bounds(group: str) -> tuple[int, int]:
    """'65-69' -> (65, 69); '90+' -> (90, 200)."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)|\+)\s*", group)
    if not match:
        raise ValueError(f"age group {group!r} is neither 'a-b' nor 'a+'")
    low, high = match.groups()
    return int(low), int(high) if high else 200


def prevalence_by_age(assumptions: pl.DataFrame, indicator: str = NEED_INDICATOR) -> pl.DataFrame:
    """Prevalence for persons by single year of age 65..90 from POPPI-style assumptions.

    Parameters
    ----------
    assumptions : polars.DataFrame
        The shipped assumptions file: columns ``Indicator``, ``Sex``, ``Age group`` (``65-69`` ... ``90+``)
        and ``Assumption`` (a proportion; blank where a local figure is applied instead).
    indicator : str
        The indicator to use.

    Returns
    -------
    polars.DataFrame
        ``age`` (65..90, where 90 means 90 and over) and ``prevalence``: the unweighted mean of the male
        and female rates (the shipped population is persons only).
    """
    rows = assumptions.filter(pl.col("Indicator") == indicator).drop_nulls("Assumption")
    if rows.is_empty():
        raise ValueError(f"no prevalence figures for {indicator!r} in the assumptions")
    by_group = rows.group_by("Age group").agg(pl.col("Assumption").cast(pl.Float64).mean().alias("prevalence"))
    bounds = {group: _group_bounds(group) for group in by_group["Age group"].to_list()}
    prevalence = dict(zip(by_group["Age group"].to_list(), by_group["prevalence"].to_list(), strict=True))
    ages, values = [], []
    for age in range(65, OLDEST_SINGLE_YEAR + 1):
        groups = [group for group, (low, high) in bounds.items() if low <= age <= high]
        if not groups:
            raise ValueError(f"the assumptions for {indicator!r} do not cover age {age}")
        ages.append(age)
        values.append(prevalence[groups[0]])
    return pl.DataFrame({"age": ages, "prevalence": values}, schema={"age": pl.Int64, "prevalence": pl.Float64})


def population_by_band(single_years: pl.DataFrame, prevalence: pl.DataFrame) -> pl.DataFrame:
    """Population and people needing help with self-care, per area, age band and projection year.

    Parameters
    ----------
    single_years : polars.DataFrame
        ``area_code, area_name, age_group, projection_year, population`` with ``age_group`` one of
        ``"65"`` ... ``"89"``, ``"90 and over"`` and ``"All ages"`` (the ONS SNPP Z1 layout, persons).
    prevalence : polars.DataFrame
        From :func:`prevalence_by_age`.

    Returns
    -------
    polars.DataFrame
        ``area_code, area_name, age_band, projection_year, population, need``. For 65+ bands ``need`` is
        the prevalence-weighted population; for ``18-64`` it is the population under 65 (all ages minus
        65+, children included, as the shipped file has no younger single years).
    """
    frame = single_years.with_columns(
        age=pl.when(pl.col("age_group") == "90 and over")
        .then(pl.lit(OLDEST_SINGLE_YEAR))
        .otherwise(pl.col("age_group").cast(pl.Int64, strict=False))
    )
    keys = ["area_code", "area_name", "projection_year"]
    older = (
        frame.filter(pl.col("age") >= 65)
        .join(prevalence, on="age", how="left")
        .with_columns(
            age_band=pl.when(pl.col("age") < 75)
            .then(pl.lit("65-74"))
            .when(pl.col("age") < 85)
            .then(pl.lit("75-84"))
            .otherwise(pl.lit("85+")),
            need=pl.col("population") * pl.col("prevalence"),
        )
        .group_by([*keys, "age_band"])
        .agg(pl.col("population").sum(), pl.col("need").sum())
    )
    total_65 = older.group_by(keys).agg(pl.col("population").sum().alias("over_65"))
    under_65 = (
        frame.filter(pl.col("age_group") == "All ages")
        .join(total_65, on=keys, how="left")
        .select(
            *keys,
            pl.lit("18-64").alias("age_band"),
            (pl.col("population") - pl.col("over_65").fill_null(0)).alias("population"),
        )
        .with_columns(need=pl.col("population"))
    )
    return pl.concat([under_65, older], how="diagonal").select(
        "area_code", "area_name", "age_band", "projection_year", "population", "need"
    )


def service_use_rates(clients: pl.DataFrame, bands: pl.DataFrame, base_year: int) -> pl.DataFrame:
    """People supported today per head of population and per person in need, by area and age band.

    Parameters
    ----------
    clients : polars.DataFrame
        ``locality_code, age_band, people``: people in long-term community support at the base date.
    bands : polars.DataFrame
        From :func:`population_by_band`.
    base_year : int
        Projection year matching the base date (the financial year's first calendar year).

    Returns
    -------
    polars.DataFrame
        ``area_code, age_band, people, population, need, per_1000_population, per_person_in_need`` for every
        area and band in ``bands`` (bands without clients have a rate of zero).
    """
    base = bands.filter(pl.col("projection_year") == base_year)
    if base.is_empty():
        raise ValueError(f"the population projection has no figures for {base_year}")
    supported = clients.select(
        pl.col("locality_code").alias("area_code"), "age_band", pl.col("people").cast(pl.Float64)
    )
    return (
        base.join(supported, on=["area_code", "age_band"], how="left")
        .with_columns(pl.col("people").fill_null(0.0))
        .select(
            "area_code",
            "age_band",
            "people",
            "population",
            "need",
            (1000 * pl.col("people") / pl.col("population")).alias("per_1000_population"),
            pl.when(pl.col("need") > 0)
            .then(pl.col("people") / pl.col("need"))
            .otherwise(0.0)
            .alias("per_person_in_need"),
        )
        .sort("area_code", "age_band")
    )


def project_demand(
    bands: pl.DataFrame, rates: pl.DataFrame, base_year: int, last_year: int = LAST_YEAR
) -> pl.DataFrame:
    """Expected people needing council support per area, age band and year, from the base year on.

    Parameters
    ----------
    bands : polars.DataFrame
        From :func:`population_by_band`.
    rates : polars.DataFrame
        From :func:`service_use_rates`.
    base_year, last_year : int
        First and last projection years to return.

    Returns
    -------
    polars.DataFrame
        ``area_code, area_name, age_band, projection_year, population, need, people_in_need_65_plus,
        expected_people`` where ``expected_people = per_person_in_need x need``; in the base year it equals
        the people supported today. ``people_in_need_65_plus`` is the POPPI estimate of people aged 65+
        unable to manage a self-care task (null for 18-64).
    """
    return (
        bands.filter(pl.col("projection_year").is_between(base_year, last_year))
        .join(rates.select("area_code", "age_band", "per_person_in_need"), on=["area_code", "age_band"], how="inner")
        .select(
            "area_code",
            "area_name",
            "age_band",
            "projection_year",
            "population",
            "need",
            pl.when(pl.col("age_band") != "18-64").then(pl.col("need")).alias("people_in_need_65_plus"),
            (pl.col("per_person_in_need") * pl.col("need")).alias("expected_people"),
        )
        .sort("area_code", "age_band", "projection_year")
    )


def project_unplaced(projection: pl.DataFrame, unplaced: pl.DataFrame) -> pl.DataFrame:
    """Expected people among those not placed in a district: today's count per band grown as the county's band.

    They live somewhere in the council's area, so their band grows as the districts' band does together;
    they have no population of their own (``population`` and ``need`` are null, not counted twice).

    Parameters
    ----------
    projection : polars.DataFrame
        The districts' projection from :func:`project_demand`.
    unplaced : polars.DataFrame
        ``age_band, people``: people not placed in a district at the base date.

    Returns
    -------
    polars.DataFrame
        The columns of :func:`project_demand` with ``area_code`` = :data:`UNPLACED`; empty if nobody is unplaced.
    """
    if unplaced.is_empty() or unplaced["people"].sum() == 0:
        return projection.clear()
    county = projection.group_by("age_band", "projection_year").agg(pl.col("expected_people").sum())
    first = pl.col("expected_people").sort_by("projection_year").first().over("age_band")
    growth = county.with_columns(growth=pl.when(first > 0).then(pl.col("expected_people") / first).otherwise(1.0))
    return (
        growth.join(unplaced.select("age_band", pl.col("people").cast(pl.Float64)), on="age_band", how="inner")
        .select(
            pl.lit(UNPLACED).alias("area_code"),
            pl.lit(UNPLACED_NAME).alias("area_name"),
            "age_band",
            "projection_year",
            pl.lit(None, pl.Float64).alias("population"),
            pl.lit(None, pl.Float64).alias("need"),
            pl.lit(None, pl.Float64).alias("people_in_need_65_plus"),
            (pl.col("people") * pl.col("growth")).alias("expected_people"),
        )
        .cast({name: dtype for name, dtype in projection.schema.items()})
        .sort("area_code", "age_band", "projection_year")
    )


def demand_index(projection: pl.DataFrame) -> pl.DataFrame:
    """Expected people (all age bands) per area and year relative to the first year (1.0 there).

    Returns
    -------
    polars.DataFrame
        ``area_code, projection_year, expected_people, index``.
    """
    totals = (
        projection.group_by("area_code", "projection_year")
        .agg(pl.col("expected_people").sum())
        .sort("area_code", "projection_year")
    )
    first = pl.col("expected_people").first().over("area_code")
    return totals.with_columns(index=pl.when(first > 0).then(pl.col("expected_people") / first).otherwise(1.0))


def poppi_projection(
    single_years: pl.DataFrame,
    assumptions: pl.DataFrame,
    clients: pl.DataFrame,
    base_year: int,
    last_year: int = LAST_YEAR,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The whole projection: (projection by area, band and year, service-use rates at the base year).

    Parameters are those of :func:`prevalence_by_age`, :func:`population_by_band`, :func:`service_use_rates`
    and :func:`project_demand`.
    """
    bands = population_by_band(single_years, prevalence_by_age(assumptions))
    rates = service_use_rates(clients, bands, base_year)
    return project_demand(bands, rates, base_year, last_year), rates
