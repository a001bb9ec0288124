-- Grain: one row per quarter x locality, plus the county. Demand history for forecasting: people in
-- long-term community support, their planned weekly hours and the annualised cost of their services (weekly
-- cost x 52; from CLD's Unit Cost, Cost Frequency and Planned units per week, int_cld_services_open), and new
-- requests received: service users' CLD requests that started in the quarter for every quarter CLD covers
-- (people placed in no district in the county only), the referrals file's referrals for quarters before; null
-- for a quarter neither source covers (not 0: no data is not no requests). Likewise the people, hours and cost are
-- null for a quarter no source has people in long-term community support for (a KPI return can come in a quarter
-- ahead of the activity file or the CLD return).
with snapshot as (
    select * from int_community_clients_reported
),

clients as (
    select
        period, locality_code, count(*) as people_supported, sum(weekly_hours) as weekly_hours,
        sum(weekly_cost_gbp) * 52 as annual_cost_gbp
    from snapshot group by period, locality_code
    union all
    select period, (select council_code from ref_council), count(*), sum(weekly_hours), sum(weekly_cost_gbp) * 52
    from snapshot group by period
),

cld_quarters as (
    select distinct period from int_cld_submission_selected
),

requests as (
    select e.period, p.locality_code
    from int_cld_events_snapshotted as e
    inner join int_cld_people_located as p on p.period = e.period and p.person_id = e.person_id
    where e.client_type = 'Service user' and e.event_type = 'Request'
        and e.event_start_date between e.quarter_start and e.quarter_end
    union all
    select q.period, r.locality_code
    from stg_referrals as r
    inner join ref_quarter as q on r.received_date between q.quarter_start and q.quarter_end
    where q.period not in (select period from cld_quarters)
),

covered as (
    select period from cld_quarters
    union
    select q.period from int_source_quarters as q  -- quarters that ended before the referrals file was loaded
    where q.source = 'referrals' and q.quarter_end >= (select min(received_date) from stg_referrals)
),

people_quarters as (
    select distinct period from snapshot
),

referral_counts as (
    select period, locality_code, count(*) as referrals_received
    from requests where locality_code is not null group by all
    union all
    select period, (select council_code from ref_council), count(*) from requests group by period
),

final as (
    select
        q.period,
        q.quarter_start,
        q.quarter_end,
        l.locality_code,
        l.locality_name,
        if(k.period is null, null, coalesce(c.people_supported, 0)) as people_supported,
        if(k.period is null, null, coalesce(c.weekly_hours, 0)) as weekly_hours,
        if(k.period is null, null, coalesce(c.annual_cost_gbp, 0)) as annual_cost_gbp,
        case when v.period is not null then coalesce(r.referrals_received, 0) end as referrals_received
    from ref_quarter as q
    cross join dim_locality as l
    left join clients as c on c.period = q.period and c.locality_code = l.locality_code
    left join referral_counts as r on r.period = q.period and r.locality_code = l.locality_code
    left join covered as v on v.period = q.period
    left join people_quarters as k on k.period = q.period
)

select * from final
order by quarter_end, locality_code
