-- Grain: one row per district (the county is their sum) at the latest reporting quarter: where each
-- district stands today, the starting point of every demand scenario. People aged 18+ in long-term
-- community support split by route (a DP recipient takes any part of their budget as a DP), their
-- planned hours a week, people with an ISF, care micro-enterprise hours, the hours and costs that give
-- today's hourly rates, and the Personal Assistant register's flows over the last twelve months.
with latest as (
    select period, quarter_end, quarter_end - interval 1 year as year_earlier
    from ref_quarter
    order by sort_key desc
    limit 1
),

clients as (
    select c.*
    from int_community_clients_snapshotted as c
    inner join latest as l on l.period = c.period
),

episodes as (
    select
        e.person_id,
        e.locality_code,
        e.service_type,
        e.delivery_route in ('direct_payment', 'part_direct_payment') as is_dp_route,
        e.delivery_route = 'isf' or e.service_type = 'isf' as is_isf,
        coalesce(e.weekly_hours, 0) as weekly_hours,
        coalesce(e.weekly_cost_gbp, 0) as weekly_cost_gbp
    from stg_activity as e
    inner join ref_service_type as s on s.service_type = e.service_type
    cross join latest as l
    where s.is_long_term_community
        and e.age >= 18
        and e.start_date <= l.quarter_end
        and (e.end_date is null or e.end_date >= l.quarter_end)
),

people as (
    select
        c.locality_code,
        count(*) as people_supported,
        count(*) filter (where c.is_dp_recipient) as dp_recipients,
        count(*) filter (where not c.is_dp_recipient and i.person_id is not null) as isf_people,
        coalesce(sum(c.weekly_hours) filter (where c.is_dp_recipient), 0) as dp_weekly_hours,
        coalesce(sum(c.weekly_hours) filter (where not c.is_dp_recipient), 0) as other_weekly_hours
    from clients as c
    left join (select distinct person_id from episodes where is_isf) as i on i.person_id = c.person_id
    group by c.locality_code
),

services as (
    select
        locality_code,
        sum(weekly_hours) filter (where service_type = 'cme') as cme_weekly_hours,
        sum(weekly_hours) filter (where service_type = 'home_care' and not is_dp_route) as home_care_hours,
        sum(weekly_cost_gbp) filter (where service_type = 'home_care' and not is_dp_route) as home_care_cost_gbp,
        sum(weekly_hours) filter (where is_dp_route and weekly_hours > 0) as dp_route_hours,
        sum(weekly_cost_gbp) filter (where is_dp_route and weekly_hours > 0) as dp_route_cost_gbp
    from episodes
    group by locality_code
),

register as (
    select
        p.locality_code,
        count(*) filter (where p.registered_date <= l.quarter_end and (p.left_date is null or p.left_date > l.quarter_end))
            as active_pas,
        count(*) filter (
            where p.registered_date <= l.year_earlier and (p.left_date is null or p.left_date > l.year_earlier)
        ) as pas_year_before,
        count(*) filter (where p.registered_date > l.year_earlier and p.registered_date <= l.quarter_end)
            as pas_joined_last_year,
        count(*) filter (where p.left_date > l.year_earlier and p.left_date <= l.quarter_end) as pas_left_last_year
    from stg_pa_register as p
    cross join latest as l
    group by p.locality_code
),

final as (
    select
        l.period,
        l.quarter_end,
        d.locality_code,
        d.locality_name,
        coalesce(p.people_supported, 0) as people_supported,
        coalesce(p.dp_recipients, 0) as dp_recipients,
        coalesce(p.isf_people, 0) as isf_people,
        coalesce(p.dp_weekly_hours, 0) as dp_weekly_hours,
        coalesce(p.other_weekly_hours, 0) as other_weekly_hours,
        coalesce(s.cme_weekly_hours, 0) as cme_weekly_hours,
        coalesce(s.home_care_hours, 0) as home_care_hours,
        coalesce(s.home_care_cost_gbp, 0) as home_care_cost_gbp,
        coalesce(s.dp_route_hours, 0) as dp_route_hours,
        coalesce(s.dp_route_cost_gbp, 0) as dp_route_cost_gbp,
        coalesce(r.active_pas, 0) as active_pas,
        coalesce(r.pas_year_before, 0) as pas_year_before,
        coalesce(r.pas_joined_last_year, 0) as pas_joined_last_year,
        coalesce(r.pas_left_last_year, 0) as pas_left_last_year
    from dim_locality as d
    cross join latest as l
    left join people as p on p.locality_code = d.locality_code
    left join services as s on s.locality_code = d.locality_code
    left join register as r on r.locality_code = d.locality_code
    where not d.is_county
)

select * from final
order by locality_code
