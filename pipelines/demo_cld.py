"""The synthetic Client Level Data return: quarterly rolling 12-month submissions drawn from the demo's people.

The people, their services and reviews come from the demo's simulation (``demo_activity``,
``demo_people``): people arriving, leaving (many of them dying), moving from council-arranged care to a direct
payment and into care homes; each person's first long-term service follows a request and an assessment, with
skewed waits, longer in rural districts (``_front_door``); people already in support ask for more too
(``_client_requests``, from the simulation's referrals: some answered, some closed, some still waiting when the
data ends), so the waiting list at each quarter end comes from the requests no service has answered yet.
Each quarter the council "sends" the CLD events of the twelve months to that
quarter's end, as a council's case-management extract would show them then. The files carry the faults real
returns carry, so the models' cleaning is exercised on every demo build:

- a blank Delivery Mechanism on some services (a direct payment then shows only in the Service Component);
- values outside the lists (kept as ``Invalid and not mapped`` on ingest, and in the 3D denominator);
- Release 1 files (Release 1 wording, spaced headers) before 2024/25 Q3, Release 2 with underscore headers after;
- late-closed services: some services that ended in a submission's last quarter still shown open, closed in
  the next submission (submission selection takes the later one);
- rows sent twice, services left open after the person's death, and people with no NHS number.

Names and full postcodes are made up (the ingest drops them); NHS numbers are in the 999 range, never issued.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from models.periods import Quarter
from pipelines.demo_common import EPOCH, DemoContext, wait_factor
from pipelines.demo_people import FINAL_WAITING_PEOPLE

FIRST_SUBMISSION_YEARS_BEFORE_END = 3  # three years of quarterly submissions (twelve files)
RELEASE_2_FROM = Quarter(2024, 3)  # files for 2024/25 Q3 onwards use Release 2 labels and underscore headers
BLANK_MECHANISM_SHARE = 0.08
INVALID_MECHANISM_SHARE = 0.01
LATE_CLOSED_SHARE = 0.15
DUPLICATE_SHARE = 0.004
NO_NHS_NUMBER_SHARE = 0.03
# Most council-arranged community support is a CASSR managed personal budget (self-directed), the rest
# commissioned support only: with the DPs this gives Cambridgeshire's published ASCOF 3D(1a) of about 89%.
MANAGED_BUDGET_PER_MILLE = 935
DEATH_SHARE = {"community": 0.45, "care_home": 0.85}
OPEN_AFTER_DEATH_SHARE = 0.1
SPLIT_POSTCODE_SHARE = 0.01
NO_POSTCODE_SHARE = 0.004
CARERS_PER_QUARTER = 320
CARER_MECHANISM_UNRECORDED = 0.12  # carers' support with no delivery mechanism (not in ASCOF 3D's denominator)

FIRST_NAMES = ("Alex", "Sam", "Jo", "Chris", "Pat", "Morgan", "Jamie", "Robin", "Kim", "Lee")
LAST_NAMES = ("Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Walker", "Wright", "Green", "Hall")
GENDER = {"female": "Female", "male": "Male", "other": "Other (not listed)", "unknown": "Not known"}
PSR = {
    "Physical support: access and mobility only": "Physical support: Access and mobility only",
    "Physical support: personal care support": "Physical support: Personal care support",
    "Sensory support": "Sensory support: Support for visual impairment",
    "Support with memory and cognition": "Support with memory and cognition",
    "Learning disability support": "Learning disability support",
    "Mental health support": "Mental health support",
    "Social support": "Social support: Support for social isolation or other",
}
ETHNICITIES = (
    ("White: English, Welsh, Scottish, Northern Irish or British", 0.82),
    ("White: Any other White background", 0.06),
    ("Asian or Asian British: Indian", 0.02),
    ("Asian or Asian British: Any other Asian background", 0.02),
    ("Black, Black British, Caribbean or African: African", 0.015),
    ("Mixed or multiple ethnic groups: Any other Mixed or multiple ethnic background", 0.015),
    ("Other ethnic group: Any other ethnic group", 0.01),
    ("No data: Undeclared or not known", 0.04),
)
COMMUNITY, RESIDENTIAL, NURSING = (
    "Long term support: Community",
    "Long term support: Residential care",
    "Long term support: Nursing care",
)
DP, MANAGED, COMMISSIONED = "Direct payment", "CASSR managed personal budget", "CASSR commissioned support"
# Demo service type -> CLD Service Type and Service Component.
SERVICES = {
    "home_care": (COMMUNITY, "Home support or domiciliary care"),
    "direct_payment": (COMMUNITY, "Direct payment"),
    "isf": (COMMUNITY, "Other long term support"),
    "day_care": (COMMUNITY, "Day support"),
    "cme": (COMMUNITY, "Home support or domiciliary care"),
    "shared_lives": (COMMUNITY, "Shared Lives"),
    "residential": (RESIDENTIAL, "Long term residential care"),
    "nursing": (NURSING, "Long term nursing care"),
    "reablement": ("Short term support: ST-Max", "Reablement"),
}
LONG_TERM_KINDS = [kind for kind, (service_type, _) in SERVICES.items() if service_type.startswith("Long term")]
MECHANISMS = {"council_arranged": COMMISSIONED, "direct_payment": DP, "part_direct_payment": DP, "isf": MANAGED}
# Release 1 wording of the labels this generator writes (the ingest maps them to Release 2).
RELEASE_1 = {
    COMMUNITY: "Long Term Support: Community",
    RESIDENTIAL: "Long Term Support: Residential Care",
    NURSING: "Long Term Support: Nursing Care",
    "Short term support: ST-Max": "Short Term Support: ST-Max",
    DP: "Direct Payment",
    MANAGED: "CASSR Managed Personal Budget",
    COMMISSIONED: "CASSR Commissioned Support",
    "Unpaid carer": "Carer",
    "Unpaid carer support: Direct to unpaid carer": "Carer Support: Direct to Carer",
    "Home support or domiciliary care": "Home Care",
    "Day support": "Day Care",
}
SPEC_HEADERS = {
    "la_code": "LA Code",
    "reporting_period_start_date": "Reporting Period Start Date",
    "reporting_period_end_date": "Reporting Period End Date",
    "nhs_number": "NHS Number",
    "la_person_unique_identifier": "LA Person Unique Identifier",
    "first_name": "First Name",
    "last_name": "Last Name",
    "gender": "Gender",
    "ethnicity": "Ethnicity",
    "date_of_birth": "Date of Birth",
    "date_of_death": "Date of Death",
    "client_type": "Client Type",
    "primary_support_reason": "Primary Support Reason",
    "postcode": "Postcode",
    "event_type": "Event Type",
    "event_reference": "Event Reference",
    "event_start_date": "Event Start Date",
    "event_end_date": "Event End Date",
    "event_outcome": "Event Outcome",
    "request_route_of_access": "Request: Route of Access",
    "assessment_type": "Assessment Type",
    "eligible_needs_identified": "Eligible Needs Identified",
    "service_type": "Service Type",
    "service_component": "Service Component",
    "delivery_mechanism": "Delivery Mechanism",
    "review_reason": "Review Reason",
    "review_outcomes_achieved": "Review Outcomes Achieved",
    "unit_cost": "Unit Cost",
    "cost_frequency_unit_type": "Cost Frequency (Unit Type)",
    "planned_units_per_week": "Planned units per week",
}
CODED = ("service_type", "service_component", "delivery_mechanism", "client_type")


def _day(days: pl.Expr) -> pl.Expr:
    return pl.lit(EPOCH) + pl.duration(days=days)


def _people(ctx: DemoContext, activity: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """One row per person: identifiers, names, birth date, postcode, ethnicity and (for some) death."""
    first = activity.sort("start_date").group_by("person_id", maintain_order=True).first()
    last_end = activity.group_by("person_id").agg(
        last_end=pl.when(pl.col("end_date").is_null().any()).then(None).otherwise(pl.col("end_date").max()),
        care_home=pl.col("service_type").is_in(["residential", "nursing"]).any(),
    )
    people = first.join(last_end, on="person_id").sort("person_id")
    n = people.height
    numbers = np.arange(n)
    districts = {loc.code: [d for d in loc.postcode_districts] for loc in ctx.settings.localities}
    split = {
        d
        for loc in ctx.settings.localities
        for d in loc.postcode_districts
        if sum(d in other.postcode_districts for other in ctx.settings.localities) > 1
    }
    district = []
    for code, u in zip(people["locality_code"].to_list(), rng.random(n), strict=True):
        own = [d for d in districts.get(code, []) if d not in split] or ["ZZ9"]
        pool = [d for d in districts.get(code, []) if d in split] if u < SPLIT_POSTCODE_SHARE else own
        district.append((pool or own)[int(u * 1000) % len(pool or own)])
    letters = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
    postcode = [
        f"{d} {s}{a}{b}"
        for d, s, a, b in zip(
            district,
            rng.integers(1, 10, n),
            letters[rng.integers(0, 20, n)],
            letters[rng.integers(0, 20, n)],
            strict=True,
        )
    ]
    postcode = [None if u < NO_POSTCODE_SHARE else p for p, u in zip(postcode, rng.random(n), strict=True)]
    died = rng.random(n) < np.where(people["care_home"].to_numpy(), DEATH_SHARE["care_home"], DEATH_SHARE["community"])
    ethnic_p = np.array([p for _, p in ETHNICITIES])
    labels = np.array([e for e, _ in ETHNICITIES], dtype=object)
    ethnicity = labels[rng.choice(len(ETHNICITIES), n, p=ethnic_p / ethnic_p.sum())]
    return people.select(
        "person_id",
        nhs_number=pl.Series([f"999{i:07d}" for i in numbers.tolist()], dtype=pl.String),
        first_name=pl.Series(np.array(FIRST_NAMES)[rng.integers(0, 10, n)]),
        last_name=pl.Series(np.array(LAST_NAMES)[rng.integers(0, 10, n)]),
        gender=pl.col("sex").replace_strict(GENDER),
        ethnicity=pl.Series(ethnicity.tolist(), dtype=pl.String),
        date_of_birth=(pl.col("start_date") - pl.duration(days=(pl.col("age") * 365.25 + 180).cast(pl.Int64))),
        date_of_death=pl.when(pl.Series(died) & pl.col("last_end").is_not_null()).then(pl.col("last_end")),
        primary_support_reason=pl.col("primary_support_reason").replace_strict(PSR),
        postcode=pl.Series(postcode, dtype=pl.String),
        no_nhs=pl.Series(rng.random(n) < NO_NHS_NUMBER_SHARE),
    )


def _has_managed_budget() -> pl.Expr:
    """The same answer for every service of a person, from their id alone (no draw from the generator, so the
    rest of the demo stays as it was)."""
    number = pl.col("person_id").str.extract(r"(\d+)$").cast(pl.Int64)
    return (number * 2654435761 % 1000 < MANAGED_BUDGET_PER_MILLE).fill_null(False)


def _service_events(activity: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    n = activity.height
    kind = activity["service_type"]
    # Planned hours wherever the package has them (a DP too), so CLD weekly hours continue the activity series.
    hourly = ~kind.is_in(["residential", "nursing"]) & (activity["weekly_hours"].fill_null(0) > 0)
    return activity.select(
        "person_id",
        event_type=pl.lit("Service"),
        event_start_date="start_date",
        event_end_date="end_date",
        service_type=kind.replace_strict({k: v[0] for k, v in SERVICES.items()}),
        service_component=kind.replace_strict({k: v[1] for k, v in SERVICES.items()}),
        delivery_mechanism=pl.when(kind.is_in(["residential", "nursing", "reablement"]))
        .then(None)
        .when((pl.col("delivery_route") == "council_arranged") & _has_managed_budget())
        .then(pl.lit(MANAGED))
        .otherwise(pl.col("delivery_route").replace_strict(MECHANISMS)),
        unit_cost=pl.when(pl.Series(hourly))
        .then((pl.col("weekly_cost_gbp") / pl.col("weekly_hours")).round(2))
        .otherwise(pl.col("weekly_cost_gbp")),
        cost_frequency_unit_type=pl.when(pl.Series(hourly)).then(pl.lit("Hourly")).otherwise(pl.lit("Weekly")),
        planned_units_per_week=pl.when(pl.Series(hourly)).then(pl.col("weekly_hours")).otherwise(pl.lit(1.0)),
        fault=pl.Series(rng.random(n)),
    )


def _flow_events(reviews: pl.DataFrame) -> pl.DataFrame:
    """Reviews with their reason and outcomes achieved (``demo_people.build_reviews``)."""
    return reviews.select(
        "person_id",
        "review_reason",
        "review_outcomes_achieved",
        event_type=pl.lit("Review"),
        event_start_date="review_date",
        event_end_date="review_date",
        event_outcome=pl.lit("Continuation of support or services"),
    )


def _front_door(ctx: DemoContext, activity: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """A request and a long-term assessment before each person's first long-term service, with waits as real
    front doors have them: skewed, most a week or two, a long tail (request to assessment median about 9 days,
    assessment to service about 11, longer in rural districts), so the waiting-time measures have something true
    to show. ``first_service`` is the start of the service the wait was for."""
    first = (
        activity.filter(pl.col("service_type").is_in(LONG_TERM_KINDS))
        .sort("start_date")
        .group_by("person_id")
        .agg(pl.col("start_date").first(), pl.col("locality_code").first())
        .sort("person_id")
    )
    n = first.height
    factor = dict(zip(ctx.codes, wait_factor(ctx).tolist(), strict=True))
    slower = first["locality_code"].replace_strict(factor, default=1.0).to_numpy()
    to_service = pl.Series(np.round(rng.gamma(1.6, 9.0, n) * slower).astype(np.int64))
    assessing = pl.Series(rng.integers(3, 22, n))
    to_assessment = pl.Series(np.round(rng.gamma(1.4, 8.0, n) * slower).astype(np.int64))
    ends = pl.col("start_date") - pl.duration(days=to_service)
    starts = ends - pl.duration(days=assessing)
    asked = starts - pl.duration(days=to_assessment)
    requests = first.select(
        "person_id",
        event_type=pl.lit("Request"),
        event_start_date=asked,
        event_end_date=asked,
        event_outcome=pl.lit("Progress to assessment, review or reassessment"),
        request_route_of_access=pl.lit("Community or other route"),
        first_service="start_date",
    )
    assessments = first.select(
        "person_id",
        event_type=pl.lit("Assessment"),
        event_start_date=starts,
        event_end_date=ends,
        event_outcome=pl.lit("Progress to support planning or services"),
        assessment_type=pl.lit("Long term assessment"),
        eligible_needs_identified=pl.lit("Yes"),
        first_service="start_date",
    )
    return pl.concat([requests, assessments], how="diagonal_relaxed")


def _still_waiting(
    ctx: DemoContext, door: pl.DataFrame, people: pl.DataFrame, rng: np.random.Generator
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """New people still waiting when the data ends: the simulation stops at the extract, so nobody in it waits
    for a service starting later, and the list (and the requests) would fall away in the last quarter. People who
    were in that position one, two or three years earlier (asked by that year's quarter end, service after that
    year's extract) stand in for them: their requests and assessments moved on by whole years (52 weeks, keeping
    the season and the weekday), under new identities, with no service; as many as were waiting at the quarter
    end before (events, people)."""
    quarter_end, before = ctx.quarters[-1].end, ctx.quarters[-2].end
    extract = EPOCH + timedelta(days=int(ctx.extract))
    asked = (
        door.filter(pl.col("event_type") == "Request")
        .group_by("person_id")
        .agg(asked_on=pl.col("event_start_date").min())
    )
    with_ask = door.join(asked, on="person_id")
    target = with_ask.filter((pl.col("asked_on") <= before) & (pl.col("first_service") > before))[
        "person_id"
    ].n_unique()
    pools = []
    for years in (1, 2, 3):
        back = timedelta(days=364 * years)
        then = with_ask.filter(
            (pl.col("asked_on") <= quarter_end - back)
            & (pl.col("asked_on") > quarter_end - back - timedelta(days=364))
            & (pl.col("first_service") > extract - back)
        )
        pools.append(then.with_columns(clone_of=pl.col("person_id"), person_id=pl.col("person_id") + f"W{years}",
                                       shift=pl.lit(364 * years)))  # fmt: skip
    pool = pl.concat(pools)
    ids = pool["person_id"].unique().sort()
    chosen = ids.gather(np.sort(rng.choice(ids.len(), min(target, ids.len()), replace=False)))
    moved = pool.filter(pl.col("person_id").is_in(chosen.implode()))
    events = (
        moved.with_columns(
            event_start_date=pl.col("event_start_date") + pl.duration(days=pl.col("shift")),
            event_end_date=pl.col("event_end_date") + pl.duration(days=pl.col("shift")),
            first_service=pl.col("first_service") + pl.duration(days=pl.col("shift")),
        )
        .filter(pl.col("event_start_date") <= extract)
        .drop("asked_on", "clone_of", "shift")
    )
    identities = moved.select("person_id", "clone_of").unique()
    clones = (
        people.join(identities, left_on="person_id", right_on="clone_of")
        .drop("person_id")
        .rename({"person_id_right": "person_id"})
        .with_columns(
            nhs_number=pl.lit("998") + pl.col("nhs_number").str.slice(3),
            date_of_death=pl.lit(None, pl.Date),
        )
        .select(people.columns)
    )
    return events, clones


def _new_people_waiting(ctx: DemoContext, door: pl.DataFrame) -> int:
    """New people who had asked by the last quarter's end and whose service had not started."""
    end = ctx.quarters[-1].end
    asked = (pl.col("event_type") == "Request") & (pl.col("event_start_date") <= end) & (pl.col("first_service") > end)
    return door.filter(asked)["person_id"].n_unique()


