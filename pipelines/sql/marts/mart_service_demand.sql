-- Grain: one row per quarter x locality, plus the county. Demand history for forecasting: people in
-- long-term community support, their planned weekly hours and the annualised cost of their services (weekly
-- cost x 52; from CLD's Unit Cost, Cost Frequency and Planned units per week, int_cld_services_open), and new
-- referrals received.
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

referrals as (
    select q.period, r.locality_code, count(*) as referrals_received
    from stg_referrals as r
    inner join ref_quarter as q on r.received_date between q.quarter_start and q.quarter_end
    group by q.period, r.locality_code
),

referral_counts as (
    select * from referrals
    union all
    select period, (select council_code from ref_council), sum(referrals_received) from referrals group by period
),

final as (
    select
        q.period,
        q.quarter_start,
        q.quarter_end,
        l.locality_code,
        l.locality_name,
        coalesce(c.people_supported, 0) as people_supported,
        coalesce(c.weekly_hours, 0) as weekly_hours,
        coalesce(c.annual_cost_gbp, 0) as annual_cost_gbp,
        coalesce(r.referrals_received, 0) as referrals_received
    from ref_quarter as q
    cross join dim_locality as l
    left join clients as c on c.period = q.period and c.locality_code = l.locality_code
    left join referral_counts as r on r.period = q.period and r.locality_code = l.locality_code
)

select * from final
order by quarter_end, locality_code
