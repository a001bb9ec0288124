-- Grain: one row per quarter x long-term support service (of a service user) open at the quarter's end in
-- that quarter's submission, with its place in ASCOF 3D's setting hierarchy and its weekly cost and hours.
-- Open means started on or before the quarter end, not ended before it, person not dead before it.
-- Weekly cost follows DHSC's cost method: the cost frequency is trusted over planned units (weekly, fortnightly,
-- 4-weekly, monthly, quarterly, annual costs are spread over the weeks); hourly, daily and per-session
-- costs are multiplied by the planned units a week; one-off costs are not a weekly cost.
with services as (
    select *
    from int_cld_events_snapshotted
    where event_type = 'Service'
        and client_type = 'Service user'
        and service_type in (select service_type from ref_cld_ltc_hierarchy)
        and event_start_date <= quarter_end
        and (der_end_date is null or der_end_date >= quarter_end)
        and (date_of_death is null or date_of_death >= quarter_end)
),

ranked as (
    select
        s.*,
        coalesce(known.setting_rank, blank.setting_rank) as setting_rank,
        coalesce(known.setting, blank.setting) as setting
    from services as s
    left join ref_cld_ltc_hierarchy as known
        on known.service_type = s.service_type and known.delivery_mechanism = s.der_delivery_mechanism
    left join ref_cld_ltc_hierarchy as blank
        on blank.service_type = s.service_type and blank.delivery_mechanism is null
),

costed as (
    select
        *,
        case
            when lower(cost_frequency_unit_type) like 'one%off%' then null
            when lower(cost_frequency_unit_type) like 'week%' then 1.0
            when lower(cost_frequency_unit_type) like 'fortnight%' then 1.0 / 2
            when lower(cost_frequency_unit_type) like '4%week%' then 1.0 / 4
            when lower(cost_frequency_unit_type) like 'month%' then 12.0 / 52
            when lower(cost_frequency_unit_type) like 'quarter%' then 4.0 / 52
            when lower(cost_frequency_unit_type) like 'annual%' then 1.0 / 52
            else abs(planned_units_per_week)
        end as units_per_week
    from ranked
),

final as (
    select
        * exclude (units_per_week),
        abs(unit_cost) * units_per_week as weekly_cost_gbp,
        case when lower(cost_frequency_unit_type) like 'hour%' then abs(planned_units_per_week) end
            as weekly_planned_hours
    from costed
)

select * from final