def _client_requests(
    ctx: DemoContext, referrals: pl.DataFrame, new_waiting: int, rng: np.random.Generator
) -> pl.DataFrame:
    """People already in support asking for more care (a share of the simulation's referrals, each of a person in
    community support, chosen so that with the ``new_waiting`` new people the last quarter's list is the published
    figure, DESIGN section 7): a request; for those it was started for, a reassessment part-way through the wait
    and the extra support from its start date (short-term support with the hours asked for, so the calibrated
    long-term counts and hours hold); closed ones end at the request with no further action; most of those still
    waiting have been reassessed and wait for the service."""
    end = ctx.quarters[-1].end
    still = (pl.col("status") == "waiting") | (pl.col("start_date") > end)
    at_end = referrals.filter((pl.col("received_date") <= end) & still)["person_id"].n_unique()
    keep = min(max((ctx.calibration.scaled(FINAL_WAITING_PEOPLE) - new_waiting) / max(at_end, 1), 0.1), 1.0)
    referrals = referrals.filter(pl.Series(rng.random(referrals.height) < keep))
    n = referrals.height
    r = referrals.with_columns(
        u=pl.Series(rng.random(n)),
        wait=(pl.col("start_date") - pl.col("received_date")).dt.total_days(),
    )
    requests = r.select(
        "person_id",
        event_type=pl.lit("Request"),
        event_start_date="received_date",
        event_end_date="received_date",
        event_outcome=pl.when(pl.col("status") == "closed")
        .then(pl.lit("NFA: Information and advice or signposting"))
        .otherwise(pl.lit("Progress to assessment, review or reassessment")),
        request_route_of_access=pl.lit("Community or other route"),
    )
    started = r.filter(pl.col("status") == "started")
    assessed_after = (pl.col("wait") * 0.5 * pl.col("u")).floor().cast(pl.Int64)
    started_assessments = started.select(
        "person_id",
        on=pl.col("received_date") + pl.duration(days=assessed_after),
        done=pl.min_horizontal(pl.col("received_date") + pl.duration(days=assessed_after + 7), pl.col("start_date")),
    )
    waiting_assessments = r.filter((pl.col("status") == "waiting") & (pl.col("u") < 0.7)).select(
        "person_id",
        on=pl.col("received_date") + pl.duration(days=10),
        done=pl.col("received_date") + pl.duration(days=17),
    )
    assessments = pl.concat([started_assessments, waiting_assessments]).select(
        "person_id",
        event_type=pl.lit("Assessment"),
        event_start_date="on",
        event_end_date="done",
        event_outcome=pl.lit("Progress to support planning or services"),
        assessment_type=pl.lit("Long term assessment"),
        eligible_needs_identified=pl.lit("Yes"),
    )
    services = started.select(
        "person_id",
        event_type=pl.lit("Service"),
        event_start_date="start_date",
        event_end_date=pl.col("start_date") + pl.duration(days=42),
        service_type=pl.lit("Short term support: Other short term"),
        service_component=pl.lit("Other short term support"),
        delivery_mechanism=pl.lit(COMMISSIONED),
        unit_cost=pl.lit(22.0),
        cost_frequency_unit_type=pl.lit("Hourly"),
        planned_units_per_week=pl.col("hours_requested").fill_null(6.0),
    )
    return pl.concat([requests, assessments, services], how="diagonal_relaxed")


