-- Grain: one row per quarter x locality, plus the county. New Individual Service Funds set up in the
-- quarter (ISF episodes starting), the running total in the financial year, and the yearly plan, for the
-- quarters that ended before the activity file was loaded (int_source_quarters).
with quarters as (
    select * from int_source_quarters where source = 'activity'
),

starts as (
    select q.period, a.locality_code
    from stg_activity as a
    inner join quarters as q on a.start_date between q.quarter_start and q.quarter_end
    where a.service_type = 'isf' and a.age >= 18
),

counts as (
    select period, locality_code, count(*) as new_isfs from starts group by period, locality_code
    union all
    select period, (select council_code from ref_council), count(*) from starts group by period
),

final as (
    select
        q.period,
        q.financial_year,
        q.quarter_number,
        q.quarter_end,
        l.locality_code,
        l.locality_name,
        coalesce(c.new_isfs, 0) as new_isfs,
        sum(coalesce(c.new_isfs, 0)) over (
            partition by l.locality_code, q.financial_year order by q.sort_key
        ) as new_isfs_year_to_date,
        t.isf_new_per_year as plan_per_year
    from quarters as q
    cross join dim_locality as l
    left join counts as c on c.period = q.period and c.locality_code = l.locality_code
    cross join ref_targets as t
)

select * from final
order by quarter_end, locality_code
