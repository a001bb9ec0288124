-- Grain: one row per quarter CLD covers x area (each locality and the county, which counts people not placed in
-- a district) x breakdown ('Age band', 'Primary support reason', 'Ethnicity') x group (and 'All people') x step
-- ('request to assessment', 'assessment to service'). The waits that ended in the quarter (int_cld_waits)
-- within each group: how many, their median and 90th centile in days (interpolated, as mart_cld_waiting_times).
-- Groups as mart_dp_uptake_breakdown has them: support reasons and ethnicities at their broad group (the text
-- before the colon), blanks 'Not recorded'; age on the quarter's end.
with waits as (
    select
        w.period,
        w.locality_code,
        w.step,
        w.days,
        p.age_band,
        coalesce(nullif(trim(split_part(p.primary_support_reason, ':', 1)), ''), 'Not recorded') as support_reason,
        coalesce(nullif(trim(split_part(p.ethnicity, ':', 1)), ''), 'Not recorded') as ethnic_group
    from int_cld_waits as w
    inner join int_cld_people_located as p on p.period = w.period and p.person_id = w.person_id
),

long as (
    select period, locality_code, step, days, 'Age band' as breakdown, age_band as category from waits
    union all
    select period, locality_code, step, days, 'Primary support reason', support_reason from waits
    union all
    select period, locality_code, step, days, 'Ethnicity', ethnic_group from waits
),

stats as (
    select
        period,
        if(grouping(locality_code) = 1, 'county', locality_code) as area,
        breakdown,
        if(grouping(category) = 1, 'All people', category) as category,
        step,
        count(*) as waits,
        median(days) as median_days,
        quantile_cont(days, 0.9) as p90_days
    from long
    group by grouping sets (
        (period, locality_code, breakdown, category, step),
        (period, breakdown, category, step),
        (period, locality_code, breakdown, step),
        (period, breakdown, step)
    )
),

final as (
    select
        s.period,
        q.quarter_end,
        l.locality_code,
        l.locality_name,
        s.breakdown,
        s.category,
        s.step,
        s.waits,
        s.median_days,
        s.p90_days
    from stats as s
    inner join ref_quarter as q on q.period = s.period
    inner join dim_locality as l on s.area = if(l.is_county, 'county', l.locality_code)
)

select * from final
order by quarter_end, locality_code, breakdown, category, step
