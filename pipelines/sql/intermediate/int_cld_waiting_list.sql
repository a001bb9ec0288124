-- Grain: one row per quarter CLD covers x service user waiting at the quarter's end: a request on or before
-- the quarter end that no service starting on or after it has answered by then, that no 'NFA' outcome (on the
-- request, or on an assessment after it) has closed by then, for a person alive at the quarter end. An
-- existing client's request counts as much as a new person's: the services they already had do not answer it.
-- waiting_since is the person's earliest open request (one row per person, however many requests).
--
-- Which submission: a request is an instant, so a rolling 12-month submission drops it a year on, and the
-- submission int_cld_submission_selected picks for a quarter (one covering the twelve months to its end) may
-- begin after the request was made. So, as the published selection rule does for a snapshot date, each EVENT
-- is read from the latest submission holding the quarter end whose reporting period holds the event (for a
-- service or an assessment still open, any later such submission): corrections win, and a request made before
-- the latest submission began is still seen, in the earlier one.
--
-- Locality: where int_cld_people_located places the person that quarter, else where the nearest other quarter
-- places them (a person whose only events fell before the selected submission's period); null (counted in
-- the county only) for people placed nowhere. Hours: the planned units a week of the service that answered
-- the wait (Cost Frequency 'Hourly'; a care home or other non-hourly service is no hours of care at home), as
-- the latest submission holding it shows it; for people still waiting in the latest data, hours_known is
-- false and the planned hours are estimated at the mean of the hourly services that started in the quarter.
with submissions as (
    select la_code, load_id, min(reporting_period_start_date) as period_start, max(reporting_period_end_date) as period_end
    from stg_cld
    group by la_code, load_id
),

holding as (
    -- every submission holding each quarter's end
    select q.period, q.quarter_end, s.la_code, s.load_id, s.period_start
    from ref_quarter as q
    inner join submissions as s on q.quarter_end between s.period_start and s.period_end
),

candidate_events as (
    select
        h.period, h.quarter_end, h.la_code, h.load_id, e.person_id, e.event_type, e.event_start_date,
        e.event_outcome,
        -- the last day the event is current: an open service or assessment is current in every later period
        coalesce(e.der_end_date, if(e.event_type = 'Request', e.event_start_date, date '9999-12-31')) as current_to,
        e.der_end_date
    from holding as h
    inner join stg_cld as e on e.load_id = h.load_id and e.la_code = h.la_code
    where e.client_type = 'Service user'
        and e.event_type in ('Request', 'Assessment', 'Service')
        and e.event_start_date <= h.quarter_end
),

events as (
    select c.*
    from candidate_events as c
    where not exists (
        select 1 from holding as later
        where later.period = c.period and later.la_code = c.la_code and later.load_id > c.load_id
            and later.period_start <= c.current_to
    )
),

requests as (
    select period, quarter_end, person_id, event_start_date as requested_on
    from events
    where event_type = 'Request'
        and not (coalesce(event_outcome, '') like 'NFA%' and coalesce(der_end_date, event_start_date) <= quarter_end)
),

open_requests as (
    select r.*
    from requests as r
    where not exists (
        -- answered: a service started on or after the request, by the quarter end
        select 1 from events as s
        where s.period = r.period and s.person_id = r.person_id and s.event_type = 'Service'
            and s.event_start_date >= r.requested_on
    )
        and not exists (
            -- closed: an assessment from the request on ended with no further action by the quarter end
            select 1 from events as a
            where a.period = r.period and a.person_id = r.person_id and a.event_type = 'Assessment'
                and a.event_start_date >= r.requested_on and coalesce(a.event_outcome, '') like 'NFA%'
                and a.der_end_date <= r.quarter_end
        )
),

waiting as (
    select period, quarter_end, person_id, min(requested_on) as waiting_since
    from open_requests
    group by all
),

placements as (
    select p.period, q.sort_key, p.person_id, p.locality_code, p.date_of_death, p.age_band, p.ethnicity,
        p.primary_support_reason
    from int_cld_people_located as p
    inner join ref_quarter as q on q.period = p.period
),

located as (
    select
        w.*,
        q.sort_key,
        coalesce(p.locality_code, (
            select arg_min(o.locality_code, abs(o.sort_key - q.sort_key)) from placements as o
            where o.person_id = w.person_id and o.locality_code is not null
        )) as locality_code,
        coalesce(p.date_of_death, (
            select max(o.date_of_death) from placements as o where o.person_id = w.person_id
        )) as date_of_death,
        p.age_band,
        p.ethnicity,
        p.primary_support_reason
    from waiting as w
    inner join ref_quarter as q on q.period = w.period
    left join placements as p on p.period = w.period and p.person_id = w.person_id
),

services as (
    -- every service a person started, as the latest submission holding it shows it
    select
        person_id,
        event_start_date,
        arg_max(if(cost_frequency_unit_type = 'Hourly', coalesce(planned_units_per_week, 0), 0), load_id)
            as planned_hours
    from stg_cld
    where client_type = 'Service user' and event_type = 'Service'
    group by person_id, event_start_date
),

started_in_quarter as (
    select q.period, avg(e.planned_units_per_week) as mean_planned_hours
    from int_cld_events_snapshotted as e
    inner join ref_quarter as q on q.period = e.period
    where e.client_type = 'Service user' and e.event_type = 'Service' and e.cost_frequency_unit_type = 'Hourly'
        and e.planned_units_per_week > 0 and e.event_start_date between e.quarter_start and e.quarter_end
    group by q.period
),

answered as (
    select l.period, l.person_id, arg_min(s.planned_hours, s.event_start_date) as planned_hours
    from located as l
    inner join services as s
        on s.person_id = l.person_id and s.event_start_date > l.quarter_end and s.event_start_date >= l.waiting_since
    group by l.period, l.person_id
),

final as (
    select
        l.period,
        l.quarter_end,
        l.person_id,
        l.locality_code,
        l.waiting_since,
        datediff('day', l.waiting_since, l.quarter_end) as days_waiting,
        a.planned_hours is not null as hours_known,
        coalesce(a.planned_hours, m.mean_planned_hours, 0) as planned_hours,
        coalesce(l.age_band, 'Unknown') as age_band,
        l.primary_support_reason,
        l.ethnicity
    from located as l
    left join answered as a on a.period = l.period and a.person_id = l.person_id
    left join started_in_quarter as m on m.period = l.period
    where l.date_of_death is null or l.date_of_death > l.quarter_end
)

select * from final
