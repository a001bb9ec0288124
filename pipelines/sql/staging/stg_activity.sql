-- Grain: one row per person per service episode. A resubmitted episode (same person, service and
-- start date) replaces the earlier one: the latest load wins.
with source as (
    select * from raw_activity
),

latest as (
    select *
    from source
    qualify row_number() over (
        partition by person_id, service_type, start_date order by load_id desc, source_row desc
    ) = 1
),

final as (
    select
        person_id, age, sex, primary_support_reason, locality_code, service_type, delivery_route,
        start_date, end_date, weekly_hours, weekly_cost_gbp, provider_id, load_id
    from latest
)

select * from final
