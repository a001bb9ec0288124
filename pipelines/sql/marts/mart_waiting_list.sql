-- Grain: one row per quarter x locality, plus the county, for every quarter a source covers. Unmet need:
-- people waiting for a service to start at the quarter's end, the hours a week of care asked for, and how long
-- they have waited so far (median and 90th centile, days). From Client Level Data for every quarter its
-- submissions cover (int_cld_waiting_list: requests no service has answered; people placed in no district
-- count in the county only, never dropped), from the council's own referrals file for quarters before (the
-- rule int_community_clients_reported follows). people_hours_estimated: people still waiting in the latest
-- data, whose hours are estimated (int_cld_waiting_list); none for the referrals file, which gives the hours.
with cld_quarters as (
    select distinct period from int_cld_submission_selected
),

cld as (
    select period, locality_code, days_waiting, planned_hours as hours, not hours_known as hours_estimated
    from int_cld_waiting_list
),

referral_quarters as (
    -- quarters from the first referral the file holds to the last that ended before it was loaded, CLD's left out
    select q.period
    from int_source_quarters as q
    where q.source = 'referrals'
        and q.quarter_end >= (select min(received_date) from stg_referrals)
        and q.period not in (select period from cld_quarters)
),

referrals as (
    select q.period, r.locality_code, q.quarter_end - r.received_date as days_waiting, r.hours_requested as hours,
        false as hours_estimated
    from ref_quarter as q
    inner join referral_quarters using (period)
    inner join stg_referrals as r
        on r.received_date <= q.quarter_end
        and ((r.start_date is null and r.status = 'waiting') or r.start_date > q.quarter_end)
),

waiting as (
    select * from cld
    union all
    select * from referrals
),

counts as (
    select
        period,
        if(grouping(locality_code) = 1, 'county', locality_code) as area,
        count(*) as people_waiting,
        round(sum(hours), 1) as hours_waiting,
        median(days_waiting) as median_wait_days,
        quantile_cont(days_waiting, 0.9) as p90_wait_days,
        count(*) filter (where hours_estimated) as people_hours_estimated
    from waiting
    group by grouping sets ((period, locality_code), (period))
),

covered as (
    select period, 'Client Level Data' as source from cld_quarters
    union all
    select period, 'Referrals file' from referral_quarters
),

final as (
    select
        q.period,
        q.quarter_end,
        l.locality_code,
        l.locality_name,
        coalesce(c.people_waiting, 0) as people_waiting,
        coalesce(c.hours_waiting, 0) as hours_waiting,
        c.median_wait_days,
        c.p90_wait_days,
        coalesce(c.people_hours_estimated, 0) as people_hours_estimated,
        s.source
    from covered as s
    inner join ref_quarter as q on q.period = s.period
    cross join dim_locality as l
    left join counts as c on c.period = q.period and c.area = if(l.is_county, 'county', l.locality_code)
)

select * from final
order by quarter_end, locality_code
