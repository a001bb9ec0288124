"""`asc init COUNCIL`: write the settings file for any English council from the shipped national lookups.

The council is found by GSS code or name in ``data/public/national/areas.parquet`` (councils current in
2024-25); its districts come from the ONS December 2024 lookup or, for a unitary formed from districts, from
the districts whose area it now holds. A single-tier council with neither (a London borough, a metropolitan
district, most unitaries) reports on its whole area as one locality. An unknown council is refused with the
closest names.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import polars as pl

from pipelines.config import DEFAULT_LOCALITIES, PROJECT_ROOT, load_settings

NATIONAL = PROJECT_ROOT / "data" / "public" / "national"
FORMAL_SUFFIX = {
    "Shire county": "County Council",
    "London borough": "Council",
    "Metropolitan district": "Council",
    "Unitary authority": "Council",
}

# An outward code is listed under every locality holding at least this share of the council's postcodes in it
# (two such localities make it a shared code, settled by the postcode lookup), provided the council holds at
# least MIN_COUNCIL_SHARE of the code's postcodes (a few stray postcodes across a boundary place nobody).
LOCALITY_SHARE = 0.2
MIN_COUNCIL_SHARE = 0.1
# Fewer postcodes than this in a locality is a large user's code (NG90, a business address) or a stray few, where
# hardly anyone lives: not listed.
MIN_POSTCODES = 25

# Suffix of the one locality a single-tier council reports on (its whole area), e.g. E09000022-area.
WHOLE_AREA_SUFFIX = "-area"


class UnknownCouncil(ValueError):
    """No current council matches the name or code given."""


def _plain(text: str) -> str:
    text = text.lower().replace("&", "and")
    text = re.sub(
        r"\b(london borough of|royal borough of|city of|county council|borough council|city council|"
        r"metropolitan borough council|council)\b",
        " ",
        text,
    )
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def councils(folder: Path = NATIONAL) -> pl.DataFrame:
    return pl.read_parquet(folder / "areas.parquet").filter(pl.col("current"))


def find_council(query: str, folder: Path = NATIONAL) -> dict:
    """The current council whose GSS code, CASSR code or name is ``query``; UnknownCouncil with suggestions."""
    table = councils(folder)
    wanted = query.strip()
    by_code = table.filter((pl.col("area_code") == wanted.upper()) | (pl.col("cassr_code") == wanted.upper()))
    if by_code.height == 1:
        return by_code.row(0, named=True)
    names = table["area_name"].to_list()
    plain = {_plain(n): n for n in names}
    if _plain(wanted) in plain:
        return table.filter(pl.col("area_name") == plain[_plain(wanted)]).row(0, named=True)
    close = difflib.get_close_matches(_plain(wanted), list(plain), n=5, cutoff=0.5)
    suggestion = f" Closest names: {', '.join(plain[c] for c in close)}." if close else ""
    raise UnknownCouncil(
        f"No English council with adult social care duties is called or coded {query!r}.{suggestion} "
        "Give a name as ONS writes it (for example Nottinghamshire) or a GSS code (for example E10000024)."
    )


def districts_of(code: str, folder: Path = NATIONAL) -> list[tuple[str, str]]:
    """(code, name) of the council's districts: lower-tier districts, or the districts a unitary was formed from."""
    lookup = pl.read_parquet(folder / "districts.parquet").filter(
        (pl.col("council_code") == code) & (pl.col("district_code") != code)
    )
    if lookup.is_empty():
        history = pl.read_parquet(folder / "district_history.parquet")
        lookup = history.filter((pl.col("council_code_now") == code) & (pl.col("district_code") != code)).rename(
            {"council_code_now": "council_code"}
        )
        # A district made between the postcode counts (2014) and the unitary (Somerset West and Taunton, 2019,
        # from two districts also listed) would overlap its predecessors: the areas are the ones with postcodes.
        counted = pl.read_parquet(folder / "postcode_districts.parquet", columns=["district_code"])["district_code"]
        if lookup["district_code"].is_in(counted.implode()).any():
            lookup = lookup.filter(pl.col("district_code").is_in(counted.implode()))
    return sorted(zip(lookup["district_code"], lookup["district_name"], strict=True), key=lambda d: d[1])


def outward_codes(council_code: str, locality_codes: list[str], folder: Path = NATIONAL) -> dict[str, list[str]]:
    """Each locality's outward codes, from the shipped count of postcodes per outward code and district.

    A postcode's district (as published in 2014) goes to the locality of that code, or else to the locality
    its area is part of now (merged districts), or else, for a council reporting on its whole area, to it.
    """
    lookup = pl.read_parquet(folder / "postcode_districts.parquet")
    whole = whole_area_code(council_code)
    ours = lookup.filter(pl.col("council_code_now") == council_code).with_columns(
        locality_code=pl.when(pl.col("district_code").is_in(locality_codes))
        .then(pl.col("district_code"))
        .when(pl.col("district_code_now").is_in(locality_codes))
        .then(pl.col("district_code_now"))
        .when(pl.lit(whole in locality_codes))
        .then(pl.lit(whole))
    )
    totals = lookup.group_by("outward_code").agg(total=pl.col("postcodes").sum())
    shares = (
        ours.filter(pl.col("locality_code").is_not_null())
        .group_by("outward_code", "locality_code")
        .agg(pl.col("postcodes").sum())
        .with_columns(in_council=pl.col("postcodes").sum().over("outward_code"))
        .join(totals, on="outward_code")
        .filter(
            (pl.col("in_council") >= MIN_COUNCIL_SHARE * pl.col("total"))
            & (pl.col("postcodes") >= LOCALITY_SHARE * pl.col("in_council"))
            & (pl.col("postcodes") >= MIN_POSTCODES)
        )
    )
    listed: dict[str, list[str]] = {code: [] for code in locality_codes}
    for row in shares.sort("outward_code", descending=False).iter_rows(named=True):
        listed[row["locality_code"]].append(row["outward_code"])
    return {code: sorted(codes, key=_postcode_order) for code, codes in listed.items()}


