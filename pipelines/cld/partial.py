"""A warning for a CLD file that may be a partial return: far fewer rows than the fullest return loaded for its
reporting period, or than the rolling return of the quarter before.

A file sent for a reporting period already loaded becomes that period's latest return and is read whole for the
quarters it covers (``int_cld_submission_selected``). If it is a partial return or a top-up of one cohort, every
one of those quarters is counted from it alone and undercounts; NHS England's CLD methods warn of the same. It is
a warning, not a refusal: a corrected return can be smaller (duplicates removed), and only the council knows.
A new quarter's rolling return shares nine of its twelve months with the one before, so it should hold about as
many rows: one with under half as many is called out too.
"""

from __future__ import annotations

import shlex
from datetime import date

import duckdb

from pipelines.wording import counted

# A return with fewer than this share of the rows of the one it replaces (or follows) is called out.
PARTIAL_SHARE = 0.5


def partial_return_notes(con: duckdb.DuckDBPyConnection, load_id: int, file_name: str) -> list[str]:
    """A note for each reporting period of load ``load_id`` with under ``PARTIAL_SHARE`` of the rows of the fullest
    earlier load for the same period and LA Code, or, where no earlier load sent that period, of the rolling return
    of the quarter before; none when there is neither. Rows are counted from ``cld_quality`` (every row read, per
    submission), so no earlier load's table is read again."""
    counts = con.sql(
        """
        select * from (
            select load_id, split_part(submission_id, '_', 1) as la_code,
                try_strptime(split_part(submission_id, '_', 2), '%Y%m%d') as period_start,
                try_strptime(split_part(submission_id, '_', 3), '%Y%m%d') as period_end, max(rows)
            from cld_quality where load_id <= ? group by all
        )
        where period_start is not null and period_end is not null  -- not 'no readable reporting period'
        order by load_id""",
        params=[load_id],
    ).fetchall()
    # (LA Code, start, end) -> (rows, load) of the fullest earlier load: after one partial return, the next is
    # still compared with the whole return, not with the partial one.
    fullest: dict[tuple, tuple[int, int]] = {}
    notes = []
    for loaded, la_code, start, end, rows in counts:
        period = (la_code, start.date(), end.date())
        if loaded < load_id:
            fullest[period] = max(fullest.get(period, (0, 0)), (rows, loaded))
            continue
        compared = period if period in fullest else _previous_quarter(period, fullest)
        if compared is None or rows >= PARTIAL_SHARE * fullest[compared][0]:
            continue
        before, earlier_load = fullest[compared]
        ((earlier_file,),) = con.sql(
            "select file_name from load_log where load_id = ?", params=[earlier_load]
        ).fetchall()
        against = f"against {before:,} in {earlier_file} (load {earlier_load}), "
        if compared == period:
            against += "the fullest return loaded for the same period"
        else:
            against += (
                f"the return for {_day(compared[1])} to {_day(compared[2])}, whose twelve months it mostly shares"
            )
        purge = f"asc purge --file {shlex.quote(file_name)}"
        notes.append(
            f"possibly a partial return: {counted(rows, 'row')} for the reporting period {_day(period[1])} to "
            f"{_day(period[2])}, {against}; if it is a top-up or part of the return, the quarters it covers will be "
            f"counted from it alone: send the whole return again, or remove this file ({purge})"
        )
    return notes


def _previous_quarter(period: tuple, loaded: dict[tuple, tuple[int, int]]) -> tuple | None:
    """The period loaded for the same LA Code that ends in the three months before ``period`` ends (the rolling
    return before it), the latest such; None if there is none."""
    la_code, _, end = period
    before = [p for p in loaded if p[0] == la_code and 0 < (end - p[2]).days <= 92]
    return max(before, key=lambda p: p[2]) if before else None


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"