def _carer_mechanisms(ctx: DemoContext, year: int) -> list[float]:
    """Chances of a direct payment, a managed personal budget, commissioned support and no mechanism recorded for a
    carer's support starting in ``year``, so that ASCOF 3D(2b) and 3D(1b) computed from the files come out at the
    year's published shares (``ctx.calibration``). The files' faults blank or spoil some mechanisms: a direct
    payment still shows in its Service Component (the ingest keeps it a DP), any other support drops out of the
    denominator, so those are drawn that much more often."""
    dp, sds = ctx.calibration.carers_dp[year] / 100, ctx.calibration.carers_sds[year] / 100
    kept = 1 - BLANK_MECHANISM_SHARE - INVALID_MECHANISM_SHARE
    weights = np.array([dp, (sds - dp) / kept, (1 - sds) / kept])
    recorded = (1 - CARER_MECHANISM_UNRECORDED) * weights / weights.sum()
    return [*recorded.tolist(), CARER_MECHANISM_UNRECORDED]


def _carers(ctx: DemoContext, rng: np.random.Generator) -> pl.DataFrame:
    """Unpaid carers' support direct to the carer, by direct payment as often as the council's published ASCOF
    says (``_carer_mechanisms``)."""
    rows = []
    for q, (first, last) in enumerate(zip(ctx.q_start, ctx.q_end, strict=True)):
        k = rng.poisson(ctx.calibration.scaled(CARERS_PER_QUARTER))
        start = first + rng.integers(0, last - first + 1, k)
        mech = rng.choice([DP, MANAGED, COMMISSIONED, None], k, p=_carer_mechanisms(ctx, ctx.first_fy + q // 4))
        for i in range(k):
            rows.append(
                (
                    f"C{q:02d}{i:04d}",
                    int(start[i]),
                    int(start[i] + rng.integers(1, 90)),
                    mech[i],
                    ctx.codes[rng.choice(ctx.n_localities, p=ctx.shares)],
                )
            )
    frame = pl.DataFrame(
        rows, schema=["person_id", "start", "end", "delivery_mechanism", "locality_code"], orient="row"
    )
    return frame.select(
        "person_id",
        "locality_code",
        client_type=pl.lit("Unpaid carer"),
        event_type=pl.lit("Service"),
        event_start_date=_day(pl.col("start")).cast(pl.Date),
        event_end_date=_day(pl.col("end")).cast(pl.Date),
        service_type=pl.lit("Unpaid carer support: Direct to unpaid carer"),
        service_component=pl.when(pl.col("delivery_mechanism") == DP)
        .then(pl.lit("Direct payment"))
        .otherwise(pl.lit("Unpaid carer respite")),
        delivery_mechanism="delivery_mechanism",
        unit_cost=pl.lit(250.0),
        cost_frequency_unit_type=pl.lit("One-off"),
    )


def build_cld_submissions(
    ctx: DemoContext, activity: pl.DataFrame, referrals: pl.DataFrame, reviews: pl.DataFrame
) -> dict[str, pl.DataFrame]:
    """The council's quarterly CLD submissions, file name -> frame (columns as the file has them)."""
    rng = ctx.rng(11)
    people = _people(ctx, activity, rng)
    door = _front_door(ctx, activity, ctx.rng(12))
    tail, clones = _still_waiting(ctx, door, people, ctx.rng(14))
    door = pl.concat([door, tail])
    flow = [
        _service_events(activity, rng),
        door,
        _client_requests(ctx, referrals, _new_people_waiting(ctx, door), ctx.rng(13)),
        _flow_events(reviews),
    ]
    people = pl.concat([people, clones])
    events = pl.concat(flow, how="diagonal_relaxed").join(people, on="person_id", how="inner")
    carers = _carers(ctx, rng).with_columns(
        nhs_number=pl.lit(None, pl.String),
        no_nhs=pl.lit(True),
        gender=pl.lit("Female"),
        first_name=pl.lit("Carer"),
        last_name=pl.lit("Person"),
        date_of_birth=pl.lit(date(1960, 5, 1)),
        postcode=pl.lit(None, pl.String),
    )
    carer_postcode = {loc.code: loc.postcode_districts[0] for loc in ctx.settings.localities if loc.postcode_districts}
    carers = carers.with_columns(postcode=pl.col("locality_code").replace_strict(carer_postcode, default=None) + " 1AA")
    events = pl.concat(
        [events.with_columns(client_type=pl.lit("Service user")), carers.drop("locality_code")], how="diagonal_relaxed"
    )
    # A direct payment recorded only on a home-care row (part DP) is kept clean: the calibrated DP counts hold.
    faultless = (pl.col("delivery_mechanism") == DP) & (pl.col("service_component") != "Direct payment")
    events = events.with_columns(
        fault=pl.when(faultless).then(pl.lit(0.5)).otherwise(pl.Series(rng.random(events.height)))
    )
    # Faults that belong to the council's records, so every submission shows them alike.
    events = events.with_columns(
        delivery_mechanism=pl.when((pl.col("fault") < BLANK_MECHANISM_SHARE) & (pl.col("event_type") == "Service"))
        .then(None)
        .when(pl.col("fault") < BLANK_MECHANISM_SHARE + INVALID_MECHANISM_SHARE)
        .then(pl.when(pl.col("delivery_mechanism").is_not_null()).then(pl.lit("Personal budget")))
        .otherwise(pl.col("delivery_mechanism")),
        event_end_date=pl.when(
            pl.col("date_of_death").is_not_null()
            & (pl.col("event_end_date") == pl.col("date_of_death"))
            & (pl.col("fault") > 1 - OPEN_AFTER_DEATH_SHARE)
        )
        .then(None)
        .otherwise(pl.col("event_end_date")),
        nhs_number=pl.when(pl.col("no_nhs")).then(None).otherwise(pl.col("nhs_number")),
        la_code=pl.lit(ctx.settings.council.code),
    )
    last = ctx.quarters[-1]
    files = {}
    for quarter in [q for q in ctx.quarters if q > last.plus(-4 * FIRST_SUBMISSION_YEARS_BEFORE_END)]:
        files[f"cld_{quarter.start_year}_{quarter.number}.csv"] = _submission(events, quarter, rng)
    return files


def _submission(events: pl.DataFrame, quarter: Quarter, rng: np.random.Generator) -> pl.DataFrame:
    end = quarter.end
    start = quarter.plus(-3).start
    last_quarter_start = quarter.start
    in_period = events.filter(
        (pl.col("event_start_date") <= end)
        & (pl.col("event_end_date").is_null() | (pl.col("event_end_date") >= start))
        & ((pl.col("event_type") == "Service") | (pl.col("event_end_date") <= end))
    )
    late = (pl.col("event_end_date") >= last_quarter_start) & (pl.col("fault") * 7 % 1 < LATE_CLOSED_SHARE)
    frame = in_period.with_columns(
        event_end_date=pl.when((pl.col("event_end_date") > end) | (late & (pl.col("event_type") == "Service")))
        .then(None)
        .otherwise(pl.col("event_end_date")),
        date_of_death=pl.when(pl.col("date_of_death") <= end).then(pl.col("date_of_death")),
        reporting_period_start_date=pl.lit(start),
        reporting_period_end_date=pl.lit(end),
    ).sort("person_id", "event_start_date", "event_type")
    twice = frame.filter(pl.Series(rng.random(frame.height) < DUPLICATE_SHARE))
    frame = pl.concat([frame, twice]).sort("person_id", "event_start_date", "event_type")
    columns = [c for c in SPEC_HEADERS if c in frame.columns or c == "la_person_unique_identifier"]
    frame = frame.with_columns(la_person_unique_identifier=pl.col("person_id")).select(columns)
    if quarter < RELEASE_2_FROM:
        frame = frame.with_columns(pl.col(c).replace(RELEASE_1) for c in CODED if c in frame.columns)
        frame = frame.rename({c: SPEC_HEADERS[c] for c in frame.columns})
    else:
        frame = frame.rename(
            {
                c: SPEC_HEADERS[c].replace(": ", "_").replace(" ", "_").replace("(", "").replace(")", "")
                for c in frame.columns
            }
        )
    return frame
