"""Plain-English sentences generated from the data, for councillors who are not statisticians."""

from __future__ import annotations

from dashboard.formatting import by_unit, pct, points


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


def _direction(higher_is_better: bool | None) -> str:
    if higher_is_better is None:
        return "neither higher nor lower is better"
    return "higher is better" if higher_is_better else "lower is better"


def measure_sentence(assessment, area: str, suppress_below: int = 0) -> str:
    """One plain-English sentence for a headline measure (an ``models.measures.Assessment``).

    With a target: "Direct payment uptake in Cambridgeshire is 19.8%, 5.2 points below the 25.0% target;
    at the last four quarters' rate the target would be reached in 2027/28 Q2." Without one, the change on
    a year before and the measure's direction.
    """
    spec = assessment.spec
    value = by_unit(assessment.value, spec.unit)
    small = [v for v in (assessment.value, assessment.year_before) if v is not None and 0 < v < suppress_below]
    if spec.unit == "count" and small:
        # A small count (or a change computed from one) could identify someone: say only that it is small.
        value = f"fewer than {suppress_below}" if assessment.value < suppress_below else value
        return f"{spec.name} in {area}: {value} in {assessment.period} (small numbers are not shown in detail)."
    # "Uptake ... is 19.8%" reads well; plural counts ("People waiting ... is 161") do not, so they get a colon.
    verb = ":" if spec.unit in ("count", "hours") else " is"
    subject = f"{spec.name} in {area}{verb} {value} in {assessment.period}"
    if assessment.value is None:
        return f"{spec.name} in {area}: no data for {assessment.period}."
    if spec.target is not None and spec.higher_is_better is not None:
        gap = assessment.value - spec.target
        target = by_unit(spec.target, spec.unit)
        if assessment.rag == "green":
            where = f"meeting the {target} target ({_direction(spec.higher_is_better)})"
        else:
            side = "below" if gap < 0 else "above"
            distance = points(gap) if spec.unit == "percent" else by_unit(abs(gap), spec.unit)
            where = f"{distance} {side} the {target} target ({_direction(spec.higher_is_better)})"
        if assessment.rag == "green":
            trend = ""
        elif assessment.target_reached_in:
            trend = f"; at the last four quarters' rate the target would be reached in {assessment.target_reached_in}"
        else:
            trend = "; at the last four quarters' rate it is not getting closer to the target"
        return f"{subject}, {where}{trend}."
    if assessment.change_on_year is None:
        return f"{subject} ({_direction(spec.higher_is_better)})."
    change = assessment.change_on_year
    if round(change, 1) == 0:
        moved = "about the same as a year before"
    else:
        if spec.unit == "percent":
            amount, word = points(change), ("higher" if change > 0 else "lower")
        else:
            fewer = "fewer" if spec.unit in ("count", "hours") else "less"
            amount, word = by_unit(abs(change), spec.unit), ("more" if change > 0 else fewer)
        moved = f"{amount} {word} than a year before"
    return f"{subject}, {moved} ({_direction(spec.higher_is_better)})."
