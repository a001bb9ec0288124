"""Plain words and icons for RAG ratings and SPC signals, so colour is never the only signal."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
