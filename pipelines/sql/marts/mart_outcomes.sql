-- Grain: one row per quarter x locality x outcome domain, with 'all' for all domains and the county
-- code for all localities. Share of reviewed outcomes achieved; package hours before and after review.
with reviews as (
    select r.*, q.period
    from stg_outcome_reviews as r
    inner join ref_quarter as q on r.review_date between q.quarter_start and q.quarter_end
),

counts as (
    select
        period,
        coalesce(locality_code, (select council_code from ref_council)) as locality_code,
        coalesce(outcome_domain, 'all') as outcome_domain,
        count(*) as outcomes_reviewed,
        count(*) filter (where rating = 'achieved') as achieved,
        count(*) filter (where rating = 'partly') as partly_achieved,
        count(*) filter (where rating = 'not_achieved') as not_achieved,
        sum(hours_before) as hours_before,
        sum(hours_after) as hours_after
    from reviews
    group by grouping sets ((period, locality_code, outcome_domain), (period, locality_code),
        (period, outcome_domain), (period))
),

final as (
    select
        c.period,
        q.quarter_end,
        c.locality_code,
        l.locality_name,
        c.outcome_domain,
        c.outcomes_reviewed,
        c.achieved,
        c.partly_achieved,
        c.not_achieved,
        100.0 * c.achieved / c.outcomes_reviewed as achieved_pct,
        c.hours_before,
        c.hours_after,
        t.outcomes_achieved_pct as target_pct
    from counts as c
    inner join ref_quarter as q on q.period = c.period
    inner join dim_locality as l on l.locality_code = c.locality_code
    cross join ref_targets as t
)

select * from final
order by quarter_end, locality_code, outcome_domain
