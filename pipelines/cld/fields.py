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

from pipelines.cld.mapping import coded_fields, mapped_sql
from pipelines.readers import quote_identifier as qi
from pipelines.schemas import CLD_SOURCES

SOURCE = CLD_SOURCES["cld"]
VALID, BLANK, INVALID, MAPPED = 0, 1, 2, 3
_EARLIEST, _LATEST = "1900-01-01", "2100-12-31"
_DATE_REASON = "should be a date like 2024-04-30 or 30/04/2024"
NO_PERSON_REASON = (
    "no person identifier: NHS Number and LA Person Unique Identifier are both blank, so the event cannot be "
    "counted for anyone"
)
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


def _date(x: str) -> str:
    """A date written ISO, day first with slashes, or as a spreadsheet timestamp; null if none, or out of range."""
    t = f"trim({x})"
    parsed = (
        f"coalesce(try_cast({x} as date), cast(try_strptime({t}, '%d/%m/%Y') as date), "
        f"cast(try_cast({t} as timestamp) as date))"
    )
    return f"(case when {parsed} between date '{_EARLIEST}' and date '{_LATEST}' then {parsed} end)"


def _number(x: str, low: float, high: float) -> str:
    n = f"coalesce(try_cast({x} as double), try_cast(regexp_replace(trim({x}), '[£,\\s]', '', 'g') as double))"
    return f"(case when {n} between {low!r} and {high!r} then {n} end)"


def _blank(x: str) -> str:
    return f"({x} is null or trim({x}) = '')"


