-- Grain: one row per contract x quarter x KPI. A corrected resubmission replaces the earlier value
-- for reporting; the earlier rows stay in raw_kpi_returns as history.
with source as (
    select * from raw_kpi_returns
),

final as (
    select contract_id, provider, period, kpi_code, numerator, denominator, value, comment, load_id
    from source
    qualify row_number() over (
        partition by contract_id, period, kpi_code order by load_id desc, source_row desc
    ) = 1
)

select * from final
