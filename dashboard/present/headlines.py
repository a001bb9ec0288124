"""Headline measures: the Overview's tiles and the committee pack's headline table, from one assessment.

Each headline measure (declared in ``pipelines/registry.py``, valued in ``mart_headline_measures``) is
judged once here: its value, the change on a year before, the target and tolerance it is rated against,
the RAG rating in words, the SPC signal and assurance, and one plain-English sentence. The Overview, the
themed pages and the pack all show these objects, so they cannot disagree.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl

from dashboard.formatting import by_unit, change_by_unit, points
from dashboard.mdc_icons import assurance_icon, variation_icon
from dashboard.present.blocks import IconCell, RagCell, Table
from dashboard.present.disclosure import HIDDEN, Disclosure
from dashboard.queries import Warehouse
from dashboard.signals import assurance_label, rag_words, variation_label
from models.measures import Assessment, MeasureSpec, assess


@dataclass(frozen=True)
class Headline:
    """One headline measure as every surface shows it."""

    key: str
    name: str
    unit: str
    higher_is_better: bool | None
    value: str  # formatted, suppressed
    change: str | None  # "+0.5 points on a year before", None when there is none to show
    target: str  # "25.0% by 2024/25 Q4 (higher is better; amber within 2.0 points)" or "No target (...)"
    rag: str | None  # green / amber / red
    rag_text: str  # "Green: on target" or "No target"
    variation: str  # SPC signal in words, with its icon
    assurance: str  # "–" without a target
    sentence: str
    assessment: Assessment
    variation_icon: str = ""  # Making Data Count icons as SVG (dashboard/mdc_icons.py), beside the words
    assurance_icon: str = ""

    @property
    def signals(self) -> list[IconCell]:
        """The SPC signal and the assurance, each an icon with its words, as the Overview and the pack show them."""
        cells = [IconCell(self.variation_icon, self.variation.split(" ", 1)[1])]
        if self.assurance != "–":
            cells.append(IconCell(self.assurance_icon, self.assurance.split(" ", 1)[1]))
        return cells

    @property
    def delta_color(self) -> str:
        if self.higher_is_better is None:
            return "off"
        return "normal" if self.higher_is_better else "inverse"


# The SPC signal of a measure with no figure for the quarter (icon, then words, as ``variation_label`` gives them).
NO_FIGURE_SIGNAL = "– No figure for this quarter"


def direction_words(higher_is_better: bool | None) -> str:
    if higher_is_better is None:
        return "neither higher nor lower is better"
    return "higher is better" if higher_is_better else "lower is better"


def _amount(value: float, unit: str) -> str:
    """A target or tolerance in its unit; a count target can be a fraction (9.5 a quarter)."""
    if unit == "count" and value != round(value):
        return f"{value:,.1f}"
    return by_unit(value, unit)


def target_words(
    target: float | None,
    unit: str,
    higher_is_better: bool | None,
    amber: float | None = None,
    target_by: str | None = None,
    contract: bool = False,
) -> str:
    """'25.0% by 2024/25 Q4 (higher is better; amber within 2.0 points)': every surface's words for a target,
    always with its direction and its amber tolerance (a headline measure's and a contract KPI's alike)."""
    if target is None or (isinstance(target, float) and math.isnan(target)):
        if higher_is_better is None:
            return "No target (context)"
        return f"No target ({'higher' if higher_is_better else 'lower'} is better)"
    shown = _amount(target, unit) + (f" by {target_by}" if target_by else "")
    words = ["the contract's target"] if contract else []
    words.append(direction_words(higher_is_better))
    if amber is None or (isinstance(amber, float) and math.isnan(amber)) or amber == 0:
        words.append("no amber tolerance")
    else:
        words.append(f"amber within {points(amber) if unit == 'percent' else _amount(amber, unit)}")
    return f"{shown} ({'; '.join(words)})"


def target_text(spec: MeasureSpec, target_source: str | None = None) -> str:
    """A headline measure's target in words (:func:`target_words`)."""
    contract = bool(target_source and target_source.startswith("contract KPI"))
    return target_words(
        spec.target, spec.unit, spec.higher_is_better, spec.amber_tolerance, spec.target_by, contract=contract
    )


