-- Grain: one row per quarter x person whose long-term support needs were newly met by admission to a residential
-- or nursing care home in the twelve months to the quarter's end (ASCOF 2B and 2C, formerly 2A(1) and 2A(2)),
-- read from that quarter's events (int_cld_events_snapshotted), as DHSC's 2024/25 method does it:
-- - a care home service is a long-term residential or nursing care service of a service user whose component is
--   blank or a residential or nursing one (not short-term care); the person's birth date is known and they were
--   not dead before the twelve months began;
-- - an admission starts in the twelve months and did not end as "NFA: Self-funded client or under 12wk disregard";
-- - it is new unless the person had another care home service, in this or any earlier submission, that started
--   before it and was still open, or ended less than 365 days before it began (people already in care are not
--   admitted again);
-- - a person counts once, at their first new admission in the twelve months, in the age band of that day
--   (18-64 or 65+, whole years from the first of the birth month); under-18s are left out.
-- The person's area comes from int_cld_people_located (null: unplaced, counted in the council's total only).
with events as (
    -- the quarter's events as int_cld_events_snapshotted reads them (a later correction of an event wins), and
    -- every submission's, for the look back
    select period, load_id, la_code, person_id, event_type, client_type, service_type, service_component,
        event_start_date, der_end_date, event_outcome, der_birth_date, date_of_death
    from int_cld_events_snapshotted
    union all
    select null, load_id, la_code, person_id, event_type, client_type, service_type, service_component,
        event_start_date, der_end_date, event_outcome, der_birth_date, date_of_death
    from stg_cld
),

care_home as (
    -- long-term residential or nursing care of a service user, not short-term care
    select *
    from events
    where event_type = 'Service'
        and client_type = 'Service user'
        and service_type in ('Long term support: Residential care', 'Long term support: Nursing care')
        and (
            service_component is null
            or (
                (lower(service_component) like '%residential%' or lower(service_component) like '%nursing%')
                and lower(service_component) not like '%short%'
            )
        )
),

care_home_services as (
    select load_id, la_code, person_id, event_start_date, der_end_date from care_home where period is null
),

admissions as (
    select q.period, q.quarter_end, c.load_id, c.la_code, c.person_id, c.event_start_date, c.der_birth_date
    from int_cld_submission_selected as q
    inner join care_home as c on c.period = q.period
    where c.event_start_date between q.quarter_end - interval 1 year + interval 1 day and q.quarter_end
        and c.der_birth_date is not null
        and (c.date_of_death is null or c.date_of_death >= q.quarter_end - interval 1 year + interval 1 day)
        and (c.event_outcome is null or c.event_outcome <> 'NFA: Self-funded client or under 12wk disregard')
),

new_admissions as (
    select a.*
    from admissions as a
    where not exists (
        select 1
        from care_home_services as earlier
        where earlier.la_code = a.la_code
            and earlier.person_id = a.person_id
            and earlier.load_id <= a.load_id
            and earlier.event_start_date < a.event_start_date
            and (earlier.der_end_date is null or earlier.der_end_date > a.event_start_date - interval 365 day)
    )
),

first_admission as (
    select period, quarter_end, person_id, min(event_start_date) as admitted_on, min(der_birth_date) as birth
    from new_admissions
    group by period, quarter_end, person_id
),

final as (
    select
        f.period,
        f.quarter_end,
        f.person_id,
        f.admitted_on,
        date_sub('year', f.birth, f.admitted_on) as age_on_admission,
        case when date_sub('year', f.birth, f.admitted_on) >= 65 then '65+' else '18-64' end as age_band,
        p.locality_code
    from first_admission as f
    left join int_cld_people_located as p on p.period = f.period and p.person_id = f.person_id
    where date_sub('year', f.birth, f.admitted_on) >= 18
)

select * from final
