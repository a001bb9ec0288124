"""What the synthetic demo is calibrated to, for the council the settings name.

Cambridgeshire (the default) keeps the figures from its committee papers (DESIGN section 7) and its published
ASCOF (the constants below, each citing its source), whatever the shipped national data hold. Any other council is
calibrated from its own published figures in the shipped national data (``data/public/national``):

- **county DP uptake** at each year's Q4: ASCOF 1C(2A) (2018/19-2020/21, SALT-based) and 3D(2a) (2024/25,
  CLD-based; the series break is kept as published). Years without a published value (2021/22-2023/24 are
  not in the shipped files) move in a straight line between the published ones.
- **satisfaction** (the ASCS top box share): ASCOF overall satisfaction (3A, numbered 1D from 2023/24), every
  year it is published for the council; 2020/21's voluntary survey fills in from the years beside it.
- **care home admissions** (people whose long-term support needs were newly met in a residential or nursing
  home, each year): ASCOF 2A(1) 18-64 and 2A(2) 65+ (2018/19-2020/21, SALT-based) and 2B and 2C (2024/25,
  CLD-based), per 100,000, turned into people with the council's population of that age (the denominators the
  rates were published with; 2020/21's and 2024/25's, in a straight line between and held beyond). Years between
  published ones move in a straight line, as DP uptake does.
- **carers' direct payments and self-directed support**: ASCOF 1C(2B) and 1C(1B) (3D(2b) and 3D(1b) from
  2023/24, none of them published for 2024/25 in the shipped files), each year published, the latest held after.
- **size**: the people in long-term community support (the 3D(2a) 2024/25 denominator, else 1C(2A)'s latest)
  against Cambridgeshire's, which scales the people, referrals, reviews, PAs and carers the demo makes.
- **districts**: each locality's share of the people supported follows its adult (18+) population (ONS
  mid-year estimate, latest year shipped). No published DP uptake exists below council level (ASCOF is
  council-level only), so districts' uptake differs by a **seeded, documented spread**: an offset in points
  drawn from a normal distribution with standard deviation ``DISTRICT_UPTAKE_SD`` (Cambridgeshire's published
  district spread is about that: Cambridge +4, Fenland -4), seeded by the demo seed and the locality code,
  centred so the county figure holds.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.config import Settings
from pipelines.council_init import area_of_locality

CAMBRIDGESHIRE = "E10000003"
# Cambridgeshire committee papers (DESIGN section 7): county DP uptake at Q4, keyed by the year it starts in
# (2019/20 sets the stock on the first day), and the ASCS top-box share the demo survey answers follow.
CAMBRIDGESHIRE_UPTAKE_Q4 = {2019: 23.0, 2020: 21.1, 2021: 21.3, 2022: 19.6, 2023: 19.7, 2024: 20.3}
CAMBRIDGESHIRE_TOP_BOX = {2020: 62.0, 2021: 61.5, 2022: 60.2, 2023: 60.8, 2024: 61.5}
# Cambridgeshire's published care home admissions per 100,000 (data/public/ascof_trend_2017_2023.csv: ASCOF 2A(1)
# and 2A(2), NHS Digital, 2020/21 to 2022/23; data/public/national: 2B 13.4 and 2C 559.6 for 2024/25, DHSC's
# CLD-based series), and the populations they were published over (2020/21 NHS Digital, 2024/25 DHSC).
CAMBRIDGESHIRE_ADMISSIONS_PER_100K = {
    "18-64": {2020: 5.6, 2021: 8.2, 2022: 4.3, 2024: 13.4},
    "65+": {2020: 307.1, 2021: 602.4, 2022: 502.3, 2024: 559.6},
}
CAMBRIDGESHIRE_POPULATION = {"18-64": {2020: 392_307, 2024: 432_663}, "65+": {2020: 127_322, 2024: 134_730}}
# Cambridgeshire's published carers receiving direct payments (ASCOF 1C(2B), NHS Digital, 2018/19 to 2022/23:
# 96.4%, 100%, 100%, 97.1%, 80.0%) and self-directed support (1C(1B): 96.4% in 2018/19, 100% every year since).
CAMBRIDGESHIRE_CARERS_DP = {2018: 96.4, 2019: 100.0, 2020: 100.0, 2021: 97.1, 2022: 80.0}
CAMBRIDGESHIRE_CARERS_SDS = {2018: 96.4, 2019: 100.0, 2020: 100.0, 2021: 100.0, 2022: 100.0}
# The size yardstick: Cambridgeshire's people in long-term community support, ASCOF 3D(2a) 2024/25 denominator.
CAMBRIDGESHIRE_COMMUNITY_CLIENTS = 4419.0
DISTRICT_UPTAKE_SD = 3.0  # points; a council's districts differ by about this much (Cambridgeshire: -4 to +4)
# Published code and the framework it is numbered in, for each calibrated figure.
DP_UPTAKE_CODES = (("1C2A", "2014"), ("3D2A", "2023"))
SATISFACTION_CODES = (("1D", "2023"), ("3A", "2014"))
ADMISSION_CODES = {"18-64": (("2A1", "2014"), ("2B", "2023")), "65+": (("2A2", "2014"), ("2C", "2023"))}
CARERS_DP_CODES = (("1C2B", "2014"), ("3D2B", "2023"))
CARERS_SDS_CODES = (("1C1B", "2014"), ("3D1B", "2023"))
SMALLEST_SCALE, LARGEST_SCALE = 0.1, 3.0  # the Isles of Scilly to Kent, without a demo of 20 or 20,000 people


@dataclass(frozen=True)
class Calibration:
    """The figures one council's demo reproduces; see the module docstring for where each comes from."""

    council_code: str
    uptake_q4: dict[int, float]
    top_box: dict[int, float]
    scale: float
    shares: dict[str, float]  # locality code -> share of the people supported (empty: the generator's own)
    uptake_offsets: dict[str, float]  # locality code -> points above or below the county uptake
    # age band ("18-64", "65+") -> start year -> people newly admitted to a care home over the year
    admissions: dict[str, dict[int, int]]
    carers_dp: dict[int, float]  # start year -> % of carers given direct support who take it as a direct payment
    carers_sds: dict[int, float]  # start year -> % by direct payment or a managed personal budget

    @property
    def is_default(self) -> bool:
        return self.council_code == CAMBRIDGESHIRE

    def scaled(self, count: int) -> int:
        """A Cambridgeshire-sized count for this council (unchanged for Cambridgeshire)."""
        return count if self.is_default else max(int(round(count * self.scale)), 1)

    def scaled_amount(self, amount: float) -> float:
        """A Cambridgeshire-sized amount (money, hours) for this council (unchanged for Cambridgeshire)."""
        return amount if self.is_default else amount * self.scale


