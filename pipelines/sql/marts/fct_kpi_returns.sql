-- Grain: one row per contract x quarter x KPI, as reported (latest submission), with the KPI's
-- catalogue entry: direction, target and amber tolerance.
with returns as (
    select * from stg_kpi_returns
),

catalogue as (
    select * from stg_kpi_catalogue
),

final as (
    select
        r.contract_id,
        r.provider,
        k.contract_type,
        r.period,
        q.quarter_end,
        r.kpi_code,
        k.kpi_name,
        k.unit,
        k.higher_is_better,
        k.target,
        k.amber_tolerance,
        r.numerator,
        r.denominator,
        r.value,
        r.comment,
        r.load_id
    from returns as r
    left join catalogue as k on k.kpi_code = r.kpi_code
    left join ref_quarter as q on q.period = r.period
)

select * from final
order by contract_id, quarter_end, kpi_code
