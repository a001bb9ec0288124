-- Grain: one row per council (every council in the shipped list of areas) x mid-year x age band (ONS mid-year
-- estimates, persons). A council formed after the estimate's year (Cumberland, North Yorkshire Council, ...)
-- gets the sum of the districts whose area it now holds, through the shipped district history lookup.
with population as (
    select * from public_national_population
),

councils as (
    select * from public_national_areas
),

history as (
    select * from public_national_district_history
),

own as (
    select c.area_code, p.mid_year, p.age_band, p.population
    from councils as c
    inner join population as p on p.area_code = c.area_code
),

from_districts as (
    select h.council_code_now as area_code, p.mid_year, p.age_band, sum(p.population) as population
    from population as p
    inner join history as h on h.district_code = p.area_code
    where p.area_code like 'E07%' or p.area_code like 'E06%' or p.area_code like 'E08%'
    group by all
),

final as (
    select * from own
    union all
    select f.*
    from from_districts as f
    inner join councils as c on c.area_code = f.area_code
    where not exists (
        select 1 from own as o where o.area_code = f.area_code and o.mid_year = f.mid_year and o.age_band = f.age_band
    )
)

select * from final
order by area_code, mid_year, age_band
