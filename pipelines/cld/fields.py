"""What is kept of a CLD row, and how: one SQL expression per stored column, one quality code per file field.

Stored (``raw_cld``, see /work/briefs CLD_CONTRACT): cleaned Release 2 labels, dates, numbers, the keyed hash of
the person's NHS Number (else of the LA Person Unique Identifier), birth year and month, and the postcode's
outward code (and its sector, kept only to settle an outward code split between districts). Never stored: names,
GP practice name, the full postcode, the raw identifiers, the date of birth. They are read inside DuckDB's
expression and dropped there, so they reach no table, not even a temporary one.

Each file field also gets a quality code per row: 0 valid, 1 blank, 2 invalid (kept as ``Invalid and not
mapped`` or as blank), 3 mapped (a Release 1 or differently written value turned into its Release 2 label).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.cld.mapping import coded_fields, mapped_quality_sql, mapped_sql
from pipelines.readers import quote_identifier as qi
from pipelines.schemas import CLD_SOURCES

SOURCE = CLD_SOURCES["cld"]
VALID, BLANK, INVALID, MAPPED = 0, 1, 2, 3
_EARLIEST, _LATEST = "1900-01-01", "2100-12-31"
_DMY, _MDY = "%d/%m/%Y", "%m/%d/%Y"
_DATE_REASON = "should be a date like 2024-04-30 or 30/04/2024"
_MONTH_FIRST_REASON = "should be a date like 2024-04-30 or, as this file writes them (month first), 04/30/2024"
DATES = ("reporting_period_start_date", "reporting_period_end_date", "event_start_date", "event_end_date")
DATES += ("date_of_death", "date_of_birth")
NO_PERSON_REASON = (
    "no person identifier: NHS Number and LA Person Unique Identifier are both blank, so the event cannot be "
    "counted for anyone"
)
INVALID_NHS_REASON = (
    "no usable person identifier: the NHS Number fails its check digit (modulus 11; the number is not kept) and "
    "the LA Person Unique Identifier is blank, so the event cannot be counted for anyone"
)
# A council sends its own return: a row under another LA Code (another council's person, or a mistyped code)
# would be counted as a return of its own beside the council's. NHS England's collection refuses such rows too.
OTHER_COUNCIL_REASON = "LA Code is not this council's ({code}): another council's row, or a mistyped code"
# Read and dropped: never stored, never in a quality count's values.
DROPPED = ("first_name", "last_name", "gp_practice_name")
# Dates a row cannot be placed without: blank or unreadable rejects the row (a structural fault).
REQUIRED_DATES = ("reporting_period_start_date", "reporting_period_end_date", "event_start_date")
TEXT = ("event_reference", "event_description", "provider_cqc_location_id", "provider_cqc_location_name")
NUMBERS = ("total_hrs_caring_per_week", "unit_cost", "planned_units_per_week")

# raw_cld's columns in order, with their types (CLD_CONTRACT).
STORED: tuple[tuple[str, str], ...] = (
    ("load_id", "BIGINT"),
    ("source_row", "BIGINT"),
    ("submission_id", "VARCHAR"),
    ("la_code", "VARCHAR"),
    ("reporting_period_start_date", "DATE"),
    ("reporting_period_end_date", "DATE"),
    ("person_id", "VARCHAR"),
    ("person_id_source", "VARCHAR"),
    ("birth_year", "INTEGER"),
    ("birth_month", "INTEGER"),
    ("postcode_district", "VARCHAR"),
    ("postcode_sector", "VARCHAR"),
    ("gender", "VARCHAR"),
    ("ethnicity", "VARCHAR"),
    ("date_of_death", "DATE"),
    ("client_type", "VARCHAR"),
    ("primary_support_reason", "VARCHAR"),
    ("accommodation_status", "VARCHAR"),
    ("employment_status", "VARCHAR"),
    ("has_unpaid_carer", "VARCHAR"),
    ("client_funding_status", "VARCHAR"),
    ("event_type", "VARCHAR"),
    ("event_reference", "VARCHAR"),
    ("event_start_date", "DATE"),
    ("event_end_date", "DATE"),
    ("event_description", "VARCHAR"),
    ("event_outcome", "VARCHAR"),
    ("request_route_of_access", "VARCHAR"),
    ("assessment_type", "VARCHAR"),
    ("eligible_needs_identified", "VARCHAR"),
    ("method_of_assessment", "VARCHAR"),
    ("total_hrs_caring_per_week", "DOUBLE"),
    ("service_type", "VARCHAR"),
    ("service_component", "VARCHAR"),
    ("delivery_mechanism", "VARCHAR"),
    ("provider_cqc_location_id", "VARCHAR"),
    ("provider_cqc_location_name", "VARCHAR"),
    ("review_reason", "VARCHAR"),
    ("review_outcomes_achieved", "VARCHAR"),
    ("method_of_review", "VARCHAR"),
    ("unit_cost", "DOUBLE"),
    ("cost_frequency_unit_type", "VARCHAR"),
    ("planned_units_per_week", "DOUBLE"),
    ("gp_practice_code", "VARCHAR"),
)
STORED_NAMES = [name for name, _ in STORED]
# Fields the data quality report counts, in the specification's order (birth year and month count as date of birth).
QUALITY_FIELDS: tuple[str, ...] = tuple(
    c.name for c in SOURCE.columns if c.name not in (*DROPPED, "birth_year", "birth_month")
)
_PER_WORD = 31  # 2-bit codes packed into a BIGINT


def quality_words() -> int:
    return -(-len(QUALITY_FIELDS) // _PER_WORD)


def quality_position(field: str) -> tuple[int, int]:
    """Which packed word holds ``field``'s code, and at which bit."""
    i = QUALITY_FIELDS.index(field)
    return i // _PER_WORD, 2 * (i % _PER_WORD)


