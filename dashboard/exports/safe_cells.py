"""Text that is safe to open in a spreadsheet: no cell can turn into a formula.

Excel, LibreOffice and Google Sheets treat text starting with ``=``, ``+``, ``-`` or ``@`` (and tab or
carriage return, which some of them strip first) as a formula, which a malicious provider comment could
use to run commands or leak data ("CSV injection", OWASP). Such text gets a leading apostrophe, the
convention spreadsheets themselves use for "this is text", so it is shown and never evaluated.
"""

from __future__ import annotations

import polars as pl

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_PATTERN = r"^[=+\-@\t\r]"


def neutralise(value: object) -> object:
    """Prefix text that a spreadsheet would read as a formula with an apostrophe; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Apply :func:`neutralise` to every text column (for CSV and Excel downloads of whole tables)."""
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_PATTERN)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c, dtype in frame.schema.items()
        if dtype == pl.String
    )
