-- Grain: one row per unique CLD event within one submission (load). Rows sent twice in a file count once:
-- an event is identified, as in DHSC's single-submission method, by person, event type, start date, client
-- type and its type's own fields (route of access, assessment type, service type, component, mechanism and
-- cost); a service's end date is not part of it (an open end wins, else the latest end). Rows with no start
-- date and events ending before they start are data errors and are left out. A service ends at the person's
-- date of death at the latest. Age is worked from the first of the birth month (CLD's national fields).
-- event_key: the event's identity across submissions, from the return's Event Reference (LA code, event type,
-- reference), so a later submission's corrected version of an event (a start date moved, a service re-coded)
-- supersedes the earlier one (int_cld_events_snapshotted) instead of counting beside it. Used only where the
-- reference is sent and, within its submission, names one person's event of one type (DHSC found references
-- unreliable in some returns: one shared by several people is a package or case number, not an event's);
-- otherwise null, and the event is known only by the values above, as in DHSC's method, so a corrected
-- value makes it a different event.
with source as (
    select * from raw_cld
),

derived as (
    select
        *,
        case
            when event_type = 'Service' and date_of_death is not null
                then least(coalesce(event_end_date, date_of_death), date_of_death)
            else event_end_date
        end as der_end_date,
        case when birth_year is not null then make_date(birth_year, coalesce(birth_month, 1), 1) end
            as der_birth_date,
        -- ASCOF 3D: a service component of direct payment is a direct payment whatever the mechanism says
        case when service_component = 'Direct payment' then 'Direct payment' else delivery_mechanism end
            as der_delivery_mechanism,
        nullif(trim(event_reference), '') as der_event_reference
    from source
    where event_start_date is not null
        and (event_end_date is null or event_end_date >= event_start_date)
),

unique_events as (
    select *
    from derived
    where der_end_date is null or der_end_date >= event_start_date  -- a service starting after death
    qualify row_number() over (
        partition by
            load_id, la_code, person_id, event_type, event_start_date, client_type,
            case when event_type <> 'Service' then der_end_date end,
            request_route_of_access, assessment_type, service_type, service_component, delivery_mechanism,
            unit_cost, cost_frequency_unit_type, planned_units_per_week
        order by der_end_date is null desc, der_end_date desc, source_row
    ) = 1
),

keyed as (
    select
        *,
        case
            when der_event_reference is not null
                and min(person_id) over reference = max(person_id) over reference
                then concat_ws('|', la_code, event_type, der_event_reference)
        end as event_key
    from unique_events
    window reference as (partition by load_id, la_code, event_type, der_event_reference)
),

final as (
    select
        load_id, source_row, submission_id, la_code, reporting_period_start_date, reporting_period_end_date,
        person_id, person_id_source, der_birth_date, upper(replace(postcode_district, ' ', '')) as postcode_district,
        upper(postcode_sector) as postcode_sector, gender, ethnicity, date_of_death, client_type,
        primary_support_reason, has_unpaid_carer, event_type, event_start_date, event_end_date, der_end_date,
        event_outcome, request_route_of_access, assessment_type, eligible_needs_identified, service_type,
        service_component, delivery_mechanism, der_delivery_mechanism, review_reason, review_outcomes_achieved,
        unit_cost, cost_frequency_unit_type, planned_units_per_week, event_key
    from keyed
)

select * from final
