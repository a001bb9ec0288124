"""The inbox data contracts: one explicit schema per source (DESIGN section 4).

Each column has a type, whether it is required, the values it may take and a description that the
dashboard shows on the downloadable templates. Column names in files are matched case- and
space-insensitively (``Person ID`` matches ``person_id``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Types a column can have. "quarter" is a financial quarter string stored canonically ("2024/25 Q1");
# "locality" is a GSS code that must be one of the configured localities.
COLUMN_TYPES = ("str", "int", "float", "date", "bool", "quarter", "locality")

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
OUTCOME_RATINGS = ("achieved", "partly", "not_achieved")
REFERRAL_STATUSES = ("waiting", "started", "closed")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool
    description: str
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None

    def __post_init__(self) -> None:
        assert self.type in COLUMN_TYPES, self.type


@dataclass(frozen=True)
class Source:
    name: str
    grain: str
    columns: tuple[Column, ...]
    # Columns that identify a row; a later file with the same key replaces it for reporting.
    key: tuple[str, ...] = field(default_factory=tuple)
    # Columns holding person identifiers, replaced by a keyed hash on ingest.
    person_columns: tuple[str, ...] = field(default_factory=tuple)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


C = Column
SOURCES: dict[str, Source] = {
    s.name: s
    for s in [
        Source(
            "activity",
            "one row per person per service episode",
            (
                C(
                    "person_id",
                    "str",
                    True,
                    "The person's identifier in the council's case system; pseudonymised on ingest.",
                ),
                C("age", "int", True, "Age in years at the start of the episode.", minimum=0, maximum=120),
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
                C("weekly_hours", "float", False, "Planned hours of care a week.", minimum=0, maximum=168),
                C("weekly_cost_gbp", "float", False, "Planned cost a week in pounds.", minimum=0),
                C("provider_id", "str", False, "Provider delivering the service (blank for a DP)."),
            ),
            key=("person_id", "service_type", "start_date"),
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
                C("hours_requested", "float", False, "Hours a week asked for.", minimum=0, maximum=168),
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
                C("numerator", "float", False, "Numerator, for KPIs that are a rate.", minimum=0),
                C("denominator", "float", False, "Denominator, for KPIs that are a rate.", minimum=0),
                C("value", "float", True, "Reported value (percentages as 0-100).", minimum=0),
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
                C("target", "float", False, "Target value in the KPI's unit."),
                C("amber_tolerance", "float", False, "How far short of target still counts as amber.", minimum=0),
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
        Source(
            "outcome_reviews",
            "one row per person x review x outcome domain",
            (
                C("person_id", "str", True, "The person's identifier; pseudonymised on ingest."),
                C("review_date", "date", True, "Date of the review."),
                C("locality_code", "locality", True, "District where the person lives."),
                C("outcome_domain", "str", True, "Outcome area reviewed, for example independence."),
                C("rating", "str", True, "achieved, partly or not_achieved.", OUTCOME_RATINGS),
                C("hours_before", "float", False, "Weekly package hours before the review.", minimum=0, maximum=168),
                C("hours_after", "float", False, "Weekly package hours after the review.", minimum=0, maximum=168),
            ),
            key=("person_id", "review_date", "outcome_domain"),
            person_columns=("person_id",),
        ),
    ]
}


def normalise_column_name(name: str) -> str:
    """Match column names case- and space-insensitively: ``' Person ID '`` -> ``person_id``."""
    return "_".join(str(name).strip().lower().replace("-", " ").split())
