"""The data quality report: per submission and field, how many values were blank, invalid or mapped.

As DHSC's dashboard shows councils: a value outside the specification's lists is kept (as ``Invalid and not
mapped``) and counted here, so the council can correct it at source. The counts come from each row's packed
quality codes (``fields.Cleaning``): the load's table is first grouped by submission and packed words (a few
thousand distinct combinations even in millions of rows, as codes are coarse), and each field's counts are then
summed over those groups, so the per-field work does not grow with the file.
"""

from __future__ import annotations

import duckdb

from pipelines.cld.fields import BLANK, INVALID, MAPPED, QUALITY_FIELDS, quality_position, quality_words


def record_quality(con: duckdb.DuckDBPyConnection, table: str, load_id: int) -> None:
    """Add the load's counts to ``cld_quality``: one row per submission in the file and field."""
    sums, structs = [], []
    for i, field in enumerate(QUALITY_FIELDS):
        word, bit = quality_position(field)
        code = f"((_q{word} >> {bit}) & 3)"
        sums += [
            f"coalesce(sum(n) filter ({code} = {BLANK}), 0) as b{i}",
            f"coalesce(sum(n) filter ({code} = {INVALID}), 0) as i{i}",
            f"coalesce(sum(n) filter ({code} = {MAPPED}), 0) as m{i}",
        ]
        structs.append(f"{{'field': '{field}', 'blank': b{i}, 'invalid': i{i}, 'mapped': m{i}}}")
    words = ", ".join(f"_q{w}" for w in range(quality_words()))
    con.sql(
        f"""
        insert into cld_quality
        with combos as (
            select coalesce(submission_id, 'no readable reporting period') as submission_id, {words}, count(*) as n
            from {table} where not _blank group by all
        ),
        agg as (select submission_id, sum(n) as n, {", ".join(sums)} from combos group by submission_id),
        long as (select submission_id, n, unnest([{", ".join(structs)}]) as s from agg)
        select $load_id, submission_id, s.field, n, s.blank, s.invalid, s.mapped from long""",
        params={"load_id": load_id},
    )
