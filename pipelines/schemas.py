"""The inbox data contracts: one explicit schema per source (DESIGN section 4).

Each column has a type, whether it is required, the values it may take and a description that the
dashboard shows on the downloadable templates. Column names in files are matched case- and
space-insensitively (``Person ID`` matches ``person_id``), and a column may list the other names it is
published under (NHS Digital's ``ONS Code`` for ``ONS Area Code``).

The two published sources keep their publishers' layouts: ``ascof_published`` is NHS Digital's annual
ASCOF open-data file (the year comes from a ``Year`` column, the file name or ``--year``), and
``population_projection`` is the ONS SNPP Z1 file, one column per projection year, which is read as one
row per area, sex, age and year.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Types a column can have. "quarter" is a financial quarter string stored canonically ("2024/25 Q1");
# "fy" a financial year stored as "2024/25"; "locality" is a GSS code that must be one of the configured
# localities; "area_code" any ONS GSS code (E10000003).
COLUMN_TYPES = ("str", "int", "float", "date", "bool", "quarter", "fy", "locality", "area_code")

# What a number measures, which decides the signs it may carry: "gbp" may be written £1,234.50, "percent"
# 85%, "kpi" either (which one the row's KPI unit decides, see validate); the others are plain numbers
# (thousands separators allowed in groups of three: 1,234 but never 1,5).
NUMBER_UNITS = ("count", "years", "hours", "gbp", "percent", "kpi", "number")

# Upper bounds for numbers, chosen so that no true value is refused and a slip of the keyboard (pence keyed
# as pounds twice over, a stray exponent such as 1e308, an age of 9999999999999999999999) is. Every number
# column has one: a number without a bound could drag a whole mart (one 1e308 cost moved the county's
# direct-payment rate to its ceiling and a 2029/30 cost from £66.7m to £124.9m).
MAX_AGE = 120  # years; the oldest person on record lived to 122
MAX_WEEKLY_HOURS = 168  # hours in a week
# Pounds a week for one person's care. The costliest individual packages councils report (24-hour care by
# two or three staff for complex learning disability or autism) run to about £10,000-£15,000 a week; this
# leaves room above them while refusing, say, a yearly cost keyed as weekly.
MAX_WEEKLY_COST_GBP = 25_000
# A KPI return's numerator or denominator: visits, hours or people in a quarter for one contract. A large
# home care contract delivers well under a million hours a quarter.
MAX_KPI_COUNT = 10_000_000
# A KPI value, target or tolerance in any unit (percent KPIs are further held to 100): counts, days,
# hours or pounds over a quarter; a council's whole adult social care budget is under £1bn a year.
MAX_KPI_VALUE = 100_000_000
# A published ASCOF value: percentages, rates per 100,000, scores, and numerators and denominators up to
# England totals (the population aged 65 and over is about 11 million).
MAX_ASCOF_VALUE = 1_000_000_000
MAX_AREA_POPULATION = 100_000_000  # one area's projected population (England's is about 57 million)
# A CLD service's unit cost: a year of the costliest care (MAX_WEEKLY_COST_GBP a week) paid as one annual unit.
MAX_CLD_UNIT_COST = MAX_WEEKLY_COST_GBP * 53
MAX_CLD_UNITS_PER_WEEK = 7 * 24 * 4  # quarter-hour units round the clock

SERVICE_TYPES = (
    "home_care",
    "direct_payment",
    "isf",
    "residential",
    "nursing",
    "day_care",
    "cme",
    "reablement",
    "shared_lives",
)
# Long-term support in the community (the DP uptake denominator): everything except residential and
# nursing care, and reablement, which is short-term by definition.
COMMUNITY_SERVICE_TYPES = ("home_care", "direct_payment", "isf", "day_care", "cme", "shared_lives")
DELIVERY_ROUTES = ("council_arranged", "direct_payment", "part_direct_payment", "isf")
PRIMARY_SUPPORT_REASONS = (
    "Physical support: access and mobility only",
    "Physical support: personal care support",
    "Sensory support",
    "Support with memory and cognition",
    "Learning disability support",
    "Mental health support",
    "Social support",
)
SEXES = ("female", "male", "other", "unknown")
CONTRACT_TYPES = ("dpss", "home_care", "isf")
KPI_UNITS = ("percent", "count", "days", "hours", "gbp")
REFERRAL_STATUSES = ("waiting", "started", "closed")
ASCOF_MEASURE_TYPES = ("Outcome", "Numerator", "Denominator", "Base", "Margin of Error")
# How NHS Digital marks values it does not publish: [x] not available, [c] suppressed for confidentiality,
# [z] not applicable, [u] unreliable; older files use * and -.
SUPPRESSION_MARKERS = ("[x]", "[c]", "[z]", "[u]", "*", "-", ":", "..")
SNPP_SEXES = ("persons", "males", "females")
SNPP_AGE_GROUPS = tuple(str(age) for age in range(90)) + ("90 and over", "All ages")


def normalise_column_name(name: str) -> str:
    """Match column names case- and space-insensitively: ``' Person ID '`` -> ``person_id``."""
    return "_".join(str(name).lstrip("\ufeff").strip().lower().replace("-", " ").split())


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool
    description: str
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    # Other (normalised) names the column is published under.
    aliases: tuple[str, ...] = ()
    # Values that mean "no value" in this column (suppression markers), read as blank.
    null_markers: tuple[str, ...] = ()
    # Dates and periods are refused when they lie in the future, unless they are plans (a target's start).
    future_ok: bool = False
    # Numbers: what they measure (NUMBER_UNITS), which decides the signs they may carry.
    unit: str | None = None

    def __post_init__(self) -> None:
        assert self.type in COLUMN_TYPES, self.type
        if self.type in ("int", "float"):
            # Every number is bounded (see MAX_WEEKLY_COST_GBP) and says what it measures.
            assert self.minimum is not None and self.maximum is not None, self.name
            assert self.unit in NUMBER_UNITS, (self.name, self.unit)


@dataclass(frozen=True)
class Source:
    name: str
    grain: str
    columns: tuple[Column, ...]
    # Columns that identify a row; a later file with the same key replaces it for reporting. They are stable
    # references (an episode's, a review's, a referral's), never values a correction may change.
    key: tuple[str, ...] = field(default_factory=tuple)
    # What identifies a row whose reference is blank (a layout without it): values, so a corrected one of them
    # makes a new record. Documented with the reference column.
    fallback_key: tuple[str, ...] = field(default_factory=tuple)
    # Columns holding person identifiers, replaced by a keyed hash on ingest.
    person_columns: tuple[str, ...] = field(default_factory=tuple)
    # Wide layouts (ONS SNPP): every column named like a year holds values; read as (name column, value column).
    year_columns: tuple[str, str] | None = None
    # Columns a file may lack because they are supplied another way (the ASCOF year from the file name).
    supplied: tuple[str, ...] = ()

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def file_columns(self) -> list[str]:
        """Columns as they appear in a file (the year columns of a wide layout are not named here)."""
        melted = self.year_columns or ()
        return [c.name for c in self.columns if c.name not in melted]

    @property
    def file_required(self) -> list[str]:
        """Required columns a file must have itself."""
        return [c for c in self.file_columns if self.column(c).required and c not in self.supplied]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def record_key_sql(self, alias: str = "") -> str:
        """SQL for a row's record key, the one identity staging, resubmissions and duplicate checks all use.

        The key's columns joined by ``|``; where the source has a ``fallback_key`` and a row's reference is
        blank, the fallback's columns instead (after ``~``, so the two kinds never meet).
        """
        prefix = f"{alias}." if alias else ""

        def joined(columns: tuple[str, ...]) -> str:
            return "concat_ws('|', " + ", ".join(f'cast({prefix}"{c}" as varchar)' for c in columns) + ")"

        if not self.fallback_key:
            return joined(self.key)
        blank = " or ".join(f'{prefix}"{c}" is null' for c in self.key)
        return f"case when {blank} then '~' || {joined(self.fallback_key)} else {joined(self.key)} end"


C = Column
# Data the council and its providers send (the synthetic demo writes one file for each).
SOURCES: dict[str, Source] = {
    s.name: s
    for s in [
        Source(
            "activity",
            "one row per person per service episode",
            (
                C(
                    "episode_id",
                    "str",
                    False,
                    "The case system's reference for the service episode. It identifies the episode, so a later "
                    "file with a corrected start date, service or person replaces it. Blank (a file without the "
                    "column): the episode is known by person, service and start date, and correcting one of those "
                    "makes a new episode.",
                ),
                C(
                    "person_id",
                    "str",
                    True,
                    "The person's identifier in the council's case system; pseudonymised on ingest.",
                ),
                C(
                    "age",
                    "int",
                    True,
                    "Age in years at the start of the episode.",
                    minimum=0,
                    maximum=MAX_AGE,
                    unit="years",
                ),
                C("sex", "str", False, "female, male, other or unknown.", SEXES),
                C(
                    "primary_support_reason",
                    "str",
                    True,
                    "Primary support reason (SALT/CLD categories).",
                    PRIMARY_SUPPORT_REASONS,
                ),
                C("locality_code", "locality", True, "GSS code of the district where the person lives."),
                C("service_type", "str", True, "Kind of service.", SERVICE_TYPES),
                C("delivery_route", "str", True, "How the personal budget is taken.", DELIVERY_ROUTES),
                C("start_date", "date", True, "First day of the episode (YYYY-MM-DD)."),
                C("end_date", "date", False, "Last day of the episode; blank while it is ongoing."),
                C(
                    "weekly_hours",
                    "float",
                    False,
                    "Planned hours of care a week.",
                    minimum=0,
                    maximum=MAX_WEEKLY_HOURS,
                    unit="hours",
                ),
                C(
                    "weekly_cost_gbp",
                    "float",
                    False,
                    "Planned cost a week in pounds.",
                    minimum=0,
                    maximum=MAX_WEEKLY_COST_GBP,
                    unit="gbp",
                ),
                C("provider_id", "str", False, "Provider delivering the service (blank for a DP)."),
            ),
            key=("episode_id",),
            fallback_key=("person_id", "service_type", "start_date"),
            person_columns=("person_id",),
        ),
        Source(
            "referrals",
            "one row per referral",
            (
                C("referral_id", "str", True, "The referral's identifier."),
                C("person_id", "str", True, "The person's identifier; pseudonymised on ingest."),
                C("received_date", "date", True, "Date the referral was received."),
                C("locality_code", "locality", True, "GSS code of the district where the person lives."),
                C("service_requested", "str", True, "Kind of service asked for.", SERVICE_TYPES),
                C(
                    "hours_requested",
                    "float",
                    False,
                    "Hours a week asked for.",
                    minimum=0,
                    maximum=MAX_WEEKLY_HOURS,
                    unit="hours",
                ),
                C("status", "str", True, "waiting, started or closed.", REFERRAL_STATUSES),
                C("start_date", "date", False, "Date the service started (blank while waiting)."),
            ),
            key=("referral_id",),
            person_columns=("person_id",),
        ),
        Source(
            "kpi_returns",
            "one row per contract x quarter x KPI",
            (
                C("contract_id", "str", True, "The council's contract reference."),
                C("provider", "str", True, "Provider's name."),
                C("period", "quarter", True, "Financial quarter, for example 2024/25 Q1."),
                C("kpi_code", "str", True, "KPI code from the KPI catalogue."),
                C(
                    "numerator",
                    "float",
                    False,
                    "Numerator, for KPIs that are a rate.",
                    minimum=0,
                    maximum=MAX_KPI_COUNT,
                    unit="count",
                ),
                C(
                    "denominator",
                    "float",
                    False,
                    "Denominator, for KPIs that are a rate.",
                    minimum=0,
                    maximum=MAX_KPI_COUNT,
                    unit="count",
                ),
                C(
                    "value",
                    "float",
                    True,
                    "Reported value in the KPI's unit (percentages as 0-100, with or without a % sign).",
                    minimum=0,
                    maximum=MAX_KPI_VALUE,
                    unit="kpi",
                ),
                C("comment", "str", False, "Provider's commentary."),
            ),
            key=("contract_id", "period", "kpi_code"),
        ),
        Source(
            "kpi_catalogue",
            "one row per KPI, and one more for each later change of its target",
            (
                C("kpi_code", "str", True, "Short code, unique across the catalogue."),
                C("name", "str", True, "What is measured, in plain words."),
                C("contract_type", "str", True, "Contract type the KPI belongs to.", CONTRACT_TYPES),
                C("unit", "str", True, "percent, count, days, hours or gbp.", KPI_UNITS),
                C("higher_is_better", "bool", True, "true when a higher value is better."),
                C(
                    "target",
                    "float",
                    False,
                    "Target value in the KPI's unit.",
                    minimum=-MAX_KPI_VALUE,
                    maximum=MAX_KPI_VALUE,
                    unit="kpi",
                ),
                C(
                    "amber_tolerance",
                    "float",
                    False,
                    "How far short of target still counts as amber.",
                    minimum=0,
                    maximum=MAX_KPI_VALUE,
                    unit="kpi",
                ),
                # Issue 5 (KPI review): how the value is computed, and targets in force over time.
                C(
                    "calculation",
                    "str",
                    False,
                    "How the value is worked out: proportion (numerator people or visits out of the denominator, "
                    "as a percentage), ratio (numerator divided by denominator, x100 for percent KPIs) or reported "
                    "(the provider's own value). Blank: proportion for percent KPIs, reported otherwise.",
                    ("proportion", "ratio", "reported"),
                ),
                C(
                    "effective_from",
                    "quarter",
                    False,
                    "First quarter this row's target applies to (blank: from the start). To change a target, "
                    "keep the old row and add one with the new target and the quarter it starts.",
                    future_ok=True,
                ),
            ),
            key=("kpi_code", "effective_from"),
        ),
        Source(
            "survey_responses",
            "one row per respondent x question",
            (
                C("survey", "str", True, "Survey name, for example ascs or dpss_customer."),
                C("response_id", "str", True, "The response's identifier."),
                C("period", "quarter", True, "Quarter the response was collected."),
                C("locality_code", "locality", False, "District of the respondent, where known."),
                C("respondent_group", "str", False, "Group, for example dp_recipient or carer."),
                C("question_code", "str", True, "Question code."),
                C("answer", "str", True, "The answer on the question's ordered scale."),
            ),
            key=("survey", "response_id", "question_code"),
        ),
        Source(
            "pa_register",
            "one row per Personal Assistant",
            (
                C("pa_id", "str", True, "The PA's identifier on the register."),
                C("locality_code", "locality", True, "District the PA mainly works in."),
                C("registered_date", "date", True, "Date the PA joined the register."),
                C("left_date", "date", False, "Date the PA left the register (blank if active)."),
                C("on_payroll", "bool", True, "true if the PA is paid through the DPSS payroll."),
                C("dbs_checked", "bool", False, "true if the PA has a current DBS check."),
                C("qualifications", "str", False, "Qualifications held, separated by semicolons."),
            ),
            key=("pa_id",),
        ),
    ]
}

# The council's Client Level Data (CLD) return, as sent to NHS England each quarter (one file per submission, a
# rolling 12 months). Read by its own reader (pipelines/cld), not the generic checks: values outside the lists are
# kept (mapped to Release 2 or "Invalid and not mapped"), names and full postcodes are dropped as the file is read,
# and raw_cld holds the cleaned columns (see pipelines/cld/fields.py), not these. The columns below are what a
# file may hold; the spaced names of the specification (`Event Start Date`) and the national underscore names
# (`Event_Start_Date`) both match.
_CLD_CODED = "A coded value of the CLD specification (Release 1 or 2 wording); others are kept as invalid."


def _cld(name: str, kind: str, description: str, required: bool = False, spec: str = "", **bounds) -> Column:
    aliases = (normalise_column_name(spec),) if spec else ()
    return Column(name, kind, required, description, aliases=aliases, **bounds)


CLD_SOURCES: dict[str, Source] = {
    "cld": Source(
        "cld",
        "one row per event (request, assessment, service or review) of one person in one quarterly submission",
        (
            _cld("la_code", "str", "ONS code of the council making the return (blank: this council's)."),
            _cld("reporting_period_start_date", "date", "First day of the submission's 12 months.", True),
            _cld("reporting_period_end_date", "date", "Last day of the submission's 12 months.", True),
            _cld("nhs_number", "str", "NHS Number; replaced by a keyed hash on ingest, never stored."),
            _cld("la_person_unique_identifier", "str", "The council's person ID; replaced by a keyed hash on ingest."),
            _cld("first_name", "str", "Read past and not stored."),
            _cld("last_name", "str", "Read past and not stored."),
            _cld("gp_practice_code", "str", "GP practice code."),
            _cld("gp_practice_name", "str", "Read past and not stored."),
            _cld("gender", "str", _CLD_CODED),
            _cld("ethnicity", "str", _CLD_CODED),
            _cld("date_of_birth", "date", "Date of birth; only its year and month are stored."),
            _cld("birth_year", "int", "Year of birth (national extracts).", minimum=1880, maximum=2100, unit="years"),
            _cld("birth_month", "int", "Month of birth (national extracts).", minimum=1, maximum=12, unit="number"),
            _cld("date_of_death", "date", "Date of death, if the person has died."),
            _cld("client_type", "str", _CLD_CODED),
            _cld("primary_support_reason", "str", _CLD_CODED),
            _cld("postcode", "str", "Postcode; only its outward code (and sector, for split districts) is stored."),
            _cld("accommodation_status", "str", _CLD_CODED),
            _cld("employment_status", "str", _CLD_CODED),
            _cld("has_unpaid_carer", "str", _CLD_CODED),
            _cld("client_funding_status", "str", _CLD_CODED),
            _cld("event_type", "str", "Request, Assessment, Service or Review.", True),
            _cld(
                "event_reference",
                "str",
                "The council's reference for the event. It identifies the event across submissions, so a later "
                "return's corrected dates or codes replace the earlier version. Blank, or one reference shared by "
                "several people: the event is known by person, type, start date and codes, as in DHSC's method, "
                "and correcting one of those makes a new event.",
            ),
            _cld("event_start_date", "date", "First day of the event.", True),
            _cld("event_end_date", "date", "Last day of the event; blank while it is open."),
            _cld("event_description", "str", "The council's own description of the event."),
            _cld("event_outcome", "str", _CLD_CODED),
            _cld("request_route_of_access", "str", _CLD_CODED, spec="Request: Route of Access"),
            _cld("assessment_type", "str", _CLD_CODED),
            _cld("eligible_needs_identified", "str", _CLD_CODED),
            _cld("method_of_assessment", "str", _CLD_CODED),
            _cld(
                "total_hrs_caring_per_week",
                "float",
                "Hours a week an unpaid carer cares.",
                minimum=0,
                maximum=MAX_WEEKLY_HOURS,
                unit="hours",
            ),
            _cld("service_type", "str", _CLD_CODED),
            _cld("service_component", "str", _CLD_CODED),
            _cld("delivery_mechanism", "str", _CLD_CODED + " Not mandatory: often blank."),
            _cld("provider_cqc_location_id", "str", "CQC location ID of the provider."),
            _cld("provider_cqc_location_name", "str", "CQC location name of the provider."),
            _cld("review_reason", "str", _CLD_CODED),
            _cld("review_outcomes_achieved", "str", _CLD_CODED),
            _cld("method_of_review", "str", _CLD_CODED),
            _cld("unit_cost", "float", "Cost of one unit in pounds.", minimum=0, maximum=MAX_CLD_UNIT_COST, unit="gbp"),
            _cld("cost_frequency_unit_type", "str", _CLD_CODED, spec="Cost Frequency (Unit Type)"),
            _cld(
                "planned_units_per_week",
                "float",
                "Units of the service planned a week.",
                minimum=0,
                maximum=MAX_CLD_UNITS_PER_WEEK,
                unit="number",
            ),
        ),
        person_columns=("nhs_number", "la_person_unique_identifier"),
    )
}


# National publications, loaded beside the local data: comparators and projections.
PUBLISHED_SOURCES: dict[str, Source] = {
    s.name: s
    for s in [
        Source(
            "ascof_published",
            "one row per year x area x measure x breakdown x measure type, as NHS Digital publishes it",
            (
                C(
                    "year",
                    "fy",
                    True,
                    "Financial year, for example 2022/23. Annual files say it in their name "
                    "(meas-from-asc-of-eng-1920-open-data-csv.csv is 2019/20); otherwise give it with --year.",
                    aliases=("financial_year", "reporting_year"),
                ),
                C("geographical_code", "str", False, "NHS Digital's council (CASSR) code, for example 623."),
                C("geographical_description", "str", True, "Area name as published, for example Cambridgeshire."),
                C("geographical_level", "str", False, "Council, Region or England."),
                C(
                    "ons_area_code",
                    "area_code",
                    True,
                    "ONS GSS code of the area, for example E10000003.",
                    aliases=("ons_code",),
                ),
                C("council_type", "str", False, "Kind of council (a column in some years only)."),
                C("ascof_measure_code", "str", False, "Measure code with any age or sex suffix, for example 1C2A65OV."),
                C("disaggregation_level", "str", True, "Total, or the breakdown (only totals are reported)."),
                C(
                    "measure_type",
                    "str",
                    True,
                    "Outcome, Numerator, Denominator, Base or Margin of Error.",
                    ASCOF_MEASURE_TYPES,
                ),
                C(
                    "measure_value",
                    "float",
                    False,
                    "The published value; suppression markers such as [x] and [c] are read as blank.",
                    minimum=0,
                    maximum=MAX_ASCOF_VALUE,
                    unit="number",
                    aliases=("value",),
                    null_markers=SUPPRESSION_MARKERS,
                ),
                C(
                    "measure_group",
                    "str",
                    True,
                    "Measure code as published that year, for example 1C2A (3D2A from 2023/24).",
                    aliases=("ascof_measure_group",),
                ),
                C("measure_group_description", "str", False, "What the measure is, in the publisher's words."),
            ),
            key=(
                "year",
                "ons_area_code",
                "measure_group",
                "ascof_measure_code",
                "disaggregation_level",
                "measure_type",
            ),
            supplied=("year",),
        ),
        Source(
            "population_projection",
            "one row per area x component x sex x age x projection year (ONS SNPP Z1, one column per year)",
            (
                C("area_code", "area_code", True, "ONS GSS code of the area, for example E07000008."),
                C("area_name", "str", True, "Area name, for example Cambridge."),
                C("component", "str", True, "Population (the only component the dashboard uses)."),
                C("sex", "str", True, "persons, males or females.", SNPP_SEXES),
                C("age_group", "str", True, "Single year of age 0 to 89, 90 and over, or All ages.", SNPP_AGE_GROUPS),
                C(
                    "projection_year",
                    "int",
                    True,
                    "Year of the projection: in the file, one column per year (2022, 2023, ... 2047).",
                    minimum=1971,
                    maximum=2100,
                    future_ok=True,
                    unit="years",
                ),
                C(
                    "population",
                    "float",
                    True,
                    "Projected population at mid-year.",
                    minimum=0,
                    maximum=MAX_AREA_POPULATION,
                    unit="count",
                ),
            ),
            key=("area_code", "component", "sex", "age_group", "projection_year"),
            year_columns=("projection_year", "population"),
        ),
    ]
}
# Every source ``asc ingest`` accepts: the council's and providers' own data, then the publications.
ALL_SOURCES: dict[str, Source] = {**SOURCES, **CLD_SOURCES, **PUBLISHED_SOURCES}

# KPI returns are checked against the catalogue, so a catalogue is loaded before the returns sent with it.
LOAD_ORDER = ("kpi_catalogue",)


def is_year_column(name: str) -> bool:
    """Columns of a wide ONS layout that hold one projection year each (``2031``)."""
    return len(name) == 4 and name.isdigit()


def canonical_names(source: Source) -> dict[str, str]:
    """Every accepted (normalised) column name of ``source`` -> the schema's name."""
    names = {}
    for column in source.columns:
        for alias in column.aliases:
            names[alias] = column.name
        names[column.name] = column.name
    return names
