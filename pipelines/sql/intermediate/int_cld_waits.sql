-- Grain: one row per quarter x wait that ended in the quarter, from that quarter's selected submission:
-- 'request to assessment' for each assessment that started in the quarter, from the latest request on or
-- before it (none if the person's previous assessment came after that request: the request was answered);
-- 'assessment to service' for each new long-term service that started in the quarter (the person had no
-- long-term service open the day before), from the completion (end date, else start) of the latest
-- assessment completed on or before it. DHSC's long-term waiting-time method in outline: the service, the
-- assessment before it, the request before that. Service users only; locality null for people not placed.
with events as (
    select
        period, quarter_start, quarter_end, person_id, event_type, service_type, event_start_date, event_end_date,
        coalesce(event_end_date, event_start_date) as event_done_date
    from int_cld_events_snapshotted
    where client_type = 'Service user' and event_type in ('Request', 'Assessment', 'Service')
),

requests as (
    select period, person_id, event_start_date as requested_on from events where event_type = 'Request'
),

assessments as (
    select
        period, quarter_start, quarter_end, person_id, event_start_date, event_done_date,
        lag(event_start_date) over (partition by period, person_id order by event_start_date) as previous_assessment
    from events
    where event_type = 'Assessment'
),

long_term as (
    select * from events
    where event_type = 'Service' and service_type in (select service_type from ref_cld_ltc_hierarchy)
),

assessed as (
    select
        a.period,
        a.person_id,
        'request to assessment' as step,
        r.requested_on as started_on,
        a.event_start_date as ended_on
    from assessments as a
    asof inner join requests as r
        on r.period = a.period and r.person_id = a.person_id and a.event_start_date >= r.requested_on
    where a.event_start_date between a.quarter_start and a.quarter_end
        and (a.previous_assessment is null or r.requested_on > a.previous_assessment)
),

new_services as (
    select s.*
    from long_term as s
    where s.event_start_date between s.quarter_start and s.quarter_end
        and not exists (
            select 1 from long_term as o
            where o.period = s.period and o.person_id = s.person_id
                and o.event_start_date < s.event_start_date
                and (o.event_end_date is null or o.event_end_date >= s.event_start_date - 1)
        )
),

first_of_day as (
    -- two services starting the same day (home care and day care, say) are one wait
    select distinct period, person_id, event_start_date from new_services
),

completed as (
    select period, person_id, event_done_date from assessments
),

served as (
    select
        s.period,
        s.person_id,
        'assessment to service' as step,
        a.event_done_date as started_on,
        s.event_start_date as ended_on
    from first_of_day as s
    asof inner join completed as a
        on a.period = s.period and a.person_id = s.person_id and s.event_start_date >= a.event_done_date
),

waits as (
    select * from assessed
    union all
    select * from served
),

final as (
    select
        w.period,
        w.person_id,
        p.locality_code,
        w.step,
        w.started_on,
        w.ended_on,
        datediff('day', w.started_on, w.ended_on) as days
    from waits as w
    inner join int_cld_people_located as p on p.period = w.period and p.person_id = w.person_id
)

select * from final
