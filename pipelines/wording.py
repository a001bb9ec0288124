"""Words shared by every surface that counts things for people: the command line, the pipelines' messages and the
dashboard (which imports this, as it imports the pipelines' settings)."""

from __future__ import annotations


def counted(k: int, singular: str, plural: str | None = None) -> str:
    """A count with its noun in the right number: "1 row", "2,001 rows" (never "row(s)")."""
    return f"{k:,} {singular if k == 1 else plural or singular + 's'}"