@dataclass
class Cleaning:
    """The cleaning query over one opened file: ``file_column`` maps CLD names to the file's column names."""

    file_column: dict[str, str]
    council_code: str
    file_digest: str
    params: dict

    def raw(self, name: str) -> str:
        return f"src.{qi(self.file_column[name])}" if name in self.file_column else "null::varchar"

    def sql(self, fragment: str) -> str:
        """Every stored column (but load_id), ``_problems`` (rejects, null for a good row) and ``_q0``.. (quality).

        ``fragment`` gives the file's rows as text with ``_row``, the spreadsheet row number.
        """
        p = self.params
        p["council_code"] = self.council_code
        p["digest"] = self.file_digest[:12]
        r = self.raw
        typed: dict[str, str] = {}
        quality: dict[str, str] = {}
        for name in coded_fields():
            typed[name], quality[name] = mapped_sql(name, r(name), p)
        for name in TEXT + ("gp_practice_code",):
            typed[name] = f"nullif(trim({r(name)}), '')"
            quality[name] = f"case when {_blank(r(name))} then 1 else 0 end"
        for name in ("la_code",):
            typed[name] = f"coalesce(upper(nullif(trim({r(name)}), '')), $council_code)"
            quality[name] = (
                f"case when {_blank(r(name))} then 1 when regexp_full_match(upper(trim({r(name)})), "
                "'E[0-9]{8}') then 0 else 2 end"
            )
        for name in (*REQUIRED_DATES, "event_end_date", "date_of_death"):
            typed[name] = _date(r(name))
            quality[name] = f"case when {_blank(r(name))} then 1 when {typed[name]} is null then 2 else 0 end"
        for name in NUMBERS:
            c = SOURCE.column(name)
            typed[name] = _number(r(name), c.minimum, c.maximum)
            quality[name] = f"case when {_blank(r(name))} then 1 when {typed[name]} is null then 2 else 0 end"
        # Date of birth: kept as year and month only (a national extract sends only these).
        dob = _date(r("date_of_birth"))
        year = f"cast({_number(r('birth_year'), 1880, 2100)} as integer)"
        month = f"cast({_number(r('birth_month'), 1, 12)} as integer)"
        typed["birth_year"] = f"coalesce(year({dob}), {year})"
        typed["birth_month"] = f"coalesce(month({dob}), {month})"
        quality["date_of_birth"] = (
            f"case when {_blank(r('date_of_birth'))} and {_blank(r('birth_year'))} then 1 "
            f"when {dob} is null and {year} is null then 2 else 0 end"
        )
        return f"""
            with src as ({fragment}),
            pre as (
                select *,
                    regexp_replace(trim({r("nhs_number")}), '[\\s-]', '', 'g') as _nhs,
                    nullif(trim({r("la_person_unique_identifier")}), '') as _la,
                    upper(regexp_replace({r("postcode")}, '\\s+', '', 'g')) as _pc
                from src
                where {self._not_blank_row()}
            ),
            ids as (
                select *,
                    regexp_full_match(_nhs, '[0-9]{{10}}') as _nhs_ok,
                    regexp_full_match(_pc, '[A-Z]{{1,2}}[0-9][A-Z0-9]?[0-9][A-Z]{{2}}') as _pc_full,
                    regexp_full_match(_pc, '[A-Z]{{1,2}}[0-9][A-Z0-9]?') as _pc_outward
                from pre as src
            ),
            typed as (
                select _row,
                    {", ".join(f"{expr} as {qi(name)}" for name, expr in typed.items())},
                    {self._person_sql()},
                    case when _pc_full then left(_pc, length(_pc) - 3) when _pc_outward then _pc end
                        as postcode_district,
                    case when _pc_full then left(_pc, length(_pc) - 3) || ' ' || substr(_pc, length(_pc) - 2, 1) end
                        as postcode_sector,
                    {", ".join(f"{expr} as {qi('q_' + name)}" for name, expr in quality.items())},
                    case when coalesce(_nhs, '') = '' then 1 when _nhs_ok then 0 else 2 end as q_nhs_number,
                    case when _la is null then 1 else 0 end as q_la_person_unique_identifier,
                    case when coalesce(_pc, '') = '' then 1 when _pc_full or _pc_outward then 0 else 2 end
                        as q_postcode,
                    {self._problems_sql()} as _problems
                from ids as src
            )
            select _row as source_row,
                la_code || '_' || strftime(reporting_period_start_date, '%Y%m%d') || '_'
                    || strftime(reporting_period_end_date, '%Y%m%d') || '_' || $digest as submission_id,
                {", ".join(qi(n) for n in STORED_NAMES if n not in ("load_id", "source_row", "submission_id"))},
                case when len(_problems) > 0 then _problems end as _problems,
                {self._packed_quality_sql()}
            from typed"""

    def _not_blank_row(self) -> str:
        present = [f"nullif(trim(src.{qi(c)}), '')" for c in self.file_column.values()]
        return f"coalesce({', '.join(present)}) is not null" if present else "false"

    def _person_sql(self) -> str:
        """The keyed hash of the NHS Number, else of the LA person ID (prefixed, so the two never collide)."""
        key = (
            "case when _nhs_ok then 'nhs:' || _nhs when _la is not null then 'la:' || _la "
            "when coalesce(_nhs, '') <> '' then 'nhs:' || _nhs end"
        )
        kind = (
            "case when _nhs_ok then 'nhs_number' when _la is not null then 'la_person_id' "
            "when coalesce(_nhs, '') <> '' then 'nhs_number' end"
        )
        return f"'ph_' || left(sha256($pseudonym_key || encode({key})), 20) as person_id, {kind} as person_id_source"

    def _problems_sql(self) -> str:
        """The row's structural faults as a list of {column, value, reason} (empty for a good row)."""
        items = []
        for name in REQUIRED_DATES:
            raw = self.raw(name)
            items.append(
                f"case when {_blank(raw)} then {{'column': '{name}', 'value': null::varchar, "
                f"'reason': '{name} is required but blank'}} "
                f"when {_date(raw)} is null then {{'column': '{name}', 'value': trim({raw}), "
                f"'reason': '{name} {_DATE_REASON}'}} end"
            )
        items.append(
            "case when coalesce(_nhs, '') = '' and _la is null then {'column': 'nhs_number', 'value': null::varchar, "
            f"'reason': '{NO_PERSON_REASON}'}} end"
        )
        return f"list_filter([{', '.join(items)}], lambda x: x is not null)"

    def _packed_quality_sql(self) -> str:
        words: list[list[str]] = [[] for _ in range(quality_words())]
        for name in QUALITY_FIELDS:
            word, bit = quality_position(name)
            words[word].append(f"(cast({qi('q_' + name)} as bigint) << {bit})")
        return ", ".join(f"({' + '.join(parts)}) as _q{i}" for i, parts in enumerate(words))
