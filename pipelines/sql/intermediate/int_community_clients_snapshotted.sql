-- Grain: one row per quarter x person aged 18+ in long-term community support at the quarter's end, with
-- their age on that date.
-- A person with several active episodes (home care and day care, say) counts once; they are a DP
-- recipient if any active community episode is taken as a direct payment or part direct payment. Only quarters
-- that ended before the activity file was loaded (int_source_quarters).
with quarters as (
    select period, quarter_end from int_source_quarters where source = 'activity'
),

community_episodes as (
    select e.*
    from stg_activity as e
    inner join ref_service_type as s on s.service_type = e.service_type
    where s.is_long_term_community and e.age >= 18
),

active as (
    select
        q.period,
        q.quarter_end,
        e.person_id,
        e.locality_code,
        e.start_date,
        e.age + floor(datediff('day', e.start_date, q.quarter_end) / 365.25) as age_at_quarter_end,
        e.delivery_route in ('direct_payment', 'part_direct_payment') as is_dp,
        e.weekly_hours,
        e.weekly_cost_gbp
    from quarters as q
    inner join community_episodes as e
        on e.start_date <= q.quarter_end and (e.end_date is null or e.end_date >= q.quarter_end)
),

final as (
    select
        period,
        quarter_end,
        person_id,
        -- where episodes disagree, the most recently started one says where the person lives
        arg_max(locality_code, start_date) as locality_code,
        -- age at the start of the oldest active episode plus the whole years since
        max(age_at_quarter_end) as age,
        bool_or(is_dp) as is_dp_recipient,
        coalesce(sum(weekly_cost_gbp) filter (where is_dp), 0) as dp_weekly_cost_gbp,
        coalesce(sum(weekly_hours), 0) as weekly_hours,
        coalesce(sum(weekly_cost_gbp), 0) as weekly_cost_gbp
    from active
    group by period, quarter_end, person_id
)

select * from final
