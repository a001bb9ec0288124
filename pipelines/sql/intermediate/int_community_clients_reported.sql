-- Grain: one row per quarter x person aged 18+ in long-term community support at the quarter's end, from the
-- source the council's figures are reported from: Client Level Data for every quarter its submissions cover
-- (the people ASCOF 3D's hierarchy places in Community, int_cld_ltc_placed; locality null for people who
-- cannot be placed, who count in the council total only), the older activity layout for quarters without.
-- Age is on the quarter's end (null where CLD has no birth date: DHSC keeps such people in 3D).
with cld as (
    select
        period, quarter_end, person_id, locality_code, is_dp_recipient, dp_weekly_cost_gbp,
        weekly_planned_hours as weekly_hours, weekly_cost_gbp, age_at_quarter_end as age
    from int_cld_ltc_placed
    where is_community
),

activity as (
    select
        period, quarter_end, person_id, locality_code, is_dp_recipient, dp_weekly_cost_gbp, weekly_hours,
        weekly_cost_gbp, age
    from int_community_clients_snapshotted
    where period not in (select period from int_cld_submission_selected)
),

final as (
    select * from cld
    union all by name
    select * from activity
)

select * from final
