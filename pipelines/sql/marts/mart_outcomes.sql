-- Grain: one row per quarter x locality x review reason, with 'all' for all reasons and the council's code for
-- all localities. From Client Level Data reviews (int_cld_reviews): reviews held in the quarter (outcomes_reviewed:
-- CLD records one outcome per review), how many had their outcomes fully, partly or not achieved, or an outcome
-- unknown or invalid (kept in the base, as ASCOF keeps invalid values in its denominators), the share fully
-- achieved of all reviews, and the weekly package hours of the people reviewed just before and after.
-- Unplaced people count in the council's rows only.
with reviews as (
    select * from int_cld_reviews
),

counts as (
    select
        period,
        grouping(locality_code) = 1 as all_areas,
        locality_code,
        coalesce(review_reason, 'all') as review_reason,
        count(*) as outcomes_reviewed,
        count(*) filter (where rating = 'achieved') as achieved,
        count(*) filter (where rating = 'partly') as partly_achieved,
        count(*) filter (where rating = 'not_achieved') as not_achieved,
        count(*) filter (where rating = 'unknown') as outcome_unknown,
        count(*) filter (where rating = 'invalid') as outcome_invalid,
        sum(hours_before) as hours_before,
        sum(hours_after) as hours_after
    from reviews
    group by grouping sets ((period, locality_code, review_reason), (period, locality_code),
        (period, review_reason), (period))
),

placed as (
    select
        * exclude (all_areas, locality_code),
        case when all_areas then (select council_code from ref_council) else locality_code end as locality_code
    from counts
    where all_areas or locality_code is not null
),

final as (
    select
        c.period,
        q.quarter_end,
        c.locality_code,
        l.locality_name,
        c.review_reason,
        c.outcomes_reviewed,
        c.achieved,
        c.partly_achieved,
        c.not_achieved,
        c.outcome_unknown,
        c.outcome_invalid,
        100.0 * c.achieved / c.outcomes_reviewed as achieved_pct,
        c.hours_before,
        c.hours_after,
        t.outcomes_achieved_pct as target_pct
    from placed as c
    inner join ref_quarter as q on q.period = c.period
    inner join dim_locality as l on l.locality_code = c.locality_code
    cross join ref_targets as t
)

select * from final
order by quarter_end, locality_code, review_reason
