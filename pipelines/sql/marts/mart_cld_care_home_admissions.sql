-- Grain: one row per quarter x area (localities and the council's code for the county) x age band (18-64, 65+):
-- ASCOF 2B (18-64) and 2C (65+), formerly 2A(1) and 2A(2): people whose long-term support needs were newly met by
-- admission to a residential or nursing care home in the twelve months to the quarter's end, per 100,000 of the
-- population of that age (int_cld_care_home_admissions). The Q4 county value is the council's ASCOF value for
-- the year, shown beside the one NHS England published where the shipped ASCOF data has it (published_*).
-- Population: the denominator NHS England published for the council's year where there is one (so the two differ
-- only in the admissions counted), else the ONS mid-year estimate of the financial year's first mid-year (mid-2024
-- for 2024/25), or the latest estimate before it that ships (population_mid_year says which). Unplaced people
-- count in the county only. months_covered: how many of the twelve months the CLD read for the quarter holds
-- (fewer in a council's first CLD quarters, whose admissions are then counted over those months only).
with admissions as (
    select * from int_cld_care_home_admissions
),

bands as (
    select '18-64' as age_band, 'admissions_18_64' as ascof_measure, '2B' as ascof_code
    union all
    select '65+', 'admissions_65_plus', '2C'
),

counts as (
    select period, locality_code, age_band, count(*) as admissions
    from admissions where locality_code is not null
    group by all
    union all
    select period, (select council_code from ref_council), age_band, count(*)
    from admissions
    group by all
),

grid as (
    select q.period, q.quarter_end, q.quarter_number, q.financial_year, l.locality_code, l.locality_name,
        b.age_band, b.ascof_measure, b.ascof_code,
        cast(left(q.financial_year, 4) as integer) as ascof_mid_year
    from ref_quarter as q
    cross join dim_locality as l
    cross join bands as b
    where q.period in (select period from int_cld_submission_selected)
),

estimates as (
    select area_code, mid_year, age_band, population from mart_council_population
    union all
    select area_code, mid_year, age_band, population from public_national_population
    where area_code not in (select area_code from mart_council_population)
),

estimates_banded as (
    select area_code, mid_year, case when age_band = '18-64' then '18-64' else '65+' end as age_band,
        sum(population) as population
    from estimates
    where age_band in ('18-64', '65-74', '75-84', '85+')
    group by all
),

estimated as (
    select g.period, g.locality_code, g.age_band, arg_max(e.population, e.mid_year) as population,
        max(e.mid_year) as population_mid_year
    from grid as g
    inner join estimates_banded as e
        on e.area_code = g.locality_code and e.age_band = g.age_band and e.mid_year <= g.ascof_mid_year
    group by all
),

final as (
    select
        g.period,
        g.quarter_end,
        g.quarter_number = 4 as is_year_end,
        g.financial_year,
        g.locality_code,
        g.locality_name,
        g.age_band,
        g.ascof_code,
        coalesce(c.admissions, 0) as admissions,
        coalesce(p.denominator, e.population) as population,
        case
            when p.denominator is not null then 'ONS mid-' || g.ascof_mid_year || ', as NHS England published it'
            when e.population is not null then 'ONS mid-' || e.population_mid_year || ' estimate'
        end as population_basis,
        100000.0 * coalesce(c.admissions, 0) / coalesce(p.denominator, e.population) as per_100k,
        case when g.quarter_number = 4 then p.value end as published_per_100k,
        case when g.quarter_number = 4 then p.numerator end as published_admissions,
        s.months_covered
    from grid as g
    left join (  -- per quarter, whatever LA codes the returns carry (a mistyped one covers less)
        select period, max(months_covered) as months_covered from int_cld_submission_selected group by period
    ) as s on s.period = g.period
    left join counts as c on c.period = g.period and c.locality_code = g.locality_code and c.age_band = g.age_band
    left join estimated as e on e.period = g.period and e.locality_code = g.locality_code and e.age_band = g.age_band
    left join mart_ascof as p
        on p.year = g.financial_year and p.area_code = g.locality_code and p.measure = g.ascof_measure
)

select * from final
order by quarter_end, locality_code, age_band
