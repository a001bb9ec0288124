-- Grain: one row per measure x locality (the districts and the county) x quarter: the quarterly history
-- each demand forecast is fitted to, with series_id = '<measure>:<locality_code>'. Measures: people in
-- long-term community support, their planned hours a week, DP recipients, referrals received and
-- active Personal Assistants on the register, exactly as the other marts show them.
with demand as (
    select * from mart_service_demand
),

uptake as (
    select period, locality_code, dp_recipients from mart_dp_uptake
),

pas as (
    select period, locality_code, active_pas from mart_pa_workforce
),

long as (
    select 'people_supported' as measure, locality_code, period, quarter_start, people_supported as value
    from demand
    union all
    select 'weekly_hours', locality_code, period, quarter_start, weekly_hours from demand
    union all
    select 'referrals_received', locality_code, period, quarter_start, referrals_received from demand
    union all
    select 'dp_recipients', d.locality_code, d.period, d.quarter_start,
        if(d.people_supported is null, null, coalesce(u.dp_recipients, 0))
    from demand as d
    left join uptake as u on u.period = d.period and u.locality_code = d.locality_code
    union all
    select 'active_pas', d.locality_code, d.period, d.quarter_start, coalesce(p.active_pas, 0)
    from demand as d
    left join pas as p on p.period = d.period and p.locality_code = d.locality_code
),

final as (
    select
        measure || ':' || locality_code as series_id,
        measure,
        locality_code,
        period,
        quarter_start as period_start,
        cast(value as double) as value
    from long
    where value is not null  -- quarters no source covers (requests before CLD without a referrals file; people in
                             -- a quarter whose only figures are KPI returns)
)

select * from final
order by series_id, period_start
