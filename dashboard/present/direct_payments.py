"""Direct payments: uptake against the target, the trajectory to it, and the published comparators.

Used by the Overview (the summary), the Direct payments page and the committee pack's direct payments
theme, so the three say the same thing in the same words.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dashboard.formatting import count, gbp, pct, points, signed
from dashboard.present.blocks import Metric
from dashboard.present.disclosure import Disclosure
from dashboard.queries import Warehouse
from models.measures import net_new_needed
from models.periods import parse_quarter

ENGLAND = "E92000001"  # GSS code of England, the national comparator


@dataclass(frozen=True)
class UptakeSummary:
    """DP uptake in one area and quarter, as the Overview, the page and the pack all show it."""

    sentence: str  # "In 2024/25 Q4, 19.8% of people ... 5.2 points below the 25.0% target ..."
    trajectory: str  # what it takes to reach the target by its date, and whether the area is on course
    people: str  # "821 of 4,183 people in long-term community support ..."
    comparators: str  # "Latest published ASCOF values (2023/24): England 26.5%, East of England 24.9%."
    comparator_values: dict[str, float]
    comparator_year: str | None
    metrics: list[Metric]
    people_metrics: list[Metric]
    uptake_pct: float | None
    target_pct: float
    needed: int  # net new DP recipients needed to meet the target now


def comparator_values(wh: Warehouse, measure: str) -> tuple[str | None, dict[str, float]]:
    """Latest published ASCOF values for England and the region (real data), England first."""
    published = wh.ascof(measure)
    if published.is_empty():
        return None, {}
    year = published["year"].max()
    rows = published.filter(
        (pl.col("year") == year) & pl.col("area_code").is_in([ENGLAND, wh.settings.council.region_code])
    ).sort("area_code", descending=True)
    return year, dict(zip(rows["area_name"], rows["value"], strict=True))


def comparator_sentence(year: str | None, values: dict[str, float]) -> str:
    """'Latest published ASCOF values (2022/23): England 26.2%, East of England 24.3%.'"""
    if not values:
        return "No published ASCOF comparators are loaded."
    listed = ", ".join(f"{name} {pct(value)}" for name, value in values.items())
    return f"Latest published ASCOF values ({year}): {listed}."


def uptake_sentence(area: str, period: str, uptake_pct: float | None, target_pct: float, target_by: str) -> str:
    """How far DP uptake is from its target, with the direction stated."""
    if uptake_pct is None:
        return f"No one was in long-term community support in {area} at the end of {period}."
    gap = uptake_pct - target_pct
    if round(gap, 1) == 0:
        position = f"on the {pct(target_pct)} target for {target_by}"
    elif gap < 0:
        position = f"{points(gap)} below the {pct(target_pct)} target for {target_by}"
    else:
        position = f"{points(gap)} above the {pct(target_pct)} target for {target_by}"
    return (
        f"In {period}, {pct(uptake_pct)} of people in long-term community support in {area} "
        f"took a direct payment: {position} (higher is better)."
    )


def trajectory_sentence(
    area: str, period: str, now: dict, target_by: str, recent_rate: float | None
) -> tuple[str, int]:
    """What reaching the target takes: net new DP recipients a quarter against the recent rate."""
    quarters_left = parse_quarter(target_by).minus(parse_quarter(period))
    needed, per_quarter = net_new_needed(
        now["dp_recipients"], now["community_clients"], now["target_pct"], max(quarters_left, 0)
    )
    rate = "–" if recent_rate is None else signed(recent_rate)
    target = pct(now["target_pct"])
    if needed == 0:
        return f"{area} meets the {target} target in {period}.", needed
    if per_quarter is not None:
        verdict = "on course" if recent_rate is not None and recent_rate >= per_quarter else "not on course"
        return (
            f"To reach {target} by {target_by}, {area} needs about {per_quarter:,.1f} more people a quarter on a "
            f"direct payment (net of those leaving) over the next {quarters_left} "
            f"{'quarter' if quarters_left == 1 else 'quarters'}; over the last year the net change was {rate} a "
            f"quarter, so it is {verdict}.",
            needed,
        )
    return (
        f"The target date ({target_by}) has passed without the target being met: {count(needed)} more people would "
        f"need a direct payment for {area} to meet {target} now. Over the last year the net change was {rate} a "
        "quarter.",
        needed,
    )


def recent_rate(here: pl.DataFrame) -> float | None:
    """Net change in DP recipients a quarter over the last four quarters (``here`` oldest first)."""
    recent = here.tail(5)["dp_recipients"].to_list()
    return (recent[-1] - recent[0]) / (len(recent) - 1) if len(recent) > 1 else None


def uptake_summary(wh: Warehouse, code: str, period: str, area: str) -> UptakeSummary:
    cfg = wh.settings
    disclosure = Disclosure(cfg.suppression_threshold)
    target_by = cfg.targets.dp_uptake_by
    here = wh.dp_uptake(code)
    now = here.filter(pl.col("period") == period).row(0, named=True)
    upto = here.filter(pl.col("quarter_end") <= now["quarter_end"])
    rate = recent_rate(upto)
    bases = [now["dp_recipients"], now["community_clients"]]
    uptake = disclosure.value_or_none(now["uptake_pct"], bases)
    trajectory, needed = trajectory_sentence(area, period, now, target_by, rate)
    if disclosure.any_small(bases):
        # The sentences would give a small number away: say only that it is small.
        sentence = f"Too few people in {area} to show direct payment uptake for {period} (small numbers)."
        trajectory = ""
    else:
        sentence = uptake_sentence(area, period, uptake, now["target_pct"], target_by)
    year, values = comparator_values(wh, "dp_users")
    gap = None if uptake is None else uptake - now["target_pct"]
    metrics = [
        Metric(
            f"DP uptake, {period}",
            pct(uptake),
            help="People aged 18+ in long-term community support taking a direct payment (or part), at quarter end.",
        ),
        Metric(
            f"Target by {target_by} (higher is better)",
            pct(now["target_pct"]),
            help=None if gap is None else f"{points(gap)} {'below' if gap < 0 else 'above'} the target in {period}.",
        ),
    ] + [
        Metric(f"{name}, ASCOF {year}", pct(value), help="Published ASCOF 3D(2a), formerly 1C(2a) (real data).")
        for name, value in values.items()
    ]
    people = (
        f"{disclosure.count(now['dp_recipients'])} of {disclosure.count(now['community_clients'])} people in "
        f"long-term community support took a direct payment at the end of {period}; their planned direct "
        f"payments come to about {gbp(now['dp_annual_spend_gbp'])} a year."
    )
    return UptakeSummary(
        sentence=sentence,
        trajectory=trajectory,
        people=people,
        comparators=comparator_sentence(year, values),
        comparator_values=values,
        comparator_year=year,
        metrics=metrics,
        people_metrics=[
            Metric("People taking a direct payment", disclosure.count(now["dp_recipients"])),
            Metric("People in long-term community support", disclosure.count(now["community_clients"])),
        ],
        uptake_pct=uptake,
        target_pct=now["target_pct"],
        needed=needed,
    )