def _start_year(year: str) -> int:
    return int(year[:4])


def _published(ascof: pl.DataFrame, code: str, pairs: tuple[tuple[str, str], ...]) -> pl.DataFrame:
    """One value per year for the council: the first of ``pairs`` that has one."""
    wanted = pl.DataFrame(
        {"published_code": [p for p, _ in pairs], "framework": [f for _, f in pairs], "priority": range(len(pairs))}
    )
    return (
        ascof.filter(pl.col("area_code") == code, pl.col("value").is_not_null())
        .join(wanted, on=["published_code", "framework"])
        .sort("year", "priority", pl.col("source").str.starts_with("DHSC").not_())
        .unique("year", keep="first", maintain_order=True)
    )


def _series(frame: pl.DataFrame, years: range) -> dict[int, float]:
    """Published values by start year, the years between published ones filled in a straight line."""
    known = {_start_year(y): float(v) for y, v in zip(frame["year"], frame["value"], strict=True)}
    return {y: round(v, 1) for y, v in _by_year(known, years).items()} if known else {}


def _by_year(known: dict[int, float], years: range) -> dict[int, float]:
    """``known`` values by start year for every year of ``years``, the years between in a straight line."""
    xs = sorted(known)
    return {y: float(np.interp(y, xs, [known[x] for x in xs])) for y in years}


def _admissions(rates: dict[int, float], population: dict[int, float], years: range) -> dict[int, int]:
    """People admitted each year: the rate per 100,000 times the population of that age, both by year."""
    rate, people = _by_year(rates, years), _by_year(population, years)
    return {y: int(round(rate[y] * people[y] / 1e5)) for y in years}


def _published_admissions(ascof: pl.DataFrame, code: str, years: range) -> dict[str, dict[int, int]]:
    """Each band's admissions from the council's published rates; empty where a band has no rate or population."""
    out = {}
    for band, pairs in ADMISSION_CODES.items():
        frame = _published(ascof, code, pairs)
        rates = {_start_year(y): float(v) for y, v in zip(frame["year"], frame["value"], strict=True)}
        sized = frame.filter(pl.col("denominator").is_not_null())
        population = {_start_year(y): float(d) for y, d in zip(sized["year"], sized["denominator"], strict=True)}
        if not rates or not population:
            return {}
        out[band] = _admissions(rates, population, years)
    return out


