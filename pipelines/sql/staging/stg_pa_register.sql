-- Grain: one row per Personal Assistant (latest register entry of each pa_id). A PA a later resubmission of the
-- register no longer lists is withdrawn (table withdrawals) and left out.
with source as (
    select *, pa_register_record_key(pa_id) as record_key
    from raw_pa_register
),

withdrawn as (
    select record_key, max(load_id) as withdrawn_by from withdrawals where source = 'pa_register' group by record_key
),

latest as (
    select *
    from source
    qualify row_number() over (partition by record_key order by load_id desc, source_row desc) = 1
),

final as (
    select
        latest.pa_id, latest.locality_code, latest.registered_date, latest.left_date, latest.on_payroll,
        latest.dbs_checked, latest.qualifications, latest.load_id
    from latest
    left join withdrawn using (record_key)
    where withdrawn.withdrawn_by is null or withdrawn.withdrawn_by < latest.load_id
)

select * from final
