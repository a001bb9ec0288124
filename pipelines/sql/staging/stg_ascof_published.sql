-- Grain: one row per ASCOF year x area x published measure code (outcome values, totals only).
-- Rows come from files loaded with `asc ingest` and from the shipped compiled extract; for the same
-- year, area and code an ingested file wins, and among ingested files the latest load wins (a
-- corrected file replaces the earlier one, which stays in raw_ascof_published as history).
-- Suppressed values ([x], [c]) were read as blank on ingest and are left out here.
with ingested as (
    select *, 1 as priority from raw_ascof_published
),

shipped as (
    select *, 2 as priority from public_ascof_published
),

combined as (
    select * from ingested
    union all by name
    select * from shipped
),

totals as (
    select
        year,
        ons_area_code as area_code,
        geographical_description as area_name,
        -- 1C(2a), 1c2a and 1C2A are the same code
        upper(regexp_replace(measure_group, '[\s()]', '', 'g')) as published_code,
        measure_value as value,
        priority,
        load_id,
        source_row
    from combined
    where
        measure_type = 'Outcome'
        and lower(disaggregation_level) in ('total', 'all')
        and measure_value is not null
),

final as (
    select year, area_code, area_name, published_code, value, priority
    from totals
    qualify row_number() over (
        partition by year, area_code, published_code
        order by priority, load_id desc nulls last, source_row desc
    ) = 1
)

select * from final