def _postcode_order(outward: str) -> tuple[str, int, str]:
    """CB1, CB2, ..., CB10 rather than CB1, CB10, CB2: area letters, then district number, then any letter."""
    match = re.match(r"([A-Z]+)(\d+)([A-Z]?)", outward)
    return (match.group(1), int(match.group(2)), match.group(3)) if match else (outward, 0, "")


def whole_area_code(council_code: str) -> str:
    """The locality code of a single-tier council's whole area: the council total already has its GSS code."""
    return f"{council_code}{WHOLE_AREA_SUFFIX}"


def area_of_locality(locality_code: str) -> str:
    """The ONS area whose published figures describe a locality (a district, or the whole-area council)."""
    return locality_code.removesuffix(WHOLE_AREA_SUFFIX)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def council_toml(council: dict, folder: Path = NATIONAL) -> str:
    """The text of ``asc.toml`` for ``council`` (a row of :func:`councils`)."""
    name = council["area_name"]
    code = council["area_code"]
    districts = districts_of(code, folder)
    formal = f"{name} {FORMAL_SUFFIX.get(council['kind'], 'Council')}"
    lines = [
        f"# Settings for {name}, written by `asc init`. Every setting, its default and its meaning is declared in",
        "# pipelines/config.py; anything left out takes that default. Unknown names are refused.",
        "",
        "suppression_threshold = 5   # counts of 1-4 are hidden in every view and export",
        "",
        "[council]",
        f"name = {_quoted(formal)}",
        f"short_name = {_quoted(name)}",
        f"code = {_quoted(code)}",
        f"region_code = {_quoted(council['region_code'])}",
        f"region_name = {_quoted(council['region_name'])}",
        'committee = "Adult Social Care Committee"',
        "",
        "# Local targets: ASCOF sets none nationally. Review them with the committee.",
        "[targets]",
        "dp_uptake_pct = 25.0          # higher is better",
        'dp_uptake_by = "2024/25 Q4"',
        "pa_growth_pct_per_year = 10.0 # higher is better",
        "isf_new_per_year = 50",
        "satisfaction_pct = 65.0       # Adult Social Care Survey overall satisfaction (ASCOF 1D); higher is better",
        "outcomes_achieved_pct = 70.0",
        "# Care home admissions over the year per 100,000 (ASCOF 2B 18-64, 2C 65+, formerly 2A); lower is better",
        "care_home_admissions_18_64_per_100k = 14.0",
        "care_home_admissions_65_plus_per_100k = 560.0",
        "",
        "# Areas the council reports on. Client Level Data places a person by the outward code of their postcode.",
        "# postcode_districts below come from OS Code-Point Open (2014): each area's outward codes holding at least",
        f"# {LOCALITY_SHARE:.0%} of the council's postcodes in that code. A code listed under two areas is shared:",
        "# people there are placed only through the ONS postcode lookup (paths.postcode_lookup, NSPL layout), whose",
        "# district codes are these locality codes. Check the lists against your own knowledge of the area.",
    ]
    if not districts:
        # A single-tier council (London borough, metropolitan district, most unitaries) has no districts below
        # it, and the shipped open data has no ward or constituency lookup: it reports on its whole area as one
        # locality. The council total keeps the council's own code, so the locality takes a code of its own.
        lines += [
            "# A single-tier council: the shipped ONS lookups have no areas inside it (no wards, no constituencies),",
            "# so it reports on its whole area as one locality, and Client Level Data places everyone there. To",
            "# report by ward or constituency, replace this with one [[localities]] table per area (GSS codes, for",
            "# example E05 wards) with their outward codes or paths.postcode_lookup.",
        ]
        districts = [(whole_area_code(code), f"{name} (whole area)")]
    known = {loc.code: loc for loc in DEFAULT_LOCALITIES}
    found = outward_codes(code, [d for d, _ in districts], folder)
    for district_code, district_name in districts:
        loc = known.get(district_code)
        # Cambridgeshire's lists were checked by hand; every other council's come from the shipped lookup.
        codes = loc.postcode_districts if loc else found[district_code]
        outward = ", ".join(_quoted(d) for d in codes)
        lines += [
            "",
            "[[localities]]",
            f"code = {_quoted(district_code)}",
            f"name = {_quoted(district_name)}",
            f"rural = {'true' if loc and loc.rural else 'false'}",
            f"postcode_districts = [{outward}]",
        ]
    return "\n".join(lines) + "\n"


def write_council_config(query: str, out: Path, force: bool = False) -> tuple[dict, Path]:
    """Find the council, write its settings to ``out`` and check they load; refuse to overwrite unless ``force``."""
    council = find_council(query)
    if out.exists() and not force:
        raise FileExistsError(f"{out} exists; pass --force to replace it, or --out to write elsewhere")
    out.write_text(council_toml(council))
    load_settings(out)  # a file `asc init` writes must load, or it is not written at all
    return council, out
