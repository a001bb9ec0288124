-- Grain: one row per Personal Assistant (latest register entry of each pa_id).
with source as (
    select * from raw_pa_register
),

final as (
    select pa_id, locality_code, registered_date, left_date, on_payroll, dbs_checked, qualifications, load_id
    from source
    qualify row_number() over (partition by pa_id order by load_id desc, source_row desc) = 1
)

select * from final
