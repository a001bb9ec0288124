-- Grain: one row per ASCOF year x area x published measure code (outcome values, totals only).
-- Years are written the product's way (2022/23); suppression markers such as [x] become null.
with source as (
    select * from raw_ascof_published
),

renamed as (
    select
        replace(year, '-', '/') as year,
        ons_code as area_code,
        geographical_description as area_name,
        upper(replace(measure_group, ' ', '')) as published_code,
        try_cast(measure_value as double) as value,
        measure_type,
        disaggregation_level
    from source
),

final as (
    select year, area_code, area_name, published_code, value
    from renamed
    where measure_type = 'Outcome' and disaggregation_level = 'Total'
)

select * from final
