-- Grain: one row per contract x quarter x KPI. A corrected resubmission replaces the earlier value
-- for reporting; the earlier rows stay in raw_kpi_returns as history. A row a later resubmission withdrew
-- (it no longer holds that contract, quarter and KPI: see ingest.RESUBMISSION_SCOPE) is left out.
with source as (
    select *, kpi_returns_record_key(contract_id, period, kpi_code) as record_key
    from raw_kpi_returns
),

withdrawn as (
    select record_key, max(load_id) as withdrawn_by from withdrawals where source = 'kpi_returns' group by record_key
),

latest as (
    select *
    from source
    qualify row_number() over (partition by record_key order by load_id desc, source_row desc) = 1
),

final as (
    select
        latest.contract_id, latest.provider, latest.period, latest.kpi_code, latest.numerator, latest.denominator,
        latest.value, latest.comment, latest.load_id
    from latest
    left join withdrawn using (record_key)
    where withdrawn.withdrawn_by is null or withdrawn.withdrawn_by < latest.load_id
)

select * from final
