"""Validate every row of an inbox file against its source schema, inside DuckDB.

Input is a file opened by ``readers.open_input`` (text columns and the spreadsheet row number); output
is the typed good rows and one reject per problem found, with the row number a person would look for,
the column, the value and a reason in plain words. A row with any problem is rejected whole, so a
report never counts half a record.

The checks are generated from the schema as one SQL query, so they run vectorised and in parallel over
files of millions of rows without holding them in Python. Each check sets one bit of a per-row problem
mask; good rows have a mask of 0, and the rejects are the set bits, unnested.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import duckdb

from models.periods import PeriodError, parse_fy, parse_quarter
from pipelines.ascof import canonical_year
from pipelines.readers import quote_identifier as qi
from pipelines.schemas import Column, Source, canonical_names, is_year_column

if TYPE_CHECKING:
    import polars as pl

ROW = "_source_row"
REJECT_NAMES = ("row_number", "column_name", "value", "reason")
_TRUE = ["true", "t", "yes", "y", "1"]
_FALSE = ["false", "f", "no", "n", "0"]
_EARLIEST = date(1900, 1, 1)
_DMY, _MDY = "%d/%m/%Y", "%m/%d/%Y"
# Cross-column rules: (source, later column, earlier column).
_ORDERED_DATES = [
    ("activity", "end_date", "start_date"),
    ("pa_register", "left_date", "registered_date"),
    ("referrals", "start_date", "received_date"),
]


@dataclass
class Context:
    """What rows are checked against beyond their own schema."""

    localities: list[str]
    today: date = field(default_factory=date.today)
    kpi_codes: list[str] | None = None  # None: not checked (no catalogue to hand)
    percent_kpis: list[str] = field(default_factory=list)
    gbp_kpis: list[str] = field(default_factory=list)  # KPIs measured in pounds
    supplied: dict[str, str] = field(default_factory=dict)  # column -> value for every row (the ASCOF year)
    key: bytes | None = None  # pseudonymisation key; None leaves person columns as they are
    # Dates written with slashes are day first (30/04/2024) unless the file proves otherwise: see
    # Plan.month_first_sql and DateOrder.
    month_first: bool = False
    # The file supersedes earlier ones for its providers and periods (see ingest.RESUBMISSION_SCOPE).
    resubmission: bool = False


@dataclass
class Check:
    column: str
    condition: str  # SQL, true when the row breaks the rule
    reason: str
    # A problem that makes the row's other reasons noise (its values are in the wrong columns): when it
    # is found, it is the only reason given for the row.
    exclusive: bool = False


def _amount(x: float) -> str:
    """A bound in words: 25,000 or 0.5."""
    return f"{int(x):,}" if x == int(x) else f"{x:,}"


def _key(value: str) -> str:
    """How allowed values are matched: case, spaces, hyphens and underscores do not matter."""
    return "_".join(value.lower().replace("-", " ").replace("_", " ").split())


_KEY_SQL = "regexp_replace(lower(trim({x})), '[\\s_-]+', '_', 'g')"
# Why a number could not be read, by what it measures.
_REASONS = {
    "gbp": "should be an amount in pounds, like 220.50 or £1,220.50",
    "percent": "should be a percentage, like 85 or 85%",
    "kpi": "should be a number in the KPI's unit, like 97.5, 97.5%, 1,250 or £1,250.00",
    "hours": "should be a number of hours, like 7.5",
    "count": "should be a number",
    "years": "should be a whole number",
    "number": "should be a number",
}


class Plan:
    """The validation query for one source over one opened file.

    ``fragment`` gives the file's rows as text with ``_row``; ``fast_fragment`` (CSV) gives them without,
    in file order, so the row number is the checked table's ``rowid`` plus ``row_offset``. That keeps the
    query parallel: numbering rows as they stream would tie it to one thread.
    """

    def __init__(
        self,
        source: Source,
        fragment: str,
        columns: list[str],
        context: Context,
        fast_fragment: str | None = None,
        row_offset: int | None = None,
        other_separators: str | None = None,
    ) -> None:
        self.source, self.context = source, context
        self.other_separators = other_separators
        self.params: dict = {"today": context.today, "localities": list(context.localities)}
        self.checks: list[Check] = []
        names = canonical_names(source)
        self.file_columns_in_order = list(columns)
        self.file_column: dict[str, str] = {}
        for name in columns:  # an exact name wins over an alias
            target = names.get(name)
            if target and (target not in self.file_column or name == target):
                self.file_column[target] = name
        self.year_columns = [c for c in columns if is_year_column(c)] if source.year_columns else []
        self.fragment = fragment
        self.fast = fast_fragment is not None and row_offset is not None and not source.year_columns
        self.source_sql = fast_fragment if self.fast else fragment
        self.row_offset = row_offset
        if context.key is not None:
            self.params["pseudonym_key"] = context.key

    # Expressions --------------------------------------------------------------------------------

    def _raw(self, c: Column) -> str:
        if self.source.year_columns and c.name in self.source.year_columns:
            x = f"src.{qi(c.name)}"
        elif c.name in self.context.supplied and c.name not in self.file_column:
            self.params[f"supplied_{c.name}"] = self.context.supplied[c.name]
            x = f"$supplied_{c.name}"
        elif c.name not in self.file_column:
            return "null::varchar"
        else:
            x = f"src.{qi(self.file_column[c.name])}"
        if c.null_markers:
            self.params[f"markers_{c.name}"] = list(c.null_markers)
            x = f"case when list_contains($markers_{c.name}, trim({x})) then null else {x} end"
        return x

    def _typed(self, c: Column, r: str, mapping: Callable[[str], dict]) -> tuple[str, str]:
        """SQL for the typed value of raw ``r`` (null when it cannot be read) and the reason if so.

        Each starts with the cheap exact reading and only trims and retries for the odd value that fails.
        """
        trimmed = f"nullif(trim({r}), '')"
        if c.allowed:
            self.params[f"allowed_{c.name}"] = list(c.allowed)
            self.params[f"keys_{c.name}"] = [_key(v) for v in c.allowed]
            found = f"list_extract($allowed_{c.name}, list_position($keys_{c.name}, {_KEY_SQL.format(x=r)}))"
            return (
                f"case when list_contains($allowed_{c.name}, {r}) then {r} else {found} end",
                f"should be one of: {', '.join(c.allowed)}",
            )
        match c.type:
            case "int":
                # Clamped, not cast: a number too big for an integer is still a number, refused by the
                # column's maximum with a reason, never an error that stops the load.
                n = self._number(c, r)
                return (
                    f"case when {n} = trunc({n}) then cast(least(greatest({n}, -9e18), 9e18) as bigint) end",
                    "should be a whole number",
                )
            case "float":
                n = self._number(c, r)
                return f"case when not isnan({n}) then least(greatest({n}, -1.7e308), 1.7e308) end", _REASONS[c.unit]
            case "date":
                if self.context.month_first:
                    return (
                        f"coalesce(try_cast({r} as date), cast(try_strptime({trimmed}, '{_MDY}') as date))",
                        "should be a date like 2024-04-30 or, as this file writes them (month first), 04/30/2024",
                    )
                return (
                    f"coalesce(try_cast({r} as date), cast(try_strptime({trimmed}, '{_DMY}') as date))",
                    "should be a date like 2024-04-30 or 30/04/2024",
                )
            case "bool":
                lower = f"lower({trimmed})"
                return (
                    f"case when {lower} in {tuple(_TRUE)} then true when {lower} in {tuple(_FALSE)} then false end",
                    "should be true or false",
                )
            case "quarter" | "fy":
                values = mapping(c.name)
                self.params[f"raw_{c.name}"] = list(values)
                self.params[f"canon_{c.name}"] = [v[0] for v in values.values()]
                self.params[f"start_{c.name}"] = [v[1] for v in values.values()]
                reason = (
                    "should be a financial quarter like 2024/25 Q1"
                    if c.type == "quarter"
                    else "should be a financial year like 2022/23"
                )
                return f"list_extract($canon_{c.name}, list_position($raw_{c.name}, {trimmed}))", reason
            case "locality":
                return (
                    f"case when list_contains($localities, {r}) then {r} "
                    f"when list_contains($localities, upper({trimmed})) then upper({trimmed}) end",
                    f"should be one of the configured locality codes ({', '.join(self.context.localities)})",
                )
            case "area_code":
                return (
                    f"case when regexp_full_match(upper({trimmed}), '[EWSNK][0-9]{{8}}') then upper({trimmed}) end",
                    "should be an ONS area code like E10000003",
                )
        # Text: stored without surrounding spaces; only values that have them pay for trimming.
        return f"case when {r} like ' %' or {r} like '% ' then {trimmed} else nullif({r}, '') end", ""

    def _number(self, c: Column, r: str) -> str:
        """SQL for the number in raw ``r``: as DuckDB reads it, else as people write it in this unit.

        People write £1,234.50 and 85%: a £ sign is read only in pounds, a % sign only in percentages
        (either in KPI values, whose unit is the row's KPI's: see _row_checks), thousands separators only
        in groups of three (1,5 is not fifteen, 1 000 not a thousand). Only values DuckDB cannot read
        (try_cast) pay for the pattern.
        """
        pound = "(£\\s*)?" if c.unit in ("gbp", "kpi") else ""
        percent = "(\\s*%)?" if c.unit in ("percent", "kpi") else ""
        digits = "(\\d{1,3}(,\\d{3})+|\\d+)(\\.\\d+)?|\\.\\d+"
        written = f"trim({r})"
        both = f" and not (contains({written}, '£') and contains({written}, '%'))" if pound and percent else ""
        return (
            f"coalesce(try_cast({r} as double), case when regexp_full_match({written}, "
            f"'[-+]?{pound}[-+]?({digits}){percent}'){both} "
            f"then try_cast(regexp_replace({written}, '[£%,\\s]', '', 'g') as double) end)"
        )

    def _enum_values(self, c: Column) -> tuple[str, ...]:
        if c.allowed:
            return c.allowed
        return tuple(self.context.localities) if c.type == "locality" else ()

    def _enum_type(self, c: Column) -> str:
        # The values are the schema's own or the council's configured locality codes, never file content.
        return "enum(" + ", ".join("'" + v.replace("'", "''") + "'" for v in self._enum_values(c)) + ")"

    # The query ----------------------------------------------------------------------------------

    def sql(self, mapping: Callable[[str], dict]) -> str:
        """Checked rows: ``_blank``, ``_mask``, typed columns, ``_raw`` (bad rows' values); ``_row`` unless fast."""
        cols = self.source.columns
        self.checks = []
        parts = []
        for c in cols:
            r = self._raw(c)
            typed, reason = self._typed(c, r, mapping)
            if self._enum_values(c):
                # One byte per row instead of a string: ten million checked rows then fit in memory.
                typed = f"cast({typed} as {self._enum_type(c)})"
            if self.pseudonymised() and c.name in self.source.person_columns:
                typed = self.pseudonym_sql(typed)
            parts.append(f"{r} as {qi('r_' + c.name)}, {typed} as {qi(c.name)}")
            self._column_checks(c, qi("r_" + c.name), qi(c.name), reason)
        self._row_checks()
        self._layout_checks()
        self.duplicate_bit = None
        if self.source.key and not self.source.year_columns:
            # Set after the rows are read (see duplicates_sql): a key can only be compared across the whole file.
            self.duplicate_bit = len(self.checks)
            self.checks.append(Check(self.source.key[0], "false", "same key as an earlier row"))
        if len(self.checks) > 62:
            raise ValueError(f"{self.source.name}: too many checks for one problem mask")
        # One bit per check. (Measured and dropped: testing "all good" first, which evaluates the conditions
        # twice, and one CASE per column, which is no faster.)
        mask = " + ".join(f"(case when {c.condition} then {1 << i} else 0 end)" for i, c in enumerate(self.checks))
        mask = mask or "0"
        mask = f"cast({mask} as {'integer' if len(self.checks) < 31 else 'bigint'})"
        # A person identifier is never kept as sent, not even in a reject: it is shown pseudonymised.
        raw_values = ", ".join(
            qi(c.name) if self.pseudonymised() and c.name in self.source.person_columns else qi("r_" + c.name)
            for c in cols
        )
        src = self.source_sql
        wide = ""
        if self.source.year_columns:
            name, value = self.source.year_columns
            years = ", ".join(qi(y) for y in self.year_columns)
            wide = f"wide as ({src}),"
            # INCLUDE NULLS: a blank cell is a row to reject, not a row to lose.
            src = f"select * from wide unpivot include nulls ({qi(value)} for {qi(name)} in ({years}))"
            blank = "false"
        else:
            present = [qi("r_" + c) for c in self.file_column]
            blank = f"coalesce({', '.join(present)}) is null" if present else "false"
        row = "" if self.fast else "_row, "
        return f"""
            with {wide}
            src as ({src}),
            typed as (select {row}{", ".join(parts)} from src),
            checked as (select *, {blank} as _blank, {mask} as _mask from typed)
            select {row}_blank, _mask, {", ".join(qi(c.name) for c in cols)},
                case when _mask <> 0 then [{raw_values}] end as _raw, null::bigint as _dup_of
            from checked"""

    def _column_checks(self, c: Column, r: str, t: str, type_reason: str) -> None:
        add = self.checks.append
        if c.required:
            # Spaces alone count as blank; trimming is only paid for where the value failed to read.
            add(Check(c.name, f"{r} is null or ({t} is null and trim({r}) = '')", f"{c.name} is required but blank"))
        if type_reason:
            add(Check(c.name, f"{t} is null and {r} is not null and trim({r}) <> ''", f"{c.name} {type_reason}"))
        if c.minimum is not None:
            add(Check(c.name, f"{t} < {c.minimum!r}", f"{c.name} must not be below {_amount(c.minimum)}"))
        if c.maximum is not None:
            add(Check(c.name, f"{t} > {c.maximum!r}", f"{c.name} must not be above {_amount(c.maximum)}"))
        if c.type == "date":
            add(Check(c.name, f"{t} < date '{_EARLIEST}'", f"{c.name} is before 1900: check the year"))
            if not c.future_ok:
                add(Check(c.name, f"{t} > $today", f"{c.name} is in the future"))
        if c.type in ("quarter", "fy") and not c.future_ok:
            start = f"list_extract($start_{c.name}, list_position($raw_{c.name}, nullif(trim({r}), '')))"
            what = "quarter" if c.type == "quarter" else "year"
            add(Check(c.name, f"{start} > $today", f"{c.name} is a {what} that has not started yet"))

    def _row_checks(self) -> None:
        add, name, names = self.checks.append, self.source.name, self.source.column_names
        for source, later, earlier in _ORDERED_DATES:
            if name == source:
                add(Check(later, f"{qi(later)} < {qi(earlier)}", f"{later} is before {earlier}"))
        if name == "kpi_returns":
            if self.context.kpi_codes is not None:
                self.params["kpi_codes"] = list(self.context.kpi_codes)
                add(
                    Check(
                        "kpi_code",
                        "not list_contains($kpi_codes, kpi_code)",
                        "kpi_code is not in the KPI catalogue: correct the code, or load a catalogue that has it first",
                    )
                )
            self.params["percent_kpis"] = list(self.context.percent_kpis)
            add(
                Check(
                    "value",
                    "list_contains($percent_kpis, kpi_code) and value > 100",
                    "value is a percentage (0 to 100) and must not be above 100",
                )
            )
            add(Check("numerator", "numerator > denominator", "numerator must not be larger than denominator"))
            if self.context.kpi_codes is not None:
                # A sign the KPI's unit does not carry: 50% for a count is not 50.
                self.params["gbp_kpis"] = list(self.context.gbp_kpis)
                known = "list_contains($kpi_codes, kpi_code)"
                add(
                    Check(
                        "value",
                        f"{known} and contains(r_value, '%') and not list_contains($percent_kpis, kpi_code)",
                        "value has a % sign but this KPI is not measured as a percentage",
                    )
                )
                add(
                    Check(
                        "value",
                        f"{known} and contains(r_value, '£') and not list_contains($gbp_kpis, kpi_code)",
                        "value has a £ sign but this KPI is not measured in pounds",
                    )
                )
        if name == "kpi_catalogue" and "target" in names:
            add(
                Check(
                    "target",
                    "unit = 'percent' and target > 100",
                    "target is a percentage (0 to 100) and must not be above 100",
                )
            )
            for column in ("target", "amber_tolerance"):
                add(
                    Check(
                        column,
                        f"contains({qi('r_' + column)}, '%') and unit <> 'percent'",
                        f"{column} has a % sign but the KPI's unit is not percent",
                    )
                )
                add(
                    Check(
                        column,
                        f"contains({qi('r_' + column)}, '£') and unit <> 'gbp'",
                        f"{column} has a £ sign but the KPI's unit is not gbp",
                    )
                )

    def _layout_checks(self) -> None:
        """A row whose values are separated by another character than the header's (all in its first column).

        (A row with more values than the header names rejects the file, naming the row: DuckDB cannot read
        past it.)
        """
        first = self._first_file_column()
        if self.other_separators and first and not self.source.year_columns:
            others = [qi("r_" + c) for c in self.file_column if c != first]
            if others:
                self.params["other_separators"] = self.other_separators
                r = qi("r_" + first)
                self.checks.append(
                    Check(
                        first,
                        f"{r} is not null and coalesce({', '.join(others)}) is null "
                        f"and regexp_matches({r}, $other_separators)",
                        "the whole row reads as one value: it seems separated by another character than the "
                        "header row; save the file with one separator throughout",
                        exclusive=True,
                    )
                )

    def _first_file_column(self) -> str | None:
        """The schema name of the file's first column, if it is one the schema knows."""
        if not self.file_columns_in_order:
            return None
        names = canonical_names(self.source)
        target = names.get(self.file_columns_in_order[0])
        return target if target and self.file_column.get(target) == self.file_columns_in_order[0] else None

    # The order of day and month ------------------------------------------------------------------

    def date_columns(self) -> list[str]:
        return [c.name for c in self.source.columns if c.type == "date" and c.name in self.file_column]

    def month_first_sql(self, table: str) -> str | None:
        """SQL counting the rows refused only because a date reads month first (04/30/2023).

        Run over the checked rows, whose refused rows keep their values: it reads only those, so a file
        whose dates are day first (or ISO) pays next to nothing. None when there is nothing to decide.
        """
        columns = self.date_columns()
        if not columns or self.context.month_first:
            return None
        names = self.source.column_names
        raw = [f"trim(c._raw[{names.index(n) + 1}])" for n in columns]
        month_first = " or ".join(
            f"(try_strptime({r}, '{_MDY}') is not null and try_strptime({r}, '{_DMY}') is null)" for r in raw
        )
        return f"select count(*) from {table} as c where c._mask <> 0 and not c._blank and ({month_first})"

    def date_evidence_sql(self) -> str:
        """SQL giving, for each way a date with slashes can be read (month first only, day first only,
        either), how many there are and the first few as (row, column, value), over the whole file."""
        values = ", ".join(
            f"{{'column': '{n}', 'value': trim(src.{qi(self.file_column[n])})}}" for n in self.date_columns()
        )
        return f"""
            with v as (select _row, unnest([{values}]) as x from ({self.fragment}) as src),
            k as (
                select _row, x.column as column_name, x.value,
                    try_strptime(x.value, '{_DMY}') is not null as day_first,
                    try_strptime(x.value, '{_MDY}') is not null as month_first
                from v where contains(x.value, '/')
            )
            select case when day_first and month_first then 'either' when month_first then 'month'
                    else 'day' end as kind,
                count(*), list([_row::varchar, column_name, value] order by _row)[1:3]
            from k where day_first or month_first group by kind"""

    # Reading the checked rows -------------------------------------------------------------------

    def pseudonym_sql(self, x: str) -> str:
        """The keyed hash of identifier ``x``, as SQL: ``ph_`` and 20 hex digits of SHA-256(key + identifier).

        The key is 32 random bytes kept outside the project, so a pseudonym can be neither reversed nor
        recomputed without it. Keeping 80 of the 256 bits also rules out length extension, the weakness of
        a plain secret-prefix hash that HMAC's second hashing exists to prevent, at a quarter of HMAC's
        cost: one SHA-256 block per identifier, which matters at ten million rows.
        """
        return f"'ph_' || left(sha256($pseudonym_key || encode({x})), 20)"

    def pseudonymised(self) -> bool:
        return self.context.key is not None and bool(self.source.person_columns)

    def good_sql(self, table: str) -> str:
        """The good rows: ``source_row`` then the schema's columns (person columns already pseudonymised)."""
        select = []
        for c in self.source.column_names:
            if self._enum_values(self.source.column(c)):
                select.append(f"cast(c.{qi(c)} as varchar) as {qi(c)}")
            else:
                select.append(f"c.{qi(c)}")
        return (
            f"select {self.row_sql('c')} as source_row, {', '.join(select)} from {table} as c "
            "where c._mask = 0 and not c._blank"
        )

    def duplicates_sql(self, table: str) -> str | None:
        """SQL flagging each good row whose key an earlier good row of the file already has (``_dup_of``: that
        row), or None when the source has no key. A file holds one row per key: a second one would silently
        stand in for the first in the marts (issue 16: a million identical rows passed)."""
        if self.duplicate_bit is None:
            return None
        row = self.row_sql("t")
        # Only fixed-size columns are updated: DuckDB rewrites a row whose list (_raw) changes as a new row, with
        # a new rowid, and rowids are row numbers here. Grouped first (a hash aggregate): a file without
        # duplicates pays one pass and joins nothing. Rows are compared by their record key (a stable reference
        # such as episode_id where the file has it), as staging and resubmissions compare them.
        return f"""
            update {table} as t set _mask = t._mask | {1 << self.duplicate_bit}, _dup_of = d.first_row
            from (
                select {self.source.record_key_sql("c")} as record_key, min({self.row_sql("c")}) as first_row
                from {table} as c where c._mask = 0 and not c._blank
                group by all having count(*) > 1
            ) as d
            where {self.source.record_key_sql("t")} = d.record_key and t._mask = 0 and not t._blank
                and {row} > d.first_row"""

    def reject_sql(self, table: str) -> str:
        """Rejects from the checked rows in ``table``: row_number, column_name, value, reason."""
        cols = self.source.column_names
        self.params["check_columns"] = [c.column for c in self.checks]
        self.params["check_index"] = [cols.index(c.column) + 1 for c in self.checks]
        self.params["check_reasons"] = [c.reason for c in self.checks]
        exclusive = sum(1 << i for i, c in enumerate(self.checks) if c.exclusive)
        # A row with an exclusive problem is reported for that problem alone.
        only = f" and ((c._mask & {exclusive}) = 0 or ({exclusive} >> (p.i - 1)) & 1 = 1)" if exclusive else ""
        column = "list_extract($check_columns, p.i)"
        if self.source.year_columns:
            # A bad value in a wide layout is reported under its year column, as the user sees it.
            year_index = cols.index(self.source.year_columns[0]) + 1
            value_name = self.source.year_columns[1]
            column = f"case when {column} = '{value_name}' then list_extract(c._raw, {year_index}) else {column} end"
        value = self._shown_value("list_extract(c._raw, list_extract($check_index, p.i))", table)
        reason = "list_extract($check_reasons, p.i)"
        if self.duplicate_bit is not None:
            dup = self.duplicate_bit + 1
            key = f"'same {_words(list(self.source.key))} as row '"
            if self.source.fallback_key:  # rows without their reference are compared by the fallback's values
                blank = " or ".join(f"c.{qi(k)} is null" for k in self.source.key)
                key = f"case when {blank} then 'same {_words(list(self.source.fallback_key))} as row ' else {key} end"
                named = f"case when {blank} then '{self.source.fallback_key[0]}' else '{self.source.key[0]}' end"
                column = f"case when p.i = {dup} then {named} else {column} end"
            reason = f"case when p.i = {dup} then {key} || c._dup_of else {reason} end"
            # The value shown: the key's first column (the fallback's where the reference is blank), as stored
            # (pseudonymised).
            first = f"c.{qi(self.source.key[0])}"
            if self.source.fallback_key:
                first = f"coalesce(c.{qi(self.source.key[0])}, c.{qi(self.source.fallback_key[0])})"
            value = f"case when p.i = {dup} then cast({first} as varchar) else {value} end"
        # A wide layout repeats a row's text columns once per year: report each problem once.
        distinct = "distinct" if self.source.year_columns else ""
        return f"""
            select {distinct} {self.row_sql("c")} as row_number, {column} as column_name, {value} as value,
                {reason} as reason
            from {table} as c, range(1, {len(self.checks) + 1}) as p(i)
            where c._mask <> 0 and not c._blank and (c._mask >> (p.i - 1)) & 1 = 1{only}"""

    def _shown_value(self, value: str, table: str) -> str:
        """A rejected value as kept in ``rejects``: a person identifier sent in the wrong column is not kept as sent.

        A value shaped like an NHS number (ten digits, perhaps spaced 3-3-4), or one that is some row's person
        identifier in this file (its pseudonym is among the file's), is pseudonymised like the person columns,
        or without a key masked.
        """
        shaped = f"regexp_full_match(trim({value}), '\\d{{3}}[ -]?\\d{{3}}[ -]?\\d{{4}}')"
        if not self.pseudonymised():
            return f"case when {shaped} then '(looks like an NHS number: not kept)' else {value} end"
        hashed = self.pseudonym_sql(f"trim({value})")
        known = " union all ".join(f"select {qi(c)} as p from {table}" for c in self.source.person_columns)
        return f"case when {shaped} or {hashed} in ({known}) then {hashed} else {value} end"

    def number_rows_while_reading(self) -> None:
        """Give up the parallel read: take each row's number from the reader, in one thread."""
        self.fast, self.source_sql = False, self.fragment

    def count_rows_from(self, first_rowid: int) -> None:
        """Rows were read into a table whose row ids start at ``first_rowid``, not 0 (see ingest)."""
        self.row_offset -= first_rowid

    def row_sql(self, alias: str) -> str:
        """The spreadsheet row number of a checked row."""
        return f"({alias}.rowid + {self.row_offset:d})" if self.fast else f"{alias}._row"

    def all_params(self) -> dict:
        return dict(self.params)


def _words(names: list[str]) -> str:
    """a, b and c"""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def keeps_file_order(con: duckdb.DuckDBPyConnection, create_sql: str, params: dict) -> bool:
    """Whether DuckDB will write the rows of ``create_sql`` (a CREATE TABLE AS) in the order it reads them.

    The parallel read numbers rows by their position in the checked table, so this must hold. DuckDB
    says so by planning an order-preserving batch insert; anything that reorders rows (a join, which it
    makes of a long IN list unless told not to) plans an ordinary one instead.
    """
    plan = json.loads(con.sql(f"explain (format json) {create_sql}", params=params).fetchall()[0][1])
    return all(node.get("name") == "BATCH_CREATE_TABLE_AS" for node in plan)


def bind(sql: str, params: dict) -> dict:
    """The parameters ``sql`` uses (DuckDB refuses parameters a query does not name)."""
    used = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", sql))
    return {k: v for k, v in params.items() if k in used}


def period_mapping(con: duckdb.DuckDBPyConnection, plan: Plan, params: dict) -> Callable[[str], dict]:
    """For each quarter or year column, its distinct values -> (canonical spelling, first day)."""
    cache: dict[str, dict] = {}

    def mapping(column: str) -> dict:
        if column not in cache:
            c = plan.source.column(column)
            if column in plan.context.supplied and column not in plan.file_column:
                values = [plan.context.supplied[column]]
            elif column in plan.file_column:
                sql = f"select distinct trim({qi(plan.file_column[column])}) from ({plan.fragment})"
                values = [v for (v,) in con.sql(sql, params=bind(sql, params)).fetchall() if v]
            else:
                values = []
            cache[column] = {v: parsed for v in values if (parsed := _parse_period(c.type, v))}
        return cache[column]

    return mapping


def _parse_period(kind: str, text: str) -> tuple[str, date] | None:
    try:
        if kind == "quarter":
            quarter = parse_quarter(text)
            return quarter.label, quarter.start
        start = parse_fy(canonical_year(text))
        return canonical_year(text), date(start, 4, 1)
    except PeriodError:
        return None


@dataclass
class Validated:
    good: pl.DataFrame
    rejects: pl.DataFrame
    rows_read: int


def validate(
    frame: pl.DataFrame,
    source: Source,
    localities: list[str],
    first_row: int = 2,
    today: date | None = None,
    context: Context | None = None,
) -> Validated:
    """Check a frame of strings (columns named as in the file) and split it into good rows and rejects.

    ``first_row`` is the spreadsheet row number of the first data row (2 under a one-line header). The
    same query as ``asc ingest`` runs, in a private in-memory database.
    """
    import polars as pl

    context = context or Context(localities, today or date.today())
    with duckdb.connect() as con:
        indexed = frame.with_row_index("_row", offset=first_row).with_columns(pl.col("_row").cast(pl.Int64))
        con.register("_frame", indexed)
        plan = Plan(source, "select * from _frame", [c for c in frame.columns if c != "_row"], context)
        checked = f"create temp table _checked as {plan.sql(period_mapping(con, plan, {}))}"
        con.sql(checked, params=bind(checked, plan.all_params()))
        good_sql = f"select * rename (source_row as {ROW}) from ({plan.good_sql('_checked')}) order by {ROW}"
        good = con.sql(good_sql).pl()
        reject_sql = f"select * from ({plan.reject_sql('_checked')}) order by row_number, column_name"
        rejects = con.sql(reject_sql, params=bind(reject_sql, plan.all_params())).pl()
        rows_read = con.sql("select count(*) from _checked where not _blank").fetchall()[0][0]
    return Validated(good, rejects.cast(reject_schema()), rows_read)


def reject_schema() -> dict:
    import polars as pl

    return {"row_number": pl.Int64, "column_name": pl.String, "value": pl.String, "reason": pl.String}
