-- Grain: one row per KPI code (latest catalogue wins).
with source as (
    select * from raw_kpi_catalogue
),

final as (
    select kpi_code, name as kpi_name, contract_type, unit, higher_is_better, target, amber_tolerance
    from source
    qualify row_number() over (partition by kpi_code order by load_id desc, source_row desc) = 1
)

select * from final
