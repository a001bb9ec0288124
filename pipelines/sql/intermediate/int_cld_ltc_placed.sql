-- Grain: one row per quarter x person aged 18 or over (or of unknown age, kept as DHSC does) with a
-- long-term support service open at the quarter's end, placed once by ASCOF 3D's hierarchy: Nursing >
-- Residential > Community: Direct payment > Community: CASSR managed personal budget > Community: CASSR
-- commissioned support > Community: unknown or invalid mechanism > Prison. A person in nursing care who
-- also holds a direct payment is counted once, in Nursing. Locality is null for people who cannot be placed.
with services as (
    select * from int_cld_services_open
),

per_person as (
    select
        period,
        quarter_end,
        person_id,
        min(setting_rank) as setting_rank,
        arg_min(setting, setting_rank) as setting,
        sum(weekly_cost_gbp) as weekly_cost_gbp,
        sum(weekly_cost_gbp) filter (where der_delivery_mechanism = 'Direct payment'
            and service_type = 'Long term support: Community') as dp_weekly_cost_gbp,
        sum(weekly_planned_hours) as weekly_planned_hours
    from services
    group by period, quarter_end, person_id
),

final as (
    select
        p.period,
        p.quarter_end,
        p.person_id,
        w.locality_code,
        w.placed_by,
        w.age_band,
        w.age_at_quarter_end,
        w.primary_support_reason,
        w.ethnicity,
        p.setting_rank,
        p.setting,
        p.setting like 'Community%' as is_community,
        p.setting = 'Community: Direct payment' as is_dp_recipient,
        p.setting in ('Community: Direct payment', 'Community: CASSR managed personal budget') as is_self_directed,
        coalesce(p.dp_weekly_cost_gbp, 0) as dp_weekly_cost_gbp,
        coalesce(p.weekly_cost_gbp, 0) as weekly_cost_gbp,
        coalesce(p.weekly_planned_hours, 0) as weekly_planned_hours
    from per_person as p
    inner join int_cld_people_located as w on w.period = p.period and w.person_id = p.person_id
    where w.age_band <> 'Under 18'
)

select * from final
