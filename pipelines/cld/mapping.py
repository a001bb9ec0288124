"""Raw CLD values -> Release 2 labels, from the reference file ``pipelines/reference/cld/values.csv``.

The file lists, per field, every raw value whose meaning is clear (normalised: lower case, spaces collapsed)
and its Release 2 label: the Release 2 labels themselves, Release 1 wording (``Long Term Support: Community``,
``Carer``) and common variants (``DP``). Anything else is kept as ``Invalid and not mapped``, as DHSC does,
so the row still loads and the data quality report shows the council what to correct. A council that finds a
value mapped wrongly, or one that should be mapped, adds a line to the file: no code changes.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

INVALID = "Invalid and not mapped"
VALUES_FILE = Path(__file__).resolve().parent.parent / "reference" / "cld" / "values.csv"


def normalise(value: str) -> str:
    """How raw values are matched: case and runs of spaces do not matter."""
    return re.sub(r"\s+", " ", value.strip().lower())


# The same in SQL, for a raw text column ``x``.
NORMALISE_SQL = "lower(regexp_replace(trim({x}), '\\s+', ' ', 'g'))"


@cache
def value_map(path: Path = VALUES_FILE) -> dict[str, dict[str, str]]:
    """field -> {normalised raw value: Release 2 label}."""
    found: dict[str, dict[str, str]] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            found.setdefault(row["field"], {})[normalise(row["raw_value"])] = row["release_2_value"]
    return found


def allowed_values(field: str) -> list[str]:
    """The Release 2 labels of ``field``, in the reference file's order."""
    return list(dict.fromkeys(value_map()[field].values()))


def coded_fields() -> list[str]:
    return list(value_map())


def mapped_sql(field: str, raw: str, params: dict) -> str:
    """SQL for the Release 2 value of raw text ``raw`` (null when blank, ``Invalid and not mapped`` when unknown).

    A value already written as its Release 2 label costs one list lookup; only the others are normalised.
    Adds the field's lists to ``params``.
    """
    mapping = value_map()[field]
    params[f"r2_{field}"] = allowed_values(field)
    params[f"raw_{field}"] = list(mapping)
    params[f"clean_{field}"] = list(mapping.values())
    found = f"list_extract($clean_{field}, list_position($raw_{field}, {NORMALISE_SQL.format(x=raw)}))"
    return (
        f"case when list_contains($r2_{field}, {raw}) then {raw} when {raw} is null or trim({raw}) = '' then null "
        f"else coalesce({found}, '{INVALID}') end"
    )


def mapped_quality_sql(value: str, raw: str) -> str:
    """The quality code of a mapped value: 0 as sent, 1 blank, 2 invalid, 3 mapped to its Release 2 label."""
    return f"case when {value} is null then 1 when {value} = {raw} then 0 when {value} = '{INVALID}' then 2 else 3 end"