def measure_sentence(assessment: Assessment, area: str, small_now: bool = False, small_before: bool = False) -> str:
    """One plain-English sentence for a headline measure.

    With a target: "Direct payment uptake in Cambridgeshire is 19.8% in 2024/25 Q4, 5.2 points below the 25.0%
    target (higher is better); at the last four quarters' rate the target would be reached in 2027/28 Q2."
    Without one, the change on a year before and the measure's direction. ``small_now`` and ``small_before``
    say that the value (or the year before's) rests on a count below the suppression threshold: then the
    sentence says so and gives nothing that could be worked back to the count.
    """
    spec = assessment.spec
    if assessment.value is None:
        return f"{spec.name} in {area}: no data for {assessment.period}."
    if small_now:
        return f"{spec.name} in {area}: too few people in {assessment.period} to show (small numbers)."
    value = by_unit(assessment.value, spec.unit)
    if small_before and assessment.change_on_year is not None:
        return (
            f"{spec.name} in {area}: {value} in {assessment.period} (no change on a year before is shown: it rests "
            "on small numbers)."
        )
    # "Uptake ... is 19.8%" reads well; plural counts ("People waiting ... is 161") do not, so they get a colon.
    verb = ":" if spec.unit in ("count", "hours") else " is"
    subject = f"{spec.name} in {area}{verb} {value} in {assessment.period}"
    if spec.target is not None and spec.higher_is_better is not None:
        gap = assessment.value - spec.target
        target = by_unit(spec.target, spec.unit)
        if assessment.rag == "green":
            where = f"meeting the {target} target ({direction_words(spec.higher_is_better)})"
        else:
            side = "below" if gap < 0 else "above"
            distance = points(gap) if spec.unit == "percent" else by_unit(abs(gap), spec.unit)
            where = f"{distance} {side} the {target} target ({direction_words(spec.higher_is_better)})"
        if assessment.rag == "green":
            trend = ""
        elif assessment.target_reached_in:
            trend = f"; at the last four quarters' rate the target would be reached in {assessment.target_reached_in}"
        else:
            trend = "; at the last four quarters' rate it is not getting closer to the target"
        return f"{subject}, {where}{trend}."
    if assessment.change_on_year is None:
        return f"{subject} ({direction_words(spec.higher_is_better)})."
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
    return f"{subject}, {moved} ({direction_words(spec.higher_is_better)})."


@dataclass(frozen=True)
class _Judged:
    assessment: Assessment
    target_source: str | None
    personal: bool
    rests_on_now: list[float]
    rests_on_year_before: list[float]


def assess_frame(
    frame: pl.DataFrame, period: str, change_points: Callable[[str], Sequence[tuple[str, str]]] | None = None
) -> list[_Judged]:
    """Each measure of ``mart_headline_measures`` rows (one area) judged up to ``period``, against the target in
    force in ``period``, with the counts its value (and a year before's) rests on. With ``settings``, SPC limits
    are recalculated at the measure's known change points (``Warehouse.change_points``: the registry's, the
    ``[[change_points]]`` setting's and the source changes found in the data)."""
    end = frame.filter(pl.col("period") == period)["quarter_end"]
    if end.is_empty():
        return []
    upto = frame.filter(pl.col("quarter_end") <= end[0])
    results = []
    for (_key,), rows in upto.group_by("measure_key", maintain_order=True):
        latest = rows.row(-1, named=True)
        spec = MeasureSpec(
            key=latest["measure_key"],
            name=latest["measure_name"],
            unit=latest["unit"],
            higher_is_better=latest["higher_is_better"],
            target=latest["target"],
            amber_tolerance=latest["amber_tolerance"],
            target_by=latest["target_by"],
            change_points=tuple(p for p, _ in change_points(latest["measure_key"])) if change_points else (),
        )
        rests_on = rows["rests_on"].to_list()
        results.append(
            _Judged(
                assess(spec, rows["period"].to_list(), rows["value"].to_list()),
                latest["target_source"],
                latest["personal"],
                rests_on[-1] or [],
                (rests_on[-5] or []) if len(rests_on) >= 5 else [],
            )
        )
    return results


