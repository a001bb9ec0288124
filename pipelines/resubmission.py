"""Resubmissions: a file that supersedes the earlier ones for its source over a scope, and what it changes.

A resubmission (``--resubmission``, the Data page's box, or the word in the file's name) replaces what earlier
loads sent for the same scope: a KPI return a provider's quarters, a survey file its surveys' quarters, and the
council's own extracts (activity, referrals, the PA register, the KPI catalogue) the whole list.
A record key there (``Source.record_key_sql``) that it does not send again is withdrawn: a row in
``withdrawals``, which staging honours. CLD submissions need none of this: each covers a reporting period, the
latest submission covering the twelve months to a quarter's end is read whole for it (``int_cld_submission_selected``),
and an event sent with an Event Reference is read as its latest version even for a quarter an older submission
covers (``stg_cld.event_key``). A CLD file with under half the rows of the fullest return loaded for its period
(or of the quarter before's) is loaded with a warning that it may be a partial return (``pipelines.cld.partial``).

``changes_sql`` compares the new load with the current rows before anything is committed: rows added, changed
(with the columns that differ) and withdrawn, so a person can see the difference before accepting it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipelines.schemas import Source
from pipelines.wording import counted

# The columns over which a resubmission supersedes the earlier files; () is the whole source.
RESUBMISSION_SCOPE: dict[str, tuple[str, ...]] = {
    "kpi_returns": ("provider", "period"),
    "survey_responses": ("survey", "period"),
    "activity": (),
    "referrals": (),
    "pa_register": (),
    "kpi_catalogue": (),
}
RESUBMISSION_WORD = "resubmission"
SAMPLE_ROWS = 5  # rows of each kind shown before a resubmission is accepted


def is_resubmission(path: Path, flagged: bool) -> bool:
    """Whether a file supersedes the earlier ones: ``--resubmission``, or the word in its name."""
    return flagged or RESUBMISSION_WORD in path.name.lower()


def scope_words(source: Source) -> str:
    """What a resubmission of ``source`` replaces, in words."""
    scope = RESUBMISSION_SCOPE.get(source.name)
    if scope is None:
        return "nothing (this source cannot be resubmitted)"
    return f"each {' and '.join(scope)} it holds" if scope else f"every earlier {source.name} row"


@dataclass
class Changes:
    """What a resubmission does to the current rows, by record key."""

    source: str
    added: int = 0
    changed: int = 0
    withdrawn: int = 0
    unchanged: int = 0
    # (change, record key, what: the columns that differ "column: before -> after", or the row's values)
    sample: list[tuple[str, str, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{counted(self.added, 'row')} added, {self.changed:,} changed, {self.withdrawn:,} withdrawn, "
            f"{self.unchanged:,} unchanged"
        )


def _current_sql(source: Source, earlier_rows: str, withdrawals: str) -> str:
    """The rows the marts hold now (latest per record key, less those withdrawn), with their record keys."""
    return f"""
        select * from (
            select *, {source.record_key_sql()} as record_key from ({earlier_rows}) where load_id < $load_id
            qualify row_number() over (partition by record_key order by load_id desc, source_row desc) = 1
        ) as c
        where not exists (
            select 1 from {withdrawals} as w
            where w.source = $source and w.record_key = c.record_key and w.load_id > c.load_id
        )"""


def _in_scope(source: Source, current: str = "c", new: str = "n") -> str:
    scope = RESUBMISSION_SCOPE.get(source.name) or ()
    if not scope:
        return "true"
    return " and ".join(f'{current}."{c}" is not distinct from {new}."{c}"' for c in scope)


def _values(source: Source, alias: str) -> str:
    return " || '; ' || ".join(
        f"""'{c}: ' || coalesce(cast({alias}."{c}" as varchar), 'blank')""" for c in source.column_names
    )


def changes_sql(source: Source, new_rows: str, earlier_rows: str, withdrawals: str) -> str:
    """SQL with one row per record key a load touches: change (added, changed, unchanged; withdrawn only matters
    for a resubmission), record_key, withdrawn_load_id (the current row's load), what (the columns that differ, as
    ``column: before -> after``, or an added or withdrawn row's values), source_row. ``new_rows`` and
    ``earlier_rows`` are loaded-rows SQL (the second may read an attached store); ``withdrawals`` the table of
    earlier withdrawals; bound with ``$load_id`` and ``$source``."""
    differs = " || ".join(
        f"""case when n."{c}" is distinct from c."{c}" then '{c}: ' || coalesce(cast(c."{c}" as varchar), 'blank')
            || ' -> ' || coalesce(cast(n."{c}" as varchar), 'blank') || '; ' else '' end"""
        for c in source.column_names
    )
    return f"""
        with new as (select *, {source.record_key_sql()} as record_key from ({new_rows}) where load_id = $load_id),
        c as ({_current_sql(source, earlier_rows, withdrawals)}),
        compared as (
            select n.record_key, c.load_id as withdrawn_load_id, n.source_row,
                case when c.record_key is null then 'added' when ({differs}) = '' then 'unchanged' else 'changed'
                end as change,
                case when c.record_key is null then {_values(source, "n")} else rtrim({differs}, '; ') end as what
            from new as n left join c using (record_key)
        ),
        gone as (
            select x.record_key, x.load_id as withdrawn_load_id, x.source_row, 'withdrawn' as change,
                {_values(source, "x")} as what
            from c as x
            where x.record_key not in (select record_key from new)
                and exists (select 1 from new as n where {_in_scope(source, "x", "n")})
        )
        select change, record_key, withdrawn_load_id, what, source_row from compared
        union all
        select change, record_key, withdrawn_load_id, what, source_row from gone"""


def changes_of(con, source: Source, sql: str, params: dict, resubmission: bool) -> Changes:
    """Count and sample the rows of ``changes_sql`` (withdrawals only count for a resubmission)."""
    kinds = "('added', 'changed', 'unchanged', 'withdrawn')" if resubmission else "('added', 'changed', 'unchanged')"
    counted = con.sql(
        f"select change, count(*) from ({sql}) where change in {kinds} group by change", params=params
    ).fetchall()
    changes = Changes(source.name, **dict(counted))
    changes.sample = con.sql(
        f"""select change, record_key, what from ({sql})
            where change in {kinds} and change <> 'unchanged'
            qualify row_number() over (partition by change order by source_row) <= {SAMPLE_ROWS}
            order by case change when 'added' then 1 when 'changed' then 2 else 3 end, source_row""",
        params=params,
    ).fetchall()
    return changes
