-- Grain: one row per area x single year of age (or "90 and over") x projection year, persons only.
-- Unpivots the ONS SNPP Z1 layout (one column per projection year).
with source as (
    select * from raw_population_projection
),

persons as (
    select * exclude (component, sex)
    from source
    where lower(sex) = 'persons' and lower(component) = 'population'
),

unpivoted as (
    unpivot persons on columns('^[0-9]{4}$') into name projection_year value population
),

final as (
    select
        area_code,
        area_name,
        age_group,
        cast(projection_year as integer) as projection_year,
        cast(population as double) as population
    from unpivoted
)

select * from final
