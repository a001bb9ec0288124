-- Grain: one row per quarter x locality, plus the county. Care micro-enterprises (CMEs) with people
-- using them at the quarter's end, and the weekly hours of care they were providing, for the quarters that ended
-- before the activity file was loaded (int_source_quarters).
with quarters as (
    select * from int_source_quarters where source = 'activity'
),

active as (
    select q.period, a.locality_code, a.provider_id, a.weekly_hours
    from quarters as q
    inner join stg_activity as a
        on a.start_date <= q.quarter_end and (a.end_date is null or a.end_date >= q.quarter_end)
    where a.service_type = 'cme'
),

counts as (
    select period, locality_code, count(distinct provider_id) as active_cmes, sum(weekly_hours) as weekly_hours
    from active group by period, locality_code
    union all
    select period, (select council_code from ref_council), count(distinct provider_id), sum(weekly_hours)
    from active group by period
),

final as (
    select
        q.period,
        q.quarter_end,
        l.locality_code,
        l.locality_name,
        coalesce(c.active_cmes, 0) as active_cmes,
        coalesce(c.weekly_hours, 0) as weekly_hours
    from quarters as q
    cross join dim_locality as l
    left join counts as c on c.period = q.period and c.locality_code = l.locality_code
)

select * from final
order by quarter_end, locality_code
