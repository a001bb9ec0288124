"""Plain-English sentences generated from the data, for councillors who are not statisticians."""

from __future__ import annotations

from dashboard.formatting import pct, points


def dp_uptake_sentence(area: str, period: str, uptake_pct: float, target_pct: float, target_by: str) -> str:
    """How far DP uptake is from its target, with the direction stated.

    For 19.8% against a 25% target: "In 2024/25 Q4, 19.8% of people in long-term community support in
    Cambridgeshire took a direct payment: 5.2 points below the 25.0% target for 2024/25 Q4 (higher is better)."
    """
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


def comparator_sentence(year: str, values: dict[str, float]) -> str:
    """'Latest published ASCOF values (2022/23): England 26.2%, East of England 24.3%.'"""
    if not values:
        return "No published ASCOF comparators are loaded."
    listed = ", ".join(f"{name} {pct(value)}" for name, value in values.items())
    return f"Latest published ASCOF values ({year}): {listed}."