def _date(x: str, month_first: bool) -> str:
    """A date written ISO, with slashes (day first unless the file proves month first, as for every source: see
    ``ingest.decide_date_order``), or as a spreadsheet timestamp; null if none. Read once (in the ``pre`` step), so
    the range check (``_within``) does not parse it again."""
    t = f"trim({x})"
    return (
        f"coalesce(try_cast({x} as date), cast(try_strptime({t}, '{_MDY if month_first else _DMY}') as date), "
        f"cast(try_cast({t} as timestamp) as date))"
    )


def _number(x: str) -> str:
    """A number, also written with £, commas or spaces; null if none."""
    return f"coalesce(try_cast({x} as double), try_cast(regexp_replace(trim({x}), '[£,\\s]', '', 'g') as double))"


def _within(parsed: str, low: str, high: str) -> str:
    return f"(case when {parsed} between {low} and {high} then {parsed} end)"


def _nhs_number_valid(x: str) -> str:
    """Whether ``x`` (spaces and dashes removed) is an NHS Number: ten digits whose last is the modulus 11 check
    digit of the first nine (weights 10 down to 2; 11 - remainder, 11 meaning 0, 10 never valid). A mistyped
    number usually fails it, and is then not used to identify anyone (it could be someone else's)."""
    weighted = " + ".join(f"{11 - i} * (ascii(substr({x}, {i}, 1)) - 48)" for i in range(1, 10))
    check = f"(11 - ({weighted}) % 11) % 11 = ascii(substr({x}, 10, 1)) - 48"
    return f"case when regexp_full_match({x}, '[0-9]{{10}}') then {check} else false end"


def _blank(x: str) -> str:
    return f"({x} is null or trim({x}) = '')"


