"""The data quality report: per submission and field, how many values were blank, invalid or mapped.

As DHSC's dashboard shows councils: a value outside the specification's lists is kept (as ``Invalid and not
mapped``) and counted here, so the council can correct it at source. The counts come from each row's packed
quality codes (``fields.Cleaning``), summed in one pass over the load's table.
"""

from __future__ import annotations

import duckdb

from pipelines.cld.fields import BLANK, INVALID, MAPPED, QUALITY_FIELDS, quality_position


def record_quality(con: duckdb.DuckDBPyConnection, table: str, load_id: int) -> None:
    """Add the load's counts to ``cld_quality``: one row per submission in the file and field."""
    sums, structs = [], []
    for i, field in enumerate(QUALITY_FIELDS):
        word, bit = quality_position(field)
        code = f"((_q{word} >> {bit}) & 3)"
        sums += [
            f"count(*) filter ({code} = {BLANK}) as b{i}",
            f"count(*) filter ({code} = {INVALID}) as i{i}",
            f"count(*) filter ({code} = {MAPPED}) as m{i}",
        ]
        structs.append(f"{{'field': '{field}', 'blank': b{i}, 'invalid': i{i}, 'mapped': m{i}}}")
    con.sql(
        f"""
        insert into cld_quality
        with agg as (
            select coalesce(submission_id, 'no readable reporting period') as submission_id, count(*) as n,
                {", ".join(sums)}
            from {table} group by all
        ),
        long as (select submission_id, n, unnest([{", ".join(structs)}]) as s from agg)
        select $load_id, submission_id, s.field, n, s.blank, s.invalid, s.mapped from long""",
        params={"load_id": load_id},
    )
