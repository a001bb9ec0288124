"""Shared pieces of the synthetic demo data generator: calendar, locality profiles and small helpers.

Dates are handled as day numbers (days since 1970-01-01) in numpy arrays so that whole populations can
be drawn at once; ``NO_DATE`` marks a blank date (an ongoing episode, a PA still on the register).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from models.periods import Quarter, parse_fy, quarters_between
from pipelines.config import Settings
from pipelines.demo_calibration import Calibration, calibration_for

NO_DATE = -1
EPOCH = date(1970, 1, 1)
# The extract is taken a fortnight after the last quarter closes, as councils' quarterly extracts are.
EXTRACT_LAG_DAYS = 15

# Default Cambridgeshire districts: share of people supported (roughly by adult population), DP uptake
# offset from the county figure in points (Cambridge higher, Fenland lower), home-care lot (0-3) and
# ISF lot (0-1). Other councils' localities take shares by adult population and a seeded uptake spread
# (pipelines/demo_calibration.py), equal shares where the ONS estimates do not name them, lots by position.
LOCALITY_PROFILES: dict[str, tuple[float, float, int, int]] = {
    "E07000008": (0.17, 4.0, 0, 1),  # Cambridge
    "E07000009": (0.13, -1.5, 3, 0),  # East Cambridgeshire
    "E07000010": (0.15, -4.0, 2, 0),  # Fenland
    "E07000011": (0.30, 0.5, 1, 0),  # Huntingdonshire
    "E07000012": (0.25, -0.15, 0, 1),  # South Cambridgeshire
}


def day_number(day: date) -> int:
    return (day - EPOCH).days


@dataclass(frozen=True)
class DemoContext:
    """Everything the generators share: the quarters, the localities and the random seed."""

    settings: Settings
    quarters: list[Quarter]
    q_start: np.ndarray  # first day of each quarter (day numbers)
    q_end: np.ndarray  # last day of each quarter: the snapshot date
    extract: int  # extract date: nothing in the files is later than this
    codes: list[str]
    shares: np.ndarray
    rural: np.ndarray
    uptake_offset: np.ndarray
    hc_lot: np.ndarray
    isf_lot: np.ndarray
    first_fy: int
    calibration: Calibration

    @property
    def n_quarters(self) -> int:
        return len(self.quarters)

    @property
    def n_localities(self) -> int:
        return len(self.codes)

    def rng(self, part: int) -> np.random.Generator:
        """An independent random stream per generator, so changing one file leaves the others alone."""
        return np.random.default_rng([self.settings.demo.seed, part])

    def fy_index(self, days: np.ndarray) -> np.ndarray:
        """Financial-year index (0 = first demo year, negative before it) of each day number."""
        d = np.asarray(days).astype("datetime64[D]")
        year = d.astype("datetime64[Y]").astype(int) + 1970
        month = d.astype("datetime64[M]").astype(int) % 12 + 1
        return year - (month < 4) - self.first_fy


def make_context(settings: Settings) -> DemoContext:
    first_fy, last_fy = parse_fy(settings.demo.first_year), parse_fy(settings.demo.last_year)
    quarters = quarters_between(Quarter(first_fy, 1), Quarter(last_fy, 4))
    codes = settings.locality_codes
    n = len(codes)
    profiles = [LOCALITY_PROFILES.get(code) for code in codes]
    known = all(p is not None for p in profiles)
    calibration = calibration_for(settings)
    if known:
        shares, offsets = np.array([p[0] for p in profiles]), np.array([p[1] for p in profiles])
    else:
        shares = np.array([calibration.shares.get(code, 1.0 / n) for code in codes])
        offsets = np.array([calibration.uptake_offsets.get(code, 0.0) for code in codes])
    hc_lot = np.array([p[2] for p in profiles]) if known else np.arange(n) % 4
    isf_lot = np.array([p[3] for p in profiles]) if known else np.arange(n) % 2
    q_end = np.array([day_number(q.end) for q in quarters])
    return DemoContext(
        settings=settings,
        quarters=quarters,
        q_start=np.array([day_number(q.start) for q in quarters]),
        q_end=q_end,
        extract=int(q_end[-1]) + EXTRACT_LAG_DAYS,
        codes=codes,
        shares=shares / shares.sum(),
        rural=np.array([loc.rural for loc in settings.localities]),
        uptake_offset=offsets,
        hc_lot=hc_lot,
        isf_lot=isf_lot,
        first_fy=first_fy,
        calibration=calibration,
    )


def wait_factor(ctx: DemoContext) -> np.ndarray:
    """How much longer than the county's waits each locality's are: rural districts wait longest, and each
    district has a seeded twist of its own, so medians and 90th centiles differ by locality. Weighted by the
    localities' shares the factors average 1, so the county's waits (and the calibrated list) hold."""
    twist = np.random.default_rng(ctx.settings.demo.seed + 77).uniform(-0.15, 0.15, ctx.n_localities)
    factor = 0.8 + 0.5 * ctx.rural + twist
    return factor / float(ctx.shares @ factor)


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Split a whole number ``total`` in proportion to ``weights`` so the parts add up exactly."""
    quota = total * np.asarray(weights, dtype=float) / np.sum(weights)
    parts = np.floor(quota).astype(int)
    short = total - parts.sum()
    parts[np.argsort(-(quota - parts), kind="stable")[:short]] += 1
    return parts


def uniform_days(rng: np.random.Generator, first: np.ndarray | int, last: np.ndarray | int, size=None):
    """A day drawn uniformly from ``first``..``last`` inclusive (element-wise)."""
    first, last = np.asarray(first), np.asarray(last)
    return first + np.floor(rng.random(size if size is not None else first.shape) * (last - first + 1)).astype(int)


def quarter_path(ctx: DemoContext, anchors: dict[int, float]) -> np.ndarray:
    """Values per quarter moving linearly between anchors keyed by quarter index (-1 = the quarter before)."""
    points = sorted(anchors)
    return np.interp(np.arange(ctx.n_quarters), points, [anchors[p] for p in points])


def date_series(name: str, days: np.ndarray) -> pl.Series:
    """Day numbers as a polars Date column, with ``NO_DATE`` as blank."""
    frame = pl.DataFrame({"d": np.asarray(days, dtype=np.int64)})
    expr = pl.when(pl.col("d") != NO_DATE).then(pl.col("d")).cast(pl.Int32).cast(pl.Date)
    return frame.select(expr.alias(name)).to_series()


def float_series(name: str, values: np.ndarray, decimals: int = 2) -> pl.Series:
    """Floats rounded for the file, with NaN as blank."""
    return pl.Series(name, np.round(np.asarray(values, dtype=float), decimals), nan_to_null=True)


def id_series(name: str, prefix: str, numbers: np.ndarray, width: int) -> pl.Series:
    """Identifiers such as ``P000123`` from whole numbers."""
    return pl.Series(name, [f"{prefix}{n:0{width}d}" for n in np.asarray(numbers).tolist()], dtype=pl.String)


def pick(options: tuple[str, ...] | list[str], codes: np.ndarray) -> pl.Series:
    """Strings for integer codes into ``options``."""
    return pl.Series(np.asarray(options, dtype=object)[np.asarray(codes)].tolist(), dtype=pl.String)
