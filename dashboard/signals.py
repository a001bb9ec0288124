"""Plain words and icons for RAG ratings and SPC signals, so colour is never the only signal."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from models.spc import MIN_POINTS_FOR_ASSURANCE, SpcResult

# Making Data Count's icon meanings, written out. The symbols are plain Unicode that common fonts (DejaVu,
# Arial) carry: emoji need a colour-emoji font many council desktops and servers lack, and Material icons
# need a web font fetched from the internet.
VARIATION_LABELS = {
    ("improvement", "high"): ("▲", "Improvement (unusually high)"),
    ("improvement", "low"): ("▼", "Improvement (unusually low)"),
    ("concern", "high"): ("⚠", "Concern (unusually high)"),
    ("concern", "low"): ("⚠", "Concern (unusually low)"),
    ("neutral", "high"): ("◆", "Special cause (high)"),
    ("neutral", "low"): ("◆", "Special cause (low)"),
}
ASSURANCE_LABELS = {
    "pass": ("✓", "Consistently meets the target"),
    "fail": ("✗", "Consistently misses the target"),
    "hit_and_miss": ("~", "Hits and misses the target at random"),
    # Making Data Count asks for 12 or more points before an assurance icon is shown.
    "too_few_points": ("!", f"Too few points to assure (fewer than {MIN_POINTS_FOR_ASSURANCE} since the last change)"),
}
# Streamlit markdown colours the dot; the word carries the meaning for anyone who cannot see the colour.
RAG_LABELS = {
    "green": ":green[●] Green: on target",
    "amber": ":orange[●] Amber: near target",
    "red": ":red[●] Red: off target",
}


@dataclass(frozen=True)
class Label:
    icon: str
    text: str

    def __str__(self) -> str:
        return f"{self.icon} {self.text}"


def variation_label(variation: str | None, side: str | None) -> Label:
    if variation is None:
        return Label("–", "Not enough data for SPC")
    if variation == "common_cause":
        return Label("●", "Common cause: no significant change")
    icon, text = VARIATION_LABELS[(variation, side)]
    return Label(icon, text)


def assurance_label(assurance: str | None) -> Label:
    if assurance is None:
        return Label("–", "No target to assure against")
    icon, text = ASSURANCE_LABELS[assurance]
    return Label(icon, text)


def rag_label(rating: str | None) -> str:
    return RAG_LABELS.get(rating, "No target") if rating else "No target"


def rag_words(rating: str | None, symbol: bool = True) -> str:
    """'● Green: on target' (or without the dot): the RAG label without Streamlit's colour markup."""
    label = re.sub(r"^:\w+\[(.)\]", r"\1", rag_label(rating))
    return label if symbol or not rating else label.split(" ", 1)[1]


def _streak(values: list[float], direction: int) -> int:
    """Points in the closing run of strictly rising (+1) or falling (-1) values, counting the first."""
    steps = np.sign(np.diff(values))
    k = 0
    while k < len(steps) and steps[len(steps) - 1 - k] == direction:
        k += 1
    return k + 1 if k else 0


def spc_reading(result: SpcResult, periods: list[str], breaks: list[tuple[str, str]] = (), suffix: str = "") -> str:
    """What the SPC chart says about the latest quarter, in plain words, and how far to trust it.

    A trend is described as a direction of travel, not as "unusually high/low": on a trending series every
    recent point sits away from the mean, and reading that as a one-off would mislead.
    """
    table = result.table.filter(result.table["value"].is_not_null())
    if table.height == 0 or result.variation is None:
        return "Not enough data for an SPC view."
    words = []
    latest_period = table["period"][-1]
    values = table.filter(table["period"] == latest_period)["value"].to_list()
    starts = [p for p, _ in breaks if p <= periods[-1] and p > periods[0]]
    for start, label in breaks:
        if periods[0] < start <= periods[-1]:
            words.append(f"Limits recalculated from {start} ({label}).")
    if len(result.periods) > 1:
        before, after = result.periods[-2].centre, result.periods[-1].centre
        words.append(f"The mean moved from {before:,.1f}{suffix} to {after:,.1f}{suffix}.")
    rules = result.latest_rules
    rising = _streak(values, 1)
    falling = _streak(values, -1)
    if "trend" in rules:
        way, k = ("risen", rising) if result.side == "high" else ("fallen", falling)
        words.append(
            f"It has {way} in each of the last {k - 1} quarters: a sustained trend, not chance. The flagged points "
            "show the direction of travel; the mean describes the period as a whole, not where the measure is now."
        )
    elif "beyond_limits" in rules:
        words.append(
            "The latest quarter is outside the process limits: more than chance variation, worth asking what happened."
        )
    elif "run" in rules:
        where = "above" if result.side == "high" else "below"
        opposite = rising if result.side == "low" else falling
        turn = (
            f", though it has {'risen' if result.side == 'low' else 'fallen'} in each of the last {opposite - 1}"
            " quarters"
            if opposite >= 3
            else ""
        )
        words.append(f"The latest quarters are all {where} the mean: the level has shifted{turn}.")
    elif "two_of_three" in rules:
        words.append("Two of the last three quarters were close to a process limit: an early sign of change.")
    else:
        words.append("The latest quarter is within the usual variation: no sign of a change.")
    if result.points_in_period < MIN_POINTS_FOR_ASSURANCE:
        since = f" since {starts[-1]}" if starts else ""
        words.append(
            f"Only {result.points_in_period} points{since}: the limits are provisional and no assurance is given "
            f"until there are {MIN_POINTS_FOR_ASSURANCE}."
        )
    return " ".join(words)
