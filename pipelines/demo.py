"""Deterministic synthetic demo data: one CSV per inbox source, calibrated to published figures.

The people, providers and returns are made up. They are calibrated so that the warehouse's measures
reproduce Cambridgeshire's published figures (DESIGN section 7): county DP uptake at each year's Q4,
PA growth and payroll, the DPSS survey, the home-care waiting list, ISF and CME growth. Every run with
the same seed (``settings.demo.seed``) writes byte-identical files.

The work is split by source: ``demo_activity`` (service episodes), ``demo_people`` (PA register,
referrals, the reviews the CLD return carries) and ``demo_returns`` (KPI catalogue and returns, surveys).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl

from pipelines.config import Settings
from pipelines.demo_activity import build_activity
from pipelines.demo_cld import build_cld_submissions
from pipelines.demo_common import make_context
from pipelines.demo_people import build_pa_register, build_referrals, build_reviews
from pipelines.demo_returns import build_kpi_catalogue, build_kpi_returns, build_survey_responses
from pipelines.schemas import SOURCES

MARKER_FILE = "SYNTHETIC_DEMO_DATA.txt"
MARKER_TEXT = """\
SYNTHETIC DEMO DATA - NOT REAL PEOPLE

Every file in this folder is synthetic demo data made up by a computer program (asc demo) for
demonstrating the adult social care commissioning dashboard. The files are calibrated to published
{council} figures (for Cambridgeshire its committee papers and national statistics, for example direct
payment uptake, Personal Assistant numbers, survey results and the home-care waiting list; for another
council its published ASCOF direct payment uptake and satisfaction and its ONS population, with the
rest scaled from Cambridgeshire's: pipelines/demo_calibration.py), but no row describes a real person,
Personal Assistant or referral, and the provider names are fictitious.

Do not use these files for decisions about anyone's care. Replace them with the council's own
extracts and providers' returns.
"""


def build_demo_frames(
    settings: Settings | None = None,
    cld: bool = False,
    adjust: Callable[[dict[str, pl.DataFrame]], dict[str, pl.DataFrame]] | None = None,
) -> dict[str, pl.DataFrame]:
    """The synthetic inbox as frames, one per source, with exactly the schema's columns in order.

    Parameters
    ----------
    settings
        Settings giving the localities, the demo years and the seed; the defaults when omitted.
    cld
        Also the council's Client Level Data return drawn from the same people: one frame per quarterly
        submission, keyed by its file name (``cld_2024_4.csv``), after the sources.
    adjust
        Changes the drawn frames (the sources and ``reviews``, which only the CLD return carries) before the
        CLD return is drawn from them: tests cut a district down this way.

    Returns
    -------
    dict
        Source name -> frame, in the order of ``pipelines.schemas.SOURCES``.
    """
    ctx = make_context(settings or Settings())
    activity = build_activity(ctx)
    pa_register = build_pa_register(ctx, activity.dp_recipients)
    referrals = build_referrals(ctx, activity)
    surveys = build_survey_responses(ctx)
    frames = {
        "activity": activity.frame,
        "referrals": referrals,
        "kpi_returns": build_kpi_returns(ctx, activity.frame, referrals, pa_register, surveys),
        "kpi_catalogue": build_kpi_catalogue(),
        "survey_responses": surveys,
        "pa_register": pa_register,
        "reviews": build_reviews(ctx, activity),  # written only as the CLD return's review events
    }
    if adjust is not None:
        frames = adjust(frames)
    ordered = {name: frames[name].select(SOURCES[name].column_names) for name in SOURCES if name in frames}
    if not cld:
        return ordered
    return ordered | build_cld_submissions(ctx, frames["activity"], frames["referrals"], frames["reviews"])


def write_demo_inbox(out_dir: Path, settings: Settings | None = None) -> dict[str, Path]:
    """Write ``<source>.csv`` per inbox source, the CLD submissions and the synthetic-data notice into ``out_dir``.

    Dates are written as YYYY-MM-DD, booleans as true/false and missing values as blanks.

    Returns
    -------
    dict
        Source name -> path of the file written.
    """
    council = (settings or Settings()).council.short_name
    return write_inbox_files(out_dir, build_demo_frames(settings, cld=True), council)


def write_inbox_files(
    out_dir: Path, frames: dict[str, pl.DataFrame], council: str = "Cambridgeshire"
) -> dict[str, Path]:
    """Write already built demo frames as ``<source>.csv`` files, with the synthetic-data notice."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, frame in frames.items():
        path = out_dir / (name if name.endswith(".csv") else f"{name}.csv")
        frame.write_csv(path, date_format="%Y-%m-%d", null_value="")
        written[name] = path
    (out_dir / MARKER_FILE).write_text(MARKER_TEXT.format(council=council), encoding="utf-8")
    return written
