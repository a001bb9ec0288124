"""Disclosure control: the one place small numbers are hidden, for every page, download and the pack.

Rules (the threshold is ``suppression_threshold`` in the settings, 5 by default):

- a count of people from 1 to threshold - 1 is shown as ``<5``; zero is shown (it identifies nobody);
- a percentage, interval or rate whose numerator or base is hidden (or small) is not shown;
- secondary suppression: where a table shows areas beside their total, one hidden area could be worked
  out as the total less the others, so the next smallest area is hidden too;
- counts the registry marks as not personal (contracts, providers) are shown as they are.

Presenters call these functions; views, the pack and the exports only lay out what comes back.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from dashboard.formatting import count as format_count
from dashboard.formatting import in_words, pct

HIDDEN = "–"  # a figure not shown because it rests on a small count


def left_out_words(hidden: int) -> str:
    """What a finding adds when it leaves groups out for small numbers: " (two not shown: small numbers)", or ""."""
    return f" ({in_words(hidden)} not shown: small numbers)" if hidden else ""


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


@dataclass(frozen=True)
class Disclosure:
    """The suppression rules at one threshold."""

    threshold: int

    @property
    def marker(self) -> str:
        return f"<{self.threshold}"

    @property
    def note(self) -> str:
        return (
            f"Counts from 1 to {self.threshold - 1} are shown as {self.marker}, and rates resting on them as "
            f"‘{HIDDEN}’; where a total would reveal a hidden count, the next smallest is hidden too."
        )

    def is_small(self, value) -> bool:
        return not _missing(value) and 0 < value < self.threshold

    def any_small(self, values: Iterable) -> bool:
        return any(self.is_small(v) for v in values)

    def count(self, value) -> str:
        """'1,234', '<5' or '–' (no data)."""
        if _missing(value):
            return "–"
        return self.marker if self.is_small(value) else format_count(value)

    def rate(self, value, bases: Iterable, formatter=pct) -> str:
        """A percentage (or other rate) unless a count it rests on is small."""
        if self.any_small(bases):
            return HIDDEN
        return formatter(value)

    def value_or_none(self, value, bases: Iterable):
        """The number itself for charts, or None when it must not be shown."""
        return None if _missing(value) or self.any_small(bases) else value

    def counts_for_chart(self, values: Sequence) -> list[float | None]:
        """Counts with the small ones blanked, so a chart (and its hover text) cannot show them."""
        return [None if _missing(v) or self.is_small(v) else float(v) for v in values]

    # Tables ------------------------------------------------------------------------------------------

    def hidden_cells(
        self, frame: pl.DataFrame, counts: Sequence[str], total_row: str | None = None
    ) -> dict[str, list[bool]]:
        """Which count cells to hide: small ones, and (with ``total_row``, a boolean column marking the row
        that totals the others) the next smallest where exactly one would otherwise be recoverable."""
        hidden: dict[str, list[bool]] = {}
        is_total = frame[total_row].to_list() if total_row and total_row in frame.columns else [False] * frame.height
        for column in counts:
            if column not in frame.columns:
                continue
            values = frame[column].to_list()
            hide = [self.is_small(v) for v in values]
            if total_row and any(is_total):
                parts = [i for i, total in enumerate(is_total) if not total]
                hidden_parts = [i for i in parts if hide[i]]
                if len(hidden_parts) == 1:
                    # The total less the shown parts would give the one hidden part away: hide the next smallest.
                    candidates = sorted(
                        (i for i in parts if not hide[i] and not _missing(values[i])), key=lambda i: values[i]
                    )
                    if candidates:
                        hide[candidates[0]] = True
            hidden[column] = hide
        return hidden

    def table(
        self,
        frame: pl.DataFrame,
        counts: Sequence[str] = (),
        rates: Mapping[str, Sequence[str]] | None = None,
        total_row: str | None = None,
    ) -> pl.DataFrame:
        """A frame with hidden counts and the rates resting on them set to null (the caller formats them).

        ``rates`` maps each rate column to the count columns it rests on (numerator and base).
        """
        hidden = self.hidden_cells(frame, counts, total_row)
        rates = rates or {}
        out = frame
        for column, hide in hidden.items():
            out = out.with_columns(
                pl.when(pl.Series(hide, dtype=pl.Boolean)).then(None).otherwise(pl.col(column)).alias(column)
            )
        for rate, bases in rates.items():
            if rate not in frame.columns:
                continue
            hide = [False] * frame.height
            for base in bases:
                if base in hidden:
                    hide = [a or b for a, b in zip(hide, hidden[base], strict=True)]
                elif base in frame.columns:
                    hide = [a or self.is_small(v) for a, v in zip(hide, frame[base].to_list(), strict=True)]
            out = out.with_columns(
                pl.when(pl.Series(hide, dtype=pl.Boolean)).then(None).otherwise(pl.col(rate)).alias(rate)
            )
        return out

    def count_texts(self, frame: pl.DataFrame, original: pl.DataFrame, column: str) -> list[str]:
        """Display text of a count column after :meth:`table`: '<5' where hidden because small, '–' where
        hidden to protect another cell or missing, the count otherwise."""
        texts = []
        for shown, raw in zip(frame[column].to_list(), original[column].to_list(), strict=True):
            if _missing(raw):
                texts.append("–")
            elif self.is_small(raw):
                texts.append(self.marker)
            elif _missing(shown):
                texts.append(HIDDEN)
            else:
                texts.append(format_count(raw))
        return texts

    def areas(
        self,
        frame: pl.DataFrame,
        county_code: str,
        counts: Sequence[str],
        rates: Mapping[str, Sequence[str]],
        group: str = "period",
    ) -> pl.DataFrame:
        """:meth:`table` for areas shown beside their county total (``locality_code``), one ``group`` (quarter) at
        a time: hidden counts and the rates resting on them become null, with secondary suppression against the
        county row; ``<count>_text`` columns hold each count as printed ('<5', '–' or the number). Row order kept.
        """
        frame = frame.with_row_index("_row").with_columns((pl.col("locality_code") == county_code).alias("_total"))
        parts = []
        for _key, part in frame.group_by(group, maintain_order=True):
            shown = self.table(part, counts, rates, total_row="_total")
            parts.append(
                shown.with_columns(
                    pl.Series(f"{c}_text", self.count_texts(shown, part, c), dtype=pl.String) for c in counts
                )
            )
        return pl.concat(parts).sort("_row").drop("_row", "_total")
