-- Grain: one row per referral (latest submission of each referral_id). A referral a later resubmission no longer
-- holds is withdrawn (table withdrawals) and left out.
with source as (
    select *, referrals_record_key(referral_id) as record_key
    from raw_referrals
),

withdrawn as (
    select record_key, max(load_id) as withdrawn_by from withdrawals where source = 'referrals' group by record_key
),

latest as (
    select *
    from source
    qualify row_number() over (partition by record_key order by load_id desc, source_row desc) = 1
),

final as (
    select
        latest.referral_id, latest.person_id, latest.received_date, latest.locality_code, latest.service_requested,
        latest.hours_requested, latest.status, latest.start_date, latest.load_id
    from latest
    left join withdrawn using (record_key)
    where withdrawn.withdrawn_by is null or withdrawn.withdrawn_by < latest.load_id
)

select * from final
