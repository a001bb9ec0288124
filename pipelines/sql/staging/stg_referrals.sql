-- Grain: one row per referral (latest submission of each referral_id).
with source as (
    select * from raw_referrals
),

final as (
    select
        referral_id, person_id, received_date, locality_code, service_requested, hours_requested,
        status, start_date, load_id
    from source
    qualify row_number() over (partition by referral_id order by load_id desc, source_row desc) = 1
)

select * from final
