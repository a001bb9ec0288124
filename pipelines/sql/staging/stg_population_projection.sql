-- Grain: one row per area x single year of age (or "90 and over", "All ages") x projection year, persons.
-- ONS SNPP Z1 files are read one row per area, sex, age and year on ingest. Rows loaded with
-- `asc ingest` win over the shipped extract for the same area, age and year, and the latest load wins
-- among ingested files; earlier loads stay in raw_population_projection as history.
with ingested as (
    select *, 1 as priority from raw_population_projection
),

shipped as (
    select *, 2 as priority from public_population_projection
),

combined as (
    select * from ingested
    union all by name
    select * from shipped
),

persons as (
    select *
    from combined
    where sex = 'persons' and lower(component) = 'population'
),

final as (
    select
        area_code,
        area_name,
        age_group,
        cast(projection_year as integer) as projection_year,
        cast(population as double) as population
    from persons
    qualify row_number() over (
        partition by area_code, age_group, projection_year
        order by priority, load_id desc nulls last, source_row desc
    ) = 1
)

select * from final
