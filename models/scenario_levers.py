"""The scenario levers: one parameter object, every lever declared once with its label, help and range.

Unknown names are refused and values are converted (from a form, JSON or URL text) and range-checked, so a
typo in a saved scenario or a shared link fails loudly instead of silently using a default.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from models.periods import parse_fy

VARIANTS = ("projection", "no_growth")


class LeverError(ValueError):
    """A lever name that does not exist, or a value of the wrong type or out of range."""


def lever(default: Any, label: str, help: str, minimum=None, maximum=None, step=None, unit: str = "") -> Any:
    """Declare a lever once: default, label and help for the page, range for validation."""
    meta = {"label": label, "help": help, "min": minimum, "max": maximum, "step": step, "unit": unit}
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Levers:
    """The assumptions a commissioner can change. Unknown names are refused; values are range-checked."""

    population_variant: str = lever(
        "projection",
        "Population",
        "'projection': demand grows with the ONS 2022-based projection after the forecast years; "
        "'no_growth': it stays at the last forecast year's level.",
    )
    population_adjustment_pct: float = lever(
        0.0, "Population adjustment", "Extra growth on top of the projection, % a year.", -3.0, 3.0, 0.1, "% a year"
    )
    service_use_change_pct: float = lever(
        0.0,
        "Change in service use",
        "Change in the share of people in need whom the council supports, % a year (prevention lowers it).",
        -5.0,
        5.0,
        0.1,
        "% a year",
    )
    dp_target_pct: float | None = lever(
        None, "DP uptake target", "Blank: uptake follows its forecast trend.", 0.0, 80.0, 0.5, "%"
    )
    dp_target_year: str = lever("2027/28", "Reach the DP target by", "Financial year by whose end the target is met.")
    pa_employer_share_pct: float = lever(
        32.0,
        "DP recipients employing PAs",
        "Share of DP recipients who employ Personal Assistants.",
        0.0,
        100.0,
        1.0,
        "%",
    )
    pas_per_employer: float = lever(
        1.87, "PAs per employer", "Average number of PAs each DP employer employs.", 0.5, 5.0, 0.01
    )
    pa_recruitment_growth_pct: float = lever(
        0.0, "Growth in PA recruitment", "Change in PAs recruited each year, % a year.", -50.0, 100.0, 1.0, "% a year"
    )
    pa_attrition_pct: float = lever(
        20.0, "PAs leaving each year", "Share of PAs who leave the register each year.", 0.0, 80.0, 0.5, "%"
    )
    home_care_rate_gbp: float = lever(
        19.28, "Home care hourly rate", "£ an hour for hours not taken as a DP.", 5.0, 80.0, 0.01, "£"
    )
    dp_rate_gbp: float = lever(16.0, "DP hourly rate", "£ an hour for hours taken as a DP.", 5.0, 80.0, 0.01, "£")
    isf_new_per_year: int = lever(75, "New ISFs a year", "Individual Service Funds set up each year.", 0, 1000, 5)
    cme_hours_per_week: float = lever(
        2500.0, "CME capacity", "Hours a week care micro-enterprises provide.", 0.0, 50_000.0, 50.0, "hours a week"
    )

    uncertainty_drift_pct: float = lever(
        2.0,
        "Uncertainty after the forecast",
        "How far demand and PA supply may drift from their path each year after the forecasts end (one "
        "standard deviation, % a year). It widens the ranges, not the central line.",
        0.0,
        10.0,
        0.5,
        "% a year",
    )

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def spec(cls, name: str) -> dict:
        """Label, help, range and unit of one lever."""
        return dict(next(f for f in dataclasses.fields(cls) if f.name == name).metadata)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], defaults: Levers | None = None) -> Levers:
        """Levers from a mapping (a form, JSON or URL query parameters), over ``defaults``.

        Strings are converted to the lever's type; an empty string or None clears the DP target.
        Raises :class:`LeverError` naming unknown levers and bad values.
        """
        known = cls.names()
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise LeverError(f"unknown lever(s) {', '.join(unknown)}; known: {', '.join(known)}")
        base = defaults or cls()
        return base.replace(**values)

    def replace(self, **changes: Any) -> Levers:
        """A copy with some levers changed, converted and validated."""
        unknown = sorted(set(changes) - set(self.names()))
        if unknown:
            raise LeverError(f"unknown lever(s) {', '.join(unknown)}")
        converted = {name: _convert(name, value, type(getattr(Levers(), name))) for name, value in changes.items()}
        result = dataclasses.replace(self, **converted)
        result.validate()
        return result

    def validate(self) -> None:
        problems = []
        for f in dataclasses.fields(self):
            value, low, high = getattr(self, f.name), f.metadata["min"], f.metadata["max"]
            if value is None or low is None:
                continue
            if not np.isfinite(value) or value < low or value > high:
                problems.append(f"{f.name}={value} is outside {low}..{high}")
        if self.population_variant not in VARIANTS:
            problems.append(f"population_variant must be one of {', '.join(VARIANTS)}")
        try:
            parse_fy(self.dp_target_year)
        except ValueError:
            problems.append(f"dp_target_year {self.dp_target_year!r} is not a financial year like 2027/28")
        if problems:
            raise LeverError("; ".join(problems))

    def to_mapping(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _convert(name: str, value: Any, kind: type) -> Any:
    if name == "dp_target_pct":
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        kind = float
    try:
        if kind is int:
            number = float(value)
            if number != int(number):
                raise ValueError
            return int(number)
        if kind is float:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        return str(value)
    except (TypeError, ValueError):
        raise LeverError(f"{name}={value!r} is not a {kind.__name__}") from None
