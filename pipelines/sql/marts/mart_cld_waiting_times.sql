-- Grain: one row per quarter CLD covers x locality, plus the county (which counts people not placed in a
-- district). The flow from requests to assessments to services in the quarter and its waiting times, from the
-- quarter's selected submission: requests and assessments that started in the quarter (service users), and for
-- each step the number of waits that ended in the quarter with their median and 90th centile in days
-- (int_cld_waits; centiles interpolated between people, as DuckDB's quantile_cont does).
with events as (
    select e.period, p.locality_code, e.event_type
    from int_cld_events_snapshotted as e
    inner join int_cld_people_located as p on p.period = e.period and p.person_id = e.person_id
    where e.client_type = 'Service user'
        and e.event_type in ('Request', 'Assessment')
        and e.event_start_date between e.quarter_start and e.quarter_end
),

flow as (
    select
        period,
        if(grouping(locality_code) = 1, 'county', locality_code) as area,
        count(*) filter (where event_type = 'Request') as requests,
        count(*) filter (where event_type = 'Assessment') as assessments
    from events
    group by grouping sets ((period, locality_code), (period))
),

waits as (
    select
        period,
        if(grouping(locality_code) = 1, 'county', locality_code) as area,
        count(*) filter (where step = 'request to assessment') as assessment_waits,
        median(days) filter (where step = 'request to assessment') as assessment_median_days,
        quantile_cont(days, 0.9) filter (where step = 'request to assessment') as assessment_p90_days,
        count(*) filter (where step = 'assessment to service') as service_waits,
        median(days) filter (where step = 'assessment to service') as service_median_days,
        quantile_cont(days, 0.9) filter (where step = 'assessment to service') as service_p90_days
    from int_cld_waits
    group by grouping sets ((period, locality_code), (period))
),

final as (
    select
        s.period,
        q.quarter_end,
        l.locality_code,
        l.locality_name,
        coalesce(f.requests, 0) as requests,
        coalesce(f.assessments, 0) as assessments,
        coalesce(w.assessment_waits, 0) as assessment_waits,
        w.assessment_median_days,
        w.assessment_p90_days,
        coalesce(w.service_waits, 0) as service_waits,
        w.service_median_days,
        w.service_p90_days
    from (select distinct period from int_cld_submission_selected) as s
    inner join ref_quarter as q on q.period = s.period
    cross join dim_locality as l
    left join flow as f
        on f.period = s.period and f.area = if(l.is_county, 'county', l.locality_code)
    left join waits as w
        on w.period = s.period and w.area = if(l.is_county, 'county', l.locality_code)
)

select * from final
order by quarter_end, locality_code