@dataclass
class Cleaning:
    """The cleaning query over one opened file: ``file_column`` maps CLD names to the file's column names."""

    file_column: dict[str, str]
    council_code: str
    file_digest: str
    params: dict
    month_first: bool = False  # the file's dates with slashes are month first (04/30/2024)

    def raw(self, name: str) -> str:
        return f"src.{qi(self.file_column[name])}" if name in self.file_column else "null::varchar"

    def sql(self, fragment: str, numbered: bool = True) -> str:
        """Every stored column (but load_id), ``_blank`` (an empty line), ``_problems`` (rejects, null for a good
        row) and ``_q0``.. (quality).

        ``fragment`` gives the file's rows as text, with ``_row`` (the spreadsheet row number) when ``numbered``.
        Without it (a CSV read in parallel) there is no ``source_row`` column: rows are written in file order and
        a row's number is its position plus the file's offset (``store.cld_rows_sql``). Numbering rows as they
        stream ties the whole query to one thread: at 3 million rows the load took twice as long. Empty lines are
        therefore flagged, not filtered, so positions stay those of the file. Each value is read once
        (``t_<name>``, beside the raw text); quality codes and problems then compare the two.
        """
        p = self.params
        p["council_code"] = self.council_code
        p["digest"] = self.file_digest[:12]
        r = self.raw
        typed: dict[str, str] = {}
        quality: dict[str, str] = {}
        parsed: dict[str, str] = {}  # read once in ``pre`` as ``_p_<name>``; ``typed`` checks the range

        def read_or_blank(name: str) -> str:  # 1 blank, 2 sent but unreadable, 0 read
            return f"case when t_{name} is not null then 0 when {_blank(r(name))} then 1 else 2 end"

        for name in coded_fields():
            typed[name] = mapped_sql(name, r(name), p)
            quality[name] = mapped_quality_sql(f"t_{name}", r(name))
        for name in TEXT + ("gp_practice_code",):
            typed[name] = f"nullif(trim({r(name)}), '')"
            quality[name] = f"case when t_{name} is null then 1 else 0 end"
        typed["la_code"] = f"upper(nullif(trim({r('la_code')}), ''))"
        quality["la_code"] = (
            "case when t_la_code is null then 1 when regexp_full_match(t_la_code, '[EW][0-9]{8}') then 0 else 2 end"
        )
        for name in DATES:
            parsed[name] = _date(r(name), self.month_first)
            typed[name] = _within(f"_p_{name}", f"date '{_EARLIEST}'", f"date '{_LATEST}'")
            quality[name] = read_or_blank(name)
        for name in NUMBERS:
            c = SOURCE.column(name)
            parsed[name] = _number(r(name))
            typed[name] = _within(f"_p_{name}", repr(c.minimum), repr(c.maximum))
            quality[name] = read_or_blank(name)
        # Date of birth: kept as year and month only (a national extract sends only these).
        for name, low, high in (("birth_year", 1880, 2100), ("birth_month", 1, 12)):
            parsed[name] = _number(r(name))
            typed[name] = f"cast({_within(f'_p_{name}', repr(low), repr(high))} as integer)"
        quality["date_of_birth"] = (
            "case when t_date_of_birth is not null or t_birth_year is not null then 0 "
            f"when {_blank(r('date_of_birth'))} and {_blank(r('birth_year'))} then 1 else 2 end"
        )
        quality["nhs_number"] = "case when coalesce(_nhs, '') = '' then 1 when _nhs_ok then 0 else 2 end"
        quality["la_person_unique_identifier"] = "case when _la is null then 1 else 0 end"
        quality["postcode"] = "case when coalesce(_pc, '') = '' then 1 when _pc_full or _pc_outward then 0 else 2 end"
        stored = {
            "la_code": "coalesce(t_la_code, $council_code)",
            "birth_year": "coalesce(year(t_date_of_birth), t_birth_year)",
            "birth_month": "coalesce(month(t_date_of_birth), t_birth_month)",
            "postcode_district": "case when _pc_full then left(_pc, length(_pc) - 3) when _pc_outward then _pc end",
            "postcode_sector": (
                "case when _pc_full then left(_pc, length(_pc) - 3) || ' ' || substr(_pc, length(_pc) - 2, 1) end"
            ),
        }
        columns = []
        for name in STORED_NAMES:
            if name in ("load_id", "source_row", "submission_id", "person_id", "person_id_source"):
                continue
            columns.append(f"{stored.get(name, f't_{name}')} as {qi(name)}")
        return f"""
            with src as ({fragment}),
            pre as (
                select *,
                    regexp_replace(trim({r("nhs_number")}), '[\\s-]', '', 'g') as _nhs,
                    nullif(trim({r("la_person_unique_identifier")}), '') as _la,
                    upper(regexp_replace({r("postcode")}, '\\s+', '', 'g')) as _pc,
                    {", ".join(f"{expr} as _p_{name}" for name, expr in parsed.items())},
                    {self._blank_row()} as _blank
                from src
            ),
            typed as (
                select *,
                    {_nhs_number_valid("_nhs")} as _nhs_ok,
                    regexp_full_match(_pc, '[A-Z]{{1,2}}[0-9][A-Z0-9]?[0-9][A-Z]{{2}}') as _pc_full,
                    regexp_full_match(_pc, '[A-Z]{{1,2}}[0-9][A-Z0-9]?') as _pc_outward,
                    {", ".join(f"{expr} as t_{name}" for name, expr in typed.items())}
                from pre as src
            ),
            checked as (
                select {"_row as source_row, " if numbered else ""}_blank,
                    coalesce(t_la_code, $council_code) || '_' || strftime(t_reporting_period_start_date, '%Y%m%d')
                        || '_' || strftime(t_reporting_period_end_date, '%Y%m%d') || '_' || $digest as submission_id,
                    {self._person_sql()},
                    {", ".join(columns)},
                    {self._problems_sql()} as _problems,
                    {self._month_first_sql()} as _month_first,
                    {self._packed_quality_sql(quality)}
                from typed as src
            )
            select * from checked"""

    def _blank_row(self) -> str:
        # An empty line reads as all nulls; testing the values as read (not trimmed) keeps this cheap on 44 columns.
        present = [f"src.{qi(c)}" for c in self.file_column.values()]
        return f"coalesce({', '.join(present)}) is null" if present else "true"

    def _person_sql(self) -> str:
        """The keyed hash of the NHS Number, else of the LA person ID (prefixed, so the two never collide)."""
        key = "case when _nhs_ok then 'nhs:' || _nhs when _la is not null then 'la:' || _la end"
        kind = "case when _nhs_ok then 'nhs_number' when _la is not null then 'la_person_id' end"
        return f"'ph_' || left(sha256($pseudonym_key || encode({key})), 20) as person_id, {kind} as person_id_source"

    def _month_first_sql(self) -> str:
        """Whether a date of the row is unreadable day first but reads month first (04/30/2024): if any row says
        so, the reader decides the file's order from all its dates. Only unreadable dates are looked at again."""
        if self.month_first:
            return "false"
        checks = [
            f"(t_{name} is null and try_strptime(trim({self.raw(name)}), '{_MDY}') is not null)"
            for name in DATES
            if name in self.file_column
        ]
        return f"({' or '.join(checks)})" if checks else "false"

    def _problems_sql(self) -> str:
        """The row's structural faults as a list of {column, value, reason}; null for a good row (most rows, so the
        list is built only where a fault is found)."""
        items, faults = [], []
        for name in REQUIRED_DATES:
            raw = self.raw(name)
            faults.append(f"t_{name} is null")
            items.append(
                f"case when {_blank(raw)} then {{'column': '{name}', 'value': null::varchar, "
                f"'reason': '{name} is required but blank'}} "
                f"when t_{name} is null then {{'column': '{name}', 'value': trim({raw}), "
                f"'reason': '{name} {_MONTH_FIRST_REASON if self.month_first else _DATE_REASON}'}} end"
            )
        # An NHS Number failing its check digit identifies no one; the value itself is never written to rejects.
        nobody = "not _nhs_ok and _la is null"
        faults.append(f"({nobody})")
        items.append(
            f"case when {nobody} then {{'column': 'nhs_number', 'value': null::varchar, 'reason': "
            f"case when coalesce(_nhs, '') = '' then '{NO_PERSON_REASON}' else '{INVALID_NHS_REASON}' end}} end"
        )
        other = "t_la_code <> upper($council_code)"
        faults.append(f"coalesce({other}, false)")
        before, after = OTHER_COUNCIL_REASON.replace("'", "''").split("{code}")
        items.append(
            f"case when {other} then {{'column': 'la_code', 'value': trim({self.raw('la_code')}), "
            f"'reason': '{before}' || $council_code || '{after}'}} end"
        )
        listed = f"list_filter([{', '.join(items)}], lambda x: x is not null)"
        return f"case when _blank then null when {' or '.join(faults)} then {listed} end"

    def _packed_quality_sql(self, quality: dict[str, str]) -> str:
        words: list[list[str]] = [[] for _ in range(quality_words())]
        for name in QUALITY_FIELDS:
            word, bit = quality_position(name)
            words[word].append(f"(cast({quality[name]} as bigint) << {bit})")
        return ", ".join(f"({' + '.join(parts)}) as _q{i}" for i, parts in enumerate(words))
