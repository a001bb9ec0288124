-- Grain: one row per quarter x locality, plus the county. Unmet need: people waiting for a service
-- to start at the quarter's end, the hours a week they asked for, and the median wait so far.
with quarters as (
    select period, quarter_end, sort_key from ref_quarter
),

waiting as (
    select q.period, r.locality_code, r.hours_requested, q.quarter_end - r.received_date as days_waiting
    from quarters as q
    inner join stg_referrals as r
        on r.received_date <= q.quarter_end
        and ((r.start_date is null and r.status = 'waiting') or r.start_date > q.quarter_end)
),

counts as (
    select period, locality_code, count(*) as people_waiting, sum(hours_requested) as hours_waiting,
        median(days_waiting) as median_wait_days
    from waiting group by period, locality_code
    union all
    select period, (select council_code from ref_council), count(*), sum(hours_requested), median(days_waiting)
    from waiting group by period
),

final as (
    select
        q.period,
        q.quarter_end,
        l.locality_code,
        l.locality_name,
        coalesce(c.people_waiting, 0) as people_waiting,
        coalesce(c.hours_waiting, 0) as hours_waiting,
        c.median_wait_days
    from quarters as q
    cross join dim_locality as l
    left join counts as c on c.period = q.period and c.locality_code = l.locality_code
)

select * from final
order by quarter_end, locality_code
