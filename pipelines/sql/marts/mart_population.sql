-- Grain: one row per area x age band x projection year (ONS 2022-based SNPP, persons).
-- Bands: 65-74, 75-84, 85+, 65+, and All ages as published. projection_basis: 'ons' (an ONS projection) or 'trend'
-- (a trend of ONS mid-year estimates, for an area whose projection does not ship; stg_population_projection).
with single_years as (
    select * from stg_population_projection
),

banded as (
    select
        area_code,
        area_name,
        projection_year,
        population,
        projection_basis,
        case
            when age_group = 'All ages' then 'All ages'
            when age_group = '90 and over' then '85+'
            when try_cast(age_group as integer) between 65 and 74 then '65-74'
            when try_cast(age_group as integer) between 75 and 84 then '75-84'
            when try_cast(age_group as integer) >= 85 then '85+'
        end as age_band
    from single_years
),

bands as (
    select area_code, area_name, age_band, projection_year, sum(population) as population, min(projection_basis) as projection_basis
    from banded where age_band is not null
    group by all
),

over_65 as (
    select area_code, area_name, '65+' as age_band, projection_year, sum(population) as population,
        min(projection_basis) as projection_basis
    from banded where age_band in ('65-74', '75-84', '85+')
    group by all
),

final as (
    select * from bands
    union all
    select * from over_65
)

select * from final
order by area_code, age_band, projection_year
