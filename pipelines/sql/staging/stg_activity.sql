-- Grain: one row per person per service episode. An episode is known by its record key (activity_record_key:
-- its episode_id, or where a file has none, person, service and start date), so a later file that corrects an
-- episode's start date replaces it instead of adding a second episode: the latest load wins. An episode a later
-- resubmission no longer holds is withdrawn (table withdrawals) and left out.
with source as (
    select *, activity_record_key(episode_id, person_id, service_type, start_date) as record_key
    from raw_activity
),

withdrawn as (
    select record_key, max(load_id) as withdrawn_by from withdrawals where source = 'activity' group by record_key
),

latest as (
    select *
    from source
    qualify row_number() over (partition by record_key order by load_id desc, source_row desc) = 1
),

final as (
    select
        latest.episode_id, latest.person_id, latest.age, latest.sex, latest.primary_support_reason,
        latest.locality_code, latest.service_type, latest.delivery_route, latest.start_date, latest.end_date,
        latest.weekly_hours, latest.weekly_cost_gbp, latest.provider_id, latest.load_id
    from latest
    left join withdrawn using (record_key)
    where withdrawn.withdrawn_by is null or withdrawn.withdrawn_by < latest.load_id
)

select * from final