def headlines(wh: Warehouse, code: str, period: str, area: str) -> list[Headline]:
    """Every headline measure for one area and quarter, as every surface shows it (judged once per build)."""
    return wh.memo(("headlines", code, period, area), lambda: _headlines(wh, code, period, area))


def _headlines(wh: Warehouse, code: str, period: str, area: str) -> list[Headline]:
    disclosure = Disclosure(wh.settings.suppression_threshold)
    shown = []
    for judged in assess_frame(wh.headline_measures(code), period, wh.change_points):
        a, spec = judged.assessment, judged.assessment.spec
        small_now = judged.personal and disclosure.any_small(judged.rests_on_now)
        small_before = judged.personal and disclosure.any_small(judged.rests_on_year_before)
        if small_now:
            value = disclosure.count(a.value) if spec.unit == "count" else HIDDEN
        else:
            value = by_unit(a.value, spec.unit)
        change = None
        if a.change_on_year is not None:
            change = (
                "Change not shown (small numbers)"
                if small_now or small_before
                else change_by_unit(a.change_on_year, spec.unit)
            )
        rated = a.rag if not small_now else None
        # No figure for this quarter (its return is not loaded yet): no rating or signal is given for it.
        missing = a.value is None
        judged_against_target = spec.target is not None and not missing
        shown.append(
            Headline(
                key=spec.key,
                name=spec.name,
                unit=spec.unit,
                higher_is_better=spec.higher_is_better,
                value=value,
                change=change,
                target=target_text(spec, judged.target_source),
                rag=rated,
                rag_text=rag_words(rated, symbol=False) if rated else _unrated(spec.target, small_now, missing),
                variation=NO_FIGURE_SIGNAL if missing else str(variation_label(a.spc.variation, a.spc.side)),
                assurance=str(assurance_label(a.spc.assurance)) if judged_against_target else "–",
                sentence=measure_sentence(a, area, small_now, small_before),
                assessment=a,
                variation_icon="" if missing else variation_icon(a.spc.variation, a.spc.side),
                assurance_icon=assurance_icon(a.spc.assurance) if judged_against_target else "",
            )
        )
    return shown


def _unrated(target: float | None, small: bool, missing: bool) -> str:
    """Why a headline measure has no RAG rating."""
    if target is None:
        return "No target"
    if missing:
        return "Not rated (no figure)"
    return "Not rated (small numbers)" if small else "No target"


def _signal_cells(h: Headline) -> list[IconCell | str]:
    variation, *assurance = h.signals
    return [variation, assurance[0] if assurance else "–"]


def headline_table(items: list[Headline], caption: str) -> Table:
    """The pack's (and any export's) table of headline measures."""
    return Table(
        caption,
        ["Measure", "Value", "Change on a year before", "Target", "RAG", "SPC signal", "Assurance"],
        [[h.name, h.value, h.change or "–", h.target, RagCell(h.rag, h.rag_text), *_signal_cells(h)] for h in items],
        numeric=[False, True, True],
        widths=["15%", "8%", "11%", "24%", "11%", "16%", "15%"],
    )


RAG_EXPLAINED = (
    "RAG compares the latest quarter with the target beside it; amber is short of it by no more than the tolerance "
    "shown. Targets are the council's, or the contract's for a contract KPI (ASCOF sets none). The SPC signal says "
    "whether the latest value is unusual against the past five years (NHS ‘Making Data Count’); assurance, whether "
    "the target can be met reliably as things are."
)