def _offsets(settings: Settings, shares: dict[str, float]) -> dict[str, float]:
    codes = settings.locality_codes
    if len(codes) < 2:
        return {code: 0.0 for code in codes}
    draws = np.array(
        [np.random.default_rng([settings.demo.seed, zlib.crc32(code.encode())]).normal() for code in codes]
    )
    weights = np.array([shares.get(code, 1 / len(codes)) for code in codes])
    raw = DISTRICT_UPTAKE_SD * draws
    centred = raw - np.average(raw, weights=weights)
    return {code: round(float(v), 2) for code, v in zip(codes, centred, strict=True)}


def _adult_shares(settings: Settings, population: pl.DataFrame) -> dict[str, float]:
    """Each locality's share of the council's adults (18+), by the latest mid-year estimate shipped."""
    latest = population.filter(pl.col("age_band") != "All ages", pl.col("age_band") != "0-17")
    latest = latest.filter(pl.col("mid_year") == latest["mid_year"].max())
    adults = dict(latest.group_by("area_code").agg(pl.col("population").sum()).iter_rows())
    counts = {code: adults.get(area_of_locality(code)) for code in settings.locality_codes}
    if any(v is None for v in counts.values()):
        return {}  # a locality the ONS estimates do not name (a ward, an own area): the generator's equal shares
    total = sum(counts.values())
    return {code: v / total for code, v in counts.items()}


def calibration_for(settings: Settings) -> Calibration:
    """The demo's calibration for ``settings.council``: Cambridgeshire's own, or the council's published figures."""
    first = int(settings.demo.first_year[:4])
    last = int(settings.demo.last_year[:4])
    code = settings.council.code
    years = range(first, last + 1)
    cambridgeshire_admissions = {
        band: _admissions(CAMBRIDGESHIRE_ADMISSIONS_PER_100K[band], CAMBRIDGESHIRE_POPULATION[band], years)
        for band in ADMISSION_CODES
    }
    if code == CAMBRIDGESHIRE:
        return Calibration(
            code,
            dict(CAMBRIDGESHIRE_UPTAKE_Q4),
            dict(CAMBRIDGESHIRE_TOP_BOX),
            1.0,
            {},
            {},
            admissions=cambridgeshire_admissions,
            carers_dp=_by_year(CAMBRIDGESHIRE_CARERS_DP, years),
            carers_sds=_by_year(CAMBRIDGESHIRE_CARERS_SDS, years),
        )
    folder = Path(settings.path("public_data")) / "national"
    ascof = pl.read_parquet(folder / "ascof.parquet")
    uptake = _published(ascof, code, DP_UPTAKE_CODES)
    top_box = _published(ascof, code, SATISFACTION_CODES)
    size = uptake.filter(pl.col("denominator").is_not_null()).sort("year")
    scale = (
        float(np.clip(size["denominator"][-1] / CAMBRIDGESHIRE_COMMUNITY_CLIENTS, SMALLEST_SCALE, LARGEST_SCALE))
        if size.height
        else 1.0
    )
    shares = _adult_shares(settings, pl.read_parquet(folder / "population.parquet"))
    # Without the council's own published figures, Cambridgeshire's made to its size.
    admissions = _published_admissions(ascof, code, years) or {
        band: {y: max(int(round(n * scale)), 1) for y, n in by_year.items()}
        for band, by_year in cambridgeshire_admissions.items()
    }
    carers_dp = _series(_published(ascof, code, CARERS_DP_CODES), years) or _by_year(CAMBRIDGESHIRE_CARERS_DP, years)
    carers_sds = _series(_published(ascof, code, CARERS_SDS_CODES), years) or _by_year(CAMBRIDGESHIRE_CARERS_SDS, years)
    return Calibration(
        council_code=code,
        uptake_q4=_series(uptake, range(first - 1, last + 1)) or dict(CAMBRIDGESHIRE_UPTAKE_Q4),
        top_box=_series(top_box, range(first, last + 1)) or dict(CAMBRIDGESHIRE_TOP_BOX),
        scale=scale,
        shares=shares,
        uptake_offsets=_offsets(settings, shares),
        admissions=admissions,
        carers_dp=carers_dp,
        carers_sds={y: max(carers_sds[y], carers_dp[y]) for y in years},  # a DP is self-directed support
    )
