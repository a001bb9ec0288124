-- Grain: one row per quarter x area (localities and the council's code for the county) x ASCOF 3D part,
-- from Client Level Data: 3D(1a) and 3D(2a), people who use services receiving self-directed support and
-- direct payments (snapshot at the quarter's end, denominator all placed in Community); 3D(1b) and 3D(2b),
-- carers (over the twelve months to the quarter's end, denominator carers with a direct payment, managed
-- budget or commissioned support). The Q4 county values are the council's ASCOF 3D for the year, shown beside
-- the value NHS England published for that year where the shipped ASCOF data has one (published_value_pct).
-- People who cannot be placed in an area count in the county only. months_covered: how many of the twelve months
-- the CLD read for the quarter holds (fewer in a council's first CLD quarters: carers are then counted over those).
with clients as (
    select period, locality_code, is_self_directed, is_dp_recipient from int_cld_ltc_placed where is_community
),

carers as (
    select period, locality_code, is_self_directed, is_dp_recipient from int_cld_carers_supported
    where in_denominator
),

parts as (
    select period, locality_code, '3D(1a)' as ascof_code, is_self_directed as in_numerator from clients
    union all
    select period, locality_code, '3D(2a)', is_dp_recipient from clients
    union all
    select period, locality_code, '3D(1b)', is_self_directed from carers
    union all
    select period, locality_code, '3D(2b)', is_dp_recipient from carers
),

counts as (
    select period, locality_code, ascof_code, count(*) filter (where in_numerator) as numerator,
        count(*) as denominator
    from parts where locality_code is not null
    group by all
    union all
    select period, (select council_code from ref_council), ascof_code, count(*) filter (where in_numerator),
        count(*)
    from parts
    group by all
),

final as (
    select
        c.period,
        q.quarter_end,
        q.quarter_number = 4 as is_year_end,
        q.financial_year,
        c.locality_code,
        l.locality_name,
        c.ascof_code,
        case c.ascof_code
            when '3D(1a)' then 'People who use services receiving self-directed support'
            when '3D(2a)' then 'People who use services receiving direct payments'
            when '3D(1b)' then 'Carers receiving self-directed support'
            else 'Carers receiving direct payments'
        end as measure_name,
        c.numerator,
        c.denominator,
        100.0 * c.numerator / c.denominator as value_pct,
        p.value as published_value_pct,
        s.months_covered
    from counts as c
    inner join ref_quarter as q on q.period = c.period
    left join (  -- per quarter, whatever LA codes the returns carry (a mistyped one covers less)
        select period, max(months_covered) as months_covered from int_cld_submission_selected group by period
    ) as s on s.period = c.period
    inner join dim_locality as l on l.locality_code = c.locality_code
    left join mart_ascof as p
        on q.quarter_number = 4
        and p.year = q.financial_year
        and p.area_code = c.locality_code
        and p.measure = case c.ascof_code
            when '3D(1a)' then 'sds_users' when '3D(2a)' then 'dp_users'
            when '3D(1b)' then 'sds_carers' else 'dp_carers'
        end
)

select * from final
order by quarter_end, locality_code, ascof_code
